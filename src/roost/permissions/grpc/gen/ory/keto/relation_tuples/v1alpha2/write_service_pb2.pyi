from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import relation_tuples_pb2 as _relation_tuples_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TransactRelationTuplesRequest(_message.Message):
    __slots__ = ("relation_tuple_deltas",)
    RELATION_TUPLE_DELTAS_FIELD_NUMBER: _ClassVar[int]
    relation_tuple_deltas: _containers.RepeatedCompositeFieldContainer[RelationTupleDelta]
    def __init__(self, relation_tuple_deltas: _Optional[_Iterable[_Union[RelationTupleDelta, _Mapping]]] = ...) -> None: ...

class RelationTupleDelta(_message.Message):
    __slots__ = ("action", "relation_tuple")
    class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ACTION_UNSPECIFIED: _ClassVar[RelationTupleDelta.Action]
        ACTION_INSERT: _ClassVar[RelationTupleDelta.Action]
        ACTION_DELETE: _ClassVar[RelationTupleDelta.Action]
    ACTION_UNSPECIFIED: RelationTupleDelta.Action
    ACTION_INSERT: RelationTupleDelta.Action
    ACTION_DELETE: RelationTupleDelta.Action
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RELATION_TUPLE_FIELD_NUMBER: _ClassVar[int]
    action: RelationTupleDelta.Action
    relation_tuple: _relation_tuples_pb2.RelationTuple
    def __init__(self, action: _Optional[_Union[RelationTupleDelta.Action, str]] = ..., relation_tuple: _Optional[_Union[_relation_tuples_pb2.RelationTuple, _Mapping]] = ...) -> None: ...

class TransactRelationTuplesResponse(_message.Message):
    __slots__ = ("snaptokens",)
    SNAPTOKENS_FIELD_NUMBER: _ClassVar[int]
    snaptokens: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, snaptokens: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteRelationTuplesRequest(_message.Message):
    __slots__ = ("query", "relation_query")
    class Query(_message.Message):
        __slots__ = ("namespace", "object", "relation", "subject")
        NAMESPACE_FIELD_NUMBER: _ClassVar[int]
        OBJECT_FIELD_NUMBER: _ClassVar[int]
        RELATION_FIELD_NUMBER: _ClassVar[int]
        SUBJECT_FIELD_NUMBER: _ClassVar[int]
        namespace: str
        object: str
        relation: str
        subject: _relation_tuples_pb2.Subject
        def __init__(self, namespace: _Optional[str] = ..., object: _Optional[str] = ..., relation: _Optional[str] = ..., subject: _Optional[_Union[_relation_tuples_pb2.Subject, _Mapping]] = ...) -> None: ...
    QUERY_FIELD_NUMBER: _ClassVar[int]
    RELATION_QUERY_FIELD_NUMBER: _ClassVar[int]
    query: DeleteRelationTuplesRequest.Query
    relation_query: _relation_tuples_pb2.RelationQuery
    def __init__(self, query: _Optional[_Union[DeleteRelationTuplesRequest.Query, _Mapping]] = ..., relation_query: _Optional[_Union[_relation_tuples_pb2.RelationQuery, _Mapping]] = ...) -> None: ...

class DeleteRelationTuplesResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
