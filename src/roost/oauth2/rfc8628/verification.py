"""The user's side of the device flow (RFC 8628 §3.3), as Hydra v25 runs it (reference §2.6).

1. ``/oauth2/device/verify`` (``?user_code=`` optional): a device challenge
   and the ``ory_hydra_device_csrf`` cookie; the user agent goes to
   ``urls.device.verification``.
2. The UI asks for the user code and calls ``PUT …/requests/device/accept``
   with it: the code works once, and is bound to the challenge (and so to the
   browser holding its cookie); the answer's ``redirect_to`` carries a
   ``device_verifier``.
3. ``/oauth2/device/verify?device_verifier=``: the cookie must match; then
   Hydra's login and consent flow runs (:class:`DeviceLoginConsent`, consent
   never skipped) and ends at ``urls.device.success`` instead of a client
   redirect. Errors go to ``urls.error`` (there is no redirect URI to trust).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from roost.core.errors import Invalid, NotFound
from roost.oauth2.clients.model import Client
from roost.oauth2.consent import challenges as ch
from roost.oauth2.consent.errors import ReportedError
from roost.oauth2.consent.flow import Flow
from roost.oauth2.consent.requests import ClientSource, token, with_param
from roost.oauth2.consent.strategy import Cookie, Decision, LoginConsentStrategy, Redirect
from roost.oauth2.rfc6749.authorization import AuthorizationRequest
from roost.oauth2.rfc6749.errors import (
    InvalidRequest,
    OAuth2Error,
    RedirectedError,
    RequestForbidden,
)
from roost.oauth2.rfc6749.grants.authorization_code import grant_session
from roost.oauth2.rfc8628 import device as dv
from roost.oauth2.rfc8628.device import DeviceRequest, DeviceStore, UserCodes, now_utc
from roost.oauth2.rfc8628.errors import ExpiredToken

DEVICE_COOKIE = "ory_hydra_device_csrf"


@dataclass(frozen=True)
class DeviceAuthorizationRequest(AuthorizationRequest):
    """A device request dressed as an authorization request for the login/consent flow."""

    request_id: str = ""
    error_url: str = ""

    def fail(self, error: OAuth2Error) -> RedirectedError:
        return RedirectedError(error, self.error_url, "")


@dataclass(frozen=True)
class DeviceFlowURLs:
    verification: str
    """``urls.device.verification``: the UI that asks for the user code."""
    success: str
    error: str
    endpoint: str
    """This server's ``/oauth2/device/verify``."""


def _request(
    client: Client, req: DeviceRequest, urls: DeviceFlowURLs
) -> DeviceAuthorizationRequest:
    return DeviceAuthorizationRequest(
        client=client,
        redirect_uri=urls.success,
        redirect_uri_given=False,
        response_type="device_code",
        scope=req.requested_scope,
        audience=req.requested_audience,
        state="",
        request_id=req.request_id,
        error_url=urls.error,
    )


class DeviceRequests:
    """The validator of :class:`DeviceLoginConsent`: ``device_request`` is sealed by us."""

    def __init__(
        self,
        store: DeviceStore,
        clients: ClientSource,
        challenges: ch.Challenges,
        urls: DeviceFlowURLs,
    ) -> None:
        self.store = store
        self.clients = clients
        self.challenges = challenges
        self.urls = urls

    async def request_id(self, params: dict[str, str]) -> str:
        try:
            request_id, _ = self.challenges.open(
                ch.DEVICE_REQUEST, params.get("device_request", "")
            )
        except ch.InvalidChallenge as exc:
            raise InvalidRequest("The device request is not valid.") from exc
        return request_id

    async def validate(self, params: dict[str, str]) -> AuthorizationRequest:
        req = await self.store.by_request_id(await self.request_id(params))
        client = await self.clients.get(req.client_id) if req is not None else None
        if req is None or client is None or req.user_code_state != dv.VERIFIED:
            raise InvalidRequest("The device request is not valid or was completed already.")
        return _request(client, req, self.urls)


class DeviceLoginConsent(LoginConsentStrategy):
    """Hydra's login and consent flow for a device request: the end records the decision."""

    def __init__(self, requests: DeviceRequests, *args: Any, **kwargs: Any) -> None:
        super().__init__(requests, *args, **kwargs)
        self.requests = requests
        self.devices = requests.store

    async def authorize(
        self, params: dict[str, str], request_url: str, cookies: dict[str, str]
    ) -> Redirect:
        try:
            return await super().authorize(params, request_url, cookies)
        except RedirectedError as exc:
            if isinstance(exc.error, ReportedError):  # the UI rejected login or consent
                req = await self.devices.by_request_id(await self.requests.request_id(params))
                if req is not None:
                    await self.devices.move(req, dv.VERIFIED, {"user_code_state": dv.DENIED})
            raise

    async def _consent_skippable(
        self, flow: Flow, req: AuthorizationRequest, now: datetime
    ) -> bool:
        return False  # reference §2.6: "consent is never skipped for devices"

    async def finish(self, decision: Decision) -> Redirect:
        req, flow = decision.request, decision.flow
        assert isinstance(req, DeviceAuthorizationRequest)
        device = await self.devices.by_request_id(req.request_id)
        values: dict[str, Any] = {
            "user_code_state": dv.AUTHORIZED,
            "subject": flow.subject,
            "granted_scope": flow.granted_scope,
            "granted_audience": flow.granted_audience,
            "session": grant_session(decision),
        }
        if device is None or not await self.devices.move(device, dv.VERIFIED, values):
            raise req.fail(InvalidRequest("The device request was completed already."))
        return Redirect(req.redirect_uri)


class DeviceVerification:
    def __init__(
        self,
        store: DeviceStore,
        user_codes: UserCodes,
        challenges: ch.Challenges,
        clients: ClientSource,
        login: DeviceLoginConsent,
        urls: DeviceFlowURLs,
        *,
        ttl: timedelta,
    ) -> None:
        self.store = store
        self.user_codes = user_codes
        self.challenges = challenges
        self.clients = clients
        self.login = login
        self.urls = urls
        self.ttl = ttl

    async def verify(
        self, params: dict[str, str], request_url: str, cookies: dict[str, str]
    ) -> Redirect:
        if params.get("login_verifier") or params.get("consent_verifier"):
            return await self.login.authorize(params, request_url, cookies)
        if params.get("device_verifier"):
            return await self._after_accept(params["device_verifier"], cookies)
        return self._start(params.get("user_code", ""))

    def _start(self, user_code: str) -> Redirect:
        challenge_id = token()
        target = with_param(
            self.urls.verification,
            "device_challenge",
            self.challenges.seal(ch.DEVICE_CHALLENGE, challenge_id),
        )
        if user_code:
            target = with_param(target, "user_code", user_code)
        cookie = Cookie(DEVICE_COOKIE, challenge_id, int(self.ttl.total_seconds()))
        return Redirect(target, [cookie])

    async def accept(self, challenge: str, body: Any) -> str:
        """``PUT /admin/oauth2/auth/requests/device/accept``: the user code, once."""
        try:
            challenge_id, _ = self.challenges.open(ch.DEVICE_CHALLENGE, challenge)
        except ch.InvalidChallenge as exc:
            raise NotFound("Unable to locate the requested resource") from exc
        code = body.get("user_code") if isinstance(body, dict) else None
        if not isinstance(code, str) or not code:
            raise Invalid("Field 'user_code' must be a non-empty string.")
        req = await self.store.by_user_code(self.user_codes.signature(code))
        if req is None:
            raise NotFound("The user code is not valid.")
        if req.expires_at < now_utc():
            raise ExpiredToken("The user code has expired.")
        values = {"user_code_state": dv.ACCEPTED, "challenge_id": challenge_id}
        if req.user_code_state != dv.PENDING or not await self.store.move(req, dv.PENDING, values):
            raise InvalidRequest("The user code has been used already.")
        verifier = self.challenges.seal(ch.DEVICE_VERIFIER, req.request_id, challenge_id)
        target = with_param(self.urls.endpoint, "device_verifier", verifier)
        return with_param(target, "client_id", req.client_id)

    async def _after_accept(self, verifier: str, cookies: dict[str, str]) -> Redirect:
        invalid = InvalidRequest(
            "The device verifier has already been used, has not been granted, or is invalid."
        )
        try:
            request_id, challenge_id = self.challenges.open(ch.DEVICE_VERIFIER, verifier)
        except ch.InvalidChallenge as exc:
            raise invalid from exc
        req = await self.store.by_request_id(request_id)
        if req is None or req.user_code_state != dv.ACCEPTED or req.challenge_id != challenge_id:
            raise invalid
        if cookies.get(DEVICE_COOKIE) != challenge_id:
            raise RequestForbidden(
                "The CSRF value from the token does not match the CSRF value from the data store."
            )
        if req.expires_at < now_utc():
            raise ExpiredToken("The user code has expired.")
        client = await self.clients.get(req.client_id)
        if client is None or not await self.store.move(
            req, dv.ACCEPTED, {"user_code_state": dv.VERIFIED}
        ):
            raise invalid
        sealed = self.challenges.seal(ch.DEVICE_REQUEST, req.request_id)
        request_url = with_param(self.urls.endpoint, "device_request", sealed)
        redirect = await self.login.begin_login(
            _request(client, req, self.urls), request_url, cookies
        )
        return Redirect(redirect.location, [*redirect.cookies, Cookie(DEVICE_COOKIE, "", 0)])
