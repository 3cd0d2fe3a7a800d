"""``bodies.schema.json`` is exactly what ``spec_subset`` extracts from ``kratos.openapi.json``."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from roost.core.errors import Invalid
from roost.identity.identities.bodies import check_body
from roost.identity.identities.spec_subset import extract

SPEC = Path(__file__).resolve().parents[3] / "shared/ory-specs/kratos.openapi.json"


def test_pinned_to_the_spec() -> None:
    if not SPEC.exists():
        pytest.skip("shared/ory-specs is not available")
    shipped = json.loads(
        resources.files("roost.identity.identities").joinpath("bodies.schema.json").read_text()
    )
    assert shipped == extract(json.loads(SPEC.read_text()))


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"traits": {}},
        {"schema_id": "default", "traits": {}, "unknown": 1},
        {"schema_id": "default", "traits": {}, "state": "gone"},
        {"schema_id": "default", "traits": {}, "verifiable_addresses": {}},
        {"schema_id": "default", "traits": {}, "credentials": {"password": {"config": []}}},
    ],
)
def test_bad_create_bodies(body: object) -> None:
    with pytest.raises(Invalid):
        check_body(body, "create")


def test_good_bodies() -> None:
    assert check_body({"schema_id": "default", "traits": {"email": "a@b.co"}}, "create")
    assert check_body({"schema_id": "default", "traits": {}, "state": "active"}, "update")
