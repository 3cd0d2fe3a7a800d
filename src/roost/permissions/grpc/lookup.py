"""Roost's own gRPC services on the read port (``roost.permissions.v1alpha1``, beyond
Keto's API): reverse lookups streamed in pages, and Watch, a stream of tuple changes.

They answer what their REST twins under ``/x/`` answer (roost.permissions.http.lookup):
the same engines, depth rules, snaptokens and feed tokens.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from roost.core.errors import Invalid
from roost.core.pagination import MAX_PAGE_SIZE
from roost.permissions.grpc.convert import subject_from_proto, tuple_to_proto
from roost.permissions.grpc.errors import translated
from roost.permissions.grpc.gen.roostx.permissions.v1alpha1 import lookup_grpc
from roost.permissions.grpc.gen.roostx.permissions.v1alpha1 import lookup_pb2 as pb
from roost.permissions.relationtuples.model import tuple_from_json
from roost.permissions.service import PermissionService

Stream = Any
DEFAULT_PAGE = 100
WATCH_POLL = 0.1
"""Seconds between two reads of the feed while a Watch stream waits."""


def _size(raw: int) -> int:
    if raw < 0 or raw > MAX_PAGE_SIZE:
        raise Invalid(f"page_size must be between 0 and {MAX_PAGE_SIZE}")
    return raw or DEFAULT_PAGE


def _required(**fields: str) -> None:
    for name, value in fields.items():
        if not value:
            raise Invalid(f"{name} is required")


class Lookup(lookup_grpc.LookupServiceBase):
    def __init__(self, service: PermissionService) -> None:
        self.service = service

    async def LookupObjects(self, stream: Stream) -> None:
        req: pb.LookupObjectsRequest = await stream.recv_message()
        with translated():
            _required(namespace=req.namespace, relation=req.relation)
            if not req.HasField("subject"):
                raise Invalid("subject is not allowed to be nil")
            subject = subject_from_proto(req.subject)
            size = _size(req.page_size)
            self.service.namespaces.get(req.namespace)
            await self.service.await_token(req.snaptoken or None)
            parts = await self.service.parts()
            ref = parts.store.subject_ref(subject)
            pages: list[list[str]] = []
            after, more = None, True
            while more:  # one statement per page when the last level is a leaf query
                found, more = await parts.lookup.objects_page(
                    req.namespace, req.relation, ref, req.max_depth, after, size
                )
                if found:
                    pages.append(await self._names(found))
                    after = found[-1]
        for page in pages:
            await stream.send_message(pb.LookupObjectsResponse(objects=page))

    async def LookupSubjects(self, stream: Stream) -> None:
        req: pb.LookupSubjectsRequest = await stream.recv_message()
        with translated():
            _required(namespace=req.namespace, object=req.object, relation=req.relation)
            size = _size(req.page_size)
            self.service.namespaces.get(req.namespace)
            await self.service.await_token(req.snaptoken or None)
            parts = await self.service.parts()
            key = (req.namespace, parts.store.id_of(req.object), req.relation)
            found = await parts.lookup.subjects(key, req.max_depth)
            pages = [await self._names(found[i : i + size]) for i in range(0, len(found), size)]
        for page in pages:
            await stream.send_message(pb.LookupSubjectsResponse(subject_ids=page))

    async def _names(self, ids: list[uuid.UUID]) -> list[str]:
        names = await (await self.service.parts()).lookup_store.names(ids)
        return [names.get(i, str(i)) for i in ids]


_ACTIONS = {"insert": pb.Change.ACTION_INSERT, "delete": pb.Change.ACTION_DELETE}


class Watch(lookup_grpc.WatchServiceBase):
    def __init__(self, service: PermissionService) -> None:
        self.service = service

    async def Watch(self, stream: Stream) -> None:
        """First message: the changes after the token (none, from now, without one)
        and where they end; then one message per batch of new changes, until cancelled."""
        req: pb.WatchRequest = await stream.recv_message()
        token: str | None = req.snaptoken or None
        first = True
        while True:
            with translated():
                changes, token_next = await (await self.service.parts()).store.changes_since(token)
            if changes or first:
                await stream.send_message(
                    pb.WatchResponse(changes=[_change(c) for c in changes], snaptoken=token_next)
                )
            first = False
            token = token_next
            if not changes:
                await asyncio.sleep(WATCH_POLL)


def _change(c: dict[str, Any]) -> pb.Change:
    return pb.Change(
        action=_ACTIONS[c["action"]],
        relation_tuple=tuple_to_proto(tuple_from_json(c["relation_tuple"])),
    )
