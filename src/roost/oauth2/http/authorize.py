"""Public port: the authorization endpoint and UserInfo (OpenID Connect Core §3.1.2, §5.3).

All of the flow's decisions are in ``roost.oauth2.consent.strategy``; this
module reads the parameters (query for GET, form for POST, OIDC Core §3.1.2.1)
and the cookies, and writes the redirect and its cookies.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from roost.core.http import JSON
from roost.oauth2.consent.strategy import Redirect
from roost.oauth2.http.common import NO_STORE, parts, read_form, service
from roost.oauth2.rfc6749.response_mode import form_post_page
from roost.oauth2.rfc9449 import Presented, presented


async def _params(request: Request) -> dict[str, str]:
    if request.method == "POST":
        return await read_form(request)
    return dict(request.query_params)


def write_redirect(redirect: Redirect) -> Response:
    """The hop (302), the client's redirect (303, as fosite) or its ``form_post`` page (200)."""
    response: Response
    if redirect.form is not None:
        page = form_post_page(redirect.location, redirect.form)
        response = HTMLResponse(page, headers=NO_STORE)
    else:
        status = 303 if redirect.final else 302
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
    params = await p.pushed.resolve(await _params(request))
    base = {k: v for k, v in params.items() if k not in ("login_verifier", "consent_verifier")}
    request_url = f"{service(request).config.public_url}/oauth2/auth?{urlencode(base)}"
    redirect = await p.authorization.authorize(params, request_url, dict(request.cookies))
    return write_redirect(redirect)


async def userinfo(request: Request) -> Response:
    p = await parts(request)
    form = await read_form(request) if request.method == "POST" else {}
    dpop = p.userinfo.dpop is not None
    scheme, token = presented(request.headers.get("authorization"), form, dpop)
    proofs = tuple(request.headers.getlist("dpop")) if dpop else ()
    answer = await p.userinfo.answer(Presented(token, scheme, proofs, request.method, "/userinfo"))
    if answer.jwt is not None:
        return Response(answer.jwt, media_type="application/jwt", headers=NO_STORE)
    return JSON(answer.claims, headers=NO_STORE)
