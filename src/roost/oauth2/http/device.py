"""The device flow's HTTP edges (RFC 8628): ``/oauth2/device/auth``, ``/oauth2/device/verify``,
the admin ``PUT /admin/oauth2/auth/requests/device/accept`` and the fallback pages.

The rules are in ``roost.oauth2.rfc8628``.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute

from roost.core.errors import Invalid
from roost.core.http import JSON, route
from roost.oauth2.http.authorize import write_redirect
from roost.oauth2.http.common import NO_STORE, parts, read_form, read_json_body, service


async def device_authorization(request: Request) -> Response:
    p = await parts(request)
    form = await read_form(request)
    body = await p.device_authorization.handle(form, request.headers.get("authorization"))
    return JSON(body, headers=NO_STORE)


async def device_verify(request: Request) -> Response:
    p = await parts(request)
    params = dict(request.query_params)
    plain = {k: v for k, v in params.items() if k not in ("login_verifier", "consent_verifier")}
    request_url = f"{service(request).config.public_url}/oauth2/device/verify?{urlencode(plain)}"
    redirect = await p.device_verification.verify(params, request_url, dict(request.cookies))
    return write_redirect(redirect)


async def accept_device(request: Request) -> Response:
    challenge = request.query_params.get("device_challenge") or request.query_params.get(
        "challenge"
    )
    if not challenge:
        raise Invalid("Query parameter 'device_challenge' is not defined but should have been.")
    body = await read_json_body(request) if await request.body() else {}
    p = await parts(request)
    return JSON({"redirect_to": await p.device_verification.accept(challenge, body)})


def _page(title: str, text: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!DOCTYPE html><title>{title}</title><p>{html.escape(text)}", headers=NO_STORE
    )


async def fallback_error(request: Request) -> Response:
    q = request.query_params
    return _page("Error", f"{q.get('error', 'error')}: {q.get('error_description', '')}")


async def fallback_device(request: Request) -> Response:
    return _page("Device verification", "urls.device.verification is not configured.")


async def fallback_device_done(request: Request) -> Response:
    return _page("Device authorized", "The device has been authorized; you may close this page.")


public_device_routes: list[BaseRoute] = [
    route("/oauth2/device/auth", POST=device_authorization),
    route("/oauth2/device/verify", GET=device_verify),
    route("/oauth2/fallbacks/error", GET=fallback_error),
    route("/oauth2/fallbacks/device", GET=fallback_device),
    route("/oauth2/fallbacks/device/done", GET=fallback_device_done),
]


def admin_device_routes(prefix: str) -> list[BaseRoute]:
    return [route(f"{prefix}/oauth2/auth/requests/device/accept", PUT=accept_device)]
