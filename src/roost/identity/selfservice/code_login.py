"""Passwordless login by a code mailed to the identity (``selfservice.methods.code``
with ``passwordless_enabled``; Kratos's ``strategy/code`` login, decision 0023).

Two submits of ``method: code``. With ``identifier`` (a trait marked
``credentials.code.identifier`` in the schema, kept as the identity's ``code``
credential) a six-digit code is mailed (``login_code_valid`` with
``LoginCode``) and the flow comes back in state ``sent_email`` with the code
form — as a 400 with the flow, Kratos's answer. With ``code`` the flow's
``submit_count`` goes up first and past ``max_submissions`` every submit is
refused; a matching unused code signs the identity in (the session's method
is ``code``). Issuing and redeeming are ``mailed_code``'s. Kratos says when
no identity has the identifier (4000035), so this form does, too.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from roost.identity import text
from roost.identity.identities.model import Identity
from roost.identity.selfservice.address_flow import code_input, submit_node
from roost.identity.selfservice.flow import Flow, Node, csrf_node, input_node
from roost.identity.selfservice.flows import FormError
from roost.identity.selfservice.mailed_code import MailedCode


class CodeIdentities(Protocol):
    async def by_identifier(self, kind: str, identifier: str) -> Identity | None: ...

    async def get(self, identity_id: uuid.UUID) -> Identity | None: ...


def _sent_nodes(f: Flow, identifier: str) -> list[Node]:
    return [
        csrf_node(f.csrf_token),
        input_node("identifier", "code", "hidden", value=identifier, required=True),
        code_input(text.label_login_code()),
        submit_node("code", text.label_continue()),
        input_node("resend", "code", "submit", value="code", label=text.resend_code()),
    ]


async def mail_login_code(
    sender: MailedCode, f: Flow, identity: Identity, address: str, save: bool = False
) -> None:
    """Issue a login code for ``identity`` and queue Kratos's ``login_code_valid`` mail
    (first factor and second alike)."""
    value = await sender.issue(f, address, identity.id, save=save)
    await sender.mailer.queue_email(
        "login_code_valid",
        address,
        {
            "LoginCode": value,
            "Identity": {"id": str(identity.id), "traits": identity.traits},
            "RequestURL": f.request_url,
            "ExpiresInMinutes": sender.minutes,
        },
    )


class CodeLogin(MailedCode):
    """``LoginStrategy`` for ``method: code``."""

    flow_kind = "login"

    def __init__(self, identities: CodeIdentities, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.identities = identities

    def nodes(self) -> list[Node]:
        """Beside the login form: the button that asks for a code."""
        return [submit_node("code", text.send_sign_in_code())]

    async def authenticate(self, f: Flow, body: dict[str, Any]) -> Identity:
        if f.state != "sent_email" or body.get("resend"):
            await self._send(f, body)
        return await self._verify(f, body)

    async def _send(self, f: Flow, body: dict[str, Any]) -> None:
        raw = body.get("identifier")
        identifier = raw.strip().lower() if isinstance(raw, str) else ""
        if not identifier:
            f.attach("identifier", text.required("identifier"))
            raise FormError(f)
        found = await self.identities.by_identifier("code", identifier)
        if found is None or found.state != "active":
            f.attach("identifier", text.no_code_user())
            raise FormError(f)
        await mail_login_code(self, f, found, identifier)
        f.state, f.active = "sent_email", "code"
        f.nodes = _sent_nodes(f, identifier)
        f.messages = [text.login_code_sent()]
        raise FormError(f)

    async def _verify(self, f: Flow, body: dict[str, Any]) -> Identity:
        await self.count(f)
        found = await self.redeem(f, body, text.login_code_invalid())
        ident = await self.identities.get(found.identity_id) if found.identity_id else None
        if ident is None or ident.state != "active":
            f.messages = [text.login_code_invalid()]
            raise FormError(f)
        return ident
