"""Scope strategies and audience matching."""

from __future__ import annotations

from roost.oauth2 import scopes


def test_scope_strategies() -> None:
    assert scopes.wildcard(["read.*"], "read.photos")
    assert not scopes.wildcard(["read.*"], "read")
    assert scopes.wildcard(["read"], "read")
    assert not scopes.wildcard(["read"], "read.photos")
    assert not scopes.exact(["read.*"], "read.photos")
    assert scopes.audience_allowed(["https://api.example/v1"], "https://api.example/v1/users")
    assert not scopes.audience_allowed(["https://api.example/v1"], "https://api.example/v10")
    assert not scopes.audience_allowed(["https://api.example"], "http://api.example")
