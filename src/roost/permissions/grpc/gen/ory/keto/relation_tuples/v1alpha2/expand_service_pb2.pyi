from roost.permissions.grpc.gen.ory.keto.relation_tuples.v1alpha2 import relation_tuples_pb2 as _relation_tuples_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NodeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NODE_TYPE_UNSPECIFIED: _ClassVar[NodeType]
    NODE_TYPE_UNION: _ClassVar[NodeType]
    NODE_TYPE_EXCLUSION: _ClassVar[NodeType]
    NODE_TYPE_INTERSECTION: _ClassVar[NodeType]
    NODE_TYPE_LEAF: _ClassVar[NodeType]
NODE_TYPE_UNSPECIFIED: NodeType
NODE_TYPE_UNION: NodeType
NODE_TYPE_EXCLUSION: NodeType
NODE_TYPE_INTERSECTION: NodeType
NODE_TYPE_LEAF: NodeType

class ExpandRequest(_message.Message):
    __slots__ = ("subject", "max_depth", "snaptoken")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    SNAPTOKEN_FIELD_NUMBER: _ClassVar[int]
    subject: _relation_tuples_pb2.Subject
    max_depth: int
    snaptoken: str
    def __init__(self, subject: _Optional[_Union[_relation_tuples_pb2.Subject, _Mapping]] = ..., max_depth: _Optional[int] = ..., snaptoken: _Optional[str] = ...) -> None: ...

class ExpandResponse(_message.Message):
    __slots__ = ("tree",)
    TREE_FIELD_NUMBER: _ClassVar[int]
    tree: SubjectTree
    def __init__(self, tree: _Optional[_Union[SubjectTree, _Mapping]] = ...) -> None: ...

class SubjectTree(_message.Message):
    __slots__ = ("node_type", "subject", "tuple", "children")
    NODE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TUPLE_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    node_type: NodeType
    subject: _relation_tuples_pb2.Subject
    tuple: _relation_tuples_pb2.RelationTuple
    children: _containers.RepeatedCompositeFieldContainer[SubjectTree]
    def __init__(self, node_type: _Optional[_Union[NodeType, str]] = ..., subject: _Optional[_Union[_relation_tuples_pb2.Subject, _Mapping]] = ..., tuple: _Optional[_Union[_relation_tuples_pb2.RelationTuple, _Mapping]] = ..., children: _Optional[_Iterable[_Union[SubjectTree, _Mapping]]] = ...) -> None: ...
