"""The admin API's identity rules: building identities from bodies, and writing them.

Kratos never trusts a body for identifiers or addresses: they are derived
from the traits through the schema's ``ory.sh/kratos`` marks on every write
(``identity/extension_credentials.go``). Imported credentials are a cleartext
password (hashed with the configured hasher, policy not applied, as Kratos
does on import) or a hash of a known family, kept as is. Bodies are decoded
strictly: an unknown field is a 400, like Go's ``DisallowUnknownFields``.
Every write is one call on the :class:`IdentityStore` (one transaction).
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

import jsonpatch
import jsonpointer

from roost.core.errors import Conflict, Invalid, NotFound
from roost.identity.credentials.hashing import is_valid_hash_format
from roost.identity.identities.bodies import check_body
from roost.identity.identities.model import (
    CREDENTIAL_KINDS,
    STATES,
    Address,
    Credential,
    Identity,
    now,
)
from roost.identity.schemas.manager import IdentitySchema, Schemas
from roost.identity.validation import check_identity, check_password

BAD_HASH = "The imported password does not match any known hash format."
IDENTITY_CONFLICT = "This identity conflicts with another identity that already exists."
NOT_FOUND = "Unable to locate the resource"


class IdentityStore(Protocol):
    """The reads and writes the admin rules need; each write is one transaction."""

    async def get(self, identity_id: uuid.UUID) -> Identity | None: ...

    async def create(self, ident: Identity) -> None:
        """Insert with credentials and addresses; Conflict on a duplicate identifier."""
        ...

    async def save(self, ident: Identity) -> None:
        """Overwrite with credentials and addresses; NotFound when it is gone."""
        ...

    async def remove(self, identity_id: uuid.UUID) -> bool: ...


class Hasher(Protocol):
    async def hash_async(self, password: str) -> str: ...

    @property
    def max_bytes(self) -> int | None: ...


def derive(schema: IdentitySchema, ident: Identity) -> None:
    """Recompute password identifiers and addresses from the traits (keeping verified state)."""
    ids = schema.identifiers(ident.traits)
    if ids or "password" in ident.credentials:
        cred = ident.credentials.get("password") or Credential("password", [], {})
        cred.identifiers = ids
        ident.credentials["password"] = cred
    codes = schema.code_addresses(ident.traits)
    if codes:  # passwordless login by code (decision 0023), Kratos's credential shape
        addresses = [{"channel": via, "address": value} for via, value in codes]
        cred = ident.credentials.get("code") or Credential("code", [], {})
        cred.identifiers, cred.config = [v for _, v in codes], {"addresses": addresses}
        ident.credentials["code"] = cred
    old_v = {(a.via, a.value): a for a in ident.verifiable_addresses}
    ident.verifiable_addresses = [
        old_v.get(pair) or Address(*pair) for pair in schema.addresses(ident.traits, "verification")
    ]
    old_r = {(a.via, a.value): a for a in ident.recovery_addresses}
    ident.recovery_addresses = [
        old_r.get(pair) or Address(*pair) for pair in schema.addresses(ident.traits, "recovery")
    ]
    check_identity(schema, ident)


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


async def import_credentials(hasher: Hasher, ident: Identity, body: Any) -> None:
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
            check_password(plain, hasher.max_bytes, "credentials.password.config.password")
            hashed = await hasher.hash_async(plain)
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


def patched_body(ident: Identity, ops: Any) -> dict[str, Any]:
    """RFC 6902 over the admin JSON, as an update body; ``replace`` of a missing key adds."""
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
    return body


class IdentityManager:
    """Create, update, patch and delete identities through the admin API's rules."""

    def __init__(self, store: IdentityStore, schemas: Schemas, hasher: Hasher) -> None:
        self.store = store
        self.schemas = schemas
        self.hasher = hasher

    def _schema(self, schema_id: str) -> IdentitySchema:
        if schema_id not in self.schemas.by_id:
            raise Invalid(f"unable to find JSON Schema ID: {schema_id}")
        return self.schemas.get(schema_id)

    async def get(self, identity_id: uuid.UUID) -> Identity:
        found = await self.store.get(identity_id)
        if found is None:
            raise NotFound(message=NOT_FOUND)
        return found

    async def from_create(self, raw: Any) -> Identity:
        """The identity a create body describes (not yet written)."""
        body = check_body(raw, "create")
        schema_id = body.get("schema_id") or self.schemas.default_id
        schema = self._schema(schema_id)
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
        await import_credentials(self.hasher, ident, body.get("credentials"))
        derive(schema, ident)
        _imported_addresses(ident, body)
        check_identity(schema, ident)
        return ident

    async def _write(self, ident: Identity, *, new: bool) -> Identity:
        try:
            await (self.store.create(ident) if new else self.store.save(ident))
        except Conflict:
            raise Conflict(IDENTITY_CONFLICT) from None
        return ident

    async def create(self, raw: Any) -> Identity:
        return await self._write(await self.from_create(raw), new=True)

    async def _apply_update(self, ident: Identity, raw: Any) -> Identity:
        """PUT semantics: schema, traits, state and metadata replaced; credentials only if given."""
        body = check_body(raw, "update")
        schema_id = body["schema_id"]
        schema = self._schema(schema_id)
        validate_traits(schema, body["traits"])
        state = _state(body["state"])
        if state != ident.state:
            ident.state_changed_at = now()
        ident.schema_id, ident.traits, ident.state = schema_id, body["traits"], state
        ident.metadata_public = body.get("metadata_public")
        ident.metadata_admin = body.get("metadata_admin")
        if "external_id" in body:
            ident.external_id = _external_id(body.get("external_id"))
        await import_credentials(self.hasher, ident, body.get("credentials"))
        derive(schema, ident)
        ident.updated_at = now()
        return ident

    async def update(self, ident: Identity, raw: Any) -> Identity:
        """Apply a PUT body to ``ident`` (loaded first: a missing identity is a 404 before
        its body is read) and write it."""
        return await self._write(await self._apply_update(ident, raw), new=False)

    async def patch(self, ident: Identity, ops: Any) -> Identity:
        """Apply a JSON Patch to ``ident`` and write it."""
        updated = await self._apply_update(ident, patched_body(ident, ops))
        return await self._write(updated, new=False)

    async def delete(self, identity_id: uuid.UUID) -> None:
        if not await self.store.remove(identity_id):
            raise NotFound(message=NOT_FOUND)

    async def delete_credential(
        self, identity_id: uuid.UUID, kind: str, identifier: str | None
    ) -> None:
        """Remove one credential, or one provider of an ``oidc``/``saml`` credential."""
        ident = await self.get(identity_id)
        if kind not in CREDENTIAL_KINDS:
            raise Invalid(f"unknown credentials type {kind!r}")
        if kind not in ident.credentials:
            raise NotFound(message=NOT_FOUND)
        cred = ident.credentials[kind]
        if kind in ("oidc", "saml") and identifier:
            providers = [
                p
                for p in cred.config.get("providers", [])
                if f"{p.get('provider')}:{p.get('subject')}" != identifier
            ]
            cred.config = {**cred.config, "providers": providers}
            cred.identifiers = [i for i in cred.identifiers if i != identifier]
            if not providers:
                del ident.credentials[kind]
        elif kind in ("oidc", "saml"):
            raise Invalid("the identifier query parameter is required for oidc and saml")
        else:
            del ident.credentials[kind]
        ident.updated_at = now()
        await self._write(ident, new=False)
