"""The OAuth2 service's end-to-end cases, each run through REST, ory-hydra-client and the CLI."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from tests.e2e.oauth2_clients import CLIENTS, OAuth2Client
from tests.e2e.support import ClientError
from tests.oauth2.conftest import Hydra

Case = Callable[[OAuth2Client], None]
CASES: list[Case] = []


def case(fn: Case) -> Case:
    CASES.append(fn)
    return fn


def secret() -> str:
    return f"secret-{uuid.uuid4().hex}"


@case
def client_lifecycle(client: OAuth2Client) -> None:
    name, chosen = f"e2e-{uuid.uuid4().hex[:8]}", secret()
    created = client.create(name, "read write", chosen)
    cid = created["client_id"]
    assert created["client_secret"] == chosen and created["scope"] == "read write"
    assert created["token_endpoint_auth_method"] == "client_secret_basic"
    fetched = client.get(cid)
    assert fetched["client_name"] == name and fetched.get("client_secret") in {None, ""}
    assert cid in client.ids()
    renamed = client.rename(cid, "renamed", "read")
    assert renamed["client_name"] == "renamed" and renamed["scope"] == "read"
    assert renamed["created_at"] == created["created_at"]
    # the secret survived the update: it still authenticates
    assert client.token(cid, chosen)["access_token"].startswith("ory_at_")
    client.delete(cid)
    with pytest.raises(ClientError, match="404") as gone:
        client.get(cid)
    assert gone.value.status in {404, None}
    assert cid not in client.ids()


@case
def token_introspect_revoke(client: OAuth2Client) -> None:
    chosen = secret()
    cid = client.create("tokens", "read", chosen)["client_id"]
    issued = client.token(cid, chosen)
    assert issued["token_type"] == "bearer"
    info = client.introspect(issued["access_token"])
    assert info["active"] is True and info["client_id"] == cid
    client.revoke(cid, chosen, issued["access_token"])
    assert client.introspect(issued["access_token"])["active"] is False


@case
def deleting_a_clients_tokens_deactivates_them(client: OAuth2Client) -> None:
    chosen = secret()
    cid = client.create("many-tokens", "read", chosen)["client_id"]
    tokens = [client.token(cid, chosen)["access_token"] for _ in range(2)]
    assert all(client.introspect(t)["active"] for t in tokens)
    client.delete_tokens(cid)
    assert not any(client.introspect(t)["active"] for t in tokens)


@case
def wrong_secret_gets_no_token(client: OAuth2Client) -> None:
    cid = client.create("wrong-secret", "read", secret())["client_id"]
    with pytest.raises(ClientError, match="invalid_client") as refused:
        client.token(cid, secret())
    assert refused.value.status in {401, None}


@pytest.mark.parametrize(
    ("case", "kind"),
    [pytest.param(c, k, id=f"{c.__name__}-{k}") for c in CASES for k in CLIENTS],
)
def test_oauth2_case(case: Case, kind: str, hydra: Hydra) -> None:
    case(CLIENTS[kind](hydra))
