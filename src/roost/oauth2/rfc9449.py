"""DPoP (RFC 9449): access tokens bound to a key the client proves it holds.

Beyond Hydra (v2.3.0 has no DPoP), off unless ``oauth2.dpop.enabled``; while
off, a ``DPoP`` header is ignored (as Hydra ignores it) and ``dpop_jkt`` is an
unknown authorization parameter like any other.

While on, a token request may carry one ``DPoP`` header: a JWT (§4.2) with
``typ: dpop+jwt``, an asymmetric ``alg`` of ``oauth2.dpop.algorithms`` and the
public key in ``jwk``, claiming ``jti``, ``htm``, ``htu`` and ``iat``.
:meth:`DPoP.verify` runs §4.3's checks (signature with joserfc, no private
key members, method and URL, ``iat`` within ``proof_lifetime`` and
``clock_skew``, ``ath`` at a resource) and records the proof's ``jti`` per key
(:class:`ProofReplays`), so a proof works once, concurrent replays included.
The key's RFC 7638 thumbprint (``jkt``, from joserfc) then binds what is
issued: the access token (``token_type: DPoP``, ``cnf.jkt`` in JWT access
tokens and introspection) and, for public clients only (§5), the refresh
token. A code asked for with ``dpop_jkt`` (§10) is redeemed only with a proof
of that key.

A proof is required for every client with ``required``, or for one client
whose ``metadata`` has ``dpop_bound_access_tokens: true`` (§5.2's client
metadata; Hydra's client document has no such field, see decision 0034).
Server nonces (§8) are not offered: the replay cache and the short ``iat``
window already refuse replays, without a round trip more per token request.

Errors: ``invalid_dpop_proof`` (400) at the token endpoint (§5); at the
resource (``/userinfo``), 401 with ``WWW-Authenticate: DPoP error=...`` (§7.1).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry

from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import InvalidRequest, OAuth2Error

TYP = "dpop+jwt"
MAX_PROOF = 8192
"""Bytes a proof may take (an RSA-4096 key and its signature fit with room to spare)."""
MAX_JTI = 512
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
KEY_TYPES = frozenset({"EC", "RSA", "OKP"})
JKT = re.compile(r"^[A-Za-z0-9_-]{43}$")
"""A base64url SHA-256 thumbprint (RFC 7638 with SHA-256: 32 bytes, 43 characters)."""


class InvalidDPoPProof(OAuth2Error):
    """§5, §7.1: the DPoP proof is missing, malformed, replayed or for another request."""

    error, status = "invalid_dpop_proof", 400
    description = "The DPoP proof is invalid."


class InvalidToken(OAuth2Error):
    """RFC 6750 §3.1 at a protected resource, with the DPoP challenge of §7.1."""

    error, status = "invalid_token", 401
    description = (
        "The access token provided is expired, revoked, malformed, or invalid for other reasons."
    )


class ProofRegistry(jws.JWSRegistry):
    """joserfc's limits, with room in the header for the public key (an RSA-4096 ``jwk``
    does not fit joserfc's default 512 bytes)."""

    max_header_length = 4096
    max_payload_length = 2048
    max_signature_length = 1024


class ProofReplays(Protocol):
    async def first_use(self, signature: str, expires_at: datetime) -> bool:
        """Record a proof; False when it was recorded before (a replay)."""
        ...


@dataclass(frozen=True)
class DPoPPolicy:
    enabled: bool = False
    required: bool = False
    algorithms: tuple[str, ...] = ("ES256",)
    lifetime: timedelta = timedelta(seconds=60)
    skew: timedelta = timedelta(seconds=10)


def client_requires_dpop(client: Client) -> bool:
    metadata = client.doc.get("metadata")
    return isinstance(metadata, dict) and metadata.get("dpop_bound_access_tokens") is True


def access_token_hash(token: str) -> str:
    """§4.2 ``ath``: the base64url SHA-256 of the access token's ASCII bytes."""
    digest = hashlib.sha256(token.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _endpoint(url: str) -> tuple[str, str, int | None, str] | None:
    """A URL as §4.3 compares it: scheme and host case-insensitive, default port
    dropped, query and fragment ignored (RFC 3986 §6.2.2-6.2.3)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if port == {"https": 443, "http": 80}.get(scheme):
        port = None
    return scheme, (parts.hostname or "").lower(), port, parts.path or "/"


def _number(value: Any) -> float | None:
    """A NumericDate (RFC 7519 §2): a finite number (JSON's ``NaN`` is not one)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


class DPoP:
    """The verifier of §4.3, with the replay cache of §11.1."""

    def __init__(self, policy: DPoPPolicy, replays: ProofReplays, base_urls: Sequence[str]) -> None:
        self.policy = policy
        self.replays = replays
        self.bases = tuple(dict.fromkeys(u.rstrip("/") for u in base_urls))
        self.registry = ProofRegistry(algorithms=policy.algorithms)

    @property
    def enabled(self) -> bool:
        return self.policy.enabled

    def urls(self, path: str) -> tuple[str, ...]:
        """The URLs under which this server serves ``path`` (public URL and issuer)."""
        return tuple(base + path for base in self.bases)

    async def token_request(
        self, proofs: Sequence[str], client: Client, path: str = "/oauth2/token"
    ) -> str | None:
        """The ``jkt`` to bind the tokens of a token (or PAR) request to, if any.

        None while DPoP is off (the header is ignored) or when the request has
        no proof and neither the server nor the client requires one.
        """
        if not self.policy.enabled:
            return None
        if not proofs:
            if self.policy.required or client_requires_dpop(client):
                raise InvalidDPoPProof("A DPoP proof is required for this client.")
            return None
        return await self.verify(proofs, "POST", self.urls(path))

    async def bind_pushed(self, proofs: Sequence[str], params: dict[str, str]) -> None:
        """§10.1: a proof sent with a pushed request binds its code as ``dpop_jkt`` does
        (and must be of the same key when both are given)."""
        if not self.policy.enabled or not proofs:
            return
        jkt = await self.verify(proofs, "POST", self.urls("/oauth2/par"))
        given = params.get("dpop_jkt")
        if given and not same_key(given, jkt):
            raise InvalidDPoPProof("The 'dpop_jkt' parameter is not the DPoP proof's key.")
        params["dpop_jkt"] = jkt

    async def verify(
        self,
        proofs: Sequence[str],
        method: str,
        urls: Sequence[str],
        access_token: str | None = None,
        error: type[OAuth2Error] = InvalidDPoPProof,
    ) -> str:
        """§4.3: the thumbprint of the key that signed the one valid, fresh proof."""
        if len(proofs) != 1:
            raise error("Exactly one DPoP header is expected.")
        proof = proofs[0]
        if len(proof) > MAX_PROOF or proof.count(".") != 2:
            raise error("The DPoP proof is not a compact JWT.")
        key, alg = self._key(proof, error)
        try:
            token = jwt.decode(proof, key, algorithms=[alg], registry=self.registry)
            claims = dict(token.claims)
        except (JoseError, ValueError, TypeError) as exc:
            raise error("The DPoP proof's signature does not verify.") from exc
        self._claims(claims, method, urls, access_token, error)
        jkt: str = key.thumbprint()
        iat = _number(claims["iat"]) or 0.0
        expires = datetime.fromtimestamp(iat, UTC).replace(tzinfo=None) + (
            self.policy.lifetime + 2 * self.policy.skew
        )
        seen = hashlib.sha256(f"{jkt}:{claims['jti']}".encode("utf-8", "surrogatepass"))
        if not await self.replays.first_use(seen.hexdigest(), expires):
            raise error("The DPoP proof was used before.")
        return jkt

    def _key(self, proof: str, error: type[OAuth2Error]) -> tuple[Any, str]:
        """§4.3 checks 3-7 on the header: type, algorithm, a public key only."""
        try:
            encoded = proof.encode("ascii")
            header = jws.extract_compact(encoded, registry=self.registry).headers()
        except (JoseError, ValueError, TypeError, UnicodeError) as exc:
            raise error("The DPoP proof is not a compact JWT.") from exc
        if header.get("typ") != TYP:
            raise error(f"The DPoP proof's 'typ' must be '{TYP}'.")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.policy.algorithms:
            raise error("The DPoP proof's 'alg' is not an allowed asymmetric algorithm.")
        jwk = header.get("jwk")
        if not isinstance(jwk, dict) or jwk.get("kty") not in KEY_TYPES:
            raise error("The DPoP proof's 'jwk' header must be a public EC, RSA or OKP key.")
        if PRIVATE_MEMBERS & set(jwk):
            raise error("The DPoP proof's 'jwk' header must not contain a private key.")
        try:
            key = JWKRegistry.import_key(jwk)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise error("The DPoP proof's 'jwk' header is not a valid key.") from exc
        if key.is_private:
            raise error("The DPoP proof's 'jwk' header must not contain a private key.")
        return key, alg

    def _claims(
        self,
        claims: dict[str, Any],
        method: str,
        urls: Sequence[str],
        access_token: str | None,
        error: type[OAuth2Error],
    ) -> None:
        """§4.3 checks 3, 8, 9, 11 and 12 on the claims."""
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI:
            raise error("The DPoP proof must have a 'jti' of at most 512 characters.")
        if claims.get("htm") != method:
            raise error("The DPoP proof's 'htm' does not match the request's method.")
        htu = claims.get("htu")
        wanted = {_endpoint(u) for u in urls}
        if not isinstance(htu, str) or _endpoint(htu) is None or _endpoint(htu) not in wanted:
            raise error("The DPoP proof's 'htu' does not match the request's URL.")
        iat = _number(claims.get("iat"))
        now = time.time()
        lifetime, skew = self.policy.lifetime.total_seconds(), self.policy.skew.total_seconds()
        if iat is None or iat > now + skew or iat < now - lifetime - skew:
            raise error("The DPoP proof's 'iat' is missing, too old or in the future.")
        if access_token is not None:
            ath = claims.get("ath")
            expected = access_token_hash(access_token)
            if not isinstance(ath, str) or not hmac.compare_digest(
                ath.encode("ascii", "replace"), expected.encode()
            ):
                raise error("The DPoP proof's 'ath' does not match the access token.")


@dataclass(frozen=True)
class Presented:
    """An access token as a request to a protected resource carries it (§7)."""

    token: str
    scheme: str  # "dpop" (``Authorization: DPoP``), else "bearer" (RFC 6750)
    proofs: tuple[str, ...] = ()
    method: str = "GET"
    path: str = "/userinfo"


def presented(authorization: str | None, form: dict[str, str], dpop: bool) -> tuple[str, str]:
    """The scheme and token of RFC 6750 §2.1 (header) or §2.2 (form body), and §7.1's
    ``DPoP`` scheme while DPoP is on (while off it is no token at all, as in Hydra)."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return "bearer", value.strip()
    if dpop and scheme.lower() == "dpop" and value.strip():
        return "dpop", value.strip()
    return "bearer", form.get("access_token", "")


def challenge(exc: OAuth2Error, algorithms: Sequence[str]) -> OAuth2Error:
    """§7.1: the resource's 401 with ``WWW-Authenticate: DPoP error=..., algs=...``."""
    exc.status = 401
    desc = exc.hint.replace("\\", "").replace('"', "'")
    exc.challenge = (
        f'DPoP error="{exc.error}", error_description="{desc}", algs="{" ".join(algorithms)}"'
    )
    return exc


async def check_resource(dpop: DPoP, request: Presented, bound: str | None) -> None:
    """§7: a DPoP token only with a fresh proof of its key over this request and token;
    a DPoP-bound token never as a bearer token (§7.2)."""
    algs = dpop.policy.algorithms
    if request.scheme != "dpop":
        if bound is not None:
            raise challenge(
                InvalidToken("The access token is DPoP-bound: send it with the DPoP scheme."), algs
            )
        return
    try:
        jkt = await dpop.verify(
            request.proofs, request.method, dpop.urls(request.path), access_token=request.token
        )
    except InvalidDPoPProof as exc:
        raise challenge(exc, algs) from exc
    if not same_key(bound, jkt):
        raise challenge(
            InvalidToken("The access token is not bound to the DPoP proof's key."), algs
        )


def check_jkt(params: dict[str, str], enabled: bool) -> str:
    """§10: the authorization request's ``dpop_jkt`` (ignored while DPoP is off)."""
    value = params.get("dpop_jkt", "") if enabled else ""
    if value and not JKT.match(value):
        raise InvalidRequest("The 'dpop_jkt' parameter must be a base64url SHA-256 thumbprint.")
    return value


def same_key(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a.encode(), b.encode())
