"""Self-service flow objects and their UI nodes (``ui/node``, ``selfservice/flow/*/flow.go``).

The Python SDK validates every 2xx body strictly, so node and attribute
shapes follow Kratos exactly: every node has ``type``, ``group``,
``attributes`` (with ``node_type`` repeated and ``disabled`` always present),
``messages`` (an array, even empty) and ``meta``. Registration renders
Kratos's default ``profile_first`` first screen; login renders the password
form.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from roost.identity import text
from roost.identity.identities.model import now, ts
from roost.identity.schemas.manager import IdentitySchema, TraitField

Node = dict[str, Any]

SKIP_CSRF = "dangerous_skip_csrf_check"
"""``internal_context`` key of flows an admin created for a link (Kratos's
``DangerousSkipCSRFCheck``): no browser holds their CSRF cookie."""


def input_node(
    name: str,
    group: str,
    kind: str,
    *,
    value: Any = None,
    required: bool = False,
    autocomplete: str | None = None,
    pattern: str | None = None,
    label: text.Text | None = None,
) -> Node:
    attrs: dict[str, Any] = {"name": name, "type": kind}
    if value is not None and value != "":
        attrs["value"] = value
    if required:
        attrs["required"] = True
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if pattern:
        attrs["pattern"] = pattern
    attrs["disabled"] = False
    attrs["node_type"] = "input"
    return {
        "type": "input",
        "group": group,
        "attributes": attrs,
        "messages": [],
        "meta": {"label": label} if label else {},
    }


def csrf_node(value: str = "") -> Node:
    return input_node("csrf_token", "default", "hidden", value=value, required=True)


_FORMAT_TYPES = {
    "email": ("email", "email"),
    "tel": ("tel", "tel"),
    "date": ("date", None),
    "date-time": ("datetime-local", None),
    "uri": ("url", "url"),
}


def trait_node(f: TraitField, group: str, value: Any = None) -> Node:
    """``NewInputFieldFromSchema``: input type from the JSON type and format."""
    kind, autocomplete = "text", None
    json_type = f.schema.get("type")
    if json_type in ("number", "integer"):
        kind = "number"
    elif json_type == "boolean":
        kind = "checkbox"
    elif f.schema.get("format") in _FORMAT_TYPES:
        kind, autocomplete = _FORMAT_TYPES[f.schema["format"]]
    name = f"traits.{f.path}"
    title = f.schema.get("title")
    return input_node(
        name,
        group,
        kind,
        value=value,
        required=f.required,
        autocomplete=autocomplete,
        pattern=f.schema.get("pattern"),
        label=text.label_generated(title, name) if title else None,
    )


def identifier_label(schema: IdentitySchema) -> text.Text:
    """1070002 with the title when exactly one titled identifier exists, else 1070004 "ID"."""
    marked = [f for f in schema.fields if f.password_identifier]
    if len(marked) == 1 and marked[0].schema.get("title"):
        return text.label_generated(marked[0].schema["title"], "identifier")
    return text.label_id()


def login_nodes(schema: IdentitySchema, identifier: str = "") -> list[Node]:
    return [
        csrf_node(),
        input_node(
            "identifier",
            "default",
            "text",
            value=identifier,
            required=True,
            label=identifier_label(schema),
        ),
        input_node(
            "password",
            "password",
            "password",
            required=True,
            autocomplete="current-password",
            label=text.label_password(),
        ),
        input_node(
            "method", "password", "submit", value="password", label=text.sign_in_with_password()
        ),
    ]


def _lookup(traits: Any, path: str) -> Any:
    node = traits
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def trait_value(traits: Any, path: str) -> Any:
    """The value at a dotted trait path (``name.first``), or None."""
    return _lookup(traits, path)


def registration_nodes(schema: IdentitySchema, traits: Any = None) -> list[Node]:
    """The profile-first screen: traits (group default), CSRF, and the ``profile`` submit."""
    nodes = [csrf_node()]
    nodes += [trait_node(f, "default", _lookup(traits, f.path)) for f in schema.fields]
    nodes.append(input_node("method", "profile", "submit", value="profile", label=text.sign_up()))
    return nodes


def password_registration_nodes() -> list[Node]:
    """The credential screen's password nodes, added when a password submit needs them."""
    return [
        input_node(
            "password",
            "password",
            "password",
            required=True,
            autocomplete="new-password",
            label=text.label_password(),
        ),
        input_node("method", "password", "submit", value="password", label=text.sign_up()),
    ]


def ensure_password_nodes(f: Flow) -> None:
    """Move a registration flow to its credential screen (password nodes, password submit)."""
    if f.node("password") is None:
        f.nodes.extend(password_registration_nodes())
    method = f.node("method")
    if method is not None and method["attributes"].get("value") == "profile":
        f.nodes.remove(method)
        f.nodes.append(password_registration_nodes()[1])


@dataclass
class Flow:
    kind: str
    type: str
    request_url: str
    expires_at: datetime
    nodes: list[Node]
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    issued_at: datetime = field(default_factory=now)
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    state: str = "choose_method"
    active: str | None = None
    messages: list[text.Text] = field(default_factory=list)
    refresh: bool = False
    requested_aal: str = "aal1"
    csrf_token: str = ""
    submit_count: int = 0
    identity_schema_id: str | None = None
    internal_context: dict[str, Any] = field(default_factory=dict)
    identity_id: uuid.UUID | None = None
    """The identity a flow acts on (settings: the signed-in one), for kinds that have one."""

    @property
    def return_to(self) -> str | None:
        """``return_to`` of the init request, as Kratos reads it back from ``request_url``."""
        values = parse_qs(urlsplit(self.request_url).query).get("return_to")
        return values[0] if values else None

    @property
    def browser(self) -> bool:
        return self.type == "browser"

    @classmethod
    def new(
        cls, kind: str, type_: str, request_url: str, lifespan: timedelta, nodes: list[Node]
    ) -> Flow:
        at = now()
        return cls(kind, type_, request_url, at + lifespan, nodes, issued_at=at, created_at=at)

    def expired(self, at: datetime | None = None) -> bool:
        return self.expires_at <= (at or now())

    def ui(self, public_url: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": f"{public_url}/self-service/{self.kind}?flow={self.id}",
            "method": "POST",
            "nodes": self.nodes,
        }
        if self.messages:
            out["messages"] = self.messages
        return out

    def to_json(self, public_url: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "expires_at": ts(self.expires_at),
            "issued_at": ts(self.issued_at),
            "request_url": self.request_url,
        }
        if self.return_to:
            out["return_to"] = self.return_to
        if self.active:
            out["active"] = self.active
        out["ui"] = self.ui(public_url)
        if self.kind == "login" and self.internal_context.get("oauth2_login_challenge"):
            out["oauth2_login_challenge"] = self.internal_context["oauth2_login_challenge"]
        if self.kind == "login":
            out.update(
                created_at=ts(self.created_at),
                updated_at=ts(self.updated_at),
                refresh=self.refresh,
                requested_aal=self.requested_aal,
            )
        out["state"] = self.state
        out["organization_id"] = None
        return out

    def node(self, name: str, group: str | None = None) -> Node | None:
        for n in self.nodes:
            if n["attributes"].get("name") == name and group in (None, n["group"]):
                return n
        return None

    def set_csrf(self, masked: str) -> None:
        """Store the masked anti-CSRF token and show it in the ``csrf_token`` node."""
        self.csrf_token = masked
        self.set_value("csrf_token", masked)

    def clear_messages(self) -> None:
        self.messages = []
        for n in self.nodes:
            n["messages"] = []

    def attach(self, name: str, message: text.Text) -> None:
        """Put ``message`` on the node called ``name``, or on the form when there is none."""
        node = self.node(name)
        if node is None:
            self.messages.append(message)
        else:
            node["messages"].append(message)

    def set_value(self, name: str, value: Any) -> None:
        node = self.node(name)
        if node is not None:
            attrs = node["attributes"]
            if value is None or value == "":
                attrs.pop("value", None)
            else:
                # keep Go's attribute order: value sits right after name and type
                rest = {k: v for k, v in attrs.items() if k not in ("name", "type", "value")}
                node["attributes"] = {"name": attrs["name"], "type": attrs["type"], "value": value}
                node["attributes"].update(rest)
