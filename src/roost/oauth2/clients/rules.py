"""Client validation that needs the server: subject types offered and ``sector_identifier_uri``.

:func:`roost.oauth2.clients.model.validate` checks a body on its own; these
rules add what depends on configuration and the network, as Hydra's
``client/validator.go`` does:

- ``subject_type`` must be one of ``oidc.subject_identifiers.supported_types``;
  a client without one gets ``public`` when offered, else the first type.
- ``sector_identifier_uri`` (OIDC Core §8.1) must be an ``https`` URL whose
  document is a non-empty JSON array of URIs containing every redirect URI of
  the client. It is fetched on each create and update (5 s, at most 5 MiB,
  no redirects followed); a failure is ``invalid_client_metadata``.
"""

from __future__ import annotations

import json
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from roost.oauth2.clients.model import Client, InvalidClientMetadata, validate

MAX_SECTOR_DOCUMENT = 5 << 20


class Fetch(Protocol):
    async def __call__(self, url: str, limit: int) -> bytes:
        """The body of ``GET url`` (at most ``limit`` bytes); OSError when it cannot be had."""
        ...


async def http_fetch(url: str, limit: int) -> bytes:
    """:class:`Fetch` over httpx: 200 only, no redirects, the body cut at ``limit``."""
    try:
        async with (
            httpx.AsyncClient(timeout=5, follow_redirects=False) as http,
            http.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise OSError(f"status {response.status_code}")
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise OSError("document too large")
            return body
    except httpx.HTTPError as exc:
        raise OSError(type(exc).__name__) from exc


class ClientRules:
    def __init__(
        self, *, default_scope: tuple[str, ...], subject_types: tuple[str, ...], fetch: Fetch
    ) -> None:
        self.default_scope = default_scope
        self.subject_types = subject_types
        self.fetch = fetch

    async def validate(
        self, body: Any, *, existing: Client | None = None
    ) -> tuple[dict[str, Any], str | None]:
        """The document (without secret) and the secret given, or InvalidClientMetadata."""
        doc, secret = validate(body, default_scope=self.default_scope, existing=existing)
        self._subject_type(doc)
        if doc.get("sector_identifier_uri"):
            await self._sector(doc["sector_identifier_uri"], list(doc["redirect_uris"]))
        return doc, secret

    def _subject_type(self, doc: dict[str, Any]) -> None:
        supported = self.subject_types
        given = doc.get("subject_type") or ""
        if not given:
            doc["subject_type"] = "public" if "public" in supported else supported[0]
        elif given not in supported:
            raise InvalidClientMetadata(
                f"Subject type {given} is not supported by server, only "
                f"[{' '.join(supported)}] are allowed."
            )

    async def _sector(self, uri: str, redirect_uris: list[str]) -> None:
        if urlsplit(uri).scheme != "https":
            raise InvalidClientMetadata("Value sector_identifier_uri must be an HTTPS URL.")
        try:
            body = await self.fetch(uri, MAX_SECTOR_DOCUMENT)
        except OSError:
            raise InvalidClientMetadata(
                "Unable to connect to URL set by sector_identifier_uri."
            ) from None
        try:
            listed = json.loads(body)
        except ValueError:
            listed = None
        if not isinstance(listed, list) or not all(isinstance(u, str) for u in listed):
            raise InvalidClientMetadata(
                "Unable to decode values from sector_identifier_uri: a JSON array of URIs is "
                "expected."
            )
        if not listed:
            raise InvalidClientMetadata("Array from sector_identifier_uri contains no items.")
        for redirect in redirect_uris:
            if redirect not in listed:
                raise InvalidClientMetadata(
                    f'Redirect URL "{redirect}" does not match values from sector_identifier_uri.'
                )
