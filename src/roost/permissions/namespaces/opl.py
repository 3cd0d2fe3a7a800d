"""Parse the Ory Permission Language into namespaces, as Keto v25.4.0 does.

Three stages, each in its own module:

* :mod:`.opl_grammar` — the lark grammar (LALR, basic lexer) of the language
  Keto actually accepts, and a token feeder for the rules that need context;
* this module — turns lark's tree into :mod:`.ast` namespaces, rebuilding each
  permit's rewrite tree exactly as Keto's parser shapes it, and translates every
  syntax failure into an :class:`OPLError` in one place (:func:`parse_opl`);
* :mod:`.opl_typecheck` — reference checks, run only when there was no syntax
  error.

Errors::

    OPLError (data, never raised)
      ├── lexer error      "fatal: at "<rest>": unclosed comment" …
      ├── syntax error     the first one only; parsing stops there
      └── type errors      all of them, after a clean parse

Messages and positions were compared with Keto's parser on generated and
mutated inputs. Known differences, all on inputs Keto handles by accident:

* a lexer error inside a class is reported as ``fatal: at …`` too (Keto folds
  it into an ``expected …, got "at …"`` message, or loses its position);
* ``!( … )`` whose content Keto abandons (``!()``, ``!(|| x)``) negates nothing
  in Keto; it is refused here, after an otherwise clean parse;
* Keto sometimes appends a second, position-less error; only the first is kept;
* a type finding Keto repeats per ``SubjectSet`` path is reported once;
* on a syntax error no namespaces are returned (Keto returns the classes
  completed before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from roost.permissions.namespaces.ast import (
    Child,
    ComputedSubjectSet,
    InvertResult,
    Namespace,
    Operator,
    Relation,
    RelationType,
    SubjectSetRewrite,
    TupleToSubjectSet,
)
from roost.permissions.namespaces.opl_grammar import (
    KETO_TYPE_NAMES,
    LITERALS,
    SOFT_KEYWORDS,
    RuleError,
    go_quote,
    is_abort_marker,
    parse_tree,
    token_span,
    token_value,
)
from roost.permissions.namespaces.opl_typecheck import (
    Check,
    CurrentHasRelation,
    Name,
    NamespaceExists,
    NamespaceHasRelation,
    Span,
    TraverseTargetExists,
    run_checks,
)

__all__ = ["OPLError", "ParseResult", "parse_opl"]

_OPERATORS: dict[str, Operator] = {"AND": "and", "OR": "or"}
# Terminals Keto treats as optional; never named in "expected X" when another fits.
_OPTIONAL = frozenset({"COLON", "COMMA", "LSQB"})

ParseTree = Tree[Token]


@dataclass(frozen=True, slots=True)
class OPLError:
    """One problem in an OPL text; positions are Keto's 1-based (line, column)."""

    message: str
    start: tuple[int, int]
    end: tuple[int, int]

    def to_json(self) -> dict[str, Any]:
        """Keto's REST ``ParseError``; ``Line`` is capitalised there, ``column`` is not."""
        return {
            "message": self.message,
            "start": {"Line": self.start[0], "column": self.start[1]},
            "end": {"Line": self.end[0], "column": self.end[1]},
        }


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The namespaces of an OPL text and its errors (empty when valid)."""

    namespaces: tuple[Namespace, ...]
    errors: tuple[OPLError, ...]


def parse_opl(source: str) -> ParseResult:
    """Parse ``source``; stop at the first syntax error, else report every type error."""
    builder = _Builder()
    try:
        namespaces = builder.namespaces(parse_tree(source))
    except UnexpectedInput as exc:
        return ParseResult((), (_syntax_error(exc, source),))
    except RuleError as exc:
        return ParseResult((), (_error(source, exc.message, (exc.start, exc.end)),))
    findings = run_checks(namespaces, builder.checks)
    return ParseResult(namespaces, tuple(_error(source, msg, span) for msg, span in findings))


# ---------------------------------------------------------------- tree → AST


@dataclass(slots=True)
class _Group:
    """A rewrite under construction; Keto appends to the group it is building."""

    operator: Operator
    children: list[_Node]


_Node = Child | _Group


class _Builder:
    """Walks lark's tree in source order, collecting type checks on the way."""

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self._aborted = False

    def namespaces(self, tree: ParseTree) -> tuple[Namespace, ...]:
        return tuple(self._namespace(c) for c in _trees(tree))

    def _namespace(self, tree: ParseTree) -> Namespace:
        name = token_value(_token(tree, 0))
        relations: list[Relation] = []
        for block in _trees(tree):
            if block.data == "related_block":
                relations.extend(self._related(r) for r in _trees(block))
                continue
            permits = (self._permit(p, name) for p in _trees(block))
            relations.extend(p for p in permits if p is not None)
        return Namespace(name, tuple(relations))

    def _related(self, tree: ParseTree) -> Relation:
        parts = tree.children[1:]
        if isinstance(parts[0], Tree) and parts[0].data == "array_type":
            parts = parts[0].children
        return Relation(token_value(_token(tree, 0)), types=tuple(self._type(p) for p in parts))

    def _type(self, part: ParseTree | Token) -> RelationType:
        if isinstance(part, Token):
            self.checks.append(NamespaceExists(_name(part)))
            return RelationType(token_value(part))
        namespace, relation = _name(_token(part, 0)), _name(_token(part, 1))
        self.checks.append(NamespaceHasRelation(namespace, relation))
        return RelationType(namespace.value, relation.value)

    def _permit(self, tree: ParseTree, namespace: str) -> Relation | None:
        """None for a permit Keto abandoned; the checks of its leaves still count, as in Keto."""
        self._aborted = False
        rewrite = _simplify(self._expr(_subtree(tree, 1), namespace))
        if self._aborted:
            return None
        return Relation(token_value(_token(tree, 0)), rewrite=rewrite)

    def _expr(self, tree: ParseTree, namespace: str) -> _Group:
        """Fold left to right like Keto: an operator wraps everything so far."""
        root: _Group | None = None
        for item in tree.children:
            if isinstance(item, Token):
                assert root is not None, "the grammar puts no operator first"
                root = _Group(_OPERATORS[item.type], [root])
            else:
                root = _add_child(root, self._element(item, namespace))
        assert root is not None, "the grammar has no empty expression"
        return root

    def _element(self, tree: ParseTree, namespace: str) -> _Node:
        if tree.data == "group":
            return self._expr(_subtree(tree, 1), namespace)
        if tree.data == "not":
            operand = _subtree(tree, 1)
            if operand.data == "group":
                return InvertResult(_freeze(self._expr(_subtree(operand, 1), namespace)))
            return InvertResult(self._leaf(operand, namespace))
        return self._leaf(tree, namespace)

    def _leaf(self, tree: ParseTree, namespace: str) -> ComputedSubjectSet | TupleToSubjectSet:
        name = _token(tree, 1)
        if is_abort_marker(name):
            self._aborted = True
            return ComputedSubjectSet("")
        relation = _name(name)
        if tree.data != "traverse":
            self.checks.append(CurrentHasRelation(namespace, relation))
            return ComputedSubjectSet(relation.value)
        target = token_value(_token(_subtree(tree, 4), 0))
        self.checks.append(TraverseTargetExists(namespace, relation, target))
        self.checks.append(CurrentHasRelation(namespace, relation))
        return TupleToSubjectSet(relation.value, target)


def _add_child(root: _Group | None, child: _Node) -> _Group:
    """The first child becomes the group (a leaf is wrapped in ``or``); later ones are appended."""
    if root is None:
        return child if isinstance(child, _Group) else _Group("or", [child])
    root.children.append(child)
    return root


def _simplify(group: _Group) -> SubjectSetRewrite:
    """Merge children with the parent's operator, recursing only through such children (as Keto)."""
    children: list[Child] = []
    for child in group.children:
        if isinstance(child, _Group) and child.operator == group.operator:
            children.extend(_simplify(child).children)
        else:
            children.append(_freeze(child))
    return SubjectSetRewrite(group.operator, tuple(children))


def _freeze(node: _Node) -> Child:
    if isinstance(node, _Group):
        return SubjectSetRewrite(node.operator, tuple(_freeze(c) for c in node.children))
    return node


def _trees(tree: ParseTree) -> list[ParseTree]:
    return [c for c in tree.children if isinstance(c, Tree)]


def _subtree(tree: ParseTree, index: int) -> ParseTree:
    child = tree.children[index]
    assert isinstance(child, Tree)
    return child


def _token(tree: ParseTree, index: int) -> Token:
    child = tree.children[index]
    assert isinstance(child, Token)
    return child


def _name(token: Token) -> Name:
    return Name(token_value(token), token_span(token))


# ---------------------------------------------------------------- errors


def _error(source: str, message: str, span: Span) -> OPLError:
    return OPLError(message, _src_pos(source, span[0]), _src_pos(source, span[1]))


def _src_pos(source: str, offset: int) -> tuple[int, int]:
    """Keto's ``toSrcPos``, quirks included.

    It counts a byte offset down one per character, and stops on the character
    *before* the offset: columns are 1-based at the start of the text and
    effectively 0-based after it.
    """
    remaining = len(source[:offset].encode())
    line, column = 1, 0
    for ch in source:
        column += 1
        remaining -= 1
        if remaining <= 0:
            break
        if ch == "\n":
            line, column = line + 1, 0
    return line, column


def _syntax_error(exc: UnexpectedInput, source: str) -> OPLError:
    """The one place lark's exceptions become Keto-shaped errors."""
    if isinstance(exc, UnexpectedCharacters):
        return _lexer_error(source, exc.pos_in_stream or 0)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        end = token.type == "$END"
        span = (len(source), len(source)) if end else token_span(token)
        return _error(source, _expectation(exc.accepts or exc.expected, token), span)
    return _error(source, "unexpected end of input", (len(source), len(source)))


def _lexer_error(source: str, pos: int) -> OPLError:
    """Keto's lexer messages: ``fatal: at "<unread input>": <what>``."""
    rest = source[pos:]
    if rest.startswith("/*"):
        what, unread, span = "unclosed comment", "", (pos, len(source))
    elif rest[0] in "'\"":
        what, unread, span = "unclosed string literal", "", (pos + 1, len(source))
    else:
        what, unread, span = f"unexpected token {rest[0]}", rest, (pos, pos)
    return _error(source, f"fatal: at {go_quote(unread)}: {what}", span)


def _expectation(accepts: set[str], token: Token) -> str:
    """Name what was expected in Keto's words, from the set of terminals lark would accept."""
    got = go_quote(token_value(token))
    if {"IDENT", "RBRACE"} <= accepts:
        return f"expected identifier or '}}', got {_keto_type(token)} {got}"
    if {"RELATED", "PERMITS", "RBRACE"} <= accepts:
        return f"expected 'permits' or 'related', got {got}"
    if "BANG" in accepts or accepts == {"THIS", "LPAR"}:  # an expression, or the operand of "!"
        if "THIS" in accepts:
            return f'expected "this", got {got}'
        return "did not expect another expression"
    if accepts == {"RELATED", "PERMITS"}:  # after "x => x." (Keto shows the item form)
        return f"expected 'related' or 'permits', got {go_quote(_keto_item(token))}"
    if accepts == {"INCLUDES", "TRAVERSE"}:
        return f"expected 'traverse' or 'includes', got {got}"
    if "VBAR" in accepts:
        return f"expected '|', got {got}"
    if "IDENT" in accepts:
        return f"expected identifier, got {_keto_type(token)}"
    required = sorted(accepts - _OPTIONAL or accepts)
    wanted = ", ".join(go_quote(LITERALS.get(t, t)) for t in required)
    return (
        f"expected {wanted}, got {got}"
        if len(required) == 1
        else f"expected one of {wanted}, got {got}"
    )


def _keto_type(token: Token) -> str:
    """Keto's name of a token's type (punctuation types print as their quoted text)."""
    if token.type in KETO_TYPE_NAMES:
        return KETO_TYPE_NAMES[token.type]
    return "Identifier" if token.type in SOFT_KEYWORDS else f'"{token.value}"'


def _keto_item(token: Token) -> str:
    """Keto's ``item.String()``: names in single quotes, cut after ten characters."""
    if token.type == "$END":
        return "EOF"
    if token.type in ("IDENT", "STRING") or token.type in SOFT_KEYWORDS:
        value = token_value(token)
        return f"'{value[:10]}...'" if len(value) > 10 else f"'{value}'"
    return str(token.value)
