"""Public port (4444): token, revocation, discovery and the published keys."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from roost.core.errors import NotFound
from roost.core.http import JSON, route
from roost.oauth2.http.authorize import authorize, userinfo
from roost.oauth2.http.common import NO_STORE, parts, read_form, service
from roost.oauth2.http.device import public_device_routes
from roost.oauth2.http.logout import logged_out, logout
from roost.oauth2.http.register import register_routes
from roost.oauth2.service import OAuth2Service

# Hydra's spelling and order of the six (``rfc6749.authorization.RESPONSE_TYPES``).
RESPONSE_TYPES_LISTED = ("code", "code id_token", "id_token", "token id_token", "token",
                         "token id_token code")  # fmt: skip


async def token(request: Request) -> Response:
    p = await parts(request)
    form = await read_form(request)
    proofs = request.headers.getlist("dpop") if p.token_endpoint.dpop else ()
    result = await p.token_endpoint.handle(form, request.headers.get("authorization"), proofs)
    service(request).counters.tokens += 1
    return JSON(result, headers=NO_STORE)


async def pushed_authorization(request: Request) -> Response:
    """RFC 9126 §2: 201 with the ``request_uri``; 404 while PAR is off."""
    p = await parts(request)
    if not p.pushed.policy.enabled:
        raise NotFound("Pushed authorization requests are not enabled.")
    form = await read_form(request)
    proofs = request.headers.getlist("dpop") if p.pushed.dpop else ()
    result = await p.pushed.push(form, request.headers.get("authorization"), proofs)
    return JSON(result, status_code=201, headers=NO_STORE)


async def revoke(request: Request) -> Response:
    p = await parts(request)
    form = await read_form(request)
    client = await p.client_auth.authenticate(form, request.headers.get("authorization"))
    await p.revoker.revoke(form, client)
    return Response(status_code=200, headers=NO_STORE)


def discovery_document(svc: OAuth2Service) -> dict[str, Any]:
    """Hydra's discovery fields (reference §1.5), for what this issuer serves today.

    Only working endpoints and features are listed, and
    ``tests/oauth2/test_discovery.py`` calls every endpoint, grant, response
    type and mode, PKCE method and client authentication method listed here:
    no request objects;
    ``registration_endpoint`` only while dynamic registration is enabled.
    """
    iss = svc.config.issuer
    base = svc.config.public_url
    return {
        "issuer": iss,
        "authorization_endpoint": f"{base}/oauth2/auth",
        "token_endpoint": f"{base}/oauth2/token",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "userinfo_endpoint": f"{base}/userinfo",
        "revocation_endpoint": f"{base}/oauth2/revoke",
        "end_session_endpoint": f"{base}/oauth2/sessions/logout",
        "device_authorization_endpoint": f"{base}/oauth2/device/auth",
        "subject_types_supported": list(svc.config.subject_types),
        "response_types_supported": list(RESPONSE_TYPES_LISTED),
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "c_hash",
            "acr",
            "amr",
            "sid",
            "rat",
        ],
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "client_credentials",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "userinfo_signing_alg_values_supported": ["none", "RS256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "id_token_signed_response_alg": ["RS256"],
        "userinfo_signed_response_alg": ["none", "RS256"],
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
        "scopes_supported": ["offline_access", "offline", "openid"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "client_secret_basic",
            "private_key_jwt",
            "none",
        ],
        "code_challenge_methods_supported": ["plain", "S256"],
        **(
            {"registration_endpoint": f"{base}/oauth2/register"}
            if svc.config.dynamic_registration
            else {}
        ),
        **_par_metadata(svc, base),
        **_dpop_metadata(svc),
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }


def _par_metadata(svc: OAuth2Service, base: str) -> dict[str, Any]:
    """RFC 9126 §5, only while PAR is on."""
    cfg = svc.config
    if not (cfg.par_enabled or cfg.par_required):
        return {}
    return {
        "pushed_authorization_request_endpoint": f"{base}/oauth2/par",
        "require_pushed_authorization_requests": cfg.par_required,
    }


def _dpop_metadata(svc: OAuth2Service) -> dict[str, Any]:
    """RFC 9449 §5.1, only while DPoP is on."""
    if not svc.config.dpop_enabled:
        return {}
    return {"dpop_signing_alg_values_supported": list(svc.config.dpop_algorithms)}


async def discovery(request: Request) -> Response:
    return JSON(discovery_document(service(request)))


async def jwks(request: Request) -> Response:
    p = await parts(request)
    return JSON({"keys": await p.keys.public_keys()})


public_routes: list[BaseRoute] = [
    route("/oauth2/auth", GET=authorize, POST=authorize),
    route("/oauth2/token", POST=token),
    route("/oauth2/par", POST=pushed_authorization),
    route("/userinfo", GET=userinfo, POST=userinfo),
    route("/oauth2/revoke", POST=revoke),
    route("/oauth2/sessions/logout", GET=logout, POST=logout),
    route("/oauth2/fallbacks/logout/callback", GET=logged_out),
    route("/.well-known/openid-configuration", GET=discovery),
    route("/.well-known/oauth-authorization-server", GET=discovery),
    route("/.well-known/jwks.json", GET=jwks),
    *register_routes,
    *public_device_routes,
]
