"""The steps every self-service flow shares, whatever its kind and method.

A flow kind (login, registration, and next settings, recovery and
verification) is created, shown and submitted the same way; only what a
method does with the submitted body differs (``login.py``,
``registration.py`` and their strategies). Submit order, as in Kratos: find
the flow (unknown → 404), refuse browser signals on an API flow (``Origin``
or non-Cloudflare cookies → 400), replace an expired flow (410 with
``use_flow_id`` pointing at a fresh flow that carries the "expired"
message), refuse a completed one, and only then decode the body. A
:class:`FormError` sends the flow back with its messages; it is saved first.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

from roost.core.errors import Invalid, NotFound
from roost.identity import text
from roost.identity.errors import GONE, KratosError
from roost.identity.identities.model import Identity, now, ts
from roost.identity.selfservice import csrf
from roost.identity.selfservice.flow import SKIP_CSRF, Flow, Node
from roost.identity.selfservice.hooks.request import HookRequest
from roost.identity.sessions.model import Device, Session

BrowserSignal = Literal["origin", "cookie"]
"""Why a request looks like it came from a browser (``Origin`` header, or a cookie)."""

_SIGNAL_REASONS: Mapping[BrowserSignal, str] = {
    "origin": (
        'The HTTP Request Header included the "Origin" key, indicating that this request '
        "was made as part of an AJAX request in a Browser. The flow however was initiated "
        "as an API request. To prevent potential misuse and mitigate several attack vectors "
        "including CSRF, the request has been blocked. Please consult the documentation."
    ),
    "cookie": (
        'The HTTP Request Header included the "Cookie" key, indicating that this request '
        "was made by a Browser. The flow however was initiated as an API request. To "
        "prevent potential misuse and mitigate several attack vectors including CSRF, the "
        "request has been blocked. Please consult the documentation."
    ),
}


@dataclass(frozen=True)
class Submission:
    """A submit as plain values; the body is read only once the flow may take it."""

    flow_id: uuid.UUID
    browser: BrowserSignal | None
    device: Device
    body: Callable[[], Awaitable[dict[str, Any]]]
    csrf_cookie: str | None = None
    """The raw token of the anti-CSRF cookie the request carried."""
    csrf_header: str | None = None
    """``X-CSRF-Token``, the alternative to the body's ``csrf_token``."""
    session_token: str | None = None
    """The session the request carries (cookie or header), for flows that need one."""
    session_remember: bool | None = None
    """The "keep me signed in" choice its session cookie records (``selfservice.remember``)."""
    next_csrf: str = ""
    """The masked token of the CSRF cookie the response sets if it issues a session, for
    flows created in the same request (verification after registration)."""
    request: HookRequest | None = None
    """What web hooks are shown of the HTTP request (decision 0029)."""


@dataclass(frozen=True)
class Start:
    """An init request (``GET /self-service/<kind>/{api,browser}``) as plain values."""

    request_url: str
    type: Literal["api", "browser"]
    session_token: str | None = None
    csrf_token: str = ""
    """The masked anti-CSRF token a browser flow is created with (empty for api flows)."""
    refresh: bool = False
    login_challenge: str | None = None
    """Hydra's ``login_challenge`` (login only; None when absent)."""
    aal: str = "aal1"
    """The ``aal`` a login asks for (``aal2``: the second step of a signed-in session)."""
    request: HookRequest | None = None
    """What web hooks are shown of the HTTP request (decision 0029)."""
    session_remember: bool | None = None
    """The "keep me signed in" choice its session cookie records (``selfservice.remember``)."""

    @property
    def browser(self) -> bool:
        return self.type == "browser"


class FormError(Exception):
    """The flow, with messages attached, goes back to the client as a 400."""

    def __init__(self, flow: Flow) -> None:
        super().__init__("form error")
        self.flow = flow


class FlowStore(Protocol):
    """Where flows live; :meth:`complete` is the one write that finishes a flow."""

    async def create(self, f: Flow) -> None: ...

    async def save(self, f: Flow) -> None: ...

    async def get(self, kind: str, flow_id: uuid.UUID) -> Flow | None: ...

    async def complete(
        self,
        f: Flow,
        *,
        identity: Identity | None = None,
        session: Session | None = None,
        updated: Identity | None = None,
        refreshed: Session | None = None,
    ) -> None:
        """Save ``f`` with what it produced, in one transaction (Conflict on a duplicate):
        a new ``identity`` and ``session``, an ``updated`` identity (settings) or a
        ``refreshed`` session (re-authentication)."""
        ...


def _with_return_to(url: str, return_to: str | None) -> str:
    return f"{url}?{urlencode({'return_to': return_to})}" if return_to else url


def already_completed() -> Invalid:
    return Invalid("The flow has already been completed successfully; start a new flow.")


class Flows:
    """Creating, showing and opening flows of every kind over one store."""

    def __init__(
        self, store: FlowStore, public_url: str, lifespans: Mapping[str, timedelta]
    ) -> None:
        self.store = store
        self.public_url = public_url
        self.lifespans = lifespans

    async def create(
        self, kind: str, type_: str, request_url: str, nodes: list[Node], csrf_token: str = ""
    ) -> Flow:
        kind_of: Literal["api", "browser"] = "browser" if type_ == "browser" else "api"
        f = self.new(kind, Start(request_url, kind_of, csrf_token=csrf_token), nodes)
        await self.store.create(f)
        return f

    def new(self, kind: str, start: Start, nodes: list[Node]) -> Flow:
        """A flow of ``kind`` for ``start`` (not yet stored); browser flows get the token."""
        f = Flow.new(kind, start.type, start.request_url, self.lifespans[kind], nodes)
        if start.browser:
            f.set_csrf(start.csrf_token)
        return f

    async def load(self, kind: str, flow_id: uuid.UUID) -> Flow:
        found = await self.store.get(kind, flow_id)
        if found is None:
            raise NotFound("The requested resource could not be found")
        return found

    async def shown(self, kind: str, flow_id: uuid.UUID, csrf_cookie: str | None = None) -> Flow:
        """A flow for its getter: a browser flow only with its CSRF cookie (else 403); an
        expired one is a 410 pointing at the init endpoint."""
        f = await self.load(kind, flow_id)
        skip = f.internal_context.get(SKIP_CSRF)
        if f.browser and not skip and not csrf.matches(csrf_cookie, f.csrf_token):
            raise csrf.violation(csrf.MISMATCH if csrf_cookie else csrf.MISSING_COOKIE)
        if f.expired():
            init = f"{self.public_url}/self-service/{kind}/{'browser' if f.browser else 'api'}"
            details = {"redirect_to": _with_return_to(init, f.return_to)} if f.browser else {}
            raise KratosError(
                410,
                "self_service_flow_expired",
                f"The {kind} flow has expired. Call the {kind} flow init API endpoint to "
                f"initialize a new {kind} flow.",
                message=GONE,
                details={"api": f"{self.public_url}/self-service/{kind}/api", **details},
            )
        return f

    async def open(
        self,
        kind: str,
        sub: Submission,
        fresh: Callable[[Flow], list[Node]],
        *,
        check_token: bool = True,
    ) -> tuple[Flow, dict[str, Any]]:
        """The flow a submit may proceed with, and its body (Kratos's order of refusals).

        ``fresh`` gives the nodes of the successor flow when this one expired;
        ``check_token=False`` for the links of recovery and verification mails.
        """
        f = await self.load(kind, sub.flow_id)
        if f.type == "api" and sub.browser is not None:
            raise Invalid(_SIGNAL_REASONS[sub.browser])
        if f.expired():
            raise await self._replace_expired(f, fresh(f))
        if f.state == "passed_challenge":
            raise already_completed()
        body = await sub.body()
        if check_token and f.browser and not f.internal_context.get(SKIP_CSRF):
            token = body.get(csrf.FIELD)
            sent = token if isinstance(token, str) and token else sub.csrf_header
            csrf.check(sub.csrf_cookie, sent)
        f.clear_messages()
        return f, body

    async def _replace_expired(self, f: Flow, nodes: list[Node]) -> KratosError:
        """Create the successor flow and the 410 that points to it."""
        since = now() - f.expires_at
        fresh = Flow.new(f.kind, f.type, f.request_url, self.lifespans[f.kind], nodes)
        fresh.identity_id = f.identity_id
        if f.browser:
            fresh.set_csrf(f.csrf_token)
        fresh.messages = [
            text.flow_expired(f.kind, since.total_seconds() / 60, int(f.expires_at.timestamp()))
        ]
        await self.store.create(fresh)
        return KratosError(
            410,
            "self_service_flow_expired",
            "The self-service flow has expired.",
            message=GONE,
            extra={
                "expired_at": ts(f.expires_at),
                "since": int(since.total_seconds() * 1e9),
                "use_flow_id": str(fresh.id),
            },
        )

    async def rejected(self, exc: FormError) -> FormError:
        """Save the flow a method sent back with messages, so the client sees them again."""
        await self.store.save(exc.flow)
        return exc
