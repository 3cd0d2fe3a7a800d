"""Public port: the authorization endpoint and UserInfo (OpenID Connect Core §3.1.2, §5.3).

All of the flow's decisions are in ``roost.oauth2.consent.strategy``; this
module reads the parameters (query for GET, form for POST, OIDC Core §3.1.2.1)
and the cookies, and writes the redirect and its cookies.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from roost.core.http import JSON
from roost.oauth2.consent.strategy import Redirect
from roost.oauth2.http.common import NO_STORE, parts, read_form, service
from roost.oauth2.oidc.userinfo import bearer


async def _params(request: Request) -> dict[str, str]:
    if request.method == "POST":
        return await read_form(request)
    return dict(request.query_params)


def write_redirect(redirect: Redirect, status: int = 302) -> Response:
    response = RedirectResponse(redirect.location, status_code=status, headers=NO_STORE)
    for cookie in redirect.cookies:
        response.set_cookie(
            cookie.name,
            cookie.value,
            max_age=cookie.max_age,
            path="/",
            httponly=True,
            samesite="lax",
        )
    return response


async def authorize(request: Request) -> Response:
    p = await parts(request)
    params = await _params(request)
    base = {k: v for k, v in params.items() if k not in ("login_verifier", "consent_verifier")}
    request_url = f"{service(request).config.public_url}/oauth2/auth?{urlencode(base)}"
    redirect = await p.authorization.authorize(params, request_url, dict(request.cookies))
    # The client's redirect is a 303 (fosite); the hops to the login and consent UIs are 302s.
    final = "code=" in redirect.location and not redirect.cookies
    return write_redirect(redirect, 303 if final else 302)


async def userinfo(request: Request) -> Response:
    p = await parts(request)
    form = await read_form(request) if request.method == "POST" else {}
    token = bearer(request.headers.get("authorization"), form)
    return JSON(await p.userinfo.claims(token), headers=NO_STORE)
