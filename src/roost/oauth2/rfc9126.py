"""Pushed authorization requests (RFC 9126): ``POST /oauth2/par`` and ``request_uri``.

Beyond Hydra (v2.3.0 has no PAR), off unless
``oauth2.pushed_authorization_requests.enabled``. An authenticated client
pushes the parameters of an authorization request; they are validated exactly
as ``/oauth2/auth`` validates them (errors answered as JSON, never redirected:
there is no user agent yet) and stored under a random ``request_uri`` that
works once, for ``ttl`` (60 s by default, §2.2 advises short). At
``/oauth2/auth`` the request is then ``client_id`` and ``request_uri`` only
(§4: the pushed parameters are the request; anything beside them is refused,
so nothing can be smuggled past the validation). The flow continues with the
pushed parameters, so the login and consent verifiers come back to a URL of
those, bound to the flow as for any request.

PAR is required for every client with ``required`` (§5
``require_pushed_authorization_requests``), or for one client whose
``metadata`` has ``require_pushed_authorization_requests: true`` (Hydra's
client has no such field, and adding one would change Hydra's client
document).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import (
    InvalidClient,
    InvalidRequest,
    InvalidRequestURI,
    OAuth2Error,
    RedirectedError,
)

URN = "urn:ietf:params:oauth:request_uri:"
VERIFIERS = ("login_verifier", "consent_verifier")


@dataclass(frozen=True)
class PushedRequest:
    client_id: str
    parameters: dict[str, str]
    expires_at: datetime


class PushedRequestStore(Protocol):
    async def add(self, signature: str, request: PushedRequest) -> None: ...

    async def take(self, signature: str) -> PushedRequest | None:
        """The request, removed in the same step (None when unknown or already taken)."""
        ...


class Validator(Protocol):
    async def validate(self, params: dict[str, str]) -> Any: ...


class ClientSource(Protocol):
    async def get(self, client_id: str) -> Client | None: ...


class Authenticator(Protocol):
    async def authenticate(self, form: dict[str, str], authorization: str | None) -> Client: ...


class ProofBinding(Protocol):
    async def bind_pushed(self, proofs: Sequence[str], params: dict[str, str]) -> None:
        """Set ``dpop_jkt`` from the request's DPoP proof (RFC 9449 §10.1), if it has one."""
        ...


@dataclass(frozen=True)
class PARPolicy:
    enabled: bool = False
    required: bool = False
    ttl: timedelta = timedelta(seconds=60)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _signature(request_uri: str) -> str | None:
    if not request_uri.startswith(URN):
        return None
    return hashlib.sha256(request_uri[len(URN) :].encode()).hexdigest()


def client_requires_par(client: Client) -> bool:
    metadata = client.doc.get("metadata")
    return (
        isinstance(metadata, dict) and metadata.get("require_pushed_authorization_requests") is True
    )


class PushedAuthorization:
    def __init__(
        self,
        policy: PARPolicy,
        store: PushedRequestStore,
        auth: Authenticator,
        validator: Validator,
        clients: ClientSource,
        dpop: ProofBinding | None = None,
    ) -> None:
        self.dpop = dpop
        self.policy = policy
        self.store = store
        self.auth = auth
        self.validator = validator
        self.clients = clients

    async def push(
        self, form: dict[str, str], authorization: str | None, proofs: Sequence[str] = ()
    ) -> dict[str, Any]:
        """§2.1-2.2: the ``request_uri`` and its lifetime for a valid, authenticated request."""
        client = await self.auth.authenticate(form, authorization)
        if "request_uri" in form:
            raise InvalidRequest("The 'request_uri' parameter must not be pushed.")
        params = {k: v for k, v in form.items() if not k.startswith("client_assertion")}
        params.pop("client_secret", None)
        if params.get("client_id", client.id) != client.id:
            raise InvalidClient("The 'client_id' does not match the authenticated client.")
        params["client_id"] = client.id
        if any(k in params for k in VERIFIERS):
            raise InvalidRequest("Login and consent verifiers cannot be pushed.")
        if self.dpop is not None:
            await self.dpop.bind_pushed(proofs, params)
        try:
            await self.validator.validate(params)
        except RedirectedError as exc:  # no user agent to redirect: answer the client
            raise exc.error from exc
        token = secrets.token_urlsafe(32)
        request_uri = URN + token
        expires = _now() + self.policy.ttl
        signature = _signature(request_uri)
        assert signature is not None
        await self.store.add(signature, PushedRequest(client.id, params, expires))
        return {"request_uri": request_uri, "expires_in": int(self.policy.ttl.total_seconds())}

    async def resolve(self, params: dict[str, str]) -> dict[str, str]:
        """The authorization request's parameters: the pushed ones for a ``request_uri``."""
        if "request_uri" not in params:
            if self.policy.enabled and not any(params.get(k) for k in VERIFIERS):
                await self._check_not_required(params.get("client_id", ""))
            return params
        if not self.policy.enabled:
            raise InvalidRequest("The 'request_uri' parameter is not supported.")
        extra = sorted(set(params) - {"client_id", "request_uri"})
        if extra:
            raise InvalidRequest(
                "With 'request_uri', the request may only carry 'client_id'; found: "
                + ", ".join(extra)
            )
        signature = _signature(params["request_uri"])
        pushed = await self.store.take(signature) if signature else None
        if pushed is None or pushed.client_id != params.get("client_id", ""):
            raise InvalidRequestURI("The 'request_uri' is unknown, used or of another client.")
        if pushed.expires_at < _now():
            raise InvalidRequestURI("The 'request_uri' has expired.")
        return dict(pushed.parameters)

    async def _check_not_required(self, client_id: str) -> None:
        if self.policy.required:
            raise _required()
        client = await self.clients.get(client_id) if client_id else None
        if client is not None and client_requires_par(client):
            raise _required()


def _required() -> OAuth2Error:
    return InvalidRequest(
        "Pushed Authorization Requests are required: push the request to /oauth2/par first."
    )
