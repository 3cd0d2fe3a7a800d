"""Serving many ports from one or more worker processes.

Sockets are bound once in the parent; each worker process (fork) builds its
own registry (its own database pools) and serves every port on the same event
loop with uvicorn. One worker serves in-process.
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
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from roost.cli.settings import Resolved
from roost.core.errors import ConfigError
from roost.core.mux import GrpcEndpoint, uvicorn_http
from roost.runtime.module import BuildContext, Port, RunningService, start

log = logging.getLogger("roost")
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - Ory binds every interface when no host is set


@dataclass(frozen=True)
class Bound:
    service: str
    port: Port
    sock: socket.socket


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host or ALL_INTERFACES, port))
    sock.listen(2048)
    return sock


def bind(resolved: list[Resolved]) -> list[Bound]:
    """Bind every listener of every service up front, so a clash fails before anything runs."""
    out = []
    for r in resolved:
        for port in r.module.listeners(r.values):
            try:
                sock = _listen(port.host, port.port)
            except OSError as exc:
                raise SystemExit(
                    f"{r.module.name}: cannot listen on {port.host or '*'}:{port.port} "
                    f"({port.name}): {exc.strerror}"
                ) from exc
            out.append(Bound(r.module.name, port, sock))
    return out


def _own_sockets(bound: list[Bound]) -> list[Bound]:
    """A worker's own listening sockets on the parent's addresses (SO_REUSEPORT).

    One socket per worker lets the kernel spread connections across workers;
    with one shared socket, whichever worker wakes first takes most of them.
    """
    own = []
    for b in bound:
        host, port = b.sock.getsockname()[:2]
        own.append(Bound(b.service, b.port, _listen(b.port.host and host, port)))
        b.sock.close()
    return own


class _Server(uvicorn.Server):
    """uvicorn server whose signals are handled once for all ports by the worker."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _settle_gc() -> None:
    """Move start-up objects out of the collector's sight and collect less often.

    Every request allocates many short-lived objects; with the default gen-0
    threshold the collector runs every few requests and, when it reaches the
    older generations, walks everything built at start-up: a tail-latency cost.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _run_loop(resolved: list[Resolved], bound: list[Bound], ctx: BuildContext) -> None:
    import uvloop

    try:
        uvloop.run(_serve(resolved, bound, ctx))
    except ConfigError as exc:
        raise SystemExit(f"Error: {exc}") from None


async def _serve(resolved: list[Resolved], bound: list[Bound], ctx: BuildContext) -> None:
    running: list[RunningService] = []
    for r in resolved:
        running.append(await start(r.module, r.values, ctx))
    apps = {(s.name, name): app for s in running for name, app in s.apps.items()}
    grpc = {(s.name, name): h for s in running for name, h in s.grpc.items()}
    _settle_gc()
    servers = []
    endpoints: list[GrpcEndpoint] = []
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
            timeout_keep_alive=75,
        )
        servers.append((_Server(config), b.sock))
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server, _ in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        await asyncio.gather(*(s.serve(sockets=[sock]) for s, sock in servers))
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
        _run_loop(resolved, bound, ctx)
        return
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                _run_loop(resolved, _own_sockets(bound), ctx)
            except SystemExit as exc:
                print(exc, file=sys.stderr)
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    for b in bound:  # the workers listen on their own sockets now
        b.sock.close()

    def forward(signum: int, _frame: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    status = 0
    for pid in children:
        _, code = os.waitpid(pid, 0)
        status = status or os.waitstatus_to_exitcode(code)
    sys.exit(status)
