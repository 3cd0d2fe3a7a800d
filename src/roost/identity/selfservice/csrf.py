"""Kratos's anti-CSRF token for browser flows (``x/nosurfx``, nosurf's ``token.go``).

The browser holds a raw token of 32 random bytes in an HttpOnly cookie named
``csrf_token_<sha256 hex of the public base URL>`` (value: standard base64).
Forms and the ``X-CSRF-Token`` header carry a *masked* copy: base64 of
``otp || otp XOR token`` (64 bytes), a fresh one-time pad per rendering, so
the value on the page never repeats (BREACH) while any masked copy checks
against the same cookie. A browser flow stores the masked token it was
created with; its getter and its submit compare that, or the submitted one,
with the cookie by un-masking and comparing the 32 raw bytes in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from roost.identity.errors import KratosError

TOKEN_BYTES = 32
FIELD = "csrf_token"
HEADER = "x-csrf-token"
MAX_AGE = 365 * 24 * 3600
"""Kratos keeps the CSRF cookie for a year."""

_FORBIDDEN = "The requested action was forbidden"
_DOCS = "https://www.ory.sh/kratos/docs/debug/csrf"


def cookie_name(public_url: str) -> str:
    """``csrf_token_`` + sha256 of the public base URL (with its trailing slash, as Kratos's)."""
    base = public_url if public_url.endswith("/") else public_url + "/"
    return "csrf_token_" + hashlib.sha256(base.encode()).hexdigest()


def new_token() -> str:
    """A fresh raw token as the cookie's value."""
    return base64.b64encode(secrets.token_bytes(TOKEN_BYTES)).decode()


def _raw(cookie_value: str) -> bytes | None:
    try:
        raw = base64.b64decode(cookie_value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == TOKEN_BYTES else None


def well_formed(cookie_value: str) -> bool:
    """Whether a cookie value is a raw token (32 bytes, standard base64)."""
    return _raw(cookie_value) is not None


def mask(cookie_value: str) -> str:
    """A masked copy of the cookie's token, for a form or a flow row."""
    raw = _raw(cookie_value)
    if raw is None:
        raise ValueError("not a CSRF cookie value")
    otp = secrets.token_bytes(TOKEN_BYTES)
    return base64.b64encode(otp + bytes(a ^ b for a, b in zip(otp, raw, strict=True))).decode()


def unmask(masked: str) -> bytes | None:
    try:
        data = base64.b64decode(masked, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(data) != 2 * TOKEN_BYTES:
        return None
    otp, sealed = data[:TOKEN_BYTES], data[TOKEN_BYTES:]
    return bytes(a ^ b for a, b in zip(otp, sealed, strict=True))


def matches(cookie_value: str | None, masked: str | None) -> bool:
    """Whether ``masked`` is a masked copy of the cookie's token (constant time)."""
    if not cookie_value or not masked:
        return False
    raw, unmasked = _raw(cookie_value), unmask(masked)
    if raw is None or unmasked is None:
        return False
    return hmac.compare_digest(raw, unmasked)


def violation(reject_reason: str) -> KratosError:
    """Kratos's 403 ``security_csrf_violation`` (with ``details.docs/hint/reject_reason``)."""
    return KratosError(
        403,
        "security_csrf_violation",
        "Please retry the flow and optionally clear your cookies. The request was rejected "
        "to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account "
        "takeover, leaking personal information, and other serious security issues.",
        message=_FORBIDDEN,
        details={
            "docs": _DOCS,
            "hint": reject_reason,
            "reject_reason": reject_reason,
        },
    )


MISSING_COOKIE = (
    "The HTTP Cookie Header was set but did not include the anti-CSRF cookie. Are you "
    "running Ory Kratos on a different domain than the UI, or sending the request from a "
    "client that drops cookies?"
)
MISSING_FORM_VALUE = (
    "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request "
    "body (csrf_token) nor in the HTTP Header (X-CSRF-Token)."
)
MISMATCH = (
    "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. "
    "The cookie may belong to another browser session, or the token to another flow."
)


def check(cookie_value: str | None, submitted: str | None) -> None:
    """Refuse a browser submit whose token does not match the cookie (403, with the reason)."""
    if not cookie_value:
        raise violation(MISSING_COOKIE)
    if not submitted:
        raise violation(MISSING_FORM_VALUE)
    if not matches(cookie_value, submitted):
        raise violation(MISMATCH)
