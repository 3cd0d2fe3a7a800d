"""Native (API) registration: ``GET /self-service/registration/api`` and the submit.

``method: password`` validates the traits against the schema, the password
against the policy, hashes it off the event loop, and writes the identity in
one transaction (plus the session when the ``session`` after-hook is
configured). Form errors come back as the flow (400) with messages on the
failing nodes; a duplicate identifier is 4000007 on the form.
``method: profile`` is Kratos's first screen of two-step registration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request

from roost.core.errors import Conflict
from roost.identity import text
from roost.identity.credentials.policy import check_password
from roost.identity.errors import KratosError
from roost.identity.identities.manager import derive
from roost.identity.identities.model import Credential, Identity
from roost.identity.selfservice import common
from roost.identity.selfservice.common import FormError
from roost.identity.selfservice.flow import (
    Flow,
    input_node,
    password_registration_nodes,
    registration_nodes,
)
from roost.identity.sessions.manager import new_session
from roost.identity.sessions.model import Session

if TYPE_CHECKING:
    from roost.identity.service import IdentityService


async def create_api_flow(svc: IdentityService, request: Request) -> Flow:
    if not svc.config.registration_enabled:
        raise KratosError(
            400,
            "self_service_flow_disabled",
            "Registration is not allowed because it was disabled.",
            message="The request was malformed or contained invalid parameters",
        )
    schema = svc.schemas.get(svc.schemas.default_id)
    f = Flow.new(
        "registration",
        "api",
        str(request.url),
        svc.config.registration_lifespan,
        registration_nodes(schema),
    )
    await svc.flows.create(f)
    return f


def _show_values(f: Flow, traits: Any, schema_fields: list[str]) -> None:
    for path in schema_fields:
        node: Any = traits
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        f.set_value(f"traits.{path}", node)


def _ensure_password_nodes(f: Flow) -> None:
    if f.node("password") is None:
        f.nodes.extend(password_registration_nodes())
    method = f.node("method")
    if method is not None and method["attributes"].get("value") == "profile":
        f.nodes.remove(method)
        f.nodes.append(password_registration_nodes()[1])


async def submit(svc: IdentityService, request: Request) -> dict[str, Any] | Flow:
    """Returns the success body, or the flow to re-render with 200 (profile screen)."""
    f = await common.load_flow(svc, "registration", common.flow_id(request))
    schema = svc.schemas.get(f.identity_schema_id or svc.schemas.default_id)
    if f.type == "api":
        common.refuse_browser_signals(request)
    if f.expired():
        raise await common.replace_expired(svc, f, registration_nodes(schema))
    if f.state == "passed_challenge":
        raise common.already_completed()
    body = await common.read_submission(request)
    f.clear_messages()
    method = body.get("method")
    traits = body.get("traits", {})
    _show_values(f, traits, [fld.path for fld in schema.fields])
    if method == "profile":
        return await _profile(svc, f, traits)
    if method != "password" or not svc.config.password_enabled:
        f.messages.append(text.no_registration_strategy())
        await svc.flows.save(f)
        raise FormError(f)
    f.active = "password"
    _ensure_password_nodes(f)
    password = body.get("password")
    errors = schema.validate(traits)
    if not isinstance(password, str) or password == "":
        errors.append(("password", text.required("password")))
    identifiers = schema.identifiers(traits) if not errors else []
    if not errors and not identifiers:
        errors.append(("", text.identifier_missing()))
    if not errors and isinstance(password, str):
        problem = await check_password(
            svc.config.policy, password, identifiers, svc.hasher.max_bytes
        )
        if problem is not None:
            errors.append(("password", problem))
    if errors:
        for name, message in errors:
            f.attach(name, message)
        await svc.flows.save(f)
        raise FormError(f)
    assert isinstance(password, str)
    hashed = await svc.hasher.hash_async(password)
    ident = Identity(schema_id=schema.id, traits=traits)
    ident.credentials["password"] = Credential("password", [], {"hashed_password": hashed})
    derive(schema, ident)
    return await _persist(svc, f, ident, request)


async def _profile(svc: IdentityService, f: Flow, traits: Any) -> Flow:
    schema = svc.schemas.get(f.identity_schema_id or svc.schemas.default_id)
    errors = schema.validate(traits)
    if errors:
        for name, message in errors:
            f.attach(name, message)
        await svc.flows.save(f)
        raise FormError(f)
    f.active = "profile"
    if f.node("screen") is None:
        f.nodes.append(
            input_node("screen", "profile", "submit", value="previous", label=text.back())
        )
    _ensure_password_nodes(f)
    await svc.flows.save(f)
    return f


async def _persist(
    svc: IdentityService, f: Flow, ident: Identity, request: Request
) -> dict[str, Any]:
    session: Session | None = None
    if svc.config.registration_session_hook:
        session = new_session(svc, ident, request)

    async def run(conn: AsyncConnection) -> None:
        await svc.identities.insert(conn, ident)
        if session is not None:
            await svc.sessions.insert(conn, session)
        await svc.flows.save_in(conn, f)

    f.state = "passed_challenge"
    try:
        await svc.db.transaction(run)
    except Conflict:
        f.state = "choose_method"
        f.messages.append(text.duplicate_credentials())
        await svc.flows.save(f)
        raise FormError(f) from None
    svc.counters.registrations += 1
    url = svc.schemas.url(ident.schema_id)
    if session is None:
        return {"identity": ident.to_json(url), "continue_with": None}
    return {
        "session_token": session.token,
        "session": session.to_json(url),
        "identity": ident.to_json(url),
        "continue_with": [{"action": "set_ory_session_token", "ory_session_token": session.token}],
    }
