"""Lookups on conformance cases: OpenFGA's cycle cases carry ListObjects/ListUsers
answers (tests/permissions/cases/openfga_cycles.yaml); Keto v25.4.0's own check cases
(shared/conformance/keto) are turned into lookups and compared with brute force."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from roost.permissions.check.engine import Limits
from roost.permissions.relationtuples.model import parse_tuple
from tests.permissions.lookup.support import brute_objects, brute_subjects, engines
from tests.permissions.support import here, namespaces_from, open_store, tuples
from tests.support import shared

CYCLES = yaml.safe_load((here() / "cases/openfga_cycles.yaml").read_text())["tests"]
KETO = "conformance/keto/keto_check_cases.yaml"


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c["name"]) for c in CYCLES if "objects_of" in c]
)
async def test_openfga_lookup_answers(case: dict[str, Any], store_dsn: str) -> None:
    store = await open_store(store_dsn)
    try:
        namespaces = namespaces_from(case["opl"])
        await store.write(tuples(case["tuples"]), [])
        lookup, _ = engines(store, namespaces, Limits(5, 100, False))
        for item in case["objects_of"]:
            subject = store.subject_ref(parse_tuple(f"X:x#x@{item['subject']}").subject)
            got = await lookup.objects(item["namespace"], item["relation"], subject)
            assert got == sorted(store.id_of(o) for o in item["expected"]), item
        for item in case.get("subjects_of", []):
            ns, rest = item["object"].split(":", 1)
            obj, relation = rest.split("#")
            got = await lookup.subjects((ns, store.id_of(obj), relation))
            assert got == sorted(store.id_of(s) for s in item["expected"]), item
    finally:
        await store.db.close()


def _keto_cases() -> list[Any]:
    data = shared.load_yaml(KETO)
    if data is None:
        return [shared.placeholder(KETO)]
    return [pytest.param(c, id=c["name"]) for c in data["tests"] if "checks" in c]


@pytest.mark.parametrize("case", _keto_cases())
async def test_keto_cases_as_lookups(case: dict[str, Any], store_dsn: str) -> None:
    store = await open_store(store_dsn)
    try:
        namespaces = namespaces_from(case.get("opl"), case.get("namespaces_legacy"))
        await store.write(tuples(case["tuples"]), [])
        strict = bool(case.get("config", {}).get("strict_mode"))
        for item in case["checks"]:
            t = parse_tuple(item["tuple"])
            if not namespaces.exists(t.namespace):
                continue
            limits = Limits(item.get("global_max_read_depth", 5), 100, strict)
            lookup, checker = engines(store, namespaces, limits)
            subject = store.subject_ref(t.subject)
            got = await lookup.objects(t.namespace, t.relation, subject)
            want = await brute_objects(checker, store, t.namespace, t.relation, subject)
            assert got == want, item
            if item["expected"]:
                assert store.id_of(t.object) in got, item
            key = (t.namespace, store.id_of(t.object), t.relation)
            assert await lookup.subjects(key) == await brute_subjects(checker, store, key), item
    finally:
        await store.db.close()
