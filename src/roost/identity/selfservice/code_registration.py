"""Registration by a mailed code (``selfservice.methods.code`` with ``passwordless_enabled``;
Kratos's ``strategy/code`` registration, decision 0032).

Two submits of ``method: code``. With the traits, they are checked against the
schema and kept in the flow's ``internal_context``; a six-digit code is mailed
(``registration_code_valid`` with ``RegistrationCode``) to the first trait
marked ``credentials.code.identifier`` (via e-mail) and the flow comes back in state
``sent_email`` with the code form (a 400 with the flow, as Kratos answers).
With ``code``: the flow's ``submit_count`` goes up first, past
``max_submissions`` every submit is refused; traits sent again must be the
ones the code was mailed for; a matching unused code creates the identity
from the kept traits with the mailed address already verified (the code
proved the mailbox), without a password.
"""

from __future__ import annotations

from typing import Any

from roost.identity import text
from roost.identity.identities.manager import derive
from roost.identity.identities.model import Identity, now
from roost.identity.schemas.manager import IdentitySchema
from roost.identity.selfservice.address_flow import code_input, submit_node
from roost.identity.selfservice.flow import Flow, Node, input_node
from roost.identity.selfservice.flows import FormError
from roost.identity.selfservice.mailed_code import MailedCode

TRAITS = "registration_code_traits"
"""Where the flow keeps the traits the code was mailed for."""


class CodeRegistration(MailedCode):
    """``RegistrationStrategy`` for ``method: code``."""

    flow_kind = "registration"

    def nodes(self) -> list[Node]:
        """Beside the registration form: the button that mails a code."""
        return [submit_node("code", text.sign_up_with_code())]

    async def register(
        self, f: Flow, schema: IdentitySchema, traits: Any, body: dict[str, Any]
    ) -> Identity | None:
        f.active = "code"
        if f.state != "sent_email" or body.get("resend"):
            await self._send(f, schema, traits if not body.get("resend") else self._kept(f))
        return await self._verify(f, schema, traits, body)

    def _kept(self, f: Flow) -> Any:
        return f.internal_context.get(TRAITS)

    async def _send(self, f: Flow, schema: IdentitySchema, traits: Any) -> None:
        errors = schema.validate(traits)
        if errors:
            for name, message in errors:
                f.attach(name, message)
            raise FormError(f)
        addresses = [value for via, value in schema.code_addresses(traits) if via == "email"]
        if not addresses:
            f.messages.append(text.identifier_missing())
            raise FormError(f)
        address = addresses[0]
        value = await self.issue(f, address)
        await self.mailer.queue_email(
            "registration_code_valid",
            address,
            {
                "RegistrationCode": value,
                "Traits": traits,
                "RequestURL": f.request_url,
                "ExpiresInMinutes": self.minutes,
            },
        )
        f.internal_context[TRAITS] = traits
        f.state = "sent_email"
        f.nodes = [n for n in f.nodes if n["group"] not in ("password", "code")]
        f.nodes += [
            code_input(text.label_registration_code()),
            submit_node("code", text.label_continue()),
            input_node("resend", "code", "submit", value="code", label=text.resend_code()),
        ]
        f.messages = [text.registration_code_sent()]
        raise FormError(f)

    async def _verify(
        self, f: Flow, schema: IdentitySchema, traits: Any, body: dict[str, Any]
    ) -> Identity:
        kept = self._kept(f)
        await self.count(f)
        if traits not in ({}, None, kept):
            f.messages = [text.generic("The traits changed since the code was sent.")]
            raise FormError(f)
        if not isinstance(kept, dict):
            f.messages = [text.registration_code_invalid()]
            raise FormError(f)
        found = await self.redeem(f, body, text.registration_code_invalid())
        ident = Identity(schema_id=schema.id, traits=kept)
        derive(schema, ident)
        password = ident.credentials.get("password")
        if password is not None and "hashed_password" not in password.config:
            del ident.credentials["password"]  # identifiers only: no password to sign in with
        at = now()
        for address in ident.verifiable_addresses:
            if address.via == "email" and address.value == found.address:
                address.verified, address.status, address.verified_at = True, "completed", at
        return ident
