"""RFC 8628 §3.5's token endpoint errors, as data (see ``roost.oauth2.rfc6749.errors``)."""

from __future__ import annotations

from roost.oauth2.rfc6749.errors import OAuth2Error


class AuthorizationPending(OAuth2Error):
    """§3.5: "The authorization request is still pending as the end user hasn't yet completed
    the user-interaction steps"."""

    error, status = "authorization_pending", 400
    description = "The authorization request is still pending as the end user hasn't yet " \
        "completed the user-interaction steps."  # fmt: skip


class SlowDown(OAuth2Error):
    """§3.5: "the client MUST also increase the interval for all subsequent requests by 5
    seconds"."""

    error, status = "slow_down", 400
    description = "The authorization request was rate-limited to prevent system overload."


class ExpiredToken(OAuth2Error):
    """§3.5: "The "device_code" has expired, and the device authorization session has
    concluded"."""

    error, status = "expired_token", 400
    description = "The device_code has expired, and the device authorization session has ended."
