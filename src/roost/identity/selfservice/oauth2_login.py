"""Login as Hydra's identity provider: the ``login_challenge`` (``hydra/hydra.go``).

With ``oauth2_provider.url`` set, a browser login started with
``login_challenge`` fetches Hydra's login request first: unless Hydra says
``skip``, the user must authenticate again (the flow is a ``refresh``); with
``skip`` and a session, the request is accepted at once. A finished login
accepts the request for the session's identity and sends the browser to
the ``redirect_to`` Hydra answers (a 303, or 422
``browser_location_change_required`` for an SPA). The provider is reached
only over HTTP (``roost.identity.hydra``): no service imports another.
"""

from __future__ import annotations

from typing import Any, Protocol

from roost.identity.errors import KratosError
from roost.identity.sessions.model import Session

_MALFORMED = "The request was malformed or contained invalid parameters"
CHALLENGE = "oauth2_login_challenge"
"""The flow's ``internal_context`` key (and JSON field) holding the challenge."""


class OAuth2Provider(Protocol):
    """Hydra's admin API as login needs it."""

    async def login_request(self, challenge: str) -> dict[str, Any]:
        """``GET /admin/oauth2/auth/requests/login`` (KratosError on a refusal)."""
        ...

    async def accept_login(
        self, challenge: str, session: Session, remember: bool | None = None
    ) -> str:
        """``PUT .../login/accept`` for the session's identity; the ``redirect_to``.
        ``remember``: the user's choice (None: ``session.cookie.persistent``, Kratos's rule)."""
        ...


def not_configured() -> KratosError:
    return KratosError(
        400,
        None,
        "refusing to parse login_challenge query parameter because oauth2_provider.url is "
        "not configured",
        message=_MALFORMED,
    )


def empty_challenge() -> KratosError:
    return KratosError(
        400, None, "the login_challenge parameter is present but empty", message=_MALFORMED
    )


def location_change(url: str) -> KratosError:
    """Kratos's 422 ``browser_location_change_required`` (a 303 for form posts)."""
    return KratosError(
        422,
        "browser_location_change_required",
        "In order to complete this flow please redirect the browser to: " + url,
        message="The request was well-formed but was unable to be followed due to semantic errors.",
        extra={"redirect_browser_to": url},
    )
