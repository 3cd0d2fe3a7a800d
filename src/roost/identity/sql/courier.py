"""The courier queue on SQL (``roost.identity.courier.queue.MessageStore``).

``subject``, ``body`` and ``template_data`` carry recovery and verification
codes, so they are stored as Fernet ciphertext under the service's cookie
secrets (any configured secret decrypts, the first encrypts); the recipient
stays clear for the admin API's filter. See ``courier/queue.py`` for how a
claim makes each message one worker's.
"""

from __future__ import annotations

import base64
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import orjson
from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.core.errors import Invalid
from roost.identity.courier.message import Dispatch, Message, Status, Type
from roost.identity.courier.queue import Claim, Page
from roost.identity.sql.tables import courier_dispatches as dispatches
from roost.identity.sql.tables import courier_messages as messages
from roost.storage.database import Database

log = logging.getLogger("roost.identity.courier")
_DUE = (int(Status.QUEUED), int(Status.PROCESSING))


def encode_token(m: Message) -> str:
    raw = f"{m.created_at.isoformat()}/{m.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        created, _, mid = raw.partition("/")
        return datetime.fromisoformat(created), uuid.UUID(mid)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("The page token is invalid") from None


class CourierStore:
    def __init__(self, db: Database, nid: uuid.UUID, cipher: MultiFernet) -> None:
        self.db = db
        self.nid = nid
        self.cipher = cipher

    def _seal(self, value: str) -> str:
        return self.cipher.encrypt(value.encode()).decode()

    def _open(self, value: str | None) -> str:
        if not value:
            return ""
        try:
            return self.cipher.decrypt(value.encode()).decode()
        except (InvalidToken, UnicodeError):
            log.warning("courier: a stored message no longer decrypts (secrets rotated?)")
            return ""

    def _message(self, row: Row[Any]) -> Message:
        data = self._open(row.template_data)
        return Message(
            id=row.id,
            recipient=row.recipient,
            subject=self._open(row.subject),
            body=self._open(row.body),
            template_type=row.template_type,
            template_data=orjson.loads(data) if data else {},
            type=Type(row.type),
            status=Status(row.status),
            send_count=row.send_count,
            channel=row.channel,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def enqueue(self, m: Message, at: datetime) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                messages.insert().values(
                    id=m.id,
                    nid=self.nid,
                    type=int(m.type),
                    status=int(m.status),
                    body=self._seal(m.body),
                    subject=self._seal(m.subject),
                    recipient=m.recipient,
                    template_type=m.template_type,
                    template_data=self._seal(orjson.dumps(m.template_data).decode()),
                    send_count=m.send_count,
                    channel=m.channel,
                    created_at=m.created_at,
                    updated_at=m.updated_at,
                    next_attempt_at=at,
                )
            )

        await self.db.transaction(run)

    async def claim(self, at: datetime, limit: int, lease: timedelta) -> list[Claim]:
        claim_id = uuid.uuid4()

        async def run(conn: AsyncConnection) -> list[Claim]:
            due = and_(
                messages.c.nid == self.nid,
                messages.c.status.in_(_DUE),
                messages.c.next_attempt_at <= at,
            )
            ids = [
                r[0]
                for r in await conn.execute(
                    select(messages.c.id)
                    .where(due)
                    .order_by(messages.c.next_attempt_at, messages.c.id)
                    .limit(limit)
                )
            ]
            if not ids:
                return []
            # The compare-and-set: only rows still due are taken (re-checked by the UPDATE).
            await conn.execute(
                update(messages)
                .where(due, messages.c.id.in_(ids))
                .values(
                    status=int(Status.PROCESSING),
                    claim_id=claim_id,
                    next_attempt_at=at + lease,
                    updated_at=at,
                )
            )
            rows = await conn.execute(
                select(messages).where(messages.c.nid == self.nid, messages.c.claim_id == claim_id)
            )
            return [Claim(self._message(r), claim_id) for r in rows]

        return await self.db.transaction(run)

    async def finish(
        self, claim: Claim, status: Status, next_attempt_at: datetime, dispatch: Dispatch
    ) -> bool:
        m = claim.message

        async def run(conn: AsyncConnection) -> bool:
            result = await conn.execute(
                update(messages)
                .where(
                    messages.c.nid == self.nid,
                    messages.c.id == m.id,
                    messages.c.claim_id == claim.claim_id,
                )
                .values(
                    status=int(status),
                    send_count=messages.c.send_count + 1,
                    next_attempt_at=next_attempt_at,
                    claim_id=None,
                    updated_at=dispatch.created_at,
                )
            )
            if result.rowcount != 1:
                return False
            await conn.execute(
                dispatches.insert().values(
                    id=dispatch.id,
                    message_id=m.id,
                    status=dispatch.status,
                    error=dispatch.error,
                    nid=self.nid,
                    created_at=dispatch.created_at,
                    updated_at=dispatch.created_at,
                )
            )
            return True

        return await self.db.transaction(run)

    async def get(self, message_id: uuid.UUID) -> Message | None:
        async def run(conn: AsyncConnection) -> Message | None:
            row = (
                await conn.execute(
                    select(messages).where(messages.c.nid == self.nid, messages.c.id == message_id)
                )
            ).first()
            if row is None:
                return None
            m = self._message(row)
            found = await conn.execute(
                select(dispatches)
                .where(dispatches.c.nid == self.nid, dispatches.c.message_id == message_id)
                .order_by(dispatches.c.created_at, dispatches.c.id)
            )
            m.dispatches = [
                Dispatch(d.message_id, d.status, d.error, id=d.id, created_at=d.created_at)
                for d in found
            ]
            return m

        return await self.db.read(run)

    async def list(
        self, status: Status | None, recipient: str | None, token: str | None, size: int
    ) -> Page:
        """Newest first (``created_at DESC, id``), keyset-paginated with an opaque token."""
        query = select(messages).where(messages.c.nid == self.nid)
        if status is not None:
            query = query.where(messages.c.status == int(status))
        if recipient:
            query = query.where(messages.c.recipient == recipient)
        if token:
            created, mid = decode_token(token)
            query = query.where(
                or_(
                    messages.c.created_at < created,
                    and_(messages.c.created_at == created, messages.c.id > mid),
                )
            )
        query = query.order_by(messages.c.created_at.desc(), messages.c.id).limit(size + 1)

        async def run(conn: AsyncConnection) -> Page:
            found = [self._message(r) for r in await conn.execute(query)]
            more = len(found) > size
            found = found[:size]
            return Page(found, encode_token(found[-1]) if more else None)

        return await self.db.read(run)
