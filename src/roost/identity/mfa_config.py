"""Second factors' configuration (decision 0024): TOTP, lookup secrets and the required AALs.

Kept apart from ``config.py`` (as ``browser_config.py`` is) so that module stays
short; ``MFA_METHOD_KEYS`` joins ``selfservice.methods`` and
``WHOAMI_KEYS`` joins ``session`` in ``config.SCHEMA``. Defaults are Kratos's:
both methods off, ``required_aal: highest_available`` for whoami and settings,
the TOTP issuer the public URL's host name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from roost.core.config import get


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": props}


REQUIRED_AAL = {"type": "string", "enum": ["aal1", "highest_available"]}
MFA_METHOD_KEYS: dict[str, Any] = {
    "totp": _obj({"enabled": {"type": "boolean"}, "config": _obj({"issuer": {"type": "string"}})}),
    "lookup_secret": _obj({"enabled": {"type": "boolean"}}),
}
"""``selfservice.methods`` keys of the second factors."""
WHOAMI_KEYS: dict[str, Any] = {"whoami": _obj({"required_aal": REQUIRED_AAL})}
"""``session`` keys (``session.whoami.tokenizer`` stays a known, unimplemented key)."""


@dataclass(frozen=True)
class MfaConfig:
    totp_enabled: bool = False
    totp_issuer: str = ""
    lookup_secret_enabled: bool = False
    whoami_required_aal: str = "highest_available"
    settings_required_aal: str = "highest_available"

    @classmethod
    def from_values(cls, v: dict[str, Any], public_url: str) -> MfaConfig:
        m = "selfservice.methods"
        return cls(
            totp_enabled=bool(get(v, f"{m}.totp.enabled", False)),
            totp_issuer=get(v, f"{m}.totp.config.issuer") or urlsplit(public_url).hostname or "",
            lookup_secret_enabled=bool(get(v, f"{m}.lookup_secret.enabled", False)),
            whoami_required_aal=get(v, "session.whoami.required_aal") or "highest_available",
            settings_required_aal=get(v, "selfservice.flows.settings.required_aal")
            or "highest_available",
        )
