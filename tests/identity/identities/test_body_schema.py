"""Our admin body schemas agree with ``kratos.openapi.json``, read at test time.

Two checks: every field we name exists in the spec's component with the same
JSON type (and the same ``required``, ``enum`` and ``format`` where we set
them), and a set of example bodies gets the same verdict from our schema and
from the spec's component schema. The spec is OpenAPI 3.0, so ``nullable``
is honoured by the validator used for it rather than by rewriting the spec.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from roost.identity.identities import bodies
from roost.identity.identities.body_schema import BODIES
from tests.support import shared

COMPONENT = {"create": "createIdentityBody", "update": "updateIdentityBody"}
SPEC_URI = "urn:roost:kratos.openapi.json"

Json = Any


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = shared.load_json("ory-specs/kratos.openapi.json")
    return loaded


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/components/schemas/")
        node = spec["components"]["schemas"][name]
    return node


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("type")
    kinds = {kind} if isinstance(kind, str) else set(kind or ())
    if node.get("nullable"):
        kinds.add("null")
    return kinds


def _mismatches(
    spec: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any], at: str
) -> Iterator[str]:
    theirs = _resolve(spec, theirs)
    if _types(ours) != _types(theirs):
        yield f"{at}: type {sorted(_types(ours))} != {sorted(_types(theirs))}"
    for key in ("enum", "format"):
        if key in ours and ours[key] != theirs.get(key):
            yield f"{at}: {key} {ours[key]!r} != {theirs.get(key)!r}"
    if sorted(ours.get("required", [])) != sorted(theirs.get("required", [])):
        yield f"{at}: required {ours.get('required')} != {theirs.get('required')}"
    for name, sub in ours.get("properties", {}).items():
        if name not in theirs.get("properties", {}):
            yield f"{at}/{name}: not in the spec"
        else:
            yield from _mismatches(spec, sub, theirs["properties"][name], f"{at}/{name}")
    if "items" in ours:
        if "items" not in theirs:
            yield f"{at}: items not in the spec"
        else:
            yield from _mismatches(spec, ours["items"], theirs["items"], f"{at}[]")


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_fields_exist_in_the_spec_with_the_same_types(spec: dict[str, Any], kind: str) -> None:
    component = spec["components"]["schemas"][COMPONENT[kind]]
    assert list(_mismatches(spec, BODIES[kind], component, COMPONENT[kind])) == []


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_every_top_level_field_of_the_spec_is_accepted(spec: dict[str, Any], kind: str) -> None:
    """Unknown top-level fields are refused, so a field missing here would refuse valid bodies."""
    component = spec["components"]["schemas"][COMPONENT[kind]]
    assert set(BODIES[kind]["properties"]) == set(component["properties"])


def _openapi_type(
    validator: Any, types: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    """OpenAPI 3.0's ``type`` with ``nullable: true`` also admits null."""
    if instance is None and schema.get("nullable"):
        return
    yield from jsonschema.Draft7Validator.VALIDATORS["type"](validator, types, instance, schema)


OpenAPIValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft7Validator, {"type": _openapi_type}
)


def _spec_validator(spec: dict[str, Any], kind: str) -> Any:
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT7)
    )
    return OpenAPIValidator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{COMPONENT[kind]}"},
        registry=registry,
        format_checker=bodies.FORMATS,
    )


def _ours(kind: str) -> Any:
    return jsonschema.Draft7Validator(BODIES[kind], format_checker=bodies.FORMATS)


MINIMAL = {"schema_id": "default", "traits": {}}
WEBAUTHN = {
    "credentials": [
        {
            "id": [1, 2, 3],
            "public_key": [4, 5],
            "attestation_type": "none",
            "authenticator": {"aaguid": [0], "sign_count": 7, "clone_warning": False},
            "attestation": {"client_dataJSON": [1], "public_key_algorithm": -7},
            "flags": {"user_present": True, "backup_state": False},
            "display_name": "key",
            "added_at": "2024-01-02T03:04:05Z",
            "is_passwordless": True,
            "transport": ["usb", "nfc"],
        }
    ],
    "user_handle": [9, 9],
}
ALL_CREDENTIALS = {
    "password": {"config": {"hashed_password": "$2a$04$x", "use_password_migration_hook": False}},
    "oidc": {
        "config": {
            "providers": [
                {"provider": "g", "subject": "1", "use_auto_link": True, "organization": None}
            ]
        }
    },
    "saml": {"config": {"providers": [{"provider": "s", "subject": "2"}]}},
    "totp": {"config": {"totp_url": "otpauth://totp/x"}},
    "lookup_secret": {
        "config": {"codes": [{"code": "abcd1234", "used_at": "2024-01-02T03:04:05Z"}]}
    },
    "webauthn": {"config": WEBAUTHN},
    "passkey": {"config": WEBAUTHN},
}
FULL_CREATE = {
    **MINIMAL,
    "state": "inactive",
    "metadata_public": {"a": 1},
    "metadata_admin": [1, "x", None],
    "external_id": "ext-1",
    "organization_id": None,
    "region": "eu",
    "credentials": ALL_CREDENTIALS,
    "verifiable_addresses": [
        {"value": "a@b.co", "verified": True, "via": "email", "status": "completed"},
        {
            "id": "6f1d7e0a-2b9c-4a39-9f5e-1f1a2b3c4d5e",
            "value": "+15550100",
            "verified": False,
            "via": "sms",
            "status": "pending",
            "verified_at": "2024-01-02T03:04:05+01:00",
        },
    ],
    "recovery_addresses": [
        {"value": "a@b.co", "via": "email", "break_glass_for_organization": None}
    ],
}


def _with(body: dict[str, Any], path: str, value: Json) -> dict[str, Any]:
    """``body`` (deep-copied) with the value at a slash-separated ``path`` replaced."""
    out: Json = json.loads(json.dumps(body))
    node = out
    *parents, last = path.split("/")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    return dict(out)


def _without(body: dict[str, Any], path: str) -> dict[str, Any]:
    out: Json = json.loads(json.dumps(body))
    node = out
    *parents, last = path.split("/")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    del node[last]
    return dict(out)


PW = "credentials/password/config"
OIDC = "credentials/oidc/config/providers/0"
WA = "credentials/webauthn/config/credentials/0"
CREATE_EXAMPLES: list[tuple[dict[str, Any], bool]] = [
    (MINIMAL, True),
    (FULL_CREATE, True),
    ({**MINIMAL, "credentials": {"password": {"config": {"password": "pw"}}}}, True),
    ({**MINIMAL, "organization_id": "6f1d7e0a-2b9c-4a39-9f5e-1f1a2b3c4d5e"}, True),
    ({**MINIMAL, "metadata_public": None, "credentials": {"unknown": 1}}, True),
    (_with(FULL_CREATE, f"{OIDC}/extra", "nested unknown fields pass"), True),
    ({"traits": {}}, False),
    ({"schema_id": "default"}, False),
    ({**MINIMAL, "schema_id": 1}, False),
    ({**MINIMAL, "traits": []}, False),
    ({**MINIMAL, "traits": "x"}, False),
    ({**MINIMAL, "state": "gone"}, False),
    ({**MINIMAL, "state": None}, False),
    ({**MINIMAL, "region": "mars"}, False),
    ({**MINIMAL, "external_id": 5}, False),
    ({**MINIMAL, "organization_id": 5}, False),
    ({**MINIMAL, "verifiable_addresses": {}}, False),
    ({**MINIMAL, "recovery_addresses": [{"value": "a@b.co"}]}, False),
    ({**MINIMAL, "credentials": []}, False),
    ({**MINIMAL, "credentials": {"password": {"config": []}}}, False),
    (_with(FULL_CREATE, f"{PW}/hashed_password", 1), False),
    (_with(FULL_CREATE, f"{PW}/use_password_migration_hook", "yes"), False),
    (_with(FULL_CREATE, "credentials/oidc/config/providers", {}), False),
    (_without(FULL_CREATE, f"{OIDC}/subject"), False),
    (_with(FULL_CREATE, f"{OIDC}/use_auto_link", 1), False),
    (_with(FULL_CREATE, f"{OIDC}/organization", 1), False),
    (_without(FULL_CREATE, "credentials/saml/config/providers/0/provider"), False),
    (_with(FULL_CREATE, "credentials/totp/config/totp_url", None), False),
    (_with(FULL_CREATE, "credentials/lookup_secret/config/codes/0/used_at", "yesterday"), False),
    (_with(FULL_CREATE, "credentials/lookup_secret/config/codes/0/used_at", None), False),
    (_with(FULL_CREATE, f"{WA}/id", "AQID"), False),
    (_with(FULL_CREATE, f"{WA}/id/0", 1.5), False),
    (_with(FULL_CREATE, f"{WA}/authenticator/sign_count", -1), False),
    (_with(FULL_CREATE, f"{WA}/attestation/public_key_algorithm", 2**63), False),
    (_with(FULL_CREATE, f"{WA}/flags/user_verified", "true"), False),
    (_with(FULL_CREATE, f"{WA}/transport", "usb"), False),
    (_with(FULL_CREATE, "credentials/passkey/config/user_handle", None), False),
    (_with(FULL_CREATE, "verifiable_addresses/0/via", "pigeon"), False),
    (_without(FULL_CREATE, "verifiable_addresses/0/status"), False),
    (_with(FULL_CREATE, "verifiable_addresses/1/id", "not-a-uuid"), False),
    (_with(FULL_CREATE, "verifiable_addresses/1/verified_at", "2024-13-01"), False),
    (_with(FULL_CREATE, "recovery_addresses/0/via", 1), False),
]
FULL_UPDATE = {
    key: value
    for key, value in FULL_CREATE.items()
    if key not in ("organization_id", "verifiable_addresses", "recovery_addresses")
}
UPDATE_EXAMPLES: list[tuple[dict[str, Any], bool]] = [
    ({**MINIMAL, "state": "active"}, True),
    (FULL_UPDATE, True),
    (MINIMAL, False),
    ({**MINIMAL, "state": "deleted"}, False),
    ({"traits": {}, "state": "active"}, False),
    (_with(FULL_UPDATE, f"{PW}/password", ["pw"]), False),
    (_without(FULL_UPDATE, f"{OIDC}/provider"), False),
]


@pytest.mark.parametrize(
    ("kind", "body", "valid"),
    [("create", b, v) for b, v in CREATE_EXAMPLES] + [("update", b, v) for b, v in UPDATE_EXAMPLES],
)
def test_same_verdict_as_the_spec(
    spec: dict[str, Any], kind: str, body: dict[str, Any], valid: bool
) -> None:
    assert _spec_validator(spec, kind).is_valid(body) is valid
    assert _ours(kind).is_valid(body) is valid
