"""The hook places a flow that writes an identity calls (``runner.FlowHooks`` has them).

One Protocol for registration and settings, which call the same three places;
login's are in ``login.py``, as it writes a session instead.
"""

from __future__ import annotations

from typing import Protocol

from roost.identity.identities.model import Identity
from roost.identity.selfservice.flow import Flow
from roost.identity.selfservice.hooks.request import HookRequest
from roost.identity.sessions.model import Session


class PersistingHooks(Protocol):
    """Web hooks of a flow that writes an identity (registration, settings): before the
    flow, before the write (may change or stop it), after it."""

    async def before(self, kind: str, f: Flow, request: HookRequest | None) -> None: ...

    async def pre_persist(
        self, kind: str, method: str, f: Flow, ident: Identity, request: HookRequest | None
    ) -> None: ...

    async def post_persist(
        self,
        kind: str,
        method: str,
        f: Flow,
        ident: Identity,
        session: Session | None,
        request: HookRequest | None,
    ) -> None: ...
