"""The multiplexer picks the protocol by the first bytes, however they are split."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from roost.core.mux import PREFACE, sniffing


class Tagging(asyncio.Protocol):
    """Answers every chunk with its tag, so the test sees who got the connection."""

    tag = b""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(self.tag + data)


class Http(Tagging):
    tag = b"http1:"


class Grpc(Tagging):
    tag = b"h2:"


async def _exchange(chunks: list[bytes]) -> bytes:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: sniffing(Http, Grpc)(config="c"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for chunk in chunks:
        writer.write(chunk)
        await writer.drain()
        await asyncio.sleep(0.01)
    reply = await asyncio.wait_for(reader.read(1000), 5)
    writer.close()
    server.close()
    await server.wait_closed()
    return reply


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([b"GET / HTTP/1.1\r\n\r\n"], b"http1:GET / HTTP/1.1\r\n\r\n"),
        ([b"P", b"UT / HTTP/1.1\r\n\r\n"], b"http1:PUT / HTTP/1.1\r\n\r\n"),
        ([b"PRI * HTTP/1.1\r\n"], b"http1:PRI * HTTP/1.1\r\n"),
        ([PREFACE + b"frames"], b"h2:" + PREFACE + b"frames"),
        ([PREFACE[:3], PREFACE[3:10], PREFACE[10:] + b"x"], b"h2:" + PREFACE + b"x"),
    ],
)
async def test_first_bytes_choose_the_protocol(chunks: list[bytes], expected: bytes) -> None:
    assert await _exchange(chunks) == expected


class Chatty(Tagging):
    """Answers every chunk in three writes, as grpclib writes a unary call's headers,
    message and trailers."""

    def data_received(self, data: bytes) -> None:
        for part in (b"h2:", data, b"!"):
            self.transport.write(part)


async def test_a_grpc_connection_sends_one_step_s_writes_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[bytes] = []
    real = asyncio.selector_events._SelectorSocketTransport.write  # type: ignore[attr-defined]

    def counting(self: Any, data: bytes) -> None:
        sent.append(bytes(data))
        real(self, data)

    monkeypatch.setattr(asyncio.selector_events._SelectorSocketTransport, "write", counting)  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: sniffing(Http, Chatty)(), "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
    sent.clear()  # the client's own writes
    writer.write(PREFACE + b"ping")
    await writer.drain()
    reply = b""
    while not reply.endswith(b"!"):
        reply += await asyncio.wait_for(reader.read(1000), 5)
    writer.close()
    server.close()
    await server.wait_closed()
    assert reply == b"h2:" + PREFACE + b"ping!"
    assert sent.count(reply) == 1 and len(sent) == 2  # the client's request, the whole answer
