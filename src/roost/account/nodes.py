"""Kratos UI nodes grouped into the forms a page shows, one per sign-in method.

Kratos sends one node list; its ``default`` group (CSRF token, identifier)
belongs to every method. One form per method keeps a method's ``required``
fields from blocking another's submit button, as Kratos's reference UI does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_ORDER = ("profile", "password", "code", "totp", "lookup_secret", "webauthn", "passkey", "link")
_FACTORS = ("totp", "lookup_secret")
"""Second-factor forms: they take no identifier or traits, only the CSRF token."""


@dataclass(frozen=True)
class Form:
    group: str
    nodes: list[dict[str, Any]]
    """Each node plus ``dom_id``: a unique id its ``<label for>`` can name."""


def forms(nodes: list[dict[str, Any]]) -> list[Form]:
    """One form per method, in a fixed order, each with the ``default`` nodes it needs."""
    shared = [n for n in nodes if n.get("group") == "default"]
    groups: list[str] = []
    for n in nodes:
        g = str(n.get("group", ""))
        if g != "default" and g not in groups:
            groups.append(g)
    groups.sort(key=lambda g: _ORDER.index(g) if g in _ORDER else len(_ORDER))
    if not groups:
        return [Form("default", _with_ids("default", shared))] if shared else []
    return [Form(g, _with_ids(g, _shared_for(g, shared) + _of(nodes, g))) for g in groups]


def _of(nodes: list[dict[str, Any]], group: str) -> list[dict[str, Any]]:
    return [n for n in nodes if n.get("group") == group]


def _shared_for(group: str, shared: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def hidden(n: dict[str, Any]) -> bool:
        return (n.get("attributes") or {}).get("type") == "hidden"

    def named(n: dict[str, Any]) -> str:
        return str((n.get("attributes") or {}).get("name") or "")

    if group in _FACTORS:
        return [n for n in shared if hidden(n)]
    if group == "passkey":  # a discoverable key names its user itself
        return [n for n in shared if hidden(n) or named(n) != "identifier"]
    return shared


def _with_ids(group: str, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, n in enumerate(nodes):
        name = str(
            (n.get("attributes") or {}).get("name") or (n.get("attributes") or {}).get("id") or i
        )
        out.append({**n, "dom_id": f"{group}-{name}-{i}".replace(".", "-")})
    return out
