"""Native (API) registration: creating the flow and finishing it with an identity.

A method's strategy turns the submitted traits into an identity, or moves
the flow to its next screen (``profile``, Kratos's first screen of two-step
registration, returns None and the flow is shown again with 200). This module
writes the identity, the flow and, when the ``session`` after-hook is
configured, a session, in one transaction. Form errors come back as the flow
(400) with messages on the failing nodes; a duplicate identifier is 4000007
on the form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from roost.core.errors import Conflict
from roost.identity import text
from roost.identity.errors import KratosError
from roost.identity.identities.model import Identity
from roost.identity.schemas.manager import IdentitySchema, Schemas
from roost.identity.selfservice.flow import (
    Flow,
    ensure_password_nodes,
    input_node,
    registration_nodes,
)
from roost.identity.selfservice.flows import Flows, FormError, Start, Submission
from roost.identity.selfservice.hooks.places import PersistingHooks
from roost.identity.selfservice.login import Sessions, already_signed_in, refuse_if_signed_in
from roost.identity.sessions import aal
from roost.identity.sessions.model import Session


class RegistrationStrategy(Protocol):
    """One registration method (``profile``, ``password``; next ``oidc``, ``webauthn``...)."""

    async def register(
        self, f: Flow, schema: IdentitySchema, traits: Any, body: dict[str, Any]
    ) -> Identity | None:
        """The identity to create, None to show ``f`` again, or FormError with messages."""
        ...


class AfterRegistration(Protocol):
    """A hook run once the identity is written (verification's mail, decision 0023)."""

    async def after_registration(
        self, identity: Identity, registration: Flow, csrf_token: str
    ) -> list[Any]:
        """``continue_with`` items for the client; browser flows it creates carry
        ``csrf_token`` (the cookie the response sets)."""
        ...


@dataclass(frozen=True)
class Registered:
    identity: Identity
    session: Session | None
    flow: Flow | None = None
    continue_with: list[Any] = field(default_factory=list)


class ProfileStep:
    """``method: profile``: validate the traits, then show the credential screen."""

    async def register(
        self, f: Flow, schema: IdentitySchema, traits: Any, body: dict[str, Any]
    ) -> Identity | None:
        errors = schema.validate(traits)
        if errors:
            for name, message in errors:
                f.attach(name, message)
            raise FormError(f)
        f.active = "profile"
        if f.node("screen") is None:
            f.nodes.append(
                input_node("screen", "profile", "submit", value="previous", label=text.back())
            )
        ensure_password_nodes(f)
        return None


def _show_values(f: Flow, traits: Any, schema: IdentitySchema) -> None:
    for fld in schema.fields:
        node: Any = traits
        for key in fld.path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        f.set_value(f"traits.{fld.path}", node)


class Registration:
    """The registration flow over its methods, keyed by the ``method`` a submit names."""

    def __init__(
        self,
        flows: Flows,
        sessions: Sessions,
        schemas: Schemas,
        strategies: Mapping[str, RegistrationStrategy],
        *,
        enabled: bool,
        session_hook: bool,
        after: Sequence[AfterRegistration] = (),
        hooks: PersistingHooks | None = None,
        session_methods: frozenset[str] = frozenset(),
    ) -> None:
        self.flows = flows
        self.sessions = sessions
        self.schemas = schemas
        self.strategies = strategies
        self.enabled = enabled
        self.session_hook = session_hook
        """The ``session`` hook in ``after.hooks`` or ``after.password.hooks``."""
        self.session_methods = session_methods
        """Other methods whose ``after.<method>.hooks`` name the ``session`` hook."""
        self.after = after
        self.hooks = hooks

    def _schema(self, f: Flow) -> IdentitySchema:
        return self.schemas.get(f.identity_schema_id or self.schemas.default_id)

    def _nodes(self, schema: IdentitySchema) -> list[Any]:
        nodes = registration_nodes(schema)
        for strategy in self.strategies.values():  # e.g. code's "sign up with code"
            extra = getattr(strategy, "nodes", None)
            nodes += extra() if callable(extra) else []
        return nodes

    async def create_api_flow(self, request_url: str, token: str | None) -> Flow:
        return await self.create_flow(Start(request_url, "api", token))

    async def create_flow(self, start: Start) -> Flow:
        """A new api or browser registration flow (``session_already_available`` if signed in)."""
        await refuse_if_signed_in(self.sessions, start.session_token)
        if not self.enabled:
            raise KratosError(
                400,
                "self_service_flow_disabled",
                "Registration is not allowed because it was disabled.",
                message="The request was malformed or contained invalid parameters",
            )
        schema = self.schemas.get(self.schemas.default_id)
        f = self.flows.new("registration", start, self._nodes(schema))
        if self.hooks is not None:
            await self.hooks.before("registration", f, start.request)
        await self.flows.store.create(f)
        return f

    async def submit(self, sub: Submission) -> Registered | Flow:
        """What a successful submit created, or the flow to show again with 200."""
        f, body = await self.flows.open("registration", sub, lambda f: self._nodes(self._schema(f)))
        if f.browser and await self.sessions.active(sub.session_token) is not None:
            raise already_signed_in()
        schema = self._schema(f)
        traits = body.get("traits", {})
        _show_values(f, traits, schema)
        try:
            strategy = self.strategies.get(str(body.get("method")))
            if strategy is None:
                f.messages.append(text.no_registration_strategy())
                raise FormError(f)
            ident = await strategy.register(f, schema, traits, body)
            if ident is None:
                await self.flows.store.save(f)
                return f
            method = str(body.get("method"))
            if self.hooks is not None:
                await self.hooks.pre_persist("registration", method, f, ident, sub.request)
            done = await self._persist(f, ident, sub, method)
        except FormError as exc:
            raise await self.flows.rejected(exc) from None
        if self.hooks is not None:
            await self.hooks.post_persist(
                "registration", method, f, ident, done.session, sub.request
            )
        return done

    async def _persist(self, f: Flow, ident: Identity, sub: Submission, method: str) -> Registered:
        issue = self.session_hook or method in self.session_methods
        session = self.sessions.issue(ident, sub.device) if issue else None
        if session is not None and method != "password":
            session.authentication_methods = [aal.method(method, "aal1", session.authenticated_at)]
        f.state = "passed_challenge"
        try:
            await self.flows.store.complete(f, identity=ident, session=session)
        except Conflict:
            f.state = "choose_method"
            f.messages.append(text.duplicate_credentials())
            raise FormError(f) from None
        items: list[Any] = []
        for hook in self.after:
            # with a session the response rotates the CSRF cookie (to sub.next_csrf)
            token = sub.next_csrf if session is not None else f.csrf_token
            items += await hook.after_registration(ident, f, token)
        return Registered(ident, session, f, items)
