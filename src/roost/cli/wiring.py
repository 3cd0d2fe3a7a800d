"""Sign in with Roost out of the box: the cross-service defaults of ``roost serve``
without a config file (decision 0030).

Each service's own defaults know only itself; these point them at each other:
the OAuth2 server's login, consent and logout URLs at the account pages, the
identity service's ``ui_url``s at the same pages and its ``oauth2_provider.url``
at the OAuth2 admin port, and the pages at both APIs. Every browser-facing URL
names ``localhost``: one host for every cookie, and a WebAuthn relying party
(an IP address cannot be one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FLOW_KINDS = ("login", "registration", "settings", "recovery", "verification")


@dataclass(frozen=True)
class SignInUrls:
    """Where each part is reached: by the browser (``*_public``) and by the UI server."""

    account: str = "http://localhost:4455"
    identity_public: str = "http://localhost:4433"
    oauth2_public: str = "http://localhost:4444"
    oauth2_admin: str = "http://localhost:4445"
    rp_id: str = "localhost"


def sign_in_blocks(urls: SignInUrls) -> dict[str, dict[str, Any]]:
    """Config blocks per service that make the three work as one sign-in system."""
    ui = urls.account
    flows: dict[str, Any] = {k: {"ui_url": f"{ui}/{k}"} for k in FLOW_KINDS}
    flows["error"] = {"ui_url": f"{ui}/error"}
    flows["registration"]["after"] = {"password": {"hooks": [{"hook": "session"}]}}
    rp = {"rp": {"id": urls.rp_id, "display_name": "Roost", "origins": [ui]}}
    return {
        "oauth2": {
            "urls": {
                "login": f"{ui}/oauth2/login",
                "consent": f"{ui}/oauth2/consent",
                "logout": f"{ui}/oauth2/logout",
                "post_logout_redirect": f"{ui}/",
            }
        },
        "identity": {
            "serve": {"public": {"base_url": f"{urls.identity_public}/"}},
            "oauth2_provider": {"url": urls.oauth2_admin},
            "selfservice": {
                "default_browser_return_url": f"{ui}/",
                "allowed_return_urls": [f"{ui}/", f"{urls.oauth2_public}/"],
                "flows": flows,
                "methods": {
                    "totp": {"enabled": True, "config": {"issuer": "Roost"}},
                    "lookup_secret": {"enabled": True},
                    "passkey": {"enabled": True, "config": rp},
                },
            },
        },
        "account": {
            "serve": {"base_url": ui},
            "identity": {"public_url": urls.identity_public},
            "oauth2": {"admin_url": urls.oauth2_admin},
        },
    }


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it, objects merged key by key."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out
