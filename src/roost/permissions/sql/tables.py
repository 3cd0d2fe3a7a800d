"""Keto's tables, named and shaped as in Keto v25.4.0 so its SQL read-back queries work.

Objects and subject ids are stored as UUIDv5(network id, string) and mapped
back through ``keto_uuid_mappings``; ``nid`` scopes every row to a network
(tenant). There is no unique constraint on tuples, as in Keto.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    text,
)

metadata = MetaData()

networks = Table(
    "networks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

_SET_NULL = (
    "subject_set_namespace IS NULL AND subject_set_object IS NULL AND subject_set_relation IS NULL"
)

relation_tuples = Table(
    "keto_relation_tuples",
    metadata,
    Column("shard_id", Uuid, primary_key=True),
    Column(
        "nid",
        Uuid,
        ForeignKey("networks.id", ondelete="CASCADE", name="keto_relation_tuples_nid_fk"),
        primary_key=True,
    ),
    Column("namespace", String(200), nullable=False),
    Column("object", Uuid, nullable=False),
    Column("relation", String(64), nullable=False),
    Column("subject_id", Uuid, nullable=True),
    Column("subject_set_namespace", String(200), nullable=True),
    Column("subject_set_object", Uuid, nullable=True),
    Column("subject_set_relation", String(64), nullable=True),
    Column("commit_time", DateTime, nullable=False),
    CheckConstraint(
        f"(subject_id IS NULL AND subject_set_namespace IS NOT NULL AND subject_set_object IS NOT "
        f"NULL AND subject_set_relation IS NOT NULL) OR (subject_id IS NOT NULL AND {_SET_NULL})",
        name="chk_keto_rt_uuid_subject_type",
    ),
)


def _partial(where: str) -> dict[str, Any]:
    return {"postgresql_where": text(where), "sqlite_where": text(where)}


Index(
    "keto_relation_tuples_uuid_subject_ids_idx",
    relation_tuples.c.nid,
    relation_tuples.c.namespace,
    relation_tuples.c.object,
    relation_tuples.c.relation,
    relation_tuples.c.subject_id,
    **_partial(_SET_NULL),
)
Index(
    "keto_relation_tuples_uuid_subject_sets_idx",
    relation_tuples.c.nid,
    relation_tuples.c.namespace,
    relation_tuples.c.object,
    relation_tuples.c.relation,
    relation_tuples.c.subject_set_namespace,
    relation_tuples.c.subject_set_object,
    relation_tuples.c.subject_set_relation,
    **_partial("subject_id IS NULL"),
)
# Keto's reverse indexes with ``object`` appended: a lookup's page statement
# reads only these columns, so it never visits the table (decision 0037).
Index(
    "keto_relation_tuples_uuid_reverse_subject_ids_object_idx",
    relation_tuples.c.nid,
    relation_tuples.c.subject_id,
    relation_tuples.c.relation,
    relation_tuples.c.namespace,
    relation_tuples.c.object,
    **_partial(_SET_NULL),
)
Index(
    "keto_relation_tuples_uuid_reverse_subject_sets_object_idx",
    relation_tuples.c.nid,
    relation_tuples.c.subject_set_namespace,
    relation_tuples.c.subject_set_object,
    relation_tuples.c.subject_set_relation,
    relation_tuples.c.relation,
    relation_tuples.c.namespace,
    relation_tuples.c.object,
    **_partial("subject_id IS NULL"),
)

# Not partial: serves lookups that mix subject ids and subject sets (the check
# engine's batched query and its correlated EXISTS).
full_index = Index(
    "keto_relation_tuples_uuid_full_idx",
    relation_tuples.c.nid,
    relation_tuples.c.namespace,
    relation_tuples.c.object,
    relation_tuples.c.relation,
    relation_tuples.c.subject_id,
    relation_tuples.c.subject_set_namespace,
    relation_tuples.c.subject_set_object,
    relation_tuples.c.subject_set_relation,
    relation_tuples.c.commit_time,
)

uuid_mappings = Table(
    "keto_uuid_mappings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("string_representation", Text, nullable=False),
)

check_counters = Table(
    "roost_check_counters",
    metadata,
    Column(
        "nid",
        Uuid,
        ForeignKey("networks.id", ondelete="CASCADE", name="roost_check_counters_nid_fk"),
        primary_key=True,
    ),
    Column("shard", SmallInteger, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)
"""Roost's own: per network, a few version counters (shards). Every tuple write raises
one of them, chosen at random, in the write's transaction, so every replica can tell
cheaply whether its check cache is current (see roost.permissions.sql.cache); several
shards keep concurrent writers from queueing on one row."""

check_log = Table(
    "roost_check_log",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "nid",
        Uuid,
        ForeignKey("networks.id", ondelete="CASCADE", name="roost_check_log_nid_fk"),
        nullable=False,
    ),
    Column("shard", SmallInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("namespace", String(200), nullable=True),
    Column("object", Uuid, nullable=True),
    Index("roost_check_log_version_idx", "nid", "shard", "version"),
)
"""Roost's own: the objects each write touched, by the shard and version it raised
(no object: anything may have changed), so caches drop only what changed."""

tuple_changes = Table(
    "roost_tuple_changes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "nid",
        Uuid,
        ForeignKey("networks.id", ondelete="CASCADE", name="roost_tuple_changes_nid_fk"),
        nullable=False,
    ),
    Column("shard", SmallInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("action", String(6), nullable=False),
    Column("namespace", String(200), nullable=False),
    Column("object", Uuid, nullable=False),
    Column("relation", String(64), nullable=False),
    Column("subject_id", Uuid, nullable=True),
    Column("subject_set_namespace", String(200), nullable=True),
    Column("subject_set_object", Uuid, nullable=True),
    Column("subject_set_relation", String(64), nullable=True),
    Column("commit_time", DateTime, nullable=False),
    Index("roost_tuple_changes_version_idx", "nid", "shard", "version", "seq"),
)
"""Roost's own: the change feed. Every tuple a write inserted or deleted, under the
shard and version the write raised (versions of one shard commit in order), so a
reader that remembers each shard's last version never misses or repeats a change."""
