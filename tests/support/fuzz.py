"""Hostile input for every operation of a running server, and what must hold after each.

Beside schemathesis (which follows Ory's OpenAPI documents), this sends what
no document describes: lone UTF-16 surrogates, NUL, 256 / 4,096 / 100,000
character strings, deep nesting, huge numbers and wrong types, in bodies,
path parameters and query parameters. Operations are found on the live
server (a ``TRACE`` on each route answers 405 with the ``Allow`` list), so a
new route is fuzzed without being listed here. After each request:

* no 5xx;
* a refusal (4xx) has Ory's error shape for the service;
* a refusal changed no row count, and the service's listings still answer 200
  (small pages and the seeded resource after each refusal; the full listing
  once the fuzzing is done, see :func:`listings_work`).

``ROOST_FUZZ_EXAMPLES`` raises the number of examples per test (default 100,
so the CI form stays within a few minutes); see issue 9 and decision 0018.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from roost.storage.dsn import parse_dsn
from tests.support.pg import plain_dsn

EXAMPLES = int(os.environ.get("ROOST_FUZZ_EXAMPLES", "100"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
IGNORED_TABLES = frozenset(
    {"roost_login_failures", "roost_client_auth_failures", "roost_schema_migrations"}
)
"""Counting failed logins and client authentications is what a refusal is for (issue 9, 5)."""


@dataclass(frozen=True)
class Raw:
    """JSON text sent as is: nesting and numbers that ``json.dumps`` cannot or will not write."""

    text: str


def dumps(value: Any) -> str:
    """JSON with non-ASCII escaped (so lone surrogates travel as ``\\ud800``) and :class:`Raw`."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value)


BAD_CHARS = ["\ud800", "\udfff", "\udc80", "\x00"]
_bad_text = st.builds(
    lambda a, bad, b: a + bad + b,
    st.text(max_size=4),
    st.sampled_from(BAD_CHARS),
    st.text(max_size=4),
)
_long_text = st.sampled_from(["x" * 256, "é" * 256, "y" * 4096, "z" * 100_000, "a@b." + "c" * 300])
HOSTILE_TEXT = st.one_of(_bad_text, _long_text)
HOSTILE = st.one_of(
    HOSTILE_TEXT,
    st.sampled_from(
        [
            Raw("[" * 100 + "]" * 100),
            Raw('{"a":' * 100 + "1" + "}" * 100),
            Raw("[" * 3000 + "]" * 3000),
            2**63,
            -(2**63) - 1,
            2**64,
            10**30,
            Raw("1" * 5000),
            Raw("1e400"),
            Raw("-1e400"),
            Raw("NaN"),
            1e308,
            None,
            True,
            0,
            -1,
            [],
            {},
            ["a"],
            {"a": 1},
        ]
    ),
)


Path = tuple[str | int, ...]


def leaves(value: Any, prefix: Path = ()) -> list[Path]:
    """Every member path of a baseline body, into objects and arrays alike."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, member in value.items():
            out += leaves(member, (*prefix, key))
    elif isinstance(value, list):
        for index, member in enumerate(value):
            out += leaves(member, (*prefix, index))
    return out


def replaced(body: Any, path: Path, value: Any) -> Any:
    """A copy of ``body`` with the member at ``path`` set to ``value`` (created if absent)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int) and isinstance(body, list):
        return [replaced(m, rest, value) if i == head else m for i, m in enumerate(body)]
    out = dict(body) if isinstance(body, dict) else {}
    out[str(head)] = replaced(out.get(str(head)), rest, value)
    return out


URL_TEXT = 4100
"""Longest hostile value in a URL: a 100,000-character one is no URL a client can send."""


def url_text(value: Any) -> str:
    """A hostile value as URL text: surrogates as the CESU-8 bytes no UTF-8 decoder accepts."""
    text = (
        value.text if isinstance(value, Raw) else value if isinstance(value, str) else dumps(value)
    )
    return quote(text[:URL_TEXT].encode("utf-8", "surrogatepass"), safe="")


NOBODY = "00000000-0000-4000-8000-00000000f022"
"""A well-formed id that names nothing: what DELETEs and unseeded parameters get."""


@dataclass
class Target:
    """One running service: its ports' routes, seeds for parameters and bodies, its database."""

    ports: Mapping[str, str]
    routes: Mapping[str, Sequence[str]]
    dsn: str
    listings: Sequence[str]
    full_listings: Sequence[str]
    herodot: bool
    params: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, Any] = field(default_factory=dict)
    queries: dict[str, dict[str, str]] = field(default_factory=dict)
    forms: frozenset[str] = frozenset()
    query_names: Sequence[str] = ("page_size", "page_token", "id")
    log: FilePath | None = None
    sentinels: Sequence[str] = ()
    """Values the baseline bodies carry that must never reach the server's log."""
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))
    """One client, kept alive: a fresh connection per request costs ~40 ms (delayed ACKs)."""

    def operations(self) -> list[tuple[str, str, str]]:
        """``(port, method, path template)`` of every operation the server serves."""
        found = []
        for port, paths in self.routes.items():
            for path in paths:
                if "{path:path}" in path:
                    continue
                r = self.http.request("TRACE", self.ports[port] + self.fill(path, {}))
                methods = [m.strip() for m in r.headers.get("allow", "").split(",") if m.strip()]
                found += [(port, m, path) for m in methods if m not in ("HEAD", "OPTIONS")]
        assert found, "no operations found"
        return sorted(found)

    def fill(self, path: str, override: Mapping[str, str], method: str = "GET") -> str:
        """The path with its parameters: the seeds, but never a seed a DELETE would remove."""
        seeds = self.params if method != "DELETE" else {}
        for name in _names(path):
            value = override.get(name, quote(seeds.get(name, NOBODY), safe=""))
            path = path.replace("{" + name + "}", value)
        return path


def _names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


class Snapshot:
    """Row counts of every table, read straight from the service's database."""

    def __init__(self, dsn: str) -> None:
        self.parsed = parse_dsn(dsn)
        self.loop = asyncio.new_event_loop()
        self.pg: asyncpg.Connection | None = None
        if self.parsed.dialect != "sqlite":
            self.pg = self.loop.run_until_complete(asyncpg.connect(plain_dsn(dsn)))

    def counts(self) -> dict[str, int]:
        if self.pg is None:
            with sqlite3.connect(str(self.parsed.sqlite_path)) as conn:
                names = [
                    r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                ]
                return {
                    n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]
                    for n in self._keep(names)
                }
        return self.loop.run_until_complete(self._pg_counts())

    async def _pg_counts(self) -> dict[str, int]:
        assert self.pg is not None
        rows = await self.pg.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        names = self._keep([r[0] for r in rows])
        if not names:
            return {}
        sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{n}")' for n in names)
        row = await self.pg.fetchrow(sql)
        assert row is not None
        return dict(zip(names, row, strict=True))

    @staticmethod
    def _keep(names: list[str]) -> list[str]:
        return sorted(n for n in names if n not in IGNORED_TABLES and not n.startswith("sqlite_"))

    def close(self) -> None:
        if self.pg is not None:
            self.loop.run_until_complete(self.pg.close())
        self.loop.close()


def _baseline(target: Target, method: str, path: str) -> Any:
    if method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    return target.bodies.get(f"{method} {path}", target.bodies.get(path, {}))


def _request(port: str, method: str, path: str, **parts: Any) -> dict[str, Any]:
    return {"port": port, "method": method, "path": path, "override": {}, "query": {}, **parts}


@st.composite
def requests(
    draw: st.DrawFn, target: Target, ops: Sequence[tuple[str, str, str]]
) -> dict[str, Any]:
    """One hostile request: an operation, then a body, path or query parameter made hostile.

    Operations that take a body are drawn three times as often, and a member
    of a real body more often than anything else: that is where rows are written.
    """
    with_body = [op for op in ops if _baseline(target, op[1], op[2])]
    port, method, path = draw(st.sampled_from([*ops, *with_body, *with_body, *with_body]))
    baseline = _baseline(target, method, path)
    override: dict[str, str] = {}
    query = dict(target.queries.get(path, {}))
    body: Any = baseline
    where = draw(st.sampled_from(["member", "member", "member", "body", "param", "query"]))
    value = draw(HOSTILE)
    if where == "param" and _names(path):
        override[draw(st.sampled_from(_names(path)))] = url_text(value)
    elif where == "query" or baseline is None:
        query[draw(st.sampled_from([*target.query_names, *query]))] = url_text(value)
    elif where == "member" and leaves(baseline):
        member = draw(st.sampled_from([*leaves(baseline), ("unknown_member",)]))
        body = replaced(baseline, member, value)
    else:
        body = value
    return _request(port, method, path, override=override, query=query, body=body)


SWEEP: Sequence[Any] = (
    "\ud800",
    "a\x00b",
    "x" * 256,
    "z" * 100_000,
    2**64,
    Raw("[" * 100 + "]" * 100),
)
"""The values the sweep puts in every member and path parameter: issue 9's cases."""


def sweep(target: Target, ops: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Every member of every baseline body, and every path parameter, set to each of :data:`SWEEP`.

    Deterministic, so every case of issue 9 is sent on every run, whatever
    hypothesis happens to draw.
    """
    out = []
    for port, method, path in ops:
        baseline = _baseline(target, method, path)
        query = dict(target.queries.get(path, {}))
        for value in SWEEP:
            for member in leaves(baseline):
                body = replaced(baseline, member, value)
                out.append(_request(port, method, path, query=query, body=body))
            for name in _names(path):
                override = {name: url_text(value)}
                out.append(
                    _request(port, method, path, query=query, body=baseline, override=override)
                )
    return out


def send(target: Target, req: Mapping[str, Any]) -> httpx.Response:
    url = target.ports[req["port"]] + target.fill(req["path"], req["override"], req["method"])
    if req["query"]:
        url += "?" + "&".join(f"{quote(k, safe='')}={v}" for k, v in req["query"].items())
    headers: dict[str, str] = {}
    content: bytes | None = None
    if req["body"] is not None:
        if req["path"] in target.forms:
            flat = req["body"] if isinstance(req["body"], dict) else {"x": req["body"]}
            content = "&".join(
                f"{quote(str(k), safe='')}={url_text(v)}" for k, v in flat.items()
            ).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            content = dumps(req["body"]).encode()
            headers["Content-Type"] = "application/json"
    return target.http.request(req["method"], url, content=content, headers=headers)


def ory_shape(target: Target, port: str, r: httpx.Response) -> str | None:
    """Why ``r`` (a 4xx) is not in Ory's error shape for the service, or None."""
    if r.request.method == "HEAD":
        return None
    try:
        body = r.json()
    except ValueError:
        return f"not JSON: {r.text[:200]!r}"
    if not isinstance(body, dict):
        return f"not an object: {r.text[:200]!r}"
    if target.herodot:
        err = body.get("error")
        if "ui" in body and "id" in body:
            return None  # Kratos answers a refused self-service submit with the flow
        if r.status_code == 403 and body == {"allowed": False}:
            return None  # Keto's /relation-tuples/check: denied is a 403 with the answer
        if not (isinstance(err, dict) and isinstance(err.get("code"), int) and err.get("message")):
            return f"not herodot's shape: {r.text[:200]!r}"
        return None
    if r.status_code == 410 and "redirect_to" in body:
        return None  # Hydra: the login/consent step is done already
    if not (isinstance(body.get("error"), str) and "error_description" in body):
        return f"not Hydra's errorOAuth2 shape: {r.text[:200]!r}"
    if port == "admin" and not body.get("message"):
        return f"an admin error without message (genericError): {r.text[:200]!r}"
    return None


def check(target: Target, snapshot: Snapshot, req: Mapping[str, Any]) -> None:
    """Send ``req``; assert no 5xx, Ory's shape, and nothing written when refused."""
    before = snapshot.counts()
    r = send(target, req)
    brief = {k: repr(v)[:200] for k, v in req.items()}
    assert r.status_code < 500, (r.status_code, r.text[:300], brief)
    if r.status_code < 400:
        return
    problem = ory_shape(target, req["port"], r)
    assert problem is None, (problem, brief)
    assert snapshot.counts() == before, ("a refused request changed rows", r.status_code, brief)
    for url in target.listings:
        listing = target.http.get(url)
        assert listing.status_code == 200, (url, listing.status_code, listing.text[:300], brief)


def logs_clean(target: Target) -> None:
    """The server's log holds none of the sentinel values the requests carried (issue 9, 4)."""
    assert target.log is not None and target.sentinels
    text = target.log.read_text(errors="replace")
    for value in target.sentinels:
        assert value not in text, f"{value!r} reached the log"


def listings_work(target: Target) -> None:
    """Every full listing answers 200 (a poisoned row breaks it for everyone)."""
    for url in target.full_listings:
        r = target.http.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
