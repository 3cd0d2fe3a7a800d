"""The settings flow (``selfservice/flow/settings``): a signed-in user changes their identity.

Every method (``profile``, ``password``; the ``mfa`` branch adds ``totp``,
``lookup_secret``, ``webauthn``...) is a :class:`SettingsStrategy`: it
contributes its nodes to a new flow and, on submit, returns the identity
to write or raises :class:`FormError`. Adding one is one entry in the
registry's strategy mapping. This module does what they share, in Kratos's
order: the caller must have an active session (401 ``session_inactive``)
whose identity is the flow's (403 ``security_identity_mismatch``); the
flow is opened as every flow is (expiry, CSRF for browser flows); a
strategy that changes credentials, or protected traits (identifiers and
addresses), demands a *privileged* session, one authenticated within
``privileged_session_max_age``, else 403 ``session_refresh_required`` with
``redirect_browser_to`` a ``refresh=true`` login; success writes the
identity and the flow (``state: success``, message 1050001) in one
transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

from roost.core.errors import Conflict, NotFound
from roost.identity import text
from roost.identity.errors import KratosError
from roost.identity.identities.model import Identity, now
from roost.identity.schemas.manager import IdentitySchema, Schemas
from roost.identity.selfservice.flow import Flow, Node, csrf_node
from roost.identity.selfservice.flows import Flows, FormError, Start, Submission
from roost.identity.selfservice.hooks.places import PersistingHooks
from roost.identity.selfservice.webauthn_script import without_repeated_scripts
from roost.identity.sessions import aal
from roost.identity.sessions.model import Session


class SettingsStrategy(Protocol):
    """One settings method: its nodes, and what a submit naming it changes."""

    def nodes(self, identity: Identity, schema: IdentitySchema, flow: Flow) -> list[Node]:
        """The nodes this method adds to ``flow`` for ``identity`` (a method may keep state
        for a later submit in ``flow.internal_context``: a TOTP key being linked)."""
        ...

    async def update(self, change: Change) -> Identity:
        """The identity to write (a changed copy), or FormError with messages on the flow;
        call ``change.require_privileged()`` before touching credentials."""
        ...


class SettingsSessions(Protocol):
    async def active(self, token: str | None) -> Session | None: ...


class SettingsIdentities(Protocol):
    async def get(self, identity_id: uuid.UUID) -> Identity | None: ...


class StayOnForm(Exception):
    """A method changed only the flow (new lookup codes to confirm): it is saved and shown
    again with 200 and state ``show_form``, as Kratos's ``ErrStrategyReturnedEarly``."""


def no_session() -> KratosError:
    return KratosError(
        401,
        "session_inactive",
        "No active session was found in this request.",
        message="The request could not be authorized",
    )


def identity_mismatch() -> KratosError:
    return KratosError(
        403,
        "security_identity_mismatch",
        "The flow was interrupted because the session identity does not match the flow.",
        message="The requested action was forbidden",
    )


class Change:
    """What a strategy gets for one submit: the flow, the caller and the body."""

    def __init__(
        self,
        flow: Flow,
        session: Session,
        identity: Identity,
        schema: IdentitySchema,
        body: dict[str, Any],
        refresh_url: str,
        privileged: bool,
    ) -> None:
        self.flow = flow
        self.session = session
        self.identity = identity
        self.schema = schema
        self.body = body
        self.refresh_url = refresh_url
        self.privileged = privileged
        self.upgraded: Session | None = None
        """The session with a method added (a second factor just linked), written with it."""

    def authenticated_with(self, method: str, level: str) -> None:
        """Linking a factor proves it: the session gains the method, as Kratos's
        ``SessionAddAuthenticationMethods`` (an aal1 session becomes aal2)."""
        base = self.upgraded or self.session
        methods = [*base.authentication_methods, aal.method(method, level, now())]
        self.upgraded = replace(base, authentication_methods=methods, aal=aal.session_aal(methods))

    def require_privileged(self) -> None:
        """Kratos's ``NewFlowNeedsReAuth``: 403 with the refresh login to send the browser to."""
        if not self.privileged:
            raise KratosError(
                403,
                "session_refresh_required",
                "The login session is too old and thus not allowed to update these fields. "
                "Please re-authenticate.",
                message="The requested action was forbidden",
                extra={"redirect_browser_to": self.refresh_url},
            )


class Settings:
    """The settings flow over its methods, keyed by the ``method`` a submit names."""

    def __init__(
        self,
        flows: Flows,
        sessions: SettingsSessions,
        identities: SettingsIdentities,
        schemas: Schemas,
        strategies: Mapping[str, SettingsStrategy],
        *,
        privileged_max_age: timedelta,
        required_aal: str = "aal1",
        hooks: PersistingHooks | None = None,
        code_mfa: bool = False,
    ) -> None:
        self.hooks = hooks
        self.flows = flows
        self.sessions = sessions
        self.identities = identities
        self.schemas = schemas
        self.strategies = strategies
        self.privileged_max_age = privileged_max_age
        self.required_aal = required_aal
        self.code_mfa = code_mfa
        """``methods.code.mfa_enabled``: a code address is a second factor (decision 0035)."""

    def _nodes(self, identity: Identity, flow: Flow) -> list[Node]:
        schema = self.schemas.get(identity.schema_id)
        nodes = [csrf_node()]
        for strategy in self.strategies.values():
            nodes += strategy.nodes(identity, schema, flow)
        return without_repeated_scripts(nodes)

    async def _caller(
        self, token: str | None, request_url: str, check_aal: bool = True
    ) -> tuple[Session, Identity]:
        session = await self.sessions.active(token)
        if session is None:
            raise no_session()
        identity = await self.identities.get(session.identity_id)
        if identity is None:
            raise no_session()
        level = aal.identity_aal(identity, self.code_mfa)
        if check_aal and not aal.satisfied(self.required_aal, session.aal, level):
            raise aal.aal2_required(aal.step_up_url(self.flows.public_url, request_url))
        return session, identity

    async def create_flow(
        self, start: Start, messages: list[text.Text] | None = None, after_recovery: bool = False
    ) -> Flow:
        """A settings flow for the caller (``messages``: shown on it, e.g. after recovery).

        After recovery the new session is aal1 even when the identity has a second
        factor; the flow is made anyway (as Kratos's recovery does), so the session
        cookie is set and the settings UI's fetch of the flow asks for the step-up."""
        _, identity = await self._caller(
            start.session_token, start.request_url, check_aal=not after_recovery
        )
        f = self.flows.new("settings", start, [])
        f.nodes = self._nodes(identity, f)
        if f.browser:
            f.set_csrf(f.csrf_token)
        f.identity_id = identity.id
        f.state = "show_form"
        f.messages = list(messages or [])
        if self.hooks is not None:
            await self.hooks.before("settings", f, start.request)
        await self.flows.store.create(f)
        return f

    async def shown(self, flow_id: uuid.UUID, csrf_cookie: str | None, token: str | None) -> Flow:
        """The getter: the flow (CSRF-checked when browser) of the caller's own identity."""
        session, _ = await self._caller(token, self.init_url())
        f = await self.flows.shown("settings", flow_id, csrf_cookie)
        if f.identity_id != session.identity_id:
            raise identity_mismatch()
        return f

    async def identity_of(self, f: Flow) -> Identity:
        found = await self.identities.get(f.identity_id) if f.identity_id else None
        if found is None:
            raise NotFound("The requested resource could not be found")
        return found

    def _method(self, body: dict[str, Any]) -> str:
        """The body's ``method``, or the method whose own button the body carries (Kratos's
        TOTP and lookup strategies claim ``totp_unlink``, ``lookup_secret_*`` without one)."""
        method = str(body.get("method"))
        if method in self.strategies:
            return method
        for name, strategy in self.strategies.items():
            claims = getattr(strategy, "claims", None)
            if claims is not None and claims(body):
                return name
        return method

    def reveal(self, f: Flow) -> Flow:
        """The flow as shown: methods fill in what is kept sealed in its context (a TOTP key
        being linked, codes awaiting confirmation), so no stored row holds them in clear.
        Call it only on a flow that will not be saved again."""
        for strategy in self.strategies.values():
            reveal = getattr(strategy, "reveal", None)
            if reveal is not None:
                reveal(f)
        return f

    def init_url(self) -> str:
        return f"{self.flows.public_url}/self-service/settings/browser"

    async def _stay(self, f: Flow, identity: Identity, method: str) -> Flow:
        f.active, f.state = method, "show_form"
        f.nodes = self._nodes(identity, f)
        if f.browser:
            f.set_csrf(f.csrf_token)
        await self.flows.store.save(f)
        return f

    def refresh_url(self, f: Flow) -> str:
        params = {"refresh": "true", **({"return_to": f.return_to} if f.return_to else {})}
        return f"{self.flows.public_url}/self-service/login/browser?{urlencode(params)}"

    async def submit(self, sub: Submission) -> Flow:
        """The flow in state ``success`` (already written with the changed identity)."""
        session, identity = await self._caller(sub.session_token, self.init_url())
        f, body = await self.flows.open("settings", sub, lambda old: self._nodes(identity, old))
        if f.identity_id != session.identity_id:
            raise identity_mismatch()
        method = self._method(body)
        try:
            strategy = self.strategies.get(method)
            if strategy is None:
                f.messages.append(text.no_settings_strategy())
                raise FormError(f)
            privileged = session.authenticated_at + self.privileged_max_age > now()
            schema = self.schemas.get(identity.schema_id)
            change = Change(f, session, identity, schema, body, self.refresh_url(f), privileged)
            try:
                updated = await strategy.update(change)
            except StayOnForm:
                return await self._stay(f, identity, method)
            updated.updated_at = now()
            if self.hooks is not None:
                await self.hooks.pre_persist("settings", method, f, updated, sub.request)
            f.active, f.state = method, "success"
            f.nodes = self._nodes(updated, f)
            if f.browser:
                f.set_csrf(f.csrf_token)
            f.messages = [text.settings_saved()]
            try:
                await self.flows.store.complete(f, updated=updated, refreshed=change.upgraded)
            except Conflict:
                f.state, f.messages = "show_form", [text.duplicate_credentials()]
                raise FormError(f) from None
        except FormError as exc:
            raise await self.flows.rejected(exc) from None
        if self.hooks is not None:
            await self.hooks.post_persist("settings", method, f, updated, session, sub.request)
        return f
