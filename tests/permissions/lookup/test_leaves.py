"""Documents under folders, the shape the lookup benchmark measures: many leaves share
their tuples (one parent folder) and are costed once per shape, some differ (a viewer
of their own, two parents, a group), and depth limits cut paths of different lengths.
Every answer is compared with brute force (a check per document)."""

from __future__ import annotations

import random

import pytest

from roost.permissions.check.engine import Limits
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
