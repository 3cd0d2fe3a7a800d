"""The request's side of sessions: where the token travels, and the device it came from.

Kratos takes the token from ``X-Session-Token``, the session cookie, then
``Authorization: Bearer``, in that order (``session/manager_http.go``).
Roost's cookie is its own format (a Fernet token, keyed by the service's
cookie secrets, holding the session token), since Kratos's gorilla cookies
are Go-specific; API session tokens are unchanged.
"""

from __future__ import annotations

from starlette.requests import Request

from roost.identity.sessions.cookie import CookieSeal
from roost.identity.sessions.model import Device


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


_CHOICES = {"1": True, "0": False}


def cookie_payload(token: str, remember: bool | None) -> str:
    """What the session cookie seals: the token, plus the user's "keep me signed in"
    choice when they made one (``|1`` or ``|0``; a token never holds ``|``)."""
    if remember is None:
        return token
    return f"{token}|{int(remember)}"


def cookie_session(
    request: Request, cookie_name: str, cookies: CookieSeal
) -> tuple[str, bool | None] | None:
    """The session cookie's token and recorded choice, or None without a readable cookie."""
    cookie = request.cookies.get(cookie_name)
    if not cookie:
        return None
    plain = cookies.open(cookie)
    if plain is None:
        return None
    token, _, choice = plain.partition("|")
    return token, _CHOICES.get(choice)


def token_of(request: Request, cookie_name: str, cookies: CookieSeal) -> str | None:
    """The session token the request carries, or None."""
    token = request.headers.get("x-session-token")
    if token:
        return token.strip()
    found = cookie_session(request, cookie_name, cookies)
    if found is not None:
        return found[0]
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def remember_of(request: Request, cookie_name: str, cookies: CookieSeal) -> bool | None:
    """The choice the request's session cookie records (None: a token in a header, an
    older cookie, or no choice made: the config decides)."""
    if request.headers.get("x-session-token"):
        return None
    found = cookie_session(request, cookie_name, cookies)
    return found[1] if found is not None else None
