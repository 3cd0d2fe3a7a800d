"""Authenticator assurance levels (``session/session.go``, ``identity.SetAvailableAAL``).

A session is ``aal2`` once its ``authentication_methods`` hold a first factor
and a second one, ``aal1`` with any method; an identity's *available* AAL is
``aal2`` once it has a second-factor credential. ``required_aal:
highest_available`` (whoami, settings) refuses an ``aal1`` session of an
identity that could do better, with Kratos's 403 ``session_aal2_required``
naming the step-up login the browser should go to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from roost.core.errors import Invalid
from roost.identity.errors import KratosError
from roost.identity.identities.model import ts

SECOND_FACTORS = frozenset(("totp", "lookup_secret", "webauthn"))
"""Credential types that are a second factor (``identity.CredentialsTypeTOTP``...)."""
HIGHEST = "highest_available"


def available_aal(
    credentials: Mapping[str, Any] | Iterable[str], code_mfa: bool = False
) -> str | None:
    """The identity's ``available_aal`` column: aal2 with a second factor, aal1 with a first.
    With ``code_mfa`` (``methods.code.mfa_enabled``) a ``code`` credential holding an address
    is a second factor, as Kratos's ``CountActiveMultiFactorCredentials`` counts it."""
    kinds = set(credentials)
    code = credentials.get("code") if isinstance(credentials, Mapping) else None
    if kinds & SECOND_FACTORS or (code_mfa and code_addresses(code)):
        return "aal2"
    return "aal1" if kinds else None


def code_addresses(credential: Any) -> list[tuple[str, str]]:
    """``(channel, address)`` of a ``code`` credential's ``addresses`` (Kratos's shape)."""
    config = getattr(credential, "config", None)
    found = config.get("addresses") if isinstance(config, dict) else None
    return [
        (str(a.get("channel") or "email"), a["address"])
        for a in found or []
        if isinstance(a, dict) and isinstance(a.get("address"), str) and a["address"]
    ]


def identity_aal(identity: Any, code_mfa: bool) -> str | None:
    """The identity's available AAL, recounted from its credentials unless the stored
    column says aal2 already (``DoesSessionSatisfy``'s order)."""
    stored: str | None = identity.available_aal
    if stored == "aal2" or not identity.credentials:
        return stored
    return available_aal(identity.credentials, code_mfa)


def session_aal(methods: Iterable[Mapping[str, Any]]) -> str:
    """``SetAuthenticatorAssuranceLevel``: aal2 needs an aal1 and an aal2 method."""
    levels = {m.get("aal") for m in methods}
    if {"aal1", "aal2"} <= levels:
        return "aal2"
    return "aal1" if levels else "aal0"


def method(name: str, aal: str, at: datetime) -> dict[str, Any]:
    """One ``authentication_methods`` entry."""
    return {"method": name, "aal": aal, "completed_at": ts(at)}


def satisfied(required: str, session_level: str, identity_level: str | None) -> bool:
    """Whether a session meets ``required`` (``aal1`` always; else the identity's highest)."""
    return required != HIGHEST or session_level == "aal2" or identity_level != "aal2"


def step_up_url(
    public_url: str, return_to: str | None = None, login_challenge: str | None = None
) -> str:
    """The aal2 login, carrying ``return_to`` and Hydra's challenge on (Kratos's
    ``PassReturnToAndLoginChallengeParameters``)."""
    params = {"aal": "aal2"}
    if login_challenge:
        params["login_challenge"] = login_challenge
    if return_to:
        params["return_to"] = return_to
    return f"{public_url}/self-service/login/browser?{urlencode(params)}"


def aal2_required(redirect_to: str) -> KratosError:
    """``NewErrAALNotSatisfied``: 403 with ``redirect_browser_to`` beside the error."""
    return KratosError(
        403,
        "session_aal2_required",
        "An active session was found but it does not fulfill the requested Authenticator "
        "Assurance Level. Please verify yourself with a second factor to resolve this issue.",
        message="Session does not fulfill the requested Authenticator Assurance Level",
        details={"redirect_browser_to": redirect_to},
        extra={"redirect_browser_to": redirect_to},
    )


def aal1_required() -> KratosError:
    """``ErrSessionRequiredForHigherAAL``: aal2 asked for without a session."""
    return KratosError(
        401,
        "session_aal1_required",
        "You can not requested a higher AAL (AAL2/AAL3) without an active session.",
        message="aal2 and aal3 can only be requested if a session exists already",
    )


def requested(value: str | None) -> str:
    """A login init's ``aal`` query parameter (empty → aal1), or Kratos's 400."""
    if value in (None, "", "aal1"):
        return "aal1"
    if value == "aal2":
        return "aal2"
    raise Invalid(
        "Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of "
        f"[aal1, aal2] but got {value[:16]!r}"
    )
