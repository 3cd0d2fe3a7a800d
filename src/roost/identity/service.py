"""The identity service's registry: built once at start-up, handed to both ports.

It owns the schemas, the password hasher (with its small thread pool, so
hashing never blocks the event loop) and the cookie keys; its parts (the SQL
stores and the managers and flows built over them) are assembled once the
schema is current (see ``roost.runtime.service``). This is the one place
where the protocol code meets the SQL that implements its Protocols.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

from roost.core.throttle import FailureThrottle
from roost.identity.config import IdentityConfig
from roost.identity.courier.queue import Courier
from roost.identity.courier.smtp import SMTPConfig, SMTPSender
from roost.identity.courier.templates import Templates, load_templates
from roost.identity.credentials.hashing import PasswordHasher
from roost.identity.credentials.secrets_box import SecretBox
from roost.identity.credentials.throttle import LoginThrottle
from roost.identity.hydra import HydraAdmin
from roost.identity.identities.manager import IdentityManager
from roost.identity.identities.model import now
from roost.identity.metrics import Counters
from roost.identity.schemas.manager import Schemas, fetch_document, load_schemas
from roost.identity.selfservice.code_login import CodeLogin
from roost.identity.selfservice.code_mfa import CodeSecondFactor
from roost.identity.selfservice.code_registration import CodeRegistration
from roost.identity.selfservice.codes import CodeHmac
from roost.identity.selfservice.error_flow import ErrorFlows
from roost.identity.selfservice.flows import Flows
from roost.identity.selfservice.hooks.runner import FlowHooks
from roost.identity.selfservice.login import Login, LoginStrategy
from roost.identity.selfservice.lookup_secret import LookupLogin, LookupSettings
from roost.identity.selfservice.password import PasswordLogin, PasswordRegistration
from roost.identity.selfservice.recovery import Recovery
from roost.identity.selfservice.registration import (
    ProfileStep,
    Registration,
    RegistrationStrategy,
)
from roost.identity.selfservice.settings import Settings, SettingsStrategy
from roost.identity.selfservice.settings_methods import PasswordSettings, ProfileSettings
from roost.identity.selfservice.step_up import SecondFactor, StepUp
from roost.identity.selfservice.totp import TotpLogin, TotpSettings
from roost.identity.selfservice.verification import Verification
from roost.identity.selfservice.webauthn import KeyLogin, KeySettings, PasskeyLogin
from roost.identity.sessions.cookie import CookieSeal
from roost.identity.sessions.manager import SessionManager
from roost.identity.sql.codes import CodeStore
from roost.identity.sql.courier import CourierStore
from roost.identity.sql.credentials import CredentialConfigs
from roost.identity.sql.errors import ErrorStore
from roost.identity.sql.identities import IdentityStore, ensure_network
from roost.identity.sql.login_failures import LoginFailureStore
from roost.identity.sql.selfservice import SelfServiceStore
from roost.identity.sql.sessions import SessionStore
from roost.runtime.service import Service
from roost.storage.database import Database
from roost.storage.migrate import Migrator


def _fernet(secrets: tuple[str, ...], purpose: str) -> MultiFernet:
    import base64
    import hashlib

    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"{purpose}:{s}".encode()).digest()))
            for s in secrets
        ]
    )


@dataclass(frozen=True)
class IdentityParts:
    """What needs the migrated schema (and the network id)."""

    nid: uuid.UUID
    identity_store: IdentityStore
    """Reads the admin API lists and looks up directly."""
    session_store: SessionStore
    identities: IdentityManager
    sessions: SessionManager
    flows: Flows
    login: Login
    registration: Registration
    courier: Courier
    courier_store: CourierStore
    """Reads the admin API's message list and message."""
    errors: ErrorFlows
    settings: Settings
    recovery: Recovery
    verification: Verification
    hooks: FlowHooks | None = None
    """The configured web hooks (decision 0029); closed with the service."""


@dataclass(kw_only=True)
class IdentityService(Service[IdentityParts]):
    config: IdentityConfig
    schemas: Schemas
    hasher: PasswordHasher
    cookies: CookieSeal
    templates: Templates
    watch_courier: bool = False
    """Run the courier's worker in this process (``roost serve --watch-courier``)."""
    counters: Counters = field(default_factory=Counters)

    async def assemble(self) -> IdentityParts:
        cfg = self.config
        nid = await ensure_network(self.db)
        code_mfa = cfg.addresses.mfa and cfg.addresses.code_enabled
        identities = IdentityStore(
            self.db, nid, addresses=self.schemas.marks_addresses, code_mfa=code_mfa
        )
        sessions = SessionStore(self.db, nid, identities)
        manager = SessionManager(sessions, cfg.session_lifespan, cfg.earliest_possible_extend)
        lifespans = {
            "login": cfg.login_lifespan,
            "registration": cfg.registration_lifespan,
            "settings": cfg.browser.settings_lifespan,
            "recovery": cfg.addresses.recovery.lifespan,
            "verification": cfg.addresses.verification.lifespan,
        }
        store = SelfServiceStore(self.db, nid, identities, sessions)
        flows = Flows(store, self.public_url, lifespans)
        throttle = LoginThrottle(LoginFailureStore(self.db, nid), cfg.cookie_secrets[0], now)
        logins: dict[str, LoginStrategy] = {}
        registrations: dict[str, RegistrationStrategy] = {"profile": ProfileStep()}
        settings: dict[str, SettingsStrategy] = {"profile": ProfileSettings()}
        if cfg.password_enabled:
            logins["password"] = PasswordLogin(identities, self.hasher, throttle, self.counters)
            registrations["password"] = PasswordRegistration(self.hasher, cfg.policy)
            settings["password"] = PasswordSettings(self.hasher, cfg.policy)
        factors = self._second_factors(nid, settings)
        if cfg.mfa.passkey is not None:
            spender, url = CredentialConfigs(self.db, nid), self.public_url
            settings["passkey"] = KeySettings("passkey", cfg.mfa.passkey, public_url=url)
            logins["passkey"] = PasskeyLogin(cfg.mfa.passkey, identities, spender, public_url=url)
        courier_store = CourierStore(
            self.db, nid, _fernet(cfg.cookie_secrets, "kratos-courier-message")
        )
        c = cfg.courier
        courier = Courier(
            courier_store,
            self.templates,
            SMTPSender(SMTPConfig.from_values(c.smtp)),
            retries=c.message_retries,
            pull_count=c.pull_count,
            pull_wait=c.pull_wait,
        )
        hooks = (
            FlowHooks(cfg.hooks, self.public_url, self.schemas, sessions=manager)
            if cfg.hooks
            else None
        )
        settings_flow = Settings(
            flows,
            manager,
            identities,
            self.schemas,
            settings,
            privileged_max_age=cfg.browser.privileged_session_max_age,
            required_aal=cfg.mfa.settings_required_aal,
            hooks=hooks,
            code_mfa=code_mfa,
        )
        codes = CodeStore(self.db, nid, store, identities, sessions)
        hmac = CodeHmac(cfg.cookie_secrets)
        a = cfg.addresses
        if code_mfa:
            factors["code"] = CodeSecondFactor(
                codes, hmac, courier, lifespan=a.code_lifespan, max_submissions=a.max_submissions
            )
        if a.passwordless and a.code_enabled:
            registrations["code"] = CodeRegistration(
                codes, hmac, courier, lifespan=a.code_lifespan, max_submissions=a.max_submissions
            )
            logins["code"] = CodeLogin(
                identities,
                codes,
                hmac,
                courier,
                lifespan=a.code_lifespan,
                max_submissions=a.max_submissions,
            )
        verification = Verification(
            flows,
            codes,
            hmac,
            courier,
            a,
            ui_url=cfg.browser.ui_url("verification"),
            return_url=a.verification.after_return_url or cfg.browser.default_return_url,
            hooks=hooks,
        )
        return IdentityParts(
            nid=nid,
            hooks=hooks,
            errors=ErrorFlows(ErrorStore(self.db, nid)),
            settings=settings_flow,
            recovery=Recovery(
                flows,
                codes,
                hmac,
                courier,
                a,
                sessions=manager,
                identities=identities,
                settings=settings_flow,
                privileged_max_age=cfg.browser.privileged_session_max_age,
                hooks=hooks,
            ),
            verification=verification,
            courier=courier,
            courier_store=courier_store,
            identity_store=identities,
            session_store=sessions,
            identities=IdentityManager(identities, self.schemas, self.hasher),
            sessions=manager,
            flows=flows,
            login=Login(
                flows,
                manager,
                self.schemas,
                logins,
                self._oauth2_provider(),
                StepUp(identities, factors, self._second_factor_throttle(nid)),
                cfg.mfa.whoami_required_aal,
                hooks,
            ),
            registration=Registration(
                flows,
                manager,
                self.schemas,
                registrations,
                enabled=cfg.registration_enabled,
                session_hook=cfg.registration_session_hook,
                after=(verification,),
                hooks=hooks,
                session_methods=frozenset({"code"} if cfg.registration_code_session_hook else ()),
            ),
        )

    def _second_factors(
        self, nid: uuid.UUID, settings: dict[str, SettingsStrategy]
    ) -> dict[str, SecondFactor]:
        """The enabled second factors: their settings methods join ``settings``."""
        cfg, spender = self.config, CredentialConfigs(self.db, nid)
        factors: dict[str, SecondFactor] = {}
        if cfg.mfa.totp_enabled:
            box = SecretBox(cfg.cookie_secrets, "kratos-totp")
            settings["totp"] = TotpSettings(box, cfg.mfa.totp_issuer)
            factors["totp"] = TotpLogin(box, spender)
        if cfg.mfa.lookup_secret_enabled:
            box = SecretBox(cfg.cookie_secrets, "kratos-lookup-secret")
            settings["lookup_secret"] = LookupSettings(box)
            factors["lookup_secret"] = LookupLogin(box, spender)
        if cfg.mfa.webauthn is not None:
            url = self.public_url
            settings["webauthn"] = KeySettings("webauthn", cfg.mfa.webauthn, public_url=url)
            factors["webauthn"] = KeyLogin(cfg.mfa.webauthn, spender, public_url=url)
        return factors

    def _second_factor_throttle(self, nid: uuid.UUID) -> FailureThrottle:
        store, secret = LoginFailureStore(self.db, nid), self.config.cookie_secrets[0]
        return FailureThrottle(store, secret, now, purpose=b"roost-second-factor-throttle")

    def _oauth2_provider(self) -> HydraAdmin | None:
        b, cfg = self.config.browser, self.config
        if b.oauth2_provider_url is None:
            return None
        remember_for = int(cfg.session_lifespan.total_seconds())
        return HydraAdmin(
            b.oauth2_provider_url,
            b.oauth2_provider_headers,
            b.session_cookie.persistent,
            remember_for,
        )

    async def close(self) -> None:
        provider = self._parts.login.oauth2 if self._parts is not None else None
        if isinstance(provider, HydraAdmin):
            await provider.close()
        if self._parts is not None and self._parts.hooks is not None:
            await self._parts.hooks.close()
        await super().close()

    async def begin(self, parts: IdentityParts) -> None:
        if self.watch_courier:
            self.spawn(parts.courier.watch())

    @property
    def public_url(self) -> str:
        return self.config.public.base_url

    @property
    def admin_url(self) -> str:
        return self.config.admin.base_url

    def metrics(self) -> dict[str, float]:
        return {
            **super().metrics(),
            "roost_identity_logins_total": self.counters.logins,
            "roost_identity_failed_logins_total": self.counters.failed_logins,
            "roost_identity_registrations_total": self.counters.registrations,
            "roost_identity_whoami_total": self.counters.whoami,
        }


async def build(
    config: IdentityConfig,
    db: Database,
    migrator: Migrator,
    base_dir: Path,
    *,
    watch_courier: bool = False,
) -> IdentityService:
    """The registry, with its schemas and message templates loaded."""
    schemas = await load_schemas(
        config.schemas, config.default_schema_id, base_dir, config.public.base_url
    )
    templates = await load_templates(
        config.courier.templates,
        config.courier.template_override_path,
        lambda url: fetch_document(url, base_dir, "courier template"),
    )
    # Two hashing threads: enough to use both cores, few enough that a burst
    # of logins queues instead of starving the event loop of CPU.
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="roost-hash")
    return IdentityService(
        db=db,
        migrator=migrator,
        config=config,
        schemas=schemas,
        hasher=PasswordHasher(config.hasher, executor),
        cookies=CookieSeal(_fernet(config.cookie_secrets, "kratos-session-cookie")),
        templates=templates,
        watch_courier=watch_courier,
    )
