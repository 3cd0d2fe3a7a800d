"""Second factors' configuration (decision 0024): Kratos's defaults, the keys read, and
values Roost refuses rather than half-implements."""

from __future__ import annotations

import pytest

from roost.core.config import load
from roost.core.errors import ConfigError
from roost.identity.config import SPEC, IdentityConfig

RP = {"id": "id.example", "display_name": "Example"}


def _cfg(values: dict[str, object]) -> IdentityConfig:
    return IdentityConfig.from_values(
        {"serve": {"public": {"base_url": "https://id.example:4433/"}}, **values},
        generated_secret="x" * 32,
    )


def test_defaults_are_kratos_defaults() -> None:
    mfa = _cfg({}).mfa
    assert not mfa.totp_enabled and not mfa.lookup_secret_enabled
    assert mfa.webauthn is None and mfa.passkey is None
    assert mfa.whoami_required_aal == mfa.settings_required_aal == "highest_available"
    assert mfa.totp_issuer == "id.example"


def test_keys_are_read_and_validated() -> None:
    values = {
        "session": {"whoami": {"required_aal": "aal1"}},
        "selfservice": {
            "flows": {"settings": {"required_aal": "aal1"}},
            "methods": {
                "totp": {"enabled": True, "config": {"issuer": "Acme"}},
                "lookup_secret": {"enabled": True},
                "webauthn": {"enabled": True, "config": {"rp": RP}},
                "passkey": {"enabled": True, "config": {"rp": {**RP, "origins": ["https://a"]}}},
            },
        },
    }
    assert not [w for w in load(values, SPEC, {}).warnings if "methods" in w or "aal" in w]
    mfa = _cfg(values).mfa
    assert mfa.totp_enabled and mfa.totp_issuer == "Acme" and mfa.lookup_secret_enabled
    assert mfa.whoami_required_aal == mfa.settings_required_aal == "aal1"
    assert mfa.webauthn is not None and mfa.webauthn.origins == ("https://id.example:4433",)
    assert mfa.passkey is not None and mfa.passkey.origins == ("https://a",)
    for wrong in (
        {"session": {"whoami": {"required_aal": "aal2"}}},
        {"selfservice": {"flows": {"settings": {"required_aal": "aal3"}}}},
    ):
        with pytest.raises(ConfigError):
            load(wrong, SPEC, {})


def test_unimplemented_values_are_refused() -> None:
    passwordless = {"enabled": True, "config": {"passwordless": True, "rp": RP}}
    with pytest.raises(ConfigError, match="passwordless"):
        _cfg({"selfservice": {"methods": {"webauthn": passwordless}}})
    with pytest.raises(ConfigError, match="rp"):
        _cfg({"selfservice": {"methods": {"passkey": {"enabled": True}}}})
    hooks = {"selfservice": {"flows": {"registration": {"after": {"webauthn": {"hooks": []}}}}}}
    assert load(hooks, SPEC, {}).warnings


def test_code_mfa_is_read_and_excludes_passwordless() -> None:
    """``methods.code.mfa_enabled`` (decision 0035): off by default, read without a warning,
    and refused beside ``passwordless_enabled`` as Kratos's config schema refuses it."""
    assert not _cfg({}).addresses.mfa
    on = {"selfservice": {"methods": {"code": {"mfa_enabled": True}}}}
    assert _cfg(on).addresses.mfa
    assert not [w for w in load(on, SPEC, {}).warnings if "mfa_enabled" in w]
    both = {
        "selfservice": {"methods": {"code": {"mfa_enabled": True, "passwordless_enabled": True}}}
    }
    with pytest.raises(ConfigError, match="exclude each other"):
        _cfg(both)
