"""TOTP keys and codes (``selfservice/strategy/totp``), with ``pyotp`` and ``segno``.

Keys are 160 random bits (RFC 4226's recommendation, as Kratos's
``secretSize``), six digits, 30-second steps. A code is accepted for the
current step or the one before or after (clock drift), and only for a step
later than the last one accepted, so a code cannot be replayed.
"""

from __future__ import annotations

import hmac
import time

import pyotp
import segno

WINDOW = 1
"""Steps accepted either side of now."""


def new_secret() -> str:
    return pyotp.random_base32(32)


def key_url(secret: str, issuer: str, account: str) -> str:
    """The ``otpauth://`` URL authenticator apps read (Kratos's ``totp_url``)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer or None)


def qr_data_uri(url: str) -> str:
    """The key URL as a PNG QR code in a ``data:`` URI (Kratos's ``totp_qr`` image)."""
    return segno.make(url, error="m").png_data_uri(scale=6, border=2)


def secret_of(url: str) -> str:
    return pyotp.parse_uri(url).secret


def accepted_step(secret: str, code: str, last_step: int, at: float | None = None) -> int | None:
    """The step ``code`` is valid for (within the window, after ``last_step``), else None."""
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int((time.time() if at is None else at) // totp.interval)
    found = None
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and step > last_step:
            found = step
    return found
