"""``roost identity``: Kratos's client commands over REST, plus ``cleanup``.

Takes Kratos's verbs and nouns: ``import identities FILE...``, ``get identity
ID...``, ``list identities``, ``delete identity ID...``, with ``--endpoint``
(or ``KRATOS_ADMIN_URL``) and ``--format``; ``whoami`` reads
``/sessions/whoami`` on the public endpoint (``KRATOS_PUBLIC_URL``) for
debugging a token; ``cleanup`` is ``kratos cleanup sql``: it deletes expired
flows and sessions in bounded batches straight from the database.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import httpx

FORMATS = click.Choice(["default", "json", "json-pretty", "table"])
_endpoint = click.option(
    "--endpoint",
    "-e",
    envvar="KRATOS_ADMIN_URL",
    default="http://127.0.0.1:4434",
    show_default=True,
    help="The admin API URL (or KRATOS_ADMIN_URL).",
)
_format = click.option("--format", "fmt", type=FORMATS, default="default", show_default=True)


def _call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        response = httpx.request(method, url, timeout=30, **kwargs)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot reach {url}: {exc}") from exc
    if response.status_code >= 400:
        try:
            err = response.json().get("error", {})
            detail = err.get("reason") or err.get("message")
            text = f"{err.get('code', response.status_code)}: {detail}"
        except (ValueError, AttributeError):
            text = f"HTTP {response.status_code}: {response.text[:200]}"
        raise click.ClickException(text)
    return response


def _emit(fmt: str, data: Any, rows: list[list[str]]) -> None:
    if fmt == "json":
        click.echo(json.dumps(data))
    elif fmt == "json-pretty":
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo("ID\tVALUE")
        for row in rows:
            click.echo("\t".join(row))


def _row(identity: dict[str, Any]) -> list[str]:
    creds = identity.get("credentials") or {}
    idents = [i for c in creds.values() for i in c.get("identifiers", [])]
    traits = identity.get("traits") or {}
    value = (
        idents[0] if idents else str(traits.get("email", "")) if isinstance(traits, dict) else ""
    )
    return [str(identity.get("id")), value]


def _admin(endpoint: str) -> str:
    return endpoint.rstrip("/") + "/admin/identities"


@click.group("identity")
def identity() -> None:
    """Manage identities and sessions of the identity service (Ory Kratos API)."""


@identity.group("import")
def import_() -> None:
    """Import resources."""


@import_.command("identities")
@click.argument("sources", nargs=-1, required=True)
@_endpoint
@_format
def import_identities(sources: tuple[str, ...], endpoint: str, fmt: str) -> None:
    """Import identities from JSON files (one identity or an array; `-` reads stdin)."""
    created = []
    for src in sources:
        raw = sys.stdin.read() if src == "-" else Path(src).read_text()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"{src}: not valid JSON: {exc.msg}") from exc
        for body in data if isinstance(data, list) else [data]:
            created.append(_call("POST", _admin(endpoint), json=body).json())
    _emit(fmt, created if len(created) != 1 else created[0], [_row(i) for i in created])


@identity.group("get")
def get() -> None:
    """Get resources."""


@get.command("identity")
@click.argument("ids", nargs=-1, required=True)
@click.option("--include-credentials", "-i", multiple=True, help="e.g. password, oidc")
@_endpoint
@_format
def get_identities(
    ids: tuple[str, ...], include_credentials: tuple[str, ...], endpoint: str, fmt: str
) -> None:
    """Get identities by id."""
    params = [("include_credential", c) for c in include_credentials]
    found = [_call("GET", f"{_admin(endpoint)}/{i}", params=params).json() for i in ids]
    _emit(fmt, found if len(found) != 1 else found[0], [_row(i) for i in found])


@identity.group("list")
def list_() -> None:
    """List resources."""


@list_.command("identities")
@click.option("--page-size", type=click.IntRange(1, 500), default=250, show_default=True)
@click.option("--page-token", default=None)
@_endpoint
@_format
def list_identities(page_size: int, page_token: str | None, endpoint: str, fmt: str) -> None:
    """List identities (one page; the next page token is printed to stderr)."""
    params: dict[str, Any] = {"page_size": page_size}
    if page_token:
        params["page_token"] = page_token
    response = _call("GET", _admin(endpoint), params=params)
    found = response.json()
    _emit(fmt, found, [_row(i) for i in found])
    link = response.headers.get("link", "")
    if 'rel="next"' in link:
        token = link.split('rel="first",<', 1)[-1].split("page_token=", 1)[-1].split(">", 1)[0]
        click.echo(f"next page token: {token}", err=True)


@identity.group("delete")
def delete() -> None:
    """Delete resources."""


@delete.command("identity")
@click.argument("ids", nargs=-1, required=True)
@_endpoint
def delete_identity(ids: tuple[str, ...], endpoint: str) -> None:
    """Delete identities by id."""
    for i in ids:
        _call("DELETE", f"{_admin(endpoint)}/{i}")
        click.echo(i)


@identity.command("whoami")
@click.option("--session-token", required=True, help="An ory_st_... session token.")
@click.option(
    "--endpoint",
    "-e",
    envvar="KRATOS_PUBLIC_URL",
    default="http://127.0.0.1:4433",
    show_default=True,
    help="The public API URL (or KRATOS_PUBLIC_URL).",
)
@_format
def whoami(session_token: str, endpoint: str, fmt: str) -> None:
    """Show the session behind a session token."""
    session = _call(
        "GET",
        endpoint.rstrip("/") + "/sessions/whoami",
        headers={"X-Session-Token": session_token},
    ).json()
    if fmt in ("json", "json-pretty"):
        _emit(fmt, session, [])
        return
    ident = session.get("identity") or {}
    click.echo(f"SESSION\t{session.get('id')}\nACTIVE\t{session.get('active')}")
    click.echo(f"EXPIRES\t{session.get('expires_at')}\nIDENTITY\t{ident.get('id')}")


@identity.command("cleanup")
@click.option("--config", "-c", "config_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--dsn", envvar="DSN", help="Database DSN (overrides the config; or DSN).")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=None)
@click.option(
    "--keep-last",
    default="0s",
    show_default=True,
    help="Keep rows expired less than this long ago.",
)
def cleanup(
    config_path: Path | None, dsn: str | None, batch_size: int | None, keep_last: str
) -> None:
    """Delete expired flows, sessions and failed-login counts in batches (`kratos cleanup sql`)."""
    from roost.core.config import read_file
    from roost.identity.config import IdentityConfig, duration

    values = read_file(config_path) if config_path else {}
    if dsn:
        values["dsn"] = dsn
    if not values.get("dsn"):
        raise click.ClickException("give --dsn, DSN or a config file with dsn")
    unused = "cleanup-does-not-need-secrets"
    cfg = IdentityConfig.from_values(values, generated_secret=unused)
    from roost.runtime.failures import database

    with database("identity", cfg.dsn):
        removed = asyncio.run(
            _cleanup(cfg.dsn, batch_size or cfg.cleanup_batch_size, duration(keep_last))
        )
    click.echo(f"removed {removed} expired flow(s), session(s) and failed-login count(s)")


async def _cleanup(dsn: str, batch: int, keep: timedelta) -> int:
    from roost.identity.credentials.throttle import WINDOW
    from roost.identity.identities.model import now
    from roost.identity.sql.flows import FlowStore
    from roost.identity.sql.identities import ensure_network
    from roost.identity.sql.login_failures import LoginFailureStore
    from roost.storage.database import Database

    db = Database(dsn)
    try:
        nid = await ensure_network(db)
        flows, failures = FlowStore(db, nid), LoginFailureStore(db, nid)
        total = 0
        while True:
            removed = await flows.cleanup(now() - keep, batch)
            removed += await failures.cleanup(now() - keep - WINDOW, batch)
            total += removed
            if removed == 0:
                return total
            await asyncio.sleep(0)  # one batch per table per round: short transactions
    finally:
        await db.close()


@identity.group("courier")
def courier() -> None:
    """The courier's worker (Kratos's `kratos courier watch`)."""


@courier.command("watch")
@click.option("--config", "-c", "config_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("roost-data"),
    show_default=True,
    help="Where `roost serve` keeps SQLite files and generated secrets.",
)
def watch(config_path: Path | None, data_dir: Path) -> None:
    """Send queued messages until interrupted (SIGINT/SIGTERM), as `kratos courier watch`.

    Several watchers (and `roost serve --watch-courier` workers) may run at once:
    each message is claimed by one of them.
    """
    from roost.cli.settings import resolve
    from roost.core.errors import ConfigError
    from roost.identity.module import MODULE
    from roost.runtime.module import BuildContext

    try:
        resolved = resolve(["identity"], config_path, data_dir)
        values = MODULE.prepare(resolved[0].values, data_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in resolved[0].warnings:
        click.echo(f"warning: {warning}", err=True)
    base_dir = config_path.parent.resolve() if config_path else Path.cwd()
    asyncio.run(_watch(values, BuildContext(data_dir, base_dir, automigrate=False)))


async def _watch(values: dict[str, Any], ctx: Any) -> None:
    import signal

    from roost.identity.module import MODULE
    from roost.runtime.module import open_service

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    svc = await open_service(MODULE, values, ctx)
    try:
        parts = await svc.parts()
        click.echo("courier: watching for queued messages", err=True)
        await parts.courier.watch(stop)
    finally:
        await svc.close()
