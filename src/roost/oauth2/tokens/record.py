"""A token as stored: fosite's request (client, scopes, audiences, form) plus the session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class TokenRecord:
    """One row of ``hydra_oauth2_access`` or ``hydra_oauth2_refresh``."""

    signature: str
    request_id: str
    requested_at: datetime
    client_id: str
    subject: str
    expires_at: datetime | None
    requested_scope: list[str] = field(default_factory=list)
    granted_scope: list[str] = field(default_factory=list)
    requested_audience: list[str] = field(default_factory=list)
    granted_audience: list[str] = field(default_factory=list)
    form: str = ""
    session: dict[str, Any] = field(default_factory=dict)
    active: bool = True

    @property
    def dpop_jkt(self) -> str | None:
        """The DPoP key (RFC 9449) this token is bound to, if any."""
        value = self.session.get("dpop_jkt")
        return value if isinstance(value, str) and value else None

    @property
    def extra(self) -> dict[str, Any]:
        ext = self.session.get("extra")
        return ext if isinstance(ext, dict) else {}
