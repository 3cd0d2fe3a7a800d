"""What every client of the end-to-end case lists shares: one error type and the CLI runner.

Each service has one list of cases (``test_<service>.py``) written against a
small client Protocol (``<service>_clients.py``); the Protocol is implemented
three times: plain REST (httpx), Ory's official SDK, and Roost's CLI. A case
runs unchanged through each, against a real ``roost serve`` on SQLite and on
PostgreSQL, the way Keto's ``internal/e2e`` runs its cases through every client.
"""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from roost.cli.main import cli


class ClientError(Exception):
    """The server (or the CLI) refused a request; ``str()`` carries its message.

    ``status`` is the HTTP status where the client sees one (REST, SDK); the
    CLI reports only a message and a non-zero exit.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def roost(*args: str, stdin: str | None = None) -> str:
    """Run ``roost ARGS`` in-process (the real click command, over real sockets); stdout."""
    result = CliRunner().invoke(cli, list(args), input=stdin)
    if result.exit_code != 0:
        raise ClientError(f"roost {' '.join(args[:3])}: exit {result.exit_code}: {result.output}")
    return result.stdout


def roost_json(*args: str, stdin: str | None = None) -> Any:
    """``roost ARGS --format json``, decoded."""
    return json.loads(roost(*args, "--format", "json", stdin=stdin))
