"""``roost verify``: the seed tutorial's "Test the CockroachDB/Ory Integration" as one command.

It is a client: it talks HTTP (httpx) to the endpoints the tutorial exports
(``HYDRA_ADMIN_URL``, ``HYDRA_PUBLIC_URL``, ``KRATOS_PUBLIC_URL``,
``KRATOS_ADMIN_URL``, ``KETO_READ_REMOTE``, ``KETO_WRITE_REMOTE``) and, when
DSNs are given, runs the tutorial's SQL read-backs. It imports no service
package, so it checks Roost and real Ory alike. Each step prints PASS or FAIL
with its duration; whatever a step created is removed at the end, and the
removal is itself a step, so exit status 0 means every step and every clean-up
passed.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click
import httpx

T = TypeVar("T")


class StepFailed(Exception):
    """A step's check did not hold; the message says what was expected and seen."""


@dataclass(frozen=True)
class Outcome:
    """One printed line: a step's name, whether it passed, how long it took, why not."""

    name: str
    passed: bool
    seconds: float
    detail: str = ""


@dataclass
class Run:
    """Runs steps in order, records outcomes, and keeps the clean-ups they register."""

    http: httpx.Client
    echo: Callable[[str], None]
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    outcomes: list[Outcome] = field(default_factory=list)
    cleanups: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def step(self, name: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` as the step ``name``; a failure is recorded and re-raised as StepFailed."""
        start = time.perf_counter()
        try:
            result = fn()
        except (StepFailed, httpx.HTTPError, OSError) as exc:
            self._record(Outcome(name, False, time.perf_counter() - start, _describe(exc)))
            raise StepFailed(name) from exc
        self._record(Outcome(name, True, time.perf_counter() - start))
        return result

    def on_cleanup(self, name: str, fn: Callable[[], None]) -> None:
        """Register a clean-up; they run last, newest first, each reported as a step."""
        self.cleanups.append((name, fn))

    def clean_up(self) -> None:
        """Run every registered clean-up, even after failures."""
        while self.cleanups:
            name, fn = self.cleanups.pop()
            try:
                self.step(name, fn)
            except StepFailed:
                continue

    def _record(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        mark = "PASS" if outcome.passed else "FAIL"
        line = f"{mark}  {outcome.name:<58} {outcome.seconds * 1000:8.1f} ms"
        self.echo(line + (f"\n      {outcome.detail}" if outcome.detail else ""))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {exc}"
    return str(exc) or type(exc).__name__


def expect_status(response: httpx.Response, *statuses: int) -> httpx.Response:
    """``response`` when its status is one of ``statuses``; otherwise a StepFailed naming both."""
    if response.status_code not in statuses:
        body = response.text[:300].replace("\n", " ")
        raise StepFailed(
            f"{response.request.method} {response.request.url.path}: expected "
            f"{'/'.join(map(str, statuses))}, got {response.status_code}: {body}"
        )
    return response


def expect(condition: bool, message: str) -> None:
    """Fail the current step with ``message`` unless ``condition`` holds."""
    if not condition:
        raise StepFailed(message)


def json_of(response: httpx.Response) -> Any:
    """The response's JSON body, or a StepFailed when it is not JSON."""
    try:
        return response.json()
    except ValueError as exc:
        raise StepFailed(f"{response.request.url.path}: body is not JSON") from exc


def sql_rows(
    dsn: str, query: str, params: dict[str, Any], uuids: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Rows of one read-only query, through Roost's storage layer (any DSN Roost accepts).

    The tutorial's queries name the ``public`` schema; SQLite has none, so the
    qualifier is dropped there. Parameters named in ``uuids`` are bound as UUIDs
    (SQLite stores them as dashed text).
    """
    from sqlalchemy import Uuid, bindparam, text

    from roost.storage.database import Database
    from roost.storage.dsn import parse_dsn

    if parse_dsn(dsn).dialect == "sqlite":
        query = query.replace("public.", "")

    async def fetch() -> list[dict[str, Any]]:
        db = Database(dsn)
        try:

            async def read(conn: Any) -> list[dict[str, Any]]:
                bound = [bindparam(name, type_=Uuid(as_uuid=False)) for name in uuids]
                result = await conn.execute(text(query).bindparams(*bound), params)
                return [dict(row._mapping) for row in result]

            rows: list[dict[str, Any]] = await db.read(read)
            return rows
        finally:
            await db.close()

    return asyncio.run(fetch())


def _pair(label: str, first: str | None, second: str | None) -> tuple[str, str] | None:
    """Both endpoints of a service (without trailing slashes), or None when neither is given."""
    if first and second:
        return first.rstrip("/"), second.rstrip("/")
    if first or second:
        raise click.UsageError(f"{label}: give both of its endpoints, or neither")
    return None


@click.command()
@click.option("--hydra-admin-url", envvar="HYDRA_ADMIN_URL", help="[env HYDRA_ADMIN_URL]")
@click.option("--hydra-public-url", envvar="HYDRA_PUBLIC_URL", help="[env HYDRA_PUBLIC_URL]")
@click.option("--kratos-public-url", envvar="KRATOS_PUBLIC_URL", help="[env KRATOS_PUBLIC_URL]")
@click.option("--kratos-admin-url", envvar="KRATOS_ADMIN_URL", help="[env KRATOS_ADMIN_URL]")
@click.option("--keto-read-remote", envvar="KETO_READ_REMOTE", help="[env KETO_READ_REMOTE]")
@click.option("--keto-write-remote", envvar="KETO_WRITE_REMOTE", help="[env KETO_WRITE_REMOTE]")
@click.option("--hydra-dsn", envvar="VERIFY_HYDRA_DSN", help="Run the SQL read-backs on it.")
@click.option("--kratos-dsn", envvar="VERIFY_KRATOS_DSN", help="Run the SQL read-backs on it.")
@click.option("--keto-dsn", envvar="VERIFY_KETO_DSN", help="Run the SQL read-backs on it.")
@click.option(
    "--keto-namespace",
    default="documents",
    show_default=True,
    help="Namespace of the test tuple (the seed's).",
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per call.")
def verify(
    hydra_admin_url: str | None,
    hydra_public_url: str | None,
    kratos_public_url: str | None,
    kratos_admin_url: str | None,
    keto_read_remote: str | None,
    keto_write_remote: str | None,
    hydra_dsn: str | None,
    kratos_dsn: str | None,
    keto_dsn: str | None,
    keto_namespace: str,
    timeout: float,
) -> None:
    """Run the seed tutorial's checks against a deployment; exit 0 only when all pass.

    A service is checked when both of its endpoints are given (flags or the
    tutorial's environment variables). Everything created (an OAuth2 client,
    an identity, a relation tuple) is deleted afterwards.
    """
    from roost.cli import verify_identity, verify_oauth2, verify_permissions

    plans: list[tuple[str, Callable[[Run], None]]] = []
    hydra = _pair("hydra", hydra_admin_url, hydra_public_url)
    if hydra:
        plans.append(("hydra", lambda r: verify_oauth2.run(r, *hydra, dsn=hydra_dsn)))
    kratos = _pair("kratos", kratos_public_url, kratos_admin_url)
    if kratos:
        plans.append(("kratos", lambda r: verify_identity.run(r, *kratos, dsn=kratos_dsn)))
    keto = _pair("keto", keto_read_remote, keto_write_remote)
    if keto:
        plans.append(("keto", lambda r: verify_permissions.run(r, *keto, keto_namespace, keto_dsn)))
    if not plans:
        raise click.UsageError("no endpoints: set the seed's *_URL / KETO_*_REMOTE variables")
    sys.exit(0 if run_plans(plans, timeout, click.echo) else 1)


def run_plans(
    plans: Sequence[tuple[str, Callable[[Run], None]]],
    timeout: float,
    echo: Callable[[str], None],
) -> bool:
    """Run each service's steps, then every clean-up; True when nothing failed."""
    with httpx.Client(timeout=timeout, headers={"Accept": "application/json"}) as http:
        run = Run(http, echo)
        for _label, plan in plans:
            try:
                plan(run)
            except StepFailed:
                continue  # later steps of this service depend on the failed one
        run.clean_up()
    failed = [o for o in run.outcomes if not o.passed]
    total = sum(o.seconds for o in run.outcomes)
    echo(f"{len(run.outcomes) - len(failed)} passed, {len(failed)} failed in {total:.2f} s")
    return not failed
