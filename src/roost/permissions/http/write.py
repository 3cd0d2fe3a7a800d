"""The write port (4467): create, patch and delete relation tuples."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from roost.core.errors import Invalid
from roost.core.http import JSON, read_body, route
from roost.permissions.http.params import json_body, service, single_params
from roost.permissions.relationtuples.model import (
    RelationTuple,
    SubjectSet,
    query_from_params,
    tuple_from_json,
)
from roost.permissions.service import PermissionService

MAX_PATCH = 1000
SNAPTOKEN_HEADER = "X-Roost-Snaptoken"
"""Every write's consistency token; a read given it as ``snaptoken`` sees the write."""


def _check_namespaces(svc: PermissionService, t: RelationTuple) -> None:
    """Keto validates only that the namespaces exist; relations are not checked on write."""
    svc.namespaces.get(t.namespace)
    if isinstance(t.subject, SubjectSet):
        svc.namespaces.get(t.subject.namespace)


async def create(request: Request) -> Response:
    svc = service(request)
    t = tuple_from_json(await json_body(request))
    _check_namespaces(svc, t)
    token = await (await svc.parts()).store.write([t], [])
    svc.counters.writes += 1
    headers = {"Location": f"/relation-tuples?{t.to_query()}", SNAPTOKEN_HEADER: token}
    return JSON(t.to_json(), status_code=201, headers=headers)


def _deltas(body: object) -> tuple[list[RelationTuple], list[RelationTuple]]:
    if not isinstance(body, list):
        raise Invalid("could not unmarshal json: expected an array of relationship patches")
    if len(body) > MAX_PATCH:
        raise Invalid(f"a patch may hold at most {MAX_PATCH} deltas")
    inserts, deletes = [], []
    for delta in body:
        if not isinstance(delta, dict):
            raise Invalid("could not unmarshal json: each patch must be an object")
        extra = sorted(set(delta) - {"action", "relation_tuple"})
        if extra:
            raise Invalid(f"could not unmarshal json: unknown field {extra[0]!r}")
        if delta.get("relation_tuple") is None:
            raise Invalid("relation_tuple is missing")
        t = tuple_from_json(delta["relation_tuple"], complete=True)
        action = delta.get("action")
        if action == "insert":
            inserts.append(t)
        elif action == "delete":
            deletes.append(t)
        else:
            raise Invalid(f"unknown action {action}")
    return inserts, deletes


async def patch(request: Request) -> Response:
    svc = service(request)
    inserts, deletes = _deltas(await json_body(request))
    for t in (*inserts, *deletes):
        _check_namespaces(svc, t)
    token = await (await svc.parts()).store.write(inserts, deletes)
    svc.counters.writes += 1
    return Response(status_code=204, headers={SNAPTOKEN_HEADER: token})


async def delete(request: Request) -> Response:
    svc = service(request)
    if await read_body(request):
        raise Invalid("the request body must be empty; pass the query as URL parameters")
    query = query_from_params(single_params(request))
    if query.namespace is None:
        raise Invalid("query parameters must specify at least one of the following: namespace")
    svc.namespaces.get(query.namespace)
    token = await (await svc.parts()).store.delete_matching(query)
    svc.counters.writes += 1
    return Response(status_code=204, headers={SNAPTOKEN_HEADER: token})


write_routes = [route("/admin/relation-tuples", PUT=create, PATCH=patch, DELETE=delete)]
