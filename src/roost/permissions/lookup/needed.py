"""Which relations a reverse lookup's cost pass must settle (roost.permissions.lookup.engine).

Kept apart from the engine: a static closure over the schema, with the subject
sets one walk met as extra roots.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from roost.permissions.check.engine import Key
from roost.permissions.namespaces.ast import (
    Child,
    ComputedSubjectSet,
    InvertResult,
    Namespace,
    TupleToSubjectSet,
)


class Namespaced(Protocol):
    def namespace_of(self, name: str) -> Namespace | None:
        """The namespace called ``name``, ``None`` when unknown."""
        ...

    def all_namespaces(self) -> Iterable[Namespace]:
        """Every configured namespace."""
        ...


@dataclass
class Needed:
    """The relations whose costs can reach one answer's: the rest need none.

    A reverse walk reaches every relation of every object it meets (a
    document's ``parents`` and ``viewers`` as much as its ``view``), while the
    cost of ``namespace#relation`` only reads the relations its rewrite
    computes from (same object), the relation a ``traverse`` asks on the
    objects it reaches (any namespace: tuples may point anywhere), and the
    relations of the subject sets the walk met. Their closure is what the cost
    pass settles; on a dataset of documents in folders it skips two of each
    document's three relations.
    """

    pairs: set[tuple[str, str]] = field(default_factory=set)
    anywhere: set[str] = field(default_factory=set)

    def has(self, namespace: str, relation: str) -> bool:
        return relation in self.anywhere or (namespace, relation) in self.pairs

    @classmethod
    def of(
        cls, schema: Namespaced, subject_sets: Iterable[Key], namespace: str, relation: str
    ) -> Needed:
        needed = cls()
        names = [ns.name for ns in schema.all_namespaces()]
        todo: list[tuple[str, str]] = [(namespace, relation)]
        todo += [(s[0], s[2]) for s in subject_sets]

        def reads(ns: str, c: Child) -> None:
            if isinstance(c, ComputedSubjectSet):
                todo.append((ns, c.relation))
            elif isinstance(c, TupleToSubjectSet):
                name = c.computed_subject_set_relation
                if name not in needed.anywhere:
                    needed.anywhere.add(name)
                    todo.extend((other, name) for other in names)
            elif isinstance(c, InvertResult):
                reads(ns, c.child)
            else:
                for child in c.children:
                    reads(ns, child)

        while todo:
            pair = todo.pop()
            if pair in needed.pairs:
                continue
            needed.pairs.add(pair)
            space = schema.namespace_of(pair[0])
            found = space.relation(pair[1]) if space is not None and space.relations else None
            if found is not None and found.rewrite is not None:
                reads(pair[0], found.rewrite)
        return needed
