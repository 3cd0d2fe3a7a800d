"""What the read and write routers share: the service of a request and its parameters."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from roost.core.errors import Invalid
from roost.core.http import read_json, reject_nul
from roost.permissions.service import PermissionService
from roost.permissions.validation import check_document


def service(request: Request) -> PermissionService:
    """The registry, from lifespan state."""
    svc: PermissionService = request.state.service
    return svc


def max_depth(request: Request) -> int:
    """``max-depth`` as Keto parses it (Go's ParseInt with base prefixes); absent means 0."""
    raw = request.query_params.get("max-depth")
    if raw is None:
        return 0
    try:
        value = int(raw, 0)
    except ValueError:
        raise Invalid(f'strconv.ParseInt: parsing "{raw}": invalid syntax') from None
    if not -(2**63) <= value < 2**63:
        raise Invalid(f'strconv.ParseInt: parsing "{raw}": value out of range')
    return value


def snaptoken(request: Request) -> str | None:
    """The ``snaptoken`` query parameter (a write's token, or ``latest``)."""
    return request.query_params.get("snaptoken")


def single_params(request: Request) -> dict[str, str]:
    """Query parameters as a plain dict; a repeated key is ambiguous and rejected."""
    params = request.query_params
    repeated = [k for k in params if len(params.getlist(k)) > 1]
    if repeated:
        raise Invalid(f"query parameter {repeated[0]!r} must be given once")
    plain = dict(params)
    reject_nul(plain, "query parameters must not contain NUL characters")
    return plain


async def json_body(request: Request) -> Any:
    """The JSON body; NUL characters in it are bad input (PostgreSQL cannot store them)."""
    body = await read_json(request)
    reject_nul(body, "could not unmarshal json: strings must not contain NUL characters")
    check_document(body)
    return body
