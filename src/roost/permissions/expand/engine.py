"""The expand engine: who is in a subject set, and why, as Keto v25.4.0 builds it.

The tree follows stored tuples only (v25.4.0 ignores OPL rewrites here): a
subject set with tuples becomes a ``union`` of its subjects, a subject id or a
set at the depth limit becomes a ``leaf``, and a set already on the path is
cut short as a leaf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from roost.permissions.relationtuples.model import Subject, SubjectSet, subject_json


class ExpandStore(Protocol):
    async def subject_sets_of(self, namespace: str, obj: str, relation: str) -> list[Subject]: ...


@dataclass
class Tree:
    type: str
    subject: Subject
    children: list[Tree]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "tuple": {"namespace": "", "object": "", "relation": "", **subject_json(self.subject)},
        }
        if self.children:
            out["children"] = [c.to_json() for c in self.children]
        return out


class ExpandEngine:
    def __init__(self, store: ExpandStore, max_depth: int) -> None:
        self.store = store
        self.max_depth = max_depth

    async def build(self, subject: SubjectSet, depth: int) -> Tree | None:
        """The tree under ``subject``; ``None`` when it holds no tuples."""
        if depth <= 0 or depth > self.max_depth:
            depth = self.max_depth
        return await self._build(subject, depth, frozenset())

    async def _build(
        self, subject: Subject, depth: int, visited: frozenset[SubjectSet]
    ) -> Tree | None:
        if not isinstance(subject, SubjectSet):
            return Tree("leaf", subject, [])
        if subject in visited:
            return None
        subjects = await self.store.subject_sets_of(
            subject.namespace, subject.object, subject.relation
        )
        if not subjects:
            return None
        if depth <= 1:
            return Tree("leaf", subject, [])
        children = []
        for child in subjects:
            node = await self._build(child, depth - 1, visited | {subject})
            children.append(node or Tree("leaf", child, []))
        return Tree("union", subject, children)
