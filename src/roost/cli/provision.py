"""``roost provision``: the seed tutorial's Step 2, idempotently.

Creates one database per service and a login user, grants it everything on
them, and prints the DSNs. Every statement is valid on PostgreSQL and on
CockroachDB as documented; existence is checked through ``pg_catalog`` (which
both provide) because PostgreSQL lacks ``CREATE DATABASE IF NOT EXISTS``.
"""

from __future__ import annotations

import asyncio
import os
from urllib.parse import quote, urlsplit

import click

from roost.cli.services import ORY_NAMES
from roost.storage.dsn import parse_dsn

PASSWORD_ENV = "ROOST_PROVISION_PASSWORD"  # noqa: S105 - a variable name, not a secret


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    if "\x00" in value:
        raise click.ClickException("the password must not contain NUL characters")
    return "'" + value.replace("'", "''") + "'"


async def _run(admin_dsn: str, user: str, password: str, databases: list[str]) -> None:
    import asyncpg

    parsed = parse_dsn(admin_dsn)
    if parsed.dialect == "sqlite":
        raise click.ClickException("provision needs a PostgreSQL or CockroachDB admin DSN")
    plain = "postgresql://" + admin_dsn.split("://", 1)[1].split("?", 1)[0]
    ssl = parsed.connect_args.get("sslmode")
    conn = await asyncpg.connect(plain, ssl=ssl)
    try:
        for db in databases:
            if not await conn.fetchval(
                "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", db
            ):
                await conn.execute(f"CREATE DATABASE {quote_ident(db)}")
        exists = await conn.fetchval("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", user)
        verb = "ALTER" if exists else "CREATE"
        await conn.execute(
            f"{verb} USER {quote_ident(user)} WITH PASSWORD {quote_literal(password)}"
        )
        for db in databases:
            await conn.execute(f"GRANT ALL ON DATABASE {quote_ident(db)} TO {quote_ident(user)}")
    finally:
        await conn.close()
    base = plain.rsplit("/", 1)[0]
    for db in databases:
        # PostgreSQL 15 no longer lets every user create tables in ``public``.
        conn = await asyncpg.connect(f"{base}/{db}", ssl=ssl)
        try:
            await conn.execute(f"GRANT ALL ON SCHEMA public TO {quote_ident(user)}")
        finally:
            await conn.close()


@click.command()
@click.option("--admin-dsn", help="A DSN of a user allowed to create databases and users.")
@click.option("--user", default="ory", show_default=True, help="The login user to create.")
@click.option(
    "--database",
    "databases",
    multiple=True,
    default=tuple(ORY_NAMES),
    show_default=True,
    help="Databases to create (repeat the option).",
)
@click.option("--show-password", is_flag=True, help="Print the password inside the DSNs.")
@click.option(
    "--regions",
    help="Comma-separated CockroachDB regions, primary first: print the multi-region "
    "statements (table localities) instead of provisioning. Unverified here.",
)
@click.option(
    "--survive",
    type=click.Choice(["zone", "region"]),
    help="Survival goal for --regions (default: region with 3+ regions, else zone).",
)
def provision(
    admin_dsn: str | None,
    user: str,
    databases: tuple[str, ...],
    show_password: bool,
    regions: str | None,
    survive: str | None,
) -> None:
    """Create the databases and login user (password: $ROOST_PROVISION_PASSWORD or a prompt).

    With --regions nothing is executed: the statements that set each database's
    regions and each table's locality (GLOBAL or REGIONAL BY ROW) are printed.
    """
    if regions is not None:
        from roost.cli.regions import region_statements

        names = [r.strip() for r in regions.split(",") if r.strip()]
        if not names:
            raise click.UsageError("--regions needs at least one region name")
        goal = survive.upper() if survive else None
        click.echo("\n".join(region_statements(list(databases), names, goal)))
        return
    if not admin_dsn:
        raise click.UsageError("--admin-dsn is required (unless --regions is given)")
    password = os.environ.get(PASSWORD_ENV) or click.prompt(
        f"Password for {user}", hide_input=True, confirmation_prompt=True
    )
    if len(password) < 8:
        raise click.ClickException("the password must be at least 8 characters")
    import asyncpg

    try:
        asyncio.run(_run(admin_dsn, user, password, list(databases)))
    except OSError as exc:
        raise click.ClickException(f"cannot connect to the database: {exc}") from exc
    except asyncpg.PostgresError as exc:
        raise click.ClickException(f"the database refused: {exc}") from exc
    parts = urlsplit(admin_dsn)
    scheme = parts.scheme
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    shown = quote(password, safe="") if show_password else "<password>"
    query = f"?{parts.query}" if parts.query else ""
    for db in databases:
        label = ORY_NAMES.get(db, db)
        click.echo(f"{label}\t{scheme}://{quote(user, safe='')}:{shown}@{host}{port}/{db}{query}")
