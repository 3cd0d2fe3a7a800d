"""The second step of a login (``aal=aal2``): which factor nodes to show, and checking one.

Each second factor (``totp``, ``lookup_secret``) is a :class:`SecondFactor`:
the nodes it shows to an identity that has it, and ``verify``, which spends
the code through :class:`Spender` (read, decide and write the credential in
one transaction, so a code or TOTP step works once) or raises FormError.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from roost.core.errors import NotFound
from roost.identity.identities.model import Identity
from roost.identity.selfservice.flow import Flow, Node, csrf_node
from roost.identity.selfservice.flows import FormError
from roost.identity.selfservice.password import Throttle


class Pending(FormError):
    """A factor's next step (a code was mailed): the flow goes back to the client as any
    FormError, but the throttle counts it neither as a failure nor as a success."""


class SecondFactor(Protocol):
    def login_nodes(self, identity: Identity, flow: Flow) -> list[Node]:
        """This factor's nodes for ``identity`` ([] when it has no such credential); a
        ceremony's challenge may be kept in ``flow.internal_context``."""
        ...

    async def verify(self, f: Flow, identity: Identity, body: dict[str, Any]) -> None:
        """Return when the body proves the factor; else FormError with messages on ``f``."""
        ...


class Spender(Protocol):
    async def spend(
        self,
        identity_id: uuid.UUID,
        kind: str,
        decide: Callable[[dict[str, Any]], dict[str, Any] | None],
    ) -> bool: ...


class StepUpIdentities(Protocol):
    async def get(self, identity_id: uuid.UUID) -> Identity | None: ...


class StepUp:
    """The registered second factors over the identities they check. Failures count per
    identity in ``throttle`` (``roost.core.throttle``'s rule, as password logins), so
    guessing a six-digit code is slowed down across every replica."""

    def __init__(
        self,
        identities: StepUpIdentities,
        factors: Mapping[str, SecondFactor],
        throttle: Throttle | None = None,
    ) -> None:
        self.identities = identities
        self.factors = factors
        self.throttle = throttle

    async def verify(
        self, factor: SecondFactor, f: Flow, identity: Identity, body: dict[str, Any]
    ) -> None:
        """``factor.verify``, waiting first when this identity's recent failures say so."""
        if self.throttle is None:
            await factor.verify(f, identity, body)
            return
        attempt = await self.throttle.begin(str(identity.id))
        if attempt.delay:
            await asyncio.sleep(attempt.delay)
        try:
            await factor.verify(f, identity, body)
        except Pending:
            raise
        except FormError:
            await self.throttle.failed(attempt)
            raise
        await self.throttle.succeeded(attempt)

    async def identity(self, identity_id: uuid.UUID) -> Identity:
        found = await self.identities.get(identity_id)
        if found is None:
            raise NotFound("The requested resource could not be found")
        return found

    @property
    def code_mfa(self) -> bool:
        """The mailed code is one of the factors (its addresses make an identity aal2)."""
        return "code" in self.factors

    async def start(self, identity: Identity, flow: Flow) -> None:
        """Let factors act once the aal2 flow is stored (the code factor mails at once when
        it is the identity's only one, Kratos's ``FastLogin2FA``)."""
        for factor in self.factors.values():
            begin = getattr(factor, "start", None)
            if begin is not None:
                await begin(flow, identity)

    def nodes(self, identity: Identity, flow: Flow) -> list[Node]:
        nodes = [csrf_node(flow.csrf_token)] if flow.browser else [csrf_node()]
        for factor in self.factors.values():
            nodes += factor.login_nodes(identity, flow)
        return nodes
