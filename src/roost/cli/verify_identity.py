"""``roost verify``'s Kratos steps: the seed's "Test Ory Kratos" section.

Register with the password method through a native (API) flow, log in,
check the session at ``/sessions/whoami``, log out (and see the token
refused), and (with a DSN) read the identity back with the seed's SQL. The
identity is deleted through the admin API at the end.
"""

from __future__ import annotations

import secrets
from typing import Any

from roost.cli.verify import Run, expect, expect_status, json_of, sql_rows

IDENTITY_SQL = (
    "SELECT i.id, i.schema_id, i.traits, i.created_at, i.updated_at, i.nid, state, "
    "i.state_changed_at, ic.config as credentials, ict.name as identity_type "
    "FROM public.identities i "
    "join public.identity_credentials ic on i.id = ic.identity_id "
    "join public.identity_credential_types ict on ic.identity_credential_type_id = ict.id "
    "WHERE i.id = :identity_id"
)


def run(run: Run, public: str, admin: str, *, dsn: str | None) -> None:
    """The seed's Kratos steps, in order; a failed step stops this service's steps."""
    email = f"roost-verify-{run.run_id}@example.com"
    # Random, long and mixed, so that a password policy (or a breach list) accepts it.
    password = f"Vf-{secrets.token_urlsafe(18)}-9x"
    identity_id = run.step(
        "kratos: register (API flow, password)", lambda: _register(run, public, email, password)
    )
    run.on_cleanup("kratos: delete the identity", lambda: _delete(run, admin, identity_id))
    token = run.step("kratos: log in (API flow)", lambda: _login(run, public, email, password))
    run.step(
        "kratos: whoami with the session token", lambda: _whoami(run, public, token, identity_id)
    )
    run.step("kratos: log out, token refused", lambda: _logout(run, public, token))
    if dsn:
        run.step("kratos: SQL read-back of the identity", lambda: _identity_row(dsn, identity_id))


def _flow(run: Run, public: str, kind: str) -> str:
    data = json_of(expect_status(run.http.get(f"{public}/self-service/{kind}/api"), 200))
    flow: str = data.get("id", "")
    expect(bool(flow), f"no {kind} flow id")
    return flow


def _register(run: Run, public: str, email: str, password: str) -> str:
    flow = _flow(run, public, "registration")
    body = {
        "method": "password",
        "password": password,
        "traits": {"email": email, "name": {"first": "Max", "last": "Roach"}},
    }
    response = run.http.post(
        f"{public}/self-service/registration", params={"flow": flow}, json=body
    )
    identity: dict[str, Any] = json_of(expect_status(response, 200)).get("identity") or {}
    expect(identity.get("traits", {}).get("email") == email, "identity traits do not match")
    expect(identity.get("state") == "active", f"identity state {identity.get('state')!r}")
    identity_id: str = identity.get("id", "")
    return identity_id


def _login(run: Run, public: str, email: str, password: str) -> str:
    flow = _flow(run, public, "login")
    body = {"identifier": email, "password": password, "method": "password"}
    response = run.http.post(f"{public}/self-service/login", params={"flow": flow}, json=body)
    data = json_of(expect_status(response, 200))
    token: str = data.get("session_token", "")
    expect(bool(token), "no session_token")
    expect(data.get("session", {}).get("active") is True, "session is not active")
    return token


def _whoami(run: Run, public: str, token: str, identity_id: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    data = json_of(expect_status(run.http.get(f"{public}/sessions/whoami", headers=headers), 200))
    expect(data.get("active") is True, "session is not active")
    expect(data.get("identity", {}).get("id") == identity_id, "whoami names another identity")
    expect(data.get("authenticator_assurance_level") == "aal1", "not aal1")


def _logout(run: Run, public: str, token: str) -> None:
    response = run.http.request(
        "DELETE", f"{public}/self-service/logout/api", json={"session_token": token}
    )
    expect_status(response, 204)
    headers = {"Authorization": f"Bearer {token}"}
    expect_status(run.http.get(f"{public}/sessions/whoami", headers=headers), 401)


def _delete(run: Run, admin: str, identity_id: str) -> None:
    expect_status(run.http.delete(f"{admin}/admin/identities/{identity_id}"), 204)
    expect_status(run.http.get(f"{admin}/admin/identities/{identity_id}"), 404)


def _identity_row(dsn: str, identity_id: str) -> None:
    rows = sql_rows(dsn, IDENTITY_SQL, {"identity_id": identity_id}, uuids=["identity_id"])
    expect(len(rows) == 1, f"{len(rows)} identity rows")
    expect(rows[0]["identity_type"] == "password", f"identity_type {rows[0]['identity_type']!r}")
    expect("hashed_password" in str(rows[0]["credentials"]), "no hashed_password in credentials")
