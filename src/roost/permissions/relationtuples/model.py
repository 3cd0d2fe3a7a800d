"""Relation tuples as Keto defines them (``namespace:object#relation@subject``).

A subject is either a subject id (a plain ``str``) or a :class:`SubjectSet`.
The encodings here follow Keto's REST API: JSON bodies, URL query keys
(``subject_id`` XOR all three ``subject_set.*``) and the string form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from roost.core.errors import Invalid

MAX_NAMESPACE = 200  # VARCHAR(200) in Keto's schema
MAX_RELATION = 64  # VARCHAR(64)
MAX_ID = 4096  # objects and subject ids are TEXT in the mapping table; we cap them

QUERY_KEYS = (
    "namespace",
    "object",
    "relation",
    "subject_id",
    "subject_set.namespace",
    "subject_set.object",
    "subject_set.relation",
)


@dataclass(frozen=True, slots=True)
class SubjectSet:
    namespace: str
    object: str
    relation: str

    def __str__(self) -> str:
        return f"{self.namespace}:{self.object}#{self.relation}"

    def to_json(self) -> dict[str, str]:
        return {"namespace": self.namespace, "object": self.object, "relation": self.relation}


Subject = str | SubjectSet


@dataclass(frozen=True, slots=True)
class RelationTuple:
    namespace: str
    object: str
    relation: str
    subject: Subject

    def __str__(self) -> str:
        return f"{self.namespace}:{self.object}#{self.relation}@{subject_str(self.subject)}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "namespace": self.namespace,
            "object": self.object,
            "relation": self.relation,
        }
        out.update(subject_json(self.subject))
        return out

    def to_query(self) -> str:
        """URL query form, as used in the ``Location`` header of a created tuple."""
        pairs = [
            ("namespace", self.namespace),
            ("object", self.object),
            ("relation", self.relation),
        ]
        if isinstance(self.subject, SubjectSet):
            pairs += [
                ("subject_set.namespace", self.subject.namespace),
                ("subject_set.object", self.subject.object),
                ("subject_set.relation", self.subject.relation),
            ]
        else:
            pairs.append(("subject_id", self.subject))
        return urlencode(pairs)


@dataclass(frozen=True, slots=True)
class RelationQuery:
    """A partial tuple: ``None`` means "any"."""

    namespace: str | None = None
    object: str | None = None
    relation: str | None = None
    subject: Subject | None = None


def subject_str(subject: Subject) -> str:
    return str(subject)


def subject_json(subject: Subject) -> dict[str, Any]:
    if isinstance(subject, SubjectSet):
        return {"subject_set": subject.to_json()}
    return {"subject_id": subject}


def _check_lengths(namespace: str | None, relation: str | None, *ids: str | None) -> None:
    if namespace is not None and len(namespace) > MAX_NAMESPACE:
        raise Invalid(f"namespace must be at most {MAX_NAMESPACE} characters")
    if relation is not None and len(relation) > MAX_RELATION:
        raise Invalid(f"relation must be at most {MAX_RELATION} characters")
    for value in ids:
        if value is not None and len(value) > MAX_ID:
            raise Invalid(f"object and subject ids must be at most {MAX_ID} characters")


def _string_field(data: Mapping[str, Any], key: str, where: str = "") -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise Invalid(f"could not unmarshal json: {where}{key} must be a string")
    return value


def _subject_set_json(raw: Any) -> SubjectSet:
    if not isinstance(raw, dict):
        raise Invalid("could not unmarshal json: subject_set must be an object")
    extra = sorted(set(raw) - {"namespace", "object", "relation"})
    if extra:
        raise Invalid(f"could not unmarshal json: unknown field {extra[0]!r} in subject_set")
    missing = [k for k in ("namespace", "object", "relation") if k not in raw]
    if missing:
        raise Invalid(f"incomplete subject, subject_set.{missing[0]} is missing")
    ss = SubjectSet(
        *(_string_field(raw, k, "subject_set.") for k in ("namespace", "object", "relation"))
    )
    _check_lengths(ss.namespace, ss.relation, ss.object)
    return ss


def tuple_from_json(data: Any, *, complete: bool = False) -> RelationTuple:
    """Parse Keto's JSON tuple; exactly one of ``subject_id`` / ``subject_set``.

    ``complete`` demands ``namespace``, ``object`` and ``relation`` (the spec's
    ``relationship`` schema, used in patches and batch checks); elsewhere a
    missing one reads as the empty string, as in Keto.
    """
    if not isinstance(data, dict):
        raise Invalid("could not unmarshal json: a relation tuple must be a JSON object")
    extra = sorted(set(data) - {"namespace", "object", "relation", "subject_id", "subject_set"})
    if extra:
        raise Invalid(f"could not unmarshal json: unknown field {extra[0]!r}")
    missing = [k for k in ("namespace", "object", "relation") if complete and k not in data]
    if missing:
        raise Invalid(f"could not unmarshal json: {missing[0]} is required")
    has_id = "subject_id" in data
    has_set = "subject_set" in data
    if has_id and has_set:
        raise Invalid("exactly one of subject_set or subject_id has to be provided")
    if not has_id and not has_set:
        raise Invalid("subject is not allowed to be nil")
    namespace, obj, relation = (_string_field(data, k) for k in ("namespace", "object", "relation"))
    subject: Subject = (
        _string_field(data, "subject_id") if has_id else _subject_set_json(data["subject_set"])
    )
    _check_lengths(namespace, relation, obj, subject if isinstance(subject, str) else None)
    return RelationTuple(namespace, obj, relation, subject)


def query_from_params(
    params: Mapping[str, str], *, allowed_extra: tuple[str, ...] = ()
) -> RelationQuery:
    """Parse the URL query keys of a relation query (list, delete)."""
    if "subject" in params:
        raise Invalid(
            "Please use the subject_id and subject_set.* query parameters instead of subject"
        )
    unknown = sorted(set(params) - set(QUERY_KEYS) - set(allowed_extra))
    if unknown:
        raise Invalid(f"unknown query parameter {unknown[0]!r}")
    set_keys = [params.get(f"subject_set.{k}") for k in ("namespace", "object", "relation")]
    subject: Subject | None = None
    if "subject_id" in params:
        if any(v is not None for v in set_keys):
            raise Invalid("exactly one of subject_set or subject_id has to be provided")
        subject = params["subject_id"]
    elif all(v is not None for v in set_keys):
        subject = SubjectSet(*(v or "" for v in set_keys))
    elif any(v is not None for v in set_keys):
        raise Invalid(
            "incomplete subject, provide all of subject_set.namespace, subject_set.object "
            "and subject_set.relation"
        )
    q = RelationQuery(
        params.get("namespace"), params.get("object"), params.get("relation"), subject
    )
    _check_lengths(q.namespace, q.relation, q.object, subject if isinstance(subject, str) else None)
    if isinstance(subject, SubjectSet):
        _check_lengths(subject.namespace, subject.relation, subject.object)
    return q


def tuple_from_params(params: Mapping[str, str]) -> RelationTuple:
    """A full tuple from URL query keys (check endpoints); missing keys are empty strings."""
    q = query_from_params(params, allowed_extra=("max-depth", "snaptoken"))
    if q.subject is None:
        raise Invalid("subject is not allowed to be nil")
    return RelationTuple(q.namespace or "", q.object or "", q.relation or "", q.subject)


def parse_subject(text: str) -> Subject:
    """Keto's string form: with a ``:`` it is a subject set (``ns:obj#rel``, relation optional)."""
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    if ":" not in text:
        return text
    namespace, rest = text.split(":", 1)
    obj, _, relation = rest.partition("#")
    return SubjectSet(namespace, obj, relation)


def parse_tuple(text: str) -> RelationTuple:
    """Parse ``namespace:object#relation@subject``."""
    head, sep, subject = text.partition("@")
    namespace, sep2, rest = head.partition(":")
    obj, sep3, relation = rest.rpartition("#")
    if not (sep and sep2 and sep3):
        raise Invalid(f"{text!r} is not of the form namespace:object#relation@subject")
    return RelationTuple(namespace, obj, relation, parse_subject(subject))
