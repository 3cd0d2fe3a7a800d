"""The identity service's schema history, one frozen module per step.

Each module spells out the tables, columns, indexes and seed rows it creates
as they were when the step shipped; none imports ``roost.identity.sql.tables``.
A schema change is a new module here plus the matching edit of
``sql/tables.py``; ``tests/identity/test_migrations.py`` fails while the two
disagree.
"""

from __future__ import annotations

from roost.identity.migrations import (
    v20261128100001_networks,
    v20261128100002_identity_credential_types,
    v20261128100003_identity_credential_types_seed,
    v20261128100004_identities,
    v20261128100005_identity_addresses,
    v20261128100006_sessions,
    v20261128100007_selfservice_flows,
    v20261129100001_roost_login_failures,
    v20261206100001_courier,
    v20261206200001_settings_flows_and_errors,
    v20261206900001_uuids_as_text,
    v20261207300001_recovery_verification,
    v20261207300002_login_codes,
    v20261207400001_registration_codes,
)

__all__ = ["MIGRATIONS"]

MIGRATIONS = [
    v20261128100001_networks.STEP,
    v20261128100002_identity_credential_types.STEP,
    v20261128100003_identity_credential_types_seed.STEP,
    v20261128100004_identities.STEP,
    v20261128100005_identity_addresses.STEP,
    v20261128100006_sessions.STEP,
    v20261128100007_selfservice_flows.STEP,
    v20261129100001_roost_login_failures.STEP,
    v20261206100001_courier.STEP,
    v20261206200001_settings_flows_and_errors.STEP,
    v20261206900001_uuids_as_text.STEP,
    v20261207300001_recovery_verification.STEP,
    v20261207300002_login_codes.STEP,
    v20261207400001_registration_codes.STEP,
]
