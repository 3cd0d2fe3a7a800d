"""Keto's protobuf messages to Roost's tuple model and back.

The rules follow Keto's REST encodings (``relationtuples.model``): a subject
is an id or a subject set, never neither; the deprecated flat fields of old
requests (``CheckRequest.namespace``, ``ListRelationTuplesRequest.Query``)
still work, with an empty string meaning "any" in a deprecated query.
"""

from __future__ import annotations

from typing import Any

from roost.core.errors import Invalid
from roost.permissions.expand.engine import Tree
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    expand_service_pb2 as expand_pb,
)
from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import (
    relation_tuples_pb2 as rts,
)
from roost.permissions.relationtuples.model import (
    MAX_ID,
    MAX_NAMESPACE,
    MAX_RELATION,
    RelationQuery,
    RelationTuple,
    Subject,
    SubjectSet,
)

NODE_TYPES = {"union": expand_pb.NODE_TYPE_UNION, "leaf": expand_pb.NODE_TYPE_LEAF}


def _lengths(namespace: str | None, relation: str | None, *ids: str | None) -> None:
    if namespace is not None and len(namespace) > MAX_NAMESPACE:
        raise Invalid(f"namespace must be at most {MAX_NAMESPACE} characters")
    if relation is not None and len(relation) > MAX_RELATION:
        raise Invalid(f"relation must be at most {MAX_RELATION} characters")
    if any(v is not None and len(v) > MAX_ID for v in ids):
        raise Invalid(f"object and subject ids must be at most {MAX_ID} characters")


def subject_from_proto(s: rts.Subject) -> Subject:
    """An id or a subject set; an unset ``ref`` is Keto's "subject is not allowed to be nil"."""
    which = s.WhichOneof("ref")
    if which == "id":
        _lengths(None, None, s.id)
        return s.id
    if which == "set":
        _lengths(s.set.namespace, s.set.relation, s.set.object)
        return SubjectSet(s.set.namespace, s.set.object, s.set.relation)
    raise Invalid("subject is not allowed to be nil")


def subject_to_proto(subject: Subject) -> rts.Subject:
    if isinstance(subject, SubjectSet):
        return rts.Subject(
            set=rts.SubjectSet(
                namespace=subject.namespace, object=subject.object, relation=subject.relation
            )
        )
    return rts.Subject(id=subject)


def tuple_from_proto(
    namespace: str, obj: str, relation: str, subject: rts.Subject | None
) -> RelationTuple:
    if subject is None:
        raise Invalid("subject is not allowed to be nil")
    _lengths(namespace, relation, obj)
    return RelationTuple(namespace, obj, relation, subject_from_proto(subject))


def tuple_of(t: rts.RelationTuple) -> RelationTuple:
    return tuple_from_proto(
        t.namespace, t.object, t.relation, t.subject if t.HasField("subject") else None
    )


def tuple_to_proto(t: RelationTuple) -> rts.RelationTuple:
    return rts.RelationTuple(
        namespace=t.namespace,
        object=t.object,
        relation=t.relation,
        subject=subject_to_proto(t.subject),
    )


def query_of(q: rts.RelationQuery) -> RelationQuery:
    """The current query message: unset fields mean "any"."""
    query = RelationQuery(
        q.namespace if q.HasField("namespace") else None,
        q.object if q.HasField("object") else None,
        q.relation if q.HasField("relation") else None,
        subject_from_proto(q.subject) if q.HasField("subject") else None,
    )
    _lengths(query.namespace, query.relation, query.object)
    return query


def query_from_request(req: Any, missing: str) -> RelationQuery:
    """The query of a list or delete request: ``relation_query``, else the
    deprecated ``query`` (where an empty string means "any"); ``missing`` is
    Keto's message when there is neither."""
    if req.HasField("relation_query"):
        return query_of(req.relation_query)
    if not req.HasField("query"):
        raise Invalid(missing)
    q = req.query
    _lengths(q.namespace, q.relation, q.object)
    return RelationQuery(
        q.namespace or None,
        q.object or None,
        q.relation or None,
        subject_from_proto(q.subject) if q.HasField("subject") else None,
    )


def tree_to_proto(tree: Tree) -> expand_pb.SubjectTree:
    """Keto fills the deprecated ``subject`` beside ``tuple.subject``."""
    subject = subject_to_proto(tree.subject)
    return expand_pb.SubjectTree(
        node_type=NODE_TYPES[tree.type],
        subject=subject,
        tuple=rts.RelationTuple(subject=subject),
        children=[tree_to_proto(c) for c in tree.children],
    )
