"""The admin API's request bodies, checked for shape before anything else.

Kratos decodes ``createIdentityBody`` and ``updateIdentityBody`` strictly
with Go types, so a body of the wrong shape is a 400 before anything is
looked at and never reaches the database. The schemas are in
:mod:`roost.identity.identities.body_schema`. Unknown top-level fields are
refused, like Go's ``DisallowUnknownFields``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jsonschema

from roost.core.errors import Invalid
from roost.identity.identities.body_schema import BODIES
from roost.identity.validation import check_identity_body

FORMATS = jsonschema.FormatChecker(["uuid"])


_INT_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
}


def _int_format(name: str) -> None:
    low, high = _INT_RANGES[name]

    @FORMATS.checks(name)
    def check(value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return True
        return low <= value <= high

    del check


for _name in _INT_RANGES:
    _int_format(_name)


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    """RFC 3339 timestamps (jsonschema's own checker needs an extra package)."""
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


_validators = {
    kind: jsonschema.Draft7Validator(schema, format_checker=FORMATS)
    for kind, schema in BODIES.items()
}


def check_body(body: Any, kind: str) -> dict[str, Any]:
    """``body`` when it has the shape of a ``kind`` (create/update) body, else a 400."""
    if not isinstance(body, dict):
        raise Invalid("Unable to decode JSON payload: expected a JSON object")
    known = BODIES[kind]["properties"]
    for key in body:
        if key not in known:
            raise Invalid(f'Unable to decode JSON payload: json: unknown field "{key}"')
    error = jsonschema.exceptions.best_match(_validators[kind].iter_errors(body))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "body"
        raise Invalid(f"Unable to decode JSON payload: {where}: {error.message}")
    check_identity_body(body)
    return body
