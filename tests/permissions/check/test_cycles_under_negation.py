"""OpenFGA's cycle cases (tests/permissions/cases/openfga_cycles.yaml): cycles fail closed."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.permissions.support import check, here, namespaces_from, open_store, tuples

CASES = yaml.safe_load((here() / "cases/openfga_cycles.yaml").read_text())["tests"]


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
async def test_cycle_case(case: dict[str, Any], store_dsn: str, cache_cap: int) -> None:
    store = await open_store(store_dsn, cache_cap)
    try:
        namespaces = namespaces_from(case["opl"])
        await store.write(tuples(case["tuples"]), [])
        for item in case["checks"]:
            assert await check(store, namespaces, item["tuple"]) is item["expected"], item
    finally:
        await store.db.close()
