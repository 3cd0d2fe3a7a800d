"""Roost's reverse lookups on the read port, under ``/x/`` (beyond Keto's API).

``GET /x/relation-tuples/objects``: the objects of ``namespace`` whose
``relation`` holds a subject (``subject_id`` or ``subject_set.*``, as in Keto's
list query). ``GET /x/relation-tuples/subjects``: the subject ids that
``namespace:object#relation`` holds. Both take Keto's ``max-depth``,
``page_size`` and ``page_token``, and answer what checking each candidate
would; pages follow the objects' (subjects') UUID order, so a page token stays
valid while tuples change. ``GET /x/watch``: the change feed, as a long poll.
"""

from __future__ import annotations

import asyncio
import bisect
import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from roost.core.errors import Invalid
from roost.core.http import JSON, route
from roost.core.pagination import page_size
from roost.permissions.http.params import max_depth, service, single_params
from roost.permissions.relationtuples.model import query_from_params
from roost.permissions.service import PermissionService

_PAGING = ("page_size", "page_token", "max-depth", "snaptoken")
WATCH_DEFAULT = 30.0
WATCH_MAX = 60.0
WATCH_POLL = 0.1
"""Seconds between two reads of the feed while a long poll waits."""


def _required(params: dict[str, str], *names: str) -> None:
    for name in names:
        if not params.get(name):
            raise Invalid(f"query parameter {name!r} is required")


def _cursor(svc: PermissionService, params: dict[str, str]) -> uuid.UUID | None:
    """The last UUID of the previous page, from ``page_token`` (None: the first page)."""
    token = params.get("page_token")
    if not token:
        return None
    try:
        return uuid.UUID(svc.pages.decode(token)["after"])
    except (KeyError, ValueError, TypeError):
        raise Invalid("The page token is invalid or has expired") from None


def _page(
    svc: PermissionService, found: list[uuid.UUID], params: dict[str, str]
) -> tuple[list[uuid.UUID], str]:
    """One page of UUID-ordered results, and the token of the next ("" at the end)."""
    size = page_size(params.get("page_size"))
    after = _cursor(svc, params)
    rest = found if after is None else found[bisect.bisect_right(found, after) :]
    page = rest[:size]
    return page, _next_token(svc, page, len(rest) > size)


def _next_token(svc: PermissionService, page: list[uuid.UUID], more: bool) -> str:
    return svc.pages.encode({"after": str(page[-1])}) if more else ""


async def _names(svc: PermissionService, ids: list[uuid.UUID]) -> list[str]:
    names = await (await svc.parts()).lookup_store.names(ids)
    return [names.get(i, str(i)) for i in ids]


async def list_objects(request: Request) -> Response:
    svc = service(request)
    params = single_params(request)
    query = query_from_params(params, allowed_extra=_PAGING)
    if query.object is not None:
        raise Invalid("unknown query parameter 'object'")
    _required(params, "namespace", "relation")
    if query.subject is None:
        raise Invalid("subject is not allowed to be nil")
    namespace, relation = params["namespace"], params["relation"]
    svc.namespaces.get(namespace)
    await svc.await_token(params.get("snaptoken"))
    parts = await svc.parts()
    size = page_size(params.get("page_size"))
    after = _cursor(svc, params)
    subject = parts.store.subject_ref(query.subject)
    page, more = await parts.lookup.objects_page(
        namespace, relation, subject, max_depth(request), after, size
    )
    next_token = _next_token(svc, page, more)
    return JSON({"objects": await _names(svc, page), "next_page_token": next_token})


async def list_subjects(request: Request) -> Response:
    svc = service(request)
    params = single_params(request)
    query = query_from_params(params, allowed_extra=_PAGING)
    if query.subject is not None:
        raise Invalid("subject_id and subject_set.* are not allowed here")
    _required(params, "namespace", "object", "relation")
    svc.namespaces.get(params["namespace"])
    await svc.await_token(params.get("snaptoken"))
    parts = await svc.parts()
    key = (params["namespace"], parts.store.id_of(params["object"]), params["relation"])
    found = await parts.lookup.subjects(key, max_depth(request))
    page, next_token = _page(svc, found, params)
    return JSON({"subject_ids": await _names(svc, page), "next_page_token": next_token})


def _timeout(raw: str | None) -> float:
    if raw is None:
        return WATCH_DEFAULT
    try:
        value = float(raw)
    except ValueError:
        raise Invalid("timeout must be a number of seconds") from None
    if not 0 <= value <= WATCH_MAX:
        raise Invalid(f"timeout must be between 0 and {WATCH_MAX:g} seconds")
    return value


async def watch(request: Request) -> Response:
    """Long poll: the tuple changes after ``snaptoken``, waiting up to ``timeout`` for one.

    Without a token it answers at once with the token of "now", to start from.
    The answer's ``snaptoken`` is where the next poll continues.
    """
    svc = service(request)
    params = single_params(request)
    unknown = sorted(set(params) - {"snaptoken", "timeout"})
    if unknown:
        raise Invalid(f"unknown query parameter {unknown[0]!r}")
    timeout = _timeout(params.get("timeout"))
    token = params.get("snaptoken")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        changes, token_next = await (await svc.parts()).store.changes_since(token)
        if changes or token is None or loop.time() >= deadline:
            return JSON({"changes": changes, "snaptoken": token_next})
        token = token_next
        await asyncio.sleep(min(WATCH_POLL, max(0.0, deadline - loop.time())))


lookup_routes: list[Route] = [
    route("/x/relation-tuples/objects", GET=list_objects),
    route("/x/relation-tuples/subjects", GET=list_subjects),
    route("/x/watch", GET=watch),
]
