"""Building a permission service on a real database for engine and store tests."""

from __future__ import annotations

from pathlib import Path

from roost.permissions.check.engine import CheckEngine, Limits
from roost.permissions.migrations import MIGRATIONS
from roost.permissions.namespaces.ast import Namespace
from roost.permissions.namespaces.manager import Namespaces
from roost.permissions.namespaces.opl import parse_opl
from roost.permissions.relationtuples.model import RelationTuple, parse_tuple
from roost.permissions.sql.cache import DEFAULT_CAP
from roost.permissions.sql.store import TupleStore, ensure_network
from roost.storage.database import Database
from roost.storage.migrate import Migrator


async def open_store(dsn: str, cache_cap: int = DEFAULT_CAP) -> TupleStore:
    db = Database(dsn)
    await Migrator(db, "permissions", MIGRATIONS).up()
    return TupleStore(db, await ensure_network(db), cache_cap)


def namespaces_from(opl: str | None = None, legacy: list[str] | None = None) -> Namespaces:
    if opl is not None:
        result = parse_opl(opl)
        assert not result.errors, result.errors
        return Namespaces(result.namespaces, opl=True)
    return Namespaces((Namespace(n) for n in legacy or []), opl=False)


async def check(
    store: TupleStore,
    namespaces: Namespaces,
    text: str,
    *,
    max_depth: int = 0,
    global_depth: int = 5,
    strict: bool = False,
) -> bool:
    t = parse_tuple(text)
    engine = CheckEngine(store, namespaces, Limits(global_depth, 100, strict))
    key = (t.namespace, store.id_of(t.object), t.relation)
    return await engine.check(key, store.subject_ref(t.subject), max_depth)


def tuples(texts: list[str]) -> list[RelationTuple]:
    return [parse_tuple(t) for t in texts]


def here() -> Path:
    return Path(__file__).resolve().parent
