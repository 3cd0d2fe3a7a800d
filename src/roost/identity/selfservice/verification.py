"""The verification flow (``selfservice/flow/verification``, ``strategy/code|link``).

A used code or link marks the verifiable address ``verified`` (``status:
completed``, ``verified_at``) in the same transaction that completes the
flow (message 1080002). When verification is enabled, a registration sends
a code (or link) to each unverified e-mail address, each in a verification
flow of its own reported as ``continue_with: show_verification_ui`` —
Kratos's ``verification`` after-hook, which it runs whenever the flow is on.
"""

from __future__ import annotations

from typing import Any, Literal

from roost.identity import text
from roost.identity.identities.model import Identity
from roost.identity.recovery_config import AddressConfig
from roost.identity.selfservice.address_flow import AddressFlow, AddressHooks, Mailer
from roost.identity.selfservice.codes import CodeHmac, CodeStore, OneTimeCode
from roost.identity.selfservice.flow import Flow, csrf_node
from roost.identity.selfservice.flows import Flows, Start, Submission


class Verification(AddressFlow):
    kind = "verification"

    def __init__(
        self,
        flows: Flows,
        codes: CodeStore,
        hmac: CodeHmac,
        mailer: Mailer,
        cfg: AddressConfig,
        *,
        ui_url: str,
        return_url: str,
        hooks: AddressHooks | None = None,
    ) -> None:
        super().__init__(flows, codes, hmac, mailer, cfg, hooks)
        self.ui_url = ui_url
        self.return_url = return_url

    def mail_values(self, f: Flow, method: str, value: str) -> dict[str, str]:
        if method == "code":
            return {"VerificationCode": value, "VerificationURL": self.link(f, "code", value)}
        return {"VerificationURL": self.link(f, "token", value)}

    async def succeed(
        self, f: Flow, code: OneTimeCode, method: str, sub: Submission
    ) -> Flow | None:
        f.state, f.messages = "passed_challenge", [text.verification_successful()]
        target = f.return_to or self.return_url
        f.nodes = [
            csrf_node(f.csrf_token),
            {
                "type": "a",
                "group": "code" if method == "code" else "link",
                "attributes": {
                    "href": target,
                    "title": text.label_continue(),
                    "id": "continue",
                    "node_type": "a",
                },
                "messages": [],
                "meta": {"label": text.label_continue()},
            },
        ]
        if not await self.codes.redeem(code, f, verify=True):
            return None
        if self.hooks is not None:
            found = code.address_id
            ident = await self.codes.verified_identity(found) if found is not None else None
            await self.after_hooks(f, ident, None, sub)
        return f

    async def after_registration(
        self, identity: Identity, registration: Flow, csrf_token: str
    ) -> list[Any]:
        """Kratos's verification hook: a flow and a mail per unverified e-mail address."""
        if not self.cfg.verification.enabled:
            return []
        method = self.cfg.verification.use
        out: list[Any] = []
        for address in identity.verifiable_addresses:
            if address.verified or address.via != "email":
                continue
            kind: Literal["api", "browser"] = "browser" if registration.browser else "api"
            url = f"{self.public_url}/self-service/verification/{kind}"
            f = self.flows.new(
                "verification",
                Start(url, kind, csrf_token=csrf_token),
                self.initial_nodes(),
            )
            await self.flows.store.create(f)
            self.mark_sent(f, method, address.value)
            await self.issue(f, method, address.value, identity, address)
            sep = "&" if "?" in self.ui_url else "?"
            flow = {"id": str(f.id), "verifiable_address": address.value}
            flow["url"] = f"{self.ui_url}{sep}flow={f.id}"
            out.append({"action": "show_verification_ui", "flow": flow})
        return out
