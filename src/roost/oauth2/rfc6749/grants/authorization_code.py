"""The authorization code grant (RFC 6749 §4.1), with PKCE (RFC 7636) and OpenID Connect.

At the authorization endpoint the consent decision becomes a code
(:meth:`AuthorizationCodeGrant.create_code`): an ``ory_ac_`` HMAC token whose
signature keys a ``hydra_oauth2_code`` row holding the granted scopes, the
redirect URI, the PKCE challenge and the ID-token facts (nonce, auth_time,
acr, amr, sid). At the token endpoint (§4.1.3) the code works once: a second
use fails and revokes every token the first one issued (§4.1.2, "the
authorization server SHOULD revoke (when possible) all tokens previously
issued based on that authorization code"), as fosite does.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode

from roost.oauth2 import rfc7636
from roost.oauth2.clients.model import Client
from roost.oauth2.consent.strategy import Decision
from roost.oauth2.oidc.id_token import IDTokenSigner, epoch
from roost.oauth2.rfc6749.errors import InvalidGrant, InvalidRequest
from roost.oauth2.rfc6749.grants.base import TokenGrant, require_grant_type
from roost.oauth2.rfc9449 import InvalidDPoPProof, same_key
from roost.oauth2.tokens.hmac import HMACStrategy
from roost.oauth2.tokens.issuer import GRANT_LIFESPAN_PREFIX as GRANT_PREFIX
from roost.oauth2.tokens.issuer import Granted, TokenIssuer, now_utc
from roost.oauth2.tokens.record import TokenRecord

CODE_PREFIX = "ory_ac_"
USERINFO_HIDDEN = ("jti", "exp", "nonce")  # kept with the tokens: the claims minus these
OFFLINE = ("offline", "offline_access")


def grant_session(decision: Decision) -> dict[str, Any]:
    """What a consent decision leaves for the token endpoint: the ID-token facts, the
    access token's extra claims and the consent's id."""
    req, flow = decision.request, decision.flow
    id_facts: dict[str, Any] = {
        "nonce": req.nonce,
        "acr": flow.acr,
        "amr": flow.amr,
        "sid": flow.login_session_id or "",
        "rat": epoch(flow.requested_at),
        "extra": flow.session_id_token,
        "subject": decision.id_subject or flow.subject,
    }
    if decision.auth_time is not None:
        id_facts["auth_time"] = epoch(decision.auth_time)
    return {
        "id_token": id_facts,
        "extra": flow.session_access_token,
        "client_id": req.client.id,
        "consent_challenge": flow.consent_challenge_id,
    }


class CodeStore(Protocol):
    async def create_code(self, record: TokenRecord) -> None: ...

    async def get_code(self, signature: str) -> TokenRecord | None: ...

    async def use_code(self, record: TokenRecord) -> bool:
        """Mark the code (as read by ``get_code``) used; False when it already was (or is
        gone)."""
        ...

    async def revoke_request(self, request_id: str) -> None: ...


class AuthorizationCodeGrant(TokenGrant):
    grant_type = "authorization_code"

    def __init__(
        self,
        issuer: TokenIssuer,
        codes: CodeStore,
        hmac: HMACStrategy,
        id_tokens: IDTokenSigner,
        *,
        code_ttl: timedelta,
    ) -> None:
        self.issuer = issuer
        self.codes = codes
        self.hmac = hmac
        self.id_tokens = id_tokens
        self.code_ttl = code_ttl

    # -- authorization endpoint ----------------------------------------------------

    async def create_code(self, decision: Decision) -> str:
        req, flow = decision.request, decision.flow
        code, signature = self.hmac.generate(CODE_PREFIX)
        now = now_utc().replace(microsecond=0)
        form = {"redirect_uri": req.redirect_uri} if req.redirect_uri_given else {}
        await self.codes.create_code(
            TokenRecord(
                signature=signature,
                # The consent's id, as Hydra does: revoking the consent finds these tokens.
                request_id=flow.consent_challenge_id or str(uuid.uuid4()),
                requested_at=now,
                client_id=req.client.id,
                subject=flow.subject,
                expires_at=now + self.code_ttl,
                requested_scope=req.scope,
                granted_scope=flow.granted_scope,
                requested_audience=req.audience,
                granted_audience=flow.granted_audience,
                form=urlencode({"response_type": "code", **form}),
                session={
                    **grant_session(decision),
                    "pkce": {"challenge": req.code_challenge, "method": req.code_challenge_method},
                    **({"dpop_jkt": req.dpop_jkt} if req.dpop_jkt else {}),
                },
            )
        )
        return code

    # -- token endpoint ------------------------------------------------------------

    async def _redeem(
        self, form: dict[str, str], client: Client, jkt: str | None = None
    ) -> TokenRecord:
        code = form.get("code", "")
        if not code:
            raise InvalidRequest("The code parameter is missing.")
        signature = self.hmac.validate(code, CODE_PREFIX)
        record = await self.codes.get_code(signature) if signature else None
        if record is None or signature is None:
            raise InvalidGrant("The authorization code is malformed or not valid.")
        if record.client_id != client.id:
            raise InvalidGrant(
                "The OAuth 2.0 Client ID from this request does not match the one from the "
                "authorize request."
            )
        if not record.active:
            await self.codes.revoke_request(record.request_id)
            raise InvalidGrant("The authorization code has already been used.")
        if record.expires_at is not None and record.expires_at < now_utc():
            raise InvalidGrant("The authorization code has expired.")
        stored_redirect = dict(parse_qsl(record.form)).get("redirect_uri", "")
        if stored_redirect and form.get("redirect_uri", "") != stored_redirect:
            raise InvalidGrant(
                "The 'redirect_uri' from this request does not match the one from the "
                "authorize request."
            )
        pkce = record.session.get("pkce") or {}
        rfc7636.verify(
            form.get("code_verifier", ""), pkce.get("challenge", ""), pkce.get("method", "")
        )
        if record.dpop_jkt is not None and not same_key(record.dpop_jkt, jkt):
            raise InvalidDPoPProof(  # RFC 9449 §10: checked before the code is spent
                "The authorization code is bound to another DPoP key ('dpop_jkt')."
            )
        if not await self.codes.use_code(record):
            await self.codes.revoke_request(record.request_id)
            raise InvalidGrant("The authorization code has already been used.")
        return record

    async def handle(
        self, form: dict[str, str], client: Client, jkt: str | None = None
    ) -> dict[str, Any]:
        require_grant_type(client, self.grant_type)
        return await self.issue_for(await self._redeem(form, client, jkt), client, jkt)

    async def issue_for(
        self, record: TokenRecord, client: Client, jkt: str | None = None
    ) -> dict[str, Any]:
        """Tokens (and an ID token for ``openid``) for a redeemed grant; the device grant too."""
        scope = record.granted_scope
        now = now_utc().replace(microsecond=0)
        id_session = record.session.get("id_token") or {}
        openid = "openid" in scope
        granted = Granted(
            client=client,
            grant_type=self.grant_type,
            subject=record.subject,
            requested_scope=record.requested_scope,
            granted_scope=scope,
            requested_audience=record.requested_audience,
            granted_audience=record.granted_audience,
            form=record.form,
            extra=record.extra,
            request_id=record.request_id,
            dpop_jkt=jkt,
        )
        lifespan = client.lifespan(f"{GRANT_PREFIX[self.grant_type]}_id_token_lifespan")

        def id_claims(extra: dict[str, Any]) -> dict[str, Any]:
            if not openid:
                return {}
            return self.id_tokens.claims(
                client_id=client.id,
                subject=id_session.get("subject") or record.subject,
                now=now,
                session={**id_session, "extra": extra},
                lifespan=lifespan,
            )

        claims = id_claims(id_session.get("extra") or {})
        granted.id_token_claims = {k: v for k, v in claims.items() if k not in USERINFO_HIDDEN}
        id_extra = await self.issuer.run_hook(granted, id_session.get("extra") or {})
        if id_extra != (id_session.get("extra") or {}):  # the token hook replaced them
            claims = id_claims(id_extra)
            granted.id_token_claims = {k: v for k, v in claims.items() if k not in USERINFO_HIDDEN}
        refresh = any(s in scope for s in OFFLINE) and "refresh_token" in client.grant_types
        result = await self.issuer.issue(granted, refresh=refresh)
        assert result is not None
        if openid:
            result["id_token"] = await self.id_tokens.sign(claims, result["access_token"])
        return result
