"""Keto's gRPC services over the permission service's engines and stores.

The same :class:`PermissionService` registry the REST routers use serves
every call, so REST and gRPC answer alike; where Keto's gRPC handlers differ
from its REST ones (an expand without tuples is an empty response, not a
404), these follow Keto's gRPC handlers.
"""

from __future__ import annotations

import uuid
from typing import Any

from roost import __version__
from roost.core.errors import Invalid
from roost.core.pagination import MAX_PAGE_SIZE, page_size
from roost.permissions.expand.engine import Tree
from roost.permissions.grpc.convert import (
    query_from_request,
    subject_from_proto,
    tree_to_proto,
    tuple_from_proto,
    tuple_of,
    tuple_to_proto,
)
from roost.permissions.grpc.errors import translated
from roost.permissions.grpc.gen.ory.keto.opl.v1alpha1 import syntax_service_grpc as syntax_grpc
from roost.permissions.grpc.gen.ory.keto.opl.v1alpha1 import syntax_service_pb2 as syntax_pb
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    check_service_grpc,
    expand_service_grpc,
    namespaces_service_grpc,
    read_service_grpc,
    version_grpc,
    write_service_grpc,
)
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    check_service_pb2 as check_pb,
)
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    expand_service_pb2 as expand_pb,
)
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    namespaces_service_pb2 as namespaces_pb,
)
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    read_service_pb2 as read_pb,
)
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    version_pb2 as version_pb,
)
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    write_service_pb2 as write_pb,
)
from roost.permissions.http.read import allowed
from roost.permissions.namespaces.opl import parse_opl
from roost.permissions.relationtuples.model import RelationTuple, SubjectSet
from roost.permissions.service import PermissionService

NOT_IMPLEMENTED = "not yet implemented"  # Keto's snaptoken value
Stream = Any  # grpclib.server.Stream[Request, Response]; typed per method by grpclib


class Version(version_grpc.VersionServiceBase):
    async def GetVersion(self, stream: Stream) -> None:
        await stream.recv_message()
        await stream.send_message(version_pb.GetVersionResponse(version=f"v{__version__}"))


class Read(read_service_grpc.ReadServiceBase):
    def __init__(self, service: PermissionService) -> None:
        self.service = service

    async def ListRelationTuples(self, stream: Stream) -> None:
        req: read_pb.ListRelationTuplesRequest = await stream.recv_message()
        with translated():
            reply = await self._list(req)
        await stream.send_message(reply)

    async def _list(self, req: read_pb.ListRelationTuplesRequest) -> Any:
        svc = self.service
        query = query_from_request(req, "you must provide a query")
        if query.namespace is not None:
            svc.namespaces.get(query.namespace)
        size = min(req.page_size, MAX_PAGE_SIZE) if req.page_size > 0 else page_size(None)
        after = None
        if req.page_token:
            try:
                after = uuid.UUID(svc.pages.decode(req.page_token)["after"])
            except (KeyError, ValueError, TypeError):
                raise Invalid("The page token is invalid or has expired") from None
        tuples, last = await (await svc.parts()).store.list_tuples(query, size, after)
        return read_pb.ListRelationTuplesResponse(
            relation_tuples=[tuple_to_proto(t) for t in tuples],
            next_page_token=svc.pages.encode({"after": str(last)}) if last is not None else "",
        )


class Check(check_service_grpc.CheckServiceBase):
    def __init__(self, service: PermissionService) -> None:
        self.service = service

    async def Check(self, stream: Stream) -> None:
        req: check_pb.CheckRequest = await stream.recv_message()
        with translated():
            if req.HasField("tuple"):
                t = tuple_of(req.tuple)
            else:
                sub = req.subject if req.HasField("subject") else None
                t = tuple_from_proto(req.namespace, req.object, req.relation, sub)
            if isinstance(t.subject, SubjectSet):  # Keto maps both namespaces: NOT_FOUND
                self.service.namespaces.get(t.subject.namespace)
            await self.service.await_token(req.snaptoken or None)
            ok = await allowed(self.service, t, req.max_depth)
        await stream.send_message(check_pb.CheckResponse(allowed=ok, snaptoken=NOT_IMPLEMENTED))


class Expand(expand_service_grpc.ExpandServiceBase):
    def __init__(self, service: PermissionService) -> None:
        self.service = service

    async def Expand(self, stream: Stream) -> None:
        req: expand_pb.ExpandRequest = await stream.recv_message()
        with translated():
            reply = await self._expand(req)
        await stream.send_message(reply)

    async def _expand(self, req: expand_pb.ExpandRequest) -> Any:
        if not req.HasField("subject"):
            raise Invalid("subject is not allowed to be nil")
        subject = subject_from_proto(req.subject)
        if not isinstance(subject, SubjectSet):
            return expand_pb.ExpandResponse(tree=tree_to_proto(Tree("leaf", subject, [])))
        self.service.namespaces.get(subject.namespace)
        await self.service.await_token(req.snaptoken or None)
        tree = await (await self.service.parts()).expander.build(subject, req.max_depth)
        if tree is None:
            return expand_pb.ExpandResponse()
        return expand_pb.ExpandResponse(tree=tree_to_proto(tree))


class Namespaces(namespaces_service_grpc.NamespacesServiceBase):
    def __init__(self, service: PermissionService) -> None:
        self.service = service

    async def ListNamespaces(self, stream: Stream) -> None:
        await stream.recv_message()
        names = self.service.namespaces.names()
        await stream.send_message(
            namespaces_pb.ListNamespacesResponse(
                namespaces=[namespaces_pb.Namespace(name=n) for n in names]
            )
        )


class Write(write_service_grpc.WriteServiceBase):
    def __init__(self, service: PermissionService) -> None:
        self.service = service

    async def TransactRelationTuples(self, stream: Stream) -> None:
        req: write_pb.TransactRelationTuplesRequest = await stream.recv_message()
        with translated():
            inserts, deletes = self._deltas(req)
            token = await (await self.service.parts()).store.write(inserts, deletes)
            self.service.counters.writes += 1
        await stream.send_message(  # Keto's field: one token per insert, all the write's
            write_pb.TransactRelationTuplesResponse(snaptokens=[token] * len(inserts))
        )

    def _deltas(
        self, req: write_pb.TransactRelationTuplesRequest
    ) -> tuple[list[RelationTuple], list[RelationTuple]]:
        """Inserts and deletes; deltas without an action are ignored, as in Keto."""
        inserts, deletes = [], []
        for d in req.relation_tuple_deltas:
            if d.action == write_pb.RelationTupleDelta.ACTION_INSERT:
                inserts.append(self._known(tuple_of(d.relation_tuple)))
            elif d.action == write_pb.RelationTupleDelta.ACTION_DELETE:
                deletes.append(self._known(tuple_of(d.relation_tuple)))
        return inserts, deletes

    def _known(self, t: RelationTuple) -> RelationTuple:
        """Keto checks that the namespaces exist; relations are not checked on write."""
        self.service.namespaces.get(t.namespace)
        if isinstance(t.subject, SubjectSet):
            self.service.namespaces.get(t.subject.namespace)
        return t

    async def DeleteRelationTuples(self, stream: Stream) -> None:
        req: write_pb.DeleteRelationTuplesRequest = await stream.recv_message()
        with translated():
            query = query_from_request(req, "invalid request")
            if query.namespace is not None:
                self.service.namespaces.get(query.namespace)
            await (await self.service.parts()).store.delete_matching(query)
            self.service.counters.writes += 1
        await stream.send_message(write_pb.DeleteRelationTuplesResponse())


class Syntax(syntax_grpc.SyntaxServiceBase):
    async def Check(self, stream: Stream) -> None:
        req: syntax_pb.CheckRequest = await stream.recv_message()
        with translated():
            try:
                text = req.content.decode()
            except UnicodeDecodeError:
                raise Invalid("the OPL text must be UTF-8") from None
            errors = parse_opl(text).errors
        await stream.send_message(
            syntax_pb.CheckResponse(
                parse_errors=[
                    syntax_pb.ParseError(
                        message=e.message,
                        start=syntax_pb.SourcePosition(line=e.start[0], column=e.start[1]),
                        end=syntax_pb.SourcePosition(line=e.end[0], column=e.end[1]),
                    )
                    for e in errors
                ]
            )
        )


__all__ = ["Check", "Expand", "Namespaces", "Read", "Syntax", "Version", "Write"]
