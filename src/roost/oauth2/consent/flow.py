"""The login/consent request model: one :class:`Flow` per authorization request.

A flow moves through Hydra's states (``flow/flow.go``), each step exactly once:

    LOGIN_INITIALIZED (1) --accept/reject--> LOGIN_UNUSED (2) --verifier--> LOGIN_USED (3)
    LOGIN_USED --consent challenge--> CONSENT_INITIALIZED (4) --accept/reject--> CONSENT_UNUSED (5)
    CONSENT_UNUSED --verifier--> CONSENT_USED (6)

The store moves a flow only from an expected state (:meth:`FlowStore.advance`),
so of two requests presenting the same verifier exactly one wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

LOGIN_INITIALIZED = 1
LOGIN_UNUSED = 2
LOGIN_USED = 3
CONSENT_INITIALIZED = 4
CONSENT_UNUSED = 5
CONSENT_USED = 6


@dataclass
class Flow:
    """One authorization request on its way through login and consent (``hydra_oauth2_flow``)."""

    id: str
    client_id: str
    request_url: str
    requested_at: datetime
    requested_scope: list[str]
    requested_audience: list[str]
    oidc_context: dict[str, Any]
    state: int
    login_csrf: str
    subject: str = ""
    login_skip: bool = False
    login_verifier: str | None = None
    login_session_id: str | None = None
    login_remember: bool = False
    login_remember_for: int = 0
    login_extend_session_lifespan: bool = False
    login_authenticated_at: datetime | None = None
    login_error: dict[str, Any] | None = None
    identity_provider_session_id: str = ""
    forced_subject_identifier: str = ""
    acr: str = ""
    amr: list[str] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    consent_challenge_id: str | None = None
    consent_skip: bool = False
    consent_csrf: str | None = None
    consent_verifier: str | None = None
    granted_scope: list[str] = field(default_factory=list)
    granted_audience: list[str] = field(default_factory=list)
    consent_remember: bool = False
    consent_remember_for: int | None = None
    consent_handled_at: datetime | None = None
    consent_error: dict[str, Any] | None = None
    session_access_token: dict[str, Any] = field(default_factory=dict)
    session_id_token: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass
class LoginSession:
    """A remembered login (``hydra_oauth2_authentication_session``), named by the session cookie."""

    id: str
    subject: str
    authenticated_at: datetime | None
    remember: bool
    expires_at: datetime | None
    identity_provider_session_id: str = ""


class FlowStore(Protocol):
    """Where flows and login sessions live; each call is one transaction."""

    async def create(self, flow: Flow) -> None: ...

    async def get(self, flow_id: str) -> Flow | None: ...

    async def get_by_consent(self, consent_id: str) -> Flow | None: ...

    async def advance(self, flow: Flow, expected: tuple[int, ...]) -> bool:
        """Write ``flow`` if its stored state is one of ``expected``; False when it is not."""
        ...

    async def remembered_consents(self, subject: str, client_id: str, now: datetime) -> list[Flow]:
        """Granted, remembered, unexpired consents of ``subject`` for a client, newest first."""
        ...

    async def get_session(self, session_id: str) -> LoginSession | None: ...

    async def save_session(self, session: LoginSession) -> None: ...

    async def delete_session(self, session_id: str) -> None: ...
