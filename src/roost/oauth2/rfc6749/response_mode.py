"""How an authorization response reaches the client: ``query``, ``fragment`` or ``form_post``.

OAuth 2.0 Multiple Response Type Encoding Practices §2.1 and §5: ``code``
answers in the query by default, every response type that returns a token
(``token``, ``id_token`` and the hybrid ones) in the fragment, and a token must
never be put in the query ("Insecure response_mode", as fosite says). OAuth
2.0 Form Post Response Mode §2: ``form_post`` is an HTML page that POSTs the
parameters to the redirect URI with the user agent; the redirect URI is the
validated, registered one, so nothing is ever posted elsewhere.

Errors redirected to the client use the request's mode too (fosite's
``WriteAuthorizeError``), so an implicit client finds its error in the fragment.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode, urlsplit, urlunsplit

from roost.oauth2.rfc6749.errors import UnsupportedResponseMode

QUERY, FRAGMENT, FORM_POST = "query", "fragment", "form_post"
MODES = frozenset({QUERY, FRAGMENT, FORM_POST})


def default_mode(response_types: frozenset[str]) -> str:
    """§5: ``query`` for ``code`` alone, ``fragment`` for anything that returns a token."""
    return QUERY if response_types == {"code"} else FRAGMENT


def lenient_mode(requested: str, response_types: frozenset[str]) -> str:
    """The mode an error is sent with, before the request was validated."""
    if requested in MODES and not (requested == QUERY and default_mode(response_types) != QUERY):
        return requested
    return default_mode(response_types)


def response_mode(requested: str, response_types: frozenset[str]) -> str:
    """The mode of a request; :class:`UnsupportedResponseMode` for an unknown or insecure one."""
    if not requested:
        return default_mode(response_types)
    if requested not in MODES:
        raise UnsupportedResponseMode(f'Request with unsupported response_mode "{requested}".')
    if requested == QUERY and default_mode(response_types) != QUERY:
        raise UnsupportedResponseMode(
            f"Insecure response_mode '{requested}' for the response_type "
            f"'{' '.join(sorted(response_types))}'."
        )
    return requested


@dataclass(frozen=True)
class AuthorizationResponse:
    """Parameters for the client's redirect URI, delivered in ``mode``."""

    redirect_uri: str
    params: dict[str, str]
    mode: str

    def location(self) -> str:
        """The redirect for ``query`` and ``fragment`` (for ``form_post``: the form's action)."""
        if self.mode == FORM_POST:
            return self.redirect_uri
        parts = urlsplit(self.redirect_uri)
        if self.mode == FRAGMENT:
            return urlunsplit(parts._replace(fragment=urlencode(self.params)))
        query = f"{parts.query}&{urlencode(self.params)}" if parts.query else urlencode(self.params)
        return urlunsplit(parts._replace(query=query, fragment=""))


def form_post_page(action: str, params: dict[str, str]) -> str:
    """§2: a page whose form the user agent submits at once; every value HTML-escaped."""
    fields = "\n".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}"/>' for k, v in params.items()
    )
    return (
        "<!DOCTYPE html>\n<html><head><title>Submit This Form</title></head>"
        '<body onload="javascript:document.forms[0].submit()">'
        f'<form method="post" action="{escape(action)}">\n{fields}\n'
        '<noscript><button type="submit">Continue</button></noscript></form></body></html>'
    )
