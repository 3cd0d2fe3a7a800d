"""The Ory Permission Language grammar, as Keto v25.4.0 actually accepts it.

The grammar is written from the observed behaviour of Keto's hand-written
parser (``internal/schema``), not from the TypeScript it imitates:

* every token before a ``class`` (imports, exports, stray words) is skipped;
* ``&&`` and ``||`` bind equally and fold left to right; an operator may be
  repeated or trail the expression, and a leaf may follow another leaf without
  an operator (Keto appends it to the current group) — only a leaf right after
  ``( … )`` or ``!x`` is rejected;
* ``Array<…>`` takes no trailing comma, ``T[]`` forms take one;
* ``class implements this ctx`` are reserved everywhere; the other words
  (``related``, ``Array``, ``includes`` …) are ordinary identifiers outside the
  place where they have a meaning.

The lexer is lark's basic (context-free) lexer, as Keto's is: string keywords
that the identifier pattern also matches become keyword tokens only when the
whole word matches.
"""

from __future__ import annotations

import functools
import string

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser

#: Keto's ``itemType`` names, used in "expected identifier, got <type>" messages.
KETO_TYPE_NAMES: dict[str, str] = {
    "$END": "EOF",
    "IDENT": "Identifier",
    "STRING": "StringLiteral",
    "CLASS": "KeywordClass",
    "IMPLEMENTS": "KeywordImplements",
    "THIS": "KeywordThis",
    "CTX": "KeywordCtx",
}

#: Words Keto lexes as identifiers but compares by value where they matter.
SOFT_KEYWORDS: dict[str, str] = {
    "NAMESPACE": "Namespace",
    "RELATED": "related",
    "PERMITS": "permits",
    "ARRAY": "Array",
    "SUBJECTSET": "SubjectSet",
    "CONTEXT": "Context",
    "BOOLEAN": "boolean",
    "INCLUDES": "includes",
    "TRAVERSE": "traverse",
    "SUBJECT": "subject",
}

#: Words Keto lexes as keywords; they are never identifiers.
HARD_KEYWORDS: dict[str, str] = {
    "CLASS": "class",
    "IMPLEMENTS": "implements",
    "THIS": "this",
    "CTX": "ctx",
}

#: Punctuation and operators, by terminal name.
PUNCTUATION: dict[str, str] = {
    "AND": "&&",
    "OR": "||",
    "ARROW": "=>",
    "BANG": "!",
    "ASSIGN": "=",
    "DOT": ".",
    "COLON": ":",
    "COMMA": ",",
    "SEMI": ";",
    "VBAR": "|",
    "LPAR": "(",
    "RPAR": ")",
    "LBRACE": "{",
    "RBRACE": "}",
    "LSQB": "[",
    "RSQB": "]",
    "LANGLE": "<",
    "RANGLE": ">",
}

#: The literal text of every fixed terminal, for "expected "X"" messages.
LITERALS: dict[str, str] = {**HARD_KEYWORDS, **SOFT_KEYWORDS, **PUNCTUATION}

# Where Keto takes "any token" (a property name, a type, a SubjectSet argument,
# the traverse parameter) the grammar does too; $ANY... lists are filled in below.
_RULES = r"""
start: (class_def | _junk)*
_junk: $ANY_BUT_CLASS

class_def: "class" name "implements" "Namespace" "{" _class_item* "}"
_class_item: related_block | permits_block | ";"

related_block: "related" ":" "{" (relation | ";")* "}"
relation: name ":" (array_type | _bracket_type ","?)
array_type: "Array" "<" _union ">"
_bracket_type: (type_name | subject_set | "(" _union ")") "[" "]"
_union: _union_item ("|" _union_item)*
_union_item: union_name | subject_set
subject_set: "SubjectSet" "<" any_token "," any_token ">"

permits_block: "permits" "=" "{" (permit ",")* permit? "}"
permit: name ":" "(" "ctx" (":" "Context")? ")" (":" "boolean")? "=>" expr

expr: _seq_leaf | _seq_closed
_seq_leaf: _leaf | _seq_leaf _leaf | _seq_leaf _op | _seq_closed _op
_seq_closed: _closed | _seq_leaf _closed | _seq_closed _closed
_op: AND | OR
_closed: group | not
group: LPAR expr ")"
not: BANG (_leaf | group)

_leaf: includes | permits_call | traverse
includes: THIS "." "related" _any_prop "." "includes" "(" "ctx" "." "subject" ")"
permits_call: THIS "." "permits" _any_prop "(" "ctx" ")"
traverse: THIS "." "related" _any_prop "." "traverse" "(" _param "=>" any_token "." _hop ")"
_param: "(" any_token ")" | param_name
_hop: traverse_related | traverse_permits
traverse_related: "related" _prop "." "includes" "(" "ctx" "." "subject" ","? ")" ","?
traverse_permits: "permits" _prop "(" "ctx" ")"
_any_prop: "." any_token | "[" any_token "]"
_prop: "." name | "[" name "]"

?name: $NAME
?type_name: $TYPE_NAME
?union_name: $UNION_NAME
?param_name: $PARAM_NAME
?any_token: $ANY

IDENT: /[A-Za-z_][A-Za-z0-9_]*/
STRING: /"[^"]*"|'[^']*'/
COMMENT: /\/\/[^\n]*/ | /\/\*[\s\S]*?\*\//
WS: /[\t\n\x0b\x0c\r ]+/
%ignore WS
%ignore COMMENT
"""

_ALL_TERMINALS = ("IDENT", "STRING", *HARD_KEYWORDS, *SOFT_KEYWORDS, *PUNCTUATION)


def _any_but(*excluded: str) -> str:
    return " | ".join(t for t in _ALL_TERMINALS if t not in excluded)


def _grammar() -> str:
    """The rules with their token lists filled in, then ``NAME: "text"`` for fixed terminals."""
    rules = string.Template(_RULES).substitute(
        ANY=_any_but(),
        ANY_BUT_CLASS=_any_but("CLASS"),
        NAME=" | ".join(("IDENT", "STRING", *SOFT_KEYWORDS)),
        TYPE_NAME=_any_but("ARRAY", "SUBJECTSET", "LPAR"),
        UNION_NAME=_any_but("SUBJECTSET"),
        PARAM_NAME=_any_but("LPAR"),
    )
    return rules + "\n".join(f'{name}: "{text}"' for name, text in LITERALS.items()) + "\n"


GRAMMAR: str = _grammar()


#: Keto's limit on nested ``(`` and ``!`` within one permit.
MAX_NESTING = 10

# A permits-call leaf that no source can produce (identifiers are never empty):
# fed in place of an aborted permit's expression so the parser can go on.
_ABORT_LEAF = ("THIS", "DOT", "PERMITS", "DOT", "IDENT", "LPAR", "CTX", "RPAR")
_EXPRESSION_START = frozenset({"THIS", "BANG", "LPAR"})


class RuleError(Exception):
    """A syntax error lark's grammar cannot see (nesting depth, traverse variable)."""

    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


@functools.cache
def opl_parser() -> Lark:
    """The compiled LALR parser; built on first use because compiling takes ~50 ms."""
    return Lark(GRAMMAR, parser="lalr", lexer="basic", maybe_placeholders=False)


def token_value(token: Token) -> str:
    """A token's text as Keto sees it: string literals without their quotes."""
    if token.type == "STRING":
        return str(token.value[1:-1])
    return "" if token.type == "$END" else str(token.value)


def token_span(token: Token) -> tuple[int, int]:
    """Keto's item offsets; a string literal's item excludes the quotes."""
    start, end = token.start_pos or 0, token.end_pos or 0
    return (start + 1, end - 1) if token.type == "STRING" else (start, end)


def is_abort_marker(token: Token) -> bool:
    """True for the name of the leaf that stands in for an aborted permit."""
    return token.type == "IDENT" and not token.value


def parse_tree(source: str) -> Tree[Token]:
    """Parse ``source``, raising lark's exceptions or :class:`RuleError` at the first error."""
    return _Feeder(source).run()


class _Feeder:
    """Feeds tokens to the LALR parser one at a time, adding Keto's context rules.

    Keto's parser is a hand-written state machine; three of its habits depend
    on context a grammar does not carry, so they are applied here, in token
    order, which keeps "the first error wins" exact:

    * nesting depth — every ``(`` group and ``!`` costs a level, ``!(`` two;
      running out is reported on the token after the one that overflowed;
    * ``traverse(x => y.…)`` — the arrow's variable must repeat the parameter;
    * abandoned permits — an operator, ``,``, ``)`` or ``}`` where an
      expression must start makes Keto drop the permit silently and resume in
      the class body; ``}`` after a started expression closes any open groups.
    """

    def __init__(self, source: str) -> None:
        self._source = source
        self._parser = opl_parser().parse_interactive()
        self._groups: list[int | None] = []  # per open "(": depth left, or None for a call
        self._overflow = False
        self._history: list[Token] = []  # the last three tokens of the source
        self._fed: list[Token] = []  # everything fed, to rebuild the parser for a message

    def run(self) -> Tree[Token]:
        try:
            return self._run()
        except UnexpectedToken as exc:
            exc.interactive_parser = self._replay()
            exc.token_history = list(self._history)
            raise

    def _replay(self) -> InteractiveParser:
        """The parser as it was before the failed token; LALR may have reduced on it first."""
        parser = opl_parser().parse_interactive()
        for token in self._fed:
            parser.feed_token(token)
        return parser

    def _run(self) -> Tree[Token]:
        last: Token | None = None
        for token in opl_parser().lex(self._source):
            self._raise_overflow(token)
            self._step(token)
            last = token
        self._raise_overflow(None)
        tree: Tree[Token] = self._parser.feed_eof(last)  # type: ignore[no-untyped-call]
        return tree

    def _step(self, token: Token) -> None:
        choices = set(self._parser.choices())  # type: ignore[no-untyped-call]
        if "$END" in choices:  # between classes: every token but "class" is skipped
            self._feed(token)
            return
        if _EXPRESSION_START <= choices and "AND" not in choices:
            if self._abandon(token):
                return
        elif token.type == "RBRACE" and "BANG" in choices:
            self._feed_virtual(("RPAR",) * len(self._groups))
            self._groups.clear()
        elif self._after_traverse_arrow(choices):
            self._check_variable(token)
        self._track_nesting(token, choices)
        self._feed(token)

    def _abandon(self, token: Token) -> bool:
        """Drop the permit being parsed, as Keto does; True if ``token`` was swallowed."""
        swallowed = token.type in ("AND", "OR") or (
            token.type == ("RPAR" if self._groups else "COMMA")
        )
        if not swallowed and token.type != "RBRACE":
            return False
        self._feed_virtual(_ABORT_LEAF + ("RPAR",) * len(self._groups) + ("RBRACE",))
        self._groups.clear()
        self._history.clear()
        return swallowed

    def _after_traverse_arrow(self, choices: set[str]) -> bool:
        """A name must come next, after an arrow: only ``traverse(x => x…)`` looks so."""
        arrow = bool(self._history) and self._history[-1].type == "ARROW"
        return arrow and "THIS" in choices and "BANG" not in choices

    def _check_variable(self, token: Token) -> None:
        """``traverse((p) => p.…)``: Keto matches the variable by its text."""
        before = self._history[-2]
        param = self._history[-3] if before.type == "RPAR" else before
        if token_value(token) != token_value(param):
            message = f"expected {go_quote(token_value(param))}, got {go_quote(token_value(token))}"
            raise RuleError(message, *token_span(token))

    def _track_nesting(self, token: Token, choices: set[str]) -> None:
        left = next((g for g in reversed(self._groups) if g is not None), MAX_NESTING)
        after_not = bool(self._history) and self._history[-1].type == "BANG"
        if token.type == "LPAR":
            group = "BANG" in choices
            depth = left - 1 - after_not if group else None
            self._overflow = depth is not None and depth <= 0
            self._groups.append(depth)
        elif token.type == "RPAR" and self._groups:
            self._groups.pop()
        elif token.type == "BANG":
            self._overflow = left - 1 <= 0

    def _raise_overflow(self, token: Token | None) -> None:
        if not self._overflow:
            return
        start, end = token_span(token) if token is not None else (len(self._source),) * 2
        raise RuleError(
            f"expression nested too deeply; maximal nesting depth is {MAX_NESTING}", start, end
        )

    def _feed(self, token: Token) -> None:
        self._parser.feed_token(token)
        self._fed.append(token)
        self._history = [*self._history[-2:], token]

    def _feed_virtual(self, types: tuple[str, ...]) -> None:
        for name in types:
            token = Token(name, "" if name == "IDENT" else LITERALS[name])
            self._parser.feed_token(token)
            self._fed.append(token)


_GO_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(text: str) -> str:
    """Quote like Go's ``%q`` so messages read exactly as Keto's do."""
    out = ['"']
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)
