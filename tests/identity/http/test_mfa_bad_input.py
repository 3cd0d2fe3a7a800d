"""Bad second-factor input over real sockets (decision 0024): wrong types, garbage
ceremonies and unknown buttons are 400s with Kratos's error shape, never a 5xx, and leave
the identity's credentials as they were."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.identity.http.conftest import Site
from tests.identity.http.mfa_support import JSON, csrf, settings_flow

GARBAGE: list[Any] = [None, 1, True, [], {}, "", "x" * 3000, '{"id": "AA"}', "{", "ÿ\x7f"]
SETTINGS_FIELDS = [
    ("totp", "totp_code"),
    ("totp", "totp_unlink"),
    ("lookup_secret", "lookup_secret_confirm"),
    ("lookup_secret", "lookup_secret_disable"),
    ("webauthn", "webauthn_register"),
    ("webauthn", "webauthn_remove"),
    ("passkey", "passkey_settings_register"),
    ("passkey", "passkey_remove"),
]


def _credentials(site: Site, identity_id: str) -> dict[str, Any]:
    r = httpx.get(f"{site.admin}/admin/identities/{identity_id}")
    return dict(r.json().get("credentials") or {})


@pytest.mark.parametrize(("method", "field"), SETTINGS_FIELDS)
def test_settings_garbage_is_refused(mfa: Site, method: str, field: str) -> None:
    address, identity_id = mfa.identity()
    before = _credentials(mfa, identity_id)
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        flow = settings_flow(mfa, b)
        for value in GARBAGE:
            body = {"method": method, field: value, "csrf_token": csrf(flow)}
            r = b.post(flow["ui"]["action"], json=body, headers=JSON)
            assert r.status_code in (400, 403), (value, r.status_code, r.text)
            flow = r.json() if "ui" in r.json() else flow
    assert _credentials(mfa, identity_id).keys() == before.keys()


def _with_backup_codes(mfa: Site) -> str:
    """A new identity with backup codes confirmed, so its sign-in has an aal2 step."""
    address, _ = mfa.identity()
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        flow = settings_flow(mfa, b)
        r = b.post(
            flow["ui"]["action"],
            json={
                "method": "lookup_secret",
                "lookup_secret_regenerate": True,
                "csrf_token": csrf(flow),
            },
            headers=JSON,
        )
        r = b.post(
            flow["ui"]["action"],
            json={
                "method": "lookup_secret",
                "lookup_secret_confirm": True,
                "csrf_token": csrf(r.json()),
            },
            headers=JSON,
        )
        assert r.status_code == 200, r.text
    return address


SECOND_STEP_FIELDS = [
    ("totp", "totp_code"),
    ("lookup_secret", "lookup_secret"),
    ("webauthn", "webauthn_login"),
    ("passkey", "passkey_login"),
    ("nonsense", "x"),
]


def test_second_step_garbage_is_refused(mfa: Site) -> None:
    # One identity per method: each refusal counts as a failed second factor, and the
    # throttle's growing delays (roost.core.throttle) would otherwise add minutes.
    for method, field in SECOND_STEP_FIELDS:
        address = _with_backup_codes(mfa)
        with mfa.browser() as b:
            page = mfa.sign_in(b, address)
            flow = b.get(
                f"{mfa.public}/self-service/login/flows", params={"id": page.flow_id}
            ).json()
            for value in GARBAGE:
                body = {"method": method, field: value, "csrf_token": csrf(flow)}
                r = b.post(flow["ui"]["action"], json=body, headers=JSON)
                assert r.status_code == 400, (method, value, r.status_code, r.text)
                assert "ui" in r.json() or "error" in r.json()
            assert b.get(f"{mfa.public}/sessions/whoami").status_code == 403
    for value in GARBAGE[1:]:
        r = httpx.post(
            f"{mfa.public}/self-service/login",
            params={"flow": flow["id"]},
            json={"method": "passkey", "passkey_login": value},
        )
        assert r.status_code in (400, 403), (value, r.text)
