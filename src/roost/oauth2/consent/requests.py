"""The admin side of the flow: read, accept and reject login and consent requests.

Hydra's bodies (reference §2.3, §2.4). A challenge that is not ours, or whose
flow is gone, is NotFound; one older than ``ttl.login_consent_request`` is
``request_unauthorized``; one whose step was completed is
:class:`~roost.oauth2.consent.errors.RequestHandled` (410 with ``redirect_to``).
Accepting twice before the user agent comes back is allowed (the newer answer
wins, its verifier replaces the older one), as in Hydra.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from roost.core.errors import Invalid, NotFound
from roost.oauth2.clients.model import Client
from roost.oauth2.consent import challenges as ch
from roost.oauth2.consent import flow as fl
from roost.oauth2.consent.errors import RequestHandled
from roost.oauth2.consent.flow import Flow, FlowStore
from roost.oauth2.rfc6749.errors import RequestUnauthorized


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def token() -> str:
    return secrets.token_hex(16)


def _field(body: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Invalid(f"The field {key!r} has the wrong type.")
    return value


def _strings(body: dict[str, Any], key: str) -> list[str]:
    value = _field(body, key, list, [])
    if not all(isinstance(v, str) for v in value):
        raise Invalid(f"The field {key!r} must be an array of strings.")
    return list(value)


def _error_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.")
    out = {k: _field(body, k, str, "") for k in ("error", "error_description", "error_hint",
                                                 "error_debug")}  # fmt: skip
    status = _field(body, "status_code", int, 0)
    if status and not 400 <= status <= 599:
        raise Invalid("The field 'status_code' must be an HTTP error status.")
    out["error"] = out["error"] or "access_denied"
    out["status_code"] = status or 400
    return out


def with_param(url: str, name: str, value: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{name}={quote(value, safe='')}"


def consent_document(flow: Flow, challenge: str, client: dict[str, Any]) -> dict[str, Any]:
    """``oAuth2ConsentRequest`` of a flow that reached consent."""
    return {
        "acr": flow.acr,
        "amr": flow.amr,
        "challenge": challenge,
        "client": client,
        "consent_request_id": flow.consent_challenge_id,
        "context": flow.context,
        "login_challenge": flow.id,
        "login_session_id": flow.login_session_id,
        "oidc_context": flow.oidc_context,
        "request_url": flow.request_url,
        "requested_access_token_audience": flow.requested_audience,
        "requested_scope": flow.requested_scope,
        "skip": flow.consent_skip,
        "subject": flow.subject,
    }


class ClientSource(Protocol):
    async def get(self, client_id: str) -> Client | None: ...


class ConsentRequests:
    def __init__(
        self, flows: FlowStore, challenges: ch.Challenges, clients: ClientSource, ttl: timedelta
    ) -> None:
        self.flows = flows
        self.challenges = challenges
        self.clients = clients
        self.ttl = ttl

    def _expired(self, flow: Flow) -> bool:
        return flow.requested_at + self.ttl < now_utc()

    async def _client_doc(self, client_id: str) -> dict[str, Any]:
        """The client as the UI sees it (``oAuth2Client``, never the secret)."""
        client = await self.clients.get(client_id)
        return {} if client is None else client.api()

    async def _login_flow(self, challenge: str) -> Flow:
        try:
            flow_id, _ = self.challenges.open(ch.LOGIN_CHALLENGE, challenge)
        except ch.InvalidChallenge as exc:
            raise NotFound("Unable to locate the requested resource") from exc
        flow = await self.flows.get(flow_id)
        if flow is None:
            raise NotFound("Unable to locate the requested resource")
        if flow.state >= fl.LOGIN_USED:
            raise RequestHandled(flow.request_url)
        if self._expired(flow):
            raise RequestUnauthorized("The login request has expired. Please try again.")
        return flow

    async def _consent_flow(self, challenge: str) -> Flow:
        try:
            consent_id, _ = self.challenges.open(ch.CONSENT_CHALLENGE, challenge)
        except ch.InvalidChallenge as exc:
            raise NotFound("Unable to locate the requested resource") from exc
        flow = await self.flows.get_by_consent(consent_id)
        if flow is None or flow.state < fl.CONSENT_INITIALIZED:
            raise NotFound("Unable to locate the requested resource")
        if flow.state >= fl.CONSENT_USED:
            raise RequestHandled(flow.request_url)
        if self._expired(flow):
            raise RequestUnauthorized("The consent request has expired. Please try again.")
        return flow

    async def login_request(self, challenge: str) -> dict[str, Any]:
        """``oAuth2LoginRequest``."""
        flow = await self._login_flow(challenge)
        return {
            "challenge": challenge,
            "client": await self._client_doc(flow.client_id),
            "oidc_context": flow.oidc_context,
            "request_url": flow.request_url,
            "requested_access_token_audience": flow.requested_audience,
            "requested_scope": flow.requested_scope,
            "session_id": flow.login_session_id,
            "skip": flow.login_skip,
            "subject": flow.subject,
        }

    async def accept_login(self, challenge: str, body: Any) -> str:
        if not isinstance(body, dict):
            raise Invalid("The request body must be a JSON object.")
        flow = await self._login_flow(challenge)
        subject = _field(body, "subject", str, "")
        if not subject:
            raise Invalid("Field 'subject' must not be empty.")
        if flow.login_skip and subject != flow.subject:
            raise Invalid("Field 'subject' does not match subject from previous authentication.")
        remember_for = _field(body, "remember_for", int, 0)
        if remember_for < 0:
            raise Invalid("Field 'remember_for' must not be negative.")
        context = _field(body, "context", dict, {})
        flow.subject = subject
        flow.login_remember = flow.login_skip or _field(body, "remember", bool, False)
        flow.login_remember_for = remember_for
        flow.login_extend_session_lifespan = _field(body, "extend_session_lifespan", bool, False)
        flow.acr = _field(body, "acr", str, "")
        flow.amr = _strings(body, "amr")
        flow.context = context
        flow.identity_provider_session_id = _field(body, "identity_provider_session_id", str, "")
        flow.forced_subject_identifier = _field(body, "force_subject_identifier", str, "")
        if not flow.login_skip:
            flow.login_authenticated_at = now_utc()
        flow.login_error = None
        return await self._handle_login(flow)

    async def reject_login(self, challenge: str, body: Any) -> str:
        error = _error_body(body)
        flow = await self._login_flow(challenge)
        flow.login_error = error
        return await self._handle_login(flow)

    async def _handle_login(self, flow: Flow) -> str:
        flow.state = fl.LOGIN_UNUSED
        flow.login_verifier = token()
        if not await self.flows.advance(flow, (fl.LOGIN_INITIALIZED, fl.LOGIN_UNUSED)):
            raise RequestHandled(flow.request_url)
        verifier = self.challenges.seal(ch.LOGIN_VERIFIER, flow.id, flow.login_verifier)
        return with_param(flow.request_url, "login_verifier", verifier)

    async def consent_request(self, challenge: str) -> dict[str, Any]:
        """``oAuth2ConsentRequest``."""
        flow = await self._consent_flow(challenge)
        return consent_document(flow, challenge, await self._client_doc(flow.client_id))

    async def accept_consent(self, challenge: str, body: Any) -> str:
        if not isinstance(body, dict):
            raise Invalid("The request body must be a JSON object.")
        flow = await self._consent_flow(challenge)
        session = _field(body, "session", dict, {})
        access, id_token = session.get("access_token") or {}, session.get("id_token") or {}
        if not isinstance(access, dict) or not isinstance(id_token, dict):
            raise Invalid(
                "The fields 'session.access_token' and 'session.id_token' must be objects."
            )
        remember_for = _field(body, "remember_for", int, 0)
        if remember_for < 0:
            raise Invalid("Field 'remember_for' must not be negative.")
        flow.granted_scope = _strings(body, "grant_scope")
        flow.granted_audience = _strings(body, "grant_access_token_audience")
        flow.consent_remember = _field(body, "remember", bool, False)
        flow.consent_remember_for = remember_for
        flow.session_access_token = access
        flow.session_id_token = id_token
        flow.context = _field(body, "context", dict, flow.context)
        flow.consent_error = None
        flow.expires_at = (
            flow.requested_at + timedelta(seconds=remember_for) if remember_for > 0 else None
        )
        return await self._handle_consent(flow)

    async def reject_consent(self, challenge: str, body: Any) -> str:
        error = _error_body(body)
        flow = await self._consent_flow(challenge)
        flow.consent_error = error
        flow.consent_remember = False
        return await self._handle_consent(flow)

    async def _handle_consent(self, flow: Flow) -> str:
        flow.state = fl.CONSENT_UNUSED
        flow.consent_verifier = token()
        flow.consent_handled_at = now_utc()
        if not await self.flows.advance(flow, (fl.CONSENT_INITIALIZED, fl.CONSENT_UNUSED)):
            raise RequestHandled(flow.request_url)
        verifier = self.challenges.seal(ch.CONSENT_VERIFIER, flow.id, flow.consent_verifier)
        return with_param(flow.request_url, "consent_verifier", verifier)
