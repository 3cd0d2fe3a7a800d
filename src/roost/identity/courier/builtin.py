"""Roost's built-in message texts (Jinja2), one set per Kratos template type.

The model handed to every template carries Kratos's field names (``To``,
``Identity``, ``RecoveryCode``, ``VerificationURL``, ``ExpiresInMinutes``...),
so an override reads ``{{ RecoveryCode }}`` where Kratos's Go template reads
``{{ .RecoveryCode }}``. Keys: ``subject``, ``plaintext``, ``html``.
"""

from __future__ import annotations

_FOOTER = "\n\nThis code expires in {{ ExpiresInMinutes }} minutes.\n"

_UNKNOWN = (
    "Hi,\n\nsomeone asked to {action} the account of this e-mail address, but there is "
    "no account for it here, so nothing happened.\n\nIf this was not you, you can ignore "
    "this e-mail.\n"
)


def _html(text: str) -> str:
    """A plain HTML rendering of a plaintext template (autoescaped when rendered)."""
    paragraphs = [p for p in text.strip().split("\n\n") if p]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


_TEXTS: dict[str, tuple[str, str]] = {
    "recovery_code_valid": (
        "Recover access to your account",
        "Hi,\n\nto recover access to your account, enter this code:\n\n{{ RecoveryCode }}"
        + _FOOTER,
    ),
    "recovery_code_invalid": ("Account access attempted", _UNKNOWN.format(action="recover")),
    "recovery_valid": (
        "Recover access to your account",
        "Hi,\n\nto recover access to your account, open this link:\n\n{{ RecoveryURL }}"
        + _FOOTER.replace("code", "link"),
    ),
    "recovery_invalid": ("Account access attempted", _UNKNOWN.format(action="recover")),
    "verification_code_valid": (
        "Use code {{ VerificationCode }} to verify your account",
        "Hi,\n\nto verify your account, enter this code:\n\n{{ VerificationCode }}\n\n"
        "or open this link:\n\n{{ VerificationURL }}" + _FOOTER,
    ),
    "verification_code_invalid": (
        "Someone tried to verify this email address",
        _UNKNOWN.format(action="verify"),
    ),
    "verification_valid": (
        "Please verify your email address",
        "Hi,\n\nto verify your account, open this link:\n\n{{ VerificationURL }}"
        + _FOOTER.replace("code", "link"),
    ),
    "verification_invalid": (
        "Someone tried to verify this email address",
        _UNKNOWN.format(action="verify"),
    ),
    "login_code_valid": (
        "Login to your account",
        "Hi,\n\nto sign in, enter this code:\n\n{{ LoginCode }}" + _FOOTER,
    ),
    "registration_code_valid": (
        "Complete your account registration",
        "Hi,\n\nto finish signing up, enter this code:\n\n{{ RegistrationCode }}" + _FOOTER,
    ),
    "stub": ("Test stub {{ Subject }}", "stub body {{ Body }}\n"),
}

BUILTIN: dict[str, dict[str, str]] = {
    kind: {"subject": subject, "plaintext": body, "html": _html(body)}
    for kind, (subject, body) in _TEXTS.items()
}
