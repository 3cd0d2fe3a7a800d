"""Every gRPC call once, through grpclib stubs generated from Keto's protos,
against a real server whose ports also keep serving REST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from google.rpc.error_details_pb2 import ErrorInfo
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from grpclib.health.v1 import health_grpc, health_pb2
from grpclib.reflection.v1 import reflection_grpc, reflection_pb2

from roost.permissions.grpc.gen.ory.keto.opl.v1alpha1 import syntax_service_grpc as syntax_grpc
from roost.permissions.grpc.gen.ory.keto.opl.v1alpha1 import syntax_service_pb2 as syntax_pb
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    check_service_grpc,
    check_service_pb2,
    expand_service_grpc,
    expand_service_pb2,
    namespaces_service_grpc,
    namespaces_service_pb2,
    read_service_grpc,
    read_service_pb2,
    version_grpc,
    version_pb2,
    write_service_grpc,
    write_service_pb2,
)
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    relation_tuples_pb2 as rts,
)
from tests.support.server import Server

Delta = write_service_pb2.RelationTupleDelta


@asynccontextmanager
async def channel(server: Server, port: str) -> AsyncIterator[Channel]:
    host, number = server.urls[port].removeprefix("http://").split(":")
    ch = Channel(host, int(number))
    try:
        yield ch
    finally:
        ch.close()


def tuple_(obj: str, subject: rts.Subject) -> rts.RelationTuple:
    return rts.RelationTuple(namespace="Group", object=obj, relation="members", subject=subject)


async def test_write_read_check_expand(opl_server: Server) -> None:
    alice = rts.Subject(id="alice")
    nested = rts.Subject(
        set=rts.SubjectSet(namespace="Group", object="g-inner", relation="members")
    )
    async with channel(opl_server, "write") as ch:
        write = write_service_grpc.WriteServiceStub(ch)
        reply = await write.TransactRelationTuples(
            write_service_pb2.TransactRelationTuplesRequest(
                relation_tuple_deltas=[
                    Delta(action=Delta.ACTION_INSERT, relation_tuple=tuple_("g-inner", alice)),
                    Delta(action=Delta.ACTION_INSERT, relation_tuple=tuple_("g-outer", nested)),
                ]
            )
        )
        assert len(reply.snaptokens) == 2 and reply.snaptokens[0]
    async with channel(opl_server, "read") as ch:
        listed = await read_service_grpc.ReadServiceStub(ch).ListRelationTuples(
            read_service_pb2.ListRelationTuplesRequest(
                relation_query=rts.RelationQuery(namespace="Group", object="g-outer")
            )
        )
        assert list(listed.relation_tuples) == [tuple_("g-outer", nested)]
        check = check_service_grpc.CheckServiceStub(ch)
        yes = await check.Check(check_service_pb2.CheckRequest(tuple=tuple_("g-outer", alice)))
        assert yes.allowed
        fresh = await check.Check(
            check_service_pb2.CheckRequest(
                tuple=tuple_("g-outer", alice), snaptoken=reply.snaptokens[0]
            )
        )
        assert fresh.allowed
        with pytest.raises(GRPCError) as bad_token:
            await check.Check(
                check_service_pb2.CheckRequest(tuple=tuple_("g-outer", alice), snaptoken="x")
            )
        assert bad_token.value.status is Status.INVALID_ARGUMENT
        no = await check.Check(
            check_service_pb2.CheckRequest(tuple=tuple_("g-outer", rts.Subject(id="bob")))
        )
        assert not no.allowed
        legacy = await check.Check(
            check_service_pb2.CheckRequest(
                namespace="Group", object="g-outer", relation="members", subject=alice
            )
        )
        assert legacy.allowed
        tree = (
            await expand_service_grpc.ExpandServiceStub(ch).Expand(
                expand_service_pb2.ExpandRequest(subject=nested)
            )
        ).tree
        assert tree.node_type == expand_service_pb2.NODE_TYPE_UNION
        assert tree.tuple.subject == nested
        assert [c.tuple.subject.id for c in tree.children] == ["alice"]
        names = await namespaces_service_grpc.NamespacesServiceStub(ch).ListNamespaces(
            namespaces_service_pb2.ListNamespacesRequest()
        )
        assert {n.name for n in names.namespaces} >= {"Group", "Document"}
    async with channel(opl_server, "write") as ch:
        await write_service_grpc.WriteServiceStub(ch).DeleteRelationTuples(
            write_service_pb2.DeleteRelationTuplesRequest(
                relation_query=rts.RelationQuery(namespace="Group", object="g-outer")
            )
        )
    async with httpx.AsyncClient(base_url=opl_server.urls["read"]) as http:
        r = await http.get("/relation-tuples", params={"namespace": "Group"})
    assert [t["object"] for t in r.json()["relation_tuples"]] == ["g-inner"]


async def test_errors_carry_keto_codes_and_details(opl_server: Server) -> None:
    async with channel(opl_server, "read") as ch:
        check = check_service_grpc.CheckServiceStub(ch)
        with pytest.raises(GRPCError) as nil_subject:
            await check.Check(check_service_pb2.CheckRequest(tuple=rts.RelationTuple()))
        assert nil_subject.value.status is Status.INVALID_ARGUMENT
        with pytest.raises(GRPCError) as unknown:
            await check.Check(
                check_service_pb2.CheckRequest(
                    tuple=rts.RelationTuple(namespace="nope", subject=rts.Subject(id="a"))
                )
            )
        assert unknown.value.status is Status.NOT_FOUND
        assert unknown.value.message == "The requested resource could not be found"
        details: Any = unknown.value.details
        assert isinstance(details[0], ErrorInfo)
        assert details[0].reason == 'Unknown namespace with name "nope".'
        read = read_service_grpc.ReadServiceStub(ch)
        with pytest.raises(GRPCError) as no_query:
            await read.ListRelationTuples(read_service_pb2.ListRelationTuplesRequest())
        assert no_query.value.status is Status.INVALID_ARGUMENT
        empty = await expand_service_grpc.ExpandServiceStub(ch).Expand(
            expand_service_pb2.ExpandRequest(
                subject=rts.Subject(set=rts.SubjectSet(namespace="Group", object="none"))
            )
        )
        assert not empty.HasField("tree")  # Keto's gRPC answers an empty response


async def test_version_health_reflection_on_every_port(opl_server: Server) -> None:
    for port in ("read", "write", "opl"):
        async with channel(opl_server, port) as ch:
            v = await version_grpc.VersionServiceStub(ch).GetVersion(
                version_pb2.GetVersionRequest()
            )
            async with httpx.AsyncClient() as http:  # REST on the same port
                rest = (await http.get(opl_server.urls[port] + "/version")).json()
            assert v.version == rest["version"]
            health = await health_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest())
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            names = await _services(ch)
            assert "ory.keto.relation_tuples.v1alpha2.VersionService" in names
            assert ("ory.keto.relation_tuples.v1alpha2.WriteService" in names) == (port == "write")
            assert ("ory.keto.relation_tuples.v1alpha2.CheckService" in names) == (port == "read")
            assert ("ory.keto.opl.v1alpha1.SyntaxService" in names) == (port == "opl")


async def _services(ch: Channel) -> set[str]:
    stub = reflection_grpc.ServerReflectionStub(ch)
    async with stub.ServerReflectionInfo.open() as stream:
        await stream.send_message(
            reflection_pb2.ServerReflectionRequest(list_services=""), end=True
        )
        reply = await stream.recv_message()
    assert reply is not None
    return {s.name for s in reply.list_services_response.service}


async def test_syntax_check(opl_server: Server) -> None:
    async with channel(opl_server, "opl") as ch:
        syntax = syntax_grpc.SyntaxServiceStub(ch)
        ok = await syntax.Check(
            syntax_pb.CheckRequest(content=b"class User implements Namespace {}")
        )
        assert list(ok.parse_errors) == []
        bad = await syntax.Check(syntax_pb.CheckRequest(content=b"class User implements {"))
        assert bad.parse_errors
        assert bad.parse_errors[0].start.line == 1


async def test_bad_delta_writes_nothing(opl_server: Server) -> None:
    good = tuple_("g-half", rts.Subject(id="carol"))
    bad = rts.RelationTuple(
        namespace="nope", object="x", relation="members", subject=rts.Subject(id="carol")
    )
    long_id = tuple_("g-half", rts.Subject(id="x" * 5000))
    async with channel(opl_server, "write") as ch:
        write = write_service_grpc.WriteServiceStub(ch)
        for other, status in ((bad, Status.NOT_FOUND), (long_id, Status.INVALID_ARGUMENT)):
            with pytest.raises(GRPCError) as failed:
                await write.TransactRelationTuples(
                    write_service_pb2.TransactRelationTuplesRequest(
                        relation_tuple_deltas=[
                            Delta(action=Delta.ACTION_INSERT, relation_tuple=good),
                            Delta(action=Delta.ACTION_INSERT, relation_tuple=other),
                        ]
                    )
                )
            assert failed.value.status is status
    async with httpx.AsyncClient(base_url=opl_server.urls["read"]) as http:
        r = await http.get("/relation-tuples", params={"namespace": "Group", "object": "g-half"})
    assert r.json()["relation_tuples"] == []
