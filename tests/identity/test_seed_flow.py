"""The seed tutorial's "Test Ory Kratos" steps through the official SDK, on SQLite and PostgreSQL.

registration (API flow) → login → whoami (token header, bearer, cookie) →
native logout → whoami fails, then the seed's SQL read-back on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
from ory_kratos_client.exceptions import ApiException, UnauthorizedException
from ory_kratos_client.models import (
    PerformNativeLogoutBody,
    UpdateLoginFlowBody,
    UpdateLoginFlowWithPasswordMethod,
    UpdateRegistrationFlowBody,
    UpdateRegistrationFlowWithPasswordMethod,
)

from tests.identity.conftest import Kratos, email

PASSWORD = "HelloCockro@ch123"
SEED_SQL = """
SELECT i.id, i.schema_id, i.traits, i.created_at, i.updated_at, i.nid, state, i.state_changed_at, ic.config as credentials, ict.name as identity_type
FROM public.identities i
join public.identity_credentials ic  on i.id = ic.identity_id
join public.identity_credential_types ict on ic.identity_credential_type_id = ict.id;
"""  # noqa: E501 - the seed's query, unchanged


def register(k: Kratos, address: str, password: str = PASSWORD) -> object:
    flow = k.frontend.create_native_registration_flow()
    body = UpdateRegistrationFlowBody(
        UpdateRegistrationFlowWithPasswordMethod(
            method="password",
            password=password,
            traits={"email": address, "name": {"first": "Max", "last": "Roach"}},
        )
    )
    return k.frontend.update_registration_flow(flow=flow.id, update_registration_flow_body=body)


def login(k: Kratos, identifier: str, password: str = PASSWORD) -> object:
    flow = k.frontend.create_native_login_flow()
    body = UpdateLoginFlowBody(
        UpdateLoginFlowWithPasswordMethod(
            method="password", identifier=identifier, password=password
        )
    )
    return k.frontend.update_login_flow(flow=flow.id, update_login_flow_body=body)


def test_registration_returns_identity_and_null_continue_with(kratos: Kratos) -> None:
    address = email()
    result = register(kratos, address)
    assert result.identity.traits["email"] == address
    assert result.identity.schema_id == "default"
    assert result.identity.schema_url.endswith("/schemas/ZGVmYXVsdA")
    assert result.identity.state == "active"
    assert result.session is None and result.session_token is None
    raw = httpx.get(kratos.server.urls["public"] + "/self-service/registration/api").json()
    reply = httpx.post(
        kratos.server.urls["public"] + f"/self-service/registration?flow={raw['id']}",
        content=json.dumps(
            {"method": "password", "password": PASSWORD, "traits": {"email": email()}}
        ),
        headers={"Accept": "application/json Content-Type: application/json"},
    )
    assert reply.status_code == 200, reply.text
    assert set(reply.json()) == {"identity", "continue_with"}
    assert reply.json()["continue_with"] is None
    assert set(reply.json()["identity"]) == {
        "id",
        "schema_id",
        "schema_url",
        "state",
        "state_changed_at",
        "traits",
        "metadata_public",
        "created_at",
        "updated_at",
        "organization_id",
    }


def test_login_whoami_logout(kratos: Kratos) -> None:
    address = email()
    registered = register(kratos, address)
    result = login(kratos, address.upper())
    token = result.session_token
    assert re.fullmatch(r"ory_st_[A-Za-z0-9]{32}", token)
    session = result.session
    assert session.active and session.authenticator_assurance_level == "aal1"
    assert [m.method for m in session.authentication_methods] == ["password"]
    assert session.identity.id == registered.identity.id
    assert session.devices[0].user_agent.startswith("OpenAPI-Generator")
    assert session.devices[0].ip_address.startswith("127.0.0.1:")

    assert kratos.frontend.to_session(x_session_token=token).id == session.id
    bearer = httpx.get(
        kratos.server.urls["public"] + "/sessions/whoami",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bearer.status_code == 200 and bearer.json()["id"] == session.id
    assert bearer.headers["X-Kratos-Authenticated-Identity-Id"] == registered.identity.id

    kratos.frontend.perform_native_logout(PerformNativeLogoutBody(session_token=token))
    with pytest.raises(UnauthorizedException) as err:
        kratos.frontend.to_session(x_session_token=token)
    assert "No valid session credentials" in err.value.body
    with pytest.raises(ApiException) as again:
        kratos.frontend.perform_native_logout(
            PerformNativeLogoutBody(session_token="ory_st_" + "x" * 32)
        )
    assert again.value.status == 403


def test_whoami_accepts_the_session_cookie(kratos: Kratos) -> None:
    """Browser flows (a later issue) issue the cookie; build it as the server does."""
    from roost.identity.service import _fernet

    address = email()
    register(kratos, address)
    token = login(kratos, address).session_token
    secrets = json.loads((kratos.server.log.parent / "data" / "secrets.json").read_text())
    cookie = _fernet((secrets["identity.default"],), "kratos-session-cookie").encrypt(
        token.encode()
    )
    whoami = kratos.frontend.to_session(cookie=f"ory_kratos_session={cookie.decode()}")
    assert whoami.identity.traits["email"] == address
    with pytest.raises(UnauthorizedException):
        kratos.frontend.to_session(cookie="ory_kratos_session=garbage")


def test_registration_with_session_hook(kratos_hook: Kratos) -> None:
    address = email()
    result = register(kratos_hook, address)
    assert result.session_token.startswith("ory_st_")
    assert result.session.identity.id == result.identity.id
    assert result.continue_with[0].actual_instance.action == "set_ory_session_token"
    who = kratos_hook.frontend.to_session(x_session_token=result.session_token)
    assert who.identity.traits["email"] == address


def test_seed_sql_read_back_on_postgres(kratos: Kratos) -> None:
    if not kratos.dsn.startswith("postgres"):
        pytest.skip("the seed's query names the public schema: PostgreSQL only")
    import asyncpg

    address = email()
    registered = register(kratos, address)
    plain = "postgresql://" + kratos.dsn.split("://", 1)[1].split("?")[0]

    async def query() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(plain)
        try:
            return list(await conn.fetch(SEED_SQL))
        finally:
            await conn.close()

    rows = asyncio.run(query())
    mine = [r for r in rows if str(r["id"]) == registered.identity.id]
    assert len(mine) == 1
    row = mine[0]
    assert row["identity_type"] == "password"
    assert row["state"] == "active"
    assert row["schema_id"] == "default"
    assert re.fullmatch(r'\{"hashed_password": "\$2a\$04\$[./A-Za-z0-9]{53}"\}', row["credentials"])
    assert json.loads(row["traits"])["email"] == address


def test_argon2id_hasher_and_rehash_on_login(kratos_argon2: Kratos) -> None:
    from ory_kratos_client.models import (
        CreateIdentityBody,
        IdentityWithCredentials,
        IdentityWithCredentialsPassword,
        IdentityWithCredentialsPasswordConfig,
    )

    address = email()
    registered = register(kratos_argon2, address)
    got = kratos_argon2.admin.get_identity(registered.identity.id, include_credential=["password"])
    assert got.credentials["password"].config["hashed_password"].startswith("$argon2id$v=19$")
    assert login(kratos_argon2, address).session.identity.id == registered.identity.id

    other = email()
    legacy = "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq"  # "123456"
    creds = IdentityWithCredentials(
        password=IdentityWithCredentialsPassword(
            config=IdentityWithCredentialsPasswordConfig(hashed_password=legacy)
        )
    )
    created = kratos_argon2.admin.create_identity(
        create_identity_body=CreateIdentityBody(
            schema_id="default", traits={"email": other}, credentials=creds
        )
    )
    login(kratos_argon2, other, "123456")
    after = kratos_argon2.admin.get_identity(created.id, include_credential=["password"])
    assert after.credentials["password"].config["hashed_password"].startswith("$argon2id$")


def test_health_on_both_ports_and_under_admin(kratos: Kratos) -> None:
    """Kratos's Helm chart probes /admin/health/* on the admin port."""
    for base, paths in (
        (kratos.server.urls["public"], ("/health/alive", "/health/ready", "/version")),
        (
            kratos.server.urls["admin"],
            ("/health/alive", "/admin/health/alive", "/admin/health/ready", "/admin/version"),
        ),
    ):
        for path in paths:
            r = httpx.get(base + path)
            assert r.status_code == 200, (base, path, r.text)
