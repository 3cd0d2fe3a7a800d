"""The OAuth2 service's schema history (see roost.storage.migrate)."""

from __future__ import annotations

from roost.oauth2.sql import tables as t
from roost.storage.migrate import Migration, create_tables

MIGRATIONS = [
    Migration("20261128100001", "networks", create_tables(t.networks)),
    Migration("20261128100002", "hydra_client", create_tables(t.hydra_client)),
    Migration(
        "20261128100003",
        "hydra_oauth2_tokens",
        create_tables(t.hydra_oauth2_access, t.hydra_oauth2_refresh),
    ),
    Migration(
        "20261128100004",
        "hydra_jwk_and_trust",
        create_tables(
            t.hydra_jwk, t.hydra_oauth2_jti_blacklist, t.hydra_oauth2_trusted_jwt_bearer_issuer
        ),
    ),
]
