"""``roost migrate up|status|down`` for every service (Ory's ``migrate up/down/status``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from roost.cli.main import cli


def _lines(output: str, state: str) -> list[str]:
    return [line for line in output.splitlines() if line.endswith(state)]


@pytest.mark.parametrize("service", ["permissions", "identity", "oauth2"])
def test_down_undoes_the_last_steps_and_up_restores_them(tmp_path: Path, service: str) -> None:
    cfg = tmp_path / "roost.yaml"
    dsn = f"sqlite:///{tmp_path / 'db.sqlite'}"
    cfg.write_text(f"{service}:\n  dsn: {dsn}\n")
    args = [service, "--config", str(cfg), "--data-dir", str(tmp_path / "data")]
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate", "up", *args]).exit_code == 0
    applied = runner.invoke(cli, ["migrate", "status", *args])
    assert applied.exit_code == 0 and not _lines(applied.output, "Pending")
    steps = [line.split("\t")[1] for line in _lines(applied.output, "Applied")]

    refused = runner.invoke(cli, ["migrate", "down", *args, "--steps", "2"], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert runner.invoke(cli, ["migrate", "status", *args]).exit_code == 0

    down = runner.invoke(cli, ["migrate", "down", *args, "--steps", "2", "--yes"])
    assert down.exit_code == 0, down.output
    assert [line.split("\t")[1] for line in _lines(down.output, "Rolled back")] == [
        steps[-1],
        steps[-2],
    ]
    pending = runner.invoke(cli, ["migrate", "status", *args])
    assert pending.exit_code == 1
    assert [line.split("\t")[1] for line in _lines(pending.output, "Pending")] == steps[-2:]
    assert runner.invoke(cli, ["migrate", "up", *args]).exit_code == 0
    assert runner.invoke(cli, ["migrate", "status", *args]).exit_code == 0


def test_down_needs_a_positive_step_count(tmp_path: Path) -> None:
    args = ["permissions", "--data-dir", str(tmp_path / "data")]
    missing = CliRunner().invoke(cli, ["migrate", "down", *args, "--yes"])
    assert missing.exit_code == 2 and "--steps" in missing.output
    zero = CliRunner().invoke(cli, ["migrate", "down", *args, "--steps", "0", "--yes"])
    assert zero.exit_code == 2
