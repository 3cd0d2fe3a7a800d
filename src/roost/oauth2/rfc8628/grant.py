"""``urn:ietf:params:oauth:grant-type:device_code`` at the token endpoint (RFC 8628 §3.4, §3.5).

While the user has not finished, the answer is ``authorization_pending``; a
device that polls again sooner than ``interval`` after its last poll gets
``slow_down`` (§3.5); after ``expires_in`` it is ``expired_token``; a
rejected login or consent is ``access_denied``. An authorized device code
works once and yields what the authorization code grant yields (tokens, an
ID token for ``openid``, a refresh token for ``offline``).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from roost.oauth2.clients.model import Client
from roost.oauth2.oidc.id_token import IDTokenSigner
from roost.oauth2.rfc6749.errors import AccessDenied, InvalidGrant, InvalidRequest
from roost.oauth2.rfc6749.grants.authorization_code import AuthorizationCodeGrant, CodeStore
from roost.oauth2.rfc8628 import device as dv
from roost.oauth2.rfc8628.device import DEVICE_PREFIX, GRANT_TYPE, DeviceStore, now_utc
from roost.oauth2.rfc8628.errors import AuthorizationPending, ExpiredToken, SlowDown
from roost.oauth2.tokens.hmac import HMACStrategy
from roost.oauth2.tokens.issuer import TokenIssuer
from roost.oauth2.tokens.record import TokenRecord


class DeviceCodeGrant(AuthorizationCodeGrant):
    grant_type = GRANT_TYPE

    def __init__(
        self,
        issuer: TokenIssuer,
        codes: CodeStore,
        hmac: HMACStrategy,
        id_tokens: IDTokenSigner,
        devices: DeviceStore,
        *,
        interval: timedelta,
    ) -> None:
        super().__init__(issuer, codes, hmac, id_tokens, code_ttl=timedelta(0))
        self.devices = devices
        self.interval = interval

    async def _redeem(
        self, form: dict[str, str], client: Client, jkt: str | None = None
    ) -> TokenRecord:
        code = form.get("device_code", "")
        if not code:
            raise InvalidRequest("The device_code parameter is missing.")
        signature = self.hmac.validate(code, DEVICE_PREFIX)
        req = await self.devices.by_device_code(signature) if signature else None
        if req is None or signature is None:
            raise InvalidGrant("The device code is malformed or not valid.")
        if req.client_id != client.id:
            raise InvalidGrant(
                "The OAuth 2.0 Client ID from this request does not match the one from the "
                "device authorization request."
            )
        if not req.device_code_active:
            raise InvalidGrant("The device code has already been used.")
        now = now_utc()
        if req.expires_at < now:
            raise ExpiredToken()
        if req.user_code_state == dv.DENIED:
            raise AccessDenied("The end user denied the authorization request.")
        if req.user_code_state != dv.AUTHORIZED:
            if not await self.devices.poll(signature, now, self.interval):
                raise SlowDown(f"Poll at most every {int(self.interval.total_seconds())} seconds.")
            raise AuthorizationPending()
        if not await self.devices.use_device_code(signature):
            raise InvalidGrant("The device code has already been used.")
        return TokenRecord(
            signature=signature,
            # The consent's id, so that revoking the consent revokes these tokens.
            request_id=str(req.session.get("consent_challenge") or req.request_id),
            requested_at=req.requested_at,
            client_id=req.client_id,
            subject=req.subject,
            expires_at=req.expires_at,
            requested_scope=req.requested_scope,
            granted_scope=req.granted_scope,
            requested_audience=req.requested_audience,
            granted_audience=req.granted_audience,
            form=urlencode({"grant_type": GRANT_TYPE}),
            session=req.session,
        )
