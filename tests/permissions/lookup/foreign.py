"""SpiceDB schemas and OpenFGA models, translated into OPL for the conformance tests.

Both languages say what Keto's OPL says with other words: a SpiceDB
``relation`` or a direct-only OpenFGA ``define`` is an OPL relation; a
``permission`` (or a ``define`` that computes) is a permit; union,
intersection, exclusion and arrows (``a->b``, ``b from a``) become ``||``,
``&&``, ``&& !`` and ``traverse``. OPL folds ``&&`` and ``||`` left to right
at one precedence, so every binary node is parenthesised.

An OpenFGA ``define`` that both stores tuples and computes (``[user] or
editor``) becomes a relation ``<name>_direct`` plus the permit ``<name>``, and
tuples on ``<name>`` are stored under ``<name>_direct``: a Keto relation that
has a rewrite still answers from its own tuples, which would turn ``[user] but
not blocked`` into a union.

Subjects: an object of a type that declares nothing (``user:tom``) is the
plain subject id ``"user:tom"``, so reverse lookups of subjects can list it;
an object of any other type is a subject set with no relation, which is what
``traverse`` follows.

What OPL cannot say is refused with :class:`Unsupported` naming the feature,
and the test skips that case with the reason: wildcards, caveats and
conditions, expiration, contextual tuples, ``.any``/``.all`` arrows, and
arrows whose target relation is a permit on one type and a relation on another.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from roost.permissions.relationtuples.model import RelationTuple, Subject, SubjectSet


class Unsupported(Exception):
    """The case uses a feature OPL has no word for."""


# -- a small expression tree shared by both languages ---------------------------


@dataclass(frozen=True)
class Ref:
    """A relation or permission of the same object."""

    name: str


@dataclass(frozen=True)
class Arrow:
    """``via->target`` / ``target from via``."""

    via: str
    target: str


@dataclass(frozen=True)
class Direct:
    """The tuples stored on ``relation`` (OpenFGA's ``[types]`` inside a define)."""

    relation: str


@dataclass(frozen=True)
class Nil:
    """SpiceDB's ``nil``: nobody."""


@dataclass(frozen=True)
class Op:
    kind: str  # "or", "and", "but_not"
    left: Expr
    right: Expr


Expr = Ref | Arrow | Direct | Nil | Op


@dataclass
class TypeDef:
    name: str
    relations: dict[str, list[str]] = field(default_factory=dict)  # name -> allowed types
    permits: dict[str, Expr] = field(default_factory=dict)


@dataclass
class Model:
    types: dict[str, TypeDef]

    def is_leaf(self, type_name: str) -> bool:
        t = self.types.get(type_name)
        return t is None or not (t.relations or t.permits)

    def stored_relation(self, type_name: str, relation: str) -> str | None:
        """Where a tuple written on ``relation`` is kept; None for a relation that
        stores nothing (OpenFGA ignores such tuples left from an older model)."""
        t = self.types.get(type_name)
        if t is None:
            return None
        if relation in t.relations:
            return relation
        if relation in t.permits and f"{relation}_direct" in t.relations:
            return f"{relation}_direct"
        return None

    def subject(self, type_name: str, obj: str, relation: str = "") -> Subject:
        if not relation and self.is_leaf(type_name):
            return f"{type_name}:{obj}"
        return SubjectSet(ns(type_name), obj, relation)

    def tuple(
        self, type_name: str, obj: str, relation: str, subject: Subject
    ) -> RelationTuple | None:
        stored = self.stored_relation(type_name, relation)
        return None if stored is None else RelationTuple(ns(type_name), obj, stored, subject)

    def to_opl(self) -> str:
        return "\n".join(_class(self, t) for t in self.types.values())


def ns(type_name: str) -> str:
    """SpiceDB's ``example/user`` is not an OPL identifier."""
    return type_name.replace("/", "__")


def _class(model: Model, t: TypeDef) -> str:
    related = [f"{name}: {_types(model, types)}" for name, types in t.relations.items()]
    related.append(f"roost_nil: {ns(t.name)}[]")  # never written: nobody
    permits = [f"{name}: (ctx: Context) => {_expr(model, t, e)}," for name, e in t.permits.items()]
    body = ""
    if related:
        body += "  related: {\n" + "".join(f"    {r}\n" for r in related) + "  }\n"
    if permits:
        body += "  permits = {\n" + "".join(f"    {p}\n" for p in permits) + "  }\n"
    return f"class {ns(t.name)} implements Namespace {{\n{body}}}"


def _types(model: Model, types: list[str]) -> str:
    parts = []
    for item in types:
        name, _, rel = item.partition("#")
        parts.append(f'SubjectSet<{ns(name)}, "{rel}">' if rel else ns(name))
    if not parts:
        return f"{ns(next(iter(model.types)))}[]"
    return f"({' | '.join(parts)})[]"


def _expr(model: Model, t: TypeDef, e: Expr) -> str:
    if isinstance(e, Op):
        left, right = _expr(model, t, e.left), _expr(model, t, e.right)
        if e.kind == "or":
            return f"({left} || {right})"
        if e.kind == "and":
            return f"({left} && {right})"
        return f"({left} && !{right})"
    if isinstance(e, Nil):
        return "this.related.roost_nil.includes(ctx.subject)"
    if isinstance(e, Direct):
        return f"this.related.{e.relation}.includes(ctx.subject)"
    if isinstance(e, Ref):
        return _leaf("this", t, e.name)
    return _traverse(model, t, e)


def _leaf(var: str, t: TypeDef, name: str) -> str:
    if name in t.relations:
        return f"{var}.related.{name}.includes(ctx.subject)"
    if name in t.permits:
        return f"{var}.permits.{name}(ctx)"
    raise Unsupported(f"{t.name} has no relation or permission {name!r}")


def _traverse(model: Model, t: TypeDef, e: Arrow) -> str:
    """Keto's type check wants the target on every type the relation may hold."""
    if e.via not in t.relations:
        raise Unsupported(f"arrow over {t.name}#{e.via}, which is not a relation")
    if any("#" in item for item in t.relations[e.via]):
        # OPL's type check reads SubjectSet<T, "r"> through r's own types under traverse
        raise Unsupported(f"arrow over {t.name}#{e.via}, which holds subject sets")
    targets = sorted(set(t.relations[e.via]))
    missing = [n for n in targets if n not in model.types or not _has(model.types[n], e.target)]
    if missing:
        raise Unsupported(f"arrow {e.via}->{e.target}: {', '.join(missing)} lacks {e.target}")
    kinds = {e.target in model.types[n].relations for n in targets}
    if len(kinds) > 1:
        raise Unsupported(f"{e.via}->{e.target} is a relation on one type, a permission on another")
    return f"this.related.{e.via}.traverse((x) => {_leaf('x', model.types[targets[0]], e.target)})"


def _has(t: TypeDef, name: str) -> bool:
    return name in t.relations or name in t.permits


# -- SpiceDB ---------------------------------------------------------------------

_SPICE_TOKEN = re.compile(r"\s*(->|[()+&-]|[A-Za-z_][A-Za-z0-9_/.]*)")


def spicedb_model(schema: str) -> Model:
    """Read a SpiceDB schema: ``definition`` blocks of ``relation`` and ``permission``."""
    text = re.sub(r"/\*.*?\*/", "", schema, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    if re.search(r"\bcaveat\b|\bwith\b|:\*|\.any\(|\.all\(|\buse\b", text):
        raise Unsupported("caveats, expiration, wildcards or .any/.all arrows")
    types: dict[str, TypeDef] = {}
    for name, body in re.findall(r"definition\s+(\S+)\s*\{(.*?)\}", text, flags=re.S):
        t = TypeDef(name)
        for kind, rel, rest in re.findall(
            r"(relation|permission)\s+(\w+)\s*[:=]\s*(.*?)(?=\brelation\b|\bpermission\b|$)",
            body,
            flags=re.S,
        ):
            if kind == "relation":
                t.relations[rel] = [s.strip() for s in rest.split("|") if s.strip()]
            else:
                t.permits[rel] = _SpiceParser(rest).parse()
        types[name] = t
    return Model(types)


class _SpiceParser:
    """``+`` binds tighter than ``&`` and ``-`` (SpiceDB's documented precedence)."""

    def __init__(self, text: str) -> None:
        self.tokens = [m.group(1) for m in _tokens(text)]
        self.pos = 0

    def parse(self) -> Expr:
        e = self._low()
        if self.pos != len(self.tokens):
            raise Unsupported(f"cannot read {' '.join(self.tokens)!r}")
        return e

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise Unsupported("expression ends early")
        self.pos += 1
        return token

    def _low(self) -> Expr:
        e = self._union()
        while self._peek() in ("&", "-"):
            kind = "and" if self._take() == "&" else "but_not"
            e = Op(kind, e, self._union())
        return e

    def _union(self) -> Expr:
        e = self._atom()
        while self._peek() == "+":
            self._take()
            e = Op("or", e, self._atom())
        return e

    def _atom(self) -> Expr:
        token = self._take()
        if token == "(":
            e = self._low()
            if self._take() != ")":
                raise Unsupported("unbalanced parentheses")
            return e
        if token == "nil":
            return Nil()
        if self._peek() == "->":
            self._take()
            return Arrow(token, self._take())
        return Ref(token)


def _tokens(text: str) -> Iterator[re.Match[str]]:
    pos, text = 0, text.strip()
    while pos < len(text):
        m = _SPICE_TOKEN.match(text, pos)
        if m is None:
            raise Unsupported(f"cannot read {text[pos:]!r}")
        yield m
        pos = m.end()


_SPICE_REL = re.compile(r"^(\S+?):(\S+?)#(\w+)@(\S+?):([^#\s\[]+)(?:#(\S+?))?$")


def spicedb_tuples(model: Model, text: str) -> list[RelationTuple]:
    """``res:id#rel@subj:id[#rel]`` lines; ``#...`` is the subject itself."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        if "[" in line:
            raise Unsupported("caveated or expiring relationship")
        m = _SPICE_REL.match(line)
        if m is None:
            raise Unsupported(f"relationship {line!r}")
        rt, rid, rel, st, sid, srel = m.groups()
        row = model.tuple(rt, rid, rel, spicedb_subject(model, st, sid, srel))
        if row is None:
            raise Unsupported(f"relationship on {rt}#{rel}, which stores nothing")
        out.append(row)
    return out


def spicedb_subject(model: Model, type_name: str, obj: str, relation: str | None) -> Subject:
    return model.subject(type_name, obj, "" if relation in (None, "...") else relation)


def spicedb_assertion(model: Model, text: str) -> tuple[str, str, str, Subject]:
    """``res:id#perm@subj:id[#rel]`` as (namespace, object, relation, subject)."""
    if "[" in text:
        raise Unsupported("caveat context in an assertion")
    m = _SPICE_REL.match(text.strip())
    if m is None:
        raise Unsupported(f"assertion {text!r}")
    rt, rid, rel, st, sid, srel = m.groups()
    return ns(rt), rid, rel, spicedb_subject(model, st, sid, srel)


# -- OpenFGA ---------------------------------------------------------------------

_FGA_TOKEN = re.compile(r"\s*(\[[^\]]*\]|[()]|but\s+not\b|[A-Za-z_][A-Za-z0-9_\-]*)")


def openfga_model(dsl: str) -> Model:
    """Read an OpenFGA 1.1 model: ``type`` blocks of ``define name: expr``."""
    if re.search(r":\*|\bwith\b|\bcondition\b", dsl):
        raise Unsupported("wildcards or conditions")
    types: dict[str, TypeDef] = {}
    current: TypeDef | None = None
    for line in dsl.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == "type":
            current = types.setdefault(words[1], TypeDef(words[1]))
        elif words[:1] == ["define"] and current is not None:
            name, _, expr = line.strip()[len("define ") :].partition(":")
            _define(current, name.strip(), expr.strip())
    return Model(types)


def _define(t: TypeDef, name: str, text: str) -> None:
    tokens = [m.group(1) for m in _fga_tokens(text)]
    if len(tokens) == 1 and tokens[0].startswith("["):
        t.relations[name] = _fga_types(tokens[0])
        return
    for token in tokens:
        if token.startswith("["):
            t.relations[f"{name}_direct"] = _fga_types(token)
    t.permits[name] = _FgaParser(tokens, f"{name}_direct").parse()


def _fga_types(token: str) -> list[str]:
    return [s.strip() for s in token[1:-1].split(",") if s.strip()]


def _fga_tokens(text: str) -> Iterator[re.Match[str]]:
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _FGA_TOKEN.match(text, pos)
        if m is None:
            raise Unsupported(f"cannot read {text[pos:]!r}")
        yield m
        pos = m.end()


class _FgaParser:
    """``or``/``and`` may not be mixed without parentheses; ``but not`` comes last."""

    def __init__(self, tokens: list[str], direct: str) -> None:
        self.tokens = tokens
        self.direct = direct
        self.pos = 0

    def parse(self) -> Expr:
        e = self._expr()
        if self.pos != len(self.tokens):
            raise Unsupported(f"cannot read {' '.join(self.tokens)!r}")
        return e

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise Unsupported("expression ends early")
        self.pos += 1
        return token

    def _expr(self) -> Expr:
        e = self._atom()
        while self._peek() in ("or", "and"):
            kind = self._take()
            e = Op(kind, e, self._atom())
        if self._peek() is not None and self._peek().startswith("but"):  # type: ignore[union-attr]
            self._take()
            e = Op("but_not", e, self._atom())
        return e

    def _atom(self) -> Expr:
        token = self._take()
        if token == "(":
            e = self._expr()
            if self._take() != ")":
                raise Unsupported("unbalanced parentheses")
            return e
        if token.startswith("["):
            return Direct(self.direct)
        if self._peek() == "from":
            self._take()
            return Arrow(self._take(), token)
        return Ref(token)


def openfga_object(model: Model, text: str) -> tuple[str, str]:
    type_name, _, obj = text.partition(":")
    return type_name, obj


def openfga_subject(model: Model, text: str) -> Subject:
    """``user:anne`` or ``group:eng#member``."""
    head, _, relation = text.partition("#")
    type_name, _, obj = head.partition(":")
    return model.subject(type_name, obj, relation)
