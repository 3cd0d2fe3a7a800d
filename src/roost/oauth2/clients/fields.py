"""The client document's field catalogue: which ``oAuth2Client`` fields exist, and of what kind.

Hydra's client has one column per field, so the catalogue decides the JSON
Schema of the admin API (:mod:`~roost.oauth2.clients.schema`), validation
(:mod:`~roost.oauth2.clients.model`) and the ``hydra_client`` table
(:mod:`roost.oauth2.sql.tables`). It belongs to the domain; storage imports it.
"""

from __future__ import annotations

LIFESPANS = (
    "authorization_code_grant_access_token_lifespan",
    "authorization_code_grant_id_token_lifespan",
    "authorization_code_grant_refresh_token_lifespan",
    "client_credentials_grant_access_token_lifespan",
    "implicit_grant_access_token_lifespan",
    "implicit_grant_id_token_lifespan",
    "jwt_bearer_grant_access_token_lifespan",
    "refresh_token_grant_id_token_lifespan",
    "refresh_token_grant_access_token_lifespan",
    "refresh_token_grant_refresh_token_lifespan",
    "device_authorization_grant_id_token_lifespan",
    "device_authorization_grant_access_token_lifespan",
    "device_authorization_grant_refresh_token_lifespan",
)
"""Per-client token lifespans, Go duration strings (``1h30m``)."""
TEXT_FIELDS = (
    "client_name",
    "scope",
    "owner",
    "policy_uri",
    "tos_uri",
    "client_uri",
    "logo_uri",
    "sector_identifier_uri",
    "jwks_uri",
    "frontchannel_logout_uri",
    "backchannel_logout_uri",
)
"""Free text, empty when unset."""
LIST_FIELDS = (
    "redirect_uris",
    "grant_types",
    "response_types",
    "audience",
    "allowed_cors_origins",
    "contacts",
    "request_uris",
    "post_logout_redirect_uris",
)
"""Arrays of strings."""
SHORT_FIELDS = {
    "token_endpoint_auth_method": 25,
    "request_object_signing_alg": 10,
    "userinfo_signed_response_alg": 10,
    "token_endpoint_auth_signing_alg": 10,
    "access_token_strategy": 10,
    "subject_type": 15,
}
"""Short enumerated strings and the longest value Hydra's column holds."""
BOOL_FIELDS = (
    "frontchannel_logout_session_required",
    "backchannel_logout_session_required",
    "skip_consent",
    "skip_logout_consent",
)
"""Flags, false when unset."""
