"""The check engine: is ``subject`` in ``namespace:object#relation``?

Semantics follow Keto v25.4.0 (``internal/check``): the same depth accounting
(a direct tuple needs ``max-depth`` ≥ 2, subject-set expansion and OPL
``traverse`` cost a level, ``||`` children are first tried as one batched
direct lookup), the same width limit on subject-set expansion, the same
visited-set cycle protection, and non-strict mode treating permits as stored
relations too.

The evaluation strategy is ours. Keto walks the graph issuing one query per
step; we evaluate the whole expression tree against what has been fetched so
far, collect every key the tree still needs, fetch them all in one statement,
and repeat. One round trip per level of the search: a check that resolves at
depth 3 costs at most 3 queries, whatever the fan-out. Before asking storage,
each pass asks the snapshot for data it already holds (the store's cache), so
a check whose data is all cached and current is decided in one pass.

Results are three-valued. Two deliberate differences from Keto: running out
of depth, and a cycle (a subject set already on the path, or a relation whose
evaluation reaches itself), are UNKNOWN, and UNKNOWN stays UNKNOWN under ``!``.
Neither can therefore turn into "allowed" under an exclusion (Keto collapses
both to "not a member" first, which ``!`` then flips to allowed); OpenFGA's
reference fails closed the same way. UNKNOWN at the root means denied.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

from roost.permissions.namespaces.ast import (
    Child,
    ComputedSubjectSet,
    InvertResult,
    Relation,
    SubjectSetRewrite,
    TupleToSubjectSet,
)

Key = tuple[str, uuid.UUID, str]
"""(namespace, object UUID, relation): a subject set in storage form."""

SubjectRef = uuid.UUID | tuple[str, uuid.UUID, str]
"""A subject id's UUID, or a subject set key."""


@dataclass
class KeyData:
    """What storage knows about one key, for one subject."""

    direct: bool = False
    sets: list[tuple[Key, bool | None]] = field(default_factory=list)
    """Subject sets stored under the key, each with "does it directly hold the subject"
    (``None``: not known yet; the set's own data tells)."""


ObjectRef = tuple[str, uuid.UUID]
Fetched = tuple[dict[Key, KeyData], set[ObjectRef]]
"""Data per key, and objects read in full (their keys not in the dict are empty)."""

Fetch = Callable[[Sequence[Key], SubjectRef], Awaitable[Fetched]]
"""Answers, for each key, what storage holds for the subject (one round trip)."""


class Snapshot(Protocol):
    """What one check reads: a cache first, storage for the rest."""

    def known(self, key: Key, subject: SubjectRef) -> KeyData | None:
        """``key``'s data if it is at hand without a query (cached and still current)."""
        ...

    async def fetch(self, keys: Sequence[Key], subject: SubjectRef) -> Fetched:
        """Answers, for each key, what storage holds for the subject (one round trip)."""
        ...


class CheckStore(Protocol):
    def reader(self) -> AbstractAsyncContextManager[Snapshot]:
        """A snapshot for the rounds of one check."""
        ...


class RelationLookup(Protocol):
    def relation_for(self, namespace: str, relation: str) -> Relation | None:
        """The OPL relation, ``None`` for legacy namespaces; raises for undeclared relations."""
        ...


class R(enum.Enum):
    MEMBER = "member"
    NOT_MEMBER = "not_member"
    UNKNOWN = "unknown"
    PENDING = "pending"


def any_of(results: Iterable[R]) -> R:
    """``||``: a member wins; otherwise wait for data; otherwise unknown beats no."""
    pending = unknown = False
    for r in results:  # identity tests only: this runs for every node of every check
        if r is R.MEMBER:
            return R.MEMBER
        if r is R.PENDING:
            pending = True
        elif r is R.UNKNOWN:
            unknown = True
    return R.PENDING if pending else R.UNKNOWN if unknown else R.NOT_MEMBER


def all_of(results: Iterable[R]) -> R:
    """``&&``: a non-member loses; an empty conjunction is not a member (as in Keto)."""
    pending = unknown = seen = False
    for r in results:
        if r is R.NOT_MEMBER:
            return R.NOT_MEMBER
        seen = True
        if r is R.PENDING:
            pending = True
        elif r is R.UNKNOWN:
            unknown = True
    if not seen:
        return R.NOT_MEMBER
    return R.PENDING if pending else R.UNKNOWN if unknown else R.MEMBER


def invert(r: R) -> R:
    if r is R.MEMBER:
        return R.NOT_MEMBER
    if r is R.NOT_MEMBER:
        return R.MEMBER
    return r


@dataclass(frozen=True)
class Limits:
    max_depth: int = 5
    max_width: int = 100
    strict: bool = False

    def depth_for(self, requested: int) -> int:
        """Keto's clamp: a request value ≤ 0 or above the global limit means the global limit."""
        if requested <= 0 or requested > self.max_depth:
            return self.max_depth
        return requested


_EMPTY = KeyData()


class _Evaluation:
    """One pass over the expression tree with the data fetched so far."""

    def __init__(
        self,
        relations: RelationLookup,
        limits: Limits,
        data: dict[Key, KeyData],
        complete: set[ObjectRef],
        memo: dict[tuple[Key, int, bool], R],
        known: Callable[[Key], KeyData | None],
    ) -> None:
        self.relations = relations
        self.known = known
        self.limits = limits
        self.data = data
        self.complete = complete
        self.missing: set[Key] = set()
        self.memo = memo
        """Results by (key, depth, skip_direct). Settled ones carry over between rounds:
        the data a settled result read cannot change within one check."""

    def _need(self, key: Key) -> KeyData | None:
        found = self.data.get(key)
        if found is None:
            if (key[0], key[1]) in self.complete:
                return _EMPTY
            found = self.known(key)
            if found is None:
                self.missing.add(key)
            else:
                self.data[key] = found
        return found

    def is_allowed(self, key: Key, depth: int, skip_direct: bool, visited: frozenset[Key]) -> R:
        if depth <= 0:
            return R.UNKNOWN
        memo_key = (key, depth, skip_direct)
        cached = self.memo.get(memo_key)
        if cached is not None:
            return cached
        self.memo[memo_key] = R.UNKNOWN  # re-entry (a permit using itself) ends as unknown
        result = self._is_allowed(key, depth, skip_direct, visited)
        self.memo[memo_key] = result
        return result

    def _is_allowed(self, key: Key, depth: int, skip_direct: bool, visited: frozenset[Key]) -> R:
        relation = self.relations.relation_for(key[0], key[2])
        rewrite = relation.rewrite if relation is not None else None
        parts = []
        if rewrite is not None:
            parts.append(self.rewrite(key, rewrite, depth, visited))
        if (not self.limits.strict or rewrite is None) and not skip_direct:
            parts.append(self.direct(key, depth - 1))
        if self._may_hold_subject_sets(relation):
            parts.append(self.expand(key, depth - 1, visited))
        return any_of(parts)

    def _may_hold_subject_sets(self, relation: Relation | None) -> bool:
        if not self.limits.strict or relation is None:
            return True
        return any(t.relation is not None for t in relation.types)

    def direct(self, key: Key, depth: int) -> R:
        if depth <= 0:
            return R.UNKNOWN
        data = self._need(key)
        if data is None:
            return R.PENDING
        return R.MEMBER if data.direct else R.NOT_MEMBER

    def expand(self, key: Key, depth: int, visited: frozenset[Key]) -> R:
        """Follow the subject sets stored under ``key`` (width-limited, cycle-safe)."""
        if depth <= 0:
            return R.UNKNOWN
        data = self._need(key)
        if data is None:
            return R.PENDING
        waiting = False
        for s, contains in data.sets:  # Keto's one-query look into every set first
            if contains is None:
                inner = self._need(s)
                waiting = waiting or inner is None
                contains = inner is not None and inner.direct
            if contains:
                return R.MEMBER
        followed = data.sets[: self.limits.max_width]
        sets = [s for s, _ in followed if s not in visited]
        deeper = any_of(self.is_allowed(s, depth, True, visited | {s}) for s in sets)
        if len(sets) < len(followed):  # a cycle was cut: unknown, so ``!`` cannot flip it
            deeper = any_of([deeper, R.UNKNOWN])
        return any_of([R.PENDING, deeper]) if waiting else deeper

    def rewrite(self, key: Key, rw: SubjectSetRewrite, depth: int, visited: frozenset[Key]) -> R:
        if depth <= 0:
            return R.UNKNOWN
        if rw.operator == "and":
            return all_of(self.child(key, c, depth, visited) for c in rw.children)
        computed = [c for c in rw.children if isinstance(c, ComputedSubjectSet)]
        others = [c for c in rw.children if not isinstance(c, ComputedSubjectSet)]
        return any_of(
            [
                self._batched_direct(key, computed),
                *(
                    self.is_allowed((key[0], key[1], c.relation), depth - 1, True, visited)
                    for c in computed
                ),
                *(self.child(key, c, depth, visited) for c in others),
            ]
        )

    def _batched_direct(self, key: Key, computed: list[ComputedSubjectSet]) -> R:
        """Keto's single ``relation IN (...)`` lookup for the computed children of an ``||``."""
        results = []
        for c in computed:
            if self.limits.strict:
                rel = self.relations.relation_for(key[0], c.relation)
                if rel is not None and rel.rewrite is not None:
                    continue
            data = self._need((key[0], key[1], c.relation))
            results.append(
                R.PENDING if data is None else (R.MEMBER if data.direct else R.NOT_MEMBER)
            )
        return any_of(results)

    def child(self, key: Key, c: Child, depth: int, visited: frozenset[Key]) -> R:
        if isinstance(c, ComputedSubjectSet):
            return self.is_allowed((key[0], key[1], c.relation), depth, False, visited)
        if isinstance(c, TupleToSubjectSet):
            return self.traverse(key, c, depth, visited)
        if isinstance(c, InvertResult):
            return invert(self.child(key, c.child, depth, visited))
        return self.rewrite(key, c, depth - 1, visited)

    def traverse(self, key: Key, c: TupleToSubjectSet, depth: int, visited: frozenset[Key]) -> R:
        """``this.related.R.traverse(x => ...)``: every subject set under R, relation ignored."""
        data = self._need((key[0], key[1], c.relation))
        if data is None:
            return R.PENDING
        return any_of(
            self.is_allowed(
                (s[0], s[1], c.computed_subject_set_relation), depth - 1, False, visited
            )
            for s, _ in data.sets
        )


class CheckEngine:
    """Runs checks against a store, one batched query per level of the search."""

    def __init__(self, store: CheckStore, relations: RelationLookup, limits: Limits) -> None:
        self.store = store
        self.relations = relations
        self.limits = limits

    async def check(self, key: Key, subject: SubjectRef, max_depth: int = 0) -> bool:
        """True only when membership is proven within the depth budget."""
        depth = self.limits.depth_for(max_depth)
        data: dict[Key, KeyData] = {}
        complete: set[ObjectRef] = set()
        async with self.store.reader() as snapshot:

            def known(k: Key) -> KeyData | None:
                return snapshot.known(k, subject)

            evaluation = _Evaluation(self.relations, self.limits, data, complete, {}, known)
            for trip in range(depth + 2):  # a round trip per level at most
                result = evaluation.is_allowed(key, depth, False, frozenset({key}))
                if result is not R.PENDING:
                    return result is R.MEMBER
                if trip > depth:
                    break
                fetched, read_in_full = await snapshot.fetch(sorted(evaluation.missing), subject)
                data.update(fetched)
                complete.update(read_in_full)
                settled: dict[tuple[Key, int, bool], R] = {
                    k: r for k, r in evaluation.memo.items() if r is not R.PENDING
                }
                evaluation = _Evaluation(
                    self.relations, self.limits, data, complete, settled, known
                )
        return False
