from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import relation_tuples_pb2 as _relation_tuples_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListRelationTuplesRequest(_message.Message):
    __slots__ = ("query", "relation_query", "expand_mask", "snaptoken", "page_size", "page_token")
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
    EXPAND_MASK_FIELD_NUMBER: _ClassVar[int]
    SNAPTOKEN_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    query: ListRelationTuplesRequest.Query
    relation_query: _relation_tuples_pb2.RelationQuery
    expand_mask: _field_mask_pb2.FieldMask
    snaptoken: str
    page_size: int
    page_token: str
    def __init__(self, query: _Optional[_Union[ListRelationTuplesRequest.Query, _Mapping]] = ..., relation_query: _Optional[_Union[_relation_tuples_pb2.RelationQuery, _Mapping]] = ..., expand_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., snaptoken: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRelationTuplesResponse(_message.Message):
    __slots__ = ("relation_tuples", "next_page_token")
    RELATION_TUPLES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    relation_tuples: _containers.RepeatedCompositeFieldContainer[_relation_tuples_pb2.RelationTuple]
    next_page_token: str
    def __init__(self, relation_tuples: _Optional[_Iterable[_Union[_relation_tuples_pb2.RelationTuple, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
