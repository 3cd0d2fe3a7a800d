"""What every grant shares (RFC 6749 §4): how the token endpoint picks it, and its checks.

The token endpoint asks each grant in turn whether it handles a request
(:meth:`TokenGrant.accepts`, by default: the ``grant_type`` is its own) and
hands the request to the first that does, so an extension grant (RFC 7523's
JWT bearer, PKCE's authorization code, the device code) is one more class in
the list. A grant decides what is granted and hands it to the
:class:`~roost.oauth2.tokens.issuer.TokenIssuer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlencode

from roost.oauth2 import scopes as sc
from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import InvalidRequest, InvalidScope, UnauthorizedClient
from roost.oauth2.tokens.issuer import STORED_FORM_KEYS


class Grant(Protocol):
    """What the token endpoint needs of a grant."""

    def accepts(self, form: dict[str, str]) -> bool:
        """Whether this grant handles the token request ``form``."""
        ...

    async def handle(
        self, form: dict[str, str], client: Client, jkt: str | None = None
    ) -> dict[str, Any]:
        """The §5.1 token response for an authenticated ``client``, or an OAuth2Error;
        ``jkt`` is the DPoP key the request proved (RFC 9449), to bind the tokens to."""
        ...


class TokenGrant:
    """A grant picked by its ``grant_type`` (§4.1.3, §4.4.2, §6: the parameter names it)."""

    grant_type: str

    def accepts(self, form: dict[str, str]) -> bool:
        return form.get("grant_type") == self.grant_type


def stored_form(form: dict[str, str]) -> str:
    return urlencode([(k, form[k]) for k in STORED_FORM_KEYS if form.get(k)])


def require_grant_type(client: Client, grant_type: str) -> None:
    if grant_type not in client.grant_types:
        raise UnauthorizedClient(
            f"The OAuth 2.0 Client is not allowed to use authorization grant '{grant_type}'."
        )


def check_scopes(strategy: sc.ScopeStrategy, allowed: Sequence[str], requested: list[str]) -> None:
    for scope in requested:
        if not strategy(allowed, scope):
            raise InvalidScope(f"The OAuth 2.0 Client is not allowed to request scope '{scope}'.")


def check_audience(client: Client, requested: list[str]) -> None:
    for audience in requested:
        if not sc.audience_allowed(client.audience, audience):
            raise InvalidRequest(
                f"Requested audience '{audience}' has not been whitelisted by the OAuth 2.0 Client."
            )
