"""Finding the caller's session and issuing new ones (``session/manager_http.go``).

The token is taken, in Kratos's order, from ``X-Session-Token``, the session
cookie, then ``Authorization: Bearer``. Roost's cookie is its own format (a
Fernet token, keyed by ``secrets.cookie``, holding the session token), since
Kratos's gorilla cookies are Go-specific; API session tokens are unchanged.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from cryptography.fernet import InvalidToken
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request

from roost.identity.errors import unauthorized
from roost.identity.identities.model import Identity, now
from roost.identity.sessions.model import Device, Session, password_method

if TYPE_CHECKING:
    from roost.identity.service import IdentityService


def client_ip(request: Request) -> str:
    """As Kratos's ``httpx.ClientIP``: proxy headers first, else the socket peer ``ip:port``."""
    for header in ("true-client-ip", "x-real-ip"):
        value = request.headers.get(header)
        if value:
            return value.strip()
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    if request.client is None:
        return ""
    return f"{request.client.host}:{request.client.port}"


def device_of(request: Request) -> Device:
    city = request.headers.get("cf-ipcity", "")
    country = request.headers.get("cf-ipcountry", "")
    location = ", ".join(p for p in (city, country) if p)
    return Device(client_ip(request), request.headers.get("user-agent", ""), location)


def token_from_request(svc: IdentityService, request: Request) -> str | None:
    token = request.headers.get("x-session-token")
    if token:
        return token.strip()
    cookie = request.cookies.get(svc.config.cookie_name)
    if cookie:
        try:
            return svc.cookies.decrypt(cookie.encode()).decode()
        except (InvalidToken, UnicodeError):
            pass
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def plausible(token: str) -> bool:
    """Short printable ASCII: anything else cannot be a token and must not reach SQL."""
    return 0 < len(token) <= 64 and token.isascii() and token.isprintable()


def cookie_value(svc: IdentityService, token: str) -> str:
    return svc.cookies.encrypt(token.encode()).decode()


async def current_session(svc: IdentityService, request: Request) -> Session:
    """The caller's active session, or Kratos's 401."""
    token = token_from_request(svc, request)
    if not token or not plausible(token):
        raise unauthorized()
    found = await svc.sessions.by_token(token)
    if found is None or not hmac.compare_digest(found.token.encode(), token.encode()):
        raise unauthorized()
    if not found.is_active():
        raise unauthorized()
    return found


def new_session(svc: IdentityService, identity: Identity, request: Request) -> Session:
    at = now()
    s = Session(
        identity_id=identity.id,
        expires_at=at + svc.config.session_lifespan,
        authentication_methods=[password_method(at)],
        issued_at=at,
        authenticated_at=at,
        created_at=at,
        updated_at=at,
        devices=[device_of(request)],
    )
    s.identity = identity
    return s


async def insert_session(svc: IdentityService, conn: AsyncConnection, s: Session) -> None:
    await svc.sessions.insert(conn, s)
