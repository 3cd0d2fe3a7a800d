"""The ``totp`` method: linking and unlinking in settings, the code at an aal2 login.

Linking: a settings flow of an identity without TOTP carries a new key (its
``otpauth://`` URL sealed in the flow's ``internal_context``), shown as a QR
code and as text; a submit with ``totp_code`` valid for that key, from a
privileged session, stores it as the identity's ``totp`` credential
(``totp_url`` sealed, see ``credentials/secrets_box.py``). ``totp_unlink``
removes it. Login: ``totp_code`` is checked against the credential, and the
step it matched is recorded, so the same code cannot be used twice.
"""

from __future__ import annotations

import copy
from typing import Any, Protocol

from roost.identity import mfa_text, text
from roost.identity.credentials import totp
from roost.identity.identities.manager import derive
from roost.identity.identities.model import Credential, Identity
from roost.identity.schemas.manager import EXT, IdentitySchema
from roost.identity.selfservice.factor_nodes import image_node, shown_node, text_node, truthy
from roost.identity.selfservice.flow import Flow, Node, input_node, trait_value
from roost.identity.selfservice.flows import FormError
from roost.identity.selfservice.settings import Change
from roost.identity.selfservice.step_up import Spender

PENDING = "totp_url"
"""``internal_context`` key of the sealed key URL being linked (Kratos's key name)."""


class Sealer(Protocol):
    def seal(self, value: str) -> str: ...

    def open(self, sealed: str) -> str | None: ...


def _fail(f: Flow, name: str, message: text.Text) -> FormError:
    f.attach(name, message)
    return FormError(f)


def _secret(box: Sealer, config: dict[str, Any]) -> str | None:
    """The key of a stored credential: sealed by Roost, or Kratos's ``totp_url`` in clear."""
    sealed = config.get("sealed_totp_url")
    url = box.open(sealed) if isinstance(sealed, str) else config.get("totp_url")
    try:
        return totp.secret_of(url) if isinstance(url, str) and url else None
    except ValueError:  # a malformed imported URL is no key
        return None


def account_name(schema: IdentitySchema, identity: Identity) -> str:
    """The trait marked ``credentials.totp.account_name`` (the app shows it), else the id."""
    for f in schema.fields:
        marks = (f.schema.get(EXT) or {}).get("credentials") or {}
        if (marks.get("totp") or {}).get("account_name"):
            value = trait_value(identity.traits, f.path)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return str(identity.id)


class TotpSettings:
    """``method: totp`` in settings."""

    def __init__(self, box: Sealer, issuer: str) -> None:
        self.box = box
        self.issuer = issuer

    def _pending(self, flow: Flow, identity: Identity, schema: IdentitySchema) -> str:
        sealed = flow.internal_context.get(PENDING)
        url = self.box.open(sealed) if isinstance(sealed, str) else None
        if url is None:
            url = totp.key_url(totp.new_secret(), self.issuer, account_name(schema, identity))
            flow.internal_context[PENDING] = self.box.seal(url)
        return url

    def claims(self, body: dict[str, Any]) -> bool:
        return truthy(body.get("totp_unlink"))

    def nodes(self, identity: Identity, schema: IdentitySchema, flow: Flow) -> list[Node]:
        if "totp" in identity.credentials:
            flow.internal_context.pop(PENDING, None)
            unlink = mfa_text.unlink_totp()
            return [
                input_node(
                    "totp_unlink", "totp", "submit", value="true", required=True, label=unlink
                )
            ]
        self._pending(flow, identity, schema)
        # The key is stored sealed in the context only; ``reveal`` shows it when rendering.
        return [
            image_node("totp_qr", "totp", "", 256, mfa_text.totp_qr()),
            text_node(
                "totp_secret_key", "totp", mfa_text.totp_secret(""), mfa_text.totp_secret_label()
            ),
            input_node("totp_code", "totp", "text", required=True, label=mfa_text.verify_code()),
            input_node("method", "totp", "submit", value="totp", label=text.save()),
        ]

    def reveal(self, flow: Flow) -> None:
        """Fill the QR code and the key text of a flow about to be shown (never stored)."""
        sealed = flow.internal_context.get(PENDING)
        url = self.box.open(sealed) if isinstance(sealed, str) else None
        qr, key = shown_node(flow.nodes, "totp_qr"), shown_node(flow.nodes, "totp_secret_key")
        if url is None or qr is None or key is None:
            return
        qr["attributes"]["src"] = totp.qr_data_uri(url)
        key["attributes"]["text"] = mfa_text.totp_secret(totp.secret_of(url))

    async def update(self, change: Change) -> Identity:
        f, body = change.flow, change.body
        updated = copy.deepcopy(change.identity)
        if truthy(body.get("totp_unlink")):
            change.require_privileged()
            if updated.credentials.pop("totp", None) is None:
                raise _fail(f, "totp_unlink", mfa_text.no_totp())
            derive(change.schema, updated)
            return updated
        code = body.get("totp_code")
        if not isinstance(code, str) or not code:
            raise _fail(f, "totp_code", text.required("totp_code"))
        change.require_privileged()
        sealed = f.internal_context.get(PENDING)
        url = self.box.open(sealed) if isinstance(sealed, str) else None
        step = totp.accepted_step(totp.secret_of(url), code.strip(), -1) if url else None
        if url is None or step is None:
            raise _fail(f, "totp_code", mfa_text.totp_wrong())
        config = {"sealed_totp_url": self.box.seal(url), "last_step": step}
        updated.credentials["totp"] = Credential("totp", [str(updated.id)], config)
        f.internal_context.pop(PENDING, None)
        change.authenticated_with("totp", "aal2")
        derive(change.schema, updated)
        return updated


class TotpLogin:
    """``method: totp`` at an aal2 login."""

    def __init__(self, box: Sealer, spender: Spender) -> None:
        self.box = box
        self.spender = spender

    def login_nodes(self, identity: Identity, _flow: Flow) -> list[Node]:
        if "totp" not in identity.credentials:
            return []
        return [
            input_node(
                "totp_code",
                "totp",
                "text",
                required=True,
                autocomplete="one-time-code",
                label=mfa_text.totp_code_label(),
            ),
            input_node("method", "totp", "submit", value="totp", label=mfa_text.use_totp()),
        ]

    async def verify(self, f: Flow, identity: Identity, body: dict[str, Any]) -> None:
        code = body.get("totp_code")
        if not isinstance(code, str) or not code:
            raise _fail(f, "totp_code", text.required("totp_code"))
        if "totp" not in identity.credentials:
            raise _fail(f, "totp_code", mfa_text.no_totp())

        def decide(config: dict[str, Any]) -> dict[str, Any] | None:
            secret = _secret(self.box, config)
            last = config.get("last_step")
            last_step = last if isinstance(last, int) else -1
            step = totp.accepted_step(secret, code.strip(), last_step) if secret else None
            return None if step is None else {**config, "last_step": step}

        if not await self.spender.spend(identity.id, "totp", decide):
            raise _fail(f, "totp_code", mfa_text.totp_wrong())
