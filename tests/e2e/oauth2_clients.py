"""Three clients of the OAuth2 service for the case list: REST, ory-hydra-client, CLI."""

from __future__ import annotations

from typing import Any, Protocol

import httpx
from ory_hydra_client import ApiClient, Configuration
from ory_hydra_client.api.o_auth2_api import OAuth2Api
from ory_hydra_client.exceptions import ApiException
from ory_hydra_client.models import OAuth2Client as ClientBody

from tests.e2e.support import ClientError, roost, roost_json
from tests.oauth2.conftest import Hydra

Json = dict[str, Any]


class OAuth2Client(Protocol):
    """What a case may do; every method raises :class:`ClientError` when refused."""

    def create(self, name: str, scope: str, secret: str) -> Json: ...
    def get(self, client_id: str) -> Json: ...
    def ids(self) -> list[str]: ...
    def rename(self, client_id: str, name: str, scope: str) -> Json: ...
    def delete(self, client_id: str) -> None: ...
    def token(self, client_id: str, secret: str) -> Json: ...
    def introspect(self, token: str) -> Json: ...
    def revoke(self, client_id: str, secret: str, token: str) -> None: ...
    def delete_tokens(self, client_id: str) -> None: ...


GRANTS = ["client_credentials"]


class Rest:
    """Hydra's admin and public REST APIs with httpx."""

    def __init__(self, hydra: Hydra) -> None:
        self.admin, self.public = hydra.admin, hydra.public

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, url, timeout=30, **kwargs)
        if response.status_code >= 400:
            raise ClientError(f"{response.status_code} {response.text}", response.status_code)
        return response

    def create(self, name: str, scope: str, secret: str) -> Json:
        body = {"client_name": name, "scope": scope, "grant_types": GRANTS, "client_secret": secret}
        created: Json = self._send("POST", f"{self.admin}/admin/clients", json=body).json()
        return created

    def get(self, client_id: str) -> Json:
        found: Json = self._send("GET", f"{self.admin}/admin/clients/{client_id}").json()
        return found

    def ids(self) -> list[str]:
        params = {"page_size": 500}
        clients = self._send("GET", f"{self.admin}/admin/clients", params=params).json()
        return [c["client_id"] for c in clients]

    def rename(self, client_id: str, name: str, scope: str) -> Json:
        body = {**self.get(client_id), "client_name": name, "scope": scope}
        url = f"{self.admin}/admin/clients/{client_id}"
        updated: Json = self._send("PUT", url, json=body).json()
        return updated

    def delete(self, client_id: str) -> None:
        self._send("DELETE", f"{self.admin}/admin/clients/{client_id}")

    def token(self, client_id: str, secret: str) -> Json:
        data = {"grant_type": "client_credentials"}
        url = f"{self.public}/oauth2/token"
        issued: Json = self._send("POST", url, data=data, auth=(client_id, secret)).json()
        return issued

    def introspect(self, token: str) -> Json:
        url = f"{self.admin}/admin/oauth2/introspect"
        info: Json = self._send("POST", url, data={"token": token}).json()
        return info

    def revoke(self, client_id: str, secret: str, token: str) -> None:
        url = f"{self.public}/oauth2/revoke"
        self._send("POST", url, data={"token": token}, auth=(client_id, secret))

    def delete_tokens(self, client_id: str) -> None:
        url = f"{self.admin}/admin/oauth2/tokens"
        self._send("DELETE", url, params={"client_id": client_id})


def _sdk(call: Any) -> Any:
    try:
        return call()
    except ApiException as exc:
        raise ClientError(f"{exc.status} {exc.body}", exc.status) from exc


class Sdk:
    """Ory's official Python SDK, ory-hydra-client."""

    def __init__(self, hydra: Hydra) -> None:
        self.hydra = hydra
        self.admin = OAuth2Api(ApiClient(Configuration(host=hydra.admin)))

    def _public(self, client_id: str, secret: str) -> OAuth2Api:
        config = Configuration(host=self.hydra.public, username=client_id, password=secret)
        return OAuth2Api(ApiClient(config))

    def create(self, name: str, scope: str, secret: str) -> Json:
        body = ClientBody(client_name=name, scope=scope, grant_types=GRANTS, client_secret=secret)
        created: Json = _sdk(lambda: self.admin.create_o_auth2_client(body)).to_dict()
        return created

    def get(self, client_id: str) -> Json:
        found: Json = _sdk(lambda: self.admin.get_o_auth2_client(client_id)).to_dict()
        return found

    def ids(self) -> list[str]:
        clients = _sdk(lambda: self.admin.list_o_auth2_clients(page_size=500))
        return [c.client_id for c in clients]

    def rename(self, client_id: str, name: str, scope: str) -> Json:
        current = _sdk(lambda: self.admin.get_o_auth2_client(client_id))
        current.client_name, current.scope = name, scope
        updated = _sdk(lambda: self.admin.set_o_auth2_client(client_id, current))
        data: Json = updated.to_dict()
        return data

    def delete(self, client_id: str) -> None:
        _sdk(lambda: self.admin.delete_o_auth2_client(client_id))

    def token(self, client_id: str, secret: str) -> Json:
        public = self._public(client_id, secret)
        issued = _sdk(lambda: public.oauth2_token_exchange(grant_type="client_credentials"))
        data: Json = issued.to_dict()
        return data

    def introspect(self, token: str) -> Json:
        info: Json = _sdk(lambda: self.admin.introspect_o_auth2_token(token)).to_dict()
        return info

    def revoke(self, client_id: str, secret: str, token: str) -> None:
        public = self._public(client_id, secret)
        _sdk(lambda: public.revoke_o_auth2_token(token))

    def delete_tokens(self, client_id: str) -> None:
        _sdk(lambda: self.admin.delete_o_auth2_token(client_id))


class Cli:
    """``roost oauth2 ...``, Hydra's client commands."""

    def __init__(self, hydra: Hydra) -> None:
        self.admin, self.public = ("-e", hydra.admin), ("-e", hydra.public)

    def create(self, name: str, scope: str, secret: str) -> Json:
        args = ("--name", name, "--scope", scope, "-g", GRANTS[0], "--secret", secret)
        created: Json = roost_json("oauth2", "create", "oauth2-client", *self.admin, *args)
        return created

    def get(self, client_id: str) -> Json:
        found: Json = roost_json("oauth2", "get", "oauth2-client", *self.admin, client_id)
        return found

    def ids(self) -> list[str]:
        args = ("--page-size", "500", *self.admin)
        return [
            c["client_id"] for c in roost_json("oauth2", "list", "oauth2-clients", *args)["items"]
        ]

    def rename(self, client_id: str, name: str, scope: str) -> Json:
        args = (client_id, *self.admin, "--name", name, "--scope", scope, "-g", GRANTS[0])
        updated: Json = roost_json("oauth2", "update", "oauth2-client", *args)
        return updated

    def delete(self, client_id: str) -> None:
        roost("oauth2", "delete", "oauth2-client", *self.admin, client_id)

    def token(self, client_id: str, secret: str) -> Json:
        args = ("--client-id", client_id, "--client-secret", secret, *self.public)
        issued: Json = roost_json("oauth2", "perform", "client-credentials", *args)
        return issued

    def introspect(self, token: str) -> Json:
        info: Json = roost_json("oauth2", "introspect", "token", *self.admin, token)
        return info

    def revoke(self, client_id: str, secret: str, token: str) -> None:
        args = ("--client-id", client_id, "--client-secret", secret, *self.public, token)
        roost("oauth2", "revoke", "token", *args)

    def delete_tokens(self, client_id: str) -> None:
        roost("oauth2", "delete", "access-tokens", *self.admin, client_id)


CLIENTS = {"rest": Rest, "sdk": Sdk, "cli": Cli}
