"""Recovery, verification and their methods' configuration (decision 0023).

Kept apart from ``config.py`` (as ``browser_config.py`` is): its keys join
``config.SCHEMA`` under ``selfservice.flows`` (``ADDRESS_FLOW_KEYS``) and
``selfservice.methods`` (``ADDRESS_METHOD_KEYS``); the values become
``IdentityConfig.addresses``. Defaults are Kratos's: both flows off, ``use:
code``, codes and links valid for an hour, five code submissions per flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from roost.core.config import get
from roost.core.errors import ConfigError

_DURATION = {"type": "string", "pattern": "^([0-9]+(ns|us|ms|s|m|h))+$"}
_URL = {"type": "string"}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": props}


def _flow_keys() -> dict[str, Any]:
    return _obj(
        {
            "enabled": {"type": "boolean"},
            "ui_url": _URL,
            "lifespan": _DURATION,
            "use": {"type": "string", "enum": ["link", "code"]},
            "notify_unknown_recipients": {"type": "boolean"},
            "after": _obj({"default_browser_return_url": _URL}),
        }
    )


ADDRESS_FLOW_KEYS: dict[str, Any] = {"recovery": _flow_keys(), "verification": _flow_keys()}
"""``selfservice.flows.recovery`` and ``.verification``."""

ADDRESS_METHOD_KEYS: dict[str, Any] = {
    "link": _obj(
        {
            "enabled": {"type": "boolean"},
            "config": _obj({"lifespan": _DURATION, "base_url": _URL}),
        }
    ),
    "code": _obj(
        {
            "enabled": {"type": "boolean"},
            "passwordless_enabled": {"type": "boolean"},
            "mfa_enabled": {"type": "boolean"},
            "config": _obj(
                {
                    "lifespan": _DURATION,
                    "max_submissions": {"type": "integer", "minimum": 1, "maximum": 255},
                }
            ),
        }
    ),
}
"""``selfservice.methods.link`` and ``.code``."""


def _mfa(v: dict[str, Any]) -> bool:
    """``mfa_enabled``; Kratos's config schema refuses it beside ``passwordless_enabled``
    (a code is either a first factor or a second one), and so does Roost."""
    m = "selfservice.methods.code"
    on = bool(get(v, f"{m}.mfa_enabled", False))
    if on and get(v, f"{m}.passwordless_enabled", False):
        raise ConfigError(f"identity: {m}.mfa_enabled and passwordless_enabled exclude each other")
    return on


@dataclass(frozen=True)
class AddressFlowConfig:
    """One of recovery and verification."""

    enabled: bool = False
    lifespan: timedelta = timedelta(hours=1)
    use: str = "code"
    notify_unknown_recipients: bool = False
    after_return_url: str | None = None


@dataclass(frozen=True)
class AddressConfig:
    """Recovery, verification, and the ``code`` and ``link`` methods they use."""

    recovery: AddressFlowConfig
    verification: AddressFlowConfig
    code_enabled: bool = True
    code_lifespan: timedelta = timedelta(hours=1)
    max_submissions: int = 5
    link_enabled: bool = False
    link_lifespan: timedelta = timedelta(hours=1)
    passwordless: bool = False
    """``methods.code.passwordless_enabled``: login by a mailed code."""
    mfa: bool = False
    """``methods.code.mfa_enabled``: a mailed code is a second factor (decision 0035)."""
    show_verification_ui: bool = False
    """The ``show_verification_ui`` registration after-hook: a browser registration goes on
    to the verification UI."""

    def flow(self, kind: str) -> AddressFlowConfig:
        return self.recovery if kind == "recovery" else self.verification

    def enabled(self, method: str) -> bool:
        return self.code_enabled if method == "code" else method == "link" and self.link_enabled

    @classmethod
    def from_values(cls, v: dict[str, Any]) -> AddressConfig:
        from roost.identity.config import duration  # config imports this module

        def flow(kind: str) -> AddressFlowConfig:
            key = f"selfservice.flows.{kind}"
            return AddressFlowConfig(
                enabled=get(v, f"{key}.enabled", False),
                lifespan=duration(get(v, f"{key}.lifespan", "1h")),
                use=get(v, f"{key}.use", "code"),
                notify_unknown_recipients=get(v, f"{key}.notify_unknown_recipients", False),
                after_return_url=get(v, f"{key}.after.default_browser_return_url"),
            )

        m = "selfservice.methods"
        after = "selfservice.flows.registration.after"
        hooks = (get(v, f"{after}.hooks") or []) + (get(v, f"{after}.password.hooks") or [])
        return cls(
            recovery=flow("recovery"),
            verification=flow("verification"),
            code_enabled=get(v, f"{m}.code.enabled", True),
            code_lifespan=duration(get(v, f"{m}.code.config.lifespan", "1h")),
            max_submissions=get(v, f"{m}.code.config.max_submissions", 5),
            link_enabled=get(v, f"{m}.link.enabled", False),
            link_lifespan=duration(get(v, f"{m}.link.config.lifespan", "1h")),
            passwordless=get(v, f"{m}.code.passwordless_enabled", False),
            mfa=_mfa(v),
            show_verification_ui=any(h.get("hook") == "show_verification_ui" for h in hooks),
        )
