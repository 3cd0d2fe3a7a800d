"""Three clients of the identity service for the case list: REST, ory-kratos-client, CLI."""

from __future__ import annotations

import json
from typing import Any, Protocol

import httpx
from ory_kratos_client import ApiClient, Configuration
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.api.identity_api import IdentityApi
from ory_kratos_client.exceptions import ApiException
from ory_kratos_client.models import CreateIdentityBody

from tests.e2e.support import ClientError, roost, roost_json
from tests.support.server import Server

Json = dict[str, Any]


class IdentityClient(Protocol):
    """What a case may do; every method raises :class:`ClientError` when refused."""

    def create(self, body: Json) -> Json: ...
    def get(self, identity_id: str, credentials: bool = False) -> Json: ...
    def ids(self) -> list[str]: ...
    def delete(self, identity_id: str) -> None: ...
    def whoami(self, session_token: str) -> Json: ...


class Rest:
    """Kratos's admin and public REST APIs with httpx."""

    def __init__(self, server: Server) -> None:
        self.admin = server.urls["admin"] + "/admin/identities"
        self.public = server.urls["public"]

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, url, timeout=30, **kwargs)
        if response.status_code >= 400:
            raise ClientError(f"{response.status_code} {response.text}", response.status_code)
        return response

    def create(self, body: Json) -> Json:
        created: Json = self._send("POST", self.admin, json=body).json()
        return created

    def get(self, identity_id: str, credentials: bool = False) -> Json:
        params = {"include_credential": "password"} if credentials else {}
        found: Json = self._send("GET", f"{self.admin}/{identity_id}", params=params).json()
        return found

    def ids(self) -> list[str]:
        return [i["id"] for i in self._send("GET", self.admin, params={"page_size": 500}).json()]

    def delete(self, identity_id: str) -> None:
        self._send("DELETE", f"{self.admin}/{identity_id}")

    def whoami(self, session_token: str) -> Json:
        headers = {"X-Session-Token": session_token}
        session: Json = self._send("GET", f"{self.public}/sessions/whoami", headers=headers).json()
        return session


def _sdk(call: Any) -> Any:
    try:
        return call()
    except ApiException as exc:
        raise ClientError(f"{exc.status} {exc.body}", exc.status) from exc


class Sdk:
    """Ory's official Python SDK, ory-kratos-client."""

    def __init__(self, server: Server) -> None:
        self.admin = IdentityApi(ApiClient(Configuration(host=server.urls["admin"])))
        self.frontend = FrontendApi(ApiClient(Configuration(host=server.urls["public"])))

    def create(self, body: Json) -> Json:
        made = CreateIdentityBody.from_dict(body)
        created: Json = _sdk(
            lambda: self.admin.create_identity(create_identity_body=made)
        ).to_dict()
        return created

    def get(self, identity_id: str, credentials: bool = False) -> Json:
        include = ["password"] if credentials else None
        found = _sdk(lambda: self.admin.get_identity(identity_id, include_credential=include))
        data: Json = found.to_dict()
        return data

    def ids(self) -> list[str]:
        return [i.id for i in _sdk(lambda: self.admin.list_identities(page_size=500))]

    def delete(self, identity_id: str) -> None:
        _sdk(lambda: self.admin.delete_identity(identity_id))

    def whoami(self, session_token: str) -> Json:
        session: Json = _sdk(
            lambda: self.frontend.to_session(x_session_token=session_token)
        ).to_dict()
        return session


class Cli:
    """``roost identity ...``, Kratos's client commands."""

    def __init__(self, server: Server) -> None:
        self.admin, self.public = server.urls["admin"], server.urls["public"]

    def create(self, body: Json) -> Json:
        created: Json = roost_json(
            "identity", "import", "identities", "-", "-e", self.admin, stdin=json.dumps(body)
        )
        return created

    def get(self, identity_id: str, credentials: bool = False) -> Json:
        include = ["-i", "password"] if credentials else []
        found: Json = roost_json(
            "identity", "get", "identity", identity_id, *include, "-e", self.admin
        )
        return found

    def ids(self) -> list[str]:
        listed = roost_json(
            "identity", "list", "identities", "--page-size", "500", "-e", self.admin
        )
        return [i["id"] for i in listed]

    def delete(self, identity_id: str) -> None:
        out = roost("identity", "delete", "identity", identity_id, "-e", self.admin)
        assert identity_id in out  # the CLI echoes what it deleted

    def whoami(self, session_token: str) -> Json:
        args = ("--session-token", session_token, "-e", self.public)
        session: Json = roost_json("identity", "whoami", *args)
        return session


CLIENTS = {"rest": Rest, "sdk": Sdk, "cli": Cli}
