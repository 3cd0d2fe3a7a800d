"""The ``roost oauth2`` command tree (Hydra's verbs and nouns)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from roost.oauth2.cli.remote import admin_url, call, emit, endpoint_option, format_option

_CLIENT_ROWS = (
    ("CLIENT ID", "client_id"),
    ("CLIENT SECRET", "client_secret"),
    ("GRANT TYPES", "grant_types"),
    ("RESPONSE TYPES", "response_types"),
    ("SCOPE", "scope"),
    ("AUDIENCE", "audience"),
    ("REDIRECT URIS", "redirect_uris"),
)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "<empty>"
    return str(value) if value not in (None, "") else "<empty>"


def _client_rows(client: dict[str, Any]) -> list[tuple[str, str]]:
    return [(label, _show(client.get(key))) for label, key in _CLIENT_ROWS]


def _split_all(values: tuple[str, ...]) -> list[str]:
    """Hydra's string-slice flags: repeated and/or comma-separated."""
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def client_options(f: Any) -> Any:
    options = [
        click.option("--name", default="", help="The client's human-readable name."),
        click.option("--id", "client_id", default="", help="The client id (default: a UUID)."),
        click.option("--secret", default="", help="The secret (default: generated)."),
        click.option("--owner", default=""),
        click.option("--grant-type", "-g", "grant_types", multiple=True),
        click.option("--response-type", "-r", "response_types", multiple=True),
        click.option("--scope", "-s", "scopes", multiple=True),
        click.option("--audience", "-a", "audiences", multiple=True),
        click.option("--redirect-uri", "-c", "redirect_uris", multiple=True),
        click.option("--post-logout-callback", "post_logout", multiple=True),
        click.option("--allowed-cors-origin", "cors", multiple=True),
        click.option("--token-endpoint-auth-method", default="client_secret_basic"),
        click.option("--access-token-strategy", default=""),
        click.option("--jwks-uri", default=""),
        click.option("--metadata", default="", help="Metadata as a JSON object."),
        click.option("--skip-consent", is_flag=True),
        click.option("--file", "file", type=click.Path(path_type=Path, dir_okay=False)),
    ]
    for option in options:
        f = option(f)
    return f


def _client_body(opts: dict[str, Any]) -> dict[str, Any]:
    if opts.get("file"):
        try:
            body: dict[str, Any] = json.loads(Path(opts["file"]).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise click.ClickException(f"cannot read {opts['file']}: {exc}") from exc
        return body
    body = {
        "client_name": opts["name"],
        "owner": opts["owner"],
        "grant_types": _split_all(opts["grant_types"]),
        "response_types": _split_all(opts["response_types"]),
        "scope": " ".join(_split_all(opts["scopes"])),
        "audience": _split_all(opts["audiences"]),
        "redirect_uris": _split_all(opts["redirect_uris"]),
        "post_logout_redirect_uris": _split_all(opts["post_logout"]),
        "allowed_cors_origins": _split_all(opts["cors"]),
        "token_endpoint_auth_method": opts["token_endpoint_auth_method"],
        "skip_consent": opts["skip_consent"],
    }
    for key, value in (
        ("client_id", opts["client_id"]),
        ("client_secret", opts["secret"]),
        ("access_token_strategy", opts["access_token_strategy"]),
        ("jwks_uri", opts["jwks_uri"]),
    ):
        if value:
            body[key] = value
    if opts["metadata"]:
        try:
            body["metadata"] = json.loads(opts["metadata"])
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"--metadata is not valid JSON: {exc.msg}") from exc
    return body


@click.group()
def oauth2() -> None:
    """Talk to a running OAuth2 service (Hydra's CLI)."""


@oauth2.group()
def create() -> None:
    """Create OAuth 2.0 clients and JSON Web Keys."""


@create.command("oauth2-client")
@endpoint_option
@format_option
@client_options
def create_client(endpoint: str, fmt: str, **opts: Any) -> None:
    """Create an OAuth 2.0 client (its secret is shown only now)."""
    client = call("POST", admin_url(endpoint, "/clients"), json=_client_body(opts)).json()
    emit(fmt, client, _client_rows(client))


create.add_command(create_client, "client")


def _jwk_rows(keys: list[dict[str, Any]]) -> list[tuple[str, str]]:
    rows = [(f"{k.get('kid', '')}\t{k.get('alg', '')}", k.get("use", "")) for k in keys]
    return [("KEY ID\tALGORITHM", "USE"), *rows]


@create.command("jwk")
@click.argument("set_id")
@click.argument("kid", required=False, default="")
@click.option("--alg", default="RS256", show_default=True)
@click.option("--use", default="sig", show_default=True)
@endpoint_option
@format_option
def create_jwk(set_id: str, kid: str, alg: str, use: str, endpoint: str, fmt: str) -> None:
    """Generate a key and add it to a JSON Web Key Set."""
    body = {"alg": alg, "use": use, "kid": kid}
    data = call("POST", admin_url(endpoint, f"/keys/{set_id}"), json=body).json()
    emit(fmt, data, _jwk_rows(data.get("keys", [])))


create.add_command(create_jwk, "jwks")


@oauth2.group()
def get() -> None:
    """Show OAuth 2.0 clients and JSON Web Key Sets."""


@get.command("oauth2-client")
@click.argument("ids", nargs=-1, required=True)
@endpoint_option
@format_option
def get_client(ids: tuple[str, ...], endpoint: str, fmt: str) -> None:
    clients = [call("GET", admin_url(endpoint, f"/clients/{i}")).json() for i in ids]
    data: Any = clients[0] if len(clients) == 1 else clients
    emit(fmt, data, [row for c in clients for row in _client_rows(c)])


get.add_command(get_client, "client")


@get.command("jwk")
@click.argument("set_ids", nargs=-1, required=True)
@endpoint_option
@format_option
def get_jwk(set_ids: tuple[str, ...], endpoint: str, fmt: str) -> None:
    keys = [
        k for s in set_ids for k in call("GET", admin_url(endpoint, f"/keys/{s}")).json()["keys"]
    ]
    emit(fmt, {"keys": keys}, _jwk_rows(keys))


get.add_command(get_jwk, "jwks")


@oauth2.group("list")
def list_() -> None:
    """List OAuth 2.0 clients."""


@list_.command("oauth2-clients")
@click.option("--page-size", default=100, show_default=True)
@click.option("--page-token", default="")
@endpoint_option
@format_option
def list_clients(page_size: int, page_token: str, endpoint: str, fmt: str) -> None:
    params = {"page_size": str(page_size), **({"page_token": page_token} if page_token else {})}
    response = call("GET", admin_url(endpoint, "/clients"), params=params)
    clients = response.json()
    next_token = response.links.get("next", {}).get("url", "")
    rows = [("CLIENT ID\tCLIENT NAME", "GRANT TYPES")]
    rows += [
        (f"{c['client_id']}\t{c.get('client_name', '')}", _show(c.get("grant_types")))
        for c in clients
    ]
    if next_token:
        rows.append(("NEXT PAGE", next_token))
    emit(
        fmt, {"items": clients, "next_page_link": next_token} if fmt != "default" else clients, rows
    )


list_.add_command(list_clients, "clients")


@oauth2.group()
def update() -> None:
    """Replace an OAuth 2.0 client's metadata."""


@update.command("oauth2-client")
@click.argument("client_id_arg", metavar="ID")
@endpoint_option
@format_option
@client_options
def update_client(client_id_arg: str, endpoint: str, fmt: str, **opts: Any) -> None:
    body = _client_body(opts)
    body["client_id"] = client_id_arg
    client = call("PUT", admin_url(endpoint, f"/clients/{client_id_arg}"), json=body).json()
    emit(fmt, client, _client_rows(client))


update.add_command(update_client, "client")


@oauth2.group()
def delete() -> None:
    """Delete OAuth 2.0 clients, JSON Web Key Sets, or a client's access tokens."""


@delete.command("oauth2-client")
@click.argument("ids", nargs=-1, required=True)
@endpoint_option
@format_option
def delete_client(ids: tuple[str, ...], endpoint: str, fmt: str) -> None:
    for i in ids:
        call("DELETE", admin_url(endpoint, f"/clients/{i}"))
    emit(fmt, list(ids), [(i, "") for i in ids])


delete.add_command(delete_client, "client")


@delete.command("jwk")
@click.argument("set_ids", nargs=-1, required=True)
@endpoint_option
@format_option
def delete_jwk(set_ids: tuple[str, ...], endpoint: str, fmt: str) -> None:
    for s in set_ids:
        call("DELETE", admin_url(endpoint, f"/keys/{s}"))
    emit(fmt, list(set_ids), [(s, "") for s in set_ids])


delete.add_command(delete_jwk, "jwks")


@delete.command("access-tokens")
@click.argument("client_id")
@endpoint_option
@format_option
def delete_access_tokens(client_id: str, endpoint: str, fmt: str) -> None:
    call("DELETE", admin_url(endpoint, "/oauth2/tokens"), params={"client_id": client_id})
    emit(fmt, client_id, [(client_id, "")])


@oauth2.group()
def introspect() -> None:
    """Introspect tokens (RFC 7662)."""


@introspect.command("token")
@click.argument("token")
@click.option("--scope", multiple=True)
@endpoint_option
@format_option
def introspect_token(token: str, scope: tuple[str, ...], endpoint: str, fmt: str) -> None:
    form = {"token": token, **({"scope": " ".join(_split_all(scope))} if scope else {})}
    data = call("POST", admin_url(endpoint, "/oauth2/introspect"), data=form).json()
    rows = [(k.upper().replace("_", " "), _show(v)) for k, v in data.items()]
    emit(fmt, data, rows)


@oauth2.group()
def revoke() -> None:
    """Revoke tokens (RFC 7009)."""


def _public(endpoint: str, path: str) -> str:
    return endpoint.rstrip("/") + path


@revoke.command("token")
@click.argument("token")
@click.option("--client-id", envvar="OAUTH2_CLIENT_ID", required=True)
@click.option("--client-secret", envvar="OAUTH2_CLIENT_SECRET", default="")
@endpoint_option
@format_option
def revoke_token(token: str, client_id: str, client_secret: str, endpoint: str, fmt: str) -> None:
    auth = (client_id, client_secret) if client_secret else None
    form = {"token": token, **({} if auth else {"client_id": client_id})}
    call("POST", _public(endpoint, "/oauth2/revoke"), data=form, auth=auth)
    emit(fmt, token, [(token, "")])


@oauth2.group()
def perform() -> None:
    """Run OAuth 2.0 flows as a client."""


def _expiry(expires_in: Any) -> str:
    """Go's ``time.Time`` default format, in local time, as Hydra prints EXPIRY."""
    when = datetime.now().astimezone() + timedelta(seconds=int(expires_in or 0))
    return when.strftime("%Y-%m-%d %H:%M:%S %z %Z")


@perform.command("client-credentials")
@click.option("--client-id", envvar="OAUTH2_CLIENT_ID", required=True)
@click.option("--client-secret", envvar="OAUTH2_CLIENT_SECRET", required=True)
@click.option("--scope", multiple=True)
@click.option("--audience", multiple=True)
@endpoint_option
@format_option
def perform_client_credentials(
    client_id: str,
    client_secret: str,
    scope: tuple[str, ...],
    audience: tuple[str, ...],
    endpoint: str,
    fmt: str,
) -> None:
    """Get an access token with the client credentials grant (client_secret_basic)."""
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = " ".join(_split_all(scope))
    if audience:
        form["audience"] = " ".join(_split_all(audience))
    data = call(
        "POST", _public(endpoint, "/oauth2/token"), data=form, auth=(client_id, client_secret)
    ).json()
    emit(fmt, data, token_rows(data))


def token_rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Hydra's table of a token response (``perform client-credentials|authorization-code``)."""
    return [
        ("ACCESS TOKEN", data.get("access_token") or "<empty>"),
        ("REFRESH TOKEN", data.get("refresh_token") or "<empty>"),
        ("ID TOKEN", data.get("id_token") or "<empty>"),
        ("EXPIRY", "\t" + _expiry(data.get("expires_in"))),
    ]


@oauth2.command()
@click.argument("dsn", required=False)
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 10000))
@click.option("--limit", default=10000, show_default=True, type=click.IntRange(1))
@click.option("--read-from-env", "-e", is_flag=True, help="Read the DSN from ROOST_OAUTH2_DSN/DSN.")
@click.option(
    "--tokens", is_flag=True, help="Accepted for Hydra compatibility (tokens are all we clean)."
)
def janitor(
    dsn: str | None, batch_size: int, limit: int, read_from_env: bool, tokens: bool
) -> None:
    """Delete expired tokens in small batches, without long locks."""
    import os

    del tokens
    if read_from_env or not dsn:
        dsn = dsn or os.environ.get("ROOST_OAUTH2_DSN") or os.environ.get("DSN")
    if not dsn:
        raise click.ClickException("give a DSN, or use -e with ROOST_OAUTH2_DSN / DSN set")
    from roost.runtime.failures import database

    with database("oauth2", dsn):
        removed = asyncio.run(_janitor(dsn, batch_size, limit))
    click.echo(f"Removed {removed} expired token row(s).")


async def _janitor(dsn: str, batch_size: int, limit: int) -> int:
    from roost.oauth2.janitor import Janitor
    from roost.oauth2.sql.client_failures import ClientAuthFailureStore
    from roost.oauth2.sql.network import ensure_network
    from roost.oauth2.sql.tokens import TokenStore
    from roost.storage.database import Database

    db = Database(dsn)
    try:
        nid = await ensure_network(db)
        janitor = Janitor(TokenStore(db, nid, None), batch_size, ClientAuthFailureStore(db, nid))
        return await janitor.run(limit=limit)
    finally:
        await db.close()
