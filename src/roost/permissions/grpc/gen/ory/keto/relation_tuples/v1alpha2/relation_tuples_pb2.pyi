from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RelationTuple(_message.Message):
    __slots__ = ("namespace", "object", "relation", "subject")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    object: str
    relation: str
    subject: Subject
    def __init__(self, namespace: _Optional[str] = ..., object: _Optional[str] = ..., relation: _Optional[str] = ..., subject: _Optional[_Union[Subject, _Mapping]] = ...) -> None: ...

class RelationQuery(_message.Message):
    __slots__ = ("namespace", "object", "relation", "subject")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    object: str
    relation: str
    subject: Subject
    def __init__(self, namespace: _Optional[str] = ..., object: _Optional[str] = ..., relation: _Optional[str] = ..., subject: _Optional[_Union[Subject, _Mapping]] = ...) -> None: ...

class Subject(_message.Message):
    __slots__ = ("id", "set")
    ID_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    id: str
    set: SubjectSet
    def __init__(self, id: _Optional[str] = ..., set: _Optional[_Union[SubjectSet, _Mapping]] = ...) -> None: ...

class SubjectSet(_message.Message):
    __slots__ = ("namespace", "object", "relation")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    object: str
    relation: str
    def __init__(self, namespace: _Optional[str] = ..., object: _Optional[str] = ..., relation: _Optional[str] = ...) -> None: ...
