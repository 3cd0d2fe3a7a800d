"""Real ``roost serve --workers 2`` processes while their PostgreSQL restarts (pg_ctl).

Found under faults: pooled connections that died with the server failed their
next statement with a 500, sporadically, for up to a minute. Here an OAuth2
server and a permission server keep taking a mixed load (client creation,
client_credentials, introspection; tuple writes and checks) across a restart
of the test's own cluster. No response may be a 500; a 503 (Ory's JSON error
shape) only while the database is down or just back; every write a client saw
succeed is readable afterwards.
"""

from __future__ import annotations

import asyncio
import collections
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from bench.common.services import restart_postgres, start_postgres, stop_postgres

from tests.support.pg import create_database
from tests.support.server import Server, start_server

SECRET = "a-system-secret-of-at-least-32-characters"
GRACE = 2.0  # seconds after the restart in which a 503 is still fair (a request's retry budget)


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[str, str]]:
    admin, directory = start_postgres()
    try:
        yield admin, directory
    finally:
        stop_postgres(directory)


@dataclass
class Tally:
    """What the clients saw: statuses with their time, and the writes acknowledged."""

    statuses: list[tuple[float, int, str]] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)
    tuples: list[str] = field(default_factory=list)

    def saw(self, response: httpx.Response) -> int:
        self.statuses.append((time.monotonic(), response.status_code, response.text))
        return response.status_code


class Load:
    """One client's loop over both services' hot paths."""

    def __init__(self, oauth2: Server, keto: Server, tally: Tally) -> None:
        self.oauth2, self.keto, self.tally = oauth2, keto, tally

    async def run(self, http: httpx.AsyncClient, until: float) -> None:
        while time.monotonic() < until:
            await self.round(http)

    async def round(self, http: httpx.AsyncClient) -> None:
        tally, admin = self.tally, self.oauth2.urls["admin"]
        secret = uuid.uuid4().hex
        body = {"client_secret": secret, "grant_types": ["client_credentials"]}
        created = await http.post(f"{admin}/admin/clients", json=body)
        if tally.saw(created) == 201:
            client_id = created.json()["client_id"]
            tally.clients.append(client_id)
            await self.token(http, client_id, secret)
        obj = uuid.uuid4().hex
        tuple_ = {"namespace": "documents", "object": obj, "relation": "viewer", "subject_id": "u"}
        put = await http.put(f"{self.keto.urls['write']}/admin/relation-tuples", json=tuple_)
        if tally.saw(put) == 201:
            tally.tuples.append(obj)
        tally.saw(await http.get(f"{self.keto.urls['read']}/relation-tuples/check", params=tuple_))

    async def token(self, http: httpx.AsyncClient, client_id: str, secret: str) -> None:
        public, admin = self.oauth2.urls["public"], self.oauth2.urls["admin"]
        form = {"grant_type": "client_credentials"}
        got = await http.post(f"{public}/oauth2/token", data=form, auth=(client_id, secret))
        if self.tally.saw(got) == 200:
            token = {"token": got.json()["access_token"]}
            self.tally.saw(await http.post(f"{admin}/admin/oauth2/introspect", data=token))


def _servers(tmp: Path, admin_dsn: str) -> tuple[Server, Server]:
    workers = ("--workers", "2")
    oauth2 = start_server(
        tmp / "oauth2",
        {
            "dsn": create_database(admin_dsn),
            "secrets": {"system": [SECRET]},
            "oauth2": {"hashers": {"algorithm": "pbkdf2", "pbkdf2": {"iterations": 1000}}},
        },
        service="oauth2",
        listeners=("public", "admin"),
        extra_args=workers,
    )
    keto = start_server(
        tmp / "keto",
        {"dsn": create_database(admin_dsn), "namespaces": [{"name": "documents"}]},
        extra_args=workers,
    )
    return oauth2, keto


async def _load_across_restart(
    oauth2: Server, keto: Server, cluster: str, tally: Tally
) -> tuple[float, float]:
    """Eight clients for a second, a restart, and four more seconds; (restart began, ended)."""
    load = Load(oauth2, keto, tally)
    async with httpx.AsyncClient(timeout=30) as http:
        until = time.monotonic() + 60
        clients = [asyncio.ensure_future(load.run(http, until)) for _ in range(8)]
        await asyncio.sleep(1)
        began = time.monotonic()
        await asyncio.to_thread(restart_postgres, cluster)
        ended = time.monotonic()
        await asyncio.sleep(4)
        for c in clients:
            c.cancel()
        await asyncio.gather(*clients, return_exceptions=True)
    return began, ended


def test_no_500_while_postgres_restarts_under_load(
    tmp_path: Path, cluster: tuple[str, str]
) -> None:
    oauth2, keto = _servers(tmp_path, cluster[0])
    tally = Tally()
    try:
        began, ended = asyncio.run(_load_across_restart(oauth2, keto, cluster[1], tally))
        acked_clients = [
            httpx.get(f"{oauth2.urls['admin']}/admin/clients/{c}").status_code
            for c in tally.clients
        ]
        acked_tuples = [
            httpx.get(
                f"{keto.urls['read']}/relation-tuples",
                params={"namespace": "documents", "object": obj},
            ).json()["relation_tuples"]
            for obj in tally.tuples
        ]
    finally:
        oauth2.stop()
        keto.stop()
    codes = [code for _, code, _ in tally.statuses]
    print(f"restart took {ended - began:.2f}s; responses: {collections.Counter(codes)}")
    assert len(codes) > 50 and codes.count(200) + codes.count(201) > 40, codes
    assert [s for s in tally.statuses if s[1] >= 500 and s[1] != 503] == []
    unavailable = [s for s in tally.statuses if s[1] == 503]
    assert all(began <= at <= ended + GRACE for at, _, _ in unavailable), unavailable
    assert all('"error"' in text for _, _, text in unavailable), unavailable
    assert set(codes) <= {200, 201, 403, 503}, sorted(set(codes))  # 403: check of a failed write
    after = [code for at, code, _ in tally.statuses if at > ended + GRACE]
    assert after and set(after) <= {200, 201}
    assert acked_clients == [200] * len(tally.clients)
    assert all(len(found) == 1 for found in acked_tuples)
    for server in (oauth2, keto):
        assert "Traceback" not in server.log.read_text()
