"""The namespace model the check engine evaluates.

Mirrors the shape of Keto's ``internal/namespace/ast`` so that parsed OPL can be
compared field by field with Keto's parser snapshots (``to_json``).

Rewrite tree::

    SubjectSetRewrite(operator, children)
      ├── ComputedSubjectSet(relation)            this.related.R.includes / this.permits.P
      ├── TupleToSubjectSet(relation, computed)   this.related.R.traverse(x => ...)
      ├── InvertResult(child)                     !expr
      └── SubjectSetRewrite(...)                  parenthesised sub-expression
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Operator = Literal["or", "and"]


@dataclass(frozen=True, slots=True)
class ComputedSubjectSet:
    """The subject is in ``relation`` of the same object."""

    relation: str


@dataclass(frozen=True, slots=True)
class TupleToSubjectSet:
    """Follow ``relation`` to other objects, then ask ``computed_subject_set_relation`` there."""

    relation: str
    computed_subject_set_relation: str


@dataclass(frozen=True, slots=True)
class InvertResult:
    """Logical not of the child."""

    child: Child


@dataclass(frozen=True, slots=True)
class SubjectSetRewrite:
    """Children combined with ``or`` / ``and``."""

    operator: Operator
    children: tuple[Child, ...]


Child = ComputedSubjectSet | TupleToSubjectSet | InvertResult | SubjectSetRewrite


@dataclass(frozen=True, slots=True)
class RelationType:
    """One allowed subject type: a namespace, or ``SubjectSet<namespace, relation>``."""

    namespace: str
    relation: str | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    """A ``related`` entry (types, no rewrite) or a ``permits`` entry (rewrite)."""

    name: str
    types: tuple[RelationType, ...] = ()
    rewrite: SubjectSetRewrite | None = None


@dataclass(frozen=True, slots=True)
class Namespace:
    """A namespace; ``relations`` is empty for legacy (config-list) namespaces."""

    name: str
    relations: tuple[Relation, ...] = field(default=())

    def relation(self, name: str) -> Relation | None:
        """First relation called ``name`` (a ``related`` entry shadows a permit, as in Keto)."""
        for rel in self.relations:
            if rel.name == name:
                return rel
        return None


def child_to_json(child: Child) -> dict[str, Any]:
    """Keto's JSON encoding of one rewrite node (used by parser snapshot tests)."""
    if isinstance(child, ComputedSubjectSet):
        return {"relation": child.relation}
    if isinstance(child, TupleToSubjectSet):
        return {
            "relation": child.relation,
            "computed_subject_set_relation": child.computed_subject_set_relation,
        }
    if isinstance(child, InvertResult):
        return {"inverted": child_to_json(child.child)}
    return {"operator": child.operator, "children": [child_to_json(c) for c in child.children]}


def relation_to_json(rel: Relation) -> dict[str, Any]:
    """Keto's JSON encoding of a relation (``types`` and ``rewrite`` omitted when empty)."""
    out: dict[str, Any] = {"name": rel.name}
    if rel.types:
        out["types"] = [
            {"namespace": t.namespace, **({"relation": t.relation} if t.relation else {})}
            for t in rel.types
        ]
    if rel.rewrite is not None:
        out["rewrite"] = child_to_json(rel.rewrite)
    return out
