"""``roost``: serve the services, migrate their databases, provision, and talk to them."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from roost import __version__
from roost.cli.failures import one_line
from roost.cli.provision import provision
from roost.cli.services import NAMES
from roost.cli.settings import Resolved, resolve
from roost.cli.verify import verify
from roost.core import logs
from roost.core.errors import ConfigError
from roost.identity.cli import identity
from roost.oauth2.cli import oauth2
from roost.permissions.cli import permissions
from roost.runtime.failures import database
from roost.runtime.module import BuildContext, migrator

SERVICE_NAMES = click.Choice(NAMES)
_config_opt = click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="roost.yaml (a block per service) or, with one service named, an Ory-style file.",
)
_data_opt = click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("roost-data"),
    show_default=True,
    help="Where SQLite files and generated secrets live.",
)


def _resolve(names: Sequence[str], config_path: Path | None, data_dir: Path) -> list[Resolved]:
    try:
        resolved = resolve(names, config_path, data_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    for r in resolved:
        for warning in r.warnings:
            click.echo(f"warning: {warning}", err=True)
    return resolved


@click.group()
@click.version_option(__version__, prog_name="roost")
def cli() -> None:
    """Roost: Ory Hydra, Kratos and Keto compatible services."""
    logs.install(logging.WARNING)


@cli.command()
@click.argument("services", nargs=-1, type=SERVICE_NAMES)
@_config_opt
@_data_opt
@click.option(
    "--no-automigrate", is_flag=True, help="Do not migrate on start (migrate with a job)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes sharing the listening sockets.",
)
@click.option(
    "--watch-courier",
    is_flag=True,
    help="Also run the identity service's courier worker in every worker (Kratos's flag).",
)
def serve(
    services: tuple[str, ...],
    config_path: Path | None,
    data_dir: Path,
    no_automigrate: bool,
    workers: int,
    watch_courier: bool,
) -> None:
    """Start services (all that exist when none is named)."""
    from roost.cli.runner import bind, run

    resolved = _resolve(services, config_path, data_dir)
    logs.configure(r.values.get("log") for r in resolved)
    try:
        resolved = [
            Resolved(r.module, r.module.prepare(r.values, data_dir), r.warnings) for r in resolved
        ]
        if not no_automigrate:
            asyncio.run(_migrate_all(resolved))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    bound = bind(resolved)
    base_dir = config_path.parent.resolve() if config_path else Path.cwd()
    flags = frozenset({"watch-courier"} if watch_courier else ())
    ctx = BuildContext(data_dir, base_dir, automigrate=False, flags=flags)
    run(resolved, bound, ctx, workers)


def _dsn(r: Resolved) -> str:
    return str(r.values.get("dsn") or "memory")


async def _migrate_all(resolved: list[Resolved]) -> None:
    for r in resolved:
        schema = migrator(r.module, r.values)
        try:
            with database(r.module.name, _dsn(r)):
                applied = await schema.up()
        finally:
            await schema.db.close()
        if applied:
            click.echo(f"{r.module.name}: applied {len(applied)} migration(s)", err=True)


@cli.group()
def migrate() -> None:
    """Database migrations (the equivalent of `keto migrate up|down|status`)."""


@migrate.command("up")
@click.argument("services", nargs=-1, type=SERVICE_NAMES)
@_config_opt
@_data_opt
@click.option("--yes", "-y", is_flag=True, help="Accepted for Ory compatibility; never prompts.")
def migrate_up(
    services: tuple[str, ...], config_path: Path | None, data_dir: Path, yes: bool
) -> None:
    """Apply pending migrations."""
    del yes
    resolved = _resolve(services, config_path, data_dir)
    asyncio.run(_migrate_all(resolved))
    click.echo("migrations are up to date")


@migrate.command("status")
@click.argument("services", nargs=-1, type=SERVICE_NAMES)
@_config_opt
@_data_opt
def migrate_status(services: tuple[str, ...], config_path: Path | None, data_dir: Path) -> None:
    """List migrations and whether they are applied; exit 1 when any is pending."""
    pending = asyncio.run(_status(_resolve(services, config_path, data_dir)))
    sys.exit(1 if pending else 0)


async def _status(resolved: list[Resolved]) -> bool:
    pending = False
    for r in resolved:
        schema = migrator(r.module, r.values)
        try:
            with database(r.module.name, _dsn(r)):
                statuses = await schema.status()
            for m in statuses:
                state = "Applied" if m.applied else "Pending"
                pending = pending or not m.applied
                click.echo(f"{r.module.name}\t{m.version}\t{m.name}\t{state}")
        finally:
            await schema.db.close()
    return pending


@migrate.command("down")
@click.argument("services", nargs=-1, type=SERVICE_NAMES)
@_config_opt
@_data_opt
@click.option("--steps", type=click.IntRange(min=1), required=True, help="How many steps to undo.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before dropping tables.")
def migrate_down(
    services: tuple[str, ...], config_path: Path | None, data_dir: Path, steps: int, yes: bool
) -> None:
    """Undo the last N applied migrations of each service (drops their tables and data)."""
    resolved = _resolve(services, config_path, data_dir)
    names = ", ".join(r.module.name for r in resolved)
    if not yes:
        click.confirm(
            f"undo the last {steps} migration(s) of {names}? Data will be lost", abort=True
        )
    asyncio.run(_down(resolved, steps))


async def _down(resolved: list[Resolved], steps: int) -> None:
    for r in resolved:
        schema = migrator(r.module, r.values)
        try:
            with database(r.module.name, _dsn(r)):
                undone = await schema.down(steps)
            for m in undone:
                click.echo(f"{r.module.name}\t{m.version}\t{m.name}\tRolled back")
        finally:
            await schema.db.close()


cli.add_command(provision)
cli.add_command(permissions)
cli.add_command(identity)
cli.add_command(oauth2)
cli.add_command(verify)


def main() -> None:
    """The ``roost`` command; a known failure is one line and exit code 1 (``cli.failures``)."""
    try:
        cli()
    except Exception as exc:
        line = one_line(exc)
        if line is None:
            raise
        click.echo(f"Error: {line}", err=True)
        sys.exit(1)
