"""What every self-service submit does before its method runs.

Order, as in Kratos: find the flow (``?flow=``; unknown → 404), refuse
browser signals on an API flow (``Origin`` or non-Cloudflare cookies → 400),
replace an expired flow (410 with ``use_flow_id`` pointing at a fresh flow
that carries the "expired" message), then decode the body. JSON is accepted
whatever the ``Content-Type`` says when the body is a JSON object, because
the seed tutorial's curl sends JSON labelled as a form.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from roost.core.errors import Invalid, NotFound
from roost.core.http import read_body, reject_nul
from roost.identity import text
from roost.identity.errors import GONE, KratosError
from roost.identity.http.common import NUL_IN_JSON
from roost.identity.identities.model import now, ts
from roost.identity.selfservice.flow import Flow, Node

if TYPE_CHECKING:
    from roost.identity.service import IdentityService

MAX_FORM = 64 * 1024
_CF_PREFIXES = ("__cf", "_cf", "cf_")


class FormError(Exception):
    """The flow, with messages attached, goes back to the client as a 400."""

    def __init__(self, flow: Flow) -> None:
        super().__init__("form error")
        self.flow = flow


def flow_id(request: Request, param: str = "flow") -> uuid.UUID:
    """The flow id of a submit (``?flow=``): missing or malformed is a 400 (``GetFlowID``)."""
    try:
        return uuid.UUID(request.query_params.get(param) or "")
    except ValueError:
        raise Invalid(f"the {param} query parameter is missing or malformed") from None


def lookup_id(request: Request) -> uuid.UUID:
    """The id of a flow getter (``?id=``): anything unparsable simply does not exist (404)."""
    try:
        return uuid.UUID(request.query_params.get("id") or "")
    except ValueError:
        raise NotFound("The requested resource could not be found") from None


async def load_flow(svc: IdentityService, kind: str, fid: uuid.UUID) -> Flow:
    found = await svc.flows.get(kind, fid)
    if found is None:
        raise NotFound("The requested resource could not be found")
    return found


def refuse_browser_signals(request: Request) -> None:
    if request.headers.get("origin"):
        raise Invalid(
            'The HTTP Request Header included the "Origin" key, indicating that this request '
            "was made as part of an AJAX request in a Browser. The flow however was initiated "
            "as an API request. To prevent potential misuse and mitigate several attack vectors "
            "including CSRF, the request has been blocked. Please consult the documentation."
        )
    for name in request.cookies:
        if not name.startswith(_CF_PREFIXES):
            raise Invalid(
                'The HTTP Request Header included the "Cookie" key, indicating that this request '
                "was made by a Browser. The flow however was initiated as an API request. To "
                "prevent potential misuse and mitigate several attack vectors including CSRF, the "
                "request has been blocked. Please consult the documentation."
            )


def init_url(svc: IdentityService, kind: str) -> str:
    return f"{svc.public_url}/self-service/{kind}/api"


def expired_on_get(svc: IdentityService, f: Flow) -> KratosError:
    return KratosError(
        410,
        "self_service_flow_expired",
        f"The {f.kind} flow has expired. Call the {f.kind} flow init API endpoint to "
        f"initialize a new {f.kind} flow.",
        message=GONE,
        details={"api": init_url(svc, f.kind)},
    )


async def replace_expired(svc: IdentityService, f: Flow, nodes: list[Node]) -> KratosError:
    """Create the successor flow and the 410 that points to it."""
    at = now()
    since = at - f.expires_at
    lifespan = svc.config.login_lifespan if f.kind == "login" else svc.config.registration_lifespan
    fresh = Flow.new(f.kind, f.type, f.request_url, lifespan, nodes)
    fresh.messages = [
        text.flow_expired(f.kind, since.total_seconds() / 60, int(f.expires_at.timestamp()))
    ]
    await svc.flows.create(fresh)
    return KratosError(
        410,
        "self_service_flow_expired",
        "The self-service flow has expired.",
        message=GONE,
        extra={
            "expired_at": ts(f.expires_at),
            "since": int(since.total_seconds() * 1e9),
            "use_flow_id": str(fresh.id),
        },
    )


def _form(body: bytes) -> dict[str, Any]:
    """Form bodies with dotted names (``traits.name.first``) as nested objects."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out


async def read_submission(request: Request) -> dict[str, Any]:
    body = await read_body(request, MAX_FORM)
    stripped = body.lstrip()
    content_type = request.headers.get("content-type", "")
    if stripped.startswith((b"{", b"[")) or "json" in content_type:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise Invalid(f"Unable to decode JSON payload: {exc}") from exc
        if not isinstance(data, dict):
            raise Invalid("Unable to decode JSON payload: expected a JSON object")
        reject_nul(data, NUL_IN_JSON)
        return data
    form = _form(body)
    reject_nul(form, NUL_IN_JSON)
    return form


def already_completed() -> Invalid:
    return Invalid("The flow has already been completed successfully; start a new flow.")
