"""Workers taking turns on listening sockets they share.

All workers inherit the parent's listening sockets (see ``runner``). Left to
the event loop, every worker wakes on a new connection and the first one
awake accepts the whole burst, so one worker ends up with most keep-alive
connections while the other idles. Here each worker accepts by itself and
publishes how many connections it holds in a small shared-memory table; a
worker holding more than the least loaded one waits a moment before
accepting, which lets that one take the connection (it is usually awake, so
a couple of milliseconds is enough). A busy peer only delays, never blocks,
an accept.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from multiprocessing.sharedctypes import RawArray
from typing import Any

YIELD_SECONDS = 0.002  # how long a busier worker leaves a new connection to the others
IDLE = 1 << 30  # the count of a slot with no live worker (never the least loaded)


class LoadTable:
    """Open connections per worker slot, in memory shared by the forked workers."""

    def __init__(self, slots: int) -> None:
        self._counts: Any = RawArray("q", [IDLE] * max(slots, 1))

    def publish(self, slot: int, count: int) -> None:
        self._counts[slot] = count

    def vacate(self, slot: int) -> None:
        """Mark a dead worker's slot so nobody waits for it."""
        self._counts[slot] = IDLE

    def ahead(self, slot: int) -> bool:
        """Whether this worker holds more connections than the least loaded live one."""
        mine = self._counts[slot]
        return any(count < mine for count in self._counts)


def open_count(accepted: set[asyncio.BaseTransport]) -> int:
    """How many of ``accepted`` are still open (closed ones are dropped)."""
    accepted.difference_update([t for t in accepted if t.is_closing()])
    return len(accepted)


async def _readable(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(sock.fileno(), wake)
    try:
        await ready
    finally:
        loop.remove_reader(sock.fileno())


async def accept_loop(
    sock: socket.socket,
    protocol: Callable[[], asyncio.Protocol],
    connections: Callable[[], int],
    table: LoadTable,
    slot: int,
    accepted: set[asyncio.BaseTransport],
) -> None:
    """Accept connections on ``sock`` for this worker until cancelled.

    Each accepted transport goes into ``accepted``, counted by ``connections``:
    a protocol that sniffs before choosing HTTP or gRPC registers with uvicorn
    only when the first bytes arrive, too late for a burst of connects.
    """
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    while True:
        await _readable(loop, sock)
        table.publish(slot, connections())
        if table.ahead(slot):
            await asyncio.sleep(YIELD_SECONDS)
        try:
            conn, _ = sock.accept()
        except (BlockingIOError, InterruptedError):
            continue  # another worker took it
        except OSError:
            await asyncio.sleep(0.05)  # out of descriptors, say: do not spin
            continue
        conn.setblocking(False)
        with contextlib.suppress(OSError):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            transport, _ = await loop.connect_accepted_socket(protocol, conn)
        except OSError:
            conn.close()  # the peer left already
        else:
            accepted.add(transport)
        table.publish(slot, connections())
