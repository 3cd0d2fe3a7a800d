"""Multi-region guidance for CockroachDB: which locality each of Roost's tables should have.

``roost provision --regions`` prints these statements; it never runs them.
They follow CockroachDB's documented multi-region SQL (``PRIMARY REGION``,
``ADD REGION``, ``SURVIVE ... FAILURE``, ``SET LOCALITY``) and are
**unverified here**: no CockroachDB server can run on this project's machine.

The choice per table:

* ``GLOBAL`` — read on most requests, written rarely (client registrations,
  signing keys, trusted issuers, networks, credential types, migration
  bookkeeping): reads are fast in every region, writes wait out the global
  commit (hundreds of milliseconds).
* ``REGIONAL BY ROW`` — rows that belong to one user or one client session
  (identities, credentials, sessions, flows, tokens): each row lives in the
  region that wrote it (``crdb_region`` defaults to the gateway's region), so
  a user's own requests stay local.
* ``REGIONAL BY TABLE`` (the default, homed in the primary region) — the
  permission tuples and the check cache's counters and log: every check must
  see every write at once, and a check touches rows of many users.
"""

from __future__ import annotations

from collections.abc import Sequence

GLOBAL = "GLOBAL"
BY_ROW = "REGIONAL BY ROW"
BY_TABLE = "REGIONAL BY TABLE IN PRIMARY REGION"

_COMMON = {"networks": GLOBAL, "roost_schema_migrations": GLOBAL}

LOCALITIES: dict[str, dict[str, str]] = {
    "oauth2": {
        **_COMMON,
        "hydra_client": GLOBAL,
        "hydra_jwk": GLOBAL,
        "hydra_oauth2_trusted_jwt_bearer_issuer": GLOBAL,
        "hydra_oauth2_access": BY_ROW,
        "hydra_oauth2_refresh": BY_ROW,
        "hydra_oauth2_jti_blacklist": BY_ROW,
        "hydra_oauth2_flow": BY_ROW,
        "hydra_oauth2_code": BY_ROW,
        "roost_oauth2_pushed_requests": BY_ROW,
        "roost_oauth2_dpop_proofs": BY_ROW,  # unique (key, jti) is still checked in every region
        "hydra_oauth2_authentication_session": BY_ROW,
        "roost_client_auth_failures": BY_ROW,
        "hydra_oauth2_logout_request": BY_ROW,
        "hydra_oauth2_device_auth_codes": BY_ROW,
    },
    "identity": {
        **_COMMON,
        "identity_credential_types": GLOBAL,
        "identities": BY_ROW,
        "identity_credentials": BY_ROW,
        "identity_credential_identifiers": BY_ROW,
        "identity_recovery_addresses": BY_ROW,
        "identity_verifiable_addresses": BY_ROW,
        "sessions": BY_ROW,
        "session_devices": BY_ROW,
        "selfservice_login_flows": BY_ROW,
        "selfservice_registration_flows": BY_ROW,
        "selfservice_settings_flows": BY_ROW,
        "selfservice_errors": BY_ROW,
        "selfservice_recovery_flows": BY_ROW,
        "selfservice_verification_flows": BY_ROW,
        "identity_recovery_codes": BY_ROW,
        "identity_verification_codes": BY_ROW,
        "identity_recovery_tokens": BY_ROW,
        "identity_verification_tokens": BY_ROW,
        "identity_login_codes": BY_ROW,
        "identity_registration_codes": BY_ROW,
        "roost_login_failures": BY_ROW,
        "courier_messages": BY_ROW,
        "courier_message_dispatches": BY_ROW,
    },
    "permissions": {
        **_COMMON,
        "keto_relation_tuples": BY_TABLE,
        "keto_uuid_mappings": BY_TABLE,
        "roost_check_counters": BY_TABLE,
        "roost_check_log": BY_TABLE,
        "roost_tuple_changes": BY_TABLE,
    },
}
DATABASES = {"hydra": "oauth2", "kratos": "identity", "keto": "permissions"}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def region_statements(
    databases: Sequence[str], regions: Sequence[str], survive: str | None = None
) -> list[str]:
    """The statements (and comments) that make ``databases`` multi-region, in order.

    The first region is the primary. Survival defaults to REGION with three or
    more regions (CockroachDB needs three to survive losing one), ZONE below.
    """
    if not regions:
        raise ValueError("give at least one region")
    goal = survive or ("REGION" if len(regions) >= 3 else "ZONE")
    out = [
        "-- Roost on multi-region CockroachDB: UNVERIFIED guidance (no CockroachDB ran here).",
        "-- Run after `roost migrate up`, as a user that owns the databases; review first.",
    ]
    for db in databases:
        service = DATABASES.get(db)
        out.append(f"\n-- {db}" + (f" ({service})" if service else ""))
        out.append(f"ALTER DATABASE {_ident(db)} SET PRIMARY REGION {_ident(regions[0])};")
        out += [f"ALTER DATABASE {_ident(db)} ADD REGION {_ident(r)};" for r in regions[1:]]
        out.append(f"ALTER DATABASE {_ident(db)} SURVIVE {goal} FAILURE;")
        if service is None:
            out.append(f"-- {db}: not a Roost database name; its tables keep their locality")
            continue
        out.append(f"USE {_ident(db)};")
        for table, locality in sorted(LOCALITIES[service].items()):
            out.append(f"ALTER TABLE {_ident(table)} SET LOCALITY {locality};")
    return out
