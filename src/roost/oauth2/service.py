"""The OAuth2 service's registry: built once at start-up, handed to both ports.

It owns the secret hasher and the token keys, and assembles the stores, the
token strategies and the protocol endpoints once the schema is current (see
``roost.runtime.service``). With ``janitor.interval`` set, a background task
deletes expired tokens in small batches.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field

from roost.core.pagination import PageTokens
from roost.core.throttle import FailureThrottle
from roost.oauth2 import scopes as sc
from roost.oauth2.clients.hashing import SecretHasher, VerifiedSecrets
from roost.oauth2.clients.registration import Registration
from roost.oauth2.clients.rules import ClientRules, http_fetch
from roost.oauth2.config import OAuth2Config
from roost.oauth2.consent.challenges import Challenges
from roost.oauth2.consent.logout import Logout, LogoutURLs
from roost.oauth2.consent.requests import ConsentRequests
from roost.oauth2.consent.sessions import ConsentSessions
from roost.oauth2.consent.strategy import FlowURLs, LoginConsentStrategy
from roost.oauth2.janitor import Janitor
from roost.oauth2.jwk.manager import KeyManager
from roost.oauth2.oidc.authorize_response import AuthorizeResponder
from roost.oauth2.oidc.backchannel import BackChannelLogout
from roost.oauth2.oidc.id_token import IDTokenSigner
from roost.oauth2.oidc.pairwise import SubjectIdentifiers
from roost.oauth2.oidc.userinfo import UserInfo
from roost.oauth2.rfc6749.authorization import AuthorizationValidator
from roost.oauth2.rfc6749.client_auth import AuthCounters, ClientAuthenticator
from roost.oauth2.rfc6749.grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    Grant,
    RefreshTokenGrant,
)
from roost.oauth2.rfc6749.token_endpoint import TokenEndpoint
from roost.oauth2.rfc7009 import Revoker
from roost.oauth2.rfc7523.assertion import AssertionRules
from roost.oauth2.rfc7523.client_assertion import ClientAssertionAuthenticator
from roost.oauth2.rfc7523.grant import JWTBearerGrant
from roost.oauth2.rfc7636 import PKCEPolicy
from roost.oauth2.rfc7662 import Introspector
from roost.oauth2.rfc8628.device import DeviceAuthorization, DeviceURLs, UserCodes
from roost.oauth2.rfc8628.grant import DeviceCodeGrant
from roost.oauth2.rfc8628.verification import (
    DeviceFlowURLs,
    DeviceLoginConsent,
    DeviceRequests,
    DeviceVerification,
)
from roost.oauth2.rfc9126 import PARPolicy, PushedAuthorization
from roost.oauth2.rfc9449 import DPoP, DPoPPolicy
from roost.oauth2.sql.client_failures import ClientAuthFailureStore
from roost.oauth2.sql.clients import ClientStore
from roost.oauth2.sql.devices import DeviceStore
from roost.oauth2.sql.dpop import ProofReplayStore
from roost.oauth2.sql.flows import FlowStore
from roost.oauth2.sql.keys import KeyStore
from roost.oauth2.sql.logout import LogoutStore
from roost.oauth2.sql.network import ensure_network
from roost.oauth2.sql.pushed import PushedRequestStore
from roost.oauth2.sql.sessions import ConsentSessionStore
from roost.oauth2.sql.tokens import TokenStore
from roost.oauth2.sql.trust import TrustStore
from roost.oauth2.tokens.aead import AEAD
from roost.oauth2.tokens.hmac import HMACStrategy
from roost.oauth2.tokens.hook import token_hooks
from roost.oauth2.tokens.issuer import TokenIssuer, now_utc
from roost.oauth2.tokens.jwt import JWTStrategy
from roost.runtime.service import Service
from roost.storage.database import Database
from roost.storage.migrate import Migrator

log = logging.getLogger("roost.oauth2")


@dataclass
class Counters:
    tokens: int = 0
    introspections: int = 0
    auth: AuthCounters = field(default_factory=AuthCounters)


@dataclass
class Parts:
    """Everything that needs the migrated schema (and the network id)."""

    clients: ClientStore
    tokens: TokenStore
    keys: KeyManager
    trust: TrustStore
    issuer: TokenIssuer
    token_endpoint: TokenEndpoint
    client_auth: ClientAuthenticator
    introspector: Introspector
    revoker: Revoker
    janitor: Janitor
    authorization: LoginConsentStrategy
    consent_requests: ConsentRequests
    userinfo: UserInfo
    logout: Logout
    consent_sessions: ConsentSessions
    backchannel: BackChannelLogout
    registration: Registration
    device_authorization: DeviceAuthorization
    device_verification: DeviceVerification
    client_rules: ClientRules
    subjects: SubjectIdentifiers
    pushed: PushedAuthorization


@dataclass(kw_only=True)
class OAuth2Service(Service[Parts]):
    config: OAuth2Config
    hasher: SecretHasher
    hmac: HMACStrategy
    aead: AEAD
    pages: PageTokens
    counters: Counters = field(default_factory=Counters)

    async def assemble(self) -> Parts:
        nid = await ensure_network(self.db)
        cfg = self.config
        strategy = sc.STRATEGIES[cfg.scope_strategy]
        subjects = SubjectIdentifiers(cfg.subject_types, cfg.pairwise_salt)
        client_rules = ClientRules(
            default_scope=cfg.default_client_scope,
            subject_types=cfg.subject_types,
            fetch=http_fetch,
        )
        clients = ClientStore(self.db, nid)
        tokens = TokenStore(self.db, nid, self.aead if cfg.encrypt_at_rest else None)
        keys = KeyManager(KeyStore(self.db, nid, self.aead))
        trust = TrustStore(self.db, nid, self.aead)
        jwt = JWTStrategy(keys, cfg.issuer, cfg.scope_claim, nbf=not cfg.exclude_not_before_claim)
        issuer = TokenIssuer(
            tokens,
            self.hmac,
            jwt,
            default_strategy=cfg.access_token_strategy,
            access_ttl=cfg.access_token_ttl,
            refresh_ttl=cfg.refresh_token_ttl,
            mirror_claims=cfg.mirror_top_level_claims,
            hooks=token_hooks(cfg.refresh_token_hook, cfg.token_hook),
        )
        rules = AssertionRules(
            token_urls=tuple(
                dict.fromkeys([f"{cfg.public_url}/oauth2/token", f"{cfg.issuer}/oauth2/token"])
            ),
            max_ttl=cfg.jwt_max_ttl,
            jti_optional=cfg.jwt_jti_optional,
            iat_optional=cfg.jwt_iat_optional,
        )
        auth_failures = ClientAuthFailureStore(self.db, nid)
        throttle = FailureThrottle(
            auth_failures,
            cfg.system_secrets[0],
            now_utc,
            purpose=b"roost-client-auth-throttle",
        )
        auth = ClientAuthenticator(
            clients,
            self.hasher,
            ClientAssertionAuthenticator(clients, tokens, rules),
            throttle,
            dummy_hash=await asyncio.to_thread(self.hasher.hash, secrets.token_urlsafe(32)),
            counters=self.counters.auth,
            recent=VerifiedSecrets(cfg.hashers.verified_secret_ttl),
        )
        id_signer = IDTokenSigner(keys, cfg.issuer, cfg.id_token_ttl)
        code_grant = AuthorizationCodeGrant(
            issuer, tokens, self.hmac, id_signer, code_ttl=cfg.auth_code_ttl
        )
        responder = AuthorizeResponder(code_grant, issuer, id_signer)
        devices = DeviceStore(self.db, nid, self.aead if cfg.encrypt_at_rest else None)
        grants: list[Grant] = [
            code_grant,
            DeviceCodeGrant(
                issuer, tokens, self.hmac, id_signer, devices, interval=cfg.device_polling_interval
            ),
            ClientCredentialsGrant(issuer, strategy, grant_all=cfg.default_grant_allowed_scope),
            RefreshTokenGrant(issuer, tokens, self.hmac, strategy, id_signer),
            JWTBearerGrant(issuer, trust, tokens, rules, strategy),
        ]
        proofs = ProofReplayStore(self.db, nid)
        dpop = DPoP(
            DPoPPolicy(
                cfg.dpop_enabled,
                cfg.dpop_required,
                cfg.dpop_algorithms,
                cfg.dpop_proof_lifetime,
                cfg.dpop_clock_skew,
            ),
            proofs,
            (cfg.public_url, cfg.issuer),
        )
        on = dpop if cfg.dpop_enabled else None  # while off, nothing reads the DPoP header
        introspector = Introspector(tokens, self.hmac, jwt, cfg.issuer, strategy)
        flows = FlowStore(self.db, nid)
        challenges = Challenges(self.aead)
        pkce = PKCEPolicy(cfg.pkce_enforced, cfg.pkce_enforced_for_public_clients)
        validator = AuthorizationValidator(clients, strategy, pkce, dpop=cfg.dpop_enabled)
        pushed_store = PushedRequestStore(self.db, nid)
        pushed = PushedAuthorization(
            PARPolicy(cfg.par_enabled or cfg.par_required, cfg.par_required, cfg.par_ttl),
            pushed_store,
            auth,
            validator,
            clients,
            on,
        )
        authorization = LoginConsentStrategy(
            validator,
            flows,
            challenges,
            responder,
            FlowURLs(cfg.login_url, cfg.consent_url, cfg.registration_url),
            ttl=cfg.login_consent_ttl,
            session_ttl=cfg.authentication_session_ttl,
            strategy=strategy,
            subjects=subjects,
        )
        device_urls = DeviceFlowURLs(
            cfg.device_verification_url,
            cfg.device_success_url,
            cfg.error_url,
            f"{cfg.public_url}/oauth2/device/verify",
        )
        user_codes = UserCodes(cfg.system_secrets[0], cfg.user_code_length, cfg.user_code_alphabet)
        device_login = DeviceLoginConsent(
            DeviceRequests(devices, clients, challenges, device_urls),
            flows,
            challenges,
            responder,
            FlowURLs(cfg.login_url, cfg.consent_url, cfg.registration_url),
            ttl=cfg.login_consent_ttl,
            session_ttl=cfg.authentication_session_ttl,
            strategy=strategy,
            subjects=subjects,
        )
        backchannel = BackChannelLogout(keys, cfg.issuer)
        logout = Logout(
            LogoutStore(self.db, nid),
            flows,
            clients,
            keys,
            challenges,
            backchannel,
            LogoutURLs(
                cfg.logout_url, cfg.post_logout_url, f"{cfg.public_url}/oauth2/sessions/logout"
            ),
            issuer=cfg.issuer,
            ttl=cfg.login_consent_ttl,
            subjects=subjects,
        )
        return Parts(
            client_rules=client_rules,
            subjects=subjects,
            clients=clients,
            tokens=tokens,
            keys=keys,
            trust=trust,
            issuer=issuer,
            token_endpoint=TokenEndpoint(auth, grants, on),
            client_auth=auth,
            introspector=introspector,
            revoker=Revoker(introspector, tokens),
            janitor=Janitor(tokens, cfg.janitor_batch_size, auth_failures, pushed_store, proofs),
            pushed=pushed,
            authorization=authorization,
            consent_requests=ConsentRequests(flows, challenges, clients, cfg.login_consent_ttl),
            userinfo=UserInfo(introspector, clients, id_signer, on),
            logout=logout,
            consent_sessions=ConsentSessions(
                ConsentSessionStore(self.db, nid), clients, challenges, logout
            ),
            backchannel=backchannel,
            device_authorization=DeviceAuthorization(
                auth,
                devices,
                self.hmac,
                user_codes,
                strategy,
                DeviceURLs(f"{cfg.public_url}/oauth2/device/verify"),
                ttl=cfg.device_ttl,
                interval=cfg.device_polling_interval,
            ),
            device_verification=DeviceVerification(
                devices,
                user_codes,
                challenges,
                clients,
                device_login,
                device_urls,
                ttl=cfg.device_ttl,
            ),
            registration=Registration(
                clients,
                self.hmac,
                self._hash_secret,
                enabled=cfg.dynamic_registration,
                rules=client_rules,
                endpoint=f"{cfg.public_url}/oauth2/register",
            ),
        )

    async def _hash_secret(self, secret: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, secret)

    async def begin(self, parts: Parts) -> None:
        if self.config.janitor_interval is not None:
            self.spawn(self._janitor_loop(parts))

    async def _janitor_loop(self, parts: Parts) -> None:
        assert self.config.janitor_interval is not None
        while True:
            await asyncio.sleep(self.config.janitor_interval.total_seconds())
            try:
                removed = await parts.janitor.run()
                if removed:
                    log.info("janitor removed %d expired token row(s)", removed)
            except Exception:
                log.exception("janitor run failed")

    def metrics(self) -> dict[str, float]:
        return {
            **super().metrics(),
            "roost_oauth2_tokens_issued_total": self.counters.tokens,
            "roost_oauth2_introspections_total": self.counters.introspections,
            "roost_oauth2_client_secret_verifications_total": (
                self.counters.auth.secret_verifications
            ),
            "roost_oauth2_client_secret_recently_verified_total": (
                self.counters.auth.recently_verified
            ),
            "roost_oauth2_client_auth_failures_total": self.counters.auth.failures,
            "roost_oauth2_client_auth_delayed_total": self.counters.auth.delayed,
        }


def build(config: OAuth2Config, db: Database, migrator: Migrator) -> OAuth2Service:
    """The registry; its parts are assembled when it starts."""
    return OAuth2Service(
        db=db,
        migrator=migrator,
        config=config,
        hasher=SecretHasher(config.hashers),
        hmac=HMACStrategy(config.system_secrets),
        aead=AEAD(config.system_secrets),
        pages=PageTokens(config.pagination_secrets, "hydra-pagination"),
    )
