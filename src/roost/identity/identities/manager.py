"""Building identities from admin bodies, and deriving what the schema implies.

Kratos never trusts a body for identifiers or addresses: they are derived
from the traits through the schema's ``ory.sh/kratos`` marks on every write
(``identity/extension_credentials.go``). Imported credentials are a cleartext
password (hashed with the configured hasher, policy not applied, as Kratos
does on import) or a hash of a known family, kept as is. Bodies are decoded
strictly: an unknown field is a 400, like Go's ``DisallowUnknownFields``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import jsonpatch
import jsonpointer

from roost.core.errors import Invalid
from roost.identity.credentials.hashing import is_valid_hash_format
from roost.identity.identities.bodies import check_body
from roost.identity.identities.model import STATES, Address, Credential, Identity, now
from roost.identity.schemas.manager import IdentitySchema

if TYPE_CHECKING:
    from roost.identity.service import IdentityService

BAD_HASH = "The imported password does not match any known hash format."


def derive(schema: IdentitySchema, ident: Identity) -> None:
    """Recompute password identifiers and addresses from the traits (keeping verified state)."""
    ids = schema.identifiers(ident.traits)
    if ids or "password" in ident.credentials:
        cred = ident.credentials.get("password") or Credential("password", [], {})
        cred.identifiers = ids
        ident.credentials["password"] = cred
    old_v = {(a.via, a.value): a for a in ident.verifiable_addresses}
    ident.verifiable_addresses = [
        old_v.get(pair) or Address(*pair) for pair in schema.addresses(ident.traits, "verification")
    ]
    old_r = {(a.via, a.value): a for a in ident.recovery_addresses}
    ident.recovery_addresses = [
        old_r.get(pair) or Address(*pair) for pair in schema.addresses(ident.traits, "recovery")
    ]


def validate_traits(schema: IdentitySchema, traits: Any) -> None:
    errors = schema.validate(traits)
    if errors:
        name, message = errors[0]
        raise Invalid(f"I[#/{name.replace('.', '/')}] {message['text']}")


def _state(value: Any) -> str:
    state = value if value is not None else "active"
    if state not in STATES:
        raise Invalid(f'identity state "{state}" is not valid: must be one of active, inactive')
    return str(state)


def _external_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise Invalid("external_id must be a string of at most 64 characters")
    return value


def _organization(value: Any) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Invalid("organization_id must be a UUID") from None


async def import_credentials(svc: IdentityService, ident: Identity, body: Any) -> None:
    if body is None:
        return
    if not isinstance(body, dict):
        raise Invalid("credentials must be an object")
    password = body.get("password")
    if isinstance(password, dict):
        config = password.get("config") or {}
        if not isinstance(config, dict):
            raise Invalid("credentials.password.config must be an object")
        plain, hashed = config.get("password"), config.get("hashed_password")
        if isinstance(plain, str) and plain:
            hashed = await svc.hasher.hash_async(plain)
        elif isinstance(hashed, str) and hashed:
            if not is_valid_hash_format(hashed):
                raise Invalid(BAD_HASH)
        elif config.get("use_password_migration_hook"):
            hashed = None
        else:
            raise Invalid("credentials.password.config needs password or hashed_password")
        cfg: dict[str, Any] = {"hashed_password": hashed} if hashed else {}
        if config.get("use_password_migration_hook"):
            cfg["use_password_migration_hook"] = True
        ident.credentials["password"] = Credential("password", [], cfg)
    oidc = body.get("oidc")
    if isinstance(oidc, dict):
        providers = (oidc.get("config") or {}).get("providers") or []
        if not isinstance(providers, list):
            raise Invalid("credentials.oidc.config.providers must be a list")
        stored, idents = [], []
        for p in providers:
            if not isinstance(p, dict) or not p.get("provider") or not p.get("subject"):
                raise Invalid("each oidc provider needs provider and subject")
            idents.append(f"{p['provider']}:{p['subject']}")
            stored.append(
                {
                    "subject": p["subject"],
                    "provider": p["provider"],
                    "initial_id_token": "",
                    "initial_access_token": "",
                    "initial_refresh_token": "",
                }
            )
        ident.credentials["oidc"] = Credential("oidc", idents, {"providers": stored})


def _imported_addresses(ident: Identity, body: dict[str, Any]) -> None:
    """Imported verifiable addresses keep their verified status when the schema derives them."""
    for raw in body.get("verifiable_addresses") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("value"), str):
            raise Invalid("verifiable_addresses entries need a value")
        for a in ident.verifiable_addresses:
            if a.value == raw["value"].strip().lower() and a.via == raw.get("via", a.via):
                a.verified = bool(raw.get("verified", False))
                a.status = str(raw.get("status") or ("completed" if a.verified else "pending"))
                if a.verified:
                    a.verified_at = now()


async def identity_from_create(svc: IdentityService, raw: Any) -> Identity:
    body = check_body(raw, "create")
    schema_id = body.get("schema_id") or svc.schemas.default_id
    if schema_id not in svc.schemas.by_id:
        raise Invalid(f"unable to find JSON Schema ID: {schema_id}")
    schema = svc.schemas.get(schema_id)
    validate_traits(schema, body["traits"])
    ident = Identity(
        schema_id=schema_id,
        traits=body["traits"],
        state=_state(body.get("state")),
        metadata_public=body.get("metadata_public"),
        metadata_admin=body.get("metadata_admin"),
        external_id=_external_id(body.get("external_id")),
        organization_id=_organization(body.get("organization_id")),
    )
    await import_credentials(svc, ident, body.get("credentials"))
    derive(schema, ident)
    _imported_addresses(ident, body)
    return ident


async def apply_update(svc: IdentityService, ident: Identity, raw: Any) -> Identity:
    """PUT semantics: schema, traits, state and metadata replaced; credentials only if given."""
    body = check_body(raw, "update")
    schema_id = body["schema_id"]
    if schema_id not in svc.schemas.by_id:
        raise Invalid(f"unable to find JSON Schema ID: {schema_id}")
    schema = svc.schemas.get(schema_id)
    validate_traits(schema, body["traits"])
    state = _state(body["state"])
    if state != ident.state:
        ident.state_changed_at = now()
    ident.schema_id, ident.traits, ident.state = schema_id, body["traits"], state
    ident.metadata_public = body.get("metadata_public")
    ident.metadata_admin = body.get("metadata_admin")
    if "external_id" in body:
        ident.external_id = _external_id(body.get("external_id"))
    await import_credentials(svc, ident, body.get("credentials"))
    derive(schema, ident)
    ident.updated_at = now()
    return ident


_FORBIDDEN = ("/id", "/state_changed_at", "/credentials")


def _check_patch(ops: Any) -> list[dict[str, Any]]:
    if not isinstance(ops, list):
        raise Invalid("the JSON Patch must be an array of operations")
    for op in ops:
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise Invalid("every JSON Patch operation needs op and path")
        path = op["path"]
        if path in _FORBIDDEN or path.startswith("/credentials/oidc"):
            raise Invalid(f"patch includes denied path: {path}")
    return ops


async def apply_patch(svc: IdentityService, ident: Identity, ops: Any) -> Identity:
    """RFC 6902 over the admin JSON; ``replace`` of a missing key acts as ``add`` (as Kratos)."""
    doc = ident.to_json("", admin=True, include_config=frozenset({"password"}))
    prepared = []
    for op in _check_patch(ops):
        if op.get("op") == "replace":
            try:
                jsonpointer.resolve_pointer(doc, op["path"])
            except jsonpointer.JsonPointerException:
                op = {**op, "op": "add"}
        prepared.append(op)
    try:
        patched = jsonpatch.apply_patch(doc, prepared)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise Invalid(f"unable to apply JSON Patch: {exc}") from exc
    except (TypeError, KeyError, ValueError) as exc:
        raise Invalid(f"unable to apply JSON Patch: {exc}") from exc
    if not isinstance(patched, dict):
        raise Invalid("the patched identity is not an object")
    body: dict[str, Any] = {
        k: patched.get(k)
        for k in ("schema_id", "traits", "state", "metadata_public", "metadata_admin")
    }
    body["external_id"] = patched.get("external_id")
    new_hash = (((patched.get("credentials") or {}).get("password") or {}).get("config") or {}).get(
        "hashed_password"
    )
    old = ident.credentials.get("password")
    if new_hash and (old is None or old.config.get("hashed_password") != new_hash):
        body["credentials"] = {"password": {"config": {"hashed_password": new_hash}}}
    return await apply_update(svc, ident, body)
