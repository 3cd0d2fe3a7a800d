"""Documents under folders, the shape the lookup benchmark measures: many leaves share
their tuples (one parent folder) and are costed once per shape, some differ (a viewer
of their own, two parents, a group), and depth limits cut paths of different lengths.
Every answer is compared with brute force (a check per document)."""

from __future__ import annotations

import random
import uuid

import pytest

from roost.permissions.check.engine import CheckEngine, Limits, SubjectRef
from roost.permissions.lookup.engine import LeafQuery, LookupEngine
from roost.permissions.sql.lookup import LookupSql
from roost.permissions.sql.store import TupleStore
from tests.permissions.lookup.support import brute_objects, engines
from tests.permissions.support import namespaces_from, open_store, tuples

OPL = """
class User implements Namespace {}
class Group implements Namespace {
  related: { members: (User | SubjectSet<Group, "members">)[] }
}
class Folder implements Namespace {
  related: {
    parents: Folder[]
    viewers: (User | SubjectSet<Group, "members">)[]
  }
  permits = {
    view: (ctx: Context): boolean =>
      this.related.viewers.includes(ctx.subject) ||
      this.related.parents.traverse((p) => p.permits.view(ctx)),
  }
}
class Document implements Namespace {
  related: {
    parents: Folder[]
    viewers: (User | SubjectSet<Group, "members">)[]
  }
  permits = {
    view: (ctx: Context): boolean =>
      this.related.viewers.includes(ctx.subject) ||
      this.related.parents.traverse((p) => p.permits.view(ctx)),
  }
}
"""


def _dataset(seed: int) -> list[str]:
    rng = random.Random(seed)
    users = [f"u{i}" for i in range(4)]
    lines = [f"Group:g0#members@{users[0]}", "Group:g1#members@Group:g0#members"]
    lines += [f"Group:g1#members@{users[1]}", f"Folder:f0#viewers@{users[2]}"]
    lines += ["Folder:f1#viewers@Group:g1#members", "Folder:f2#parents@Folder:f1"]
    lines += ["Folder:f3#parents@Folder:f2", "Folder:f0#parents@Folder:f3"]
    for d in range(60):
        lines.append(f"Document:d{d}#parents@Folder:f{rng.randrange(4)}")
        if rng.random() < 0.2:
            lines.append(f"Document:d{d}#parents@Folder:f{rng.randrange(4)}")
        if rng.random() < 0.15:
            lines.append(f"Document:d{d}#viewers@{rng.choice(users)}")
        if rng.random() < 0.1:
            lines.append(f"Document:d{d}#viewers@Group:g{rng.randrange(2)}#members")
    return sorted(set(lines))


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_documents_in_folders_equal_brute_force(seed: int, dsn: str) -> None:
    store = await open_store(dsn)
    try:
        await store.write(tuples(_dataset(seed)), [])
        for depth in (2, 3, 4, 5, 6, 8):
            lookup, checker = engines(store, namespaces_from(OPL), Limits(depth, 100, False))
            for user in ("u0", "u1", "u2", "u3"):
                subject = store.id_of(user)
                got = await lookup.objects("Document", "view", subject)
                want = await brute_objects(checker, store, "Document", "view", subject)
                assert got == want, (depth, user)
                if depth >= 8 and user != "u3":
                    assert got, user  # the case is not vacuous
    finally:
        await store.db.close()


class CountingSql(LookupSql):
    """The real store, counting the leaf queries it answers (which path a lookup took)."""

    def __init__(self, store: TupleStore) -> None:
        super().__init__(store.db, store.nid)
        self.leaf_pages = 0

    async def leaves(self, query: LeafQuery, limit: int) -> list[uuid.UUID]:
        self.leaf_pages += 1
        return await super().leaves(query, limit)


async def _pages(
    lookup: LookupEngine, subject: SubjectRef, size: int
) -> tuple[list[uuid.UUID], int]:
    """Every page of size ``size``, each read after the last one's final UUID."""
    found: list[uuid.UUID] = []
    after, more, pages = None, True, 0
    while more:
        page, more = await lookup.objects_page("Document", "view", subject, 0, after, size)
        assert len(page) <= size and (page or not more)
        found += page
        pages += 1
        after = page[-1] if page else None
    return found, pages


# Leaves that differ from the folders' documents: a viewer set named only by a
# document (Folder#viewers, which nothing else reads), a group viewer.
EXTRA = [
    "Document:x0#viewers@Folder:f1#viewers",
    "Document:x1#viewers@Group:g0#members",
    "Document:x2#parents@Folder:f3",
    "Document:x2#viewers@u3",
]


@pytest.mark.parametrize("seed", [1, 2])
async def test_leaf_query_pages_equal_brute_force(seed: int, dsn: str) -> None:
    store = await open_store(dsn)
    try:
        await store.write(tuples(_dataset(seed) + EXTRA), [])
        checker = CheckEngine(store, namespaces_from(OPL), Limits(8, 100, False))
        sql = CountingSql(store)
        lookup = LookupEngine(sql, namespaces_from(OPL), Limits(8, 100, False), checker.check)
        subjects: list[SubjectRef] = [store.id_of(u) for u in ("u0", "u1", "u2", "u3")]
        subjects.append(("Group", store.id_of("g0"), "members"))
        for subject in subjects:
            want = await brute_objects(checker, store, "Document", "view", subject)
            for size in (1, 7, 500):
                before = sql.leaf_pages
                got, pages = await _pages(lookup, subject, size)
                assert got == want, (subject, size)
                assert sql.leaf_pages - before == pages  # every page was one leaf query
        assert want  # the group's members view documents: not vacuous
    finally:
        await store.db.close()


async def test_a_tuple_into_documents_walks_every_level(dsn: str) -> None:
    """A subject set on a document makes documents inner nodes: no leaf query then,
    and the answer (which now goes through that set) still equals brute force."""
    store = await open_store(dsn)
    try:
        await store.write(tuples([*_dataset(3), "Document:d1#viewers@Document:d0#view"]), [])
        checker = CheckEngine(store, namespaces_from(OPL), Limits(8, 100, False))
        sql = CountingSql(store)
        lookup = LookupEngine(sql, namespaces_from(OPL), Limits(8, 100, False), checker.check)
        for user in ("u0", "u1", "u2", "u3"):
            subject = store.id_of(user)
            got, _ = await _pages(lookup, subject, 5)
            assert got == await brute_objects(checker, store, "Document", "view", subject)
        assert sql.leaf_pages == 0
    finally:
        await store.db.close()
