"""The public surface of every package, pinned.

A package's ``__init__`` either exports nothing (its modules are imported by
their full path) or lists what it exports in ``__all__``. This test pins those
lists, so adding or dropping an export is a visible, reviewed change, and it
fails when a package grows a public name without declaring it.
"""

from __future__ import annotations
import __future__

import importlib
import pkgutil
import types

import pytest

import roost

EXPORTS: dict[str, list[str]] = {
    "roost.core.http": [
        "HERODOT",
        "JSON",
        "MAX_BODY",
        "ErrorTable",
        "PortService",
        "build_port_app",
        "error_body",
        "herodot",
        "message_of",
        "read_body",
        "read_json",
        "reject_nul",
        "route",
        "status_of",
        "url_has_nul",
    ],
    "roost.identity.migrations": ["MIGRATIONS"],
    "roost.oauth2.cli": ["oauth2"],
    "roost.oauth2.migrations": ["MIGRATIONS"],
    "roost.oauth2.rfc6749.grants": [
        "AuthorizationCodeGrant",
        "ClientCredentialsGrant",
        "Grant",
        "RefreshTokenGrant",
        "TokenGrant",
    ],
    "roost.permissions.migrations": ["MIGRATIONS"],
    "roost.runtime": [
        "BuildContext",
        "Port",
        "RunningService",
        "Service",
        "ServiceModule",
        "migrator",
        "open_service",
        "start",
    ],
}
"""Package -> its ``__all__``; a package not named here exports nothing."""


def _packages() -> list[str]:
    found = [roost.__name__]
    for info in pkgutil.walk_packages(roost.__path__, prefix="roost."):
        if info.ispkg:
            found.append(info.name)
    return sorted(found)


def _public_names(package: types.ModuleType) -> set[str]:
    """Names an ``import *`` or a reader would take as the package's API."""
    return {
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)  # submodules, imported or not
        and not isinstance(value, __future__._Feature)
    }


def test_every_pinned_package_exists() -> None:
    assert set(EXPORTS) <= set(_packages())


@pytest.mark.parametrize("name", _packages())
def test_exported_members(name: str) -> None:
    package = importlib.import_module(name)
    declared = list(getattr(package, "__all__", []))
    assert declared == EXPORTS.get(name, []), (
        f"{name}.__all__ changed: update EXPORTS in {__file__} if that is intended"
    )
    for member in declared:
        assert hasattr(package, member), f"{name}.__all__ names {member!r}, which is missing"
    undeclared = _public_names(package) - set(declared)
    assert not undeclared, f"{name} has public names outside __all__: {sorted(undeclared)}"
