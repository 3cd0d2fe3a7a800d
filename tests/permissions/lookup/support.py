"""A lookup engine on a real store, and the brute force it must agree with."""

from __future__ import annotations

import uuid

from roost.permissions.check.engine import CheckEngine, Key, Limits, SubjectRef
from roost.permissions.lookup.engine import LookupEngine
from roost.permissions.namespaces.manager import Namespaces
from roost.permissions.sql.lookup import LookupSql
from roost.permissions.sql.store import TupleStore


def engines(
    store: TupleStore, namespaces: Namespaces, limits: Limits
) -> tuple[LookupEngine, CheckEngine]:
    checker = CheckEngine(store, namespaces, limits)
    return LookupEngine(LookupSql(store.db, store.nid), namespaces, limits, checker.check), checker


async def brute_objects(
    checker: CheckEngine, store: TupleStore, namespace: str, relation: str, subject: SubjectRef
) -> list[uuid.UUID]:
    """Check every object of the namespace that holds a tuple."""
    everything = await LookupSql(store.db, store.nid).objects_in(namespace)
    return sorted([o for o in everything if await checker.check((namespace, o, relation), subject)])


async def brute_subjects(checker: CheckEngine, store: TupleStore, key: Key) -> list[uuid.UUID]:
    """Check every subject id of the network."""
    everyone = await LookupSql(store.db, store.nid).subject_ids()
    return sorted([s for s in everyone if await checker.check(key, s)])
