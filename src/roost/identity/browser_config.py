"""The browser layer's configuration (decision 0022): UI and return URLs, cookies, settings.

Kept apart from ``config.py`` so that module stays short; its keys join
``config.SCHEMA`` under ``selfservice.flows`` (``BROWSER_FLOW_KEYS``) and the
values become ``IdentityConfig.browser``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from roost.core.config import get

_DURATION = {"type": "string", "pattern": "^([0-9]+(ns|us|ms|s|m|h))+$"}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": props}


_URL = {"type": "string"}
BROWSER_FLOW_KEYS: dict[str, Any] = {
    "settings": _obj(
        {
            "ui_url": _URL,
            "lifespan": _DURATION,
            "privileged_session_max_age": _DURATION,
            "required_aal": {"type": "string", "enum": ["aal1", "highest_available"]},
            "after": _obj(
                {
                    "default_browser_return_url": _URL,
                    "password": _obj({"default_browser_return_url": _URL}),
                    "profile": _obj({"default_browser_return_url": _URL}),
                    "totp": _obj({"default_browser_return_url": _URL}),
                    "lookup_secret": _obj({"default_browser_return_url": _URL}),
                    "webauthn": _obj({"default_browser_return_url": _URL}),
                    "passkey": _obj({"default_browser_return_url": _URL}),
                }
            ),
        }
    ),
    "error": _obj({"ui_url": _URL}),
    "logout": _obj({"after": _obj({"default_browser_return_url": _URL})}),
}
"""``selfservice.flows`` keys of the browser layer and the settings flow (decision 0022)."""


_AFTER_METHODS = ("password", "profile", "totp", "lookup_secret", "webauthn", "passkey")
FALLBACK = "https://www.ory.com/kratos/docs/fallback/"
"""Kratos's default UI URLs (``<FALLBACK>login``...) when a flow's ``ui_url`` is unset."""


@dataclass(frozen=True)
class CookieConfig:
    """One cookie's attributes (``session.cookie.*``, or ``cookies.*`` for the CSRF cookie)."""

    name: str
    domain: str | None = None
    path: str = "/"
    same_site: str = "Lax"
    persistent: bool = True


@dataclass(frozen=True)
class BrowserConfig:
    """The browser layer: UI URLs, return URLs, cookies, settings' privileged age."""

    ui_urls: dict[str, str]
    """``selfservice.flows.<kind>.ui_url`` per flow kind (and ``error``)."""
    default_return_url: str
    after_return_urls: dict[str, str]
    """``selfservice.flows.<kind>.after[.<method>].default_browser_return_url``, keyed
    ``kind`` or ``kind.method``."""
    allowed_return_urls: tuple[str, ...]
    session_cookie: CookieConfig
    csrf_cookie: CookieConfig
    settings_lifespan: timedelta = timedelta(hours=1)
    privileged_session_max_age: timedelta = timedelta(hours=1)
    oauth2_provider_url: str | None = None
    """``oauth2_provider.url``: Hydra's admin URL, for ``login_challenge``."""
    oauth2_provider_headers: dict[str, str] = field(default_factory=dict)

    def ui_url(self, kind: str) -> str:
        return self.ui_urls.get(kind) or f"{FALLBACK}{kind}"

    def after(self, kind: str, method: str | None = None) -> str:
        """Where a finished flow sends the browser when no ``return_to`` was asked for."""
        if method and f"{kind}.{method}" in self.after_return_urls:
            return self.after_return_urls[f"{kind}.{method}"]
        return self.after_return_urls.get(kind) or self.default_return_url

    @classmethod
    def from_values(cls, v: dict[str, Any], public_url: str, cookie_name: str) -> BrowserConfig:
        from roost.identity.config import duration  # config imports this module

        flows = "selfservice.flows"
        kinds = ("login", "registration", "settings", "recovery", "verification", "error")
        ui = {k: get(v, f"{flows}.{k}.ui_url") for k in kinds}
        after: dict[str, str] = {}
        for kind in ("login", "registration", "settings", "logout"):
            for method in (None, *_AFTER_METHODS):
                key = f"{flows}.{kind}.after" + (f".{method}" if method else "")
                url = get(v, f"{key}.default_browser_return_url")
                if url:
                    after[f"{kind}.{method}" if method else kind] = url
        same_site = get(v, "session.cookie.same_site") or get(v, "cookies.same_site") or "Lax"
        return cls(
            ui_urls={k: u for k, u in ui.items() if u},
            default_return_url=get(v, "selfservice.default_browser_return_url") or public_url,
            after_return_urls=after,
            allowed_return_urls=tuple(get(v, "selfservice.allowed_return_urls") or ()),
            session_cookie=CookieConfig(
                name=cookie_name,
                domain=get(v, "session.cookie.domain") or get(v, "cookies.domain"),
                path=get(v, "session.cookie.path") or get(v, "cookies.path") or "/",
                same_site=same_site,
                persistent=get(v, "session.cookie.persistent", True),
            ),
            csrf_cookie=CookieConfig(
                name="",
                domain=get(v, "cookies.domain"),
                path=get(v, "cookies.path") or "/",
                same_site=get(v, "cookies.same_site") or "Lax",
            ),
            settings_lifespan=duration(get(v, f"{flows}.settings.lifespan", "1h")),
            privileged_session_max_age=duration(
                get(v, f"{flows}.settings.privileged_session_max_age", "1h")
            ),
            oauth2_provider_url=(get(v, "oauth2_provider.url") or "").rstrip("/") or None,
            oauth2_provider_headers=dict(get(v, "oauth2_provider.headers") or {}),
        )
