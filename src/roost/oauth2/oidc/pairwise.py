"""Subject identifier types (OpenID Connect Core §8): ``public`` and ``pairwise``.

A ``pairwise`` client sees ``sub = hex(SHA-256(sector || subject || salt))``
(§8.1), where the sector is the client's ``sector_identifier_uri`` as written,
else the host of its only redirect URI — Hydra's computation exactly, so a
deployment moving from Hydra keeps its pairwise identifiers. A pairwise client
with several redirect URIs and no sector identifier URI is refused at
authorization, as Hydra refuses it. ``force_subject_identifier`` from the
login accept replaces the computed value.

The pairwise value is the ID token's and userinfo's ``sub`` (and
introspection's ``obfuscated_subject``); access tokens, consents and login
sessions keep the real subject, as in Hydra. The salt is a configuration
secret; it never leaves the process.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import InvalidRequest

PUBLIC, PAIRWISE = "public", "pairwise"


def pairwise_subject(salt: str, subject: str, client: Client) -> str:
    """§8.1 with Hydra's choice of sector; :class:`InvalidRequest` when there is none."""
    sector = str(client.doc.get("sector_identifier_uri") or "")
    redirects = list(client.doc.get("redirect_uris") or [])
    if not sector and len(redirects) > 1:
        raise InvalidRequest(
            f"OAuth 2.0 Client {client.id} has multiple redirect_uris but no "
            "sector_identifier_uri was set which is not allowed when performing using subject "
            "type pairwise. Please reconfigure the OAuth 2.0 client properly."
        )
    if not sector and not redirects:
        raise InvalidRequest(
            f"OAuth 2.0 Client {client.id} neither specifies a sector_identifier_uri nor a "
            "redirect_uri which is not allowed when performing using subject type pairwise. "
            "Please reconfigure the OAuth 2.0 client properly."
        )
    sector = sector or urlsplit(str(redirects[0])).netloc.rpartition("@")[2]
    return hashlib.sha256(f"{sector}{subject}{salt}".encode()).hexdigest()


class SubjectIdentifiers:
    """``oidc.subject_identifiers``: the types this server offers and the pairwise salt."""

    def __init__(self, supported: tuple[str, ...] = (PUBLIC,), salt: str = "") -> None:
        self.supported = supported
        self.salt = salt

    def default_type(self) -> str:
        """A client registered without ``subject_type`` gets ``public`` if offered (Hydra)."""
        return PUBLIC if PUBLIC in self.supported else self.supported[0]

    def for_client(self, client: Client, subject: str, forced: str = "") -> str:
        """The ``sub`` this client sees for ``subject``."""
        if client.doc.get("subject_type") != PAIRWISE:
            return subject
        if PAIRWISE not in self.supported:
            raise InvalidRequest(
                f"Subject Identifier Algorithm 'pairwise' was requested by OAuth 2.0 Client "
                f"'{client.id}' but is not configured."
            )
        return forced or pairwise_subject(self.salt, subject, client)
