"""``roost verify``'s Hydra steps: the seed's "Test Ory Hydra" section.

Create a ``client_credentials`` client on the admin API, get a token from the
public API, introspect it on the admin API, and (with a DSN) read both back
with the seed's SQL. The client is deleted at the end (its tokens go with it).
"""

from __future__ import annotations

from typing import Any

from roost.cli.verify import Run, expect, expect_status, json_of, sql_rows

CLIENT_SQL = (
    "SELECT id, client_secret, scope, client_secret_expires_at, jwks, token_endpoint_auth_method, "
    "request_object_signing_alg, userinfo_signed_response_alg, subject_type, created_at, "
    "updated_at, metadata, registration_access_token_signature, redirect_uris, grant_types, "
    "response_types FROM public.hydra_client WHERE id = :client_id"
)
ACCESS_SQL = (
    "SELECT signature, request_id, requested_at, client_id, form_data, session_data, subject, "
    "active, challenge_id, expires_at FROM public.hydra_oauth2_access WHERE client_id = :client_id"
)


def run(run: Run, admin: str, public: str, *, dsn: str | None) -> None:
    """The seed's Hydra steps, in order; a failed step stops this service's steps."""
    client = run.step(
        "hydra: create OAuth2 client (client_credentials)", lambda: _create(run, admin)
    )
    client_id = client["client_id"]
    run.on_cleanup("hydra: delete the OAuth2 client", lambda: _delete(run, admin, client_id))
    token = run.step("hydra: client_credentials token", lambda: _token(run, public, client))
    run.step(
        "hydra: introspect the token (active)", lambda: _introspect(run, admin, token, client_id)
    )
    if dsn:
        run.step("hydra: SQL read-back of hydra_client", lambda: _client_row(dsn, client_id))
        run.step("hydra: SQL read-back of hydra_oauth2_access", lambda: _access_row(dsn, client_id))


def _create(run: Run, admin: str) -> dict[str, Any]:
    body = {"client_name": f"roost-verify-{run.run_id}", "grant_types": ["client_credentials"]}
    data: dict[str, Any] = json_of(
        expect_status(run.http.post(f"{admin}/admin/clients", json=body), 201)
    )
    expect(bool(data.get("client_id")) and bool(data.get("client_secret")), "no client credentials")
    expect(
        data.get("grant_types") == ["client_credentials"], f"grant_types {data.get('grant_types')}"
    )
    return data


def _delete(run: Run, admin: str, client_id: str) -> None:
    expect_status(run.http.delete(f"{admin}/admin/clients/{client_id}"), 204)
    gone = run.http.get(f"{admin}/admin/clients/{client_id}")
    expect_status(gone, 404)


def _token(run: Run, public: str, client: dict[str, Any]) -> str:
    response = run.http.post(
        f"{public}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    data = json_of(expect_status(response, 200))
    expect(data.get("token_type", "").lower() == "bearer", f"token_type {data.get('token_type')}")
    token: str = data.get("access_token", "")
    expect(bool(token), "no access_token")
    return token


def _introspect(run: Run, admin: str, token: str, client_id: str) -> None:
    response = run.http.post(f"{admin}/admin/oauth2/introspect", data={"token": token})
    data = json_of(expect_status(response, 200))
    expect(data.get("active") is True, f"active is {data.get('active')!r}")
    expect(data.get("client_id") == client_id, f"client_id {data.get('client_id')!r}")
    expect(data.get("token_use") == "access_token", f"token_use {data.get('token_use')!r}")
    expect(isinstance(data.get("exp"), int), "no exp")


def _client_row(dsn: str, client_id: str) -> None:
    rows = sql_rows(dsn, CLIENT_SQL, {"client_id": client_id})
    expect(len(rows) == 1, f"{len(rows)} hydra_client rows for the client")
    secret = str(rows[0]["client_secret"])
    expect(secret.startswith("$"), "client_secret is not stored as a hash")


def _access_row(dsn: str, client_id: str) -> None:
    rows = sql_rows(dsn, ACCESS_SQL, {"client_id": client_id})
    expect(len(rows) >= 1, "no hydra_oauth2_access row for the client")
    expect(all(r["active"] for r in rows), "an access row is not active")
