"""The ``lookup_secret`` method: backup codes made in settings, each usable once at login.

Settings: ``lookup_secret_regenerate`` shows twelve new codes (kept sealed
in the flow until confirmed) and stays on the form; ``lookup_secret_confirm``
stores them as keyed hashes; ``lookup_secret_disable`` removes them. Every
change needs a privileged session. Codes are hashed at rest, so
``lookup_secret_reveal`` cannot show them again (decision 0024). Login: a
code matching an unused entry is marked used in the same transaction.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Protocol

from roost.identity import mfa_text, text
from roost.identity.credentials import lookup
from roost.identity.identities.manager import derive
from roost.identity.identities.model import Credential, Identity, now, ts
from roost.identity.schemas.manager import IdentitySchema
from roost.identity.selfservice.factor_nodes import shown_node, text_node, truthy
from roost.identity.selfservice.flow import Flow, Node, input_node
from roost.identity.selfservice.flows import FormError
from roost.identity.selfservice.settings import Change, StayOnForm
from roost.identity.selfservice.step_up import Spender

PENDING = "lookup_secret_codes"
"""``internal_context`` key of the sealed codes shown but not yet confirmed."""
BUTTONS = ("reveal", "regenerate", "confirm", "disable")


class Box(lookup.Digests, Protocol):
    def seal(self, value: str) -> str: ...

    def open(self, sealed: str) -> str | None: ...


def _button(name: str, label: text.Text) -> Node:
    return input_node(name, "lookup_secret", "submit", value="true", label=label)


def _fail(f: Flow, name: str, message: text.Text) -> FormError:
    f.attach(name, message)
    return FormError(f)


class LookupSettings:
    """``method: lookup_secret`` in settings."""

    def __init__(self, box: Box) -> None:
        self.box = box

    def _pending(self, flow: Flow) -> list[str] | None:
        sealed = flow.internal_context.get(PENDING)
        opened = self.box.open(sealed) if isinstance(sealed, str) else None
        return list(json.loads(opened)) if opened else None

    def claims(self, body: dict[str, Any]) -> bool:
        return any(truthy(body.get(f"lookup_secret_{b}")) for b in BUTTONS)

    def nodes(self, identity: Identity, schema: IdentitySchema, flow: Flow) -> list[Node]:
        if flow.internal_context.get(PENDING) is not None:
            # The codes are stored sealed in the context only; ``reveal`` shows them.
            shown = mfa_text.lookup_list([])
            return [
                text_node("lookup_secret_codes", "lookup_secret", shown, mfa_text.lookup_label()),
                _button("lookup_secret_confirm", mfa_text.confirm_lookup()),
            ]
        regenerate = _button("lookup_secret_regenerate", mfa_text.regenerate_lookup())
        if "lookup_secret" not in identity.credentials:
            return [regenerate]
        return [regenerate, _button("lookup_secret_disable", mfa_text.disable_lookup())]

    def reveal(self, flow: Flow) -> None:
        """Fill in the codes awaiting confirmation of a flow about to be shown (never stored)."""
        codes, shown = self._pending(flow), shown_node(flow.nodes, "lookup_secret_codes")
        if codes is not None and shown is not None:
            shown["attributes"]["text"] = mfa_text.lookup_list(codes)

    async def update(self, change: Change) -> Identity:
        f, body = change.flow, change.body
        if truthy(body.get("lookup_secret_reveal")):
            raise _fail(f, "lookup_secret_reveal", mfa_text.lookup_not_revealable())
        updated = copy.deepcopy(change.identity)
        if truthy(body.get("lookup_secret_regenerate")):
            change.require_privileged()
            f.internal_context[PENDING] = self.box.seal(json.dumps(lookup.new_codes()))
            raise StayOnForm()
        if truthy(body.get("lookup_secret_confirm")):
            change.require_privileged()
            codes = self._pending(f)
            if codes is None:
                raise _fail(f, "lookup_secret_confirm", mfa_text.no_lookup())
            config = lookup.stored(codes, self.box)
            updated.credentials["lookup_secret"] = Credential(
                "lookup_secret", [str(updated.id)], config
            )
            f.internal_context.pop(PENDING, None)
            change.authenticated_with("lookup_secret", "aal2")
        elif truthy(body.get("lookup_secret_disable")):
            change.require_privileged()
            if updated.credentials.pop("lookup_secret", None) is None:
                raise _fail(f, "lookup_secret_disable", mfa_text.no_lookup())
        else:
            f.messages.append(text.no_settings_strategy())
            raise FormError(f)
        derive(change.schema, updated)
        return updated


class LookupLogin:
    """``method: lookup_secret`` at an aal2 login."""

    def __init__(self, box: lookup.Digests, spender: Spender) -> None:
        self.box = box
        self.spender = spender

    def login_nodes(self, identity: Identity, _flow: Flow) -> list[Node]:
        if "lookup_secret" not in identity.credentials:
            return []
        label = mfa_text.lookup_code_label()
        return [
            input_node("lookup_secret", "lookup_secret", "text", required=True, label=label),
            input_node(
                "method",
                "lookup_secret",
                "submit",
                value="lookup_secret",
                label=mfa_text.use_lookup(),
            ),
        ]

    async def verify(self, f: Flow, identity: Identity, body: dict[str, Any]) -> None:
        code = body.get("lookup_secret")
        if not isinstance(code, str) or not code:
            raise _fail(f, "lookup_secret", text.required("lookup_secret"))
        if "lookup_secret" not in identity.credentials:
            raise _fail(f, "lookup_secret", mfa_text.no_lookup())
        outcome: list[text.Text] = []

        def decide(config: dict[str, Any]) -> dict[str, Any] | None:
            outcome.clear()
            found = lookup.find(config, code.strip().lower(), self.box)
            if found is None or found.get("used_at"):
                outcome.append(
                    mfa_text.lookup_invalid() if found is None else mfa_text.lookup_used()
                )
                return None
            found["used_at"] = ts(now())
            return config

        if not await self.spender.spend(identity.id, "lookup_secret", decide):
            raise _fail(f, "lookup_secret", outcome[0] if outcome else mfa_text.lookup_invalid())
