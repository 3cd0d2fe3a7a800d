"""The recovery flow (``selfservice/flow/recovery``, ``strategy/code|link`` recovery).

A used code or link signs the user in — a session whose method is
``code_recovery`` or ``link_recovery``, just authenticated, hence privileged
for ``privileged_session_max_age`` — and opens a settings flow carrying
message 1060001, where the user sets a new password. Kratos's
``continue_with`` transitions: an api flow gets ``set_ory_session_token``
then ``show_settings_ui``; a browser gets the session cookie and a 303 to
the settings UI. A self-service code also marks the address verified (an
admin's code does not: the admin never saw the mailbox). Admins create a
flow with a code or link for any identity (``/admin/recovery/code|link``);
such flows are opened from a link in any browser, so they skip CSRF.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

from roost.core.errors import NotFound
from roost.identity import text
from roost.identity.errors import KratosError
from roost.identity.identities.model import Identity, now, ts
from roost.identity.recovery_config import AddressConfig
from roost.identity.selfservice.address_flow import (
    AddressFlow,
    AddressHooks,
    Mailer,
    code_node,
    submit_node,
)
from roost.identity.selfservice.codes import (
    ADMIN,
    SELF_SERVICE,
    CodeHmac,
    CodeStore,
    OneTimeCode,
    new_code,
    new_token,
)
from roost.identity.selfservice.flow import SKIP_CSRF, Flow
from roost.identity.selfservice.flows import Flows, Start, Submission
from roost.identity.sessions.model import Device, Session


class RecoverySessions(Protocol):
    async def active(self, token: str | None) -> Session | None: ...

    def issue(self, identity: Identity, device: Device) -> Session: ...


class RecoveryIdentities(Protocol):
    async def get(self, identity_id: uuid.UUID) -> Identity | None: ...


class SettingsFlows(Protocol):
    async def create_flow(
        self, start: Start, messages: list[text.Text] | None = None, after_recovery: bool = False
    ) -> Flow: ...


def signed_in() -> KratosError:
    """Kratos's ``recovery.ErrAlreadyLoggedIn``."""
    return KratosError(
        400,
        "session_already_available",
        "A valid session was detected and thus recovery is not possible.",
        message="The request was malformed or contained invalid parameters",
    )


@dataclass(frozen=True)
class Recovered:
    flow: Flow
    session: Session
    settings: Flow


class Recovery(AddressFlow):
    kind = "recovery"

    def __init__(
        self,
        flows: Flows,
        codes: CodeStore,
        hmac: CodeHmac,
        mailer: Mailer,
        cfg: AddressConfig,
        *,
        sessions: RecoverySessions,
        identities: RecoveryIdentities,
        settings: SettingsFlows,
        privileged_max_age: timedelta,
        hooks: AddressHooks | None = None,
    ) -> None:
        super().__init__(flows, codes, hmac, mailer, cfg, hooks)
        self.sessions = sessions
        self.identities = identities
        self.settings = settings
        self.privileged_max_age = privileged_max_age

    async def create_flow(self, start: Start) -> Flow:
        if await self.sessions.active(start.session_token) is not None:
            raise signed_in()
        return await super().create_flow(start)

    async def before_send(self, sub: Submission) -> None:
        if await self.sessions.active(sub.session_token) is not None:
            raise signed_in()

    def mail_values(self, f: Flow, method: str, value: str) -> dict[str, str]:
        if method == "code":
            return {"RecoveryCode": value}
        return {"RecoveryURL": self.link(f, "token", value)}

    async def succeed(
        self, f: Flow, code: OneTimeCode, method: str, sub: Submission
    ) -> Recovered | None:
        identity = await self.identities.get(code.identity_id) if code.identity_id else None
        if identity is None or identity.state != "active":
            return None
        session = self.sessions.issue(identity, sub.device)
        at = session.authenticated_at
        session.authentication_methods = [
            {"method": f"{method}_recovery", "aal": "aal1", "completed_at": ts(at)}
        ]
        f.state, f.identity_id, f.messages = "passed_challenge", identity.id, []
        if f.browser and sub.next_csrf:
            f.set_csrf(sub.next_csrf)
        verify = code.code_type == SELF_SERVICE
        if not await self.codes.redeem(code, f, session=session, verify=verify):
            return None
        until = at + self.privileged_max_age
        minutes = (until - now()).total_seconds() / 60
        message = text.recovery_successful(minutes, int(until.timestamp()))
        kind: Literal["api", "browser"] = "browser" if f.browser else "api"
        start = Start(self._settings_url(f), kind, session.token, sub.next_csrf)
        settings = await self.settings.create_flow(start, [message], after_recovery=True)
        await self.after_hooks(f, identity, session, sub)
        return Recovered(f, session, settings)

    def _settings_url(self, f: Flow) -> str:
        """The settings flow's request URL, taking over the recovery's ``return_to``."""
        url = f"{self.public_url}/self-service/settings/{'browser' if f.browser else 'api'}"
        if f.return_to:
            url += "?" + urlencode({"return_to": f.return_to})
        return url

    async def admin_create(
        self,
        identity_id: uuid.UUID,
        method: Literal["code", "link"],
        expires_in: timedelta | None,
        flow_type: str = "browser",
    ) -> tuple[Flow, str]:
        """A flow in state ``sent_email`` for ``identity_id`` and the raw code or token."""
        identity = await self.identities.get(identity_id)
        if identity is None:
            raise NotFound("could not find identity")
        lifespan = expires_in or (
            self.cfg.code_lifespan if method == "code" else self.cfg.link_lifespan
        )
        url = f"{self.public_url}/admin/recovery/{method}"
        nodes: list[Any]
        if method == "code":
            nodes = [code_node("recovery"), submit_node("code", text.label_continue())]
        else:
            nodes = self.initial_nodes()
        f = Flow.new("recovery", flow_type, url, lifespan, nodes)
        f.internal_context[SKIP_CSRF] = True
        f.state, f.active = "sent_email", method
        value = new_code() if method == "code" else new_token()
        code = OneTimeCode(
            kind=f"recovery_{'code' if method == 'code' else 'token'}",
            flow_id=f.id,
            digest=self.hmac.digest(value),
            expires_at=f.expires_at,
            identity_id=identity.id,
            code_type=ADMIN,
        )
        await self.codes.add_with_flow(code, f)
        return f, value
