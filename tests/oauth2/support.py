"""Building an OAuth2 service in-process on a real database, for protocol and store tests."""

from __future__ import annotations

from typing import Any

from roost.core.config import load
from roost.oauth2.clients.model import Client, stamp, validate
from roost.oauth2.config import SPEC, OAuth2Config
from roost.oauth2.service import OAuth2Service, build

SECRET = "an-in-process-system-secret-32-chars"


async def open_service(dsn: str, **extra: Any) -> OAuth2Service:
    raw = {
        "dsn": dsn,
        "secrets": {"system": [SECRET]},
        "oauth2": {"hashers": {"pbkdf2": {"iterations": 10}}},
        **extra,
    }
    cfg = OAuth2Config.from_values(load(raw, SPEC, {}).values)
    return await build(cfg, automigrate=True)


async def add_client(svc: OAuth2Service, secret: str = "client-secret", **body: Any) -> Client:
    doc, _ = validate(body, default_scope=svc.config.default_client_scope)
    doc["client_id"] = doc["client_id"] or f"client-{id(doc)}"
    stamp(doc, None)
    client = Client(doc, svc.hasher.hash(secret))
    await svc.parts.clients.create(client, "")
    return client
