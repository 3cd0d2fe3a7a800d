"""Kratos UI nodes grouped into the forms a page shows, one per sign-in method.

Kratos sends one node list; its ``default`` group (CSRF token, identifier)
belongs to every method. One form per method keeps a method's ``required``
fields from blocking another's submit button, as Kratos's reference UI does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_ORDER = ("password", "code", "totp", "lookup_secret", "webauthn", "passkey", "link", "profile")


@dataclass(frozen=True)
class Form:
    group: str
    nodes: list[dict[str, Any]]
    """Each node plus ``dom_id``: a unique id its ``<label for>`` can name."""


def forms(nodes: list[dict[str, Any]]) -> list[Form]:
    shared = [n for n in nodes if n.get("group") == "default"]
    groups: list[str] = []
    for n in nodes:
        g = str(n.get("group", ""))
        if g != "default" and g not in groups:
            groups.append(g)
    groups.sort(key=lambda g: _ORDER.index(g) if g in _ORDER else len(_ORDER))
    if not groups:
        return [Form("default", _with_ids("default", shared))] if shared else []
    return [
        Form(g, _with_ids(g, shared + [n for n in nodes if n.get("group") == g])) for g in groups
    ]


def _with_ids(group: str, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, n in enumerate(nodes):
        name = str(
            (n.get("attributes") or {}).get("name") or (n.get("attributes") or {}).get("id") or i
        )
        out.append({**n, "dom_id": f"{group}-{name}-{i}".replace(".", "-")})
    return out
