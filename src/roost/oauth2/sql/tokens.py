"""Token rows (``hydra_oauth2_access``/``_refresh``) and the JTI blacklist.

Scopes and audiences are ``|``-joined and ``session_data`` is AES-GCM sealed
(``oauth2.session.encrypt_at_rest``), as in Hydra, so Hydra's own read-back SQL
shows the same shapes. Access rows are keyed by the SHA-384 of the token
signature; refresh rows by the raw signature (reference §4.2).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.core.errors import Conflict
from roost.oauth2.janitor import TokenKind
from roost.oauth2.sql.raw import GuardedUpdate, KeyLookup, RawInsert, insert_together
from roost.oauth2.sql.tables import hydra_oauth2_access as access_t
from roost.oauth2.sql.tables import hydra_oauth2_code as code_t
from roost.oauth2.sql.tables import hydra_oauth2_jti_blacklist as jti_t
from roost.oauth2.sql.tables import hydra_oauth2_refresh as refresh_t
from roost.oauth2.tokens.aead import AEAD, DecryptionError
from roost.oauth2.tokens.record import TokenRecord
from roost.storage.database import Database

REUSE_WINDOW = timedelta(minutes=30)  # Hydra keeps a used refresh token this long


def _split(text: str | None) -> list[str]:
    return [p for p in (text or "").split("|") if p]


class TokenStore:
    def __init__(self, db: Database, nid: uuid.UUID, aead: AEAD | None) -> None:
        self.db = db
        self.nid = nid
        self.aead = aead
        self._access = KeyLookup(db, access_t, "signature", nid)
        self._insert_access = RawInsert(db, access_t)
        self._insert_refresh = RawInsert(db, refresh_t)
        self._code = KeyLookup(db, code_t, "signature", nid)
        self._insert_code = RawInsert(db, code_t)
        self._use_code = GuardedUpdate(db, code_t, "signature", "active")

    # -- codec -----------------------------------------------------------------

    def _row(self, rec: TokenRecord) -> dict[str, Any]:
        session = orjson.dumps(rec.session)
        return {
            "signature": rec.signature,
            "request_id": rec.request_id,
            "requested_at": rec.requested_at,
            "client_id": rec.client_id,
            "scope": "|".join(rec.requested_scope),
            "granted_scope": "|".join(rec.granted_scope),
            "form_data": rec.form,
            "session_data": self.aead.encrypt(session) if self.aead else session.decode(),
            "subject": rec.subject,
            "active": rec.active,
            "requested_audience": "|".join(rec.requested_audience),
            "granted_audience": "|".join(rec.granted_audience),
            "challenge_id": None,
            "nid": self.nid,
            "expires_at": rec.expires_at,
        }

    def _session(self, text: str) -> dict[str, Any]:
        """Plain JSON is read as is; anything else is decrypted first (as Hydra does)."""
        try:
            data = orjson.loads(text) if text[:1] == "{" else None
        except orjson.JSONDecodeError:
            data = None
        if data is None and self.aead is not None:
            try:
                data = orjson.loads(self.aead.decrypt(text))
            except (DecryptionError, orjson.JSONDecodeError):
                data = {}
        return data if isinstance(data, dict) else {}

    def _record(self, row: Mapping[Any, Any]) -> TokenRecord:
        return TokenRecord(
            signature=row["signature"],
            request_id=row["request_id"],
            requested_at=row["requested_at"],
            client_id=row["client_id"],
            subject=row["subject"] or "",
            expires_at=row["expires_at"],
            requested_scope=_split(row["scope"]),
            granted_scope=_split(row["granted_scope"]),
            requested_audience=_split(row["requested_audience"]),
            granted_audience=_split(row["granted_audience"]),
            form=row["form_data"] or "",
            session=self._session(row["session_data"] or ""),
            active=bool(row["active"]),
        )

    # -- writes ----------------------------------------------------------------

    async def create(self, access: TokenRecord, refresh: TokenRecord | None = None) -> None:
        if refresh is None:
            # The hottest write (client_credentials): one INSERT is atomic by itself, so
            # it runs in autocommit without BEGIN/COMMIT round trips, as hand-written SQL
            # (sql/raw.py); it ignores a conflict on its random key, so a retry is safe.
            await self._insert_access.insert(self._row(access))
            return
        refresh_row = self._row(refresh)
        refresh_row.update(
            access_token_signature=access.signature, used_times=0, first_used_at=None
        )
        # Both rows or neither (sql/raw.py): one statement on PostgreSQL, one transaction
        # on SQLite; conflicts on the random keys ignored, so safe to run again.
        await insert_together(
            self.db, [(self._insert_access, self._row(access)), (self._insert_refresh, refresh_row)]
        )

    async def rotate_refresh(
        self, request_id: str, used: str, access: TokenRecord, refresh: TokenRecord
    ) -> bool:
        """Strict rotation: retire the grant's refresh and access tokens, then issue new ones.

        ``used`` is the signature of the presented refresh token; it is retired
        only while still active, so of concurrent rotations exactly one wins.
        False when it is no longer active (a concurrent rotation won, or it was
        revoked): nothing is written then.
        """
        access_row = self._row(access)
        refresh_row = self._row(refresh)
        refresh_row.update(access_token_signature=access.signature, used_times=0)

        async def run(conn: AsyncConnection) -> bool:
            retired = await conn.execute(
                update(refresh_t)
                .where(
                    refresh_t.c.signature == used,
                    refresh_t.c.request_id == request_id,
                    refresh_t.c.nid == self.nid,
                    refresh_t.c.active.is_(True),
                )
                .values(
                    active=False,
                    first_used_at=access.requested_at,
                    expires_at=access.requested_at + REUSE_WINDOW,
                )
            )
            if not retired.rowcount:
                return False
            await conn.execute(
                delete(access_t).where(
                    access_t.c.request_id == request_id, access_t.c.nid == self.nid
                )
            )
            await conn.execute(access_t.insert().values(**access_row))
            await conn.execute(refresh_t.insert().values(**refresh_row))
            return True

        return await self.db.transaction(run)

    async def revoke_request(self, request_id: str) -> None:
        """RFC 7009 §2.1: revoke every token of the grant (access and refresh)."""

        async def run(conn: AsyncConnection) -> None:
            for table in (access_t, refresh_t):
                await conn.execute(
                    delete(table).where(table.c.request_id == request_id, table.c.nid == self.nid)
                )

        await self.db.transaction(run, idempotent=True)

    async def delete_client_tokens(self, client_id: str) -> None:
        """``DELETE /admin/oauth2/tokens``: every access token of a client."""

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(access_t).where(
                    access_t.c.client_id == client_id, access_t.c.nid == self.nid
                )
            )

        await self.db.transaction(run, idempotent=True)

    # -- reads -----------------------------------------------------------------

    async def _get(self, table: Table, signature: str) -> TokenRecord | None:
        query = select(table).where(table.c.signature == signature, table.c.nid == self.nid)

        async def run(conn: AsyncConnection) -> TokenRecord | None:
            row = (await conn.execute(query)).mappings().first()
            return None if row is None else self._record(row)

        return await self.db.read(run)

    async def get_access(self, signature_hash: str) -> TokenRecord | None:
        row = await self._access.get(signature_hash)
        return None if row is None else self._record(row)

    async def get_refresh(self, signature: str) -> TokenRecord | None:
        return await self._get(refresh_t, signature)

    # -- authorization codes --------------------------------------------------------

    # One hand-written autocommit statement each (sql/raw.py): a code is written,
    # read and spent once per code flow.

    async def create_code(self, record: TokenRecord) -> None:
        await self._insert_code.insert(self._row(record))

    async def get_code(self, signature: str) -> TokenRecord | None:
        row = await self._code.get(signature)
        return None if row is None else self._record(row)

    async def use_code(self, record: TokenRecord) -> bool:
        """Deactivate a code (read from this network) while it is active; kept
        ``REUSE_WINDOW`` to detect replays. Of concurrent redemptions one wins."""
        now = datetime.now(UTC).replace(tzinfo=None)
        spent = replace(record, active=False, expires_at=now + REUSE_WINDOW)
        return await self._use_code.update(record.signature, self._row(spent), (True,))

    # -- JTI replay protection -------------------------------------------------

    async def use_jti(self, signature: str, expires_at: datetime, now: datetime) -> None:
        """Remember a JWT ID until it expires; Conflict when it is already remembered."""

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(jti_t).where(jti_t.c.nid == self.nid, jti_t.c.expires_at < now)
            )
            seen = await conn.execute(
                select(jti_t.c.expires_at).where(
                    jti_t.c.signature == signature, jti_t.c.nid == self.nid
                )
            )
            if seen.first() is not None:
                raise Conflict("the jti was used before")
            await conn.execute(
                jti_t.insert().values(signature=signature, nid=self.nid, expires_at=expires_at)
            )

        await self.db.transaction(run)

    # -- janitor ---------------------------------------------------------------

    async def flush_batch(self, kind: TokenKind, now: datetime, batch: int) -> int:
        """Delete up to ``batch`` expired rows; one short transaction, no long locks.

        Revoked tokens are deleted at revocation; retired refresh tokens expire
        ``REUSE_WINDOW`` after rotation (kept that long to detect reuse).
        """
        table = access_t if kind == "access" else refresh_t
        key = table.c.signature
        query = select(key).where(table.c.nid == self.nid, table.c.expires_at < now).limit(batch)

        async def run(conn: AsyncConnection) -> int:
            keys = [r[0] for r in await conn.execute(query)]
            if keys:
                await conn.execute(delete(table).where(key.in_(keys), table.c.nid == self.nid))
            return len(keys)

        return await self.db.transaction(run, idempotent=True)

    async def flush_jti(self, now: datetime) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(jti_t).where(jti_t.c.nid == self.nid, jti_t.c.expires_at < now)
            )

        await self.db.transaction(run, idempotent=True)
