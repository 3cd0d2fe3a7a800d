"""``hydra_jwk``: JSON Web Keys, private parts AES-GCM sealed as in Hydra (reference §4.3)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2.sql.raw import bound
from roost.oauth2.sql.tables import hydra_jwk as t
from roost.oauth2.tokens.aead import AEAD
from roost.storage.database import Database


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class KeyStore:
    def __init__(self, db: Database, nid: uuid.UUID, aead: AEAD) -> None:
        self.db = db
        self.nid = nid
        self.aead = aead
        self._nid = bound(db, t.c.nid, nid)
        pg = db.dialect != "sqlite"
        m = ["$1", "$2", "$3"] if pg else ["?"] * 3
        base = f"SELECT keydata FROM hydra_jwk WHERE sid = {m[0]} AND nid = {m[1]}"  # noqa: S608
        order = " ORDER BY created_at DESC, kid"
        self._by_set, self._by_kid = base + order, f"{base} AND kid = {m[2]}{order}"

    def _row(self, set_id: str, key: dict[str, Any], created: datetime) -> dict[str, Any]:
        return {
            "pk": uuid.uuid4(),
            "sid": set_id,
            "kid": key["kid"],
            "nid": self.nid,
            "version": 0,
            "keydata": self.aead.encrypt(orjson.dumps(key)),
            "created_at": created,
        }

    async def add(self, set_id: str, keys: list[dict[str, Any]], *, replace: bool) -> None:
        """Insert keys into a set (``replace``: the set becomes exactly these keys).

        A key whose ``kid`` already exists in the set is replaced, which is
        what ``PUT /admin/keys/{set}/{kid}`` means.
        """
        now = _now()

        async def run(conn: AsyncConnection) -> None:
            where = [t.c.sid == set_id, t.c.nid == self.nid]
            if not replace:
                where.append(t.c.kid.in_([k["kid"] for k in keys]))
            await conn.execute(delete(t).where(*where))
            for key in keys:
                await conn.execute(t.insert().values(**self._row(set_id, key, now)))

        await self.db.transaction(run)

    async def get(self, set_id: str, kid: str | None = None) -> list[dict[str, Any]]:
        """The set's keys, newest first (the first one signs).

        Read on every signature and verification (keys rotate on other replicas), so
        as hand-written SQL (sql/raw.py)."""
        params: tuple[Any, ...]
        if kid is None:
            sql, params = self._by_set, (set_id, self._nid)
        else:
            sql, params = self._by_kid, (set_id, self._nid, kid)
        async with self.db.raw_reader() as run:
            rows = await run(sql, params)
        return [orjson.loads(self.aead.decrypt(r[0])) for r in rows]

    async def delete(self, set_id: str, kid: str | None = None) -> bool:
        where = [t.c.sid == set_id, t.c.nid == self.nid]
        if kid is not None:
            where.append(t.c.kid == kid)

        async def run(conn: AsyncConnection) -> bool:
            return bool((await conn.execute(delete(t).where(*where))).rowcount)

        return await self.db.transaction(run)
