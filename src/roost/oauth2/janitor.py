"""Deleting expired tokens in bounded batches (``roost oauth2 janitor``, ``janitor.interval``).

Hydra's most reported operational pain is token tables that only grow
(#1574, #3079, #2513): its janitor once selected every signature at once and
ran for minutes. Here each batch is its own short transaction that deletes at
most ``batch_size`` rows found through the ``(nid, expires_at)`` index, so no
lock is held for long and concurrent token traffic keeps flowing. Failed
client-authentication counts whose window has passed go the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, Protocol

from roost.core.throttle import WINDOW

TokenKind = Literal["access", "refresh"]
KINDS: tuple[TokenKind, ...] = ("access", "refresh")


class ExpiredTokens(Protocol):
    """What the janitor deletes: expired rows of one kind in a batch, then used JWT ids."""

    async def flush_batch(self, kind: TokenKind, now: datetime, batch: int) -> int: ...

    async def flush_jti(self, now: datetime) -> None: ...


class StaleCounts(Protocol):
    """Failure counts (``roost.core.throttle``) that no longer slow anything down."""

    async def cleanup(self, before: datetime, batch: int) -> int: ...


class ExpiredRequests(Protocol):
    """Pushed authorization requests nobody used (RFC 9126), DPoP proofs too old to replay
    (RFC 9449)."""

    async def flush(self, now: datetime) -> None: ...


class Janitor:
    def __init__(
        self,
        tokens: ExpiredTokens,
        batch_size: int,
        failures: StaleCounts | None = None,
        pushed: ExpiredRequests | None = None,
        proofs: ExpiredRequests | None = None,
    ) -> None:
        self.tokens = tokens
        self.batch_size = batch_size
        self.failures = failures
        self.pushed = pushed
        self.proofs = proofs

    async def run(self, *, limit: int = 100_000) -> int:
        """Delete up to ``limit`` expired or revoked rows; returns how many went."""
        now = datetime.now(UTC).replace(tzinfo=None)
        removed = 0
        for kind in KINDS:
            while removed < limit:
                batch = min(self.batch_size, limit - removed)
                count = await self.tokens.flush_batch(kind, now, batch)
                removed += count
                if count < batch:
                    break
        await self.tokens.flush_jti(now)
        if self.pushed is not None:
            await self.pushed.flush(now)
        if self.proofs is not None:
            await self.proofs.flush(now)
        while self.failures is not None and removed < limit:
            batch = min(self.batch_size, limit - removed)
            count = await self.failures.cleanup(now - WINDOW, batch)
            removed += count
            if count < batch:
                break
        return removed
