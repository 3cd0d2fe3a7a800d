"""What every OAuth2 handler shares: the service from lifespan state, forms and bodies.

Errors are rendered by the port app's error table (``roost.oauth2.http.errors``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from roost.core.http import read_body, read_json, reject_nul
from roost.oauth2.http.errors import NO_STORE
from roost.oauth2.rfc6749.errors import InvalidRequest
from roost.oauth2.rfc6749.request import parse_form
from roost.oauth2.service import OAuth2Service, Parts
from roost.oauth2.validation import check_document

__all__ = ["NO_CACHE", "NO_STORE", "parts", "read_form", "read_json_body", "require", "service"]
NO_CACHE = {"Cache-Control": "private, no-cache, no-store, must-revalidate"}


def service(request: Request) -> OAuth2Service:
    svc: OAuth2Service = request.state.service
    return svc


async def parts(request: Request) -> Parts:
    return await service(request).parts()


async def read_json_body(request: Request) -> Any:
    """The JSON body; NUL characters are refused (PostgreSQL text cannot hold them)."""
    body = await read_json(request)
    reject_nul(body, "The request body must not contain NUL characters.")
    check_document(body)
    return body


async def read_form(request: Request) -> dict[str, str]:
    return parse_form(await read_body(request), request.headers.get("content-type"))


def require(form: dict[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise InvalidRequest(f"The {name} parameter is missing.")
    return value
