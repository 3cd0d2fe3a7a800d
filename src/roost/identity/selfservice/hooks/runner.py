"""Where the flows call their web hooks, in Kratos's order.

* ``before``: when a flow is created (login, registration, settings).
* registration ``after``: hooks that can interrupt or parse run before the
  identity is written (their answer may change it or stop the flow); the
  others run once the identity and session are written.
* login ``after``: every hook runs before the session is written, for the
  first factor and for a second one (``after.totp`` ...); ``revoke_active_sessions``
  ends the identity's other sessions.
* recovery and verification: ``before`` when the flow is created, ``after``
  once the code or link was used and its writes are done (recovery's session
  is in the context; ``revoke_active_sessions`` ends the identity's others).
* ``response.ignore``: the call is started and never awaited; its failure is
  only logged.

The context is Kratos's ``templateContext``: the flow, the request's
allowed headers, method, URL and cookies, the identity and the session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

import httpx

from roost.identity.identities.manager import derive
from roost.identity.identities.model import Identity
from roost.identity.schemas.manager import Schemas
from roost.identity.selfservice.flow import Flow
from roost.identity.selfservice.flows import FormError
from roost.identity.selfservice.hooks import web_hook
from roost.identity.selfservice.hooks.config import HookConfig, WebHookConfig
from roost.identity.selfservice.hooks.request import HookRequest
from roost.identity.sessions.model import Session

log = logging.getLogger("roost.identity.hooks")


class SessionRevoker(Protocol):
    """``revoke_active_sessions`` (``sessions.manager.SessionManager``)."""

    async def revoke_others(self, current: Session) -> int: ...


class FlowHooks:
    """The configured web hooks, called by the flows at their places."""

    def __init__(
        self,
        config: HookConfig,
        public_url: str,
        schemas: Schemas,
        client: httpx.AsyncClient | None = None,
        sessions: SessionRevoker | None = None,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.public_url = public_url
        self.schemas = schemas
        self.schema_url: Callable[[str], str] = schemas.url
        self.client = client or httpx.AsyncClient(timeout=web_hook.TIMEOUT)
        self._background: set[asyncio.Task[None]] = set()

    def _context(
        self,
        f: Flow,
        request: HookRequest | None,
        identity: Identity | None = None,
        session: Session | None = None,
    ) -> dict[str, Any]:
        r = request or HookRequest()
        ctx: dict[str, Any] = {
            "flow": f.to_json(self.public_url),
            "request_headers": r.headers,
            "request_method": r.method,
            "request_url": r.url or f.request_url,
            "request_cookies": r.cookies,
        }
        if identity is not None:
            ctx["identity"] = identity.to_json(self.schema_url(identity.schema_id), admin=True)
        if session is not None:
            ctx["session"] = session.to_json(None)
        return ctx

    async def _run(
        self, hooks: tuple[WebHookConfig, ...], f: Flow, ctx: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Call each hook in order; ignored ones in the background. Interruptions become
        form messages on ``f`` (:class:`FormError`)."""
        patches: list[dict[str, Any]] = []
        for cfg in hooks:
            if cfg.ignore:
                self._fire(cfg, ctx)
                continue
            try:
                patch = await web_hook.call(self.client, cfg, ctx)
            except web_hook.Interrupted as stop:
                for m in stop.messages:
                    f.attach(m.node_name, m.message) if m.node_name else f.messages.append(
                        m.message
                    )
                raise FormError(f) from None
            if patch is not None:
                patches.append(patch)
        return patches

    def _fire(self, cfg: WebHookConfig, ctx: dict[str, Any]) -> None:
        async def go() -> None:
            try:
                await web_hook.call(self.client, cfg, ctx)
            except Exception as exc:  # an ignored hook never fails the flow
                log.warning("ignored web hook %s failed: %s", cfg.url, type(exc).__name__)

        task = asyncio.create_task(go())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def before(self, kind: str, f: Flow, request: HookRequest | None) -> None:
        hooks = self.config.at(f"{kind}.before")
        if hooks:
            await self._run(hooks, f, self._context(f, request))

    async def pre_persist(
        self, kind: str, method: str, f: Flow, ident: Identity, request: HookRequest | None
    ) -> None:
        """Interrupting and parsing hooks, before ``ident`` is written; their patches apply,
        and changed traits are checked against the schema again (Kratos's order)."""
        hooks = tuple(h for h in self.config.after(kind, method) if h.blocking_before_persist)
        if not hooks:
            return
        traits, schema_id = ident.traits, ident.schema_id
        for patch in await self._run(hooks, f, self._context(f, request, ident)):
            apply_patch(ident, patch)
        if ident.traits is traits and ident.schema_id == schema_id:
            return
        schema = self.schemas.get(ident.schema_id)
        errors = schema.validate(ident.traits)
        for name, message in errors:
            f.attach(name, message)
        if errors:
            raise FormError(f)
        derive(schema, ident)

    async def post_persist(
        self,
        kind: str,
        method: str,
        f: Flow,
        ident: Identity,
        session: Session | None,
        request: HookRequest | None,
    ) -> None:
        """The other after-hooks, once the flow's writes are done."""
        hooks = tuple(h for h in self.config.after(kind, method) if not h.blocking_before_persist)
        if hooks:
            await self._run(hooks, f, self._context(f, request, ident, session))

    async def login_after(
        self, method: str, f: Flow, session: Session, ident: Identity, req: HookRequest | None
    ) -> None:
        """Login's after-hooks, all before the session is written (Kratos's order)."""
        hooks = self.config.after("login", method)
        if hooks:
            await self._run(hooks, f, self._context(f, req, ident, session))
        await self._revoke("login", method, session)

    async def address_after(
        self,
        kind: str,
        f: Flow,
        ident: Identity | None,
        session: Session | None,
        req: HookRequest | None,
    ) -> None:
        """Recovery's or verification's after-hooks, once the flow's writes are done."""
        hooks = self.config.at(f"{kind}.after")
        if hooks:
            await self._run(hooks, f, self._context(f, req, ident, session))
        await self._revoke(kind, "", session)

    async def _revoke(self, kind: str, method: str, session: Session | None) -> None:
        if session is not None and self.sessions is not None and self.config.revokes(kind, method):
            await self.sessions.revoke_others(session)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await self.client.aclose()


_PATCHED = ("traits", "schema_id", "state", "metadata_public", "metadata_admin")


def apply_patch(ident: Identity, patch: dict[str, Any]) -> None:
    """``response.parse``: a non-empty field of the returned identity replaces the old one."""
    for name in _PATCHED:
        value = patch.get(name)
        if value not in (None, "", {}, []):
            setattr(ident, name, value)
    if "external_id" in patch:
        ident.external_id = patch["external_id"]
