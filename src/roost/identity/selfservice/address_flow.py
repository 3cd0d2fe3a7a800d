"""What recovery and verification share: an address is asked for, a code or link is
mailed, the code or link is used (Kratos's ``selfservice/strategy/{code,link}``).

Kratos's order of a submit: the flow is opened as every flow is (expiry,
CSRF); with ``method: code`` a submit without ``email`` on a flow that sent
one is a code: the flow's ``submit_count`` goes up first, and past
``max_submissions`` (5) the flow is dead — every later submit is refused and
a fresh flow is offered (:class:`Retry`); a wrong, used or expired code
leaves message 4060006/4070006 on the flow (200, as Kratos). A submit with
``email`` sends a new code (deleting the flow's earlier ones) or link to the
address if some identity has it, and otherwise sends nothing (or the
``*_invalid`` mail with ``notify_unknown_recipients``): the answer is the
same flow in state ``sent_email`` either way, so the form says nothing about
which addresses exist. What success does is the subclass's (``recovery.py``,
``verification.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol

from roost.identity import text
from roost.identity.errors import KratosError
from roost.identity.identities.model import Address, Identity, now
from roost.identity.recovery_config import AddressConfig
from roost.identity.selfservice.codes import (
    CodeHmac,
    CodeStore,
    OneTimeCode,
    find_code,
    new_code,
    new_token,
)
from roost.identity.selfservice.flow import Flow, Node, csrf_node, input_node
from roost.identity.selfservice.flows import Flows, FormError, Start, Submission
from roost.identity.selfservice.hooks.request import HookRequest
from roost.identity.sessions.model import Session

TOO_OFTEN = "The request was submitted too often. Please request another code."


class Mailer(Protocol):
    """The courier's queue (``courier.queue.Courier``)."""

    async def queue_email(
        self, template_type: str, recipient: str, model: Mapping[str, Any]
    ) -> Any: ...


class AddressHooks(Protocol):
    """Web hooks before the flow and after its code or link was used (``hooks.runner``)."""

    async def before(self, kind: str, f: Flow, request: HookRequest | None) -> None: ...

    async def address_after(
        self,
        kind: str,
        f: Flow,
        ident: Identity | None,
        session: Session | None,
        req: HookRequest | None,
    ) -> None: ...


class Retry(Exception):
    """The flow cannot go on (too many code submissions): ``flow`` is its fresh successor.

    Rendered as Kratos does with ``continue_with`` transitions: a 400 whose
    ``details.continue_with`` shows the new flow, or a 303 to it for a form post.
    """

    def __init__(self, flow: Flow, reason: str) -> None:
        super().__init__(reason)
        self.flow = flow
        self.reason = reason

    def error(self) -> KratosError:
        action = {"action": f"show_{self.flow.kind}_ui", "flow": {"id": str(self.flow.id)}}
        return KratosError(
            400,
            None,
            self.reason,
            message="The request was malformed or contained invalid parameters",
            details={"continue_with": [action]},
        )


def _email_node(group: str, value: str | None = None) -> Node:
    return input_node("email", group, "email", value=value, required=True, label=text.label_email())


def code_input(label: text.Text) -> Node:
    """The input a mailed code is typed into (Kratos: digits, ``one-time-code``)."""
    return input_node(
        "code",
        "code",
        "text",
        required=True,
        autocomplete="one-time-code",
        pattern="[0-9]+",
        label=label,
    )


def code_node(kind: str) -> Node:
    """Recovery's and verification's code input (at most six digits)."""
    node = code_input(text.label_code(kind))
    node["attributes"] = {**node["attributes"], "maxlength": 6}
    return node


def submit_node(method: str, label: text.Text) -> Node:
    return input_node("method", method, "submit", value=method, label=label)


def sent_code_nodes(kind: str, address: str | None) -> list[Node]:
    nodes = [csrf_node(), code_node(kind), submit_node("code", text.label_continue())]
    if address:
        resend = input_node("email", "code", "submit", value=address, label=text.resend_code())
        nodes.append(resend)
    return nodes


class AddressFlow:
    """Recovery or verification over the ``code`` and ``link`` methods."""

    kind = ""
    address_list = ""
    """The identity's addresses this flow mails: ``recovery`` or ``verifiable``."""

    def __init__(
        self,
        flows: Flows,
        codes: CodeStore,
        hmac: CodeHmac,
        mailer: Mailer,
        cfg: AddressConfig,
        hooks: AddressHooks | None = None,
    ) -> None:
        self.flows = flows
        self.codes = codes
        self.hmac = hmac
        self.mailer = mailer
        self.cfg = cfg
        self.hooks = hooks

    @property
    def public_url(self) -> str:
        return self.flows.public_url

    def initial_nodes(self) -> list[Node]:
        method = self.cfg.flow(self.kind).use
        label = text.label_continue() if method == "code" else text.label_submit()
        return [csrf_node(), _email_node(method), submit_node(method, label)]

    def disabled(self) -> KratosError:
        title = self.kind.capitalize()
        return KratosError(
            400,
            "self_service_flow_disabled",
            f"{title} is not allowed because it was disabled.",
            message="The request was malformed or contained invalid parameters",
        )

    async def create_flow(self, start: Start) -> Flow:
        if not self.cfg.flow(self.kind).enabled:
            raise self.disabled()
        f = self.flows.new(self.kind, start, self.initial_nodes())
        if self.hooks is not None:
            await self.hooks.before(self.kind, f, start.request)
        await self.flows.store.create(f)
        return f

    async def after_hooks(
        self, f: Flow, ident: Identity | None, session: Session | None, sub: Submission
    ) -> None:
        """The flow's after-hooks, once its code or link was used and written."""
        if self.hooks is not None:
            await self.hooks.address_after(self.kind, f, ident, session, sub.request)

    def _method(self, f: Flow, body: dict[str, Any]) -> str:
        method = body.get("method")
        if not isinstance(method, str) or not method:
            method = f.active or self.cfg.flow(self.kind).use
        if not self.cfg.enabled(method):
            f.messages.append(text.no_address_strategy(self.kind))
            raise FormError(f)
        return method

    async def submit(self, sub: Submission) -> Any:
        """The flow to show again (code sent, or refused), or the subclass's success."""
        if not self.cfg.flow(self.kind).enabled:
            raise self.disabled()
        f, body = await self.flows.open(self.kind, sub, lambda _f: self.initial_nodes())
        try:
            method = self._method(f, body)
            email = body.get("email")
            if method == "code" and f.state == "sent_email" and not email:
                return await self._use(f, "code", body.get("code"), sub)
            await self.before_send(sub)
            if not isinstance(email, str) or not email.strip():
                f.attach("email", text.required("email"))
                raise FormError(f)
            address = email.strip().lower()
            if not _looks_like_email(address):
                f.attach("email", text.generic(f'"{address[:64]}" is not valid "email"'))
                raise FormError(f)
            return await self.send(f, method, address)
        except FormError as exc:
            raise await self.flows.rejected(exc) from None

    async def use_link(self, flow_id: uuid.UUID, method: str, value: str, sub: Submission) -> Any:
        """``GET /self-service/<kind>?flow=&token=`` (or ``&code=``): the link in the mail,
        opened by any browser, so without a CSRF token."""
        if not self.cfg.flow(self.kind).enabled:
            raise self.disabled()
        plain = Submission(flow_id, None, sub.device, _no_body, session_token=sub.session_token)
        f, _ = await self.flows.open(
            self.kind, plain, lambda _f: self.initial_nodes(), check_token=False
        )
        if f.browser and sub.next_csrf:
            # the mail may be opened in another browser: the flow moves to it (the
            # response sets the matching CSRF cookie), so that browser can show it
            f.set_csrf(sub.next_csrf)
        if not self.cfg.enabled(method):
            f.messages.append(text.no_address_strategy(self.kind))
            await self.flows.store.save(f)
            return f
        return await self._use(f, method, value, sub)

    async def before_send(self, sub: Submission) -> None:
        """Refusals before an address is taken (recovery: a signed-in caller)."""

    def _lifespan(self, method: str) -> timedelta:
        return self.cfg.code_lifespan if method == "code" else self.cfg.link_lifespan

    async def send(self, f: Flow, method: str, address: str) -> Flow:
        """Mail a fresh code or link to ``address`` if an identity holds it."""
        owner = await self.codes.owner(self.kind, address)
        self.mark_sent(f, method, address)
        if owner is not None:
            await self.issue(f, method, address, *owner)
            return f
        await self.flows.store.save(f)
        if self.cfg.flow(self.kind).notify_unknown_recipients:
            template = f"{self.kind}_code_invalid" if method == "code" else f"{self.kind}_invalid"
            await self.mailer.queue_email(template, address, {"RequestURL": f.request_url})
        return f

    def mark_sent(self, f: Flow, method: str, address: str) -> None:
        """The ``sent_email`` screen: the code form (with resend), or the link form again."""
        f.active, f.state = method, "sent_email"
        if method == "code":
            f.nodes = sent_code_nodes(self.kind, address)
        else:
            link = submit_node("link", text.label_submit())
            f.nodes = [csrf_node(), _email_node("link", address), link]
        if f.browser:
            f.set_csrf(f.csrf_token)
        f.messages = [text.email_sent(self.kind, method)]

    async def issue(
        self, f: Flow, method: str, address: str, identity: Identity, found: Address
    ) -> None:
        """Store a fresh code with the flow (one transaction: ``f`` is saved as it is now),
        then queue its mail."""
        value = new_code() if method == "code" else new_token()
        lifespan = self._lifespan(method)
        await self.codes.add(
            OneTimeCode(
                kind=f"{self.kind}_{'code' if method == 'code' else 'token'}",
                flow_id=f.id,
                digest=self.hmac.digest(value),
                expires_at=now() + lifespan,
                identity_id=identity.id,
                address_id=found.id,
            ),
            f,
        )
        await self.mailer.queue_email(
            self.template(method),
            address,
            {
                "RequestURL": f.request_url,
                "Identity": {"id": str(identity.id), "traits": identity.traits},
                "ExpiresInMinutes": int(lifespan.total_seconds() // 60),
                **self.mail_values(f, method, value),
            },
        )

    def template(self, method: str) -> str:
        return f"{self.kind}_code_valid" if method == "code" else f"{self.kind}_valid"

    def link(self, f: Flow, param: str, value: str) -> str:
        return f"{self.public_url}/self-service/{self.kind}?flow={f.id}&{param}={value}"

    def mail_values(self, f: Flow, method: str, value: str) -> dict[str, str]:
        """The template fields carrying the code or link (Kratos's names)."""
        raise NotImplementedError

    async def _use(self, f: Flow, method: str, value: Any, sub: Submission) -> Any:
        kind = f"{self.kind}_{'code' if method == 'code' else 'token'}"
        if method == "code" and (
            await self.codes.count_submission(self.kind, f.id) > self.cfg.max_submissions
        ):
            raise await self.retry(f)
        found = await find_code(self.codes, self.hmac, kind, f.id, value)
        if found is not None:
            done = await self.succeed(f, found, method, sub)
            if done is not None:
                return done
        f.messages = [
            text.code_invalid(self.kind) if method == "code" else text.token_invalid(self.kind)
        ]
        await self.flows.store.save(f)
        return f

    async def retry(self, f: Flow) -> Retry:
        """A fresh flow replacing a dead one, carrying the reason as its message."""
        fresh = Flow.new(
            self.kind,
            f.type,
            f.request_url,
            self.cfg.flow(self.kind).lifespan,
            self.initial_nodes(),
        )
        if f.browser:
            fresh.set_csrf(f.csrf_token)
        fresh.messages = [text.generic(TOO_OFTEN)]
        await self.flows.store.create(fresh)
        return Retry(fresh, TOO_OFTEN)

    async def succeed(self, f: Flow, code: OneTimeCode, method: str, sub: Submission) -> Any:
        """Finish the flow with ``code`` (already matched); None when it was used meanwhile.
        Flows it creates for the browser carry ``sub.next_csrf``, the CSRF token the
        response sets with a new session."""
        raise NotImplementedError


def _looks_like_email(value: str) -> bool:
    """JSON Schema's ``email`` format as Kratos's validator checks it, and what the
    courier's ``recipient`` column (255) holds."""
    local, at, domain = value.rpartition("@")
    return bool(at and local and domain) and len(value) <= 254 and " " not in value


async def _no_body() -> dict[str, Any]:
    return {}
