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
from roost.core.errors import ConfigError
from roost.identity.credentials.webauthn_keys import RelyingParty


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": props}


REQUIRED_AAL = {"type": "string", "enum": ["aal1", "highest_available"]}
MFA_METHOD_KEYS: dict[str, Any] = {
    "totp": _obj({"enabled": {"type": "boolean"}, "config": _obj({"issuer": {"type": "string"}})}),
    "lookup_secret": _obj({"enabled": {"type": "boolean"}}),
    "webauthn": _obj(
        {
            "enabled": {"type": "boolean"},
            "config": _obj(
                {
                    "passwordless": {"type": "boolean"},
                    "rp": _obj(
                        {
                            "id": {"type": "string"},
                            "display_name": {"type": "string"},
                            "origin": {"type": "string"},
                            "origins": {"type": "array", "items": {"type": "string"}},
                        }
                    ),
                }
            ),
        }
    ),
    "passkey": _obj(
        {
            "enabled": {"type": "boolean"},
            "config": _obj(
                {
                    "rp": _obj(
                        {
                            "id": {"type": "string"},
                            "display_name": {"type": "string"},
                            "origins": {"type": "array", "items": {"type": "string"}},
                        }
                    )
                }
            ),
        }
    ),
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
    webauthn: RelyingParty | None = None
    """``selfservice.methods.webauthn`` (a second factor), when enabled."""
    passkey: RelyingParty | None = None
    """``selfservice.methods.passkey`` (passwordless login), when enabled."""

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
            webauthn=_relying_party(v, "webauthn", public_url),
            passkey=_relying_party(v, "passkey", public_url),
        )


def _relying_party(v: dict[str, Any], method: str, public_url: str) -> RelyingParty | None:
    """The method's relying party (``config.rp``), when it is enabled; origins default to the
    public URL's, as Kratos's."""
    key = f"selfservice.methods.{method}"
    if not get(v, f"{key}.enabled", False):
        return None
    if get(v, f"{key}.config.passwordless", False):
        raise ConfigError(
            "identity: selfservice.methods.webauthn.config.passwordless is not implemented; "
            "enable the passkey method for passwordless sign-in"
        )
    rp = get(v, f"{key}.config.rp") or {}
    if not rp.get("id") or not rp.get("display_name"):
        raise ConfigError(f"identity: {key}.config.rp needs id and display_name")
    parts = urlsplit(public_url)
    origins = rp.get("origins") or ([rp["origin"]] if rp.get("origin") else [])
    return RelyingParty(
        rp["id"], rp["display_name"], tuple(origins or [f"{parts.scheme}://{parts.netloc}"])
    )
