"""What the authorization endpoint returns once consent is given, for every response type.

- ``code``: an authorization code (RFC 6749 §4.1.2), redeemed at the token endpoint.
- ``token``: an access token from the endpoint itself (§4.2.2, the implicit
  grant), never a refresh token, with the ``implicit_grant_*`` lifespans.
- ``id_token``: an ID token (OIDC Core §3.2.2.5, §3.3.2.5) with ``at_hash``
  when an access token comes with it and ``c_hash`` when a code does
  (§3.3.2.11); its lifespan is the client's ``implicit_grant_id_token_lifespan``
  for the hybrid flow too, as fosite does.

Tokens issued here carry the consent's id as their request id, so revoking
the consent revokes them (decision 0020). Every answer carries ``state`` and
the granted ``scope``.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol
from urllib.parse import urlencode

from roost.oauth2.consent.strategy import Decision
from roost.oauth2.oidc.id_token import IDTokenSigner
from roost.oauth2.rfc6749.grants.authorization_code import grant_session
from roost.oauth2.tokens.issuer import Granted, TokenIssuer, now_utc

IMPLICIT = "implicit"
# Kept with the tokens for userinfo; the rest only makes sense inside one ID token.
ID_ONLY = ("jti", "exp", "nonce")


class CodeMinter(Protocol):
    async def create_code(self, decision: Decision) -> str:
        """A new authorization code for the decision."""
        ...


class AuthorizeResponder:
    def __init__(
        self,
        codes: CodeMinter,
        issuer: TokenIssuer,
        id_tokens: IDTokenSigner,
    ) -> None:
        self.codes = codes
        self.issuer = issuer
        self.id_tokens = id_tokens

    async def respond(self, decision: Decision) -> dict[str, str]:
        """The response parameters, in the order fosite adds them."""
        req, flow = decision.request, decision.flow
        types = req.response_types
        params: dict[str, str] = {}
        code = await self.codes.create_code(decision) if "code" in types else None
        if code is not None:
            params["code"] = code
        openid = "openid" in flow.granted_scope
        claims = self._claims(decision) if openid else {}
        access = await self._access_token(decision, claims) if "token" in types else None
        if access is not None:
            params.update({k: str(v) for k, v in access.items()})
        if "id_token" in types and openid:
            token = access["access_token"] if access else None
            params["id_token"] = await self.id_tokens.sign(claims, token, code=code)
        params["scope"] = " ".join(flow.granted_scope)
        params["state"] = req.state
        return params

    def _claims(self, decision: Decision) -> dict[str, Any]:
        req = decision.request
        return self.id_tokens.claims(
            client_id=req.client.id,
            subject=decision.id_subject or decision.flow.subject,
            now=now_utc().replace(microsecond=0),
            session=grant_session(decision)["id_token"],
            lifespan=req.client.lifespan("implicit_grant_id_token_lifespan"),
        )

    async def _access_token(self, decision: Decision, claims: dict[str, Any]) -> dict[str, Any]:
        req, flow = decision.request, decision.flow
        form = {"response_type": req.response_type, "redirect_uri": req.redirect_uri}
        granted = Granted(
            client=req.client,
            grant_type=IMPLICIT,
            subject=flow.subject,
            requested_scope=req.scope,
            granted_scope=flow.granted_scope,
            requested_audience=req.audience,
            granted_audience=flow.granted_audience,
            form=urlencode(form),
            extra=flow.session_access_token,
            id_token_claims={k: v for k, v in claims.items() if k not in ID_ONLY},
            request_id=flow.consent_challenge_id or str(uuid.uuid4()),
            hooked=True,  # Hydra's token hook runs at the token endpoint only
        )
        result = await self.issuer.issue(granted, refresh=False)
        assert result is not None  # only a rotation can lose a race
        return result
