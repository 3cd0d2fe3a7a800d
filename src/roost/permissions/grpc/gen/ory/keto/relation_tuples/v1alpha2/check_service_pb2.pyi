from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import relation_tuples_pb2 as _relation_tuples_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CheckRequest(_message.Message):
    __slots__ = ("namespace", "object", "relation", "subject", "tuple", "latest", "snaptoken", "max_depth")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TUPLE_FIELD_NUMBER: _ClassVar[int]
    LATEST_FIELD_NUMBER: _ClassVar[int]
    SNAPTOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    object: str
    relation: str
    subject: _relation_tuples_pb2.Subject
    tuple: _relation_tuples_pb2.RelationTuple
    latest: bool
    snaptoken: str
    max_depth: int
    def __init__(self, namespace: _Optional[str] = ..., object: _Optional[str] = ..., relation: _Optional[str] = ..., subject: _Optional[_Union[_relation_tuples_pb2.Subject, _Mapping]] = ..., tuple: _Optional[_Union[_relation_tuples_pb2.RelationTuple, _Mapping]] = ..., latest: _Optional[bool] = ..., snaptoken: _Optional[str] = ..., max_depth: _Optional[int] = ...) -> None: ...

class CheckResponse(_message.Message):
    __slots__ = ("allowed", "snaptoken")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    SNAPTOKEN_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    snaptoken: str
    def __init__(self, allowed: _Optional[bool] = ..., snaptoken: _Optional[str] = ...) -> None: ...
