"""Reverse lookups: which objects a subject has a relation to, which subjects an object's.

The answer must equal "check every candidate" (roost.permissions.check.engine)
under the same depth and cycle rules, without checking every object.

Objects of a subject (``objects``): a reverse walk from the subject over the
tuple index, one statement per level, collects every tuple that points at the
subject or at an object reached so far (see docs/decisions). In memory, each
reached key then gets the smallest depth budget at which check would prove the
subject a member, computed from the check engine's own depth accounting (a
direct tuple costs 2, following a subject set or a ``traverse`` one level, an
``or`` of computed relations one, an ``and`` the most expensive child); the
answer is every object whose cost fits the budget. That part is exact for
rewrites without ``!``, because check is monotone there. Under ``!`` the walk
treats each negated child as true, which can only add candidates, and every
candidate is then confirmed by check. A schema where a relation can hold with
no tuple at all (``!`` directly under ``||``, say) has unbounded candidates:
every object of the namespace is checked (the brute force).

Subjects of an object (``subjects``): a forward walk collects the subject ids
reachable from the object within the budget; each is confirmed by check.

Answers are kept per version-counter reading (``versions``): the pages of one
listing, read one request after another with no write in between, cost one
walk, and any write moves a counter and so misses the kept answers.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections import OrderedDict, defaultdict, deque
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from roost.permissions.check.engine import Key, Limits, ObjectRef, RelationLookup, SubjectRef
from roost.permissions.lookup.needed import Needed
from roost.permissions.namespaces.ast import (
    Child,
    ComputedSubjectSet,
    InvertResult,
    Namespace,
    SubjectSetRewrite,
    TupleToSubjectSet,
)

Edge = tuple[Key, SubjectRef]
"""One tuple: the key holding it, and its subject (an id, or a subject set key)."""

INF = 1 << 30


@dataclass(frozen=True)
class LeafQuery:
    """A lookup's last level, left to the store: the objects of ``namespace`` holding at
    least one tuple that matches.

    Used when no tuple points into ``namespace`` (its objects are all leaves) and
    one tuple is enough for the relation to hold (no ``&&`` or ``!`` on the way):
    then an object qualifies exactly when one of its tuples does, and which
    tuples do is known from the costs of what the walk reached. The store
    answers it a page at a time (``ORDER BY object LIMIT``), so a first page
    never loads every leaf.
    """

    namespace: str
    subject: SubjectRef
    direct: tuple[str, ...]
    """Relations whose tuple with ``subject`` qualifies (an id subject only)."""
    exact: tuple[tuple[str, str, uuid.UUID, str], ...]
    """(relation, subject set namespace, object, relation): tuples with that subject set."""
    via: tuple[tuple[str, str, uuid.UUID], ...]
    """(relation, subject set namespace, object): tuples with a subject set on that
    object, whatever its relation (what ``traverse`` reads)."""


Answer = list[uuid.UUID] | LeafQuery
"""A whole sorted answer, or the query that pages it."""


@dataclass
class _Plan:
    """What one counter reading keeps of a listing: its leaf query, and the whole
    answer once a page after the first was asked (later pages are then slices)."""

    query: LeafQuery | None = None
    found: list[uuid.UUID] | None = None


class LookupStore(Protocol):
    async def pointing_at(
        self,
        subject_id: uuid.UUID | None,
        objects: Sequence[ObjectRef],
        only: Sequence[str] | None = None,
    ) -> list[Edge]:
        """Tuples whose subject is ``subject_id`` or a subject set on one of ``objects``,
        held in one of the namespaces ``only`` (None: any)."""
        ...

    async def points_into(self, namespace: str) -> bool:
        """Whether some tuple has a subject set in ``namespace``."""
        ...

    async def leaves(self, query: LeafQuery, limit: int) -> list[uuid.UUID]:
        """The first ``limit`` objects of ``query``, in UUID order."""
        ...

    async def held_by(self, objects: Sequence[ObjectRef]) -> list[Edge]:
        """Every tuple of ``objects`` (any relation)."""
        ...

    async def objects_in(self, namespace: str) -> list[uuid.UUID]:
        """Every object of ``namespace`` that holds a tuple (the brute force's domain)."""
        ...

    async def subject_ids(self) -> list[uuid.UUID]:
        """Every subject id of the network (the brute force's domain for subjects)."""
        ...


class Schema(RelationLookup, Protocol):
    def namespace_of(self, name: str) -> Namespace | None:
        """The namespace called ``name``, ``None`` when unknown."""
        ...

    def all_namespaces(self) -> Iterable[Namespace]:
        """Every configured namespace."""
        ...


Check = Callable[[Key, SubjectRef, int], Awaitable[bool]]
Versions = Callable[[], Awaitable[Hashable]]
KEPT = 64
"""Answers kept per engine (each at most a namespace's objects)."""
UNLIMITED = 1 << 62
"""A page size that means all of them (a LIMIT every backend accepts)."""


@dataclass
class _Graph:
    """The tuples a walk fetched, indexed both ways."""

    subject: SubjectRef
    direct: set[Key] = field(default_factory=set)
    sets_of: dict[Key, list[Key]] = field(default_factory=lambda: defaultdict(list))
    holders: dict[ObjectRef, set[ObjectRef]] = field(default_factory=lambda: defaultdict(set))
    relations: dict[ObjectRef, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, edges: Iterable[Edge]) -> set[ObjectRef]:
        """Index ``edges``; the holder objects not seen before."""
        new: set[ObjectRef] = set()
        for key, target in edges:
            obj = (key[0], key[1])
            if obj not in self.relations:
                new.add(obj)
            self.relations[obj].add(key[2])
            if target == self.subject:
                self.direct.add(key)
            if isinstance(target, tuple):
                if target not in self.sets_of[key]:
                    self.sets_of[key].append(target)
                self.holders[(target[0], target[1])].add(obj)
        return new


class _Costs:
    """Smallest depth budget at which check proves membership, per key (positive part)."""

    def __init__(
        self,
        graph: _Graph,
        schema: Schema,
        limits: Limits,
        depth: int,
        needed: Needed | None = None,
    ) -> None:
        self.g = graph
        self.schema = schema
        self.limits = limits
        self.depth = depth
        self.needed = needed
        """The relations whose costs can reach the answer (None: all of them)."""
        self.full: dict[Key, int] = {}
        """is_allowed(key, skip_direct=False)."""
        self.nodirect: dict[Key, int] = {}
        """is_allowed(key, skip_direct=True)."""
        self._relations: dict[tuple[str, str], Any] = {}
        self._names: dict[str, tuple[list[str], bool]] = {}

    def _relation(self, ns: str, name: str) -> Any:
        """The schema's relation, looked up once per walk (it is asked per key)."""
        try:
            return self._relations[(ns, name)]
        except KeyError:
            found = self._relations[(ns, name)] = self.schema.relation_for(ns, name)
            return found

    def answer(self, namespace: str, relation: str) -> list[uuid.UUID]:
        """Objects of ``namespace`` whose ``relation`` costs at most the budget, by UUID.

        Relaxes object by object until no cost moves (costs only fall, so this
        ends). Objects no tuple of the walk points at (leaves: the documents at
        the end of a walk, most of what it reaches) feed no other object's
        cost, so they are left out of the relaxation and costed afterwards,
        when every cost they read is final, and only where the answer reads
        them (``relation`` of ``namespace``). A leaf's cost is a function of its
        own tuples (which relations it holds, whether directly, and which
        subject sets) and of final costs elsewhere, so leaves with the same
        tuples (the documents of one folder) share one computation.
        """
        self._relax()
        holders = self.g.holders
        found = [
            obj[1]
            for obj in self.g.relations
            if obj[0] == namespace
            and obj in holders
            and self.full.get((namespace, obj[1], relation), INF) <= self.depth
        ]
        found += self._leaves_holding(namespace, relation)
        return sorted(found, key=_uuid_order)

    def _relax(self, everything: bool = False) -> None:
        """Settle every object some tuple points at (``everything``: every object the
        walk reached), until no cost moves."""
        holders = self.g.holders
        queue = deque(o for o in self.g.relations if everything or o in holders)
        queued = set(queue)
        while queue:
            obj = queue.popleft()
            queued.discard(obj)
            if self._settle(obj):
                for parent in holders.get(obj, ()):
                    if parent not in queued and (everything or parent in holders):
                        queued.add(parent)
                        queue.append(parent)

    def leaf_query(self, namespace: str, relation: str, held: TupleRelations) -> LeafQuery:
        """Which single tuples make ``namespace#relation`` fit the budget (see LeafQuery).

        The walk left ``namespace`` out, and none of its objects feeds another
        cost, so every cost a leaf reads is final after the relaxation (every
        reached object is settled: the tuples left out may point at any of
        them). A candidate tuple is costed on a synthetic leaf holding only that
        tuple, by the same rules as every other key. What a tuple with a subject
        set costs depends only on that set's own cost (following it) and on the
        costs ``traverse`` reads on its object, so one synthetic leaf per
        relation and distinct cost answers for every set sharing it.
        """
        self._relax(everything=True)
        g = self.g
        fresh = (uuid.UUID(int=i) for i in range(1, INF))

        def fits(rel: str, target: SubjectRef) -> bool:
            obj = (namespace, next(fresh))
            g.add([((*obj, rel), target)])
            self._settle(obj)
            return self.full.get((*obj, relation), INF) <= self.depth

        def stand_in(costs: dict[str, int], own: int) -> Key:
            """A subject set on a new object: following it costs 1 + ``own``,
            ``traverse`` reads ``costs``."""
            obj = next(fresh)
            for name, cost in costs.items():
                self.full[(_ANY, obj, name)] = cost
            self.nodirect[(_ANY, obj, _ANY)] = own
            return (_ANY, obj, _ANY)

        direct: list[str] = []
        exact: list[tuple[str, str, uuid.UUID, str]] = []
        if isinstance(g.subject, tuple):  # a tuple with the subject set itself holds directly
            exact += [(r, *g.subject) for r in held.relations if fits(r, g.subject)]
        else:
            direct += [r for r in held.relations if fits(r, g.subject)]
        following: dict[int, list[Key]] = defaultdict(list)
        for k in g.direct:
            if k != g.subject:
                following[1].append(k)  # followed at 2, as 1 + a cost of 1
        for k, v in self.nodirect.items():
            if v < INF and k not in g.direct and k != g.subject:
                following[v].append(k)
        for own, keys in following.items():
            for r in held.relations:
                if fits(r, stand_in({}, own)):
                    exact += [(r, *k) for k in keys]
        via: list[tuple[str, str, uuid.UUID]] = []
        for r, names in held.traversed.items():
            shapes: dict[tuple[int, ...], list[ObjectRef]] = defaultdict(list)
            for o in {(k[0], k[1]) for k, v in self.full.items() if v < INF}:
                shapes[tuple(self.full.get((*o, n), INF) for n in names)].append(o)
            for shape, objs in shapes.items():
                if fits(r, stand_in(dict(zip(names, shape, strict=True)), INF)):
                    via += [(r, *o) for o in objs]
        return LeafQuery(
            namespace, g.subject, tuple(sorted(direct)), tuple(sorted(exact)), tuple(sorted(via))
        )

    def _leaves_holding(self, namespace: str, relation: str) -> list[uuid.UUID]:
        """The leaves of ``namespace`` whose ``relation`` fits the budget."""
        costs: dict[tuple[Any, ...], int] = {}
        g = self.g
        out: list[uuid.UUID] = []
        for obj, names in g.relations.items():
            ns, oid = obj
            if ns != namespace or obj in g.holders:
                continue
            held = [
                (r, (ns, oid, r) in g.direct, tuple(g.sets_of.get((ns, oid, r), ()))) for r in names
            ]
            shape = tuple(sorted(held) if len(held) > 1 else held)
            cost = costs.get(shape)
            if cost is None:
                self._settle(obj)
                cost = costs[shape] = self.full.get((ns, oid, relation), INF)
            if cost <= self.depth:
                out.append(oid)
        return out

    def _settle(self, obj: ObjectRef) -> bool:
        changed = False
        names, ordered = self._relation_names(obj)
        while True:  # computed relations of one object may feed each other at no cost
            moved = False
            for name in names:
                key = (obj[0], obj[1], name)
                full, nodirect = self._cost(key)
                if full < self.full.get(key, INF) or nodirect < self.nodirect.get(key, INF):
                    self.full[key] = min(full, self.full.get(key, INF))
                    self.nodirect[key] = min(nodirect, self.nodirect.get(key, INF))
                    moved = changed = True
            if not moved or ordered:  # in dependency order one pass is final
                return changed

    def _relation_names(self, obj: ObjectRef) -> tuple[list[str], bool]:
        """The relations to cost, and whether they are in an order where each
        comes after the relations of the same object it computes from."""
        known = self._names.get(obj[0])
        if known is None:
            ns = self.schema.namespace_of(obj[0])
            if ns is None or not ns.relations:
                names = sorted(self.g.relations.get(obj, ()))
                return [n for n in names if self._wanted(obj[0], n)], True
            order, ordered = _dependency_order(ns)
            # a sub-list keeps the order, and the needed set is closed under what
            # a relation computes from, so an ordered list stays ordered
            order = [n for n in order if self._wanted(obj[0], n)]
            known = self._names[obj[0]] = order, ordered
        return known

    def _wanted(self, namespace: str, relation: str) -> bool:
        return self.needed is None or self.needed.has(namespace, relation)

    def get(self, key: Key, skip_direct: bool) -> int:
        return (self.nodirect if skip_direct else self.full).get(key, INF)

    def _cost(self, key: Key) -> tuple[int, int]:
        """The check engine's ``is_allowed`` as a cost, without and with ``skip_direct``."""
        relation = self._relation(key[0], key[2])
        rewrite = relation.rewrite if relation is not None else None
        best = INF
        if rewrite is not None:
            best = self._rewrite(key, rewrite)
        holds_sets = (
            not self.limits.strict
            or relation is None
            or any(t.relation is not None for t in relation.types)
        )
        if holds_sets:
            for s in self.g.sets_of.get(key, ()):
                best = min(best, 2 if s in self.g.direct else 1 + self.get(s, True))
        full = best
        if (not self.limits.strict or rewrite is None) and key in self.g.direct:
            full = min(best, 2)
        return (full if full <= self.depth else INF), (best if best <= self.depth else INF)

    def _rewrite(self, key: Key, rw: SubjectSetRewrite) -> int:
        if rw.operator == "and":
            if not rw.children:
                return INF
            return max(1, *(self._child(key, c) for c in rw.children))
        best = INF
        for c in rw.children:
            if isinstance(c, ComputedSubjectSet):
                inner = 1 + self.get((key[0], key[1], c.relation), True)
                best = min(best, self._batched(key, c), inner)
            else:
                best = min(best, self._child(key, c))
        return max(1, best)

    def _batched(self, key: Key, c: ComputedSubjectSet) -> int:
        """Keto's one ``relation IN (...)`` lookup of an ``||``'s computed children."""
        if self.limits.strict:
            rel = self._relation(key[0], c.relation)
            if rel is not None and rel.rewrite is not None:
                return INF
        return 1 if (key[0], key[1], c.relation) in self.g.direct else INF

    def _child(self, key: Key, c: Child) -> int:
        if isinstance(c, ComputedSubjectSet):
            return self.get((key[0], key[1], c.relation), False)
        if isinstance(c, TupleToSubjectSet):
            sets = self.g.sets_of.get((key[0], key[1], c.relation), ())
            return min(
                (1 + self.get((s[0], s[1], c.computed_subject_set_relation), False) for s in sets),
                default=INF,
            )
        if isinstance(c, InvertResult):
            return 1  # taken as true: adds candidates, which check then confirms
        return 1 + self._rewrite(key, c)


_ANY = "\x00"
"""A subject set relation no tuple holds: a target that only ``traverse`` can follow."""


@dataclass(frozen=True)
class TupleRelations:
    """The relations of an object whose tuples its relation reads, and of those the
    ones ``traverse`` reads (any subject set relation), each with the relations it
    then asks of the objects it reaches."""

    relations: frozenset[str]
    traversed: dict[str, tuple[str, ...]]


def _single_tuple(schema: Schema, namespace: str, relation: str) -> TupleRelations | None:
    """What ``namespace#relation`` reads of its own object's tuples, when one tuple is
    always enough for it to hold: ``None`` under ``&&`` or ``!``.

    Under unions only, a relation's cost is the least over its tuples of what
    each costs alone, so an object qualifies exactly when one tuple does.
    """
    relations: set[str] = set()
    traversed: dict[str, set[str]] = defaultdict(set)
    todo = [relation]
    space = schema.namespace_of(namespace)

    def reads(c: Child) -> bool:
        if isinstance(c, ComputedSubjectSet):
            todo.append(c.relation)
        elif isinstance(c, TupleToSubjectSet):
            relations.add(c.relation)
            traversed[c.relation].add(c.computed_subject_set_relation)
        elif isinstance(c, InvertResult) or c.operator == "and":
            return False
        else:
            return all(reads(x) for x in c.children)
        return True

    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        relations.add(name)
        found = space.relation(name) if space is not None and space.relations else None
        if found is not None and found.rewrite is not None and not reads(found.rewrite):
            return None
    return TupleRelations(
        frozenset(relations), {r: tuple(sorted(names)) for r, names in traversed.items()}
    )


def _uuid_order(u: uuid.UUID) -> int:
    """UUID order as an int: uuid.UUID compares in Python, five times slower than ints."""
    return u.int


def _computed_from(c: Child) -> set[str]:
    """Relations of the same object that ``c`` reads at no depth cost (``!`` aside)."""
    if isinstance(c, ComputedSubjectSet):
        return {c.relation}
    if isinstance(c, SubjectSetRewrite):
        return set().union(*(_computed_from(x) for x in c.children))
    return set()


def _dependency_order(ns: Namespace) -> tuple[list[str], bool]:
    """``ns``'s relations with each after those it computes from; False on a cycle."""
    needs = {
        r.name: _computed_from(r.rewrite) if r.rewrite is not None else set() for r in ns.relations
    }
    order: list[str] = []
    while len(order) < len(needs):
        ready = [n for n, deps in needs.items() if n not in order and deps <= set(order)]
        if not ready:
            return [r.name for r in ns.relations], False
        order += ready
    return order, True


def _free(schema: Schema, ns: str, rel: str, seen: set[tuple[str, str]]) -> bool:
    """Can ``ns#rel`` hold, with every ``!x`` read as true, without any tuple?"""
    if (ns, rel) in seen:
        return False
    seen.add((ns, rel))
    relation = schema.relation_for(ns, rel)
    if relation is None or relation.rewrite is None:
        return False

    def child(c: Child) -> bool:
        if isinstance(c, ComputedSubjectSet):
            return _free(schema, ns, c.relation, seen)
        if isinstance(c, TupleToSubjectSet):
            return False
        if isinstance(c, InvertResult):
            return True
        results = [child(x) for x in c.children]
        return bool(results) and (all(results) if c.operator == "and" else any(results))

    return child(relation.rewrite)


def _unbounded(schema: Schema) -> bool:
    """Some relation holds without tuples once negations are read as true."""
    return any(
        _free(schema, ns.name, r.name, set())
        for ns in schema.all_namespaces()
        for r in ns.relations
    )


def _negates(schema: Schema) -> bool:
    def child(c: Child) -> bool:
        if isinstance(c, InvertResult):
            return True
        if isinstance(c, SubjectSetRewrite):
            return any(child(x) for x in c.children)
        return False

    return any(
        r.rewrite is not None and child(r.rewrite)
        for ns in schema.all_namespaces()
        for r in ns.relations
    )


class LookupEngine:
    """Reverse lookups over a store, answering exactly what check would."""

    def __init__(
        self,
        store: LookupStore,
        schema: Schema,
        limits: Limits,
        check: Check,
        versions: Versions | None = None,
    ) -> None:
        self.store = store
        self.schema = schema
        self.limits = limits
        self.check = check
        self.versions = versions
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()

    async def _kept_or(
        self, key: tuple[Hashable, ...], compute: Callable[[], Awaitable[Any]]
    ) -> Any:
        """``compute()``, or its answer under the same counters and schema."""
        if self.versions is None:
            return await compute()
        schema = tuple(id(ns) for ns in self.schema.all_namespaces())
        full = (*key, schema, await self.versions())
        found = self._kept.get(full)
        if found is None:
            found = await compute()
            self._kept[full] = found
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(full)
        return found

    async def objects(
        self, namespace: str, relation: str, subject: SubjectRef, max_depth: int = 0
    ) -> list[uuid.UUID]:
        """Objects of ``namespace`` whose ``relation`` holds ``subject``, sorted by UUID."""
        found, _ = await self.objects_page(namespace, relation, subject, max_depth, None, None)
        return found

    async def objects_page(
        self,
        namespace: str,
        relation: str,
        subject: SubjectRef,
        max_depth: int,
        after: uuid.UUID | None,
        limit: int | None,
    ) -> tuple[list[uuid.UUID], bool]:
        """The first ``limit`` (None: all) objects of :meth:`objects` above ``after``,
        and whether more follow. The plan is kept per counter reading: a first
        page of a leaf query costs one statement, the second reads the rest once."""
        depth = self.limits.depth_for(max_depth)
        self.schema.relation_for(namespace, relation)  # an undeclared relation is bad input
        plan: _Plan = await self._kept_or(
            ("objects", namespace, relation, subject, depth),
            lambda: self._plan(namespace, relation, subject, depth),
        )
        want = UNLIMITED if limit is None else limit + 1
        if plan.found is None and plan.query is not None and after is not None:
            # a listing goes on past its first page (here, or on another worker
            # or replica): read all of it once, keep it, slice at the cursor
            plan.found = await self.store.leaves(plan.query, UNLIMITED)
        if plan.found is None:
            assert plan.query is not None
            found = await self.store.leaves(plan.query, want)
        else:
            answer = plan.found
            start = 0 if after is None else bisect_right(answer, after.int, key=_uuid_order)
            found = answer[start : start + want]
        if limit is None:
            return found, False
        return found[:limit], len(found) > limit

    async def _plan(self, namespace: str, relation: str, subject: SubjectRef, depth: int) -> _Plan:
        answer = await self._objects(namespace, relation, subject, depth)
        if isinstance(answer, LeafQuery):
            return _Plan(query=answer)
        return _Plan(found=answer)

    async def _objects(
        self, namespace: str, relation: str, subject: SubjectRef, depth: int
    ) -> Answer:
        if _unbounded(self.schema):
            everything = await self.store.objects_in(namespace)
            return await self._confirmed(namespace, relation, subject, depth, everything)
        negates = _negates(self.schema)
        held = None if negates else _single_tuple(self.schema, namespace, relation)
        if held is not None and await self.store.points_into(namespace):
            held = None
        only = None
        if held is not None:  # a positive list: the index, not the table, filters it
            only = sorted(ns.name for ns in self.schema.all_namespaces() if ns.name != namespace)
        graph = await self._walk_back(subject, depth, only)
        if held is not None:
            # every relation is costed: the leaves' tuples, never read, may name any
            return _Costs(graph, self.schema, self.limits, depth).leaf_query(
                namespace, relation, held
            )
        subject_sets = (s for sets in graph.sets_of.values() for s in sets)
        needed = Needed.of(self.schema, subject_sets, namespace, relation)
        found = _Costs(graph, self.schema, self.limits, depth, needed).answer(namespace, relation)
        if negates:
            return await self._confirmed(namespace, relation, subject, depth, found)
        return found

    async def _walk_back(
        self, subject: SubjectRef, depth: int, only: Sequence[str] | None
    ) -> _Graph:
        """Every tuple on a path of at most ``depth`` levels into ``subject`` held in
        the namespaces ``only`` (None: all; the others are left to a leaf query)."""
        graph = _Graph(subject)
        store = self.store
        if isinstance(subject, tuple):
            frontier = graph.add(await store.pointing_at(None, [(subject[0], subject[1])], only))
        else:
            frontier = graph.add(await store.pointing_at(subject, [], only))
        for _ in range(depth):
            if not frontier:
                break
            frontier = graph.add(await store.pointing_at(None, list(frontier), only))
        return graph

    async def _confirmed(
        self,
        namespace: str,
        relation: str,
        subject: SubjectRef,
        depth: int,
        candidates: Iterable[uuid.UUID],
    ) -> list[uuid.UUID]:
        return sorted(
            [o for o in candidates if await self.check((namespace, o, relation), subject, depth)],
            key=_uuid_order,
        )

    async def subjects(self, key: Key, max_depth: int = 0) -> list[uuid.UUID]:
        """Subject ids that ``key`` holds (check confirms each), sorted by UUID."""
        depth = self.limits.depth_for(max_depth)
        self.schema.relation_for(key[0], key[2])
        found: list[uuid.UUID] = await self._kept_or(
            ("subjects", key, depth), lambda: self._subjects(key, depth)
        )
        return found

    async def _subjects(self, key: Key, depth: int) -> list[uuid.UUID]:
        if _unbounded(self.schema):
            candidates = set(await self.store.subject_ids())
        else:
            candidates = await self._walk_forward((key[0], key[1]), depth)
        return sorted([s for s in candidates if await self.check(key, s, depth)], key=_uuid_order)

    async def _walk_forward(self, start: ObjectRef, depth: int) -> set[uuid.UUID]:
        ids: set[uuid.UUID] = set()
        seen = {start}
        frontier = [start]
        for _ in range(depth):
            if not frontier:
                break
            nxt: set[ObjectRef] = set()
            for _key, target in await self.store.held_by(frontier):
                if isinstance(target, tuple):
                    obj = (target[0], target[1])
                    if obj not in seen:
                        seen.add(obj)
                        nxt.add(obj)
                else:
                    ids.add(target)
            frontier = sorted(nxt)
        return ids
