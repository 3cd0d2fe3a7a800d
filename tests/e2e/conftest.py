"""The servers the case lists run against: the services' own end-to-end fixtures."""

from tests.identity.conftest import kratos
from tests.oauth2.conftest import hydra
from tests.permissions.conftest import opl_server, seed_server

__all__ = ["hydra", "kratos", "opl_server", "seed_server"]
