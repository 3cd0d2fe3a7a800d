"""A self-service request as plain values: flow ids, browser signals, the submitted body.

JSON is accepted whatever the ``Content-Type`` says when the body is a JSON
object, because the seed tutorial's curl sends JSON labelled as a form. Form
bodies with dotted names (``traits.name.first``) become nested objects.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from roost.core.errors import Invalid, NotFound
from roost.core.http import read_body, reject_nul
from roost.identity.http.common import NUL_IN_JSON
from roost.identity.http.sessions import device_of
from roost.identity.selfservice.flows import BrowserSignal, Submission
from roost.identity.selfservice.hooks.request import HookRequest, hook_request
from roost.identity.validation import check_document

MAX_FORM = 64 * 1024
_CF_PREFIXES = ("__cf", "_cf", "cf_")


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


def browser_signal(request: Request) -> BrowserSignal | None:
    """What marks the request as a browser's: ``Origin``, or a cookie not set by Cloudflare."""
    if request.headers.get("origin"):
        return "origin"
    if any(not name.startswith(_CF_PREFIXES) for name in request.cookies):
        return "cookie"
    return None


def _form(body: bytes) -> dict[str, Any]:
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
    """The submitted body as an object (JSON or form)."""
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
        check_document(data)
        return data
    form = _form(body)
    reject_nul(form, NUL_IN_JSON)
    check_document(form)
    return form


def for_hooks(request: Request) -> HookRequest:
    """What web hooks see of ``request`` (allowed headers only)."""
    return hook_request(request.method, str(request.url), request.headers, request.cookies)


def submission(request: Request) -> Submission:
    """A submit's plain values; the body is read when the flow has accepted the request."""
    return Submission(
        flow_id=flow_id(request),
        browser=browser_signal(request),
        device=device_of(request),
        body=lambda: read_submission(request),
        request=for_hooks(request),
    )
