"""The one list of services: everything else (config blocks, CLI choices,
provisioned databases) is derived from it, so a new service is one entry."""

from __future__ import annotations

from typing import Any

from roost.account.module import MODULE as ACCOUNT
from roost.identity.module import MODULE as IDENTITY
from roost.oauth2.module import MODULE as OAUTH2
from roost.permissions.module import MODULE as PERMISSIONS
from roost.runtime.module import ServiceModule

MODULES: dict[str, ServiceModule[Any, Any]] = {
    m.name: m for m in (PERMISSIONS, IDENTITY, OAUTH2, ACCOUNT)
}
"""Roost's name to module, in the order services start and are listed."""
NAMES = tuple(MODULES)
ORY_NAMES = {m.ory_name: m.name for m in (OAUTH2, IDENTITY, PERMISSIONS)}
"""Ory's service name (a database ``roost provision`` creates) to Roost's, in the seed's order."""
