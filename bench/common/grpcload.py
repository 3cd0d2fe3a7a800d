"""Drive Keto's gRPC CheckService with ``grpcload`` (Go, beside this file).

The generator is a small Go program on Keto's published Go stubs
(``github.com/ory/keto/proto``) and grpc-go, built from the Go module proxy
into a cache folder outside the repository on first use. Like wrk, it keeps
``connections`` callers with one call in flight each; Go keeps the client's
CPU far below the server's, so it is not the bottleneck.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.common.wrk import Result

SOURCE = Path(__file__).with_name("grpcload")


def binary() -> Path | None:
    """The built generator (cached by source hash), or None without Go."""
    if shutil.which("go") is None:
        return None
    digest = hashlib.sha256()
    for name in ("main.go", "go.mod", "go.sum"):
        digest.update((SOURCE / name).read_bytes())
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "roost-bench"
    exe = cache / f"grpcload-{digest.hexdigest()[:12]}"
    if not exe.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["go", "build", "-o", str(exe), "."], cwd=SOURCE, check=True, timeout=600)
    return exe


def run(
    exe: Path,
    address: str,
    checks: list[tuple[str, str, str, str]],
    *,
    connections: int = 32,
    seconds: int = 10,
    cpu: Callable[[], tuple[float, float | None]] | None = None,
) -> Result:
    """Random checks from ``checks`` (namespace, object, relation, subject id)."""
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "checks.tsv"
        listing.write_text("".join("\t".join(c) + "\n" for c in checks))
        before = cpu() if cpu else None
        flags = ["-c", str(connections), "-d", f"{seconds}s"]
        out = subprocess.run(
            [str(exe), "-addr", address, "-checks", str(listing), *flags],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        after = cpu() if cpu else None
    raw = json.loads(out)
    result = Result(raw["rps"], raw["p50_ms"], raw["p99_ms"], raw["errors"], 0)
    if before is None or after is None:
        return result
    done = max(1.0, raw["calls"]) / 1000
    db = None if after[1] is None or before[1] is None else (after[1] - before[1]) / done
    return dataclasses.replace(result, server_cpu_ms=(after[0] - before[0]) / done, db_cpu_ms=db)
