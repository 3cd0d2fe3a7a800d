"""The mailed code as a second factor (``selfservice.methods.code.mfa_enabled``; Kratos's
``strategy/code`` at ``aal=aal2``, decision 0035).

An aal2 login offers one ``address`` submit button (group ``code``, label
1010023 "Send code to …") per address of the identity's ``code`` credential
(the traits marked ``credentials.code.identifier``; Roost's courier mails, so
``email`` ones); the init's ``via`` (a trait name) narrows them to that trait's
address. When one address is left and the identity has no other second
factor, the code is mailed as the flow is made (Kratos's ``FastLogin2FA``).
Sending: a submit naming one of those addresses (``address``, or ``identifier``
as older clients and the resend button post it) mails a code issued for the
signed-in identity; an address of anyone else is refused (4010010) and
nothing is mailed. Verifying: ``mailed_code``'s attempt limit, and the code
must have been issued for the session's identity in this flow. The login then
adds ``code`` at aal2 to the session's ``authentication_methods``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from roost.core.errors import Invalid
from roost.identity import mfa_text, text
from roost.identity.identities.model import Identity
from roost.identity.selfservice.address_flow import code_input, submit_node
from roost.identity.selfservice.code_login import mail_login_code
from roost.identity.selfservice.flow import Flow, Node, csrf_node, input_node, trait_value
from roost.identity.selfservice.flows import FormError
from roost.identity.selfservice.mailed_code import MailedCode
from roost.identity.selfservice.step_up import Pending
from roost.identity.sessions import aal

CHANNEL = "email"
"""The only channel Roost's courier delivers (``courier.smtp``)."""


def addresses(identity: Identity) -> list[str]:
    """The identity's code addresses it can be mailed at, in the credential's order."""
    found = aal.code_addresses(identity.credentials.get("code"))
    return [to for via, to in found if via == CHANNEL]


def _via(f: Flow, identity: Identity, offered: list[str]) -> list[str]:
    """``?via=<trait>`` of the init: that trait's address only (Kratos's 400 otherwise)."""
    via = parse_qs(urlsplit(f.request_url).query).get("via")
    if not via:
        return offered
    value = trait_value(identity.traits, via[0][:256])
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"No value found for trait {via[0][:64]} in the current identity.")
    chosen = value.strip().lower()
    if chosen not in offered:
        raise Invalid(
            "You can only reference a trait that matches a verification email address in the "
            "via parameter, or a registered credential."
        )
    return [chosen]


def _sent_nodes(f: Flow, address: str) -> list[Node]:
    shown = input_node(
        "identifier",
        "code",
        "hidden",
        value=address,
        label=mfa_text.send_code_to(address, CHANNEL),
    )
    return [
        shown,
        input_node("method", "code", "hidden", value="code"),
        code_input(text.label_login_code()),
        submit_node("code", text.label_continue()),
        input_node("resend", "code", "submit", value="code", label=text.resend_code()),
        csrf_node(f.csrf_token),
    ]


class CodeSecondFactor(MailedCode):
    """``SecondFactor`` for ``method: code`` (or a bare ``address`` submit)."""

    flow_kind = "login"

    def login_nodes(self, identity: Identity, flow: Flow) -> list[Node]:
        offered = _via(flow, identity, addresses(identity))
        return [
            input_node(
                "address",
                "code",
                "submit",
                value=to,
                label=mfa_text.send_code_to(to, CHANNEL),
            )
            for to in offered
        ]

    async def start(self, f: Flow, identity: Identity) -> None:
        """Mail the code right away when the flow offers one address and no other factor
        (the flow is stored already: the code refers to it)."""
        buttons = [n for n in f.nodes if n["attributes"].get("name") == "address"]
        others = {n["group"] for n in f.nodes} - {"code", "default"}
        if len(buttons) == 1 and not others:
            await self._send(f, identity, str(buttons[0]["attributes"]["value"]), save=True)

    async def verify(self, f: Flow, identity: Identity, body: dict[str, Any]) -> None:
        if f.state != "sent_email" or body.get("resend"):
            raw = body.get("address") or body.get("identifier")
            chosen = raw.strip().lower() if isinstance(raw, str) else ""
            if not chosen:
                f.attach("identifier", text.required("identifier"))
                raise FormError(f)
            if chosen not in addresses(identity):
                f.messages = [mfa_text.address_unknown()]
                raise FormError(f)
            await self._send(f, identity, chosen)
            raise Pending(f)
        await self.count(f)
        await self.redeem(f, body, text.login_code_invalid(), owner=identity.id)

    async def _send(self, f: Flow, identity: Identity, address: str, save: bool = False) -> None:
        f.state, f.active = "sent_email", "code"
        f.nodes = _sent_nodes(f, address)
        f.messages = [mfa_text.code_sent_to_you()]
        await mail_login_code(self, f, identity, address, save=save)
