"""The permission service's schema history (see roost.storage.migrate)."""

from __future__ import annotations

from roost.permissions.sql.tables import (
    check_counters,
    check_log,
    full_index,
    networks,
    relation_tuples,
    uuid_mappings,
)
from roost.storage.migrate import Migration, create_indexes, create_tables

MIGRATIONS = [
    Migration("20261128000001", "networks", create_tables(networks)),
    Migration("20261128000002", "keto_uuid_mappings", create_tables(uuid_mappings)),
    Migration("20261128000003", "keto_relation_tuples", create_tables(relation_tuples)),
    Migration("20261128000004", "keto_relation_tuples_uuid_full_idx", create_indexes(full_index)),
    Migration("20261129000003", "roost_check_counters", create_tables(check_counters)),
    Migration("20261129000004", "roost_check_log", create_tables(check_log)),
]
