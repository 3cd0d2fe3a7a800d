"""Queueing messages and the worker that delivers them (Kratos's ``courier.go``).

Queueing renders the message and writes one row; it never talks to a mail
server, so a request that sends mail costs one insert. Delivery is the
worker's (``roost identity courier watch``, or ``roost serve --watch-courier``):

1. **Claim** up to ``pull_count`` due messages in one transaction: queued
   (or processing with an expired lease) and ``next_attempt_at`` passed; each
   is set to ``processing`` with a new ``claim_id`` and a lease. Claims are a
   compare-and-set (``UPDATE ... WHERE status/claim unchanged``) inside a
   SERIALIZABLE transaction, so of two workers racing for a row exactly one
   wins; the other's transaction fails with 40001 and is retried, and by then
   sees the row taken. No ``SKIP LOCKED`` (CockroachDB's semantics differ).
2. **Send** outside any transaction.
3. **Record** the outcome, again only while the claim is ours: ``sent``; or
   ``queued`` again after a backoff; or ``abandoned`` once it failed more
   than ``message_retries`` times (Kratos's rule: 1 + retries attempts).
   Every attempt leaves a ``courier_message_dispatches`` row.

A worker that dies mid-send leaves a processing row whose lease expires
(5 minutes, far beyond the 30 s SMTP timeout), then another worker takes it:
such a message may be delivered twice, the one case where it can be.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from roost.identity.courier.message import Dispatch, Message, Status
from roost.identity.courier.smtp import Email, SendFailed
from roost.identity.courier.templates import Templates
from roost.identity.identities.model import now

log = logging.getLogger("roost.identity.courier")

LEASE = timedelta(minutes=5)


def default_backoff(failures: int) -> timedelta:
    """5 s, 15 s, 45 s, ... capped at 15 min: about 10 minutes of outage over 5 retries."""
    return min(timedelta(seconds=5 * 3 ** (failures - 1)), timedelta(minutes=15))


@dataclass(frozen=True)
class Claim:
    message: Message
    claim_id: uuid.UUID


@dataclass(frozen=True)
class Page:
    messages: list[Message]
    next_token: str | None


class MessageStore(Protocol):
    """Where the queue lives (``roost.identity.sql.courier``)."""

    async def enqueue(self, m: Message, at: datetime) -> None: ...

    async def claim(self, at: datetime, limit: int, lease: timedelta) -> list[Claim]:
        """Take up to ``limit`` due messages for this worker (status ``processing``)."""
        ...

    async def finish(
        self, claim: Claim, status: Status, next_attempt_at: datetime, dispatch: Dispatch
    ) -> bool:
        """Record an attempt if the claim still holds; False when another worker took it."""
        ...

    async def get(self, message_id: uuid.UUID) -> Message | None: ...

    async def list(
        self, status: Status | None, recipient: str | None, token: str | None, size: int
    ) -> Page: ...


class Sender(Protocol):
    async def send(self, mail: Email) -> None:
        """Deliver, or raise :class:`SendFailed`."""
        ...


class Courier:
    """Queueing (any request handler) and dispatching (the worker) over one store."""

    def __init__(
        self,
        store: MessageStore,
        templates: Templates,
        sender: Sender,
        *,
        retries: int = 5,
        pull_count: int = 10,
        pull_wait: timedelta = timedelta(seconds=1),
        backoff: Callable[[int], timedelta] = default_backoff,
        lease: timedelta = LEASE,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.store = store
        self.templates = templates
        self.sender = sender
        self.retries = retries
        self.pull_count = pull_count
        self.pull_wait = pull_wait
        self.backoff = backoff
        self.lease = lease
        self.clock = clock

    async def queue_email(
        self, template_type: str, recipient: str, model: Mapping[str, Any]
    ) -> Message:
        """Render and queue an e-mail; the model gets ``To`` from ``recipient``."""
        data = {**model, "To": recipient}
        rendered = self.templates.render(template_type, data)
        message = Message(
            recipient=recipient,
            subject=rendered.subject,
            body=rendered.plaintext,
            template_type=template_type,
            template_data=data,
        )
        await self.store.enqueue(message, self.clock())
        return message

    async def _deliver(self, claim: Claim) -> Status:
        m = claim.message
        html = self.templates.render(m.template_type, m.template_data).html
        try:
            await self.sender.send(Email(m.recipient, m.subject, m.body, html))
        except SendFailed as exc:
            failures = m.send_count + 1
            status = Status.ABANDONED if failures > self.retries else Status.QUEUED
            log.warning(
                "courier: message %s failed (attempt %d): %s%s",
                m.id,
                failures,
                exc,
                "; abandoned" if status is Status.ABANDONED else "",
            )
            await self.store.finish(
                claim,
                status,
                self.clock() + self.backoff(failures),
                Dispatch(m.id, "failed", {"reason": str(exc)}),
            )
            return status
        await self.store.finish(claim, Status.SENT, self.clock(), Dispatch(m.id, "success"))
        return Status.SENT

    async def dispatch_queue(self) -> int:
        """One round: claim a batch and attempt each message; how many were attempted."""
        claims = await self.store.claim(self.clock(), self.pull_count, self.lease)
        for claim in claims:
            await self._deliver(claim)
        return len(claims)

    async def watch(self, stop: asyncio.Event | None = None) -> None:
        """Dispatch until cancelled (or ``stop`` is set), waiting ``pull_wait`` when idle."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                handled = await self.dispatch_queue()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("courier: dispatching failed; trying again")
                handled = 0
            if handled < self.pull_count:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.pull_wait.total_seconds())
