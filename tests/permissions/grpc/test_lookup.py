"""Roost's own gRPC lookup and watch services (``proto/roostx``) on a real server's read
port, through grpclib stubs generated from that proto."""

from __future__ import annotations

import asyncio

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    relation_tuples_pb2 as rts,
)
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    write_service_grpc,
    write_service_pb2,
)
from roost.permissions.grpc.gen.roostx.permissions.v1alpha1 import lookup_grpc
from roost.permissions.grpc.gen.roostx.permissions.v1alpha1 import lookup_pb2 as pb
from tests.permissions.grpc.test_client import channel
from tests.support.server import Server

Delta = write_service_pb2.RelationTupleDelta


def _doc(obj: str, relation: str, subject: rts.Subject) -> rts.RelationTuple:
    return rts.RelationTuple(namespace="Document", object=obj, relation=relation, subject=subject)


async def _write(server: Server, *tuples: rts.RelationTuple, action: int = 1) -> str:
    async with channel(server, "write") as ch:
        reply = await write_service_grpc.WriteServiceStub(ch).TransactRelationTuples(
            write_service_pb2.TransactRelationTuplesRequest(
                relation_tuple_deltas=[Delta(action=action, relation_tuple=t) for t in tuples]
            )
        )
    return str(reply.snaptokens[0]) if reply.snaptokens else ""


async def test_lookups_stream_pages(opl_server: Server) -> None:
    dana = rts.Subject(id="dana")
    folder = rts.Subject(set=rts.SubjectSet(namespace="Folder", object="gf", relation=""))
    viewers = rts.RelationTuple(namespace="Folder", object="gf", relation="viewers", subject=dana)
    token = await _write(
        opl_server,
        viewers,
        *(_doc(f"gd{i}", "parents", folder) for i in range(5)),
        _doc("gd9", "viewers", dana),
        _doc("gd0", "banned", dana),
    )
    async with channel(opl_server, "read") as ch:
        stub = lookup_grpc.LookupServiceStub(ch)
        async with stub.LookupObjects.open() as call:
            await call.send_message(
                pb.LookupObjectsRequest(
                    namespace="Document",
                    relation="view",
                    subject=dana,
                    snaptoken=token,
                    page_size=2,
                ),
                end=True,
            )
            pages = [list(m.objects) async for m in call]
        assert [len(p) for p in pages] == [2, 2, 1]
        assert sorted(o for p in pages for o in p) == ["gd1", "gd2", "gd3", "gd4", "gd9"]
        subjects = await stub.LookupSubjects(
            pb.LookupSubjectsRequest(namespace="Document", object="gd3", relation="view")
        )
        assert [list(m.subject_ids) for m in subjects] == [["dana"]]
        with pytest.raises(GRPCError) as missing:
            await stub.LookupObjects(pb.LookupObjectsRequest(namespace="Document", subject=dana))
        assert missing.value.status is Status.INVALID_ARGUMENT
        with pytest.raises(GRPCError) as unknown:
            await stub.LookupObjects(
                pb.LookupObjectsRequest(namespace="Nope", relation="view", subject=dana)
            )
        assert unknown.value.status is Status.NOT_FOUND


async def test_watch_streams_each_change_once(opl_server: Server) -> None:
    erin = rts.Subject(id="erin")
    async with channel(opl_server, "read") as ch:
        stub = lookup_grpc.WatchServiceStub(ch)
        async with stub.Watch.open() as call:
            await call.send_message(pb.WatchRequest(), end=True)
            start = await call.recv_message()
            assert start is not None and not start.changes and start.snaptoken
            for i in range(4):
                await _write(opl_server, _doc(f"gw{i}", "viewers", erin))
            await _write(opl_server, _doc("gw1", "viewers", erin), action=Delta.ACTION_DELETE)
            got: list[tuple[int, str]] = []
            while len(got) < 5:
                message = await asyncio.wait_for(call.recv_message(), 10)
                assert message is not None
                got += [(c.action, c.relation_tuple.object) for c in message.changes]
            await call.cancel()
    insert, delete = pb.Change.ACTION_INSERT, pb.Change.ACTION_DELETE
    inserted = [(insert, f"gw{i}") for i in range(4)]
    assert got == [*inserted, (delete, "gw1")]
    async with channel(opl_server, "read") as ch:
        with pytest.raises(GRPCError) as bad:
            await lookup_grpc.WatchServiceStub(ch).Watch(pb.WatchRequest(snaptoken="3:1"))
        assert bad.value.status is Status.INVALID_ARGUMENT
