"""The identity service's configuration: Kratos's keys, typed.

``SCHEMA`` covers the Kratos v25.4.0 keys Roost implements; ``KNOWN`` lists
Kratos keys that Roost accepts but does not implement yet (a start-up
warning, not an error). Defaults are Kratos's: bcrypt cost 12, sessions of
24h, flows of 1h, passwords of at least 8 bytes. ``tests/identity`` checks
both lists against Ory's published config schema.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from roost.core.config import ConfigSpec, get
from roost.core.errors import ConfigError
from roost.core.observability import with_shared_keys
from roost.identity.browser_config import BROWSER_FLOW_KEYS, BrowserConfig
from roost.identity.mfa_config import MFA_METHOD_KEYS, WHOAMI_KEYS, MfaConfig
from roost.identity.recovery_config import ADDRESS_FLOW_KEYS, ADDRESS_METHOD_KEYS, AddressConfig
from roost.identity.selfservice.hooks.config import HOOK_LIST, HookConfig, extend_schema

_PORT = {"type": "integer", "minimum": 0, "maximum": 65535}
_DURATION = {"type": "string", "pattern": "^([0-9]+(ns|us|ms|s|m|h))+$"}
_SECRETS = {"type": "array", "items": {"type": "string", "minLength": 16}}


def _listener() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {"port": _PORT, "host": {"type": "string"}, "base_url": {"type": "string"}},
    }


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": props}


_TEMPLATE_NAMES = (
    "recovery",
    "recovery_code",
    "verification",
    "verification_code",
    "registration_code",
    "login_code",
)

_HOOKS = HOOK_LIST

SCHEMA: dict[str, Any] = _obj(
    {
        "$schema": {"type": "string"},
        "dsn": {"type": "string"},
        "version": {"type": "string"},
        "serve": _obj({"public": _listener(), "admin": _listener()}),
        "identity": _obj(
            {
                "default_schema_id": {"type": "string"},
                "schemas": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["id", "url"],
                        "properties": {
                            "id": {"type": "string"},
                            "url": {"type": "string"},
                            "selfservice_selectable": {"type": "boolean"},
                        },
                    },
                },
            }
        ),
        "selfservice": _obj(
            {
                "default_browser_return_url": {"type": "string"},
                "allowed_return_urls": {"type": "array", "items": {"type": "string"}},
                "methods": _obj(
                    {
                        "password": _obj(
                            {
                                "enabled": {"type": "boolean"},
                                "config": _obj(
                                    {
                                        "haveibeenpwned_host": {"type": "string"},
                                        "haveibeenpwned_enabled": {"type": "boolean"},
                                        "max_breaches": {"type": "integer", "minimum": 0},
                                        "ignore_network_errors": {"type": "boolean"},
                                        "min_password_length": {"type": "integer", "minimum": 6},
                                        "identifier_similarity_check_enabled": {"type": "boolean"},
                                    }
                                ),
                            }
                        ),
                        **MFA_METHOD_KEYS,
                        **ADDRESS_METHOD_KEYS,
                    }
                ),
                "flows": _obj(
                    {
                        "registration": _obj(
                            {
                                "enabled": {"type": "boolean"},
                                "lifespan": _DURATION,
                                "ui_url": {"type": "string"},
                                "after": _obj(
                                    {
                                        "default_browser_return_url": {"type": "string"},
                                        "hooks": _HOOKS,
                                        "password": _obj(
                                            {
                                                "hooks": _HOOKS,
                                                "default_browser_return_url": {"type": "string"},
                                            }
                                        ),
                                    }
                                ),
                            }
                        ),
                        "login": _obj(
                            {
                                "lifespan": _DURATION,
                                "ui_url": {"type": "string"},
                                "after": _obj(
                                    {
                                        "default_browser_return_url": {"type": "string"},
                                        "password": _obj(
                                            {"default_browser_return_url": {"type": "string"}}
                                        ),
                                    }
                                ),
                            }
                        ),
                        **BROWSER_FLOW_KEYS,
                        **ADDRESS_FLOW_KEYS,
                    }
                ),
            }
        ),
        "session": _obj(
            {
                "lifespan": _DURATION,
                "earliest_possible_extend": _DURATION,
                "cookie": _obj(
                    {
                        "name": {"type": "string"},
                        "domain": {"type": "string"},
                        "path": {"type": "string"},
                        "persistent": {"type": "boolean"},
                        "same_site": {"type": "string", "enum": ["Strict", "Lax", "None"]},
                    }
                ),
                **WHOAMI_KEYS,
            }
        ),
        "hashers": _obj(
            {
                "algorithm": {"type": "string", "enum": ["argon2", "bcrypt"]},
                "bcrypt": _obj({"cost": {"type": "integer", "minimum": 4, "maximum": 31}}),
                "argon2": _obj(
                    {
                        "memory": {"type": "string", "pattern": "^[0-9]+(B|KB|MB|GB|TB|PB|EB)"},
                        "iterations": {"type": "integer", "minimum": 1},
                        "parallelism": {"type": "integer", "minimum": 1},
                        "salt_length": {"type": "integer", "minimum": 16},
                        "key_length": {"type": "integer", "minimum": 16},
                        "expected_duration": _DURATION,
                        "expected_deviation": _DURATION,
                        "dedicated_memory": {"type": "string"},
                    }
                ),
            }
        ),
        "oauth2_provider": _obj(
            {
                "url": {"type": "string"},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            }
        ),
        "cookies": _obj(
            {
                "domain": {"type": "string"},
                "path": {"type": "string"},
                "same_site": {"type": "string", "enum": ["Strict", "Lax", "None"]},
            }
        ),
        "secrets": _obj({"default": _SECRETS, "cookie": _SECRETS, "pagination": _SECRETS}),
        "courier": _obj(
            {
                "smtp": _obj(
                    {
                        "connection_uri": {"type": "string", "pattern": "^smtps?://.*"},
                        "client_cert_path": {"type": "string"},
                        "client_key_path": {"type": "string"},
                        "from_address": {"type": "string"},
                        "from_name": {"type": "string"},
                        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                        "local_name": {"type": "string"},
                    }
                ),
                "templates": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {name: {"type": "object"} for name in _TEMPLATE_NAMES},
                },
                "template_override_path": {"type": "string"},
                "message_retries": {"type": "integer", "minimum": 0},
                "delivery_strategy": {"type": "string", "enum": ["smtp"]},
                "worker": _obj(
                    {"pull_count": {"type": "integer", "minimum": 1}, "pull_wait": _DURATION}
                ),
            }
        ),
        "database": _obj(
            {
                "cleanup": _obj(
                    {
                        "batch_size": {"type": "integer", "minimum": 1},
                        "sleep": _obj({"tables": _DURATION}),
                    }
                )
            }
        ),
    }
)

KNOWN = frozenset(
    {
        "log.redaction_text",
        "dev",
        "courier.http",
        "courier.channels",
        "courier.templates.verifiable_address_changed",
        "ciphers",
        "clients",
        "feature_flags",
        "oauth2_provider.override_return_to",
        "organizations",
        "preview",
        "security",
        "serve.public.cors",
        "serve.public.tls",
        "serve.public.request_log",
        "serve.public.socket",
        "serve.admin.tls",
        "serve.admin.request_log",
        "serve.admin.socket",
        "selfservice.methods.profile",
        "selfservice.methods.code.config.missing_credential_fallback_enabled",
        "selfservice.methods.oidc",
        "selfservice.flows.settings.after.oidc",
        "selfservice.flows.login.after.oidc",
        "selfservice.flows.login.style",
        "selfservice.flows.registration.style",
        "selfservice.flows.registration.login_hints",
        "selfservice.flows.registration.enable_legacy_one_step",
        "selfservice.flows.registration.after.oidc",
        "selfservice.flows.registration.after.webauthn",
        "selfservice.flows.registration.after.passkey",
        "selfservice.methods.password.config.migrate_hook",
        "session.whoami.tokenizer",
        "database.cleanup.older_than",
    }
)

extend_schema(SCHEMA["properties"]["selfservice"]["properties"]["flows"])
SPEC = ConfigSpec("identity", with_shared_keys(SCHEMA), KNOWN)

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def duration(text: str) -> timedelta:
    """A Go duration string (``1h30m``, ``500ms``) as a timedelta."""
    parts = re.findall(r"([0-9]+)(ns|us|ms|s|m|h)", text)
    if not parts or "".join(a + b for a, b in parts) != text:
        raise ConfigError(f"identity: {text!r} is not a duration like 1h or 30m")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def byte_size(text: str) -> int:
    """``128MB`` as bytes (Kratos's ``bytesize`` units are powers of 1024)."""
    m = re.fullmatch(r"([0-9]+)(B|KB|MB|GB|TB|PB|EB)", text)
    if not m:
        raise ConfigError(f"identity: {text!r} is not a size like 128MB")
    power = ["B", "KB", "MB", "GB", "TB", "PB", "EB"].index(m.group(2))
    return int(m.group(1)) * int(1024**power)


@dataclass(frozen=True)
class Listener:
    host: str
    port: int
    base_url: str


@dataclass(frozen=True)
class SchemaRef:
    id: str
    url: str


@dataclass(frozen=True)
class HasherConfig:
    algorithm: str = "bcrypt"
    bcrypt_cost: int = 12
    argon2_memory_kib: int = 128 * 1024
    argon2_iterations: int = 1
    argon2_parallelism: int = 4
    argon2_salt_length: int = 16
    argon2_key_length: int = 32


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    identifier_similarity: bool = True
    haveibeenpwned: bool = False
    haveibeenpwned_host: str = "api.pwnedpasswords.com"
    max_breaches: int = 0
    ignore_network_errors: bool = True


@dataclass(frozen=True)
class CourierConfig:
    """``courier.*``: SMTP, templates and the worker, with Kratos's defaults."""

    smtp: dict[str, Any]
    templates: dict[str, Any]
    template_override_path: str | None = None
    message_retries: int = 5
    pull_count: int = 10
    pull_wait: timedelta = timedelta(seconds=1)


@dataclass(frozen=True)
class IdentityConfig:
    """Everything the identity service reads from its config, with Kratos's defaults."""

    dsn: str
    public: Listener
    admin: Listener
    default_schema_id: str
    schemas: tuple[SchemaRef, ...]
    password_enabled: bool
    policy: PasswordPolicy
    hasher: HasherConfig
    registration_session_hook: bool
    registration_code_session_hook: bool
    """The ``session`` hook after registration by code (decision 0032)."""
    registration_enabled: bool
    registration_lifespan: timedelta
    login_lifespan: timedelta
    session_lifespan: timedelta
    earliest_possible_extend: timedelta | None
    cookie_name: str
    cookie_secrets: tuple[str, ...]
    pagination_secrets: tuple[str, ...]
    cleanup_batch_size: int
    courier: CourierConfig
    browser: BrowserConfig
    addresses: AddressConfig
    """Recovery, verification, ``code`` and ``link`` (decision 0023)."""
    mfa: MfaConfig = field(default_factory=MfaConfig)
    hooks: HookConfig = field(default_factory=HookConfig)

    @classmethod
    def from_values(cls, v: dict[str, Any], *, generated_secret: str) -> IdentityConfig:
        def listener(name: str, port: int) -> Listener:
            host = get(v, f"serve.{name}.host", "") or ""
            p = get(v, f"serve.{name}.port", port)
            # Kratos: without base_url, the URL names the host, or the machine's hostname
            # (hence the pod name in the seed's schema_url).
            shown = host if host not in ("", "0.0.0.0") else socket.gethostname()  # noqa: S104
            base = get(v, f"serve.{name}.base_url") or f"http://{shown}:{p}/"
            return Listener(host, p, base.rstrip("/"))

        hooks = [
            h.get("hook")
            for h in (get(v, "selfservice.flows.registration.after.password.hooks") or [])
            + (get(v, "selfservice.flows.registration.after.hooks") or [])
        ]
        code_hooks = [
            h.get("hook")
            for h in (get(v, "selfservice.flows.registration.after.code.hooks") or [])
            + (get(v, "selfservice.flows.registration.after.hooks") or [])
        ]
        cpu = 2
        hasher = HasherConfig(
            algorithm=get(v, "hashers.algorithm", "bcrypt"),
            bcrypt_cost=get(v, "hashers.bcrypt.cost", 12),
            argon2_memory_kib=byte_size(get(v, "hashers.argon2.memory", "128MB")) // 1024,
            argon2_iterations=get(v, "hashers.argon2.iterations", 1),
            argon2_parallelism=get(v, "hashers.argon2.parallelism", cpu * 2),
            argon2_salt_length=get(v, "hashers.argon2.salt_length", 16),
            argon2_key_length=get(v, "hashers.argon2.key_length", 32),
        )
        pw = "selfservice.methods.password.config"
        policy = PasswordPolicy(
            min_length=get(v, f"{pw}.min_password_length", 8),
            identifier_similarity=get(v, f"{pw}.identifier_similarity_check_enabled", True),
            # Kratos defaults this to true; Roost defaults to off (it needs the internet).
            haveibeenpwned=get(v, f"{pw}.haveibeenpwned_enabled", False),
            haveibeenpwned_host=get(v, f"{pw}.haveibeenpwned_host", "api.pwnedpasswords.com"),
            max_breaches=get(v, f"{pw}.max_breaches", 0),
            ignore_network_errors=get(v, f"{pw}.ignore_network_errors", True),
        )
        extend = get(v, "session.earliest_possible_extend")
        default_secrets = get(v, "secrets.default") or [generated_secret]
        public = listener("public", 4433)
        cookie_name = get(v, "session.cookie.name", "ory_kratos_session")
        return cls(
            dsn=v.get("dsn", "memory"),
            public=public,
            admin=listener("admin", 4434),
            default_schema_id=get(v, "identity.default_schema_id", "default"),
            schemas=tuple(
                SchemaRef(s["id"], s["url"]) for s in get(v, "identity.schemas", []) or []
            ),
            password_enabled=get(v, "selfservice.methods.password.enabled", True),
            policy=policy,
            hasher=hasher,
            registration_session_hook="session" in hooks,
            registration_code_session_hook="session" in code_hooks,
            registration_enabled=get(v, "selfservice.flows.registration.enabled", True),
            registration_lifespan=duration(get(v, "selfservice.flows.registration.lifespan", "1h")),
            login_lifespan=duration(get(v, "selfservice.flows.login.lifespan", "1h")),
            session_lifespan=duration(get(v, "session.lifespan", "24h")),
            earliest_possible_extend=duration(extend) if extend else None,
            cookie_name=cookie_name,
            cookie_secrets=tuple(get(v, "secrets.cookie") or default_secrets),
            pagination_secrets=tuple(get(v, "secrets.pagination") or default_secrets),
            cleanup_batch_size=get(v, "database.cleanup.batch_size", 100),
            courier=CourierConfig(
                smtp=dict(get(v, "courier.smtp") or {}),
                templates=dict(get(v, "courier.templates") or {}),
                template_override_path=get(v, "courier.template_override_path"),
                message_retries=get(v, "courier.message_retries", 5),
                pull_count=get(v, "courier.worker.pull_count", 10),
                pull_wait=duration(get(v, "courier.worker.pull_wait", "1s")),
            ),
            browser=BrowserConfig.from_values(v, public.base_url, cookie_name),
            mfa=MfaConfig.from_values(v, public.base_url),
            addresses=AddressConfig.from_values(v),
            hooks=HookConfig.from_values(v),
        )
