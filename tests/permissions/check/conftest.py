"""Engine tests run twice: through the check cache, and with every key too big to cache."""

from __future__ import annotations

import pytest

from roost.permissions.sql.cache import DEFAULT_CAP


@pytest.fixture(params=[DEFAULT_CAP, 0], ids=["cached", "per-subject"])
def cache_cap(request: pytest.FixtureRequest) -> int:
    """Rows per key the store caches; 0 sends every non-empty key down the per-subject query."""
    cap: int = request.param
    return cap
