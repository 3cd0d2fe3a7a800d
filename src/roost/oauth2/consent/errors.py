"""The consent flow's own outcomes that are not RFC 6749 errors.

RequestHandled   a challenge whose step is already done: Hydra's 410 ``{"redirect_to"}``
ReportedError    the error a login or consent UI reported through ``/reject``
"""

from __future__ import annotations

from typing import Any

from roost.oauth2.rfc6749.errors import OAuth2Error


class RequestHandled(Exception):
    """The request was handled already; the UI should send the user to ``redirect_to``."""

    def __init__(self, redirect_to: str) -> None:
        super().__init__("the request has been handled already")
        self.redirect_to = redirect_to


class ReportedError(OAuth2Error):
    """An error body from ``PUT …/reject`` (``error``, ``error_description``, ``status_code``)."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(
            str(body.get("error_hint") or ""), debug=str(body.get("error_debug") or "")
        )
        self.error = str(body.get("error") or "access_denied")
        self.status = int(body.get("status_code") or 400)
        self.description = str(
            body.get("error_description")
            or "The resource owner or authorization server denied the request."
        )
