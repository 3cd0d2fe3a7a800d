"""Helpers shared by the identity service's public and admin routers."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from roost.core.errors import Invalid, NotFound
from roost.core.http import read_body, reject_nul
from roost.identity.service import IdentityService
from roost.identity.sessions.model import Session
from roost.identity.validation import check_document

DEFAULT_PAGE_SIZE = 250
MAX_PAGE_SIZE = 500


def service(request: Request) -> IdentityService:
    svc: IdentityService = request.state.service
    return svc


def path_uuid(request: Request, name: str = "id") -> uuid.UUID:
    """A UUID path parameter; anything else cannot exist, so it is a 404 (as Kratos)."""
    try:
        return uuid.UUID(request.path_params[name])
    except ValueError:
        raise NotFound(message="Unable to locate the resource") from None


def _int_param(request: Request, name: str, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"{name} must be an integer, got {raw!r}") from None
    if not 1 <= value <= high:
        raise Invalid(f"{name} must be between 1 and {high}")
    return value


def page_size(request: Request, default: int = DEFAULT_PAGE_SIZE, high: int = MAX_PAGE_SIZE) -> int:
    """``page_size`` (1..500), or the legacy ``per_page`` (1..1000, capped at 500)."""
    size = _int_param(request, "page_size", high)
    legacy = _int_param(request, "per_page", 1000)
    page = request.query_params.get("page")
    if page is not None:
        try:
            if not 0 <= int(page) < 2**63:
                raise ValueError(page)
        except ValueError:
            raise Invalid("page must be a non-negative integer") from None
    if size is None:
        size = min(legacy, MAX_PAGE_SIZE) if legacy is not None else default
    return size


def link_header(request: Request, base: str, size: int, first: str, nxt: str | None) -> str:
    """Ory's keyset ``Link`` header: ``rel="first"`` and, when more rows exist, ``rel="next"``."""
    keep = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in ("page_token", "page_size", "per_page", "page")
    ]
    url = f"{base}{request.url.path}"

    def link(token: str, rel: str) -> str:
        query = urlencode([*keep, ("page_size", str(size)), ("page_token", token)])
        return f'<{url}?{query}>; rel="{rel}"'

    links = [link(first, "first")]
    if nxt is not None:
        links.append(link(nxt, "next"))
    return ",".join(links)


def bool_param(request: Request, name: str) -> bool | None:
    """A boolean query parameter: ``true`` or ``false``; anything else is a 400."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if raw in ("true", "false"):
        return raw == "true"
    raise Invalid(f"{name} must be true or false")


async def read_json_exact(request: Request) -> Any:
    """Admin bodies parsed with exact integers (orjson turns huge integers into floats)."""
    body = await read_body(request)
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise Invalid(f"could not unmarshal json: {exc}") from exc
    reject_nul(data, NUL_IN_JSON)
    check_document(data)
    return data


def _no_constant(name: str) -> Any:
    """``NaN`` and ``Infinity`` are not JSON (Python's decoder accepts them by default)."""
    raise ValueError(f"invalid character {name[0]!r} looking for beginning of value")


NUL_IN_JSON = "JSON strings must not contain NUL characters"


def encode_session_token(s: Session) -> str:
    raw = f"{s.created_at.isoformat()}/{s.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_session_token(token: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        created, _, sid = raw.partition("/")
        return datetime.fromisoformat(created), uuid.UUID(sid)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("The page token is invalid") from None
