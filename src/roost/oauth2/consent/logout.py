"""Logout: RP-initiated (OpenID Connect RP-Initiated Logout 1.0) and Hydra's logout challenge.

``/oauth2/sessions/logout`` (reference §2.5) in two steps:

1. Without a verifier: check ``id_token_hint`` (ours, expired or not),
   ``post_logout_redirect_uri`` (only one registered on the hint's client:
   never an open redirect) and ``state``; find the login session from the
   ``ory_hydra_session`` cookie; store a :class:`LogoutRequest` and send the
   user agent to ``urls.logout`` with a ``logout_challenge``. No session (or
   one of another subject) means there is nothing to log out: straight to the
   post-logout URL.
2. ``logout_verifier`` (from ``PUT …/logout/accept``): use the request once,
   delete the login session and its cookie, start back-channel logout to the
   session's clients (never waited for), and answer either a redirect to the
   post-logout URL or, when a client has a ``frontchannel_logout_uri``, a page
   of iframes (OpenID Connect Front-Channel Logout 1.0 §4) that goes on there.

The admin side (``GET``, ``PUT …/accept|reject``) is :class:`LogoutRequests`.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

from roost.core.errors import NotFound
from roost.oauth2.clients.model import Client
from roost.oauth2.consent import challenges as ch
from roost.oauth2.consent.errors import RequestHandled
from roost.oauth2.consent.flow import LoginSession
from roost.oauth2.consent.requests import ClientSource, now_utc, token, with_param
from roost.oauth2.consent.strategy import SESSION_COOKIE, Cookie, Redirect
from roost.oauth2.oidc.backchannel import BackChannelLogout, Recipient
from roost.oauth2.oidc.id_token import InvalidHint, VerificationKeys, verify_hint
from roost.oauth2.oidc.pairwise import SubjectIdentifiers
from roost.oauth2.rfc6749.errors import InvalidRequest, OAuth2Error, RequestUnauthorized


@dataclass
class LogoutRequest:
    """One logout on its way through the logout UI (``hydra_oauth2_logout_request``)."""

    id: str
    subject: str
    sid: str
    client_id: str | None
    request_url: str
    redir_url: str
    rp_initiated: bool
    requested_at: datetime
    expires_at: datetime
    verifier: str | None = None
    accepted: bool = False
    rejected: bool = False
    was_used: bool = False


class LogoutStore(Protocol):
    async def create(self, request: LogoutRequest) -> None: ...

    async def get(self, request_id: str) -> LogoutRequest | None: ...

    async def accept(self, request_id: str, verifier_hash: str) -> bool:
        """Mark accepted with a new verifier, unless used or gone; False then."""
        ...

    async def delete(self, request_id: str) -> None: ...

    async def use(self, request_id: str, verifier_hash: str) -> LogoutRequest | None:
        """Mark an accepted request used, once; None when it is not (any more)."""
        ...


class LoginSessions(Protocol):
    """The login sessions and the clients that were granted consent within one."""

    async def get_session(self, session_id: str) -> LoginSession | None: ...

    async def delete_session(self, session_id: str) -> None: ...

    async def session_clients(self, session_id: str) -> list[str]:
        """Ids of the clients with a granted consent in this login session."""
        ...


@dataclass(frozen=True)
class LogoutPage:
    """Front-channel logout: load each URL in a hidden iframe, then go to ``redirect_to``."""

    frames: list[str]
    redirect_to: str
    cookies: list[Cookie] = field(default_factory=list)


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


@dataclass(frozen=True)
class LogoutURLs:
    logout: str
    post_logout: str
    endpoint: str
    """This server's ``/oauth2/sessions/logout``, where the verifier comes back."""


class Logout:
    def __init__(
        self,
        store: LogoutStore,
        sessions: LoginSessions,
        clients: ClientSource,
        keys: VerificationKeys,
        challenges: ch.Challenges,
        backchannel: BackChannelLogout,
        urls: LogoutURLs,
        *,
        issuer: str,
        ttl: timedelta,
        subjects: SubjectIdentifiers | None = None,
    ) -> None:
        self.subjects = subjects or SubjectIdentifiers()
        self.store = store
        self.sessions = sessions
        self.clients = clients
        self.keys = keys
        self.challenges = challenges
        self.backchannel = backchannel
        self.urls = urls
        self.issuer = issuer
        self.ttl = ttl

    async def logout(
        self, params: dict[str, str], request_url: str, cookies: dict[str, str]
    ) -> Redirect | LogoutPage:
        if params.get("logout_verifier"):
            return await self._complete(params["logout_verifier"])
        return await self._begin(params, request_url, cookies)

    # -- step 1 --------------------------------------------------------------------

    async def _hint_client(self, hint: str) -> tuple[dict[str, Any], Client]:
        try:
            claims = await verify_hint(self.keys, hint, self.issuer)
        except InvalidHint as exc:
            raise InvalidRequest(str(exc)) from exc
        aud = claims.get("aud")
        audience = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if len(audience) != 1 or not isinstance(audience[0], str):
            raise InvalidRequest("The id_token_hint must name exactly one audience.")
        client = await self.clients.get(audience[0])
        if client is None:
            raise InvalidRequest("The id_token_hint names a client that does not exist.")
        return claims, client

    def _same_subject(self, claims: dict[str, Any], client: Client | None, subject: str) -> bool:
        """The hint's ``sub`` is the session's subject, as that client sees it (maybe pairwise)."""
        sub = claims.get("sub")
        if sub == subject or client is None:
            return sub == subject
        try:
            return bool(sub == self.subjects.for_client(client, subject))
        except OAuth2Error:
            return False

    async def _begin(
        self, params: dict[str, str], request_url: str, cookies: dict[str, str]
    ) -> Redirect | LogoutPage:
        hint = params.get("id_token_hint", "")
        post = params.get("post_logout_redirect_uri", "")
        state = params.get("state", "")
        if post and not hint:
            raise InvalidRequest(
                "Logout failed because query parameter post_logout_redirect_uri is set but "
                "id_token_hint is missing."
            )
        if state and not post:
            raise InvalidRequest(
                "Logout failed because query parameter state is set but "
                "post_logout_redirect_uri is not."
            )
        claims, client = await self._hint_client(hint) if hint else ({}, None)
        redirect_to = self.urls.post_logout
        if post:
            assert client is not None
            if post not in (client.doc.get("post_logout_redirect_uris") or []):
                raise InvalidRequest(
                    "Logout failed because query parameter post_logout_redirect_uri is not "
                    "registered as a post_logout_redirect_uri of the client."
                )
            redirect_to = with_param(post, "state", state) if state else post
        session = await self._session(cookies)
        if session is None or (claims and not self._same_subject(claims, client, session.subject)):
            # Nothing to log out here (already logged out, or another user's hint).
            return Redirect(redirect_to, [Cookie(SESSION_COOKIE, "", 0)] if session else [])
        now = now_utc()
        request = LogoutRequest(
            id=str(uuid.uuid4()),
            subject=session.subject,
            sid=session.id,
            client_id=client.id if client else None,
            request_url=request_url,
            redir_url=redirect_to,
            rp_initiated=bool(hint),
            requested_at=now,
            expires_at=now + self.ttl,
        )
        await self.store.create(request)
        if client is not None and client.doc.get("skip_logout_consent"):
            return Redirect(await self._accept(request))
        challenge = self.challenges.seal(ch.LOGOUT_CHALLENGE, request.id)
        return Redirect(with_param(self.urls.logout, "logout_challenge", challenge))

    async def _session(self, cookies: dict[str, str]) -> LoginSession | None:
        try:
            sid, _ = self.challenges.open(ch.SESSION_COOKIE, cookies.get(SESSION_COOKIE, ""))
        except ch.InvalidChallenge:
            return None
        session = await self.sessions.get_session(sid)
        if session is None or (session.expires_at is not None and session.expires_at < now_utc()):
            return None
        return session

    # -- admin ---------------------------------------------------------------------

    async def _request(self, challenge: str) -> LogoutRequest:
        try:
            request_id, _ = self.challenges.open(ch.LOGOUT_CHALLENGE, challenge)
        except ch.InvalidChallenge as exc:
            raise NotFound("Unable to locate the requested resource") from exc
        request = await self.store.get(request_id)
        if request is None or request.rejected:
            raise NotFound("Unable to locate the requested resource")
        if request.was_used:
            raise RequestHandled(request.request_url)
        if request.expires_at < now_utc():
            raise RequestUnauthorized("The logout request has expired. Please try again.")
        return request

    async def logout_request(self, challenge: str) -> dict[str, Any]:
        """``oAuth2LogoutRequest``."""
        request = await self._request(challenge)
        out: dict[str, Any] = {
            "challenge": challenge,
            "subject": request.subject,
            "sid": request.sid,
            "request_url": request.request_url,
            "rp_initiated": request.rp_initiated,
            "requested_at": request.requested_at.isoformat() + "Z",
            "expires_at": request.expires_at.isoformat() + "Z",
        }
        if request.client_id:
            client = await self.clients.get(request.client_id)
            if client is not None:
                out["client"] = client.api()
        return out

    async def accept(self, challenge: str) -> str:
        return await self._accept(await self._request(challenge))

    async def _accept(self, request: LogoutRequest) -> str:
        nonce = token()
        if not await self.store.accept(request.id, _hash(nonce)):
            raise RequestHandled(request.request_url)
        verifier = self.challenges.seal(ch.LOGOUT_VERIFIER, request.id, nonce)
        return with_param(self.urls.endpoint, "logout_verifier", verifier)

    async def reject(self, challenge: str) -> None:
        request = await self._request(challenge)
        await self.store.delete(request.id)

    # -- step 2 --------------------------------------------------------------------

    async def _complete(self, verifier: str) -> Redirect | LogoutPage:
        invalid = InvalidRequest(
            "The logout verifier has already been used, has not been granted, or is invalid."
        )
        try:
            request_id, nonce = self.challenges.open(ch.LOGOUT_VERIFIER, verifier)
        except ch.InvalidChallenge as exc:
            raise invalid from exc
        request = await self.store.use(request_id, _hash(nonce))
        if request is None:
            raise invalid
        if request.expires_at < now_utc():
            raise RequestUnauthorized("The logout request has expired. Please try again.")
        frames = await self.end_session(request.subject, request.sid)
        cookies = [Cookie(SESSION_COOKIE, "", 0)]
        if frames:
            return LogoutPage(frames, request.redir_url, cookies)
        return Redirect(request.redir_url, cookies)

    async def end_session(self, subject: str, sid: str) -> list[str]:
        """Delete the login session, start back-channel logout; the front-channel URLs."""
        clients = [
            c for c in [await self.clients.get(i) for i in await self.sessions.session_clients(sid)]
            if c is not None
        ]  # fmt: skip
        await self.sessions.delete_session(sid)
        self.backchannel.notify(
            [
                Recipient(c.id, str(c.doc["backchannel_logout_uri"]))
                for c in clients
                if c.doc.get("backchannel_logout_uri")
            ],
            subject,
            sid,
        )
        query = urlencode({"iss": self.issuer, "sid": sid})
        return [
            f"{uri}{'&' if '?' in uri else '?'}{query}"
            for uri in (str(c.doc.get("frontchannel_logout_uri") or "") for c in clients)
            if uri
        ]
