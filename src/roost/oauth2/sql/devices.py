"""``hydra_oauth2_device_auth_codes``: the DeviceStore.

Every state change is a conditional UPDATE (``WHERE user_code_state = ?``,
``WHERE device_code_active``, ``WHERE last_polled_at <= ?``), so a user code,
a verifier and a device code each work once, and of two polls inside one
interval only one counts, under concurrency too. The session (ID-token
facts, extra claims) is sealed like a token's when ``encrypt_at_rest``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2.rfc8628.device import DeviceRequest
from roost.oauth2.sql.tables import hydra_oauth2_device_auth_codes as device_t
from roost.oauth2.tokens.aead import AEAD, DecryptionError
from roost.storage.database import Database

_LISTS = {
    "requested_scope": "scope",
    "granted_scope": "granted_scope",
    "requested_audience": "requested_audience",
    "granted_audience": "granted_audience",
}


def _split(text: str | None) -> list[str]:
    return [p for p in (text or "").split("|") if p]


class DeviceStore:
    def __init__(self, db: Database, nid: uuid.UUID, aead: AEAD | None) -> None:
        self.db = db
        self.nid = nid
        self.aead = aead

    def _seal(self, session: dict[str, Any]) -> str:
        raw = orjson.dumps(session)
        return self.aead.encrypt(raw) if self.aead else raw.decode()

    def _open(self, text: str) -> dict[str, Any]:
        try:
            data = orjson.loads(
                text if text[:1] == "{" or self.aead is None else self.aead.decrypt(text)
            )
        except (DecryptionError, orjson.JSONDecodeError):
            data = {}
        return data if isinstance(data, dict) else {}

    def _values(self, values: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in values.items():
            if key in _LISTS:
                out[_LISTS[key]] = "|".join(value)
            elif key == "session":
                out["session_data"] = self._seal(value)
            else:
                out[key] = value
        return out

    def _request(self, row: Mapping[Any, Any]) -> DeviceRequest:
        return DeviceRequest(
            device_code_signature=row["device_code_signature"],
            user_code_signature=row["user_code_signature"],
            request_id=row["request_id"],
            requested_at=row["requested_at"],
            client_id=row["client_id"],
            requested_scope=_split(row["scope"]),
            requested_audience=_split(row["requested_audience"]),
            expires_at=row["expires_at"],
            user_code_state=row["user_code_state"],
            device_code_active=bool(row["device_code_active"]),
            challenge_id=row["challenge_id"],
            subject=row["subject"] or "",
            granted_scope=_split(row["granted_scope"]),
            granted_audience=_split(row["granted_audience"]),
            session=self._open(row["session_data"] or ""),
            last_polled_at=row["last_polled_at"],
        )

    async def create_device(self, request: DeviceRequest) -> None:
        row = self._values(
            {
                "device_code_signature": request.device_code_signature,
                "user_code_signature": request.user_code_signature,
                "request_id": request.request_id,
                "requested_at": request.requested_at,
                "client_id": request.client_id,
                "requested_scope": request.requested_scope,
                "granted_scope": request.granted_scope,
                "requested_audience": request.requested_audience,
                "granted_audience": request.granted_audience,
                "session": request.session,
                "subject": request.subject,
                "device_code_active": request.device_code_active,
                "user_code_state": request.user_code_state,
                "challenge_id": request.challenge_id,
                "expires_at": request.expires_at,
                "form_data": "",
                "nid": self.nid,
            }
        )

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(device_t.insert().values(**row))

        await self.db.transaction(run)

    async def _one(self, *where: Any) -> DeviceRequest | None:
        query = select(device_t).where(device_t.c.nid == self.nid, *where)

        async def run(conn: AsyncConnection) -> DeviceRequest | None:
            row = (await conn.execute(query)).mappings().first()
            return None if row is None else self._request(row)

        return await self.db.read(run)

    async def by_device_code(self, signature: str) -> DeviceRequest | None:
        return await self._one(device_t.c.device_code_signature == signature)

    async def by_user_code(self, signature: str) -> DeviceRequest | None:
        return await self._one(device_t.c.user_code_signature == signature)

    async def by_request_id(self, request_id: str) -> DeviceRequest | None:
        return await self._one(device_t.c.request_id == request_id)

    async def _update(self, signature: str, values: dict[str, Any], *where: Any) -> bool:
        c = device_t.c
        query = (
            update(device_t)
            .where(c.device_code_signature == signature, c.nid == self.nid, *where)
            .values(**values)
        )

        async def run(conn: AsyncConnection) -> bool:
            return bool((await conn.execute(query)).rowcount)

        return await self.db.transaction(run)

    async def move(self, request: DeviceRequest, expected: int, values: dict[str, Any]) -> bool:
        return await self._update(
            request.device_code_signature,
            self._values(values),
            device_t.c.user_code_state == expected,
        )

    async def poll(self, signature: str, now: datetime, interval: timedelta) -> bool:
        c = device_t.c
        return await self._update(
            signature,
            {"last_polled_at": now},
            or_(c.last_polled_at.is_(None), c.last_polled_at <= now - interval),
        )

    async def use_device_code(self, signature: str) -> bool:
        return await self._update(
            signature, {"device_code_active": False}, device_t.c.device_code_active.is_(True)
        )
