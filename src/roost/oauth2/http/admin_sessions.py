"""Admin port: consent and login sessions, and the logout request (reference §1.3, §2.5).

``GET|DELETE /admin/oauth2/auth/sessions/consent``, ``DELETE …/sessions/login``,
``GET /admin/oauth2/auth/requests/logout`` and ``PUT …/logout/accept|reject``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from roost.core.errors import Invalid
from roost.core.http import JSON, route
from roost.core.pagination import page_size
from roost.oauth2.http.common import NO_CACHE, parts, service


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "")
    if raw not in ("", "true", "false", "1", "0"):
        raise Invalid(f"Query parameter {name!r} must be a boolean.")
    return raw in ("true", "1")


async def list_consent_sessions(request: Request) -> Response:
    p = await parts(request)
    svc = service(request)
    q = request.query_params
    size = page_size(q.get("page_size", "250"))
    token = q.get("page_token")
    after = svc.pages.decode(token).get("id") if token else None
    subject, sid = q.get("subject", ""), q.get("login_session_id") or None
    docs, next_after = await p.consent_sessions.list(subject, sid, size, after)
    filters = {"subject": subject, **({"login_session_id": sid} if sid else {})}

    def link(params: dict[str, str], rel: str) -> str:
        return f'<{request.url.replace(query=urlencode(params))}>; rel="{rel}"'

    links = [link({**filters, "page_size": str(size)}, "first")]
    if next_after is not None:
        more = {"page_size": str(size), "page_token": svc.pages.encode({"id": next_after})}
        links.append(link({**filters, **more}, "next"))
    return JSON(docs, headers={**NO_CACHE, "Link": ", ".join(links)})


async def revoke_consent_sessions(request: Request) -> Response:
    q = request.query_params
    await (await parts(request)).consent_sessions.revoke(
        q.get("subject", ""),
        q.get("client", ""),
        q.get("consent_request_id", ""),
        _flag(request, "all"),
    )
    return Response(status_code=204)


async def revoke_login_sessions(request: Request) -> Response:
    q = request.query_params
    await (await parts(request)).consent_sessions.revoke_login(
        q.get("subject", ""), q.get("sid", "")
    )
    return Response(status_code=204)


def _challenge(request: Request) -> str:
    value = request.query_params.get("logout_challenge") or request.query_params.get("challenge")
    if not value:
        raise Invalid("Query parameter 'logout_challenge' is not defined but should have been.")
    return value


async def get_logout_request(request: Request) -> Response:
    challenge = _challenge(request)
    p = await parts(request)
    return JSON(await p.logout.logout_request(challenge), headers=NO_CACHE)


async def accept_logout_request(request: Request) -> Response:
    challenge = _challenge(request)
    p = await parts(request)
    return JSON({"redirect_to": await p.logout.accept(challenge)})


async def reject_logout_request(request: Request) -> Response:
    challenge = _challenge(request)
    await (await parts(request)).logout.reject(challenge)
    return Response(status_code=204)


def session_routes(prefix: str) -> list[BaseRoute]:
    base = f"{prefix}/oauth2/auth"
    return [
        route(
            f"{base}/sessions/consent", GET=list_consent_sessions, DELETE=revoke_consent_sessions
        ),
        route(f"{base}/sessions/login", DELETE=revoke_login_sessions),
        route(f"{base}/requests/logout", GET=get_logout_request),
        route(f"{base}/requests/logout/accept", PUT=accept_logout_request),
        route(f"{base}/requests/logout/reject", PUT=reject_logout_request),
    ]
