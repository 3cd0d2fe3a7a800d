"""The check cache: relation-tuple rows kept in each worker, never stale.

Checks read the same small keys over and over (a folder's viewers, a group's
members), so each worker keeps the rows it has read, keyed the way the engine
asks for them. Correctness across replicas rests on version counters per network
(``roost_check_counters``, a few shards so that concurrent writers rarely
meet): every tuple write raises one inside its own transaction and logs the
objects it touched under the new value (``roost_check_log``). A check first
reads the counters; where they moved, the same statement returns the objects
written since, and the cache drops those (or everything, when the log cannot
tell). So a check sees every write
that finished before it began, whichever replica took the write, exactly as
without the cache; what the cache saves is the queries, not any consistency.

Reading the counters is one tiny query, and concurrent checks share it: a
check waits for the next read that *starts* after it arrived, so one read
serves every check that came in while the previous one was in flight.

Only keys (and objects) with at most ``cap`` rows are kept; bigger ones are
marked and checked per subject, so one huge group cannot crowd out the rest.
The cache holds at most ``max_rows`` rows and starts over when full.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from roost.permissions.check.engine import Key, KeyData, ObjectRef, SubjectRef
from roost.permissions.sql.rows_query import EMPTY, TOO_BIG, Entry, Rows

Versions = tuple[int, ...]
"""One counter value per shard."""

DEFAULT_CAP = 64
DEFAULT_MAX_ROWS = 500_000
"""≈ 220 bytes per cached row (measured): at most ≈ 110 MB per worker."""


class TupleCache:
    """Rows by key and by object, valid for one counter value."""

    def __init__(self, cap: int = DEFAULT_CAP, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.cap = cap
        self.max_rows = max_rows
        self.version: Versions | None = None
        """Counter values (one per shard) the cached rows are current for."""
        self._keys: dict[ObjectRef, dict[str, Entry]] = {}
        """Keys read one by one, by object."""
        self._objects: dict[ObjectRef, dict[str, Entry]] = {}
        """Objects read in full: a relation not listed is empty."""
        self._size = 0
        self.hits = 0
        """Key reads answered from memory (exported as a metric)."""
        self.misses = 0

    def advance(self, version: Versions, changed: Iterable[ObjectRef] | None) -> None:
        """Move to counters ``version``, dropping the objects written since ours.

        ``None`` means the writes since are not known object by object: start
        over. Counters read earlier than ours (never newer anywhere) change nothing.
        """
        if self.version is not None and all(
            new <= old for new, old in zip(version, self.version, strict=True)
        ):
            return
        if changed is None or self.version is None:
            self._clear()
        else:
            for obj in changed:
                self._keys.pop(obj, None)
                self._objects.pop(obj, None)
        self.version = version

    def store(self, version: Versions, rows: Rows) -> None:
        """Keep rows read after counter ``version`` was seen, if that is still current.

        A check that saw an older value may have read rows older than a write
        another check has already seen the counter of; those are not kept.
        """
        if version != self.version:
            return
        if self._size + rows.size > self.max_rows:
            self._clear()
        for (namespace, obj, relation), entry in rows.keys.items():
            self._keys.setdefault((namespace, obj), {})[relation] = entry
        self._objects.update(rows.objects)
        self._size += rows.size  # an upper bound: dropped objects are not subtracted

    def entry(self, key: Key) -> Entry | None:
        """The entry for ``key``: cached, empty (its object was read in full) or unknown."""
        obj = (key[0], key[1])
        relations = self._objects.get(obj)
        if relations is not None:
            self.hits += 1
            return relations.get(key[2], EMPTY)
        relations = self._keys.get(obj)
        found = None if relations is None else relations.get(key[2])
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    @property
    def size(self) -> int:
        """Rows held (an upper bound, see :meth:`store`)."""
        return self._size

    def _clear(self) -> None:
        self._keys = {}
        self._objects = {}
        self._size = 0


def key_data(entry: Entry, subject: SubjectRef, lookup: Callable[[Key], Entry | None]) -> KeyData:
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

    def __init__(self, read: Callable[[], Awaitable[Versions]]) -> None:
        self._read = read
        self._next: asyncio.Future[Versions] | None = None
        self._task: asyncio.Task[None] | None = None

    async def current(self) -> Versions:
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


def _consume(future: asyncio.Future[Versions]) -> None:
    """Mark an exception as seen even when every waiter has gone (no loop warning)."""
    if not future.cancelled():
        future.exception()
