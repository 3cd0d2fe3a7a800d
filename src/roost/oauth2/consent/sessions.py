"""The admin API's consent and login sessions (reference §1.3, §2.4).

- ``GET /admin/oauth2/auth/sessions/consent``: the consents a subject granted
  (used, not rejected, not skipped, not expired), optionally of one login
  session, in pages.
- ``DELETE …/sessions/consent``: by ``consent_request_id``, or a subject's
  consents for one ``client`` or ``all`` of them. Revoking a consent deletes
  it and every code and token issued under it (they share its id as
  ``request_id``), in one transaction.
- ``DELETE …/sessions/login``: by ``sid`` (that session, with back-channel
  logout to its clients) or by ``subject`` (all of the subject's sessions).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from roost.core.errors import Invalid
from roost.oauth2.consent import challenges as ch
from roost.oauth2.consent.flow import Flow
from roost.oauth2.consent.logout import Logout
from roost.oauth2.consent.requests import ClientSource, consent_document, now_utc


class ConsentSessionStore(Protocol):
    async def granted_consents(
        self,
        subject: str,
        login_session_id: str | None,
        now: datetime,
        limit: int,
        after: str | None,
    ) -> list[Flow]:
        """Granted consents, ordered by flow id, after the flow id ``after``."""
        ...

    async def revoke_consents(
        self, *, subject: str | None, client_id: str | None, consent_id: str | None
    ) -> int:
        """Delete the matching consents and their codes and tokens; how many went."""
        ...

    async def delete_subject_sessions(self, subject: str) -> None: ...


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat() + "Z"


class ConsentSessions:
    def __init__(
        self,
        store: ConsentSessionStore,
        clients: ClientSource,
        challenges: ch.Challenges,
        logout: Logout,
    ) -> None:
        self.store = store
        self.clients = clients
        self.challenges = challenges
        self.logout = logout

    async def list(
        self, subject: str, login_session_id: str | None, size: int, after: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of ``oAuth2ConsentSession`` objects and the flow id to continue after."""
        if not subject:
            raise Invalid("Query parameter 'subject' is not defined but should have been.")
        flows = await self.store.granted_consents(
            subject, login_session_id, now_utc(), size + 1, after
        )
        page = flows[:size]
        docs: dict[str, dict[str, Any]] = {}
        out = []
        for flow in page:
            if flow.client_id not in docs:
                client = await self.clients.get(flow.client_id)
                docs[flow.client_id] = {} if client is None else client.api()
            challenge = self.challenges.seal(ch.CONSENT_CHALLENGE, flow.consent_challenge_id or "")
            out.append(
                {
                    "consent_request": consent_document(flow, challenge, docs[flow.client_id]),
                    "consent_request_id": flow.consent_challenge_id,
                    "context": flow.context,
                    "grant_access_token_audience": flow.granted_audience,
                    "grant_scope": flow.granted_scope,
                    "handled_at": _time(flow.consent_handled_at),
                    "remember": flow.consent_remember,
                    "remember_for": flow.consent_remember_for or 0,
                    "session": {
                        "access_token": flow.session_access_token,
                        "id_token": flow.session_id_token,
                    },
                }
            )
        return out, page[-1].id if len(flows) > size else None

    async def revoke(
        self, subject: str, client_id: str, consent_request_id: str, all_clients: bool
    ) -> None:
        if consent_request_id:
            await self.store.revoke_consents(
                subject=subject or None, client_id=client_id or None, consent_id=consent_request_id
            )
            return
        if not subject:
            raise Invalid(
                "Query parameter 'subject' or 'consent_request_id' is not defined but should "
                "have been."
            )
        if not client_id and not all_clients:
            raise Invalid("Query parameter 'client' or 'all' must be set.")
        # A named client wins over ``all``, as in Hydra.
        await self.store.revoke_consents(
            subject=subject, client_id=client_id or None, consent_id=None
        )

    async def revoke_login(self, subject: str, sid: str) -> None:
        if sid:
            session = await self.logout.sessions.get_session(sid)
            await self.logout.end_session(session.subject if session else subject, sid)
            return
        if not subject:
            raise Invalid("Either 'subject' or 'sid' query parameters need to be defined.")
        await self.store.delete_subject_sessions(subject)
