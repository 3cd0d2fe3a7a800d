"""The harness's clients: a mixed read/write loop and what it saw, phase by phase."""

from __future__ import annotations

import collections
import time
import uuid
from dataclasses import dataclass, field

import httpx


@dataclass
class Tally:
    """Every response (time, outcome), the faults' windows, and the writes acknowledged."""

    seen: list[tuple[float, bool, str]] = field(default_factory=list)
    marks: list[tuple[float, str]] = field(default_factory=list)
    windows: list[tuple[float, float]] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)
    tuples: list[str] = field(default_factory=list)
    identities: list[str] = field(default_factory=list)

    def mark(self, name: str) -> float:
        now = time.monotonic()
        self.marks.append((now, name))
        return now

    def saw(self, what: str, response: httpx.Response | None, ok: tuple[int, ...]) -> bool:
        """Record one answer; ``None`` is a transport error (no answer at all)."""
        status = "no answer" if response is None else str(response.status_code)
        if response is not None and b"no ready replica" in response.content:
            status += " (HAProxy)"
        good = response is not None and response.status_code in ok
        self.seen.append((time.monotonic(), good, f"{what} {status}"))
        return good

    def report(self, grace: float) -> dict[str, object]:
        """Per phase: [name, seconds, sent, failed, req/s, failures]; and stray failures
        (outside every fault's window plus ``grace``, or any 500 at all)."""
        phases = []
        for (start, name), (end, _) in zip(self.marks, self.marks[1:], strict=False):
            inside = [s for s in self.seen if start <= s[0] < end]
            failed = collections.Counter(what for _, good, what in inside if not good)
            seconds = end - start
            rate = round(len(inside) / seconds) if seconds else 0
            summary = ", ".join(f"{n} x {w}" for w, n in failed.most_common()) or "-"
            phases.append(
                [name, f"{seconds:.1f}", len(inside), sum(failed.values()), rate, summary]
            )
        stray = [
            what
            for at, good, what in self.seen
            if not good
            and (what.endswith(" 500") or not any(a <= at <= b + grace for a, b in self.windows))
        ]
        return {"phases": phases, "stray": stray, "sent": len(self.seen)}


@dataclass(frozen=True)
class Urls:
    """The load balancer's front door for each listener the load uses."""

    public: str
    admin: str
    read: str
    write: str
    kratos_public: str
    kratos_admin: str


PASSWORD = "Faults-Passw0rd-2026"


class Load:
    """One client's loop over the three services' hot paths, through the load balancer."""

    def __init__(self, urls: Urls) -> None:
        self.public, self.admin = urls.public, urls.admin
        self.read, self.write = urls.read, urls.write
        self.kratos = urls.kratos_public

    async def run(self, http: httpx.AsyncClient, tally: Tally) -> None:
        while True:
            await self.oauth2(http, tally)
            await self.permissions(http, tally)
            await self.identity(http, tally)

    @staticmethod
    async def _send(
        http: httpx.AsyncClient, method: str, url: str, **kw: object
    ) -> httpx.Response | None:
        try:
            return await http.request(method, url, **kw)  # type: ignore[arg-type]
        except httpx.TransportError:
            return None

    async def oauth2(self, http: httpx.AsyncClient, tally: Tally) -> None:
        secret = uuid.uuid4().hex
        body = {"client_secret": secret, "grant_types": ["client_credentials"]}
        created = await self._send(http, "POST", f"{self.admin}/admin/clients", json=body)
        if not tally.saw("create client", created, (201,)):
            return
        assert created is not None
        client_id = created.json()["client_id"]
        tally.clients.append(client_id)
        form = {"grant_type": "client_credentials"}
        got = await self._send(
            http, "POST", f"{self.public}/oauth2/token", data=form, auth=(client_id, secret)
        )
        if tally.saw("token", got, (200,)):
            assert got is not None
            token = {"token": got.json()["access_token"]}
            answer = await self._send(
                http, "POST", f"{self.admin}/admin/oauth2/introspect", data=token
            )
            tally.saw("introspect", answer, (200,))

    async def permissions(self, http: httpx.AsyncClient, tally: Tally) -> None:
        obj = uuid.uuid4().hex
        row = {"namespace": "documents", "object": obj, "relation": "viewer", "subject_id": "u"}
        put = await self._send(http, "PUT", f"{self.write}/admin/relation-tuples", json=row)
        written = tally.saw("write tuple", put, (201,))
        if written:
            tally.tuples.append(obj)
        check = await self._send(http, "GET", f"{self.read}/relation-tuples/check", params=row)
        tally.saw("check", check, (200,) if written else (200, 403))

    async def identity(self, http: httpx.AsyncClient, tally: Tally) -> None:
        """Native registration, then login and whoami with the new session token.

        Flows are made on one replica and submitted on whichever the balancer
        picks: they live in SQL, so any replica can finish them.
        """
        address = f"faults-{uuid.uuid4().hex}@example.com"
        flow = await self._flow(http, tally, "registration")
        if flow is None:
            return
        body = {"method": "password", "password": PASSWORD, "traits": {"email": address}}
        url = f"{self.kratos}/self-service/registration?flow={flow}"
        registered = await self._send(http, "POST", url, json=body)
        if not tally.saw("registration", registered, (200,)):
            return
        assert registered is not None
        tally.identities.append(registered.json()["identity"]["id"])
        flow = await self._flow(http, tally, "login")
        if flow is None:
            return
        body = {"method": "password", "identifier": address, "password": PASSWORD}
        url = f"{self.kratos}/self-service/login?flow={flow}"
        login = await self._send(http, "POST", url, json=body)
        if not tally.saw("login", login, (200,)):
            return
        assert login is not None
        headers = {"X-Session-Token": login.json()["session_token"]}
        whoami = await self._send(http, "GET", f"{self.kratos}/sessions/whoami", headers=headers)
        tally.saw("whoami", whoami, (200,))

    async def _flow(self, http: httpx.AsyncClient, tally: Tally, kind: str) -> str | None:
        made = await self._send(http, "GET", f"{self.kratos}/self-service/{kind}/api")
        if not tally.saw(f"{kind} flow", made, (200,)):
            return None
        assert made is not None
        return str(made.json()["id"])
