"""Keto v25.4.0's own check cases (shared/conformance/keto), run on a real store."""

from __future__ import annotations

from typing import Any

import pytest

from tests.permissions.support import check, namespaces_from, open_store, tuples
from tests.support import shared

CASES = "conformance/keto/keto_check_cases.yaml"


def _engine_cases() -> list[Any]:
    data = shared.load_yaml(CASES)
    if data is None:
        return [shared.placeholder(CASES)]
    return [
        pytest.param(case, id=case["name"])
        for case in data["tests"]
        if "checks" in case or "batch_checks" in case
    ]


@pytest.mark.parametrize("case", _engine_cases())
async def test_keto_case(case: dict[str, Any], store_dsn: str, cache_cap: int) -> None:
    store = await open_store(store_dsn, cache_cap)
    try:
        namespaces = namespaces_from(case.get("opl"), case.get("namespaces_legacy"))
        await store.write(tuples(case["tuples"]), [])
        strict = bool(case.get("config", {}).get("strict_mode"))
        for item in case.get("checks", []):
            got = await check(
                store,
                namespaces,
                item["tuple"],
                max_depth=item.get("max_depth", 0),
                global_depth=item.get("global_max_read_depth", 5),
                strict=strict,
            )
            assert got is item["expected"], item
        for batch in case.get("batch_checks", []):
            for item in batch["tuples_and_results"]:
                if "error_contains" in item:
                    assert not namespaces.exists(item["tuple"].split(":", 1)[0])
                    continue
                got = await check(store, namespaces, item["tuple"], max_depth=batch["max_depth"])
                assert got is item["allowed"], item
    finally:
        await store.db.close()
