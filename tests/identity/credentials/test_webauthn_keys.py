"""The WebAuthn ceremonies over py_webauthn (decision 0024): a software authenticator's
key registers and signs in; garbage, a wrong origin or RP, a forged signature and a replayed
sign count are refused as CeremonyFailed, never another exception."""

from __future__ import annotations

import json

import pytest

from roost.identity.credentials import webauthn_keys as keys
from tests.support.soft_authenticator import SoftAuthenticator

RP = keys.RelyingParty("localhost", "Roost", ("https://id.example",))
HANDLE = bytes(range(16))


def _registered(device: SoftAuthenticator) -> dict[str, object]:
    options, challenge = keys.registration_options(RP, HANDLE, "someone", [], resident=True)
    return keys.registered(RP, device.create(json.loads(options)), challenge, "k", True)


def test_register_then_assert_once() -> None:
    device = SoftAuthenticator("localhost", "https://id.example")
    entry = _registered(device)
    options, challenge = keys.authentication_options(RP, [entry])
    assertion = device.get(json.loads(options), discoverable=True)
    assert keys.credential_id(assertion) == entry["id"]
    assert keys.user_handle(assertion) == HANDLE
    entry["sign_count"] = keys.asserted(RP, assertion, challenge, entry)
    assert entry["sign_count"] == 1
    with pytest.raises(keys.CeremonyFailed):
        keys.asserted(RP, assertion, challenge, entry)  # same sign count again


def test_wrong_origin_rp_or_challenge_is_refused() -> None:
    elsewhere = SoftAuthenticator("localhost", "https://evil.example")
    options, challenge = keys.registration_options(RP, HANDLE, "someone", [], resident=False)
    with pytest.raises(keys.CeremonyFailed):
        keys.registered(RP, elsewhere.create(json.loads(options)), challenge, "", False)
    other_rp = SoftAuthenticator("evil.example", "https://id.example")
    with pytest.raises(keys.CeremonyFailed):
        keys.registered(RP, other_rp.create(json.loads(options)), challenge, "", False)
    device = SoftAuthenticator("localhost", "https://id.example")
    _, another = keys.registration_options(RP, HANDLE, "someone", [], resident=False)
    with pytest.raises(keys.CeremonyFailed):
        keys.registered(RP, device.create(json.loads(options)), another, "", False)


@pytest.mark.parametrize(
    "garbage",
    ["", "{", "[]", "null", '{"id": 1}', '{"id": "AA", "response": {}}', "\ud800", "x" * 5000],
)
def test_garbage_is_a_failed_ceremony(garbage: str) -> None:
    entry = {"id": "AA", "public_key": "AA", "sign_count": 0}
    with pytest.raises(keys.CeremonyFailed):
        keys.registered(RP, garbage, "AAAA", "", False)
    with pytest.raises(keys.CeremonyFailed):
        keys.asserted(RP, garbage, "AAAA", entry)
    assert keys.user_handle(garbage) is None
    assert keys.credential_id(garbage) in (None, "AA")
