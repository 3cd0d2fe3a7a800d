"""REST and gRPC on one listening socket, as Ory's services serve them.

uvicorn speaks HTTP/1.1 only. A connection's first bytes tell the two apart:
gRPC clients open with the HTTP/2 client preface (``PRI * HTTP/2.0``; gRPC
never upgrades from HTTP/1.1), everything else is HTTP/1.1. :func:`sniffing`
builds a protocol class for uvicorn that reads those bytes and then hands
the transport, with the bytes read so far, to uvicorn's own HTTP/1.1
protocol or to a grpclib HTTP/2 server connection. After the hand-over the
chosen protocol owns the transport: a REST request pays for one extra object
per connection and nothing per request.

grpclib's server is pure asyncio on ``h2``, so its connections run on the
worker's event loop beside uvicorn's; :class:`GrpcEndpoint` wraps the one
part of it that is not public API (a connection protocol without a listener).
grpclib writes each HTTP/2 frame batch as soon as h2 produces it (a unary
call's headers, message and trailers are three ``send`` calls, a PING's
answer a fourth); :class:`BatchedWrites` holds them for the event loop to go
round once more and sends them as one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from typing import Any, cast

from grpclib.server import Server

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


class BatchedWrites(asyncio.Transport):
    """A transport as a gRPC connection sees it: writes made during one step of
    the event loop, and the next, leave in one ``send``.

    The bytes keep their order, nothing waits for a timer or for more input,
    and ``close`` sends what is held first; reads and flow control stay with
    the real transport (which calls the protocol directly).
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        super().__init__()
        self._transport = transport
        self._held: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self._next_step)
        self._held.append(bytes(data))

    def _next_step(self) -> None:
        # Wait one more step: the reads' step (the answer to a PING, a window
        # update) schedules the call's task, which writes its reply in the next.
        self._loop.call_soon(self._send)

    def _send(self) -> None:
        held, self._held = self._held, []
        if held and not self._transport.is_closing():
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def close(self) -> None:
        self._send()
        self._transport.close()

    def abort(self) -> None:
        self._held = []
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)


class GrpcEndpoint:
    """A grpclib server without a listener: one protocol per accepted connection."""

    def __init__(self, handlers: Collection[Any]) -> None:
        self._server = Server(handlers)

    def protocol(self) -> asyncio.Protocol:
        # grpclib builds its per-connection protocol here; ``Server.start``
        # would bind a socket of its own, which the multiplexer replaces.
        proto: asyncio.Protocol = self._server._protocol_factory()
        return proto

    async def close(self) -> None:
        """Cancel running calls and wait until every connection has finished."""
        handlers = list(self._server._handlers)
        for handler in handlers:
            handler.close()
        if handlers:
            await asyncio.gather(*(h.wait_closed() for h in handlers))


def sniffing(
    http: type[asyncio.Protocol], grpc: Callable[[], asyncio.Protocol]
) -> type[asyncio.Protocol]:
    """A protocol class for uvicorn's ``http=``: HTTP/1.1 to ``http``, the HTTP/2
    preface to a fresh ``grpc()`` protocol."""

    class Sniffer(asyncio.Protocol):
        def __init__(self, **uvicorn_args: Any) -> None:
            self._args = uvicorn_args
            self._transport: asyncio.Transport | None = None
            self._seen = b""

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self._transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass

        def data_received(self, data: bytes) -> None:
            seen = self._seen + data
            if len(seen) < len(PREFACE) and PREFACE.startswith(seen):
                self._seen = seen  # a prefix of the preface: wait for more
                return
            transport = self._transport
            assert transport is not None
            if seen.startswith(PREFACE):
                target = grpc()
                transport.set_protocol(target)
                target.connection_made(BatchedWrites(transport))
            else:
                target = http(**self._args)
                transport.set_protocol(target)
                target.connection_made(transport)
            target.data_received(seen)

        def eof_received(self) -> bool | None:
            return None  # closed before a protocol was chosen: close

        def connection_lost(self, exc: Exception | None) -> None:
            self._transport = None

    return Sniffer


def uvicorn_http(grpc_handlers: Collection[Any]) -> tuple[Any, GrpcEndpoint | None]:
    """uvicorn's ``http=`` for a port: plain httptools, or sniffing when the port
    also serves gRPC (then also the endpoint, to close at shutdown)."""
    if not grpc_handlers:
        return "httptools", None
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    endpoint = GrpcEndpoint(grpc_handlers)
    return sniffing(HttpToolsProtocol, endpoint.protocol), endpoint
