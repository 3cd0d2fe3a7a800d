"""Parsing the token endpoint's request (RFC 6749 §3.2, §2.3.1).

Parameters come as ``application/x-www-form-urlencoded``; RFC 6749 §3.2 says
they "MUST NOT be included more than once", so a repeated parameter is an
``invalid_request``. HTTP Basic credentials are form-urlencoded before being
base64-encoded (§2.3.1), so they are decoded twice.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from roost.oauth2.rfc6749.errors import InvalidRequest

FORM_TYPE = "application/x-www-form-urlencoded"
# ``audience`` may repeat: Hydra accepts it as a list as well as space-separated.
REPEATABLE = frozenset({"audience"})


@dataclass(frozen=True)
class BasicCredentials:
    client_id: str
    secret: str


def parse_form(body: bytes, content_type: str | None) -> dict[str, str]:
    media = (content_type or "").split(";")[0].strip().lower()
    if media != FORM_TYPE:
        raise InvalidRequest(
            "The request must use the content type application/x-www-form-urlencoded."
        )
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest("The request body is not valid form data.") from exc
    form: dict[str, str] = {}
    for key, value in pairs:
        if "\x00" in key or "\x00" in value:
            raise InvalidRequest("The request must not contain NUL characters.")
        if key in form:
            if key not in REPEATABLE:
                raise InvalidRequest(f"The parameter {key!r} must not be included more than once.")
            form[key] = f"{form[key]} {value}"
        else:
            form[key] = value
    return form


def parse_basic(header: str | None) -> BasicCredentials | None:
    """The credentials of an ``Authorization: Basic`` header, None when there is none."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest("The basic authorization header is not valid base64.") from exc
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        raise InvalidRequest("The basic authorization header must contain client_id:secret.")
    creds = BasicCredentials(unquote_plus(client_id), unquote_plus(secret))
    if "\x00" in creds.client_id or "\x00" in creds.secret:
        raise InvalidRequest("The basic authorization header must not contain NUL characters.")
    return creds
