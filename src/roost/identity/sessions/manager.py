"""Who the caller is, and issuing, revoking and extending sessions (``session/manager.go``).

The transport hands in the token it found (``roost.identity.http.sessions``
reads ``X-Session-Token``, the cookie, then ``Authorization: Bearer``, in
Kratos's order) and the device the request came from; everything here is
plain values over the narrow :class:`SessionStore` the SQL layer implements.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from roost.core.errors import Forbidden, Invalid, NotFound
from roost.identity.errors import unauthorized
from roost.identity.identities.model import Identity, now
from roost.identity.sessions.model import Device, Session, password_method

NOT_FOUND = "Unable to locate the resource"


class SessionStore(Protocol):
    """What the manager reads and writes; one transaction per call."""

    async def by_token(self, token: str) -> Session | None: ...

    async def get(self, session_id: uuid.UUID) -> Session | None: ...

    async def revoke(
        self,
        *,
        session_id: uuid.UUID | None = None,
        token: str | None = None,
        identity_id: uuid.UUID | None = None,
        except_id: uuid.UUID | None = None,
    ) -> int: ...

    async def extend(self, session_id: uuid.UUID, expires_at: datetime) -> bool: ...


def plausible(token: str) -> bool:
    """Short printable ASCII: anything else cannot be a token and must not reach SQL."""
    return 0 < len(token) <= 64 and token.isascii() and token.isprintable()


class SessionManager:
    """Kratos's session rules over one store; the lifespans come from the config."""

    def __init__(
        self, store: SessionStore, lifespan: timedelta, earliest_extend: timedelta | None
    ) -> None:
        self.store = store
        self.lifespan = lifespan
        self.earliest_extend = earliest_extend or lifespan

    async def active(self, token: str | None) -> Session | None:
        """The active session the token belongs to, if any (compared in constant time)."""
        if not token or not plausible(token):
            return None
        found = await self.store.by_token(token)
        if found is None or not hmac.compare_digest(found.token.encode(), token.encode()):
            return None
        return found if found.is_active() else None

    async def current(self, token: str | None) -> Session:
        """The caller's active session, or Kratos's 401."""
        found = await self.active(token)
        if found is None:
            raise unauthorized()
        return found

    def issue(self, identity: Identity, device: Device) -> Session:
        """A new password session for ``identity`` (written by the flow that issues it)."""
        at = now()
        s = Session(
            identity_id=identity.id,
            expires_at=at + self.lifespan,
            authentication_methods=[password_method(at)],
            issued_at=at,
            authenticated_at=at,
            created_at=at,
            updated_at=at,
            devices=[device],
        )
        s.identity = identity
        return s

    async def logout(self, token: str) -> None:
        """Native logout: revoke the session of ``token``; unknown tokens are a 403."""
        found = await self.store.by_token(token) if plausible(token) else None
        if found is None:
            raise Forbidden(
                "The provided Ory Session Token could not be found, is invalid, or otherwise "
                "malformed."
            )
        await self.store.revoke(session_id=found.id)

    async def revoke_own(self, current: Session, session_id: uuid.UUID) -> None:
        """Revoke another session of the caller's identity (never the current one)."""
        if session_id == current.id:
            raise Invalid("You cannot revoke the current session using this endpoint.")
        target = await self.store.get(session_id)
        if target is None or target.identity_id != current.identity_id:
            raise NotFound(message=NOT_FOUND)
        await self.store.revoke(session_id=session_id)

    async def revoke_others(self, current: Session) -> int:
        """Revoke every other session of the caller's identity; how many were active."""
        return await self.store.revoke(identity_id=current.identity_id, except_id=current.id)

    async def extend(self, s: Session) -> Session:
        """Push the expiry out by one lifespan, unless it is further away than allowed."""
        at = now()
        if s.expires_at - self.earliest_extend < at:
            s.expires_at = at + self.lifespan
            await self.store.extend(s.id, s.expires_at)
        return s
