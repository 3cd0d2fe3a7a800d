"""Admin API for OAuth 2.0 clients: CRUD, JSON Patch, lifespans, keyset pagination.

A created client gets its secret back exactly once; only the hash is stored.
A PUT without ``client_secret`` keeps the old hash (Hydra's ``UpdateClient``).
A JSON Patch (RFC 6902) is applied to the client document and the result is
validated like a PUT; ``/client_id`` cannot be patched. Secret rotation
(``POST|DELETE …/secrets/rotate``, Hydra after v25) keeps up to five earlier
secrets valid until they are dropped.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any
from urllib.parse import urlencode

import jsonpatch
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from roost.core.errors import Invalid, NotFound
from roost.core.http import JSON, route
from roost.core.pagination import page_size
from roost.oauth2.clients.fields import LIFESPANS
from roost.oauth2.clients.model import (
    Client,
    InvalidClientMetadata,
    generate_secret,
    stamp,
)
from roost.oauth2.http.common import (
    NO_CACHE,
    parts,
    read_json_body,
    service,
)
from roost.oauth2.tokens.hmac import ACCESS_PREFIX


def _path_id(request: Request) -> str:
    return str(request.path_params["id"])


async def _hash(request: Request, secret: str) -> str:
    return await asyncio.to_thread(service(request).hasher.hash, secret)


async def _existing(request: Request) -> Client:
    client = await (await parts(request)).clients.get(_path_id(request))
    if client is None:
        raise NotFound("Unable to locate the resource")
    return client


async def create_client(request: Request) -> Response:
    svc = service(request)
    p = await parts(request)
    body = await read_json_body(request)
    doc, secret = await p.client_rules.validate(body)
    doc["client_id"] = doc["client_id"] or str(uuid.uuid4())
    if Client(doc, "").is_public:
        secret_hash, shown = "", None
    else:
        shown = secret or generate_secret()
        secret_hash = await _hash(request, shown)
    stamp(doc, None)
    client = Client(doc, secret_hash)
    registration_token, registration_sig = svc.hmac.generate(ACCESS_PREFIX)
    await p.clients.create(client, registration_sig)
    out = client.api(secret=shown)
    out["registration_access_token"] = registration_token
    out["registration_client_uri"] = f"{svc.config.public_url}/oauth2/register/{client.id}"
    return JSON(out, status_code=201)


async def get_client(request: Request) -> Response:
    return JSON((await _existing(request)).api(), headers=NO_CACHE)


def _link(request: Request, params: dict[str, str], rel: str) -> str:
    url = request.url.replace(query=urlencode(params))
    return f'<{url}>; rel="{rel}"'


async def list_clients(request: Request) -> Response:
    svc = service(request)
    p = await parts(request)
    q = request.query_params
    size = page_size(q.get("page_size"))
    token = q.get("page_token")
    after = svc.pages.decode(token).get("id") if token else None
    name, owner = q.get("client_name") or None, q.get("owner") or None
    rows = await p.clients.list(size + 1, after, name, owner)
    page, more = rows[:size], len(rows) > size
    filters = {k: v for k, v in (("client_name", name), ("owner", owner)) if v}
    links = [_link(request, {**filters, "page_size": str(size)}, "first")]
    if more:
        next_token = svc.pages.encode({"id": page[-1].id})
        links.append(
            _link(request, {**filters, "page_size": str(size), "page_token": next_token}, "next")
        )
    headers = {**NO_CACHE, "Link": ", ".join(links)}
    return JSON([c.api() for c in page], headers=headers)


async def _save(request: Request, current: Client, body: Any) -> Response:
    """Validate a full client document and write it; the secret is rehashed only if given."""
    p = await parts(request)
    if isinstance(body, dict) and body.get("client_id") not in (None, "", current.id):
        raise InvalidClientMetadata("The client_id in the body does not match the path.")
    doc, secret = await p.client_rules.validate(body, existing=current)
    doc["client_id"] = current.id
    stamp(doc, None)
    doc["created_at"] = current.doc["created_at"]
    secret_hash = await _hash(request, secret) if secret else current.secret_hash
    client = Client(doc, secret_hash, current.rotated_hashes)
    if not await p.clients.replace(client, keep_secret=not secret):
        raise NotFound("Unable to locate the resource")
    return JSON(client.api(secret=secret))


async def set_client(request: Request) -> Response:
    current = await _existing(request)
    return await _save(request, current, await read_json_body(request))


async def patch_client(request: Request) -> Response:
    ops = await read_json_body(request)
    if not isinstance(ops, list) or not all(isinstance(o, dict) for o in ops):
        raise Invalid("The request body must be a JSON Patch (an array of operations).")
    for op in ops:
        if op.get("path") in ("/client_id", "/id") and op.get("op") != "test":
            raise Invalid("The client id can not be changed by a JSON Patch.")
    current = await _existing(request)
    doc = copy.deepcopy(current.doc)
    doc.setdefault("client_secret", "")
    try:
        patched = jsonpatch.JsonPatch(ops).apply(doc)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError) as exc:
        raise Invalid(f"The JSON Patch could not be applied: {exc}") from exc
    if isinstance(patched, dict) and not patched.get("client_secret"):
        patched.pop("client_secret", None)
    return await _save(request, current, patched)


async def delete_client(request: Request) -> Response:
    if not await (await parts(request)).clients.delete(_path_id(request)):
        raise NotFound("Unable to locate the resource")
    return Response(status_code=204)


async def set_lifespans(request: Request) -> Response:
    body = await read_json_body(request)
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object of lifespans.")
    current = await _existing(request)
    doc = {k: v for k, v in current.doc.items() if k not in LIFESPANS}
    doc.update({k: body[k] for k in LIFESPANS if body.get(k) is not None})
    return await _save(request, current, doc)


async def rotate_secret(request: Request) -> Response:
    """A new secret (shown once); the old one keeps working until the rotated ones are dropped."""
    current = await _existing(request)
    if current.is_public:
        raise Invalid("The client authenticates without a secret, there is none to rotate.")
    secret = generate_secret()
    client = await (await parts(request)).clients.rotate_secret(
        current.id, await _hash(request, secret)
    )
    if client is None:
        raise NotFound("Unable to locate the resource")
    return JSON(client.api(secret=secret))


async def delete_rotated_secrets(request: Request) -> Response:
    client = await (await parts(request)).clients.rotate_secret(_path_id(request), None)
    if client is None:
        raise NotFound("Unable to locate the resource")
    return JSON(client.api())


def client_routes(prefix: str) -> list[BaseRoute]:
    return [
        route(f"{prefix}/clients", POST=create_client, GET=list_clients),
        route(
            f"{prefix}/clients/{{id}}",
            GET=get_client,
            PUT=set_client,
            PATCH=patch_client,
            DELETE=delete_client,
        ),
        route(f"{prefix}/clients/{{id}}/lifespans", PUT=set_lifespans),
        route(
            f"{prefix}/clients/{{id}}/secrets/rotate",
            POST=rotate_secret,
            DELETE=delete_rotated_secrets,
        ),
    ]
