"""JSON Schemas of the identity admin API's request bodies.

Kratos decodes ``createIdentityBody`` and ``updateIdentityBody`` into Go
structs (``identity/handler.go``, ``handler_import.go``), so the only checks a
body meets before any semantic rule are the JSON types of the fields those
structs declare, the ``required`` ones, and the two enums (``state`` and
``region``). That is what is written down here, and nothing more: traits are
checked against the identity schema later, credentials by the importer.

``tests/identity/test_body_schema.py`` holds these schemas against the
components of the same names in ``kratos.openapi.json``.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
BOOLEAN: Schema = {"type": "boolean"}
TIMESTAMP: Schema = {"type": "string", "format": "date-time"}
UUID: Schema = {"type": "string", "format": "uuid"}
# Go's ``uuid.NullUUID``: null or a string; ``organization_id`` is parsed later.
NULL_UUID: Schema = {"type": ["string", "null"]}
# Go's ``[]byte`` written as a JSON array of numbers.
BYTES: Schema = {"type": "array", "items": {"type": "integer"}}
# Raw JSON kept as given.
ANY: Schema = {}


def obj(properties: dict[str, Schema], *required: str) -> Schema:
    """An object with these typed fields; fields not named are let through."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def credential(config: Schema) -> Schema:
    """A credential import: ``{"config": {...}}``."""
    return obj({"config": config})


STATE: Schema = {"type": "string", "enum": ["active", "inactive"]}
REGION: Schema = {
    "type": "string",
    "enum": ["eu-central", "asia-northeast", "us-east", "us-west", "eu", "asia", "us", "global"],
}

VERIFIABLE_ADDRESS = obj(
    {
        "id": UUID,
        "value": STRING,
        "verified": BOOLEAN,
        "via": {"type": "string", "enum": ["email", "sms"]},
        "status": STRING,
        "verified_at": TIMESTAMP,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    },
    "value",
    "verified",
    "via",
    "status",
)
RECOVERY_ADDRESS = obj(
    {
        "id": UUID,
        "value": STRING,
        "via": STRING,
        "break_glass_for_organization": NULL_UUID,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    },
    "value",
    "via",
)

WEBAUTHN_CREDENTIAL = obj(
    {
        "id": BYTES,
        "public_key": BYTES,
        "attestation_type": STRING,
        "authenticator": obj(
            {
                "aaguid": BYTES,
                "sign_count": {"type": "integer", "format": "uint32"},
                "clone_warning": BOOLEAN,
            }
        ),
        "attestation": obj(
            {
                "client_dataJSON": BYTES,
                "client_data_hash": BYTES,
                "authenticator_data": BYTES,
                "public_key_algorithm": {"type": "integer", "format": "int64"},
                "object": BYTES,
            }
        ),
        "flags": obj(
            {
                name: BOOLEAN
                for name in ("user_present", "user_verified", "backup_eligible", "backup_state")
            }
        ),
        "display_name": STRING,
        "added_at": TIMESTAMP,
        "is_passwordless": BOOLEAN,
        "transport": array(STRING),
    }
)
WEBAUTHN_CONFIG = obj({"credentials": array(WEBAUTHN_CREDENTIAL), "user_handle": BYTES})


def _federated(*extra: str) -> Schema:
    """OIDC and SAML links: ``{"providers": [{provider, subject, organization?, ...}]}``."""
    provider = obj(
        {
            "provider": STRING,
            "subject": STRING,
            "organization": NULL_UUID,
            **{name: BOOLEAN for name in extra},
        },
        "subject",
        "provider",
    )
    return obj({"providers": array(provider)})


CREDENTIALS = obj(
    {
        "password": credential(
            obj(
                {
                    "password": STRING,
                    "hashed_password": STRING,
                    "use_password_migration_hook": BOOLEAN,
                }
            )
        ),
        "oidc": credential(_federated("use_auto_link")),
        "saml": credential(_federated()),
        "totp": credential(obj({"totp_url": STRING})),
        "lookup_secret": credential(
            obj({"codes": array(obj({"code": STRING, "used_at": TIMESTAMP}))})
        ),
        "webauthn": credential(WEBAUTHN_CONFIG),
        "passkey": credential(WEBAUTHN_CONFIG),
    }
)

_COMMON: dict[str, Schema] = {
    "schema_id": STRING,
    "traits": {"type": "object"},
    "state": STATE,
    "metadata_public": ANY,
    "metadata_admin": ANY,
    "external_id": STRING,
    "credentials": CREDENTIALS,
    "region": REGION,
}

CREATE_IDENTITY = obj(
    {
        **_COMMON,
        "organization_id": NULL_UUID,
        "verifiable_addresses": array(VERIFIABLE_ADDRESS),
        "recovery_addresses": array(RECOVERY_ADDRESS),
    },
    "schema_id",
    "traits",
)
UPDATE_IDENTITY = obj(_COMMON, "schema_id", "traits", "state")

BODIES: dict[str, Schema] = {"create": CREATE_IDENTITY, "update": UPDATE_IDENTITY}
