from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CheckRequest(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    def __init__(self, content: _Optional[bytes] = ...) -> None: ...

class CheckResponse(_message.Message):
    __slots__ = ("parse_errors",)
    PARSE_ERRORS_FIELD_NUMBER: _ClassVar[int]
    parse_errors: _containers.RepeatedCompositeFieldContainer[ParseError]
    def __init__(self, parse_errors: _Optional[_Iterable[_Union[ParseError, _Mapping]]] = ...) -> None: ...

class ParseError(_message.Message):
    __slots__ = ("message", "start", "end")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    message: str
    start: SourcePosition
    end: SourcePosition
    def __init__(self, message: _Optional[str] = ..., start: _Optional[_Union[SourcePosition, _Mapping]] = ..., end: _Optional[_Union[SourcePosition, _Mapping]] = ...) -> None: ...

class SourcePosition(_message.Message):
    __slots__ = ("line", "column")
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    line: int
    column: int
    def __init__(self, line: _Optional[int] = ..., column: _Optional[int] = ...) -> None: ...
