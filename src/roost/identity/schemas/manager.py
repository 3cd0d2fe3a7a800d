"""Identity schemas: loading, the ``ory.sh/kratos`` extension, and trait validation.

An identity schema is a JSON Schema whose ``properties.traits`` describes the
traits; a trait's ``ory.sh/kratos`` extension says whether it is a password
identifier and whether it is a verification or recovery address. Kratos
derives credentials identifiers and addresses from those marks on every
write, so the schema, not the request, decides what becomes an identifier.

Validation errors are returned as ``(node name, ui text)`` pairs so that a
self-service flow can attach each message to the input it belongs to
(``traits.email``), as Kratos renders them.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import orjson
from jsonschema.exceptions import ValidationError

from roost.core.errors import ConfigError, NotFound
from roost.identity import text
from roost.identity.config import SchemaRef

EXT = "ory.sh/kratos"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_formats = jsonschema.FormatChecker()


@_formats.checks("email")
def _is_email(value: object) -> bool:
    """Kratos rejects addresses without a local part or domain; so do we."""
    return not isinstance(value, str) or bool(_EMAIL.match(value))


@dataclass(frozen=True)
class TraitField:
    """One leaf trait of a schema, with the extension marks Kratos reads."""

    path: str
    schema: dict[str, Any]
    required: bool
    password_identifier: bool
    verification_via: str | None
    recovery_via: str | None
    code_via: str | None = None
    """``credentials.code.via`` of a trait marked ``credentials.code.identifier``: the
    address a passwordless login code is mailed to (decision 0023)."""


def json_type(value: Any) -> str:
    """The JSON type of ``value`` as Kratos names it in its 4000026 message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class IdentitySchema:
    def __init__(self, schema_id: str, raw: dict[str, Any]) -> None:
        self.id = schema_id
        self.raw = raw
        cls = jsonschema.validators.validator_for(raw, default=jsonschema.Draft7Validator)
        try:
            cls.check_schema(raw)
        except jsonschema.SchemaError as exc:
            raise ConfigError(f"identity: schema {schema_id!r} is invalid: {exc.message}") from exc
        self._validator = cls(raw, format_checker=_formats)
        traits = raw.get("properties", {}).get("traits", {})
        self.fields = list(_walk(traits, ""))

    def identifiers(self, traits: Any) -> list[str]:
        """Password identifiers, normalised (trimmed, lower-cased) as Kratos stores them."""
        out = []
        for f in self.fields:
            if f.password_identifier:
                value = _lookup(traits, f.path)
                if isinstance(value, str) and value.strip():
                    ident = value.strip().lower()
                    if ident not in out:
                        out.append(ident)
        return out

    def addresses(self, traits: Any, kind: str) -> list[tuple[str, str]]:
        """``(via, value)`` pairs for ``kind`` ``verification`` or ``recovery``."""
        out = []
        for f in self.fields:
            via = f.verification_via if kind == "verification" else f.recovery_via
            value = _lookup(traits, f.path)
            if via and isinstance(value, str) and value.strip():
                pair = (via, value.strip().lower())
                if pair not in out:
                    out.append(pair)
        return out

    def code_addresses(self, traits: Any) -> list[tuple[str, str]]:
        """``(via, value)`` of the traits marked as ``code`` identifiers, normalised."""
        out = []
        for f in self.fields:
            value = _lookup(traits, f.path)
            if f.code_via and isinstance(value, str) and value.strip():
                pair = (f.code_via, value.strip().lower())
                if pair not in out:
                    out.append(pair)
        return out

    def validate(self, traits: Any) -> list[tuple[str, text.Text]]:
        """Every schema violation of ``traits`` as ``(node name, message)``; empty when valid."""
        errors = []
        for err in sorted(
            self._validator.iter_errors({"traits": traits}), key=lambda e: list(e.absolute_path)
        ):
            errors.extend(_messages(err))
        return errors


def _walk(schema: dict[str, Any], prefix: str) -> Iterator[TraitField]:
    required = set(schema.get("required", []))
    for key, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict):
            continue
        path = f"{prefix}.{key}" if prefix else key
        if sub.get("type") == "object" or "properties" in sub:
            yield from _walk(sub, path)
            continue
        ext = sub.get(EXT) or {}
        creds = ext.get("credentials") or {}
        yield TraitField(
            path=path,
            schema=sub,
            required=key in required,
            password_identifier=bool((creds.get("password") or {}).get("identifier")),
            verification_via=(ext.get("verification") or {}).get("via"),
            recovery_via=(ext.get("recovery") or {}).get("via"),
            code_via=_code_via(creds.get("code") or {}),
        )


def _code_via(mark: dict[str, Any]) -> str | None:
    return str(mark.get("via") or "email") if mark.get("identifier") else None


def _lookup(traits: Any, path: str) -> Any:
    node = traits
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _messages(err: ValidationError) -> list[tuple[str, text.Text]]:
    name = ".".join(str(p) for p in err.absolute_path)
    v = err.validator
    limit: Any = err.validator_value
    if v == "required":
        present = err.instance if isinstance(err.instance, dict) else {}
        missing = [p for p in limit if p not in present]
        return [(f"{name}.{p}" if name else p, text.required(p)) for p in missing]
    if v == "minLength" and isinstance(err.instance, str):
        return [(name, text.min_length(int(limit), len(err.instance)))]
    if v == "maxLength" and isinstance(err.instance, str):
        return [(name, text.max_length(int(limit), len(err.instance)))]
    if v == "pattern":
        return [(name, text.invalid_pattern(str(limit)))]
    if v == "type":
        allowed = limit if isinstance(limit, list) else [limit]
        return [(name, text.wrong_type([str(a) for a in allowed], json_type(err.instance)))]
    if v == "format":
        reason = f"{orjson.dumps(err.instance).decode()} is not valid {limit!r}"
        return [(name, text.generic(reason.replace("'", '"')))]
    return [(name, text.generic(err.message))]


class Schemas:
    """The configured schemas by id, and the URL Kratos shows for each."""

    def __init__(self, schemas: dict[str, IdentitySchema], default_id: str, public_url: str):
        if default_id not in schemas:
            raise ConfigError(
                f"identity: default_schema_id {default_id!r} is not among identity.schemas"
            )
        self.by_id = schemas
        self.default_id = default_id
        self.public_url = public_url
        # every session and identity rendered carries one: computed once per schema
        self._urls = {sid: self._url(sid) for sid in schemas}

    @property
    def marks_addresses(self) -> bool:
        """Whether any schema derives verification or recovery addresses from a trait."""
        return any(
            f.verification_via or f.recovery_via for s in self.by_id.values() for f in s.fields
        )

    def get(self, schema_id: str) -> IdentitySchema:
        try:
            return self.by_id[schema_id]
        except KeyError:
            raise NotFound(f"unable to find JSON Schema ID: {schema_id}") from None

    def lookup(self, raw_id: str) -> IdentitySchema:
        """``/schemas/{id}`` takes the id raw or base64url-encoded (as Kratos does)."""
        if raw_id in self.by_id:
            return self.by_id[raw_id]
        try:
            decoded = base64.urlsafe_b64decode(raw_id + "=" * (-len(raw_id) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        if decoded in self.by_id:
            return self.by_id[decoded]
        raise NotFound("The requested resource could not be found")

    def url(self, schema_id: str) -> str:
        """Kratos's ``schema_url``: the public ``/schemas/{id}`` with the id base64url-encoded."""
        return self._urls.get(schema_id) or self._url(schema_id)

    def _url(self, schema_id: str) -> str:
        encoded = base64.urlsafe_b64encode(schema_id.encode()).decode().rstrip("=")
        return f"{self.public_url}/schemas/{encoded}"


def default_schema() -> dict[str, Any]:
    data = resources.files("roost.identity.schemas").joinpath("default.schema.json").read_bytes()
    loaded: dict[str, Any] = orjson.loads(data)
    return loaded


async def fetch_document(url: str, base_dir: Path, what: str = "schema") -> bytes:
    """The bytes behind a ``file://``, ``base64://`` or ``http(s)://`` URI (or a plain path)."""
    if url.startswith("base64://"):
        payload = url[len("base64://") :]
        try:
            return base64.b64decode(payload + "=" * (-len(payload) % 4), altchars=b"-_")
        except (binascii.Error, ValueError) as exc:
            raise ConfigError(f"identity: {what} URL {url[:40]}... is not valid base64") from exc
    if url.startswith(("http://", "https://")):
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.get(url)
                response.raise_for_status()
                return response.content
        except httpx.HTTPError as exc:
            raise ConfigError(f"identity: cannot fetch {what} {url}: {exc}") from exc
    path = Path(url[len("file://") :] if url.startswith("file://") else url)
    try:
        return (path if path.is_absolute() else base_dir / path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"identity: cannot read {what} {url}: {exc.strerror}") from exc


async def load_schemas(
    refs: tuple[SchemaRef, ...], default_id: str, base_dir: Path, public_url: str
) -> Schemas:
    """Load every configured schema (or the shipped ``default`` one when none is configured)."""
    loaded: dict[str, IdentitySchema] = {}
    if not refs:
        loaded["default"] = IdentitySchema("default", default_schema())
    for ref in refs:
        raw = await fetch_document(ref.url, base_dir)
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"identity: schema {ref.id!r} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"identity: schema {ref.id!r} must be a JSON object")
        loaded[ref.id] = IdentitySchema(ref.id, data)
    return Schemas(loaded, default_id, public_url)
