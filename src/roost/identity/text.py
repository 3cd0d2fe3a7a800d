"""UI texts with Kratos's message ids (``text/id.go``, ``text/message_*.go``).

UIs such as Ory Elements translate by id and interpolate ``context``, so both
the numbers and the context keys are part of the API, not decoration.
"""

from __future__ import annotations

from typing import Any

Text = dict[str, Any]


def _msg(id_: int, text: str, kind: str = "error", **context: Any) -> Text:
    out: Text = {"id": id_, "text": text, "type": kind}
    if context:
        out["context"] = context
    return out


# --- labels (1010xxx, 1040xxx, 1070xxx) -----------------------------------------------


def sign_in_with_password() -> Text:
    return _msg(1010022, "Sign in with password", "info")


def sign_up() -> Text:
    return _msg(1040001, "Sign up", "info")


def label_password() -> Text:
    return _msg(1070001, "Password", "info")


def label_generated(title: str, name: str) -> Text:
    return _msg(1070002, title, "info", title=title, name=name)


def label_id() -> Text:
    return _msg(1070004, "ID", "info")


# --- validation errors (4000xxx) --------------------------------------------------------


def generic(reason: str) -> Text:
    return _msg(4000001, reason, reason=reason)


def required(prop: str) -> Text:
    return _msg(4000002, f"Property {prop} is missing.", property=prop)


def min_length(minimum: int, actual: int) -> Text:
    return _msg(
        4000003,
        f"length must be >= {minimum}, but got {actual}",
        min_length=minimum,
        actual_length=actual,
    )


def invalid_pattern(pattern: str) -> Text:
    return _msg(4000004, f'does not match pattern "{pattern}"', pattern=pattern)


def invalid_credentials() -> Text:
    return _msg(
        4000006,
        "The provided credentials are invalid, check for spelling mistakes in your password "
        "or username, email address, or phone number.",
    )


def duplicate_credentials() -> Text:
    return _msg(
        4000007,
        "An account with the same identifier (email, phone, username, ...) exists already.",
    )


def identifier_missing() -> Text:
    return _msg(
        4000009,
        "Could not find any login identifiers. Did you forget to set them? This could also be "
        "caused by a server misconfiguration.",
    )


def max_length(maximum: int, actual: int) -> Text:
    return _msg(
        4000017,
        f"length must be <= {maximum}, but got {actual}",
        max_length=maximum,
        actual_length=actual,
    )


def wrong_type(allowed: list[str], actual: str) -> Text:
    return _msg(
        4000026,
        f"expected {' or '.join(allowed)}, but got {actual}",
        allowed_types=allowed,
        actual_type=actual,
    )


def password_too_similar() -> Text:
    return _msg(
        4000031, "The password can not be used because it is too similar to the identifier."
    )


def password_min_length(minimum: int, actual: int) -> Text:
    return _msg(
        4000032,
        f"The password must be at least {minimum} characters long, but got {actual}.",
        min_length=minimum,
        actual_length=actual,
    )


def password_max_length(maximum: int, actual: int) -> Text:
    return _msg(
        4000033,
        f"The password must be at most {maximum} characters long, but got {actual}.",
        max_length=maximum,
        actual_length=actual,
    )


def password_breached(breaches: int) -> Text:
    return _msg(
        4000034,
        "The password has been found in data breaches and must no longer be used.",
        breaches=breaches,
    )


_EXPIRED_IDS = {
    "login": 4010001,
    "registration": 4040001,
    "settings": 4050001,
    "recovery": 4060005,
    "verification": 4070005,
}


def flow_expired(kind: str, minutes: float, expired_at_unix: int) -> Text:
    """4010001 (login), 4040001 (registration), 4050001 (settings)...: on the replacement flow."""
    return _msg(
        _EXPIRED_IDS.get(kind, 4010001),
        f"The {kind} flow expired {minutes:.2f} minutes ago, please try again.",
        expired_at_unix=expired_at_unix,
    )


def no_login_strategy() -> Text:
    return _msg(
        4010002,
        "Could not find a strategy to log you in with. Did you fill out the form correctly?",
    )


def no_registration_strategy() -> Text:
    return _msg(
        4010003,
        "Could not find a strategy to sign you up with. Did you fill out the form correctly?",
    )


def back() -> Text:
    return _msg(1040008, "Back", "info")


# --- browser flows and settings (decision 0022) -------------------------------------------


def confirm_it_is_you() -> Text:
    """1010003: the ``refresh=true`` login form's message."""
    return _msg(1010003, "Please confirm this action by verifying that it is you.", "info")


def save() -> Text:
    return _msg(1070003, "Save", "info")


def settings_saved() -> Text:
    return _msg(1050001, "Your changes have been saved!", "success")


def no_settings_strategy() -> Text:
    return _msg(
        4010004,
        "Could not find a strategy to update your settings. Did you fill out the form correctly?",
    )


# --- recovery and verification (decision 0023) ---------------------------------------------

_SENT = (
    "An email containing a {kind} {what} has been sent to the email address you provided. "
    "If you have not received an email, check the spelling of the address and make sure to "
    "use the address you registered with."
)


def email_sent(kind: str, method: str) -> Text:
    """1060002/1060003 (recovery link/code), 1080001/1080003 (verification link/code)."""
    ids = {"recovery": (1060002, 1060003), "verification": (1080001, 1080003)}[kind]
    what = "code" if method == "code" else "link"
    return _msg(ids[method == "code"], _SENT.format(kind=kind, what=what), "info")


def recovery_successful(minutes: float, expires_unix: int) -> Text:
    return _msg(
        1060001,
        "You successfully recovered your account. Please change your password or set up an "
        "alternative login method (e.g. social sign in) within the next "
        f"{minutes:.2f} minutes.",
        "success",
        privileged_session_expires_at_unix=expires_unix,
    )


def verification_successful() -> Text:
    return _msg(1080002, "You successfully verified your email address.", "success")


def label_submit() -> Text:
    return _msg(1070005, "Submit", "info")


def label_email() -> Text:
    return _msg(1070007, "Email", "info")


def resend_code() -> Text:
    return _msg(1070008, "Resend code", "info")


def label_continue() -> Text:
    return _msg(1070009, "Continue", "info")


def label_code(kind: str) -> Text:
    """1070010 "Recovery code", 1070011 "Verification code"."""
    if kind == "recovery":
        return _msg(1070010, "Recovery code", "info")
    return _msg(1070011, "Verification code", "info")


def code_invalid(kind: str) -> Text:
    """4060006 / 4070006: a wrong, used or expired code."""
    ident = 4060006 if kind == "recovery" else 4070006
    return _msg(ident, f"The {kind} code is invalid or has already been used. Please try again.")


def token_invalid(kind: str) -> Text:
    """4060004 / 4070001: a wrong, used or expired link."""
    ident = 4060004 if kind == "recovery" else 4070001
    return _msg(
        ident, f"The {kind} token is invalid or has already been used. Please retry the flow."
    )


def retry_success(kind: str) -> Text:
    """4060001 / 4070002: the flow already succeeded."""
    ident = 4060001 if kind == "recovery" else 4070002
    return _msg(ident, "The request was already completed successfully and can not be retried.")


def no_address_strategy(kind: str) -> Text:
    """4010005 (recovery) / 4010006 (verification)."""
    ident = 4010005 if kind == "recovery" else 4010006
    verb = "recover your account" if kind == "recovery" else "verify your account"
    return _msg(
        ident, f"Could not find a strategy to {verb} with. Did you fill out the form correctly?"
    )


# --- passwordless login by code (decision 0023) ----------------------------------------------


def send_sign_in_code() -> Text:
    return _msg(1010015, "Send sign in code", "info")


def login_code_sent() -> Text:
    return _msg(
        1010014,
        "A code was sent to the address you provided. If you didn't receive it, please check "
        "the spelling of the address and try again.",
        "info",
    )


def label_login_code() -> Text:
    return _msg(1070013, "Login code", "info")


def login_code_invalid() -> Text:
    return _msg(4010008, "The login code is invalid or has already been used. Please try again.")


def no_code_user() -> Text:
    return _msg(4000035, "This account does not exist or has not setup sign in with code.")


# --- registration by code (decision 0032) ------------------------------------------------


def sign_up_with_code() -> Text:
    return _msg(1040006, "Sign up with code", "info")


def registration_code_sent() -> Text:
    return _msg(
        1040005,
        "A code has been sent to the address(es) you provided. If you have not received an "
        "message, check the spelling of the address and retry the registration.",
        "info",
    )


def label_registration_code() -> Text:
    return _msg(1070012, "Registration code", "info")


def registration_code_invalid() -> Text:
    return _msg(
        4040003, "The registration code is invalid or has already been used. Please try again."
    )
