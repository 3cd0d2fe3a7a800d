"""OAuth 2.0 errors as data (RFC 6749 §5.2, RFC 7009 §2.2.1), one class per error code.

Each carries its HTTP status and fosite's default description, so the JSON a
client sees matches Hydra's ``{"error", "error_description"}`` bodies. The
HTTP layer renders them (``roost.oauth2.http.errors``); nothing here knows HTTP
beyond the status number the RFC prescribes.
"""

from __future__ import annotations

from typing import Any


class OAuth2Error(Exception):
    error = "server_error"
    status = 500
    description = (
        "The authorization server encountered an unexpected condition that prevented it "
        "from fulfilling the request."
    )

    challenge = ""
    """A ``WWW-Authenticate`` value to answer with (a protected resource's, RFC 6750 §3)."""

    def __init__(self, hint: str = "", *, debug: str = "") -> None:
        super().__init__(hint or self.description)
        self.hint = hint
        self.debug = debug

    def body(self, *, expose_debug: bool = False) -> dict[str, Any]:
        desc = self.description + (f" {self.hint}" if self.hint else "")
        out: dict[str, Any] = {"error": self.error, "error_description": desc}
        if self.hint:
            out["error_hint"] = self.hint
        if expose_debug and self.debug:
            out["error_debug"] = self.debug
        out["status_code"] = self.status
        return out


class InvalidRequest(OAuth2Error):
    """§5.2: "The request is missing a required parameter, includes an unsupported parameter
    value (other than grant type), repeats a parameter, ...\""""

    error, status = "invalid_request", 400
    description = (
        "The request is missing a required parameter, includes an invalid parameter value, "
        "includes a parameter more than once, or is otherwise malformed."
    )


class InvalidRequestURI(OAuth2Error):
    """OIDC Core §6.2 / RFC 9126 §4: the ``request_uri`` is unknown, used or expired."""

    error, status = "invalid_request_uri", 400
    description = (
        "The request_uri in the authorization request returns an error or contains invalid data."
    )


class InvalidClient(OAuth2Error):
    """§5.2: client authentication failed; 401 with ``WWW-Authenticate``."""

    error, status = "invalid_client", 401
    description = (
        "Client authentication failed (e.g., unknown client, no client authentication "
        "included, or unsupported authentication method)."
    )


class InvalidGrant(OAuth2Error):
    error, status = "invalid_grant", 400
    description = (
        "The provided authorization grant (e.g., authorization code, resource owner "
        "credentials) or refresh token is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client."
    )


class UnauthorizedClient(OAuth2Error):
    error, status = "unauthorized_client", 400
    description = "The client is not authorized to request a token using this method."


class UnsupportedGrantType(OAuth2Error):
    error, status = "unsupported_grant_type", 400
    description = "The authorization grant type is not supported by the authorization server."


class InvalidScope(OAuth2Error):
    error, status = "invalid_scope", 400
    description = "The requested scope is invalid, unknown, or malformed."


class AccessDenied(OAuth2Error):
    error, status = "access_denied", 403
    description = "The resource owner or authorization server denied the request."


class UnsupportedTokenType(OAuth2Error):
    """RFC 7009 §2.2.1."""

    error, status = "unsupported_token_type", 400
    description = (
        "The authorization server does not support the revocation of the presented token type."
    )


class RequestUnauthorized(OAuth2Error):
    error, status = "request_unauthorized", 401
    description = "The request could not be authorized."


class ServerError(OAuth2Error):
    pass


class TemporarilyUnavailable(OAuth2Error):
    error, status = "temporarily_unavailable", 503
    description = (
        "The authorization server is currently unable to handle the request due to a "
        "temporary overloading or maintenance of the server."
    )


class UnsupportedResponseType(OAuth2Error):
    """§4.1.2.1."""

    error, status = "unsupported_response_type", 400
    description = "The authorization server does not support obtaining a token using this method."


class UnsupportedResponseMode(OAuth2Error):
    """OAuth 2.0 Multiple Response Type Encoding Practices §5."""

    error, status = "unsupported_response_mode", 400
    description = (
        "The authorization server does not support obtaining a response using this response mode."
    )


class InvalidState(OAuth2Error):
    """fosite's answer to a missing or too short ``state``."""

    error, status = "invalid_state", 400
    description = (
        "The state is missing or does not have enough characters and is therefore "
        "considered too weak."
    )


class RequestForbidden(OAuth2Error):
    error, status = "request_forbidden", 403
    description = "The request is not allowed."


class LoginRequired(OAuth2Error):
    """OpenID Connect Core §3.1.2.6."""

    error, status = "login_required", 400
    description = "The Authorization Server requires End-User authentication."


class ConsentRequired(OAuth2Error):
    """OpenID Connect Core §3.1.2.6."""

    error, status = "consent_required", 400
    description = "The Authorization Server requires End-User consent."


class RedirectedError(Exception):
    """An authorization error to send to the client's redirect URI (§4.1.2.1).

    Raised only once the redirect URI is known to be registered; before that an
    error is shown to the user agent instead, never redirected.
    """

    def __init__(
        self, error: OAuth2Error, redirect_uri: str, state: str, mode: str = "query"
    ) -> None:
        super().__init__(error.error)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state
        self.mode = mode  # the request's response mode (``query``, ``fragment``, ``form_post``)
