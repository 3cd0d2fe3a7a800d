"""Ory's npm clients for tests: installed outside the source tree, once per machine.

``npm install`` puts a package into ``$ROOST_TEST_NPM_DIR`` (default
``~/.cache/roost-test/npm``), the way scripts/test.sh keeps its other tools out
of the repository. Without node/npm, or when the registry cannot serve the
package, the calling test skips with one line; under ``CI=true`` that is a
failure instead, since the package installs from the npm registry (checked
when the test was written).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.shared import in_ci

INSTALL_SECONDS = 300


def npm_dir() -> Path:
    return Path(os.environ.get("ROOST_TEST_NPM_DIR") or Path.home() / ".cache/roost-test/npm")


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason} and CI=true", pytrace=False)
    pytest.skip(reason)


def npm_package(name: str, version: str) -> Path:
    """The install prefix holding ``name@version`` (installed now when missing)."""
    prefix = npm_dir() / f"{name.replace('/', '+')}@{version}"
    installed = prefix / "node_modules" / name / "package.json"
    if installed.exists():
        return prefix
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        _unavailable(f"{name}@{version} needs node and npm, not found on PATH")
    prefix.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [
                str(npm),
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(prefix),
                f"{name}@{version}",
            ],
            capture_output=True,
            text=True,
            timeout=INSTALL_SECONDS,
        )
    except subprocess.TimeoutExpired:
        _unavailable(f"npm could not fetch {name}@{version} within {INSTALL_SECONDS} s")
    if done.returncode != 0 or not installed.exists():
        lines = [x for x in done.stderr.splitlines() if "error" in x and "log of this run" not in x]
        _unavailable(f"npm could not fetch {name}@{version}: {(lines or ['no output'])[0]}")
    return prefix
