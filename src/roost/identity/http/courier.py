"""The admin port's courier routes: ``GET /admin/courier/messages`` and ``.../{id}``.

As Kratos: ``status`` and ``recipient`` filter the list (one exact match
each), ``page_size`` is 1..1000 (default 250), and ``page_token`` continues
a keyset page (newest first) named by the ``Link`` header. The message's
``dispatches`` are listed by the single-message getter only.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from roost.core.errors import Invalid, NotFound
from roost.core.http import JSON, route
from roost.identity.courier.message import Status
from roost.identity.http.common import link_header, page_size, service


async def list_messages(request: Request) -> Response:
    svc = service(request)
    size = page_size(request, high=1000)
    raw = request.query_params.get("status")
    status = None
    if raw is not None:
        try:
            status = Status.parse(raw)
        except ValueError:
            raise Invalid("status must be one of queued, sent, processing, abandoned") from None
    page = await (await svc.parts()).courier_store.list(
        status,
        request.query_params.get("recipient") or None,
        request.query_params.get("page_token") or None,
        size,
    )
    return JSON(
        [m.to_json() for m in page.messages],
        headers={"Link": link_header(request, svc.admin_url, size, "", page.next_token)},
    )


async def get_message(request: Request) -> Response:
    svc = service(request)
    raw = request.path_params["id"]
    try:
        message_id = uuid.UUID(raw)
    except ValueError:
        raise Invalid(f"could not parse parameter {{id}} as UUID, got {raw}") from None
    found = await (await svc.parts()).courier_store.get(message_id)
    if found is None:
        raise NotFound(message="Unable to locate the resource")
    return JSON(found.to_json())


courier_routes: list[Route] = [
    route("/admin/courier/messages", GET=list_messages),
    route("/admin/courier/messages/{id}", GET=get_message),
]
