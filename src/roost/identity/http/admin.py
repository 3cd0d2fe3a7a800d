"""The admin port (4434): identities and sessions under ``/admin``.

As in Kratos, a path on this port without the ``/admin`` prefix is answered
with a 307 to the prefixed path, so ``/identities`` keeps working for old
clients.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from roost.core.errors import Invalid, NotFound, RoostError
from roost.core.http import JSON, route
from roost.identity.http import errors
from roost.identity.http.common import (
    bool_param,
    decode_session_token,
    encode_session_token,
    link_header,
    page_size,
    path_uuid,
    read_json_exact,
    service,
)
from roost.identity.http.courier import courier_routes
from roost.identity.http.recovery import admin_recovery_routes
from roost.identity.identities.bodies import check_body
from roost.identity.identities.manager import IdentityManager
from roost.identity.identities.model import Identity
from roost.identity.service import IdentityService
from roost.identity.sessions.model import Session

NIL = "00000000-0000-0000-0000-000000000000"
MAX_BATCH = 1000
MAX_CLEARTEXT = 200  # hashing is the expensive part of an import


def _not_found() -> NotFound:
    return NotFound(message="Unable to locate the resource")


def _admin_json(svc: IdentityService, ident: Identity, include: frozenset[str]) -> dict[str, Any]:
    return ident.to_json(svc.schemas.url(ident.schema_id), admin=True, include_config=include)


def _include(request: Request) -> frozenset[str]:
    return frozenset(request.query_params.getlist("include_credential"))


async def _load(svc: IdentityService, request: Request) -> Identity:
    return await (await svc.parts()).identities.get(path_uuid(request))


async def list_identities(request: Request) -> Response:
    svc = service(request)
    params = request.query_params
    size = page_size(request)
    if params.get("consistency") not in (None, "", "strong", "eventual"):
        raise Invalid("consistency must be strong or eventual")
    token = params.get("page_token")
    after = None
    if token and token != NIL:
        try:
            after = uuid.UUID(token)
        except ValueError:
            raise Invalid("The page token is invalid") from None
    identifier = params.get("credentials_identifier")
    similar = params.get("preview_credentials_identifier_similar")
    ids = None
    if params.getlist("ids"):
        try:
            ids = [uuid.UUID(i) for i in params.getlist("ids")][:500]
        except ValueError:
            raise Invalid("ids must be UUIDs") from None
    organization = None
    if params.get("organization_id"):
        try:
            organization = uuid.UUID(params["organization_id"])
        except ValueError:
            raise Invalid("organization_id must be a UUID") from None
    if sum(x is not None for x in (identifier, similar, ids, organization)) > 1:
        raise Invalid(
            "only one of credentials_identifier, preview_credentials_identifier_similar,"
            " ids and organization_id may be used at a time"
        )
    found = await (await svc.parts()).identity_store.list(
        after=after,
        limit=size + 1,
        identifier=identifier.strip().lower() if identifier is not None else None,
        similar=similar.strip().lower() if similar is not None else None,
        ids=ids,
        organization=organization,
    )
    more = len(found) > size
    found = found[:size]
    include = _include(request)
    nxt = str(found[-1].id) if more else None
    return JSON(
        [_admin_json(svc, i, include) for i in found],
        headers={"Link": link_header(request, svc.admin_url, size, NIL, nxt)},
    )


async def create_identity(request: Request) -> Response:
    svc = service(request)
    manager = (await svc.parts()).identities
    ident = await manager.create(await read_json_exact(request))
    return JSON(
        _admin_json(svc, ident, frozenset()),
        status_code=201,
        headers={"Location": f"{svc.admin_url}/admin/identities/{ident.id}"},
    )


async def batch_patch(request: Request) -> Response:
    svc = service(request)
    body = await read_json_exact(request)
    entries = body.get("identities") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        raise Invalid("identities must be an array")
    if len(entries) > MAX_BATCH:
        raise Invalid(f"the batch contains more than {MAX_BATCH} identities")
    for e in entries:
        if not isinstance(e, dict) or not isinstance(e.get("create", {}), dict):
            raise Invalid("each entry of identities must be an object with a create body")
        # structural errors refuse the whole batch; semantic ones are reported per entry
        check_body(e.get("create"), "create")
        if "patch_id" in e:
            try:
                uuid.UUID(str(e["patch_id"]) if isinstance(e["patch_id"], str) else "")
            except ValueError:
                raise Invalid("patch_id must be a UUID") from None
    cleartext = sum(
        1
        for e in entries
        if (((e.get("create") or {}).get("credentials") or {}).get("password") or {})
        .get("config", {})
        .get("password")
    )
    if cleartext > MAX_CLEARTEXT:
        raise Invalid(
            f"the batch contains more than {MAX_CLEARTEXT} identities with cleartext passwords"
        )
    manager = (await svc.parts()).identities
    results = []
    for entry in entries:
        patch_id = entry.get("patch_id") if isinstance(entry, dict) else None
        item: dict[str, Any] = {"action": "create"}
        try:
            if not isinstance(entry, dict) or not isinstance(entry.get("create"), dict):
                raise Invalid("each entry needs a create body")
            ident = await manager.create(entry["create"])
            item["identity"] = str(ident.id)
        except RoostError as exc:
            item = {
                "action": "error",
                "error": errors.body(exc)["error"],
            }
        if patch_id is not None:
            item["patch_id"] = patch_id
        results.append(item)
    return JSON({"identities": results})


async def get_identity(request: Request) -> Response:
    svc = service(request)
    return JSON(_admin_json(svc, await _load(svc, request), _include(request)))


async def get_by_external_id(request: Request) -> Response:
    svc = service(request)
    store = (await svc.parts()).identity_store
    found = await store.by_external_id(request.path_params["external_id"])
    if found is None:
        raise _not_found()
    return JSON(_admin_json(svc, found, _include(request)))


def _modify(
    apply: Callable[[IdentityManager, Identity, Any], Awaitable[Identity]],
) -> Callable[[Request], Awaitable[Response]]:
    """PUT (a full body) and PATCH (JSON Patch) differ only in how the body applies."""

    async def handler(request: Request) -> Response:
        svc = service(request)
        ident = await _load(svc, request)
        manager = (await svc.parts()).identities
        updated = await apply(manager, ident, await read_json_exact(request))
        return JSON(_admin_json(svc, updated, frozenset()))

    return handler


update_identity = _modify(IdentityManager.update)
patch_identity = _modify(IdentityManager.patch)


async def delete_identity(request: Request) -> Response:
    svc = service(request)
    await (await svc.parts()).identities.delete(path_uuid(request))
    return Response(status_code=204)


async def delete_credential(request: Request) -> Response:
    svc = service(request)
    manager = (await svc.parts()).identities
    identifier = request.query_params.get("identifier")
    await manager.delete_credential(path_uuid(request), request.path_params["type"], identifier)
    return Response(status_code=204)


def _session_json(
    svc: IdentityService, s: Session, *, identity: bool = True, devices: bool = True
) -> dict[str, Any]:
    url = svc.schemas.url(s.identity.schema_id) if s.identity else None
    return s.to_json(url, with_identity=identity, with_devices=devices)


def _active(request: Request) -> bool | None:
    return bool_param(request, "active")


async def identity_sessions(request: Request) -> Response:
    svc = service(request)
    ident = await _load(svc, request)
    size = page_size(request)
    store = (await svc.parts()).session_store
    found = await store.list(identity_id=ident.id, active=_active(request), limit=size)
    return JSON([_session_json(svc, s) for s in found])


async def delete_identity_sessions(request: Request) -> Response:
    svc = service(request)
    ident = await _load(svc, request)
    await (await svc.parts()).session_store.delete_for_identity(ident.id)
    return Response(status_code=204)


async def list_sessions(request: Request) -> Response:
    svc = service(request)
    size = page_size(request, high=1000)
    token = request.query_params.get("page_token")
    after: tuple[datetime, uuid.UUID] | None = decode_session_token(token) if token else None
    expand = set(request.query_params.getlist("expand"))
    if not expand <= {"identity", "devices"}:
        raise Invalid("expand must be identity or devices")
    store = (await svc.parts()).session_store
    found = await store.list(active=_active(request), after=after, limit=size + 1)
    more = len(found) > size
    found = found[:size]
    nxt = encode_session_token(found[-1]) if more else None
    body = [
        _session_json(svc, s, identity="identity" in expand, devices="devices" in expand)
        for s in found
    ]
    return JSON(body, headers={"Link": link_header(request, svc.admin_url, size, "", nxt)})


async def _session(svc: IdentityService, request: Request) -> Session:
    found = await (await svc.parts()).session_store.get(path_uuid(request))
    if found is None:
        raise _not_found()
    return found


async def get_session(request: Request) -> Response:
    svc = service(request)
    return JSON(_session_json(svc, await _session(svc, request)))


async def disable_session(request: Request) -> Response:
    svc = service(request)
    s = await _session(svc, request)
    await (await svc.parts()).session_store.revoke(session_id=s.id)
    return Response(status_code=204)


MANAGE_MAX_IDS = 500
"""Kratos's ``ManageSessionsMaxIDs``: explicit IDs per ``POST /admin/sessions``."""
MANAGE_BATCH = 5000
"""Kratos's wildcard batch: rows one ``identities: ["*"]`` call changes at most."""
WILDCARD = "*"


def _manage_ids(raw: Any, field: str, wildcard: bool) -> list[uuid.UUID] | None:
    """The field's UUIDs; None for the wildcard ``["*"]`` where it is allowed."""
    if wildcard and raw == [WILDCARD]:
        return None
    reason = f"Could not parse '{field}' field: "
    if len(raw) > MANAGE_MAX_IDS:
        raise Invalid(reason + f"at most {MANAGE_MAX_IDS} IDs may be provided per call")
    ids = []
    for item in raw:
        if not isinstance(item, str):
            raise Invalid("Invalid JSON body.")
        if item == WILDCARD:
            raise Invalid(reason + "the wildcard '*' is not accepted here")
        try:
            ids.append(uuid.UUID(item))
        except ValueError:
            raise Invalid(reason + f"could not parse {str(item)[:64]!r} as UUID") from None
    return ids


async def manage_sessions(request: Request) -> Response:
    """Disable or delete sessions in bulk (Kratos v25's ``manageSessions``)."""
    svc = service(request)
    body = await read_json_exact(request)
    if not isinstance(body, dict):
        raise Invalid("Invalid JSON body.")
    action = body.get("action")
    if action not in ("disable", "delete"):
        raise Invalid("The 'action' field must be one of 'disable' or 'delete'.")
    lists = {}
    for field in ("identities", "sessions"):
        value = body.get(field)
        if value is not None and not isinstance(value, list):
            raise Invalid(f"Could not parse '{field}' field: not an array")
        lists[field] = value or []
    if bool(lists["identities"]) == bool(lists["sessions"]):
        raise Invalid("Exactly one of 'identities' or 'sessions' must be a non-empty array.")
    store = (await svc.parts()).session_store
    if lists["identities"]:
        ids = _manage_ids(lists["identities"], "identities", wildcard=True)
        if ids is None:
            n = await store.manage(action, limit=MANAGE_BATCH)
            return JSON({"processed": n, "more": n == MANAGE_BATCH})
        n = await store.manage(action, identity_ids=ids)
    else:
        sids = _manage_ids(lists["sessions"], "sessions", wildcard=False)
        n = await store.manage(action, session_ids=sids)
    return JSON({"processed": n, "more": False})


async def extend_session(request: Request) -> Response:
    svc = service(request)
    s = await _session(svc, request)
    return JSON(_session_json(svc, await (await svc.parts()).sessions.extend(s)))


async def to_admin(request: Request) -> Response:
    """Kratos's admin port answers un-prefixed paths with a 307 to ``/admin/...``."""
    path = request.url.path
    if path.startswith("/admin/") or path == "/admin":
        raise _not_found()
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/admin{path}{query}", status_code=307)


admin_routes = [
    route("/admin/identities", GET=list_identities, POST=create_identity, PATCH=batch_patch),
    route("/admin/identities/by/external/{external_id}", GET=get_by_external_id),
    route(
        "/admin/identities/{id}",
        GET=get_identity,
        PUT=update_identity,
        PATCH=patch_identity,
        DELETE=delete_identity,
    ),
    route("/admin/identities/{id}/credentials/{type}", DELETE=delete_credential),
    route(
        "/admin/identities/{id}/sessions", GET=identity_sessions, DELETE=delete_identity_sessions
    ),
    route("/admin/sessions", GET=list_sessions, POST=manage_sessions),
    route("/admin/sessions/{id}", GET=get_session, DELETE=disable_session),
    route("/admin/sessions/{id}/extend", PATCH=extend_session),
    *courier_routes,
    *admin_recovery_routes,
    route("/{path:path}", **{m: to_admin for m in ("GET", "POST", "PUT", "PATCH", "DELETE")}),
]
