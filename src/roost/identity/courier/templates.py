"""Rendering a message from its template type and model (Kratos's ``courier/template``).

Built-in texts live in ``builtin.py``. ``courier.templates.<name>.<valid|invalid>.email``
overrides ``subject``, ``body.plaintext`` and ``body.html`` per template, from
``file://``, ``base64://`` or ``http(s)://`` URIs (read once, at start-up);
``courier.template_override_path`` points at a folder laid out as Kratos's
(``<type>/<valid|invalid>/email.subject.gotmpl``...).

Overrides are Jinja2 (``{{ RecoveryCode }}``). Kratos's Go templates are
accepted where they only print fields: ``{{ .RecoveryCode }}`` and
``{{- .Identity.traits.email -}}`` are read as the Jinja2 expression without
the leading dot. Go's actions (``if``, ``range``, ``define``) and Sprig
functions are not: a template that uses them fails at start-up with its name.
HTML bodies are autoescaped; subjects and plaintext bodies are not.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from roost.core.errors import ConfigError
from roost.identity.courier.builtin import BUILTIN

OVERRIDABLE = {
    "recovery": ("valid", "invalid"),
    "recovery_code": ("valid", "invalid"),
    "verification": ("valid", "invalid"),
    "verification_code": ("valid", "invalid"),
    "registration_code": ("valid",),
    "login_code": ("valid",),
}
"""``courier.templates`` names and their variants; the template type is ``<name>_<variant>``."""

_PARTS = {"subject": "email.subject", "plaintext": "email.body.plaintext", "html": "email.body"}
_GO_FIELD = re.compile(r"\{\{(-?)\s*\.([A-Za-z_][\w.]*)\s*(-?)\}\}")
_GO_ACTION = re.compile(r"\{\{-?\s*(if|range|with|define|template|block|else|end)\b")

Fetch = Callable[[str], Awaitable[bytes]]


def from_go(source: str) -> str:
    """Kratos's field-printing Go actions as Jinja2: ``{{ .X.y }}`` → ``{{ X.y }}``."""
    return _GO_FIELD.sub(r"{{\1 \2 \3}}", source)


@dataclass(frozen=True)
class Rendered:
    subject: str
    plaintext: str
    html: str


class Templates:
    """Compiled templates per type; a sandboxed environment (overrides are operator input)."""

    def __init__(self, sources: Mapping[str, Mapping[str, str]]) -> None:
        self._plain = jinja2.sandbox.SandboxedEnvironment(
            autoescape=False, undefined=jinja2.ChainableUndefined, keep_trailing_newline=True
        )
        self._html = jinja2.sandbox.SandboxedEnvironment(
            autoescape=True, undefined=jinja2.ChainableUndefined
        )
        self._compiled: dict[str, dict[str, jinja2.Template]] = {}
        for kind, parts in sources.items():
            compiled = {}
            for part, source in parts.items():
                env = self._html if part == "html" else self._plain
                if _GO_ACTION.search(source):
                    raise ConfigError(
                        f"identity: courier template {kind} {part} uses Go template actions "
                        "(if, range, define...); write it in Jinja2 ({% if %}...)"
                    )
                try:
                    compiled[part] = env.from_string(from_go(source))
                except jinja2.TemplateSyntaxError as exc:
                    raise ConfigError(
                        f"identity: courier template {kind} {part} does not parse: {exc}"
                    ) from exc
            self._compiled[kind] = compiled

    def render(self, kind: str, model: Mapping[str, Any]) -> Rendered:
        parts = self._compiled.get(kind)
        if parts is None:
            raise ValueError(f"unknown courier template type {kind!r}")
        out = {part: parts[part].render(model) for part in ("subject", "plaintext", "html")}
        return Rendered(out["subject"].strip(), out["plaintext"], out["html"])


async def _overrides_from_config(
    configured: Mapping[str, Any], fetch: Fetch
) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for name, variants in configured.items():
        for variant, channels in (variants or {}).items():
            email = (channels or {}).get("email") or {}
            parts: dict[str, str] = {}
            if email.get("subject"):
                parts["subject"] = (await fetch(email["subject"])).decode()
            body = email.get("body") or {}
            for key in ("plaintext", "html"):
                if body.get(key):
                    parts[key] = (await fetch(body[key])).decode()
            if parts:
                found[f"{name}_{variant}"] = parts
    return found


def _overrides_from_folder(folder: Path) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for name, variants in OVERRIDABLE.items():
        for variant in variants:
            parts: dict[str, str] = {}
            for part, stem in _PARTS.items():
                for suffix in (".gotmpl", ".j2"):
                    path = folder / name / variant / f"{stem}{suffix}"
                    if path.is_file():
                        parts[part] = path.read_text()
                        break
            if parts:
                found[f"{name}_{variant}"] = parts
    return found


async def load_templates(
    configured: Mapping[str, Any], override_path: str | None, fetch: Fetch
) -> Templates:
    """The built-in templates, replaced part by part by the folder, then by the config."""
    sources = {kind: dict(parts) for kind, parts in BUILTIN.items()}
    layers = []
    if override_path:
        layers.append(_overrides_from_folder(Path(override_path)))
    layers.append(await _overrides_from_config(configured, fetch))
    for layer in layers:
        for kind, parts in layer.items():
            sources[kind].update(parts)
    return Templates(sources)
