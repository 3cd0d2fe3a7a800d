"""JSON Schemas of the admin API's request bodies, as ``hydra.openapi.json`` defines them.

Go's decoder turns a wrong type into a 400; these schemas give the same answer
before any semantic check runs, for the client document and for JSON Web Keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jsonschema

from roost.oauth2.clients.fields import (
    BOOL_FIELDS,
    LIFESPANS,
    LIST_FIELDS,
    SHORT_FIELDS,
    TEXT_FIELDS,
)

DURATION = {"type": "string", "pattern": "^([0-9]+([.][0-9]+)?(ns|us|µs|ms|s|m|h))+$"}
_STRING = {"type": "string"}
_JWK_STRINGS = (
    "alg",
    "crv",
    "d",
    "dp",
    "dq",
    "e",
    "k",
    "kid",
    "kty",
    "n",
    "p",
    "q",
    "qi",
    "use",
    "x",
    "y",
)

JWK: dict[str, Any] = {
    "type": "object",
    "required": ["use", "kty", "kid", "alg"],
    "properties": {
        **{k: _STRING for k in _JWK_STRINGS},
        "x5c": {"type": "array", "items": _STRING},
    },
}
JWKS: dict[str, Any] = {
    "type": "object",
    "properties": {"keys": {"type": "array", "items": JWK}},
}
CLIENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{k: _STRING for k in (*TEXT_FIELDS, *SHORT_FIELDS)},
        **{k: {"type": "array", "items": _STRING} for k in LIST_FIELDS},
        **{k: DURATION for k in LIFESPANS},
        **{k: {"type": "boolean"} for k in BOOL_FIELDS},
        "client_id": _STRING,
        "client_secret": _STRING,
        "registration_access_token": _STRING,
        "registration_client_uri": _STRING,
        "client_secret_expires_at": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "jwks": JWKS,
        "metadata": {},
    },
}

_formats = jsonschema.FormatChecker(formats=())


@_formats.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


_client = jsonschema.Draft7Validator(CLIENT, format_checker=_formats)
_jwk = jsonschema.Draft7Validator(JWK, format_checker=_formats)


def _first_error(validator: jsonschema.Draft7Validator, body: Any) -> str | None:
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    err = errors[0]
    where = ".".join(str(p) for p in err.absolute_path) or "(body)"
    return f"{where}: {err.message}"


def client_body_error(body: Any) -> str | None:
    """Why a client document does not match ``oAuth2Client``, or None when it does."""
    return _first_error(_client, body)


def jwk_error(body: Any) -> str | None:
    """Why a body does not match ``jsonWebKey``, or None when it does."""
    return _first_error(_jwk, body)
