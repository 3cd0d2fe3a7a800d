"""A browser-style user without a browser: follows redirects, reads the account pages'
forms (with their CSRF tokens) and posts them, as a person's browser would.

Shared by ``bench.login`` and the account UI's HTTP tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx


@dataclass
class Form:
    """One ``<form>`` of a page: where it posts and the fields a browser would send."""

    action: str
    classes: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)
    """Submit buttons, name to value (a click sends one of them)."""


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("class", "")))
        elif self.forms and tag == "input" and a.get("name"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif self.forms and tag == "button" and a.get("type") == "submit" and a.get("name"):
            self.forms[-1].buttons.setdefault(a["name"], a.get("value", ""))


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form(page: httpx.Response, css_class: str) -> Form:
    """The form with class ``css_class`` (``flow-password``) on ``page``."""
    for f in forms(page.text):
        if css_class in f.classes.split() or (css_class == "" and not f.classes):
            return f
    raise AssertionError(f"no form .{css_class} on {page.url}: {page.text[:500]}")


async def submit(
    client: httpx.AsyncClient, f: Form, button: str | None = None, **values: str
) -> httpx.Response:
    """Post ``f`` with ``values`` typed in, pressing the submit button ``button``
    (name=value, default: the form's first)."""
    data = {**f.fields, **values}
    if button is not None:
        name, _, value = button.partition("=")
        data[name] = value
    elif f.buttons:
        name, value = next(iter(f.buttons.items()))
        data[name] = value
    return await client.post(f.action, data=data)


def query(url: str | httpx.URL) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(str(url)).query).items()}


async def sign_in(
    client: httpx.AsyncClient, authorize_url: str, identifier: str, password: str
) -> httpx.Response:
    """Authorization URL to the redirect URI: the login form, then consent unless skipped.

    ``client`` must follow redirects and keep cookies. Returns the last response (the
    redirect URI's page, whose URL carries the code)."""
    page = await client.get(authorize_url)
    page = await submit(
        client, form(page, "flow-password"), identifier=identifier, password=password
    )
    if urlsplit(str(page.url)).path == "/oauth2/consent":
        page = await submit(client, form(page, "consent"), "decision=allow", remember="true")
    return page
