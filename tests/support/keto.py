"""Ory Keto's own binary for tests: built from Go modules outside the source tree, once.

``ROOST_TEST_KETO`` names a ``keto`` binary to use as is. Otherwise the binary
lives at ``$ROOST_TEST_KETO_DIR/<version>/keto`` (default dir
``~/.cache/roost-test/keto``) and is built there on first use from the Go module
proxy. The proxy refuses ``github.com/ory/keto`` v25.x (403) and serves only the
old releases; v0.14.0 downloads but cannot build, because its ``proto`` module
(a ``replace => ./proto`` left out of the module zip) is served only up to
v0.13.0-alpha.0, which lacks v0.14.0's batch-check messages. So the newest Keto
that builds from the proxy is v0.13.0-alpha.0 with its matching proto module.

Without Go, or when the proxy refuses, the calling test skips with one line;
under ``CI=true`` that is a failure, since the build worked when this was written.
``python3 -m tests.support.keto`` builds it ahead of time (scripts/test.sh, in the
background while pip installs the test tools): the build needs only the standard
library, so pytest is imported by :func:`keto_binary` alone.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

VERSION = "v0.13.0-alpha.0"
MODULE, PROTO = "github.com/ory/keto", "github.com/ory/keto/proto"
BUILD_SECONDS = 1500
# as Ory's release builds: SQLite compiled in (``dsn: memory``) and the version stamped
STAMP = f"-X github.com/ory/keto/internal/driver/config.Version={VERSION}"


class Unavailable(Exception):
    """Keto cannot be built here; the message is one line saying why."""


def cache_dir() -> Path:
    configured = os.environ.get("ROOST_TEST_KETO_DIR")
    return Path(configured) if configured else Path.home() / ".cache/roost-test/keto"


def _go() -> str:
    go = shutil.which("go") or shutil.which("go", path="/usr/local/go/bin")
    if go is None:
        raise Unavailable(f"Keto {VERSION} needs the Go toolchain, not found on PATH")
    return go


def _download(go: str, module: str, work: Path) -> Path:
    """The read-only module-cache folder of ``module@VERSION`` (``go mod download``)."""
    done = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{VERSION}"],
        cwd=work,  # outside any module, so no go.mod is read or changed
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "GO111MODULE": "on", "GOFLAGS": "-mod=mod"},
    )
    try:
        info = json.loads(done.stdout)
    except json.JSONDecodeError:
        info = {"Error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    if "Error" in info or "Dir" not in info:
        first = str(info.get("Error", "no Dir")).splitlines()[0]
        raise Unavailable(f"the Go module proxy did not serve Keto's modules: {first}")
    return Path(info["Dir"])


def _writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _build(target: Path) -> None:
    go = _go()
    with tempfile.TemporaryDirectory(prefix="keto-build-") as tmp:
        work = Path(tmp)
        source = work / "keto"
        shutil.copytree(_download(go, MODULE, work), source)
        _writable(source)
        shutil.copytree(_download(go, PROTO, work), source / "proto")
        _writable(source / "proto")
        partial = target.with_suffix(".partial")
        try:
            done = subprocess.run(
                [go, "build", "-tags", "sqlite", "-ldflags", STAMP, "-o", str(partial), "."],
                cwd=source,
                capture_output=True,
                text=True,
                timeout=BUILD_SECONDS,
                env={**os.environ, "GOFLAGS": "-mod=mod -buildvcs=false", "CGO_ENABLED": "1"},
            )
        except subprocess.TimeoutExpired as exc:
            raise Unavailable(f"building Keto {VERSION} took over {BUILD_SECONDS} s") from exc
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or ["no output"]
            raise Unavailable(f"building Keto {VERSION} failed: {lines[-1]}")
        partial.replace(target)  # atomic: a half-written binary is never picked up


def build() -> Path:
    """The path of a ``keto`` binary, building it into the cache when missing."""
    configured = os.environ.get("ROOST_TEST_KETO")
    if configured:
        return Path(configured)
    target = cache_dir() / VERSION / "keto"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel workers build once
        if not target.exists():
            _build(target)
    return target


@functools.cache
def _attempt() -> Path | Unavailable:
    """One build attempt per test run: a failed build is not retried by every test."""
    try:
        return build()
    except Unavailable as exc:
        return exc


def keto_binary() -> Path:
    """For tests: the binary, or a skip (a failure under ``CI=true``) with one line."""
    import pytest

    from tests.support.shared import in_ci

    found = _attempt()
    if isinstance(found, Unavailable):
        if in_ci():
            pytest.fail(f"{found} and CI=true", pytrace=False)
        pytest.skip(str(found))
    return found


if __name__ == "__main__":
    try:
        print(build())
    except Unavailable as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
