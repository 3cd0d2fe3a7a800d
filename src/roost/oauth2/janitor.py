"""Deleting expired tokens in bounded batches (``roost oauth2 janitor``, ``janitor.interval``).

Hydra's most reported operational pain is token tables that only grow
(#1574, #3079, #2513): its janitor once selected every signature at once and
ran for minutes. Here each batch is its own short transaction that deletes at
most ``batch_size`` rows found through the ``(nid, expires_at)`` index, so no
lock is held for long and concurrent token traffic keeps flowing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from roost.oauth2.sql.tables import hydra_oauth2_access, hydra_oauth2_refresh
from roost.oauth2.sql.tokens import TokenStore


class Janitor:
    def __init__(self, tokens: TokenStore, batch_size: int) -> None:
        self.tokens = tokens
        self.batch_size = batch_size

    async def run(self, *, limit: int = 100_000) -> int:
        """Delete up to ``limit`` expired or revoked rows; returns how many went."""
        now = datetime.now(UTC).replace(tzinfo=None)
        removed = 0
        for table in (hydra_oauth2_access, hydra_oauth2_refresh):
            while removed < limit:
                batch = min(self.batch_size, limit - removed)
                count = await self.tokens.flush_batch(table, now, batch)
                removed += count
                if count < batch:
                    break
        await self.tokens.flush_jti(now)
        return removed
