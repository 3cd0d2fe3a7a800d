"""The README's commands are the ``roost`` command's, written one way (issue 9, item 7)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from roost.cli.main import cli

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_commands_say_roost_never_a_path_to_it() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    assert blocks
    assert not [line for b in blocks for line in b.splitlines() if "bin/roost " in line]


def test_the_command_table_lists_every_top_level_command() -> None:
    table = re.search(r"## Commands\n(.*?)\n## ", README, flags=re.S)
    assert table is not None
    rows = {m.group(1) for m in re.finditer(r"^\| `roost ([a-z0-9-]+)", table.group(1), flags=re.M)}
    assert set(cli.commands) <= rows, set(cli.commands) - rows


def test_identity_table_row_names_commands_that_exist() -> None:
    for args in (
        ["identity", "get", "identity", "--help"],
        ["identity", "list", "identities", "--help"],
        ["identity", "import", "identities", "--help"],
        ["identity", "delete", "identity", "--help"],
    ):
        assert CliRunner().invoke(cli, args).exit_code == 0, args
