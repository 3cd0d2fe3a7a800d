"""Proof Key for Code Exchange (RFC 7636), as fosite's PKCE handler applies it.

At the authorization endpoint (§4.3) the challenge and its method are checked
and, with ``oauth2.pkce.enforced`` (every client) or
``oauth2.pkce.enforced_for_public_clients``, required. At the token endpoint
(§4.6) the verifier must turn into the stored challenge.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from roost.oauth2.rfc6749.errors import InvalidGrant, InvalidRequest

METHODS = ("S256", "plain")
# §4.1: code_verifier = 43*128unreserved; §4.2: the challenge has the same alphabet and size.
_UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


@dataclass(frozen=True)
class PKCEPolicy:
    enforced: bool = False
    enforced_for_public_clients: bool = False


def check_challenge(
    challenge: str, method: str, *, public_client: bool, policy: PKCEPolicy
) -> tuple[str, str]:
    """The challenge and method to store (§4.3; ``plain`` when the method is absent)."""
    if not challenge:
        if policy.enforced or (public_client and policy.enforced_for_public_clients):
            who = "Clients" if policy.enforced else "Public clients"
            raise InvalidRequest(
                f"{who} must include a code_challenge when performing the authorize code flow, "
                "but it is missing."
            )
        if method:
            raise InvalidRequest("The code_challenge_method is set but code_challenge is missing.")
        return "", ""
    method = method or "plain"
    if method not in METHODS:
        raise InvalidRequest(
            f"The code_challenge_method '{method}' is not supported; use S256 or plain."
        )
    if not _UNRESERVED.match(challenge):
        raise InvalidRequest(
            "The code_challenge must be 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "
            "'-' / '.' / '_' / '~'."
        )
    return challenge, method


def transform(verifier: str, method: str) -> str:
    """§4.2: ``S256`` is BASE64URL(SHA256(ASCII(code_verifier))); ``plain`` is the verifier."""
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return verifier


def verify(verifier: str, challenge: str, method: str) -> None:
    """§4.6: the token request's verifier against the stored challenge; InvalidGrant if not."""
    if not challenge:
        if verifier:
            raise InvalidGrant(
                "The code_verifier was sent but the authorization request had no code_challenge."
            )
        return
    if not verifier:
        raise InvalidGrant("The PKCE code verifier must be included in the token request.")
    if not _UNRESERVED.match(verifier):
        raise InvalidGrant(
            "The PKCE code verifier must be 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "
            "'-' / '.' / '_' / '~'."
        )
    if not hmac.compare_digest(transform(verifier, method), challenge):
        raise InvalidGrant("The PKCE code challenge did not match the code verifier.")
