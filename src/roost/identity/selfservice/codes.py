"""One-time codes and link tokens of recovery and verification (decision 0023).

A code is six digits (Kratos's ``CodeLength``), a link token 32 letters and
digits; either is drawn from :mod:`secrets` and kept only as Kratos keeps it:
HMAC-SHA512/256 (hex) under the first of ``secrets.cookie``. A submitted value
is compared in constant time (:func:`hmac.compare_digest`) against every code
of its flow under every configured secret, so rotating the secret keeps codes
already mailed valid. The SQL behind :class:`CodeStore` counts submissions per
flow before any comparison (Kratos's order), so a sixth guess is refused
whatever it is.
"""

from __future__ import annotations

import hmac
import secrets
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from roost.identity.identities.model import Address, Identity, now
from roost.identity.selfservice.flow import Flow
from roost.identity.sessions.model import Session

CODE_LENGTH = 6
TOKEN_LENGTH = 32
_ALPHANUMERIC = string.ascii_letters + string.digits

ADMIN = 1
"""``code_type``/``token_type`` of a code an admin created (Kratos's ``RecoveryCodeTypeAdmin``)."""
SELF_SERVICE = 2


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def new_token() -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(TOKEN_LENGTH))


class CodeHmac:
    """Kratos's ``hmacValueWithSecret``: what is stored, and the constant-time check."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one secret is needed to keep codes")
        self.keys = tuple(k.encode() for k in keys)

    @staticmethod
    def _digest(key: bytes, value: str) -> str:
        return hmac.new(key, value.encode(), "sha512_256").hexdigest()

    def digest(self, value: str) -> str:
        return self._digest(self.keys[0], value)

    def matches(self, value: str, stored: str) -> bool:
        found = False
        for key in self.keys:
            found |= hmac.compare_digest(self._digest(key, value).encode(), stored.encode())
        return found


@dataclass
class OneTimeCode:
    """A code or link token as stored: ``kind`` is ``<flow kind>_code`` or ``<flow kind>_token``."""

    kind: str
    flow_id: uuid.UUID
    digest: str
    expires_at: datetime
    identity_id: uuid.UUID | None = None
    address_id: uuid.UUID | None = None
    code_type: int = SELF_SERVICE
    address: str | None = None
    """Where a login code was mailed (login codes keep the address, not its id)."""
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    issued_at: datetime = field(default_factory=now)
    used_at: datetime | None = None

    def valid(self, at: datetime | None = None) -> bool:
        return self.used_at is None and self.expires_at > (at or now())


class CodeStore(Protocol):
    """Where codes live (``roost.identity.sql.codes``)."""

    async def add(self, code: OneTimeCode, f: Flow | None = None) -> None:
        """Store ``code`` (and save ``f`` in the same transaction). A flow's newest code
        is its only valid one, so a resend voids the earlier ones."""
        ...

    async def add_with_flow(self, code: OneTimeCode, f: Flow) -> None:
        """Create ``f`` and store ``code`` in one transaction (admin recovery)."""
        ...

    async def count_submission(self, kind: str, flow_id: uuid.UUID) -> int:
        """Add one to the flow's ``submit_count`` and return it (one statement)."""
        ...

    async def candidates(self, kind: str, flow_id: uuid.UUID) -> list[OneTimeCode]:
        """The flow's newest code of ``kind`` if it is unused (else none)."""
        ...

    async def redeem(
        self,
        code: OneTimeCode,
        f: Flow,
        *,
        session: Session | None = None,
        verify: bool = False,
    ) -> bool:
        """In one transaction: mark ``code`` used (False when it already was), mark its
        address verified when ``verify`` (a recovery code's: the verifiable address of
        the same value; a login code's: its identity's address it was mailed to), save
        ``f`` and insert ``session``."""
        ...

    async def verified_identity(self, address_id: uuid.UUID) -> Identity | None:
        """The identity holding the verifiable address ``address_id`` (for the hooks)."""
        ...

    async def owner(self, kind: str, value: str) -> tuple[Identity, Address] | None:
        """The identity holding ``value`` as a recovery (``kind`` recovery) or verifiable
        address, and that address."""
        ...


async def find_code(
    codes: CodeStore, hmac_: CodeHmac, kind: str, flow_id: uuid.UUID, value: object
) -> OneTimeCode | None:
    """The flow's valid code of ``kind`` matching the submitted ``value``, or None.

    Every candidate is compared (no early exit), each in constant time.
    """
    found = None
    if isinstance(value, str) and value:
        for c in await codes.candidates(kind, flow_id):
            if hmac_.matches(value, c.digest) and c.valid():
                found = c
    return found
