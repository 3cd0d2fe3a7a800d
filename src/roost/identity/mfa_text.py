"""UI texts of the second factors with Kratos's ids (``text/message_{login,settings,
validation}.go``); apart from ``text.py`` so the flows' and the factors' texts grow apart."""

from __future__ import annotations

from typing import Any

from roost.identity.text import Text, _msg


def login_mfa() -> Text:
    return _msg(1010004, "Please complete the second authentication challenge.", "info")


def totp_code_label() -> Text:
    return _msg(1010006, "Authentication code", "info")


def lookup_code_label() -> Text:
    return _msg(1010007, "Backup recovery code", "info")


def use_totp() -> Text:
    return _msg(1010009, "Use Authenticator", "info")


def use_lookup() -> Text:
    return _msg(1010010, "Use backup recovery code", "info")


def unlink_totp() -> Text:
    return _msg(1050004, "Unlink TOTP Authenticator App", "info")


def totp_qr() -> Text:
    return _msg(1050005, "Authenticator app QR code", "info")


def totp_secret(secret: str) -> Text:
    return _msg(1050006, secret, "info", secret=secret)


def totp_secret_label() -> Text:
    return _msg(
        1050017,
        "This is your authenticator app secret. Use it if you can not scan the QR code.",
        "info",
    )


def verify_code() -> Text:
    return _msg(1070006, "Verify code", "info")


def regenerate_lookup() -> Text:
    return _msg(1050008, "Generate new backup recovery codes", "info")


def lookup_secret(code: str) -> Text:
    return _msg(1050009, code, "info", secret=code)


def lookup_label() -> Text:
    return _msg(
        1050010, "These are your back up recovery codes. Please keep them in a safe place!", "info"
    )


def confirm_lookup() -> Text:
    return _msg(1050011, "Confirm backup recovery codes", "info")


def lookup_list(codes: list[str]) -> Text:
    raw: list[Any] = [lookup_secret(c) for c in codes]
    return _msg(1050015, ", ".join(codes), "info", secrets=raw)


def disable_lookup() -> Text:
    return _msg(1050016, "Disable this method", "info")


def totp_wrong() -> Text:
    return _msg(4000008, "The provided authentication code is invalid, please try again.")


def no_totp() -> Text:
    return _msg(4000011, "You have no TOTP device set up.")


def lookup_used() -> Text:
    return _msg(4000012, "This backup recovery code has already been used.")


def no_lookup() -> Text:
    return _msg(4000014, "You have no backup recovery codes set up.")


def lookup_invalid() -> Text:
    return _msg(4000016, "The backup recovery code is not valid.")


def lookup_not_revealable() -> Text:
    """Roost keeps lookup codes hashed, so they cannot be shown again (decision 0024)."""
    return _msg(
        4000001,
        "Backup recovery codes are stored hashed and cannot be revealed; generate new ones.",
        reason="Backup recovery codes are stored hashed and cannot be revealed; generate new ones.",
    )


def add_security_key() -> Text:
    return _msg(1050012, "Add security key", "info")


def security_key_name() -> Text:
    return _msg(1050013, "Name of the security key", "info")


def add_passkey() -> Text:
    return _msg(1050019, "Add passkey", "info")


def remove_key(kind: str, name: str, added_at: str, added_at_unix: int) -> Text:
    """1050018 (security key) or 1050020 (passkey), with Kratos's context."""
    id_, noun = (1050020, "passkey") if kind == "passkey" else (1050018, "security key")
    return _msg(
        id_,
        f'Remove {noun} "{name}"',
        "info",
        display_name=name,
        added_at=added_at,
        added_at_unix=added_at_unix,
    )


def sign_in_with_key() -> Text:
    return _msg(1010008, "Sign in with a hardware key", "info")


def sign_in_with_passkey() -> Text:
    return _msg(1010021, "Sign in with passkey", "info")


def webauthn_wrong() -> Text:
    return _msg(4000043, "The provided web authn login is invalid, please try again.")


def no_webauthn() -> Text:
    return _msg(4000013, "You have no WebAuthn device set up.")


def no_webauthn_user() -> Text:
    return _msg(4000015, "This account does not exist or has no security key set up.")


# --- the mailed code as a second factor (decision 0035) ----------------------------------


def send_code_to(address: str, channel: str) -> Text:
    return _msg(1010023, f"Send code to {address}", "info", address=address, channel=channel)


def code_sent_to_you() -> Text:
    return _msg(
        1010025,
        "A code was sent to your address. If you didn't receive it, please try again.",
        "info",
    )


def address_unknown() -> Text:
    return _msg(
        4010010,
        "The address you entered does not match any known addresses in the current account.",
    )
