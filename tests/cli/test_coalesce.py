"""One write per HTTP response (``roost.cli.coalesce``), seen from a real client socket."""

from __future__ import annotations

import socket
import struct
import sys
from pathlib import Path

import pytest

from tests.conftest import new_dsn
from tests.support.server import start_server

# struct tcp_info (linux/tcp.h): tcpi_data_segs_in, the segments that carried data
_DATA_SEGS_IN = 152


def _data_segments_in(sock: socket.socket) -> int:
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    if len(info) < _DATA_SEGS_IN + 4:
        pytest.skip("this kernel's tcp_info has no tcpi_data_segs_in")
    count: int = struct.unpack_from("I", info, _DATA_SEGS_IN)[0]
    return count


def _response(sock: socket.socket) -> bytes:
    """One whole response with a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head


@pytest.mark.skipif(sys.platform != "linux", reason="TCP_INFO's layout is Linux's")
def test_each_response_arrives_in_one_segment(tmp_path: Path) -> None:
    server = start_server(
        tmp_path,
        {"dsn": new_dsn("sqlite", tmp_path)},
        service="identity",
        listeners=("public", "admin"),
    )
    try:
        port = int(server.urls["public"].rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            before = _data_segments_in(sock)
            for _ in range(5):
                sock.sendall(b"GET /health/alive HTTP/1.1\r\nHost: localhost\r\n\r\n")
                assert _response(sock).startswith(b"HTTP/1.1 200")
            # uvicorn alone writes the headers and the body apart: 10 segments
            assert _data_segments_in(sock) - before == 5
            sock.sendall(
                b"GET /health/alive HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            )
            assert _response(sock).startswith(b"HTTP/1.1 200")  # flushed before the close
            assert sock.recv(1) == b""
    finally:
        server.stop()
