"""The authorization request (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2.1), validated.

Checks run in fosite's order, and the order decides where an error goes: the
client and its redirect URI first, whose failures are shown to the user agent
and never redirected (§4.1.2.1: the server "MUST NOT automatically redirect the
user-agent to the invalid redirection URI"); everything after that is sent to
the now-trusted redirect URI with the request's ``state``.

Redirect URIs match exactly, except that a loopback IP URI (``http://127.0.0.1``,
``http://[::1]``) matches a registered one on any port (RFC 8252 §7.3), as in
fosite.

Response types are fosite's six (:data:`RESPONSE_TYPES`): ``code``, the
implicit ``token``, ``id_token`` and ``id_token token`` (OIDC Core §3.2), and
the hybrid ``code id_token``, ``code token`` and ``code id_token token``
(§3.3). One of them must be registered on the client as the same set. Every
type other than ``code`` and ``token`` is OpenID Connect and needs ``openid``;
a ``nonce`` is required whenever an ID token comes from this endpoint
(§3.2.2.1, §3.3.2.11); ``token`` needs the client's ``implicit`` grant and a
hybrid ``code`` its ``authorization_code`` grant (fosite's checks, made here
before login rather than after consent, so a user never signs in for a
request that must fail).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from roost.oauth2 import scopes as sc
from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749 import response_mode as rm
from roost.oauth2.rfc6749.errors import (
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    InvalidState,
    OAuth2Error,
    RedirectedError,
    UnsupportedResponseType,
)
from roost.oauth2.rfc7636 import PKCEPolicy, check_challenge
from roost.oauth2.rfc9449 import check_jkt

MIN_ENTROPY = 8  # fosite's minimum length of ``state`` and ``nonce``
PROMPTS = frozenset({"none", "login", "consent", "select_account", "registration"})
RESPONSE_TYPES = frozenset(
    frozenset(t.split())
    for t in ("code", "token", "id_token", "id_token token", "code id_token", "code token",
              "code id_token token")
)  # fmt: skip


class ClientSource(Protocol):
    async def get(self, client_id: str) -> Client | None: ...


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the client asked for, after validation."""

    client: Client
    redirect_uri: str
    redirect_uri_given: bool
    response_type: str
    scope: list[str]
    audience: list[str]
    state: str
    nonce: str = ""
    prompt: frozenset[str] = frozenset()
    max_age: int | None = None
    code_challenge: str = ""
    code_challenge_method: str = ""
    oidc_context: dict[str, object] = field(default_factory=dict)
    response_mode: str = rm.QUERY
    dpop_jkt: str = ""  # RFC 9449 §10, only while DPoP is on

    @property
    def response_types(self) -> frozenset[str]:
        return frozenset(self.response_type.split())

    def fail(self, error: OAuth2Error) -> RedirectedError:
        return RedirectedError(error, self.redirect_uri, self.state, self.response_mode)


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_matches(registered: str, given: str) -> bool:
    """Exact match, or the RFC 8252 loopback rule (any port on ``http://127.0.0.1``)."""
    if registered == given:
        return True
    try:
        want, have = urlsplit(given), urlsplit(registered)
        _ = want.port, have.port  # a malformed port raises here
    except ValueError:
        return False
    return (
        want.scheme == have.scheme == "http"
        and _loopback(want.hostname)
        and want.hostname == have.hostname
        and (want.path, want.query) == (have.path, have.query)
    )


def _redirect_uri(client: Client, given: str, openid: bool) -> str:
    registered = list(client.doc.get("redirect_uris") or [])
    if not given:
        if len(registered) == 1 and not openid:
            return str(registered[0])
        raise InvalidRequest(
            "The 'redirect_uri' parameter is required when the client registered several "
            "redirect URIs or uses OpenID Connect."
            if registered
            else "The OAuth 2.0 Client has no redirect URIs registered."
        )
    if "#" in given or not any(redirect_matches(r, given) for r in registered):
        raise InvalidRequest(
            "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's "
            "pre-registered redirect urls."
        )
    return given


def _response_types(params: dict[str, str], client: Client, scope: list[str]) -> frozenset[str]:
    """The requested response types, if served, registered and allowed to this client."""
    raw = params.get("response_type", "")
    types = frozenset(sc.split(raw))
    if not types:
        raise UnsupportedResponseType("The request is missing the 'response_type' parameter.")
    if types not in RESPONSE_TYPES:
        raise UnsupportedResponseType(f"The response_type '{raw}' is not supported.")
    registered = (frozenset(sc.split(str(t))) for t in client.doc.get("response_types") or [])
    if types not in set(registered):
        raise UnsupportedResponseType(
            f"The client is not allowed to request response_type '{raw}'."
        )
    if types not in ({"code"}, {"token"}) and "openid" not in scope:
        raise UnsupportedResponseType(
            f"The response_type '{raw}' is an OpenID Connect flow and needs the 'openid' scope."
        )
    if "token" in types and "implicit" not in client.grant_types:
        raise InvalidGrant(
            "The OAuth 2.0 Client is not allowed to use the authorization grant 'implicit'."
        )
    if "code" in types and len(types) > 1 and "authorization_code" not in client.grant_types:
        raise InvalidGrant(
            "The OAuth 2.0 Client is not allowed to use authorization grant 'authorization_code'."
        )
    return types


def _prompt(params: dict[str, str]) -> frozenset[str]:
    prompt = frozenset(sc.split(params.get("prompt")))
    if not prompt <= PROMPTS:
        raise InvalidRequest(
            f"Used unknown value '{' '.join(sorted(prompt - PROMPTS))}' for prompt."
        )
    if "none" in prompt and len(prompt) > 1:
        raise InvalidRequest(
            "Parameter 'prompt' was set to 'none', but contains other values as well."
        )
    return prompt


def _max_age(params: dict[str, str]) -> int | None:
    raw = params.get("max_age", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidRequest("Parameter 'max_age' must be a non-negative integer.")
    return int(raw)


def _context(params: dict[str, str]) -> dict[str, object]:
    """Hydra's ``oidc_context`` for the login and consent UIs."""
    out: dict[str, object] = {}
    for key in ("acr_values", "ui_locales"):
        if params.get(key):
            out[key] = sc.split(params[key])
    for key in ("display", "login_hint"):
        if params.get(key):
            out[key] = params[key]
    return out


class AuthorizationValidator:
    def __init__(
        self,
        clients: ClientSource,
        strategy: sc.ScopeStrategy,
        pkce: PKCEPolicy,
        *,
        dpop: bool = False,
    ) -> None:
        self.clients = clients
        self.strategy = strategy
        self.pkce = pkce
        self.dpop = dpop  # read ``dpop_jkt`` (RFC 9449 §10); ignored while DPoP is off

    async def validate(self, params: dict[str, str]) -> AuthorizationRequest:
        """The validated request; OAuth2Error (shown) or RedirectedError (sent to the client)."""
        client_id = params.get("client_id", "")
        client = await self.clients.get(client_id) if client_id else None
        if client is None:
            raise InvalidClient("The requested OAuth 2.0 Client does not exist.")
        scope = sc.split(params.get("scope"))
        given = params.get("redirect_uri", "")
        redirect_uri = _redirect_uri(client, given, "openid" in scope)
        state = params.get("state", "")
        mode = rm.lenient_mode(
            params.get("response_mode", ""), frozenset(sc.split(params.get("response_type")))
        )

        def fail(error: OAuth2Error) -> RedirectedError:
            return RedirectedError(error, redirect_uri, state, mode)

        try:
            return self._checked(params, client, scope, redirect_uri, bool(given))
        except OAuth2Error as exc:
            raise fail(exc) from exc

    def _checked(
        self,
        params: dict[str, str],
        client: Client,
        scope: list[str],
        redirect_uri: str,
        given: bool,
    ) -> AuthorizationRequest:
        types = _response_types(params, client, scope)
        mode = rm.response_mode(params.get("response_mode", ""), types)
        state = params.get("state", "")
        if len(state) < MIN_ENTROPY:
            raise InvalidState(
                f"Request parameter 'state' must be at least be {MIN_ENTROPY} characters long "
                "to ensure sufficient entropy."
            )
        for value in scope:
            if not self.strategy(client.scopes, value):
                raise InvalidScope(
                    f"The OAuth 2.0 Client is not allowed to request scope '{value}'."
                )
        audience = sc.split(params.get("audience"))
        for value in audience:
            if not sc.audience_allowed(client.audience, value):
                raise InvalidRequest(
                    f"Requested audience '{value}' has not been whitelisted by the OAuth 2.0 "
                    "Client."
                )
        nonce = params.get("nonce", "")
        if not nonce and "id_token" in types:
            raise InvalidRequest(
                "Parameter 'nonce' must be set when using the OpenID Connect Implicit or "
                "Hybrid Flow."
            )
        if nonce and len(nonce) < MIN_ENTROPY:
            raise InvalidRequest(
                f"Parameter 'nonce' is set but does not fulfil the minimum entropy of "
                f"{MIN_ENTROPY} characters."
            )
        challenge, method = (
            check_challenge(
                params.get("code_challenge", ""),
                params.get("code_challenge_method", ""),
                public_client=client.is_public,
                policy=self.pkce,
            )
            if "code" in types
            else ("", "")  # fosite's PKCE handler looks only at requests for a code
        )
        return AuthorizationRequest(
            client=client,
            redirect_uri=redirect_uri,
            redirect_uri_given=given,
            response_type=" ".join(sorted(types)),
            response_mode=mode,
            scope=scope,
            audience=audience,
            state=state,
            nonce=nonce,
            prompt=_prompt(params),
            max_age=_max_age(params),
            code_challenge=challenge,
            code_challenge_method=method,
            oidc_context=_context(params),
            dpop_jkt=check_jkt(params, self.dpop) if "code" in types else "",
        )
