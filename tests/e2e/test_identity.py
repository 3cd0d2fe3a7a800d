"""The identity service's end-to-end cases, each run through REST, ory-kratos-client and the CLI.

Sessions come from a native login over REST (the login flow has no CLI
command); what the case checks about them goes through the client under test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import bcrypt
import httpx
import pytest

from tests.e2e.identity_clients import CLIENTS, IdentityClient
from tests.e2e.support import ClientError
from tests.identity.conftest import Kratos

Case = Callable[[IdentityClient, Kratos], None]
CASES: list[Case] = []


def case(fn: Case) -> Case:
    CASES.append(fn)
    return fn


def email() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}@example.com"


def login(kratos: Kratos, identifier: str, password: str) -> str:
    """A session token from Kratos's native login flow."""
    public = kratos.server.urls["public"]
    flow = httpx.get(f"{public}/self-service/login/api", timeout=30).json()
    body = {"method": "password", "identifier": identifier, "password": password}
    response = httpx.post(
        f"{public}/self-service/login", params={"flow": flow["id"]}, json=body, timeout=30
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["session_token"]
    return token


@case
def create_get_list_delete(client: IdentityClient, kratos: Kratos) -> None:
    address = email()
    created = client.create({"schema_id": "default", "traits": {"email": address}})
    assert created["traits"]["email"] == address and created["schema_id"] == "default"
    got = client.get(created["id"])
    assert got["id"] == created["id"] and got["traits"] == {"email": address}
    assert created["id"] in client.ids()
    client.delete(created["id"])
    with pytest.raises(ClientError, match="404") as gone:
        client.get(created["id"])
    assert gone.value.status in {404, None}
    assert created["id"] not in client.ids()


@case
def imported_hash_logs_in_and_whoami_names_the_identity(
    client: IdentityClient, kratos: Kratos
) -> None:
    address, password = email(), f"pw-{uuid.uuid4().hex}"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    created = client.create(
        {
            "schema_id": "default",
            "traits": {"email": address},
            "credentials": {"password": {"config": {"hashed_password": hashed}}},
        }
    )
    with_credentials = client.get(created["id"], credentials=True)
    assert with_credentials["credentials"]["password"]["config"]["hashed_password"] == hashed
    assert "config" not in client.get(created["id"]).get("credentials", {}).get("password", {})
    session = client.whoami(login(kratos, address, password))
    assert session["active"] is True and session["identity"]["id"] == created["id"]


@case
def duplicate_identifier_is_refused(client: IdentityClient, kratos: Kratos) -> None:
    body = {"schema_id": "default", "traits": {"email": email()}}
    client.create(body)
    with pytest.raises(ClientError, match="409") as refused:
        client.create(body)
    assert refused.value.status in {409, None}


@case
def unknown_session_token_is_refused(client: IdentityClient, kratos: Kratos) -> None:
    with pytest.raises(ClientError, match="401") as refused:
        client.whoami("ory_st_not-a-token")
    assert refused.value.status in {401, None}


@pytest.mark.parametrize(
    ("case", "kind"),
    [pytest.param(c, k, id=f"{c.__name__}-{k}") for c in CASES for k in CLIENTS],
)
def test_identity_case(case: Case, kind: str, kratos: Kratos) -> None:
    case(CLIENTS[kind](kratos.server), kratos)
