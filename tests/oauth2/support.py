"""Building an OAuth2 service in-process on a real database, for protocol and store tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roost.core.config import load
from roost.oauth2.clients.model import Client, stamp, validate
from roost.oauth2.config import SPEC
from roost.oauth2.module import MODULE
from roost.oauth2.service import OAuth2Service
from roost.runtime.module import BuildContext
from roost.runtime.module import open_service as open_module

SECRET = "an-in-process-system-secret-32-chars"


async def open_service(dsn: str, **extra: Any) -> OAuth2Service:
    raw = {
        "dsn": dsn,
        "secrets": {"system": [SECRET]},
        "oauth2": {"hashers": {"pbkdf2": {"iterations": 10}}},
        **extra,
    }
    ctx = BuildContext(Path("."), Path("."), automigrate=True)
    return await open_module(MODULE, load(raw, SPEC, {}).values, ctx)


async def add_client(svc: OAuth2Service, secret: str = "client-secret", **body: Any) -> Client:
    doc, _ = validate(body, default_scope=svc.config.default_client_scope)
    doc["client_id"] = doc["client_id"] or f"client-{id(doc)}"
    stamp(doc, None)
    client = Client(doc, svc.hasher.hash(secret))
    await svc.ready.clients.create(client, "")
    return client
