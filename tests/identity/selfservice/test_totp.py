"""The TOTP settings method's pure parts (decision 0024): the account name an app shows comes
from the trait marked ``credentials.totp.account_name``, else the identity id; the key being
linked is kept sealed in the flow, out of its stored nodes, and survives a re-render."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp

from roost.identity.credentials.secrets_box import SecretBox
from roost.identity.identities.model import Identity
from roost.identity.schemas.manager import IdentitySchema
from roost.identity.selfservice.factor_nodes import shown_node
from roost.identity.selfservice.flow import Flow
from roost.identity.selfservice.totp import PENDING, TotpSettings, account_name


def _schema(marked: bool) -> IdentitySchema:
    email: dict[str, Any] = {"type": "string"}
    if marked:
        email["ory.sh/kratos"] = {"credentials": {"totp": {"account_name": True}}}
    traits = {"type": "object", "properties": {"email": email}}
    return IdentitySchema("s", {"type": "object", "properties": {"traits": traits}})


def test_account_name() -> None:
    ident = Identity(schema_id="s", traits={"email": " ann@example.com "})
    assert account_name(_schema(True), ident) == "ann@example.com"
    assert account_name(_schema(False), ident) == str(ident.id)
    assert account_name(_schema(True), Identity(schema_id="s", traits={})) != ""


def test_pending_key_is_sealed_and_stable() -> None:
    box = SecretBox(("a-secret-of-thirty-two-characters",), "kratos-totp")
    method = TotpSettings(box, "Acme")
    ident = Identity(schema_id="s", traits={"email": "ann@example.com"})
    flow = Flow.new("settings", "browser", "http://k/s", timedelta(hours=1), [])
    flow.nodes = method.nodes(ident, _schema(True), flow)
    stored = repr(flow.nodes)
    method.reveal(flow)
    secret = shown_node(flow.nodes, "totp_secret_key")
    assert secret is not None
    key = secret["attributes"]["text"]["context"]["secret"]
    assert key and key not in flow.internal_context[PENDING] and key not in stored
    url = box.open(flow.internal_context[PENDING])
    assert url is not None and pyotp.parse_uri(url).name == "ann@example.com"
    flow.nodes = method.nodes(ident, _schema(True), flow)
    method.reveal(flow)
    again = shown_node(flow.nodes, "totp_secret_key")
    assert again is not None and again["attributes"]["text"]["context"]["secret"] == key
