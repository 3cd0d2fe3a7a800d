"""The OPL port (4469): syntax check of an Ory Permission Language text."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from roost.core.errors import Invalid
from roost.core.http import JSON, read_body, route
from roost.permissions.namespaces.opl import parse_opl


async def syntax_check(request: Request) -> Response:
    body = await read_body(request)
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise Invalid("the OPL text must be UTF-8") from None
    result = parse_opl(text)
    if not result.errors:
        return JSON({})
    return JSON({"errors": [e.to_json() for e in result.errors]})


opl_routes = [route("/opl/syntax/check", POST=syntax_check)]
