"""Type checks over parsed OPL, run only when the text had no syntax error.

Keto records one check per reference while it parses and runs them all once
every class is known, so a class may refer to classes declared after it. Each
check here is a small record made by the parser; :func:`run_checks` evaluates
them in the order they were recorded and returns every finding (type errors,
unlike syntax errors, do not stop the run).

Lookups follow Keto: the first namespace and the first relation with a given
name win, so a ``related`` entry shadows a permit of the same name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from roost.permissions.namespaces.ast import Namespace, Relation
from roost.permissions.namespaces.opl_grammar import go_quote

#: Half-open character offsets of the token a finding points at.
Span = tuple[int, int]

#: A type error: message and the span of the token it is reported on.
Finding = tuple[str, Span]

#: How many ``SubjectSet<…>`` hops a traverse target is followed through.
SUBJECT_SET_MAX_DEPTH = 10


@dataclass(frozen=True, slots=True)
class Name:
    """A name as written in the source, with where it was written."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class NamespaceExists:
    """``T[]`` and friends: class ``T`` must be declared."""

    namespace: Name


@dataclass(frozen=True, slots=True)
class NamespaceHasRelation:
    """``SubjectSet<T, "r">``: class ``T`` must declare ``r``."""

    namespace: Name
    relation: Name


@dataclass(frozen=True, slots=True)
class CurrentHasRelation:
    """``this.related.R`` / ``this.permits.P``: the enclosing class must declare it."""

    namespace: str
    relation: Name


@dataclass(frozen=True, slots=True)
class TraverseTargetExists:
    """``this.related.R.traverse(x => x.….S…)``: every type of ``R`` must declare ``S``."""

    namespace: str
    relation: Name
    target: str


Check = NamespaceExists | NamespaceHasRelation | CurrentHasRelation | TraverseTargetExists


def run_checks(namespaces: Sequence[Namespace], checks: Iterable[Check]) -> list[Finding]:
    """Evaluate ``checks`` in order against the parsed ``namespaces``."""
    index = _Index(namespaces)
    findings: list[Finding] = []
    for check in checks:
        findings.extend(index.evaluate(check))
    return findings


class _Index:
    """First-match lookups of namespaces and relations by name."""

    def __init__(self, namespaces: Sequence[Namespace]) -> None:
        self._namespaces: dict[str, Namespace] = {}
        for ns in namespaces:
            self._namespaces.setdefault(ns.name, ns)

    def relation(self, namespace: str, relation: str) -> Relation | None:
        ns = self._namespaces.get(namespace)
        return ns.relation(relation) if ns is not None else None

    def evaluate(self, check: Check) -> list[Finding]:
        if isinstance(check, NamespaceExists):
            return self._namespace_exists(check.namespace)
        if isinstance(check, NamespaceHasRelation):
            return self._namespace_has_relation(
                check.namespace.value, check.relation, check.namespace
            )
        if isinstance(check, CurrentHasRelation):
            return self._namespace_has_relation(check.namespace, check.relation, check.relation)
        return self._traverse_target(check.relation, check.namespace, check.target)

    def _namespace_exists(self, namespace: Name) -> list[Finding]:
        if namespace.value in self._namespaces:
            return []
        return [(f"namespace {go_quote(namespace.value)} was not declared", namespace.span)]

    def _namespace_has_relation(
        self, namespace: str, relation: Name, missing_at: Name
    ) -> list[Finding]:
        """``missing_at`` is where Keto reports an undeclared namespace (it differs per check)."""
        if namespace not in self._namespaces:
            return [(f"namespace {go_quote(namespace)} was not declared", missing_at.span)]
        if self.relation(namespace, relation.value) is not None:
            return []
        message = (
            f"namespace {go_quote(namespace)} did not declare relation {go_quote(relation.value)}"
        )
        return [(message, relation.span)]

    def _traverse_target(self, at: Name, namespace: str, target: str) -> list[Finding]:
        """Follow ``SubjectSet`` types recursively as Keto does; report on the traversed name.

        Keto walks every path and repeats a finding once per path, which grows
        exponentially when two ``SubjectSet`` types lead back into a cycle; here
        each (namespace, relation, depth) is walked once and each finding kept once.
        """
        found: dict[Finding, None] = {}
        seen: set[tuple[str, str, int]] = set()

        def walk(namespace: str, relation: str, depth: int) -> None:
            if (namespace, relation, depth) in seen:
                return
            seen.add((namespace, relation, depth))
            if depth < 0:
                found[("could not typecheck deeply nested SubjectSet further", at.span)] = None
                return
            rel = self.relation(namespace, relation)
            if rel is None:
                found[(_undeclared(relation, namespace), at.span)] = None
                return
            for t in rel.types:
                if t.relation:
                    walk(t.namespace, t.relation, depth - 1)
                elif self.relation(t.namespace, target) is None:
                    found[(_undeclared(target, t.namespace), at.span)] = None

        walk(namespace, at.value, SUBJECT_SET_MAX_DEPTH)
        return list(found)


def _undeclared(relation: str, namespace: str) -> str:
    return f"relation {go_quote(relation)} was not declared in namespace {go_quote(namespace)}"
