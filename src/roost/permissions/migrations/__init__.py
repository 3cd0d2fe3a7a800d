"""The permission service's schema history, one frozen module per step.

Each module spells out the tables, columns and indexes it creates as they were
when the step shipped; none imports ``roost.permissions.sql.tables``. A schema
change is a new module here plus the matching edit of ``sql/tables.py``;
``tests/permissions/test_migrations.py`` fails while the two disagree.
"""

from __future__ import annotations

from roost.permissions.migrations import (
    v20261128000001_networks,
    v20261128000002_keto_uuid_mappings,
    v20261128000003_keto_relation_tuples,
    v20261128000004_keto_relation_tuples_uuid_full_idx,
    v20261129000003_roost_check_counters,
    v20261129000004_roost_check_log,
    v20261204000001_roost_tuple_changes,
    v20261206900001_uuids_as_text,
    v20261207000001_reverse_indexes_with_object,
)

__all__ = ["MIGRATIONS"]

MIGRATIONS = [
    v20261128000001_networks.STEP,
    v20261128000002_keto_uuid_mappings.STEP,
    v20261128000003_keto_relation_tuples.STEP,
    v20261128000004_keto_relation_tuples_uuid_full_idx.STEP,
    v20261129000003_roost_check_counters.STEP,
    v20261129000004_roost_check_log.STEP,
    v20261204000001_roost_tuple_changes.STEP,
    v20261206900001_uuids_as_text.STEP,
    v20261207000001_reverse_indexes_with_object.STEP,
]
