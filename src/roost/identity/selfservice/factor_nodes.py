"""The ``img`` and ``text`` UI nodes second factors show (``ui/node/attributes.go``)."""

from __future__ import annotations

from typing import Any

from roost.identity import text
from roost.identity.selfservice.flow import Node


def image_node(id_: str, group: str, src: str, size: int, label: text.Text | None = None) -> Node:
    attrs = {"id": id_, "src": src, "width": size, "height": size, "node_type": "img"}
    return _node("img", group, attrs, label)


def text_node(id_: str, group: str, shown: text.Text, label: text.Text | None = None) -> Node:
    return _node("text", group, {"id": id_, "text": shown, "node_type": "text"}, label)


def _node(kind: str, group: str, attrs: dict[str, Any], label: text.Text | None) -> Node:
    return {
        "type": kind,
        "group": group,
        "attributes": attrs,
        "messages": [],
        "meta": {"label": label} if label else {},
    }


def truthy(value: Any) -> bool:
    """A submit button's value as a form (``"true"``) or JSON (``true``) sends it."""
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


def shown_node(nodes: list[Node], id_: str) -> Node | None:
    """The ``img`` or ``text`` node with ``id_`` (``Flow.node`` finds inputs by name)."""
    return next((n for n in nodes if n["attributes"].get("id") == id_), None)
