"""Property-based API testing against Hydra's published OpenAPI document.

Restricted to the operations listed below (clients, keys, introspection,
token, revocation, trust, discovery, health, consent and login sessions,
logout, dynamic registration, the device flow): every response must be free
of 5xx and conform to the spec. The login/consent requests, userinfo and
verifiable credentials are not in the list yet.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.oauth2.conftest import Hydra, serve_oauth2
from tests.support import shared

SPEC = shared.require("ory-specs/hydra.openapi.json", module=True)

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    allow_header_conformance,
    unsupported_method,
)

OPERATIONS = {
    "listOAuth2Clients", "createOAuth2Client", "getOAuth2Client", "setOAuth2Client",
    "patchOAuth2Client", "deleteOAuth2Client", "setOAuth2ClientLifespans",
    "getJsonWebKeySet", "createJsonWebKeySet", "setJsonWebKeySet", "deleteJsonWebKeySet",
    "getJsonWebKey", "setJsonWebKey", "deleteJsonWebKey",
    "introspectOAuth2Token", "deleteOAuth2Token",
    "listTrustedOAuth2JwtGrantIssuers", "trustOAuth2JwtGrantIssuer",
    "getTrustedOAuth2JwtGrantIssuer", "deleteTrustedOAuth2JwtGrantIssuer",
    "oauth2TokenExchange", "revokeOAuth2Token",
    "discoverOidcConfiguration", "discoverJsonWebKeys",
    "isAlive", "isReady", "getVersion",
    "listOAuth2ConsentSessions", "revokeOAuth2ConsentSessions", "revokeOAuth2LoginSessions",
    "getOAuth2LogoutRequest", "acceptOAuth2LogoutRequest", "rejectOAuth2LogoutRequest",
    "revokeOidcSession",
    "createOidcDynamicClient", "getOidcDynamicClient", "setOidcDynamicClient",
    "deleteOidcDynamicClient", "rotateOAuth2ClientSecret", "deleteRotatedOAuth2ClientSecrets",
    "oAuth2DeviceFlow", "performOAuth2DeviceVerificationFlow", "acceptUserCodeRequest",
}  # fmt: skip

schema = schemathesis.openapi.from_path(str(SPEC)).include(operation_id=list(OPERATIONS))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hydra]:
    h = serve_oauth2(
        tmp_path_factory.mktemp("hydra-schemathesis"),
        "sqlite",
        {"oidc": {"dynamic_client_registration": {"enabled": True}}},
    )
    yield h
    h.server.stop()


def _base(h: Hydra, path: str) -> str:
    if path.startswith("/admin/") or path in ("/health/alive", "/health/ready", "/version"):
        return h.admin
    return h.public


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("ROOST_SCHEMATHESIS_EXAMPLES", "40")),
    deadline=None,
    # CI replays a fixed set of examples (no flaky runs); elsewhere each run explores anew
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms(case: schemathesis.Case, server: Hydra) -> None:
    case.call_and_validate(
        base_url=_base(server, case.path),
        # The spec cannot say "jwks XOR jwks_uri", "a secret of 6 characters or more" and
        # the like; Hydra answers 400 to such spec-valid requests, and so do we.
        excluded_checks=[positive_data_acceptance]
        # Hydra's spec lists only GET for logout, but Hydra (and RP-Initiated Logout 1.0
        # §2) also take POST there.
        + (
            [unsupported_method, allow_header_conformance]
            if case.path == "/oauth2/sessions/logout"
            else []
        ),
    )
