"""Admin API for JSON Web Key sets and for trusted JWT grant issuers (RFC 7523).

Like Hydra, the admin key API returns private keys: the admin port must only be
reachable from a trusted network. The public keys are on the public port's
``/.well-known/jwks.json``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from roost.core.errors import Invalid, NotFound
from roost.core.http import JSON, route
from roost.core.pagination import page_size
from roost.oauth2.http.common import (
    NO_CACHE,
    parts,
    read_json_body,
    service,
)
from roost.oauth2.jwk.manager import parse_jwk
from roost.oauth2.rfc7523.trust import issuer_json, relation_from_body
from roost.oauth2.validation import check_key_ids, check_trust


def _set(request: Request, kid: str | None = None) -> str:
    """The key set named in the path (and ``kid``), within ``hydra_jwk``'s columns."""
    name = str(request.path_params["set"])
    check_key_ids(name, kid)
    return name


async def create_key_set(request: Request) -> Response:
    body = await read_json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("alg"), str):
        raise Invalid("The request body must contain 'alg' (and 'use', 'kid').")
    use = body.get("use") or "sig"
    kid = body.get("kid") or ""
    if not isinstance(use, str) or not isinstance(kid, str):
        raise Invalid("The fields 'use' and 'kid' must be strings.")
    keys = await (await parts(request)).keys.create(_set(request, kid), body["alg"], kid, use)
    return JSON({"keys": keys}, status_code=201)


async def get_key_set(request: Request) -> Response:
    keys = await (await parts(request)).keys.get(_set(request))
    return JSON({"keys": keys}, headers=NO_CACHE)


async def set_key_set(request: Request) -> Response:
    body = await read_json_body(request)
    raw = body.get("keys") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        raise Invalid("The request body must be a JSON Web Key Set with a 'keys' array.")
    keys = [parse_jwk(k) for k in raw]
    if any(not k.get("kid") for k in keys):
        raise Invalid("Every JSON Web Key must have a 'kid'.")
    for k in keys:
        check_key_ids(_set(request), str(k["kid"]))
    await (await parts(request)).keys.store.add(_set(request), keys, replace=True)
    return JSON({"keys": keys})


async def delete_key_set(request: Request) -> Response:
    await (await parts(request)).keys.store.delete(_set(request))
    return Response(status_code=204)


async def get_key(request: Request) -> Response:
    keys = await (await parts(request)).keys.get(_set(request), request.path_params["kid"])
    return JSON({"keys": keys}, headers=NO_CACHE)


async def set_key(request: Request) -> Response:
    kid = str(request.path_params["kid"])
    body = await read_json_body(request)
    if isinstance(body, dict) and not body.get("kid"):
        body["kid"] = kid
    key = parse_jwk(body)
    if key.get("kid", kid) != kid:
        raise Invalid("The 'kid' of the key does not match the path.")
    key["kid"] = kid
    await (await parts(request)).keys.store.add(_set(request, kid), [key], replace=False)
    return JSON(key)


async def delete_key(request: Request) -> Response:
    await (await parts(request)).keys.store.delete(_set(request), str(request.path_params["kid"]))
    return Response(status_code=204)


# -- trusted issuers -------------------------------------------------------------


async def trust_issuer(request: Request) -> Response:
    body = await read_json_body(request)
    check_trust(body)
    relation, key = relation_from_body(body, datetime.now(UTC).replace(tzinfo=None))
    await (await parts(request)).trust.create(relation, key)
    return JSON(issuer_json(relation), status_code=201)


def _issuer_id(request: Request) -> uuid.UUID:
    try:
        return uuid.UUID(str(request.path_params["id"]))
    except ValueError:
        raise NotFound("Unable to locate the resource") from None


async def get_issuer(request: Request) -> Response:
    relation = await (await parts(request)).trust.get(_issuer_id(request))
    if relation is None:
        raise NotFound("Unable to locate the resource")
    return JSON(issuer_json(relation))


async def list_issuers(request: Request) -> Response:
    svc = service(request)
    q = request.query_params
    size = page_size(q.get("page_size"))
    token = q.get("page_token")
    after = uuid.UUID(svc.pages.decode(token)["id"]) if token else None
    rows = await (await parts(request)).trust.list(q.get("issuer") or None, size + 1, after)
    headers = dict(NO_CACHE)
    if len(rows) > size:
        params = {
            "page_size": str(size),
            "page_token": svc.pages.encode({"id": str(rows[size - 1].id)}),
        }
        headers["Link"] = f'<{request.url.include_query_params(**params)}>; rel="next"'
    return JSON([issuer_json(r) for r in rows[:size]], headers=headers)


async def delete_issuer(request: Request) -> Response:
    if not await (await parts(request)).trust.delete(_issuer_id(request)):
        raise NotFound("Unable to locate the resource")
    return Response(status_code=204)


def key_routes(prefix: str) -> list[BaseRoute]:
    issuers = f"{prefix}/trust/grants/jwt-bearer/issuers"
    return [
        route(
            f"{prefix}/keys/{{set}}",
            POST=create_key_set,
            GET=get_key_set,
            PUT=set_key_set,
            DELETE=delete_key_set,
        ),
        route(f"{prefix}/keys/{{set}}/{{kid}}", GET=get_key, PUT=set_key, DELETE=delete_key),
        route(issuers, POST=trust_issuer, GET=list_issuers),
        route(issuers + "/{id}", GET=get_issuer, DELETE=delete_issuer),
    ]
