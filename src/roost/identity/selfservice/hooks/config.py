"""``web_hook`` entries of ``selfservice.flows.<kind>.{before,after[.<method>]}.hooks``.

Read once at start-up so a misconfigured hook (no ``url``, ``ignore`` with
``parse``, a body template that is not base64:// or file://, an unknown auth
type) stops the service with a message naming the key, instead of failing
the first user who signs up.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roost.core.config import get
from roost.core.errors import ConfigError

METHODS: dict[str, tuple[str, ...]] = {
    "registration": ("password", "code"),
    "login": ("password", "passkey", "code", "totp", "lookup_secret", "webauthn"),
    "settings": ("password", "profile", "totp", "lookup_secret", "webauthn", "passkey"),
    "recovery": (),
    "verification": (),
}
"""The flows whose hooks run, and the methods with ``after.<method>.hooks`` (the methods
that finish the flow; other methods' keys stay in ``config.KNOWN``, warned of)."""

REVOKER = "revoke_active_sessions"
"""Kratos's session destroyer: after recovery or login, the identity's other sessions end."""
REVOCABLE = ("recovery", "login")


@dataclass(frozen=True)
class Auth:
    """``auth``: ``api_key`` (header or cookie) or ``basic_auth``."""

    type: str
    name: str = ""
    value: str = field(default="", repr=False)
    where: str = "header"


@dataclass(frozen=True)
class WebHookConfig:
    url: str
    method: str = "POST"
    template: str | None = field(default=None, repr=False)
    """The Jsonnet source of ``body`` (None: the context itself is sent as JSON)."""
    template_uri: str = ""
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    auth: Auth | None = field(default=None, repr=False)
    ignore: bool = False
    parse: bool = False
    can_interrupt: bool = False

    @property
    def blocking_before_persist(self) -> bool:
        """Kratos runs interrupting and parsing hooks before the identity is written."""
        return self.can_interrupt or self.parse


def _template(uri: str, key: str) -> str:
    if uri.startswith("base64://"):
        payload = uri[len("base64://") :]
        try:
            raw = base64.b64decode(payload + "=" * (-len(payload) % 4), altchars=b"-_")
            return raw.decode()
        except (binascii.Error, ValueError) as exc:
            raise ConfigError(f"identity: {key}.body is not valid base64") from exc
    if uri.startswith("file://"):
        try:
            return Path(uri[len("file://") :]).read_text()
        except OSError as exc:
            raise ConfigError(f"identity: cannot read {key}.body: {exc.strerror}") from exc
    raise ConfigError(f"identity: {key}.body must be a base64:// or file:// Jsonnet template")


def _auth(raw: Any, key: str) -> Auth | None:
    if not raw:
        return None
    typ, cfg = raw.get("type"), raw.get("config") or {}
    if typ == "api_key" and isinstance(cfg.get("name"), str) and isinstance(cfg.get("value"), str):
        where = cfg.get("in") or "header"
        if where not in ("header", "cookie"):
            raise ConfigError(f"identity: {key}.auth.config.in must be header or cookie")
        return Auth("api_key", cfg["name"], cfg["value"], where)
    if typ == "basic_auth" and all(isinstance(cfg.get(k), str) for k in ("user", "password")):
        return Auth("basic_auth", cfg["user"], cfg["password"])
    raise ConfigError(f"identity: {key}.auth needs api_key {{name, value}} or basic_auth")


def web_hook(raw: dict[str, Any], key: str) -> WebHookConfig:
    """One ``web_hook`` entry's ``config``, checked."""
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError(f"identity: {key}.url must be an http(s) URL")
    response = raw.get("response") or {}
    ignore, parse = bool(response.get("ignore")), bool(response.get("parse"))
    interrupt = bool(raw.get("can_interrupt"))
    if ignore and (parse or interrupt):
        raise ConfigError(
            f"identity: {key} cannot ignore the response and also parse it or be interrupted"
        )
    body = raw.get("body")
    headers = raw.get("headers") or {}
    return WebHookConfig(
        url=url,
        method=str(raw.get("method") or "POST").upper(),
        template=_template(body, key) if body else None,
        template_uri=body or "",
        headers=tuple((str(k), str(v)) for k, v in headers.items()),
        auth=_auth(raw.get("auth"), key),
        ignore=ignore,
        parse=parse,
        can_interrupt=interrupt,
    )


def _revokes(values: dict[str, Any], key: str) -> bool:
    entries = get(values, key) or []
    return any(isinstance(e, dict) and e.get("hook") == REVOKER for e in entries)


def _hooks_at(values: dict[str, Any], key: str) -> tuple[WebHookConfig, ...]:
    out = []
    for i, entry in enumerate(get(values, key) or []):
        if isinstance(entry, dict) and entry.get("hook") == "web_hook":
            out.append(web_hook(entry.get("config") or {}, f"{key}[{i}].config"))
    return tuple(out)


@dataclass(frozen=True)
class HookConfig:
    """Web hooks by place: ``<kind>.before``, ``<kind>.after`` and ``<kind>.after.<method>``."""

    places: dict[str, tuple[WebHookConfig, ...]] = field(default_factory=dict)
    revoking: frozenset[str] = frozenset()
    """The places with ``revoke_active_sessions`` (``recovery.after``, ``login.after[.m]``)."""

    def __bool__(self) -> bool:
        return bool(self.places or self.revoking)

    def revokes(self, kind: str, method: str = "") -> bool:
        """Whether a finished ``kind`` flow (by ``method``) ends the identity's other sessions."""
        return f"{kind}.after" in self.revoking or f"{kind}.after.{method}" in self.revoking

    def at(self, place: str) -> tuple[WebHookConfig, ...]:
        return self.places.get(place, ())

    def after(self, kind: str, method: str) -> tuple[WebHookConfig, ...]:
        """A method's own hooks, then the flow's global ones."""
        return self.at(f"{kind}.after.{method}") + self.at(f"{kind}.after")

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> HookConfig:
        places: dict[str, tuple[WebHookConfig, ...]] = {}
        revoking: set[str] = set()
        for kind, methods in METHODS.items():
            base = f"selfservice.flows.{kind}"
            keys = {
                f"{kind}.before": f"{base}.before.hooks",
                f"{kind}.after": f"{base}.after.hooks",
            }
            keys.update({f"{kind}.after.{m}": f"{base}.after.{m}.hooks" for m in methods})
            for place, key in keys.items():
                found = _hooks_at(values, key)
                if found:
                    places[place] = found
                if kind in REVOCABLE and place != f"{kind}.before" and _revokes(values, key):
                    revoking.add(place)
        return cls(places, frozenset(revoking))


HOOK_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["hook"],
        "properties": {"hook": {"type": "string"}, "config": {"type": "object"}},
    },
}


def extend_schema(flows: dict[str, Any]) -> None:
    """Add ``before.hooks`` and ``after[.<method>].hooks`` to each flow kind's config schema
    (``flows`` is ``SCHEMA``'s ``selfservice.flows`` node)."""
    for kind, methods in METHODS.items():
        node = flows["properties"].setdefault(
            kind, {"type": "object", "additionalProperties": False, "properties": {}}
        )
        props = node["properties"]
        props["before"] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {"hooks": HOOK_LIST},
        }
        after = props.setdefault(
            "after", {"type": "object", "additionalProperties": False, "properties": {}}
        )
        after["properties"]["hooks"] = HOOK_LIST
        for m in methods:
            slot = after["properties"].setdefault(
                m, {"type": "object", "additionalProperties": False, "properties": {}}
            )
            slot["properties"]["hooks"] = HOOK_LIST
