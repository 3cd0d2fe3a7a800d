"""Drive a URL mix with wrk (Debian's package) and parse its latency report.

wrk is an event-driven C load generator: one thread sustains far more than
Roost can serve on this machine, so the generator is not the bottleneck.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_LUA = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local method = "%(method)s"
local body = %(body)s
local headers = {["Content-Type"] = "application/json"}
request = function()
  local p = paths[math.random(#paths)]
  if method == "POST" then
    local sep = p:find("\\t")
    return wrk.format("POST", p:sub(1, sep - 1), headers, p:sub(sep + 1))
  end
  return wrk.format(method, p, nil, body)
end
"""


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    non_2xx: int
    server_cpu_ms: float | None = None
    """CPU time per request of the server's processes (when a probe was given)."""
    db_cpu_ms: float | None = None
    """CPU time per request of the database server (when it is local and known)."""


def parse(out: str) -> Result:
    """wrk's report (run with ``--latency``) as a Result, without CPU figures."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Result(rps, p50, p99, errors, int(non2xx.group(1)) if non2xx else 0)


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        raise ValueError(text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run(
    base_url: str,
    paths: list[str],
    *,
    connections: int = 32,
    seconds: int = 10,
    threads: int = 1,
    method: str = "GET",
    cpu: Callable[[], tuple[float, float | None]] | None = None,
) -> Result:
    """Run wrk against ``base_url`` choosing a random path per request.

    For POST, each entry of ``paths`` is ``path<TAB>body``.
    """
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        plist = Path(tmp) / "paths.txt"
        plist.write_text("\n".join(paths) + "\n")
        script = Path(tmp) / "mix.lua"
        script.write_text(_LUA % {"paths": plist, "method": method, "body": "nil"})
        before = cpu() if cpu else None
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                str(script),
                base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        after = cpu() if cpu else None
    return with_cpu(parse(out), seconds, before, after)


def with_cpu(
    result: Result,
    seconds: int,
    before: tuple[float, float | None] | None,
    after: tuple[float, float | None] | None,
) -> Result:
    """``result`` with server and database CPU milliseconds per request, from
    two readings of ``cpu()`` taken around the run."""
    if before is None or after is None:
        return result
    done = max(1.0, result.rps * seconds) / 1000
    db = None if after[1] is None or before[1] is None else (after[1] - before[1]) / done
    return dataclasses.replace(result, server_cpu_ms=(after[0] - before[0]) / done, db_cpu_ms=db)
