"""The ``webauthn`` and ``passkey`` methods: keys added and removed in settings, a key as
the second factor at an aal2 login (``webauthn``), a passkey as the sign-in (``passkey``).

Every ceremony is the library's (``credentials/webauthn_keys.py``); this
module shows its options in Kratos's nodes, keeps the challenge in the
flow's ``internal_context`` and stores the verified keys as the identity's
credential (``{"credentials": [...], "user_handle"}``; the user handle is
the identity id's 16 bytes, which is also a passkey credential's
identifier). An assertion's sign count is written back in the same
transaction that checks it (``Spender``), so a replayed assertion fails.
Each form with such nodes carries the ``script`` node of Roost's own
``/.well-known/ory/webauthn.js`` (``webauthn_script.py``), whose functions the
buttons' ``onclickTrigger`` (and the legacy ``onclick``) name, as Kratos's do.
"""

from __future__ import annotations

import base64
import copy
import uuid
from datetime import datetime
from typing import Any, Protocol

from roost.identity import mfa_text, text
from roost.identity.credentials import webauthn_keys as keys
from roost.identity.identities.manager import derive
from roost.identity.identities.model import Credential, Identity
from roost.identity.schemas.manager import IdentitySchema
from roost.identity.selfservice.flow import Flow, Node, input_node
from roost.identity.selfservice.flows import FormError
from roost.identity.selfservice.settings import Change
from roost.identity.selfservice.step_up import Spender
from roost.identity.selfservice.webauthn_script import script_node

TRIGGERS = {
    "webauthn": ("oryWebAuthnRegistration", "oryWebAuthnLogin"),
    "passkey": ("oryPasskeySettingsRegistration", "oryPasskeyLogin"),
}
AUTOCOMPLETE = "oryPasskeyLoginAutocompleteInit"
"""The passkey login button's ``onloadTrigger``: conditional UI on the identifier field."""
REGISTER = {"webauthn": "webauthn_register", "passkey": "passkey_settings_register"}
"""The field a new key's attestation comes back in (Kratos's SDK names)."""


def _challenge_key(kind: str) -> str:
    return f"{kind}_challenge"


def _entries(identity: Identity, kind: str) -> list[dict[str, Any]]:
    cred = identity.credentials.get(kind)
    found = cred.config.get("credentials") if cred is not None else None
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def _button(name: str, group: str, options: str, trigger: str, label: text.Text) -> Node:
    """A trigger button; ``onclick`` is the legacy form Kratos still sends (the options
    inline for WebAuthn, none for passkeys, whose script reads them from the form)."""
    n = input_node(name, group, "button", value=options, label=label)
    n["attributes"]["onclick"] = f"window.{trigger}({options})"
    n["attributes"]["onclickTrigger"] = trigger
    return n


def _fail(f: Flow, name: str, message: text.Text) -> FormError:
    f.attach(name, message)
    return FormError(f)


def _hex(entry: dict[str, Any]) -> str:
    raw = str(entry["id"])
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).hex()


def _remove_node(kind: str, entry: dict[str, Any]) -> Node:
    name = str(entry.get("display_name") or "unnamed")
    added = str(entry.get("added_at") or "")
    try:
        unix = int(datetime.fromisoformat(added.rstrip("Z")).timestamp()) if added else 0
    except ValueError:
        unix = 0
    label = mfa_text.remove_key(kind, name, added, unix)
    return input_node(f"{kind}_remove", kind, "submit", value=_hex(entry), label=label)


class KeySettings:
    """``method: webauthn`` or ``passkey`` in settings: add a key, remove one."""

    def __init__(self, kind: str, rp: keys.RelyingParty, *, public_url: str) -> None:
        self.kind = kind
        self.rp = rp
        self.public_url = public_url

    def claims(self, body: dict[str, Any]) -> bool:
        return bool(body.get(REGISTER[self.kind]) or body.get(f"{self.kind}_remove"))

    def nodes(self, identity: Identity, schema: IdentitySchema, flow: Flow) -> list[Node]:
        k, existing = self.kind, _entries(identity, self.kind)
        options, challenge = keys.registration_options(
            self.rp, identity.id.bytes, str(identity.id), existing, resident=k == "passkey"
        )
        flow.internal_context[_challenge_key(k)] = challenge
        trigger = TRIGGERS[k][0]
        if k == "passkey":
            shown = [
                input_node("passkey_create_data", k, "hidden", value=options),
                _button("passkey_register_trigger", k, "", trigger, mfa_text.add_passkey()),
                input_node(REGISTER[k], k, "hidden"),
            ]
        else:
            shown = [
                input_node(
                    "webauthn_register_displayname", k, "text", label=mfa_text.security_key_name()
                ),
                _button(
                    "webauthn_register_trigger", k, options, trigger, mfa_text.add_security_key()
                ),
                input_node("webauthn_register", k, "hidden"),
            ]
        removals = [_remove_node(k, e) for e in existing]
        return [*shown, *removals, script_node(self.public_url, k)]

    async def update(self, change: Change) -> Identity:
        f, body, k = change.flow, change.body, self.kind
        updated = copy.deepcopy(change.identity)
        removed = body.get(f"{k}_remove")
        if isinstance(removed, str) and removed:
            change.require_privileged()
            kept = [e for e in _entries(updated, k) if _hex(e) != removed.lower()]
            if len(kept) == len(_entries(updated, k)):
                raise _fail(f, f"{k}_remove", mfa_text.no_webauthn())
            self._store(updated, kept)
        else:
            field = REGISTER[k]
            response = body.get(field)
            if not isinstance(response, str) or not response:
                raise _fail(f, field, text.required(field))
            change.require_privileged()
            challenge = f.internal_context.get(_challenge_key(k))
            name = body.get("webauthn_register_displayname")
            try:
                entry = keys.registered(
                    self.rp,
                    response,
                    str(challenge or ""),
                    name if isinstance(name, str) else "",
                    passwordless=k == "passkey",
                )
            except keys.CeremonyFailed:
                raise _fail(f, field, mfa_text.webauthn_wrong()) from None
            self._store(updated, [*_entries(updated, k), entry])
            if k == "webauthn":
                change.authenticated_with("webauthn", "aal2")
        derive(change.schema, updated)
        return updated

    def _store(self, identity: Identity, entries: list[dict[str, Any]]) -> None:
        if not entries:
            identity.credentials.pop(self.kind, None)
            return
        handle = base64.urlsafe_b64encode(identity.id.bytes).decode().rstrip("=")
        config = {"credentials": entries, "user_handle": handle}
        identity.credentials[self.kind] = Credential(self.kind, [str(identity.id)], config)


async def _check(
    spender: Spender,
    rp: keys.RelyingParty,
    f: Flow,
    identity: Identity,
    kind: str,
    response: str,
) -> bool:
    """Verify an assertion by one of ``identity``'s keys and record its sign count."""
    wanted = keys.credential_id(response)
    challenge = str(f.internal_context.get(_challenge_key(kind)) or "")

    def decide(config: dict[str, Any]) -> dict[str, Any] | None:
        for entry in config.get("credentials") or []:
            if isinstance(entry, dict) and entry.get("id") == wanted:
                try:
                    entry["sign_count"] = keys.asserted(rp, response, challenge, entry)
                except keys.CeremonyFailed:
                    return None
                return config
        return None

    return wanted is not None and await spender.spend(identity.id, kind, decide)


class KeyLogin:
    """``method: webauthn`` as the second factor at an aal2 login."""

    def __init__(self, rp: keys.RelyingParty, spender: Spender, *, public_url: str) -> None:
        self.rp = rp
        self.spender = spender
        self.public_url = public_url

    def login_nodes(self, identity: Identity, flow: Flow) -> list[Node]:
        existing = _entries(identity, "webauthn")
        if not existing:
            return []
        options, challenge = keys.authentication_options(self.rp, existing)
        flow.internal_context[_challenge_key("webauthn")] = challenge
        label = mfa_text.sign_in_with_key()
        return [
            _button("webauthn_login_trigger", "webauthn", options, TRIGGERS["webauthn"][1], label),
            input_node("webauthn_login", "webauthn", "hidden"),
            script_node(self.public_url, "webauthn"),
        ]

    async def verify(self, f: Flow, identity: Identity, body: dict[str, Any]) -> None:
        response = body.get("webauthn_login")
        if not isinstance(response, str) or not response:
            raise _fail(f, "webauthn_login", text.required("webauthn_login"))
        if not await _check(self.spender, self.rp, f, identity, "webauthn", response):
            raise _fail(f, "webauthn_login", mfa_text.webauthn_wrong())


class PasskeyIdentities(Protocol):
    async def by_identifier(self, kind: str, identifier: str) -> Identity | None: ...


class PasskeyLogin:
    """``method: passkey``: a discoverable key signs in on its own (aal1, as Kratos)."""

    def __init__(
        self,
        rp: keys.RelyingParty,
        identities: PasskeyIdentities,
        spender: Spender,
        *,
        public_url: str,
    ) -> None:
        self.rp = rp
        self.identities = identities
        self.spender = spender
        self.public_url = public_url

    def flow_nodes(self, flow: Flow) -> list[Node]:
        options, challenge = keys.authentication_options(self.rp, [])
        flow.internal_context[_challenge_key("passkey")] = challenge
        label = mfa_text.sign_in_with_passkey()
        trigger = _button("passkey_login_trigger", "passkey", "", TRIGGERS["passkey"][1], label)
        trigger["attributes"].update(onload=f"window.{AUTOCOMPLETE}()", onloadTrigger=AUTOCOMPLETE)
        return [
            input_node("passkey_challenge", "passkey", "hidden", value=options),
            trigger,
            input_node("passkey_login", "passkey", "hidden"),
            script_node(self.public_url, "passkey"),
        ]

    async def authenticate(self, f: Flow, body: dict[str, Any]) -> Identity:
        response = body.get("passkey_login")
        if not isinstance(response, str) or not response:
            raise _fail(f, "passkey_login", text.required("passkey_login"))
        handle = keys.user_handle(response)
        ident = None
        if handle is not None and len(handle) == 16:
            ident = await self.identities.by_identifier("passkey", str(uuid.UUID(bytes=handle)))
        if ident is None:
            raise _fail(f, "passkey_login", mfa_text.no_webauthn_user())
        if not await _check(self.spender, self.rp, f, ident, "passkey", response):
            raise _fail(f, "passkey_login", mfa_text.webauthn_wrong())
        return ident
