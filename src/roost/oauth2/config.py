"""The OAuth2 service's configuration: Hydra's keys, typed.

The JSON Schema below covers the Hydra v25.4.0 keys Roost implements (values
checked against ``hydra.config.schema.json`` in ``tests/oauth2/test_config.py``);
the rest of Hydra's keys are listed in ``KNOWN`` and only warn at start-up.
Roost's own keys: ``janitor`` (a background clean-up of expired and revoked
tokens, which Hydra only offers as a CLI command),
``oauth2.pushed_authorization_requests`` (RFC 9126) and ``oauth2.dpop`` (RFC 9449).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from roost.core.config import ConfigSpec, get
from roost.core.errors import ConfigError
from roost.core.observability import with_shared_keys
from roost.oauth2 import durations

_PORT = {"type": "integer", "minimum": 0, "maximum": 65535}
_DURATION = {"type": "string", "pattern": r"^[0-9]+(ns|us|ms|s|m|h)([0-9]+(ns|us|ms|s|m|h))*$"}
_STRINGS = {"type": "array", "items": {"type": "string"}}
DPOP_DEFAULT_ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256",
                           "PS384", "PS512")  # fmt: skip
DPOP_ALGORITHMS = (*DPOP_DEFAULT_ALGORITHMS, "EdDSA")
"""Asymmetric JWS algorithms only (RFC 9449 §4.3: never ``none`` nor a MAC). ``EdDSA`` is
allowed when configured, not by default: RFC 9864 deprecates it (joserfc warns on each use)."""
_WEBHOOK = {
    "oneOf": [
        {"type": "string", "format": "uri"},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["url"],
            "properties": {
                "url": {"type": "string", "format": "uri"},
                "auth": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["type", "config"],
                    "properties": {
                        "type": {"const": "api_key"},
                        "config": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name", "value"],
                            "properties": {
                                "in": {"enum": ["header", "cookie"]},
                                "name": {"type": "string"},
                                "value": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    ]
}


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": props}


def _listener() -> dict[str, Any]:
    return _obj(port=_PORT, host={"type": "string"})


SCHEMA: dict[str, Any] = _obj(
    **{"$schema": {"type": "string"}},
    dsn={"type": "string"},
    version={"type": "string"},
    serve=_obj(public=_listener(), admin=_listener()),
    urls=_obj(
        **{"self": _obj(issuer={"type": "string"}, public={"type": "string"})},
        login={"type": "string"},
        consent={"type": "string"},
        registration={"type": "string"},
        logout={"type": "string"},
        post_logout_redirect={"type": "string"},
        error={"type": "string"},
        device=_obj(verification={"type": "string"}, success={"type": "string"}),
    ),
    secrets=_obj(
        system={"type": "array", "items": {"type": "string", "minLength": 16}},
        pagination={"type": "array", "items": {"type": "string", "minLength": 16}},
    ),
    ttl=_obj(
        access_token=_DURATION,
        refresh_token={"oneOf": [_DURATION, {"enum": ["-1", -1]}]},
        id_token=_DURATION,
        auth_code=_DURATION,
        login_consent_request=_DURATION,
        authentication_session=_DURATION,
        device_user_code=_DURATION,
    ),
    strategies=_obj(
        access_token={"type": "string", "enum": ["opaque", "jwt"]},
        scope={"type": "string", "enum": ["exact", "wildcard"]},
        jwt=_obj(scope_claim={"type": "string", "enum": ["list", "string", "both"]}),
    ),
    oauth2=_obj(
        token_hook=_WEBHOOK,
        refresh_token_hook=_WEBHOOK,
        expose_internal_errors={"type": "boolean"},
        exclude_not_before_claim={"type": "boolean"},
        mirror_top_level_claims={"type": "boolean"},
        allowed_top_level_claims=_STRINGS,
        session=_obj(encrypt_at_rest={"type": "boolean"}),
        hashers=_obj(
            algorithm={"type": "string", "enum": ["pbkdf2", "bcrypt"]},
            bcrypt=_obj(cost={"type": "integer", "minimum": 4, "maximum": 31}),
            pbkdf2=_obj(iterations={"type": "integer", "minimum": 1}),
            verified_secret_ttl=_DURATION,  # beyond Hydra (decision 0039); 0s turns it off
        ),
        client_credentials=_obj(default_grant_allowed_scope={"type": "boolean"}),
        pkce=_obj(enforced={"type": "boolean"}, enforced_for_public_clients={"type": "boolean"}),
        pushed_authorization_requests=_obj(
            enabled={"type": "boolean"}, required={"type": "boolean"}, ttl=_DURATION
        ),
        dpop=_obj(
            enabled={"type": "boolean"},
            required={"type": "boolean"},
            algorithms={
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "enum": list(DPOP_ALGORITHMS)},
            },
            proof_lifetime=_DURATION,
            clock_skew=_DURATION,
        ),
        device_authorization=_obj(
            token_polling_interval=_DURATION,
            user_code={
                "oneOf": [
                    {
                        **_obj(entropy_preset={"enum": ["high", "medium", "low"]}),
                        "required": ["entropy_preset"],
                    },
                    {
                        **_obj(
                            length={"type": "integer", "minimum": 6},
                            character_set={"type": "string", "minLength": 8},
                        ),
                        "required": ["length", "character_set"],
                    },
                ]
            },
        ),
        grant=_obj(
            jwt=_obj(
                jti_optional={"type": "boolean"},
                iat_optional={"type": "boolean"},
                max_ttl=_DURATION,
            )
        ),
    ),
    oidc=_obj(
        dynamic_client_registration=_obj(enabled={"type": "boolean"}, default_scope=_STRINGS),
        subject_identifiers=_obj(
            supported_types={
                "type": "array",
                "items": {"type": "string", "enum": ["public", "pairwise"]},
            },
            pairwise=_obj(salt={"type": "string"}),
        ),
    ),
    janitor=_obj(
        interval=_DURATION,
        batch_size={"type": "integer", "minimum": 1, "maximum": 10000},
    ),
)

KNOWN = frozenset(
    {
        "log.redaction_text",
        "profiling",
        "sqa",
        "dev",
        "db",
        "clients",
        "hsm",
        "cgroups",
        "feature_flags",
        "webfinger",
        "serve.tls",
        "serve.cookies",
        "serve.public.cors",
        "serve.public.tls",
        "serve.public.socket",
        "serve.public.base_url",
        "serve.public.request_log",
        "serve.admin.cors",
        "serve.admin.tls",
        "serve.admin.socket",
        "serve.admin.base_url",
        "serve.admin.request_log",
        "urls.self.admin",
        "urls.identity_provider",
        "secrets.cookie",
        "oauth2.preserve_ext_claims",
        "oauth2.grant.refresh_token",
    }
)

SPEC = ConfigSpec("oauth2", with_shared_keys(SCHEMA), KNOWN)
DEFAULT_CLIENT_SCOPE = ("offline_access", "offline", "openid")


@dataclass(frozen=True)
class Listener:
    host: str
    port: int


@dataclass(frozen=True)
class Hashers:
    algorithm: str = "pbkdf2"
    pbkdf2_iterations: int = 25_000
    bcrypt_cost: int = 10
    verified_secret_ttl: float = 600.0
    """Seconds a matched client secret skips the hash (``VerifiedSecrets``); 0 = never."""


@dataclass(frozen=True)
class OAuth2Config:
    """Everything the OAuth2 service reads from its config, with Hydra's defaults."""

    dsn: str
    public: Listener
    admin: Listener
    issuer: str
    public_url: str
    system_secrets: tuple[str, ...]
    pagination_secrets: tuple[str, ...]
    access_token_ttl: timedelta
    refresh_token_ttl: timedelta | None
    id_token_ttl: timedelta
    access_token_strategy: str
    scope_strategy: str
    scope_claim: str
    hashers: Hashers
    encrypt_at_rest: bool
    exclude_not_before_claim: bool
    mirror_top_level_claims: bool
    allowed_top_level_claims: tuple[str, ...]
    default_grant_allowed_scope: bool
    jwt_jti_optional: bool
    jwt_iat_optional: bool
    jwt_max_ttl: timedelta
    default_client_scope: tuple[str, ...]
    dynamic_registration: bool
    janitor_interval: timedelta | None
    janitor_batch_size: int
    expose_internal_errors: bool
    login_url: str
    consent_url: str
    registration_url: str
    logout_url: str
    post_logout_url: str
    auth_code_ttl: timedelta
    login_consent_ttl: timedelta
    authentication_session_ttl: timedelta
    pkce_enforced: bool
    error_url: str
    device_verification_url: str
    device_success_url: str
    device_ttl: timedelta
    device_polling_interval: timedelta
    user_code_length: int
    user_code_alphabet: str
    pkce_enforced_for_public_clients: bool
    token_hook: Any = field(default=None, repr=False)  # the raw value; HookConfig.parse reads it
    refresh_token_hook: Any = field(default=None, repr=False)
    subject_types: tuple[str, ...] = ("public",)
    pairwise_salt: str = field(default="", repr=False)
    par_enabled: bool = False  # RFC 9126, beyond Hydra: oauth2.pushed_authorization_requests
    par_required: bool = False
    par_ttl: timedelta = timedelta(seconds=60)
    dpop_enabled: bool = False  # RFC 9449, beyond Hydra: oauth2.dpop
    dpop_required: bool = False
    dpop_algorithms: tuple[str, ...] = DPOP_DEFAULT_ALGORITHMS
    dpop_proof_lifetime: timedelta = timedelta(seconds=60)
    dpop_clock_skew: timedelta = timedelta(seconds=10)

    @classmethod
    def from_values(cls, v: dict[str, Any]) -> OAuth2Config:
        system = tuple(get(v, "secrets.system", None) or ())
        if not system:
            raise ConfigError("oauth2: secrets.system must be set (at least 16 characters)")
        public = Listener(get(v, "serve.public.host", "") or "", get(v, "serve.public.port", 4444))
        admin = Listener(get(v, "serve.admin.host", "") or "", get(v, "serve.admin.port", 4445))
        public_url = get(v, "urls.self.public", "") or _local_url(public)
        issuer = get(v, "urls.self.issuer", "") or public_url
        refresh = get(v, "ttl.refresh_token", "720h")
        janitor = get(v, "janitor.interval", None)
        base = public_url.rstrip("/")
        code = _user_code(get(v, "oauth2.device_authorization.user_code", None) or {})
        subject_types = tuple(
            dict.fromkeys(get(v, "oidc.subject_identifiers.supported_types", None) or ["public"])
        )
        salt = get(v, "oidc.subject_identifiers.pairwise.salt", "") or ""
        if "pairwise" in subject_types and not salt:
            raise ConfigError(
                "oauth2: oidc.subject_identifiers.pairwise.salt must be set when pairwise "
                "subject identifiers are enabled"
            )
        return cls(
            token_hook=get(v, "oauth2.token_hook", None),
            refresh_token_hook=get(v, "oauth2.refresh_token_hook", None),
            subject_types=subject_types,
            pairwise_salt=salt,
            dsn=v.get("dsn", "memory"),
            public=public,
            admin=admin,
            issuer=issuer.rstrip("/"),
            public_url=public_url.rstrip("/"),
            system_secrets=system,
            pagination_secrets=tuple(get(v, "secrets.pagination", None) or system),
            access_token_ttl=durations.parse(get(v, "ttl.access_token", "1h")),
            refresh_token_ttl=None if str(refresh) == "-1" else durations.parse(refresh),
            id_token_ttl=durations.parse(get(v, "ttl.id_token", "1h")),
            access_token_strategy=get(v, "strategies.access_token", "opaque"),
            scope_strategy=get(v, "strategies.scope", "wildcard"),
            scope_claim=get(v, "strategies.jwt.scope_claim", "list"),
            hashers=Hashers(
                get(v, "oauth2.hashers.algorithm", "pbkdf2"),
                get(v, "oauth2.hashers.pbkdf2.iterations", 25_000),
                get(v, "oauth2.hashers.bcrypt.cost", 10),
                durations.parse(
                    get(v, "oauth2.hashers.verified_secret_ttl", "10m")
                ).total_seconds(),
            ),
            encrypt_at_rest=get(v, "oauth2.session.encrypt_at_rest", True),
            exclude_not_before_claim=get(v, "oauth2.exclude_not_before_claim", False),
            mirror_top_level_claims=get(v, "oauth2.mirror_top_level_claims", True),
            allowed_top_level_claims=tuple(get(v, "oauth2.allowed_top_level_claims", ())),
            default_grant_allowed_scope=get(
                v, "oauth2.client_credentials.default_grant_allowed_scope", False
            ),
            jwt_jti_optional=get(v, "oauth2.grant.jwt.jti_optional", False),
            jwt_iat_optional=get(v, "oauth2.grant.jwt.iat_optional", False),
            jwt_max_ttl=durations.parse(get(v, "oauth2.grant.jwt.max_ttl", "720h")),
            default_client_scope=tuple(
                get(v, "oidc.dynamic_client_registration.default_scope", None)
                or DEFAULT_CLIENT_SCOPE
            ),
            dynamic_registration=get(v, "oidc.dynamic_client_registration.enabled", False),
            janitor_interval=durations.parse(janitor) if janitor else None,
            janitor_batch_size=get(v, "janitor.batch_size", 100),
            expose_internal_errors=get(v, "oauth2.expose_internal_errors", False),
            login_url=get(v, "urls.login", "")
            or f"{public_url.rstrip('/')}/oauth2/fallbacks/login",
            consent_url=get(v, "urls.consent", "")
            or f"{public_url.rstrip('/')}/oauth2/fallbacks/consent",
            registration_url=get(v, "urls.registration", "") or "",
            logout_url=get(v, "urls.logout", "")
            or f"{public_url.rstrip('/')}/oauth2/fallbacks/logout",
            post_logout_url=get(v, "urls.post_logout_redirect", "")
            or f"{public_url.rstrip('/')}/oauth2/fallbacks/logout/callback",
            auth_code_ttl=durations.parse(get(v, "ttl.auth_code", "10m")),
            login_consent_ttl=durations.parse(get(v, "ttl.login_consent_request", "30m")),
            authentication_session_ttl=durations.parse(
                get(v, "ttl.authentication_session", "720h")
            ),
            pkce_enforced=get(v, "oauth2.pkce.enforced", False),
            error_url=get(v, "urls.error", "") or f"{base}/oauth2/fallbacks/error",
            device_verification_url=get(v, "urls.device.verification", "")
            or f"{base}/oauth2/fallbacks/device",
            device_success_url=get(v, "urls.device.success", "")
            or f"{base}/oauth2/fallbacks/device/done",
            device_ttl=durations.parse(get(v, "ttl.device_user_code", "10m")),
            device_polling_interval=durations.parse(
                get(v, "oauth2.device_authorization.token_polling_interval", "5s")
            ),
            user_code_length=code[0],
            user_code_alphabet=code[1],
            pkce_enforced_for_public_clients=get(
                v, "oauth2.pkce.enforced_for_public_clients", False
            ),
            par_enabled=get(v, "oauth2.pushed_authorization_requests.enabled", False),
            par_required=get(v, "oauth2.pushed_authorization_requests.required", False),
            par_ttl=durations.parse(get(v, "oauth2.pushed_authorization_requests.ttl", "60s")),
            dpop_enabled=bool(
                get(v, "oauth2.dpop.enabled", False) or get(v, "oauth2.dpop.required", False)
            ),
            dpop_required=get(v, "oauth2.dpop.required", False),
            dpop_algorithms=tuple(
                dict.fromkeys(get(v, "oauth2.dpop.algorithms", None) or DPOP_DEFAULT_ALGORITHMS)
            ),
            dpop_proof_lifetime=durations.parse(get(v, "oauth2.dpop.proof_lifetime", "60s")),
            dpop_clock_skew=durations.parse(get(v, "oauth2.dpop.clock_skew", "10s")),
        )


USER_CODE_PRESETS = {
    "low": (8, "0123456789"),
    "medium": (8, "BCDFGHJKLMNPQRSTVWXZ"),
    "high": (12, "BCDFGHJKLMNPQRSTVWXZ"),
}


def _user_code(v: dict[str, Any]) -> tuple[int, str]:
    """RFC 8628 §6.1: base-20 consonants by default (8 characters, ~34.5 bits)."""
    if "entropy_preset" in v:
        return USER_CODE_PRESETS[v["entropy_preset"]]
    if "length" in v:
        return int(v["length"]), "".join(dict.fromkeys(v["character_set"]))
    return USER_CODE_PRESETS["medium"]


def _local_url(listener: Listener) -> str:
    host = listener.host if listener.host not in ("", "0.0.0.0") else "localhost"  # noqa: S104
    return f"http://{host}:{listener.port}"
