"""The ``account`` block: where the UI listens and where the two APIs it calls are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roost.core.config import ConfigSpec, get
from roost.core.observability import with_shared_keys

_STR = {"type": "string"}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": props}


SCHEMA: dict[str, Any] = with_shared_keys(
    _obj(
        {
            "serve": _obj(
                {
                    "host": _STR,
                    "port": {"type": "integer", "minimum": 0, "maximum": 65535},
                    "base_url": _STR,
                }
            ),
            "identity": _obj({"public_url": _STR, "browser_url": _STR}),
            "oauth2": _obj({"admin_url": _STR}),
            "theme_dir": _STR,
            "language": _STR,
            "remember_me": {"type": "boolean"},
        }
    )
)
SPEC = ConfigSpec("account", SCHEMA)


@dataclass(frozen=True)
class AccountConfig:
    """Typed ``account`` values. The UI keeps no data: ``dsn`` is only the in-memory
    database the shared start-up steps (readiness, migrator) expect of every service."""

    host: str
    port: int
    base_url: str
    """The pages as the browser reaches them (links, form actions, redirects)."""
    identity_public: str
    """Identity public API as this server reaches it (flows fetched with the browser's cookies)."""
    identity_browser: str
    """Identity public API as the browser reaches it (redirects into browser flows)."""
    oauth2_admin: str
    theme_dir: Path | None
    """An operator's ``templates/`` and ``static/`` folders, searched before ours."""
    language: str
    remember_me: bool = True
    """Whether the login page's "keep me signed in" box starts checked: set it as the
    identity service's ``session.cookie.persistent`` (true by default, as Kratos's)."""
    dsn: str = "memory"

    @classmethod
    def from_values(cls, v: dict[str, Any]) -> AccountConfig:
        host = get(v, "serve.host", "") or ""
        port = int(get(v, "serve.port", 4455))
        public = (get(v, "identity.public_url", "") or "http://localhost:4433").rstrip("/")
        theme = get(v, "theme_dir", "") or ""
        shown = host if host not in ("", "0.0.0.0") else "localhost"  # noqa: S104
        return cls(
            host=host,
            port=port,
            base_url=(get(v, "serve.base_url", "") or f"http://{shown}:{port}").rstrip("/"),
            identity_public=public,
            identity_browser=(get(v, "identity.browser_url", "") or public).rstrip("/"),
            oauth2_admin=(get(v, "oauth2.admin_url", "") or "http://localhost:4445").rstrip("/"),
            theme_dir=Path(theme) if theme else None,
            language=get(v, "language", "en") or "en",
            remember_me=bool(get(v, "remember_me", True)),
        )
