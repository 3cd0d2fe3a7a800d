"""The browser side of the flow: ``/oauth2/auth`` from first visit to the code (reference §2.1).

1. No verifier: validate the request, look for a remembered login (the
   ``ory_hydra_session`` cookie), store a flow, set the login CSRF cookie and
   send the user agent to ``urls.login`` with a ``login_challenge``.
2. ``login_verifier``: check it, the CSRF cookie and that the request is the
   one the flow was made for; mark login used (once); remember the login;
   look for a remembered consent; send the user agent to ``urls.consent``.
3. ``consent_verifier``: the same checks; mark consent used (once); hand the
   decision to the responder (code, tokens, ID token per response type) and
   send them to the client in the request's response mode.

Errors after the request is validated go to the client's redirect URI
(:class:`RedirectedError`); before that they are shown, never redirected.
Cookies are data here (:class:`Cookie`); the HTTP layer writes them.
"""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

from roost.oauth2 import scopes as sc
from roost.oauth2.consent import challenges as ch
from roost.oauth2.consent import flow as fl
from roost.oauth2.consent.errors import ReportedError
from roost.oauth2.consent.flow import Flow, FlowStore, LoginSession
from roost.oauth2.consent.requests import now_utc, token, with_param
from roost.oauth2.oidc.pairwise import SubjectIdentifiers
from roost.oauth2.rfc6749.authorization import AuthorizationRequest
from roost.oauth2.rfc6749.errors import (
    AccessDenied,
    ConsentRequired,
    LoginRequired,
    OAuth2Error,
    RequestForbidden,
)
from roost.oauth2.rfc6749.response_mode import FORM_POST, AuthorizationResponse

SESSION_COOKIE = "ory_hydra_session"
VERIFIERS = ("login_verifier", "consent_verifier")


@dataclass(frozen=True)
class Cookie:
    """A cookie to set; ``max_age=0`` deletes it."""

    name: str
    value: str
    max_age: int | None = None


@dataclass(frozen=True)
class Redirect:
    """Where the user agent goes next; with ``form``, a ``form_post`` of it to ``location``."""

    location: str
    cookies: list[Cookie] = field(default_factory=list)
    form: dict[str, str] | None = None
    final: bool = False  # the answer to the client (303, as fosite), not a hop to a UI


@dataclass(frozen=True)
class Decision:
    """What login and consent decided for one request: the code issuer's input."""

    request: AuthorizationRequest
    flow: Flow
    auth_time: datetime | None
    id_subject: str = ""
    """The ``sub`` of the client's ID tokens and userinfo (public or pairwise)."""


class RequestValidator(Protocol):
    async def validate(self, params: dict[str, str]) -> AuthorizationRequest:
        """The validated request; OAuth2Error (shown) or RedirectedError (sent on)."""
        ...


class Responder(Protocol):
    async def respond(self, decision: Decision) -> dict[str, str]:
        """The authorization response's parameters (code, tokens, ``state``) for the decision."""
        ...


@dataclass(frozen=True)
class FlowURLs:
    login: str
    consent: str
    registration: str


def csrf_cookie(kind: str, client_id: str) -> str:
    """Hydra's per-client CSRF cookie names (``ory_hydra_login_csrf_<suffix>``)."""
    return f"ory_hydra_{kind}_csrf_{zlib.crc32(client_id.encode())}"


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


class LoginConsentStrategy:
    def __init__(
        self,
        validator: RequestValidator,
        flows: FlowStore,
        challenges: ch.Challenges,
        responder: Responder,
        urls: FlowURLs,
        *,
        ttl: timedelta,
        session_ttl: timedelta,
        strategy: sc.ScopeStrategy,
        subjects: SubjectIdentifiers | None = None,
    ) -> None:
        self.validator = validator
        self.subjects = subjects or SubjectIdentifiers()
        self.flows = flows
        self.challenges = challenges
        self.responder = responder
        self.urls = urls
        self.ttl = ttl
        self.session_ttl = session_ttl
        self.strategy = strategy

    async def authorize(
        self, params: dict[str, str], request_url: str, cookies: dict[str, str]
    ) -> Redirect:
        plain = {k: v for k, v in params.items() if k not in VERIFIERS}
        req = await self.validator.validate(plain)
        if params.get("login_verifier"):
            return await self._after_login(req, plain, params["login_verifier"], cookies)
        if params.get("consent_verifier"):
            return await self._after_consent(req, plain, params["consent_verifier"], cookies)
        return await self.begin_login(req, request_url, cookies)

    # -- step 1 --------------------------------------------------------------------

    async def _session(self, cookies: dict[str, str], now: datetime) -> LoginSession | None:
        try:
            session_id, _ = self.challenges.open(ch.SESSION_COOKIE, cookies.get(SESSION_COOKIE, ""))
        except ch.InvalidChallenge:
            return None
        session = await self.flows.get_session(session_id)
        if session is None or not session.remember:
            return None
        if session.expires_at is not None and session.expires_at < now:
            return None
        return session

    async def begin_login(
        self, req: AuthorizationRequest, request_url: str, cookies: dict[str, str]
    ) -> Redirect:
        now = now_utc()
        session = await self._session(cookies, now)
        skip = session is not None and "login" not in req.prompt
        if skip and session is not None and req.max_age is not None:
            auth_time = session.authenticated_at or now
            skip = auth_time + timedelta(seconds=req.max_age) >= now and req.max_age > 0
        if not skip and "none" in req.prompt:
            raise req.fail(
                LoginRequired(
                    "Prompt 'none' was requested, but no existing login session was found."
                )
            )
        flow = Flow(
            id=uuid.uuid4().hex,
            client_id=req.client.id,
            request_url=request_url,
            requested_at=now,
            requested_scope=req.scope,
            requested_audience=req.audience,
            oidc_context=dict(req.oidc_context),
            state=fl.LOGIN_INITIALIZED,
            login_csrf=token(),
            subject=session.subject if skip and session else "",
            login_skip=skip,
            login_session_id=session.id if session else uuid.uuid4().hex,
            login_authenticated_at=session.authenticated_at if skip and session else None,
        )
        await self.flows.create(flow)
        target = self.urls.login
        if "registration" in req.prompt and self.urls.registration:
            target = self.urls.registration
        challenge = self.challenges.seal(ch.LOGIN_CHALLENGE, flow.id)
        return Redirect(
            with_param(target, "login_challenge", challenge),
            [
                Cookie(
                    csrf_cookie("login", req.client.id),
                    flow.login_csrf,
                    int(self.ttl.total_seconds()),
                )
            ],
        )

    # -- verifiers -----------------------------------------------------------------

    async def _verified(
        self,
        req: AuthorizationRequest,
        plain: dict[str, str],
        purpose: bytes,
        verifier: str,
        cookies: dict[str, str],
    ) -> Flow:
        """The flow a verifier names, once its checks pass; RedirectedError otherwise."""
        invalid = AccessDenied(
            "The verifier has already been used, has not been granted, or is invalid."
        )
        try:
            flow_id, nonce = self.challenges.open(purpose, verifier)
        except ch.InvalidChallenge as exc:
            raise req.fail(invalid) from exc
        flow = await self.flows.get(flow_id)
        if flow is None or flow.client_id != req.client.id or _query(flow.request_url) != plain:
            raise req.fail(invalid)
        login = purpose == ch.LOGIN_VERIFIER
        expected = (flow.login_verifier, flow.login_csrf) if login else (
            flow.consent_verifier, flow.consent_csrf)  # fmt: skip
        if nonce != expected[0]:
            raise req.fail(invalid)
        if flow.requested_at + self.ttl < now_utc():
            raise req.fail(RequestForbidden("The flow has expired. Please try again."))
        kind = "login" if login else "consent"
        if not expected[1] or cookies.get(csrf_cookie(kind, flow.client_id)) != expected[1]:
            raise req.fail(
                RequestForbidden(
                    "The CSRF value from the token does not match the CSRF value from the "
                    "data store."
                )
            )
        flow.state = fl.LOGIN_USED if login else fl.CONSENT_USED
        before = fl.LOGIN_UNUSED if login else fl.CONSENT_UNUSED
        if not await self.flows.advance(flow, (before,)):
            raise req.fail(invalid)
        return flow

    # -- step 2 --------------------------------------------------------------------

    async def _after_login(
        self,
        req: AuthorizationRequest,
        plain: dict[str, str],
        verifier: str,
        cookies: dict[str, str],
    ) -> Redirect:
        flow = await self._verified(req, plain, ch.LOGIN_VERIFIER, verifier, cookies)
        if flow.login_error is not None:
            raise req.fail(ReportedError(flow.login_error))
        set_cookies = await self._remember_login(flow)
        now = now_utc()
        flow.consent_skip = await self._consent_skippable(flow, req, now)
        if not flow.consent_skip and "none" in req.prompt:
            raise req.fail(
                ConsentRequired("Prompt 'none' was requested, but no previous consent was found.")
            )
        flow.consent_challenge_id = uuid.uuid4().hex
        flow.consent_csrf = token()
        flow.state = fl.CONSENT_INITIALIZED
        if not await self.flows.advance(flow, (fl.LOGIN_USED,)):
            raise req.fail(AccessDenied("The login has already been used."))
        challenge = self.challenges.seal(ch.CONSENT_CHALLENGE, flow.consent_challenge_id)
        set_cookies.append(
            Cookie(
                csrf_cookie("consent", flow.client_id),
                flow.consent_csrf,
                int(self.ttl.total_seconds()),
            )
        )
        return Redirect(with_param(self.urls.consent, "consent_challenge", challenge), set_cookies)

    async def _remember_login(self, flow: Flow) -> list[Cookie]:
        """Store the login session and set (``remember``) or drop its cookie, as Hydra does."""
        if flow.login_skip:
            return []
        assert flow.login_session_id is not None
        lifespan = (
            timedelta(seconds=flow.login_remember_for)
            if flow.login_remember_for
            else self.session_ttl
        )
        now = now_utc()
        await self.flows.save_session(
            LoginSession(
                id=flow.login_session_id,
                subject=flow.subject,
                authenticated_at=flow.login_authenticated_at,
                remember=flow.login_remember,
                expires_at=now + lifespan,
                identity_provider_session_id=flow.identity_provider_session_id,
            )
        )
        if not flow.login_remember:
            return [Cookie(SESSION_COOKIE, "", 0)]
        sealed = self.challenges.seal(ch.SESSION_COOKIE, flow.login_session_id)
        return [Cookie(SESSION_COOKIE, sealed, int(lifespan.total_seconds()))]

    async def _consent_skippable(
        self, flow: Flow, req: AuthorizationRequest, now: datetime
    ) -> bool:
        if "consent" in req.prompt or not _trusted_redirect(req):
            return False
        for previous in await self.flows.remembered_consents(flow.subject, flow.client_id, now):
            scopes = all(self.strategy(previous.granted_scope, s) for s in req.scope)
            audience = all(a in previous.granted_audience for a in req.audience)
            if scopes and audience:
                return True
        return False

    # -- step 3 --------------------------------------------------------------------

    async def _after_consent(
        self,
        req: AuthorizationRequest,
        plain: dict[str, str],
        verifier: str,
        cookies: dict[str, str],
    ) -> Redirect:
        flow = await self._verified(req, plain, ch.CONSENT_VERIFIER, verifier, cookies)
        if flow.consent_error is not None:
            raise req.fail(ReportedError(flow.consent_error))
        try:
            sub = self.subjects.for_client(req.client, flow.subject, flow.forced_subject_identifier)
        except OAuth2Error as exc:
            raise req.fail(exc) from exc
        return await self.finish(Decision(req, flow, flow.login_authenticated_at, sub))

    async def finish(self, decision: Decision) -> Redirect:
        """Where the user agent goes once consent is given: the client, in its response mode."""
        req = decision.request
        response = AuthorizationResponse(
            req.redirect_uri, await self.responder.respond(decision), req.response_mode
        )
        form = response.params if response.mode == FORM_POST else None
        return Redirect(response.location(), form=form, final=True)


def _trusted_redirect(req: AuthorizationRequest) -> bool:
    """A public client whose redirect URI is neither https nor localhost always gets consent."""
    if not req.client.is_public:
        return True
    parts = urlsplit(req.redirect_uri)
    host = parts.hostname or ""
    return (
        parts.scheme == "https"
        or host in ("localhost", "127.0.0.1", "::1")
        or host.endswith(".localhost")
    )
