"""Property-based API testing against Kratos's published OpenAPI document.

schemathesis generates valid and invalid requests for the operations of this
issue (identities, sessions, schemas, native login/registration/logout, the
browser flows, settings, browser logout, the error flow, recovery and verification) and
every response must be free of 5xx and conform to ``kratos.openapi.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.identity.conftest import ADDRESS_FLOWS, serve_identity
from tests.support import shared
from tests.support.server import Server

SPEC = shared.require("ory-specs/kratos.openapi.json", module=True)

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    allow_header_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

OPERATIONS = [
    "listIdentities",
    "createIdentity",
    "batchPatchIdentities",
    "getIdentity",
    "updateIdentity",
    "patchIdentity",
    "deleteIdentity",
    "getIdentityByExternalID",
    "deleteIdentityCredentials",
    "listIdentitySessions",
    "deleteIdentitySessions",
    "listSessions",
    "getSession",
    "disableSession",
    "extendSession",
    "manageSessions",
    "listIdentitySchemas",
    "getIdentitySchema",
    "createNativeLoginFlow",
    "createNativeRegistrationFlow",
    "getLoginFlow",
    "getRegistrationFlow",
    "updateLoginFlow",
    "updateRegistrationFlow",
    "performNativeLogout",
    "toSession",
    "listMySessions",
    "disableMyOtherSessions",
    "disableMySession",
    "listCourierMessages",
    "getCourierMessage",
    # browser flows and settings (decision 0022)
    "createBrowserLoginFlow",
    "createBrowserRegistrationFlow",
    "createBrowserSettingsFlow",
    "createNativeSettingsFlow",
    "getSettingsFlow",
    "updateSettingsFlow",
    "createBrowserLogoutFlow",
    "updateLogoutFlow",
    "getFlowError",
    # recovery and verification (decision 0023)
    "createBrowserRecoveryFlow",
    "createNativeRecoveryFlow",
    "getRecoveryFlow",
    "updateRecoveryFlow",
    "createBrowserVerificationFlow",
    "createNativeVerificationFlow",
    "getVerificationFlow",
    "updateVerificationFlow",
    "createRecoveryCodeForIdentity",
    "createRecoveryLinkForIdentity",
]


def _self_hosted(spec: dict[str, Any]) -> dict[str, Any]:
    """Drop the spec's API-key security: it is Ory Network's, self-hosted Kratos has none."""
    spec.pop("security", None)
    spec.get("components", {}).pop("securitySchemes", None)
    for ops in spec["paths"].values():
        for op in ops.values():
            if isinstance(op, dict):
                op.pop("security", None)
    return spec


schema = schemathesis.openapi.from_dict(_self_hosted(json.loads(SPEC.read_text()))).include(
    operation_id=OPERATIONS
)
ERROR_UI = "https://www.ory.com/kratos/docs/fallback/error?id="
FLOW_SUBMITS = {
    "updateLoginFlow",
    "updateRegistrationFlow",
    "updateSettingsFlow",
    "updateRecoveryFlow",
    "updateVerificationFlow",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = serve_identity(tmp_path_factory.mktemp("kratos-schemathesis"), "sqlite", ADDRESS_FLOWS)
    yield srv
    srv.stop()


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    # CI replays a fixed set of examples (no flaky runs); elsewhere each run explores anew
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms(case: schemathesis.Case, server: Server) -> None:
    port = "admin" if case.path.startswith("/admin/") else "public"
    response = case.call(base_url=server.urls[port])
    excluded = [
        # Spec-valid random bodies (traits that fail the schema, unknown ids) are
        # rightly refused by Kratos with 4xx, and so by us.
        positive_data_acceptance,
        # Kratos routes every method of /sessions/whoami (session/handler.go).
        unsupported_method,
        # 405s come from roost.core.http, which does not forward Starlette's Allow header.
        allow_header_conformance,
    ]
    body = response.text
    if case.operation.definition.raw.get("operationId") in FLOW_SUBMITS and (
        response.status_code == 400 and body.startswith('{"error"')
    ):
        # Kratos answers a missing/malformed ?flow= or a refused request with a 400
        # error envelope although the spec types every 400 as the flow.
        excluded.append(response_schema_conformance)
    if response.status_code == 400 and "must not contain NUL" in body:
        # Decision 0018: NUL in a URL is refused before routing, also where the spec
        # (getFlowError) documents no 400.
        excluded.append(status_code_conformance)
    location = (response.headers.get("location") or [""])[0]
    if response.status_code == 303 and location.startswith(ERROR_UI):
        # A browser's bad request is forwarded to the error UI (errorx.Forward), as in Kratos;
        # the stored error must be a 4xx.
        error_id = location.split("id=", 1)[1]
        stored = httpx.get(f"{server.urls['public']}/self-service/errors", params={"id": error_id})
        assert stored.status_code == 200 and 400 <= stored.json()["error"]["code"] < 500
        excluded.append(negative_data_rejection)
    case.validate_response(response, excluded_checks=excluded)
