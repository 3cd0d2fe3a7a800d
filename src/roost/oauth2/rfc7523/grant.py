"""The JWT bearer authorization grant (RFC 7523 §2.1) against admin-trusted issuers.

An assertion from ``iss`` about ``sub`` is accepted when an unexpired trust
relation names that issuer and subject (or allows any subject), its key
verifies the signature, and the claims pass §3. Granted scopes must be allowed
by both the trust relation and the client.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from joserfc.errors import JoseError
from joserfc.jwk import KeySet, import_key

from roost.oauth2 import scopes as sc
from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import InvalidGrant, InvalidRequest
from roost.oauth2.rfc6749.grants.base import (
    TokenGrant,
    check_audience,
    check_scopes,
    require_grant_type,
    stored_form,
)
from roost.oauth2.rfc7523.assertion import (
    AssertionError_,
    AssertionRules,
    JTIRegistry,
    check_claims,
    unverified,
    verify_signature,
)
from roost.oauth2.rfc7523.trust import TrustedIssuer
from roost.oauth2.tokens.issuer import Granted, TokenIssuer

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class TrustedIssuers(Protocol):
    """The trust relations the grant consults (``roost.oauth2.sql.trust`` stores them)."""

    async def find(
        self, issuer: str, subject: str, key_id: str, now: datetime
    ) -> tuple[TrustedIssuer, dict[str, Any]] | None: ...


class JWTBearerGrant(TokenGrant):
    grant_type = GRANT_TYPE

    def __init__(
        self,
        issuer: TokenIssuer,
        trust: TrustedIssuers,
        jtis: JTIRegistry,
        rules: AssertionRules,
        strategy: sc.ScopeStrategy,
    ) -> None:
        self.issuer = issuer
        self.trust = trust
        self.jtis = jtis
        self.rules = rules
        self.strategy = strategy

    async def handle(
        self, form: dict[str, str], client: Client, jkt: str | None = None
    ) -> dict[str, Any]:
        require_grant_type(client, self.grant_type)
        assertion = form.get("assertion", "")
        if not assertion:
            raise InvalidRequest("The assertion parameter is missing.")
        try:
            header, claims = unverified(assertion)
        except AssertionError_ as exc:
            raise InvalidGrant(str(exc)) from exc
        iss, sub = claims.get("iss"), claims.get("sub")
        if not isinstance(iss, str) or not iss:
            raise InvalidGrant("The assertion must contain an 'iss' claim.")
        if not isinstance(sub, str) or not sub:
            raise InvalidGrant("The assertion must contain a 'sub' claim.")
        now = datetime.now(UTC).replace(tzinfo=None)
        kid = header.get("kid") if isinstance(header.get("kid"), str) else ""
        found = await self.trust.find(iss, sub, kid or "", now)
        if found is None:
            raise InvalidGrant(
                f"No trust relationship exists for issuer '{iss}' and subject '{sub}'."
            )
        relation, key = found
        try:
            verified = verify_signature(assertion, KeySet([import_key(key)]), ALGS)
        except (AssertionError_, JoseError, ValueError) as exc:
            raise InvalidGrant(str(exc)) from exc
        requested = sc.split(form.get("scope"))
        for scope in requested:
            if not self.strategy(relation.scope, scope):
                raise InvalidGrant(
                    f"The public key registered for issuer '{iss}' and subject '{sub}' is not "
                    f"allowed to request scope '{scope}'."
                )
        check_scopes(self.strategy, client.scopes, requested)
        audience = sc.split(form.get("audience"))
        check_audience(client, audience)
        try:
            await check_claims(verified, self.rules, self.jtis)
        except AssertionError_ as exc:
            raise InvalidGrant(str(exc)) from exc
        result = await self.issuer.issue(
            Granted(
                client=client,
                grant_type=self.grant_type,
                subject=sub,
                requested_scope=requested,
                granted_scope=requested,
                requested_audience=audience,
                granted_audience=audience,
                form=stored_form(form),
                dpop_jkt=jkt,
            )
        )
        assert result is not None
        return result
