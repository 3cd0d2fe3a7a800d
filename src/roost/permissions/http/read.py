"""The read port (4466): list, check, batch check, expand, namespaces."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from roost.core.errors import Invalid, NotFound, RoostError
from roost.core.http import JSON, message_of, route, status_of
from roost.core.pagination import page_size
from roost.permissions.http.params import (
    json_body,
    max_depth,
    service,
    single_params,
    snaptoken,
)
from roost.permissions.relationtuples.model import (
    RelationTuple,
    SubjectSet,
    query_from_params,
    tuple_from_json,
    tuple_from_params,
)
from roost.permissions.service import PermissionService


async def list_tuples(request: Request) -> Response:
    svc = service(request)
    params = single_params(request)
    size = page_size(params.pop("page_size", None))
    token = params.pop("page_token", None)
    await svc.await_token(params.pop("snaptoken", None))
    query = query_from_params(params)
    if query.namespace is not None:
        svc.namespaces.get(query.namespace)
    after = None
    if token:
        try:
            after = uuid.UUID(svc.pages.decode(token)["after"])
        except (KeyError, ValueError, TypeError):
            raise Invalid("The page token is invalid or has expired") from None
    tuples, last = await (await svc.parts()).store.list_tuples(query, size, after)
    next_token = svc.pages.encode({"after": str(last)}) if last is not None else ""
    return JSON({"relation_tuples": [t.to_json() for t in tuples], "next_page_token": next_token})


async def allowed(svc: PermissionService, t: RelationTuple, depth: int) -> bool:
    """Check one tuple; raises NotFound for an unknown namespace.

    As in Keto, single checks turn that into "not allowed" and batch checks
    report it in the tuple's ``error``.
    """
    if not svc.namespaces.exists(t.namespace):
        raise NotFound(f'Unknown namespace with name "{t.namespace}".')
    svc.counters.checks += 1
    parts = await svc.parts()
    key = (t.namespace, parts.store.id_of(t.object), t.relation)
    return await parts.checker.check(key, parts.store.subject_ref(t.subject), depth)


async def _from_query(request: Request) -> RelationTuple:
    return tuple_from_params(single_params(request))


async def _from_body(request: Request) -> RelationTuple:
    return tuple_from_json(await json_body(request))


def _single_check(
    source: Callable[[Request], Awaitable[RelationTuple]], denied_status: int
) -> Callable[[Request], Awaitable[Response]]:
    """One of Keto's four single-check endpoints: the tuple from ``source``, and
    "denied" as 403 (``/check``) or as 200 with ``allowed: false`` (``/check/openapi``)."""

    async def handler(request: Request) -> Response:
        t = await source(request)
        await service(request).await_token(snaptoken(request))
        try:
            ok = await allowed(service(request), t, max_depth(request))
        except NotFound:  # an unknown namespace is simply "not allowed" here
            ok = False
        return JSON({"allowed": ok}, status_code=200 if ok else denied_status)

    return handler


def _check_routes() -> list[Route]:
    return [
        route(
            "/relation-tuples/check",
            GET=_single_check(_from_query, 403),
            POST=_single_check(_from_body, 403),
        ),
        route(
            "/relation-tuples/check/openapi",
            GET=_single_check(_from_query, 200),
            POST=_single_check(_from_body, 200),
        ),
    ]


async def batch_check(request: Request) -> Response:
    svc = service(request)
    depth = max_depth(request)
    await svc.await_token(snaptoken(request))
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("tuples", []), list):
        raise Invalid('could not unmarshal json: expected {"tuples": [...]}')
    extra = sorted(set(body) - {"tuples"})
    if extra:
        raise Invalid(f"could not unmarshal json: unknown field {extra[0]!r}")
    raw = body.get("tuples") or []
    limit = svc.config.max_batch_check_size
    if len(raw) > limit:
        raise Invalid(f"batch exceeds max size of {limit}")
    tuples = [tuple_from_json(t, complete=True) for t in raw]
    gate = asyncio.Semaphore(svc.config.batch_check_max_parallelization)

    async def one(t: RelationTuple) -> dict[str, Any]:
        async with gate:
            try:
                return {"allowed": await allowed(svc, t, depth)}
            except RoostError as exc:
                status = status_of(exc)
                if status >= 500:
                    raise
                return {"allowed": False, "error": message_of(exc) if status == 404 else str(exc)}

    results = await asyncio.gather(*(one(t) for t in tuples))
    return JSON({"results": list(results)})


async def expand(request: Request) -> Response:
    svc = service(request)
    params = single_params(request)
    depth = max_depth(request)
    unknown = sorted(set(params) - {"namespace", "object", "relation", "max-depth", "snaptoken"})
    if unknown:
        raise Invalid(f"unknown query parameter {unknown[0]!r}")
    missing = [k for k in ("namespace", "object", "relation") if k not in params]
    if missing:
        raise Invalid(f"query parameter {missing[0]!r} is required")
    subject = SubjectSet(params["namespace"], params["object"], params["relation"])
    svc.namespaces.get(subject.namespace)
    await svc.await_token(params.get("snaptoken"))
    tree = await (await svc.parts()).expander.build(subject, depth)
    if tree is None:
        raise NotFound("no relation tuple found")
    return JSON(tree.to_json())


async def list_namespaces(request: Request) -> Response:
    names = service(request).namespaces.names()
    return JSON({"namespaces": [{"name": n} for n in names]})


read_routes = [
    route("/relation-tuples", GET=list_tuples),
    *_check_routes(),
    route("/relation-tuples/batch/check", POST=batch_check),
    route("/relation-tuples/expand", GET=expand),
    route("/namespaces", GET=list_namespaces),
]
