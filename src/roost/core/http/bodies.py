"""Reading request bodies and writing JSON: the input checks every service shares."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from roost.core.errors import Invalid, PayloadTooLarge

MAX_BODY = 1 << 20  # 1 MiB, enough for any API payload here


class JSON(Response):
    """JSON response rendered with orjson (the hot path of every API)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, refusing anything over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request body exceeds {limit} bytes")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"the request body exceeds {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        # A client gone mid-body is its own doing, not an unhandled server error.
        raise Invalid("the client disconnected before sending the whole body") from exc
    return b"".join(chunks)


async def read_json(request: Request, limit: int = MAX_BODY) -> Any:
    """Parse the body as JSON; malformed input is a 400 with Keto's wording."""
    body = await read_body(request, limit)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"could not unmarshal json: {exc}") from exc


def reject_nul(data: Any, message: str) -> None:
    """Refuse NUL characters anywhere in parsed input (400 with ``message``).

    PostgreSQL's ``text`` and ``jsonb`` cannot hold them, so they would
    otherwise fail in SQL as a 500 instead of as bad input.
    """
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise Invalid(message)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def url_has_nul(request: Request) -> bool:
    """Whether the request's path or query string carries a NUL character."""
    raw = request.scope.get("raw_path") or b""
    query = request.scope.get("query_string", b"")
    return b"%00" in raw or b"\x00" in raw or b"%00" in query
