"""Serving many ports from one or more worker processes.

Sockets are bound once in the parent, without ``SO_REUSEPORT``, so a second
server on the same ports fails at start-up instead of silently taking half of
the traffic. Each worker process (fork) inherits those sockets, builds its own
registry (its own database pools) and serves every port on the same event loop
with uvicorn; the parent replaces a worker that dies. One worker serves
in-process. SIGTERM drains: listeners close, in-flight requests finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import uvicorn

from roost.cli.accept import LoadTable, accept_loop, open_count
from roost.cli.coalesce import coalescing
from roost.cli.settings import Resolved
from roost.core.errors import ConfigError
from roost.core.mux import GrpcEndpoint, uvicorn_http
from roost.runtime.module import BuildContext, Port, RunningService, start

log = logging.getLogger("roost")
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - Ory binds every interface when no host is set
DRAIN_SECONDS = 30  # how long in-flight requests may run on after SIGTERM
RESPAWN_LIMIT = 5  # worker deaths within RESPAWN_WINDOW before the server gives up
RESPAWN_WINDOW = 30.0


@dataclass(frozen=True)
class Bound:
    service: str
    port: Port
    sock: socket.socket


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # SO_REUSEADDR only lets a restart bind over TIME_WAIT connections; no
    # SO_REUSEPORT, which would let any process of the same user share the port.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host or ALL_INTERFACES, port))
    sock.listen(2048)
    return sock


def bind(resolved: list[Resolved]) -> list[Bound]:
    """Bind every listener of every service up front, so a clash fails before anything runs."""
    out: list[Bound] = []
    for r in resolved:
        for port in r.module.listeners(r.values):
            try:
                sock = _listen(port.host, port.port)
            except OSError as exc:
                for b in out:
                    b.sock.close()
                raise SystemExit(
                    f"{r.module.name}: cannot listen on {port.host or '*'}:{port.port} "
                    f"({port.name}): {(exc.strerror or str(exc)).lower()}"
                ) from exc
            out.append(Bound(r.module.name, port, sock))
    return out


@dataclass(frozen=True)
class Seat:
    """A worker's place in the shared load table (see ``roost.cli.accept``)."""

    table: LoadTable
    slot: int


class _Server(uvicorn.Server):
    """uvicorn on one shared listening socket that this worker accepts from itself.

    Signals are handled once for all ports by the worker. uvicorn starts with
    no listener of its own; the accept loop hands it each connection, and on
    shutdown stops accepting and closes this worker's copy of the socket
    before uvicorn drains the open connections.
    """

    def __init__(
        self, config: uvicorn.Config, sock: socket.socket, seat: Seat, held: Callable[[], int]
    ) -> None:
        super().__init__(config)
        self.sock, self.seat, self.held = sock, seat, held
        self.accepting: asyncio.Task[None] | None = None
        self.accepted: set[asyncio.BaseTransport] = set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])
        config = self.config
        http_class = _coalesced(config.http_protocol_class)

        def protocol() -> asyncio.Protocol:
            made: asyncio.Protocol = http_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state
            )
            return made

        self.accepting = asyncio.get_running_loop().create_task(
            accept_loop(
                self.sock,
                protocol,
                self.held,
                self.seat.table,
                self.seat.slot,
                self.accepted,
            )
        )

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.accepting is not None:
            self.accepting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.accepting
        self.sock.close()
        await super().shutdown(sockets)


def _coalesced(http_class: type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """Plain HTTP ports answer with one write per response (``roost.cli.coalesce``);
    a port that sniffs for gRPC keeps its transport as it is."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    return coalescing(http_class) if http_class is HttpToolsProtocol else http_class


def _settle_gc() -> None:
    """Move start-up objects out of the collector's sight and collect less often.

    Every request allocates many short-lived objects; with the default gen-0
    threshold the collector runs every few requests and, when it reaches the
    older generations, walks everything built at start-up: a tail-latency cost.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _run_loop(resolved: list[Resolved], bound: list[Bound], ctx: BuildContext, seat: Seat) -> None:
    import uvloop

    try:
        uvloop.run(_serve(resolved, bound, ctx, seat))
    except ConfigError as exc:
        raise SystemExit(f"Error: {exc}") from None


async def _serve(
    resolved: list[Resolved], bound: list[Bound], ctx: BuildContext, seat: Seat
) -> None:
    running: list[RunningService] = []
    for r in resolved:
        running.append(await start(r.module, r.values, ctx))
    apps = {(s.name, name): app for s in running for name, app in s.apps.items()}
    grpc = {(s.name, name): h for s in running for name, h in s.grpc.items()}
    _settle_gc()
    servers: list[_Server] = []
    endpoints: list[GrpcEndpoint] = []

    def held() -> int:
        """Connections open on every port of this worker (its load)."""
        return sum(open_count(s.accepted) for s in servers)

    for b in bound:
        app = apps.get((b.service, b.port.name))
        if app is None:
            continue
        http, endpoint = uvicorn_http(grpc.get((b.service, b.port.name), []))
        endpoints += [endpoint] if endpoint else []
        config = uvicorn.Config(
            app,
            loop="none",
            http=http,
            lifespan="on",
            access_log=False,
            log_level="warning",
            log_config=None,  # uvicorn's loggers reach the root's redacting formatter
            timeout_keep_alive=75,
            timeout_graceful_shutdown=DRAIN_SECONDS,
        )
        servers.append(_Server(config, b.sock, seat, held))
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        await asyncio.gather(*(s.serve() for s in servers))
    finally:
        for e in endpoints:
            await e.close()
        for s in running:
            await s.close()


def run(resolved: list[Resolved], bound: list[Bound], ctx: BuildContext, workers: int) -> None:
    """Serve until SIGINT/SIGTERM, in ``workers`` processes."""
    for b in bound:
        log.warning(
            "%s %s listening on %s:%d",
            b.service,
            b.port.name,
            b.port.host or "*",
            b.port.port,
        )
    if workers <= 1:
        _run_loop(resolved, bound, ctx, Seat(LoadTable(1), 0))
        return
    sys.exit(_Supervisor(resolved, bound, ctx, workers).run())


class _Supervisor:
    """The parent of the workers: forks them, replaces dead ones, forwards signals.

    It keeps the listening sockets open so a replacement worker inherits them;
    on SIGTERM/SIGINT it closes its copies (so once the workers close theirs,
    new connections are refused rather than queued) and waits for the drain.
    """

    def __init__(
        self, resolved: list[Resolved], bound: list[Bound], ctx: BuildContext, workers: int
    ) -> None:
        self.resolved, self.bound, self.ctx = resolved, bound, ctx
        self.workers = workers
        self.table = LoadTable(workers)
        self.children: dict[int, int] = {}  # pid -> slot
        self.stopping = False
        self.deaths: list[float] = []

    def _fork(self, slot: int) -> None:
        self.table.publish(slot, 0)
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                _run_loop(self.resolved, self.bound, self.ctx, Seat(self.table, slot))
            except SystemExit as exc:
                print(exc, file=sys.stderr)
                code = 1
            finally:
                os._exit(code)
        self.children[pid] = slot

    def _forward(self, signum: int, _frame: object) -> None:
        self.stopping = True
        for b in self.bound:
            b.sock.close()
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def _crash_looping(self) -> bool:
        """Whether workers die too often to keep replacing them (a start-up fault, say)."""
        now = time.monotonic()
        self.deaths = [t for t in self.deaths if now - t < RESPAWN_WINDOW] + [now]
        return len(self.deaths) > RESPAWN_LIMIT

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._forward)
        signal.signal(signal.SIGTERM, self._forward)
        for slot in range(self.workers):
            self._fork(slot)
        status = 0
        while self.children:
            try:
                pid, raw = os.wait()
            except ChildProcessError:
                break
            if pid not in self.children:
                continue
            slot = self.children.pop(pid)
            self.table.vacate(slot)
            code = os.waitstatus_to_exitcode(raw)
            if self.stopping:
                status = status or (code if code > 0 else 0)
                continue
            log.error("worker %d exited (%s); starting another", pid, _describe(code))
            if self._crash_looping():
                log.error("workers keep dying; stopping the server")
                self._forward(signal.SIGTERM, None)
                status = 1
                continue
            self._fork(slot)
        return status


def _describe(code: int) -> str:
    """A wait status in words: "signal SIGKILL" or "status 1"."""
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"status {code}"
