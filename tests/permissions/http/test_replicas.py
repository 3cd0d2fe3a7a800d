"""Two real ``roost serve`` processes on one PostgreSQL: a write's snaptoken is honoured
on the other replica, and a Watch consumer neither misses nor repeats a change when
the server it polls restarts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import new_dsn
from tests.permissions.conftest import SEED_NAMESPACES
from tests.support.server import Server, start_server

TOKEN = "X-Roost-Snaptoken"


def _serve(tmp: Path, dsn: str) -> Server:
    return start_server(tmp, {"dsn": dsn, "namespaces": SEED_NAMESPACES})


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    tmp = tmp_path_factory.mktemp("keto-replicas")
    dsn = new_dsn("postgres", tmp)
    a = _serve(tmp / "a", dsn)
    try:
        b = _serve(tmp / "b", dsn)
    except BaseException:
        a.stop()
        raise
    yield a, b
    a.stop()
    b.stop()


def _put(server: Server, obj: str, subject: str) -> str:
    body = {"namespace": "documents", "object": obj, "relation": "viewer", "subject_id": subject}
    r = httpx.put(f"{server.urls['write']}/admin/relation-tuples", json=body)
    assert r.status_code == 201, r.text
    return r.headers[TOKEN]


def _allowed(server: Server, obj: str, subject: str, snaptoken: str) -> bool:
    params = {"namespace": "documents", "object": obj, "relation": "viewer"}
    params |= {"subject_id": subject, "snaptoken": snaptoken}
    r = httpx.get(f"{server.urls['read']}/relation-tuples/check", params=params)
    assert r.status_code in (200, 403), r.text
    return bool(r.json()["allowed"])


def test_a_write_on_one_replica_is_seen_with_its_token_on_the_other(
    replicas: tuple[Server, Server],
) -> None:
    a, b = replicas
    assert _allowed(b, "warm", "nobody", "latest") is False  # b's check cache is warm
    for i in range(40):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        token = _put(writer, f"doc-{i}", f"user-{i}")
        assert _allowed(reader, f"doc-{i}", f"user-{i}", token), i
        listed = httpx.get(
            f"{reader.urls['read']}/x/relation-tuples/objects",
            params={"namespace": "documents", "relation": "viewer", "subject_id": f"user-{i}"}
            | {"snaptoken": token},
        )
        assert listed.json()["objects"] == [f"doc-{i}"]


def _poll(server: Server, token: str) -> dict[str, Any]:
    r = httpx.get(
        f"{server.urls['read']}/x/watch", params={"snaptoken": token, "timeout": 1}, timeout=15
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_watch_across_a_restart_and_both_replicas(
    replicas: tuple[Server, Server], tmp_path: Path
) -> None:
    a, b = replicas
    start = httpx.get(f"{a.urls['read']}/x/watch").json()["snaptoken"]
    written = []
    for i in range(10):
        _put(a if i % 2 else b, f"w-{i}", "watcher")
        written.append(f"w-{i}")
    got: list[str] = []
    body = _poll(a, start)
    got += [c["relation_tuple"]["object"] for c in body["changes"]]
    token = body["snaptoken"]
    dsn = a.config["dsn"]
    a.stop()  # the consumer's server goes away; writes go on through the other replica
    for i in range(10, 20):
        _put(b, f"w-{i}", "watcher")
        written.append(f"w-{i}")
    restarted = _serve(tmp_path / "a2", dsn)
    try:
        for _ in range(10):
            body = _poll(restarted, token)
            if not body["changes"]:
                break
            got += [c["relation_tuple"]["object"] for c in body["changes"]]
            token = body["snaptoken"]
    finally:
        restarted.stop()
    assert got == written
