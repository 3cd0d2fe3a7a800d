from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import relation_tuples_pb2 as _relation_tuples_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LookupObjectsRequest(_message.Message):
    __slots__ = ("namespace", "relation", "subject", "max_depth", "snaptoken", "page_size")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    SNAPTOKEN_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    relation: str
    subject: _relation_tuples_pb2.Subject
    max_depth: int
    snaptoken: str
    page_size: int
    def __init__(self, namespace: _Optional[str] = ..., relation: _Optional[str] = ..., subject: _Optional[_Union[_relation_tuples_pb2.Subject, _Mapping]] = ..., max_depth: _Optional[int] = ..., snaptoken: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class LookupObjectsResponse(_message.Message):
    __slots__ = ("objects",)
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    objects: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, objects: _Optional[_Iterable[str]] = ...) -> None: ...

class LookupSubjectsRequest(_message.Message):
    __slots__ = ("namespace", "object", "relation", "max_depth", "snaptoken", "page_size")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    SNAPTOKEN_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    object: str
    relation: str
    max_depth: int
    snaptoken: str
    page_size: int
    def __init__(self, namespace: _Optional[str] = ..., object: _Optional[str] = ..., relation: _Optional[str] = ..., max_depth: _Optional[int] = ..., snaptoken: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class LookupSubjectsResponse(_message.Message):
    __slots__ = ("subject_ids",)
    SUBJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    subject_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subject_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ("snaptoken",)
    SNAPTOKEN_FIELD_NUMBER: _ClassVar[int]
    snaptoken: str
    def __init__(self, snaptoken: _Optional[str] = ...) -> None: ...

class WatchResponse(_message.Message):
    __slots__ = ("changes", "snaptoken")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    SNAPTOKEN_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[Change]
    snaptoken: str
    def __init__(self, changes: _Optional[_Iterable[_Union[Change, _Mapping]]] = ..., snaptoken: _Optional[str] = ...) -> None: ...

class Change(_message.Message):
    __slots__ = ("action", "relation_tuple")
    class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ACTION_UNSPECIFIED: _ClassVar[Change.Action]
        ACTION_INSERT: _ClassVar[Change.Action]
        ACTION_DELETE: _ClassVar[Change.Action]
    ACTION_UNSPECIFIED: Change.Action
    ACTION_INSERT: Change.Action
    ACTION_DELETE: Change.Action
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RELATION_TUPLE_FIELD_NUMBER: _ClassVar[int]
    action: Change.Action
    relation_tuple: _relation_tuples_pb2.RelationTuple
    def __init__(self, action: _Optional[_Union[Change.Action, str]] = ..., relation_tuple: _Optional[_Union[_relation_tuples_pb2.RelationTuple, _Mapping]] = ...) -> None: ...
