"""Kratos UI nodes to one form per method, and message ids to words."""

from __future__ import annotations

from typing import Any

from roost.account import catalogue
from roost.account.nodes import forms


def _node(group: str, name: str, type_: str = "text") -> dict[str, Any]:
    return {"group": group, "type": "input", "attributes": {"name": name, "type": type_}}


LOGIN = [
    _node("default", "csrf_token", "hidden"),
    _node("default", "identifier"),
    _node("passkey", "passkey_login_trigger", "button"),
    _node("password", "password", "password"),
    _node("password", "method", "submit"),
    _node("totp", "totp_code"),
]


def _names(form: Any) -> list[str]:
    return [n["attributes"]["name"] for n in form.nodes]


def test_one_form_per_method_in_a_fixed_order_with_what_each_needs() -> None:
    found = {f.group: _names(f) for f in forms(LOGIN)}
    assert list(found) == ["password", "totp", "passkey"]
    assert found["password"] == ["csrf_token", "identifier", "password", "method"]
    assert found["totp"] == ["csrf_token", "totp_code"]  # a second factor takes no identifier
    assert found["passkey"] == ["csrf_token", "passkey_login_trigger"]


def test_dom_ids_are_unique_across_forms() -> None:
    ids = [n["dom_id"] for f in forms(LOGIN) for n in f.nodes]
    assert len(ids) == len(set(ids))


def test_only_default_nodes_make_one_form() -> None:
    (only,) = forms([_node("default", "csrf_token", "hidden"), _node("default", "email")])
    assert only.group == "default" and _names(only) == ["csrf_token", "email"]
    assert forms([]) == []


def test_catalogue_words_context_and_fallback() -> None:
    assert catalogue.text({"id": 1070001, "text": "x"}) == "Password"
    label = {"id": 1070002, "text": "E-Mail", "context": {"title": "E-Mail"}}
    assert catalogue.text(label) == "E-Mail"
    assert catalogue.text({"id": 4000032, "context": {"min_length": 8}}).endswith("8 characters.")
    # an id we have no words for shows Kratos's text, never a blank
    assert catalogue.text({"id": 9999999, "text": "Kratos said so"}) == "Kratos said so"
    assert catalogue.text({"id": 4000002, "text": "fallback"}).startswith("Property ")
    # another language falls back to English word by word
    assert catalogue.words("xx")["login"] == "Sign in"
    assert catalogue.humane("traits.name.first") == "First"


def test_only_web_urls_reach_links_and_images() -> None:
    assert catalogue.web_url("https://example.com/privacy") == "https://example.com/privacy"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "", None):
        assert catalogue.web_url(bad) == ""
    assert catalogue.web_url("data:image/png;base64,AAAA", image=True).startswith("data:image/")
    assert catalogue.web_url("data:image/png;base64,AAAA") == ""
