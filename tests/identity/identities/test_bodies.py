"""Admin bodies of the wrong shape are a 400 (``Invalid``) before anything else runs.

How the schemas compare with ``kratos.openapi.json`` is in ``test_body_schema``.
"""

from __future__ import annotations

import pytest

from roost.core.errors import Invalid
from roost.identity.identities.bodies import check_body


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
