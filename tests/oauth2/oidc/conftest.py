"""The login/consent app (``ory-hydra-client``) and a browser for the shared ``hydra`` servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ory_hydra_client.api.o_auth2_api import OAuth2Api

from tests.oauth2.conftest import Hydra
from tests.oauth2.consent.flows import Browser, admin_api


@pytest.fixture
def api(hydra: Hydra) -> Iterator[OAuth2Api]:
    with admin_api(hydra) as a:
        yield a


@pytest.fixture
def browser(hydra: Hydra) -> Iterator[Browser]:
    b = Browser(hydra)
    yield b
    b.close()
