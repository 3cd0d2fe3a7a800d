"""Public port: ``/oauth2/sessions/logout`` (RP-initiated logout) and the logout fallback.

The decisions are in ``roost.oauth2.consent.logout``; this module reads the
parameters (query for GET, form for POST, RP-Initiated Logout 1.0 §2) and
writes the redirect, or the front-channel page of iframes.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from roost.oauth2.consent.logout import LogoutPage
from roost.oauth2.http.authorize import write_redirect
from roost.oauth2.http.common import NO_STORE, parts, read_form, service

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Logging out</title>
<meta http-equiv="refresh" content="5;url={target}"></head>
<body>{frames}
<script>
var left = {count};
function done() {{ if (--left <= 0) {{ window.location.replace({target_js}); }} }}
</script>
</body></html>
"""


def _page(page: LogoutPage) -> Response:
    frames = "\n".join(
        f'<iframe src="{html.escape(url)}" style="display:none" onload="done()"></iframe>'
        for url in page.frames
    )
    target = html.escape(page.redirect_to)
    body = _PAGE.format(
        target=target,
        frames=frames,
        count=len(page.frames),
        target_js='"'
        + page.redirect_to.replace("\\", "\\\\").replace('"', "%22").replace("<", "%3C")
        + '"',
    )
    response = HTMLResponse(body, headers=NO_STORE)
    for cookie in page.cookies:
        response.set_cookie(cookie.name, cookie.value, max_age=cookie.max_age, path="/",
                            httponly=True, samesite="lax")  # fmt: skip
    return response


async def logout(request: Request) -> Response:
    p = await parts(request)
    params = await read_form(request) if request.method == "POST" else dict(request.query_params)
    base = {k: v for k, v in params.items() if k != "logout_verifier"}
    request_url = f"{service(request).config.public_url}/oauth2/sessions/logout"
    if base:
        request_url += f"?{urlencode(base)}"
    outcome = await p.logout.logout(params, request_url, dict(request.cookies))
    if isinstance(outcome, LogoutPage):
        return _page(outcome)
    return write_redirect(outcome)


async def logged_out(request: Request) -> Response:
    """``urls.post_logout_redirect``'s default, as Hydra's fallback page."""
    return HTMLResponse("<!DOCTYPE html><title>Logged out</title><p>You have been logged out.")
