"""AAL rules (decision 0024): session and identity levels, ``required_aal``, ``aal`` params."""

from __future__ import annotations

from datetime import datetime

import pytest

from roost.core.errors import Invalid
from roost.identity.http.errors import body
from roost.identity.identities.model import Credential, Identity
from roost.identity.sessions import aal

AT = datetime(2026, 12, 7, 1, 2, 3)


def test_levels() -> None:
    assert aal.available_aal([]) is None
    assert aal.available_aal(["password"]) == "aal1"
    assert aal.available_aal(["password", "totp"]) == "aal2"
    assert aal.available_aal(["lookup_secret"]) == "aal2"
    code = {
        "code": Credential(
            "code", ["a@b.c"], {"addresses": [{"channel": "email", "address": "a@b.c"}]}
        )
    }
    assert aal.available_aal({**code, "password": None}) == "aal1"
    assert aal.available_aal({**code, "password": None}, code_mfa=True) == "aal2"
    empty = {"code": Credential("code", [], {"addresses": []})}
    assert aal.available_aal(empty, code_mfa=True) == "aal1"
    password, totp = aal.method("password", "aal1", AT), aal.method("totp", "aal2", AT)
    assert aal.session_aal([]) == "aal0"
    assert aal.session_aal([password]) == "aal1"
    assert aal.session_aal([totp]) == "aal1"  # a second factor alone is no aal2
    assert aal.session_aal([password, totp]) == "aal2"


def test_required_aal() -> None:
    assert aal.satisfied("aal1", "aal1", "aal2")
    assert not aal.satisfied("highest_available", "aal1", "aal2")
    assert aal.satisfied("highest_available", "aal1", "aal1")
    assert aal.satisfied("highest_available", "aal2", "aal2")
    url = aal.step_up_url("http://k", "http://k/x")
    assert url == "http://k/self-service/login/browser?aal=aal2&return_to=http%3A%2F%2Fk%2Fx"
    out = body(aal.aal2_required(url))
    assert out["error"]["id"] == "session_aal2_required" and out["error"]["code"] == 403
    assert out["redirect_browser_to"] == url == out["error"]["details"]["redirect_browser_to"]


def test_requested_param() -> None:
    assert aal.requested(None) == aal.requested("") == aal.requested("aal1") == "aal1"
    assert aal.requested("aal2") == "aal2"
    with pytest.raises(Invalid):
        aal.requested("aal3")


def test_identity_level_is_recounted_unless_stored_aal2() -> None:
    """An identity stored before ``mfa_enabled`` was turned on has aal1 in its column; the
    login and settings checks recount it from its credentials (``DoesSessionSatisfy``)."""
    config = {"addresses": [{"channel": "email", "address": "a@b.c"}]}
    ident = Identity(
        schema_id="default",
        traits={},
        credentials={"code": Credential("code", ["a@b.c"], config)},
        available_aal="aal1",
    )
    assert aal.identity_aal(ident, code_mfa=False) == "aal1"
    assert aal.identity_aal(ident, code_mfa=True) == "aal2"
    bare = Identity(schema_id="default", traits={}, available_aal="aal2")
    assert aal.identity_aal(bare, code_mfa=False) == "aal2"
