"""Lookups equal brute force (check every object) on random OPL schemas and tuples.

Each example builds a schema of users, nested groups and documents whose
permits are random trees of ``||``, ``&&``, ``!``, computed permits, ``traverse``
over a parent relation and subject sets, writes random tuples to a real store,
and compares both lookups with checking every candidate.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roost.permissions.check.engine import Limits
from roost.permissions.relationtuples.model import RelationQuery
from tests.permissions.lookup.support import brute_objects, brute_subjects, engines
from tests.permissions.support import namespaces_from, open_store, tuples

PERMITS = ("p0", "p1", "p2")
RELATED = ("r0", "r1")
USERS = ("u0", "u1", "u2")
DOCS = ("d0", "d1", "d2", "d3")
GROUPS = ("g0", "g1", "g2")


def _expr(allow_not: bool, depth: int = 0) -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.sampled_from([f"this.related.{r}.includes(ctx.subject)" for r in RELATED]),
        st.sampled_from([f"this.permits.{p}(ctx)" for p in PERMITS]),
        st.sampled_from(
            [f"this.related.parent.traverse((p) => p.permits.{p}(ctx))" for p in PERMITS]
        ),
    )
    if depth >= 2:
        return leaves
    inner = _expr(allow_not, depth + 1)
    options = [
        leaves,
        st.tuples(inner, st.sampled_from([" || ", " && "]), inner).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"
        ),
    ]
    if allow_not:
        options.append(inner.map(lambda e: f"!({e})"))
    return st.one_of(*options)


def _opl(permits: list[str]) -> str:
    body = ",\n".join(
        f"    {p}: (ctx: Context) => {e}" for p, e in zip(PERMITS, permits, strict=True)
    )
    subjects = 'User | SubjectSet<Group, "member"> | SubjectSet<Doc, "p0">'
    return (
        "class User implements Namespace {}\n"
        "class Group implements Namespace {\n"
        '  related: { member: (User | SubjectSet<Group, "member">)[] }\n}\n'
        "class Doc implements Namespace {\n"
        f"  related: {{\n    r0: ({subjects})[]\n    r1: ({subjects})[]\n    parent: Doc[]\n  }}\n"
        f"  permits = {{\n{body}\n  }}\n}}\n"
    )


def _tuple(family: int, a: int, b: int, r: int) -> str:
    """One tuple of six shapes, from small integers (which hypothesis spreads evenly)."""
    d, e, rel = DOCS[a % len(DOCS)], DOCS[b % len(DOCS)], RELATED[r]
    g, h, u = GROUPS[a % len(GROUPS)], GROUPS[b % len(GROUPS)], USERS[b % len(USERS)]
    return [
        f"Doc:{d}#{rel}@{u}",
        f"Doc:{d}#{rel}@(Group:{h}#member)",
        f"Doc:{d}#{rel}@(Doc:{e}#p0)",
        f"Doc:{d}#parent@(Doc:{e}#)",
        f"Group:{g}#member@{u}",
        f"Group:{g}#member@(Group:{h}#member)",
    ][family]


_TUPLE = st.builds(
    _tuple,
    st.integers(0, 5),
    st.integers(0, 3),
    st.integers(0, 3),
    st.integers(0, 1),
)


def _case(allow_not: bool) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "permits": st.lists(_expr(allow_not), min_size=3, max_size=3),
            "tuples": st.lists(_TUPLE, min_size=3, max_size=16, unique=True),
            "depth": st.sampled_from([2, 3, 4, 5, 7]),
            "strict": st.booleans(),
        }
    )


async def _compare(dsn: str, case: dict[str, Any]) -> None:
    store = await open_store(dsn)
    try:
        for ns in ("Doc", "Group"):  # one database per test, emptied for each example
            await store.delete_matching(RelationQuery(namespace=ns))
        namespaces = namespaces_from(_opl(case["permits"]))
        await store.write(tuples(case["tuples"]), [])
        limits = Limits(case["depth"], 100, case["strict"])
        lookup, checker = engines(store, namespaces, limits)
        for relation in (*PERMITS, *RELATED):
            for subject in (
                *[store.id_of(u) for u in USERS],
                ("Group", store.id_of("g0"), "member"),
            ):
                got = await lookup.objects("Doc", relation, subject)
                want = await brute_objects(checker, store, "Doc", relation, subject)
                assert got == want, (relation, subject, case)
            for doc in DOCS[:2]:
                key = ("Doc", store.id_of(doc), relation)
                got = await lookup.subjects(key)
                assert got == await brute_subjects(checker, store, key), (relation, doc, case)
    finally:
        await store.db.close()


_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(case=_case(allow_not=False))
def test_positive_schemas(dsn: str, case: dict[str, Any]) -> None:
    asyncio.run(_compare(dsn, case))


@_SETTINGS
@given(case=_case(allow_not=True))
def test_schemas_with_negation(dsn: str, case: dict[str, Any]) -> None:
    asyncio.run(_compare(dsn, case))
