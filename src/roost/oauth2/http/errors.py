"""The OAuth2 service's one error table.

Hydra answers every error, admin API included, in its flat ``errorOAuth2``
shape (``error``, ``error_description``, ``status_code``); herodot's
``message`` is added so bodies also satisfy the spec's ``genericError``.
RFC 6749 errors are data (``roost.oauth2.rfc6749.errors``) and render
themselves; domain errors get the status of ``roost.core.http.errors``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.responses import HTMLResponse, Response

from roost.core.errors import MethodNotAllowed, RoostError
from roost.core.http import JSON, ErrorTable, message_of, status_of
from roost.core.http.errors import allow_header
from roost.oauth2.consent.errors import RequestHandled
from roost.oauth2.rfc6749.errors import OAuth2Error, RedirectedError
from roost.oauth2.rfc6749.response_mode import FORM_POST, AuthorizationResponse, form_post_page

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth2_error(exc: OAuth2Error, *, expose_debug: bool = False, admin: bool = False) -> JSON:
    """RFC 6749's body; on the admin port also ``message``, which ``genericError`` requires."""
    headers = dict(NO_STORE)
    if exc.challenge:
        headers["WWW-Authenticate"] = exc.challenge
    elif exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="oauth2", error="invalid_client"'
    body = exc.body(expose_debug=expose_debug)
    if admin:
        body["message"] = body["error_description"]
    return JSON(body, status_code=exc.status, headers=headers)


def domain_body(exc: RoostError) -> dict[str, Any]:
    status = status_of(exc)
    message = message_of(exc)
    if isinstance(exc, MethodNotAllowed):
        return {
            "error": "method_not_allowed",
            "error_description": exc.reason,
            "status_code": status,
            "message": message,
        }
    body: dict[str, Any] = {
        "error": HTTPStatus(status).phrase,
        "error_description": exc.reason or message,
        "status_code": status,
        "message": message,
    }
    if exc.reason:
        body["reason"] = exc.reason
    return body


def domain_error(exc: RoostError) -> Response:
    return JSON(domain_body(exc), status_code=status_of(exc), headers=allow_header(exc))


def redirected_error(exc: RedirectedError) -> Response:
    """§4.1.2.1: the error sent to the (validated) redirect URI in the request's response
    mode: a 303 (as fosite) with it in the query or fragment, or a ``form_post`` page."""
    params = {"error": exc.error.error, "error_description": exc.error.body()["error_description"]}
    if exc.state:
        params["state"] = exc.state
    response = AuthorizationResponse(exc.redirect_uri, params, exc.mode)
    if exc.mode == FORM_POST:
        return HTMLResponse(form_post_page(exc.redirect_uri, params), headers=NO_STORE)
    return Response(status_code=303, headers={**NO_STORE, "Location": response.location()})


def request_handled(exc: RequestHandled) -> Response:
    """Hydra's 410 Gone for a challenge whose step is done: where to send the user now."""
    return JSON({"redirect_to": exc.redirect_to}, status_code=410)


def error_table(*, expose_debug: bool, admin: bool = False) -> ErrorTable:
    """The table of one port; ``expose_debug`` is ``oauth2.expose_internal_errors``.

    The admin port's errors are Hydra's ``genericError`` too, whose ``message``
    is required; the public port's are RFC 6749's alone.
    """

    def render_oauth2(exc: OAuth2Error) -> Response:
        return oauth2_error(exc, expose_debug=expose_debug, admin=admin)

    return ErrorTable(
        {
            RedirectedError: redirected_error,
            RequestHandled: request_handled,
            OAuth2Error: render_oauth2,
            RoostError: domain_error,
        }
    )
