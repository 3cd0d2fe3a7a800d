"""Kratos's message ids as text, one catalogue per language (English shipped).

A catalogue maps a message id to a ``str.format`` template over the
message's ``context``; an unknown id falls back to the text Kratos sent, so
a new id never shows blank. The pages' own words (headings, links, scope
descriptions) sit beside them in ``WORDS``. Another language is one more
entry in ``CATALOGUES`` and ``WORDS``; a missing word falls back to English.
"""

from __future__ import annotations

from typing import Any

EN: dict[int, str] = {
    1010003: "Please confirm this action by verifying that it is you.",
    1010004: "Please complete the second authentication challenge.",
    1010006: "Authentication code",
    1010007: "Backup recovery code",
    1010009: "Use Authenticator",
    1010010: "Use backup recovery code",
    1010008: "Sign in with a security key",
    1010021: "Sign in with a passkey",
    1010022: "Sign in with your password",
    1010014: "A code has been sent to the address you provided.",
    1010015: "Sign in with code",
    1010023: "Send a code to {address}",
    1010025: "A code has been sent to your address. If it does not arrive, send another.",
    1040001: "Sign up",
    1040008: "Back",
    1050004: "Remove the authenticator app",
    1050006: "{secret}",
    1050008: "Create new backup codes",
    1050009: "{secret}",
    1050010: "Your backup codes: keep them somewhere safe; each works once.",
    1050011: "I have saved these codes",
    1050016: "Turn this method off",
    1050019: "Add a passkey",
    1050001: "Your changes have been saved.",
    1050005: "Authentication app QR code",
    1050012: "Add security key",
    1050013: "Name of the security key",
    1050017: "This is your authenticator app secret. Use it if you cannot scan the QR code.",
    1060001: "You successfully recovered your account. Choose a new password or sign-in method.",
    1060002: "An e-mail with a recovery code has been sent, if the address is registered.",
    1060003: "An e-mail containing a recovery code has been sent to the address you provided.",
    1070001: "Password",
    1070002: "{title}",
    1070003: "Save",
    1070004: "ID",
    1070005: "Submit",
    1070006: "Verify code",
    1070007: "E-mail",
    1070008: "Resend code",
    1070009: "Continue",
    1070010: "Recovery code",
    1070011: "Verification code",
    1070013: "Login code",
    1080001: "An e-mail with a verification code has been sent to the address you provided.",
    1080002: "You successfully verified your e-mail address.",
    1080003: "An e-mail containing a verification code has been sent to the address you provided.",
    4000001: "{reason}",
    4000002: "Property {property} is missing.",
    4000006: "The provided credentials are invalid; check for spelling mistakes.",
    4000008: "That authentication code is not right; please try again.",
    4000032: "The password must have at least {min_length} characters.",
    4000034: "This password appears in known data breaches; please choose another one.",
    4000007: "An account with the same identifier already exists.",
    4010001: "The sign-in flow expired; please try again.",
    4010002: "Could not find a strategy to sign you in. Did you fill out the form correctly?",
    4010008: "That code is not right or was used already; please try again.",
    4010010: "That address does not belong to this account.",
    4040001: "The registration flow expired; please try again.",
}

CATALOGUES: dict[str, dict[int, str]] = {"en": EN}

WORDS_EN: dict[str, str] = {
    "login": "Sign in",
    "login_for": "Sign in to continue to {client}",
    "second_factor": "Confirm it is you",
    "registration": "Create an account",
    "settings": "Account settings",
    "recovery": "Recover your account",
    "verification": "Verify your e-mail address",
    "logout": "Sign out",
    "error": "Something went wrong",
    "home": "Your account",
    "no_account": "New here?",
    "forgot": "Forgot your password?",
    "remember_me": "Keep me signed in on this device",
    "have_account": "Already have an account?",
    "group.password": "Password",
    "group.code": "One-time code by e-mail",
    "group.totp": "Authenticator app",
    "group.lookup_secret": "Backup codes",
    "group.webauthn": "Security key",
    "group.passkey": "Passkey",
    "group.profile": "Profile",
    "group.link": "E-mail link",
    "group.oidc": "Other providers",
    "scope.openid": "confirm who you are",
    "scope.offline_access": "stay connected when you are not using it",
    "scope.offline": "stay connected when you are not using it",
    "scope.email": "see your e-mail address",
    "scope.profile": "see your profile",
}

WORDS: dict[str, dict[str, str]] = {"en": WORDS_EN}


def words(language: str = "en") -> dict[str, str]:
    """The pages' own words in ``language``, English where a word is not translated."""
    return {**WORDS_EN, **WORDS.get(language, {})}


class _Context(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def text(message: dict[str, Any], language: str = "en") -> str:
    """The words to show for one Kratos UI message (or a node's label)."""
    template = CATALOGUES.get(language, EN).get(int(message.get("id") or 0))
    fallback = str(message.get("text", ""))
    if template is None:
        return fallback
    rendered = template.format_map(_Context(message.get("context") or {}))
    return rendered or fallback


def humane(name: str) -> str:
    """A label for a node Kratos sent without one: ``traits.name.first`` reads "First"."""
    last = name.rsplit(".", 1)[-1].replace("_", " ").strip()
    return last[:1].upper() + last[1:]


def web_url(url: object, *, image: bool = False) -> str:
    """``url`` if a browser may follow it from our pages (http or https; for images also
    an inline ``data:image/`` such as the TOTP QR code), else "": client metadata and
    node attributes never put ``javascript:`` into a link."""
    text = str(url or "").strip()
    lowered = text.lower()
    if lowered.startswith(("https://", "http://")):
        return text
    if image and lowered.startswith("data:image/"):
        return text
    return ""
