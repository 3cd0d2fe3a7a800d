"""The check cache: relation-tuple rows kept in each worker, never stale.

Checks read the same small keys over and over (a folder's viewers, a group's
members), so each worker keeps the rows it has read, keyed the way the engine
asks for them. Correctness across replicas rests on one counter per network
(``roost_check_versions``) that every tuple write raises inside its own
transaction: a check first reads the counter and drops the whole cache when it
moved. So a check sees every write that finished before it began, whichever
replica took the write, exactly as without the cache; what the cache saves is
the queries, not any consistency.

Reading the counter is one tiny query, and concurrent checks share it: a
check waits for the next read that *starts* after it arrived, so one read
serves every check that came in while the previous one was in flight.

Only keys (and objects) with at most ``cap`` rows are kept; bigger ones are
marked and checked per subject, so one huge group cannot crowd out the rest.
The cache holds at most ``max_rows`` rows and starts over when full.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from roost.permissions.check.engine import Key, KeyData, ObjectRef, SubjectRef
from roost.permissions.sql.rows_query import EMPTY, TOO_BIG, Entry, Rows

DEFAULT_CAP = 64
DEFAULT_MAX_ROWS = 1_000_000


class TupleCache:
    """Rows by key and by object, valid for one counter value."""

    def __init__(self, cap: int = DEFAULT_CAP, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.cap = cap
        self.max_rows = max_rows
        self.version = -1
        self._keys: dict[Key, Entry] = {}
        self._objects: dict[ObjectRef, dict[str, Entry]] = {}
        self._size = 0

    def observe(self, version: int) -> None:
        """A counter value read from storage: newer than ours means start over."""
        if version > self.version:
            self._clear()
            self.version = version

    def store(self, version: int, rows: Rows) -> None:
        """Keep rows read after counter ``version`` was seen, if that is still current.

        A check that saw an older value may have read rows older than a write
        another check has already seen the counter of; those are not kept.
        """
        if version != self.version:
            return
        if self._size + rows.size > self.max_rows:
            self._clear()
        self._keys.update(rows.keys)
        self._objects.update(rows.objects)
        self._size += rows.size

    def entry(self, key: Key) -> Entry | None:
        """The entry for ``key``: cached, empty (its object was read in full) or unknown."""
        relations = self._objects.get((key[0], key[1]))
        if relations is not None:
            return relations.get(key[2], EMPTY)
        return self._keys.get(key)

    def _clear(self) -> None:
        self._keys = {}
        self._objects = {}
        self._size = 0


def key_data(
    entry: Entry, subject: SubjectRef, lookup: Callable[[Key], Entry | None]
) -> KeyData:
    """What the engine needs of ``entry`` for ``subject``.

    A subject set's "holds the subject directly" flag comes from the set's own
    entry when that is at hand, and is left open (``None``) otherwise: the
    engine then reads the set itself.
    """
    sets: list[tuple[Key, bool | None]] = []
    for s in entry.sets:
        inner = lookup(s)
        sets.append((s, None if inner is None or inner is TOO_BIG else subject in inner.subjects))
    return KeyData(subject in entry.subjects, sets)


class VersionGate:
    """Shares counter reads between concurrent checks without ever serving an old one.

    Each caller gets a value from a read that started after it called: callers
    arriving while a read is in flight wait for the next one, which starts as
    soon as the current read ends.
    """

    def __init__(self, read: Callable[[], Awaitable[int]]) -> None:
        self._read = read
        self._next: asyncio.Future[int] | None = None
        self._task: asyncio.Task[None] | None = None

    async def current(self) -> int:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            self._next.add_done_callback(_consume)
            if self._task is None:
                self._task = asyncio.create_task(self._run())
        return await asyncio.shield(self._next)

    async def _run(self) -> None:
        try:
            while self._next is not None:
                waiting, self._next = self._next, None
                try:
                    waiting.set_result(await self._read())
                except Exception as exc:  # every waiter of this read gets it
                    waiting.set_exception(exc)
        finally:
            self._task = None


def _consume(future: asyncio.Future[int]) -> None:
    """Mark an exception as seen even when every waiter has gone (no loop warning)."""
    if not future.cancelled():
        future.exception()
