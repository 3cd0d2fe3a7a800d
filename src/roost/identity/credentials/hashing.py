"""Password hashing and the hash formats Kratos accepts on import.

New passwords are hashed with the configured hasher: bcrypt (cost 12 by
default, Kratos's default) or argon2id, both through their reference
libraries. Imported hashes are compared with the library of their family:
bcrypt (``$2a$``/``$2b$``/``$2y$``), argon2id/argon2i (PHC strings),
``$pbkdf2-sha*$``, ``$scrypt$``, plain ``$md5$`` and LDAP ``{SSHA*}``. All digest comparisons
are constant-time. Hashing is CPU-heavy and synchronous here; callers run it
off the event loop (``PasswordHasher.hash_async`` / ``verify_async``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import re
import secrets
from concurrent.futures import ThreadPoolExecutor

import argon2
import bcrypt
from argon2.low_level import Type, verify_secret

from roost.identity.config import HasherConfig

BCRYPT_MAX_BYTES = 72
_PBKDF2 = re.compile(
    r"^\$pbkdf2-(sha1|sha224|sha256|sha384|sha512)\$i=(\d+),l=(\d+)\$([^$]+)\$([^$]+)$"
)
_SCRYPT = re.compile(r"^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$")
_ARGON2 = re.compile(r"^\$argon2(id|i)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[^$]+\$[^$]+$")
_BCRYPT = re.compile(r"^\$2[abxyz]?\$\d{2}\$[./A-Za-z0-9]{53}$")
_MD5 = re.compile(r"^\$md5\$([A-Za-z0-9+/]+=*)$")
_SSHA = {"{SSHA}": "sha1", "{SSHA256}": "sha256", "{SSHA512}": "sha512"}
_MAX_SCRYPT_MEMORY = 1 << 30
_MAX_PBKDF2_ITERATIONS = 10_000_000


def _b64(data: str) -> bytes:
    """Standard or raw-standard base64 (Kratos writes both, depending on the family)."""
    return base64.b64decode(data + "=" * (-len(data) % 4), validate=True)


def is_valid_hash_format(hashed: str) -> bool:
    """Whether ``hashed`` is a format Kratos accepts on import (``IsValidHashFormat``)."""
    if _BCRYPT.match(hashed) or _ARGON2.match(hashed):
        return True
    for pattern in (_PBKDF2, _SCRYPT):
        m = pattern.match(hashed)
        if m:
            try:
                _b64(m.group(m.lastindex or 0))
                _b64(m.group((m.lastindex or 1) - 1))
            except (binascii.Error, ValueError):
                return False
            return True
    if _MD5.match(hashed):
        return True
    return any(hashed.startswith(prefix) for prefix in _SSHA)


def _bcrypt_verify(password: bytes, hashed: str) -> bool:
    if len(password) > BCRYPT_MAX_BYTES:
        return False
    raw = hashed.encode()
    if raw[:4] in (b"$2x$", b"$2z$"):
        raw = b"$2a$" + raw[4:]
    try:
        return bcrypt.checkpw(password, raw)
    except ValueError:
        return False


def _argon2_verify(password: bytes, hashed: str) -> bool:
    kind = Type.ID if hashed.startswith("$argon2id$") else Type.I
    try:
        return verify_secret(hashed.encode(), password, kind)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError, ValueError):
        return False


def _pbkdf2_verify(password: bytes, m: re.Match[str]) -> bool:
    algorithm, iterations, length = m.group(1), int(m.group(2)), int(m.group(3))
    salt, digest = _b64(m.group(4)), _b64(m.group(5))
    # Kratos derives as many bytes as the stored digest has (``l`` is not reliable).
    del length
    if not 0 < iterations <= _MAX_PBKDF2_ITERATIONS or not digest:
        return False
    computed = hashlib.pbkdf2_hmac(algorithm, password, salt, iterations, len(digest))
    return hmac.compare_digest(computed, digest)


def _scrypt_verify(password: bytes, m: re.Match[str]) -> bool:
    n, r, p = int(m.group(1)), int(m.group(2)), int(m.group(3))
    salt, digest = _b64(m.group(4)), _b64(m.group(5))
    if 128 * n * r * p > _MAX_SCRYPT_MEMORY:
        return False
    computed = hashlib.scrypt(
        password, salt=salt, n=n, r=r, p=p, maxmem=_MAX_SCRYPT_MEMORY + 1024, dklen=len(digest)
    )
    return hmac.compare_digest(computed, digest)


def _ssha_verify(password: bytes, hashed: str) -> bool:
    for prefix, algorithm in _SSHA.items():
        if hashed.startswith(prefix):
            raw = _b64(hashed[len(prefix) :])
            size = hashlib.new(algorithm).digest_size
            digest, salt = raw[:size], raw[size:]
            return hmac.compare_digest(hashlib.new(algorithm, password + salt).digest(), digest)
    return False


def verify(password: str, hashed: str) -> bool:
    """Compare ``password`` with a hash of any supported family; unknown formats never match."""
    raw = password.encode()
    try:
        if hashed.startswith("$2"):
            return _bcrypt_verify(raw, hashed)
        if hashed.startswith("$argon2"):
            return _argon2_verify(raw, hashed)
        if m := _PBKDF2.match(hashed):
            return _pbkdf2_verify(raw, m)
        if m := _SCRYPT.match(hashed):
            return _scrypt_verify(raw, m)
        if hashed.startswith("{SSHA"):
            return _ssha_verify(raw, hashed)
        if m := _MD5.match(hashed):
            computed = hashlib.md5(raw, usedforsecurity=False).digest()
            return hmac.compare_digest(computed, _b64(m.group(1)))
    except (binascii.Error, ValueError, MemoryError):
        return False
    return False


class PasswordHasher:
    """The configured hasher, and a dummy hash so unknown identifiers cost as much as known."""

    def __init__(self, config: HasherConfig, executor: ThreadPoolExecutor | None = None) -> None:
        self.config = config
        self._executor = executor
        self._argon2 = argon2.PasswordHasher(
            time_cost=config.argon2_iterations,
            memory_cost=config.argon2_memory_kib,
            parallelism=config.argon2_parallelism,
            hash_len=config.argon2_key_length,
            salt_len=config.argon2_salt_length,
            type=Type.ID,
        )
        self._dummy: str | None = None

    @property
    def max_bytes(self) -> int | None:
        """bcrypt only looks at 72 bytes; Kratos refuses longer passwords rather than truncate."""
        return BCRYPT_MAX_BYTES if self.config.algorithm == "bcrypt" else None

    def hash(self, password: str) -> str:
        if self.config.algorithm == "argon2":
            return self._argon2.hash(password)
        salt = bcrypt.gensalt(rounds=self.config.bcrypt_cost, prefix=b"2a")
        return bcrypt.hashpw(password.encode(), salt).decode()

    def understands(self, hashed: str) -> bool:
        """False when a successful login should rehash (another family or cost)."""
        if self.config.algorithm == "argon2":
            if not hashed.startswith("$argon2id$"):
                return False
            return not self._argon2.check_needs_rehash(hashed)
        return bool(_BCRYPT.match(hashed)) and int(hashed[4:6]) == self.config.bcrypt_cost

    async def _run(self, fn: object, *args: str) -> object:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)  # type: ignore[arg-type]

    async def hash_async(self, password: str) -> str:
        return str(await self._run(self.hash, password))

    async def verify_async(self, password: str, hashed: str | None) -> bool:
        """Verify off the event loop; with no hash, burn the same time on the dummy hash."""
        if hashed is None:
            if self._dummy is None:
                self._dummy = await self.hash_async(secrets.token_urlsafe(16))
            await self._run(verify, password, self._dummy)
            return False
        return bool(await self._run(verify, password, hashed))
