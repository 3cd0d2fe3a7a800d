"""Native (API) login with a password: ``GET /self-service/login/api`` and the submit.

An unknown identifier is compared against a dummy hash of the configured
cost, so it takes as long as a known one and the response (4000006) is the
same. Repeated failures for one identifier are slowed down by
:mod:`roost.identity.credentials.throttle`. After a successful comparison a
hash of another family or cost is upgraded to the configured hasher, as
Kratos does on login.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request

from roost.identity import text
from roost.identity.errors import KratosError
from roost.identity.selfservice import common
from roost.identity.selfservice.common import FormError
from roost.identity.selfservice.flow import Flow, login_nodes
from roost.identity.sessions.manager import new_session, plausible, token_from_request

if TYPE_CHECKING:
    from roost.identity.service import IdentityService


async def refuse_if_signed_in(svc: IdentityService, request: Request) -> None:
    """Kratos refuses to start login/registration for a caller who already has a session."""
    token = token_from_request(svc, request)
    if not token or not plausible(token):
        return
    found = await svc.sessions.by_token(token)
    if found is not None and found.is_active():
        raise KratosError(
            400,
            "session_already_available",
            "A valid session was detected and thus login is not possible. Did you forget to set "
            "`?refresh=true`?",
            message="The request was malformed or contained invalid parameters",
        )


async def create_api_flow(svc: IdentityService, request: Request) -> Flow:
    if request.query_params.get("refresh") not in ("true", "1"):
        await refuse_if_signed_in(svc, request)
    schema = svc.schemas.get(svc.schemas.default_id)
    f = Flow.new("login", "api", str(request.url), svc.config.login_lifespan, login_nodes(schema))
    f.refresh = request.query_params.get("refresh") in ("true", "1")
    await svc.flows.create(f)
    return f


async def submit(svc: IdentityService, request: Request) -> dict[str, Any]:
    f = await common.load_flow(svc, "login", common.flow_id(request))
    schema = svc.schemas.get(svc.schemas.default_id)
    if f.type == "api":
        common.refuse_browser_signals(request)
    if f.expired():
        raise await common.replace_expired(svc, f, login_nodes(schema))
    if f.state == "passed_challenge":
        raise common.already_completed()
    body = await common.read_submission(request)
    f.clear_messages()
    method = body.get("method")
    if method != "password" or not svc.config.password_enabled:
        f.messages.append(text.no_login_strategy())
        await svc.flows.save(f)
        raise FormError(f)
    identifier = body.get("identifier")
    if identifier is None:
        identifier = body.get("password_identifier")
    password = body.get("password")
    f.set_value("identifier", identifier if isinstance(identifier, str) else None)
    missing = False
    for name, value in (("identifier", identifier), ("password", password)):
        if not isinstance(value, str) or value == "":
            f.attach(name, text.required(name))
            missing = True
    if missing:
        await svc.flows.save(f)
        raise FormError(f)
    assert isinstance(identifier, str) and isinstance(password, str)
    key = identifier.strip().lower()
    attempt = await svc.throttle.begin(key)
    if attempt.delay:
        await asyncio.sleep(attempt.delay)
    ident = await svc.identities.by_identifier("password", key)
    cred = ident.credentials.get("password") if ident is not None else None
    hashed = cred.config.get("hashed_password") if cred is not None else None
    ok = await svc.hasher.verify_async(password, hashed if isinstance(hashed, str) else None)
    if not ok or ident is None or cred is None:
        await svc.throttle.failed(attempt)
        svc.counters.failed_logins += 1
        f.messages.append(text.invalid_credentials())
        await svc.flows.save(f)
        raise FormError(f)
    await svc.throttle.succeeded(attempt)
    if ident.state != "active":
        raise KratosError(
            401, None, "This account was disabled.", message="The request could not be authorized"
        )
    if not svc.hasher.understands(str(hashed)):
        cred.config = {**cred.config, "hashed_password": await svc.hasher.hash_async(password)}
        await svc.identities.update_password_hash(cred.id, cred.config)
    session = new_session(svc, ident, request)
    f.active = "password"
    f.state = "passed_challenge"

    async def run(conn: AsyncConnection) -> None:
        await svc.sessions.insert(conn, session)
        await svc.flows.save_in(conn, f)

    await svc.db.transaction(run)
    svc.counters.logins += 1
    return {
        "session_token": session.token,
        "session": session.to_json(svc.schemas.url(ident.schema_id)),
        "continue_with": None,
    }
