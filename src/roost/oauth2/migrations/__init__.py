"""The OAuth2 service's schema history, one frozen module per step.

Each module spells out the tables, columns and indexes it creates as they were
when the step shipped; none imports ``roost.oauth2.sql.tables``. A schema
change is a new module here plus the matching edit of ``sql/tables.py``;
``tests/oauth2/test_migrations.py`` fails while the two disagree.
"""

from __future__ import annotations

from roost.oauth2.migrations import (
    v20261128100001_networks,
    v20261128100002_hydra_client,
    v20261128100003_hydra_oauth2_tokens,
    v20261128100004_hydra_jwk_and_trust,
    v20261204100005_hydra_oauth2_flow,
    v20261206100006_hydra_oauth2_logout_request,
    v20261206100007_hydra_client_rotated_secrets,
    v20261206100008_hydra_oauth2_device_auth_codes,
    v20261206100009_roost_client_auth_failures,
    v20261206900001_uuids_as_text,
    v20261207100010_roost_oauth2_pushed_requests,
    v20261207100011_roost_oauth2_dpop_proofs,
)

__all__ = ["MIGRATIONS"]

MIGRATIONS = [
    v20261128100001_networks.STEP,
    v20261128100002_hydra_client.STEP,
    v20261128100003_hydra_oauth2_tokens.STEP,
    v20261128100004_hydra_jwk_and_trust.STEP,
    v20261204100005_hydra_oauth2_flow.STEP,
    v20261206100006_hydra_oauth2_logout_request.STEP,
    v20261206100007_hydra_client_rotated_secrets.STEP,
    v20261206100008_hydra_oauth2_device_auth_codes.STEP,
    v20261206100009_roost_client_auth_failures.STEP,
    v20261206900001_uuids_as_text.STEP,
    v20261207100010_roost_oauth2_pushed_requests.STEP,
    v20261207100011_roost_oauth2_dpop_proofs.STEP,
]
