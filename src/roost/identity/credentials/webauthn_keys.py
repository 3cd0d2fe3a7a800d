"""WebAuthn ceremonies for ``webauthn`` and ``passkey`` over ``py_webauthn``.

The library builds the options and verifies attestations and assertions
(client data, origin, RP id hash, flags, signature, COSE key); this module
only turns its results into the credential entries Roost stores — the
credential id, COSE public key and sign count, base64url — and back. The
challenge of a ceremony lives in the flow that showed the options.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from roost.identity.identities.model import now, ts

_REFUSED = (WebAuthnException, ValueError, KeyError, TypeError, AttributeError, IndexError)
"""What a malformed or forged browser response raises inside the library."""


class CeremonyFailed(Exception):
    """The browser's response did not verify (the library's reason is not shown)."""


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origins: tuple[str, ...]


def _descriptors(entries: list[dict[str, Any]]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(e["id"])) for e in entries]


def registration_options(
    rp: RelyingParty,
    user_handle: bytes,
    user_name: str,
    existing: list[dict[str, Any]],
    *,
    resident: bool,
) -> tuple[str, str]:
    """``{"publicKey": ...}`` as the UI's script takes it, and the challenge (base64url)."""
    selection = AuthenticatorSelectionCriteria(
        resident_key=ResidentKeyRequirement.REQUIRED
        if resident
        else ResidentKeyRequirement.DISCOURAGED,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user_name,
        user_id=user_handle,
        exclude_credentials=_descriptors(existing),
        authenticator_selection=selection,
    )
    shown = json.dumps({"publicKey": json.loads(options_to_json(options))})
    return shown, bytes_to_base64url(options.challenge)


def authentication_options(rp: RelyingParty, allowed: list[dict[str, Any]]) -> tuple[str, str]:
    """Assertion options (``allowed`` empty: discoverable credentials, for passkeys)."""
    options = generate_authentication_options(
        rp_id=rp.id,
        allow_credentials=_descriptors(allowed) if allowed else None,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    shown = json.dumps({"publicKey": json.loads(options_to_json(options))})
    return shown, bytes_to_base64url(options.challenge)


def registered(
    rp: RelyingParty, response: str, challenge: str, display_name: str, passwordless: bool
) -> dict[str, Any]:
    """The stored entry of a verified attestation, or CeremonyFailed."""
    try:
        verified = verify_registration_response(
            credential=response,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
        )
    except _REFUSED as exc:
        raise CeremonyFailed() from exc
    return {
        "id": bytes_to_base64url(verified.credential_id),
        "public_key": bytes_to_base64url(verified.credential_public_key),
        "sign_count": verified.sign_count,
        "aaguid": verified.aaguid,
        "attestation_type": str(getattr(verified.fmt, "value", verified.fmt)),
        "display_name": display_name,
        "added_at": ts(now()),
        "is_passwordless": passwordless,
    }


def credential_id(response: str) -> str | None:
    """The credential id (base64url) an assertion names, before it is verified."""
    try:
        raw = json.loads(response)
        value = raw.get("rawId") or raw.get("id")
        return bytes_to_base64url(base64url_to_bytes(value)) if isinstance(value, str) else None
    except (ValueError, TypeError, AttributeError):
        return None


def user_handle(response: str) -> bytes | None:
    """The user handle a discoverable credential's assertion carries (passkeys)."""
    try:
        handle = json.loads(response)["response"]["userHandle"]
        return base64url_to_bytes(handle) if isinstance(handle, str) and handle else None
    except (ValueError, TypeError, KeyError):
        return None


def asserted(rp: RelyingParty, response: str, challenge: str, entry: dict[str, Any]) -> int:
    """The new sign count of a verified assertion by ``entry``, or CeremonyFailed (also on a
    sign count that did not grow: a cloned authenticator)."""
    try:
        verified = verify_authentication_response(
            credential=response,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            credential_public_key=base64url_to_bytes(entry["public_key"]),
            credential_current_sign_count=int(entry.get("sign_count") or 0),
        )
    except _REFUSED as exc:
        raise CeremonyFailed() from exc
    return int(verified.new_sign_count)
