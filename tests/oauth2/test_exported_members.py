"""The public names of OAuth2's packages, pinned: a rename or removal is a visible change.

Every name in ``__all__`` must resolve; the next grants (``rfc7636/``,
``oidc/``) add themselves here when they export a package API.
"""

from __future__ import annotations

import importlib

import pytest

EXPORTS = {
    "roost.oauth2.cli": ["oauth2"],
    "roost.oauth2.http.common": [
        "NO_CACHE",
        "NO_STORE",
        "parts",
        "read_form",
        "read_json_body",
        "require",
        "service",
    ],
    "roost.oauth2.rfc6749.grants": [
        "AuthorizationCodeGrant",
        "ClientCredentialsGrant",
        "Grant",
        "RefreshTokenGrant",
        "TokenGrant",
    ],
}


@pytest.mark.parametrize("module", sorted(EXPORTS))
def test_exported_members(module: str) -> None:
    loaded = importlib.import_module(module)
    assert sorted(loaded.__all__) == EXPORTS[module]
    for name in loaded.__all__:
        assert getattr(loaded, name) is not None
