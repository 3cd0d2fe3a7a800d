"""What every mailed code of a login or registration shares (decisions 0023, 0032, 0035).

Passwordless login (``code_login``), registration by code (``code_registration``)
and the code as a second factor (``code_mfa``) all issue a six-digit code for
their flow, keep only its HMAC (``selfservice.codes``), mail it through the
courier, and later take it back once: the flow's ``submit_count`` goes up
before any comparison, past ``max_submissions`` every submit is refused, and
the newest unused code of the flow is redeemed in one transaction so a code
works once. :class:`MailedCode` is that outline; each method adds what it mails
and what a redeemed code proves.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, ClassVar

from roost.identity import text
from roost.identity.identities.model import now
from roost.identity.selfservice.address_flow import TOO_OFTEN, Mailer
from roost.identity.selfservice.codes import (
    CodeHmac,
    CodeStore,
    OneTimeCode,
    find_code,
    new_code,
)
from roost.identity.selfservice.flow import Flow
from roost.identity.selfservice.flows import FormError


class MailedCode:
    """Issue and redeem the codes of one flow kind (``flow_kind``: login, registration)."""

    flow_kind: ClassVar[str]

    def __init__(
        self,
        codes: CodeStore,
        hmac: CodeHmac,
        mailer: Mailer,
        *,
        lifespan: timedelta,
        max_submissions: int,
    ) -> None:
        self.codes = codes
        self.hmac = hmac
        self.mailer = mailer
        self.lifespan = lifespan
        self.max_submissions = max_submissions

    @property
    def minutes(self) -> int:
        """``ExpiresInMinutes`` of the mail templates."""
        return int(self.lifespan.total_seconds() // 60)

    async def issue(
        self, f: Flow, address: str, identity_id: uuid.UUID | None = None, save: bool = False
    ) -> str:
        """A new code for ``f`` mailed to ``address`` is stored (voiding the flow's earlier
        ones; with ``save`` ``f`` is written in the same transaction); the clear value is
        returned for the mail only."""
        value = new_code()
        await self.codes.add(
            OneTimeCode(
                kind=f"{self.flow_kind}_code",
                flow_id=f.id,
                digest=self.hmac.digest(value),
                expires_at=now() + self.lifespan,
                identity_id=identity_id,
                address=address,
            ),
            f if save else None,
        )
        return value

    async def count(self, f: Flow) -> None:
        """One more submission of ``f``; past ``max_submissions`` a FormError, whatever
        the code (Kratos counts before it compares)."""
        if await self.codes.count_submission(self.flow_kind, f.id) > self.max_submissions:
            f.messages = [text.generic(TOO_OFTEN)]
            raise FormError(f)

    async def redeem(
        self, f: Flow, body: dict[str, Any], invalid: text.Text, owner: uuid.UUID | None = None
    ) -> OneTimeCode:
        """The flow's valid code matching ``body["code"]``, now used; else FormError with
        ``invalid``. With ``owner`` the code must have been issued for that identity."""
        kind = f"{self.flow_kind}_code"
        found = await find_code(self.codes, self.hmac, kind, f.id, body.get("code"))
        if found is not None and owner is not None and found.identity_id != owner:
            found = None
        # a login code proved the mailbox: its address is verified with it (Kratos's)
        verify = self.flow_kind == "login" and found is not None and found.identity_id is not None
        if found is None or not await self.codes.redeem(found, f, verify=verify):
            f.messages = [invalid]
            raise FormError(f)
        return found
