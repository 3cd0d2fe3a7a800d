"""The Ory Permission Language grammar, as Keto v25.4.0 actually accepts it.

The grammar is written from the observed behaviour of Keto's hand-written
parser (``internal/schema``), not from the TypeScript it imitates:

* every token before a ``class`` (imports, exports, stray words) is skipped;
* ``&&`` and ``||`` bind equally and fold left to right; an operator may be
  repeated or trail the expression, and a leaf may follow another leaf without
  an operator (Keto appends it to the current group); only a leaf right after
  ``( … )`` or ``!x`` is rejected;
* ``Array<…>`` takes no trailing comma, ``T[]`` forms take one;
* where Keto reads "any token" (property names, types, ``SubjectSet``
  arguments, the traverse parameter) so does the grammar;
* ``class implements this ctx`` are never identifiers; the other words
  (``related``, ``Array``, ``includes`` …) are, outside the place where they
  have a meaning.

The lexer is lark's basic (context-free) lexer, as Keto's is. What a grammar
cannot say (nesting depth, abandoned permits, the traverse variable) is done by
:class:`_Feeder`, which hands the tokens to lark's LALR parser one at a time.
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass

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

_leaf: includes | permits_call | traverse | bad_verb
// parsed only so that the feeder can reject it where Keto does
bad_verb: THIS "." ($ANY_BUT_VERB) _any_prop
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
        ANY_BUT_VERB=_any_but("RELATED", "PERMITS"),
    )
    return rules + "\n".join(f'{name}: "{text}"' for name, text in LITERALS.items()) + "\n"


GRAMMAR: str = _grammar()


#: Keto's limit on nested ``(`` and ``!`` within one permit.
MAX_NESTING = 10

# A permits-call leaf that no source can produce (identifiers are never empty):
# fed in place of an aborted permit's expression so the parser can go on.
_ABORT_LEAF = ("THIS", "DOT", "PERMITS", "DOT", "IDENT", "LPAR", "CTX", "RPAR")
# Parser states recognised by what they accept: an expression starts (after
# "=>" or a group's "("), the operand of "!" starts, a "this." leaf started.
_EXPRESSION_START = frozenset({"THIS", "BANG", "LPAR"})
_NEGATED = frozenset({"THIS", "LPAR"})
_LEAF_STARTED = frozenset({"DOT"})
_CALL = frozenset({"LPAR"})
# Keto's top level looks for the keyword "class" by type; every other word by text.
_KEYWORD_BY_TEXT = {
    text: name for name, text in LITERALS.items() if text.isalpha() and name != "CLASS"
}


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

    Keto's parser is a hand-written state machine; some of its habits depend on
    context a grammar does not carry, so they are applied here, in token order,
    which keeps "the first error wins" exact:

    * nesting depth: every ``(`` group and ``!`` costs a level, ``!(`` two;
      running out is reported on the token after the one that overflowed;
    * ``this.X`` with ``X`` neither ``related`` nor ``permits`` is reported once
      the property after it has been read; ``traverse(x => y…)`` needs ``y == x``;
    * abandoned expressions: an operator, ``,`` (top level), ``)`` or ``}``
      where an expression must start makes Keto give up on the innermost
      ``!( … )`` (its result is a negation of nothing) or, outside any, drop
      the permit silently and resume in the class body. A negation of nothing
      is refused here at the end, as it has no meaning to evaluate;
    * ``}`` after a started expression closes every open group.

    Abandoned parts are completed with tokens no source can produce (see
    :func:`is_abort_marker`) so that the LALR parser can go on.
    """

    def __init__(self, source: str) -> None:
        self._source = source
        self._parser = opl_parser().parse_interactive()
        self._parens: list[_Group | None] = []  # open "(": a group, or None for a call
        self._overflow = False
        self._after_not = False
        self._leaf_at: int | None = None  # where in _fed the current "this." leaf starts
        self._empty_negation: Token | None = None
        self._traverse_at: int | None = None  # where in _fed the current "traverse" is
        self._fed: list[Token] = []  # everything fed, to rebuild the parser for a message
        self._terminals: dict[int, frozenset[str]] = {}

    def run(self) -> Tree[Token]:
        try:
            return self._run()
        except UnexpectedToken as exc:
            exc.interactive_parser = self._replay()
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
            self._raise_pending(token)
            self._step(token)
            last = token
        self._raise_pending(None)
        tree: Tree[Token] = self._parser.feed_eof(last)  # type: ignore[no-untyped-call]
        if self._empty_negation is not None:
            got = go_quote(token_value(self._empty_negation))
            raise RuleError(f'expected "this", got {got}', *token_span(self._empty_negation))
        return tree

    def _step(self, token: Token) -> None:
        choices = self._choices()
        if "$END" in choices:  # between classes: every token but "class" is skipped
            self._feed(token)
            return
        if choices == _EXPRESSION_START and self._abandon(token):
            return
        if token.type == "RBRACE" and self._parens and self._parens[-1] and self._accepts("RPAR"):
            self._close_groups(len(self._parens))
        elif self._traverse_at is not None:
            self._check_variable(token, self._traverse_at)
        self._feed_and_track(self._as_keyword(token))
        self._raise_bad_verb()

    def _feed_and_track(self, token: Token) -> None:
        """Feed ``token``, then classify it by the state it led to (shift states are exact)."""
        groups = [g for g in self._parens if g is not None]
        left = groups[-1].depth if groups else MAX_NESTING
        negated = self._after_not
        self._feed(token)
        after = self._choices()
        self._after_not = after == _NEGATED
        if token.type == "LPAR" and after == _EXPRESSION_START:
            self._overflow = left - 1 - negated <= 0
            self._parens.append(_Group(left - 1 - negated, negated))
        elif token.type == "LPAR":
            self._parens.append(None)
        elif token.type == "RPAR" and self._parens:
            self._parens.pop()
        elif self._after_not:
            self._overflow = left - 1 <= 0
        elif token.type == "THIS" and after == _LEAF_STARTED:
            self._leaf_at = len(self._fed) - 1
        elif token.type == "TRAVERSE" and after == _CALL:
            self._traverse_at = len(self._fed) - 1

    def _as_keyword(self, token: Token) -> Token:
        """Keto compares words by text, so a string literal may stand for a keyword."""
        keyword = _KEYWORD_BY_TEXT.get(token_value(token)) if token.type == "STRING" else None
        if keyword is None or not self._accepts(keyword):
            return token
        start, end = token_span(token)
        return Token(keyword, token_value(token), start, token.line, token.column, end_pos=end)

    def _choices(self) -> frozenset[str]:
        """Terminals with an action in the current state (rule names are lower case)."""
        actions = self._parser.choices()  # type: ignore[no-untyped-call]
        terminals = self._terminals.get(id(actions))  # one actions dict per parser state
        if terminals is None:
            terminals = frozenset(name for name in actions if name.isupper())
            self._terminals[id(actions)] = terminals
        return terminals

    def _accepts(self, terminal: str) -> bool:
        probe = self._parser.copy(deepcopy_values=False)  # type: ignore[no-untyped-call]
        try:
            probe.feed_token(Token(terminal, LITERALS[terminal]))
        except UnexpectedToken:
            return False
        return True

    def _abandon(self, token: Token) -> bool:
        """Give up like Keto on an empty expression; True if ``token`` was swallowed."""
        swallowed = token.type in ("AND", "OR") or (
            token.type == ("RPAR" if self._parens else "COMMA")
        )
        if not swallowed and token.type != "RBRACE":
            return False
        self._feed_virtual(_ABORT_LEAF, at=token)
        negations = [i for i, g in enumerate(self._parens) if g is not None and g.negated]
        if negations:
            self._empty_negation = self._empty_negation or token
            self._close_groups(len(self._parens) - negations[-1])
        else:
            self._close_groups(len(self._parens))
            self._feed_virtual(("RBRACE",))
        self._after_not = False
        return swallowed

    def _close_groups(self, count: int) -> None:
        self._feed_virtual(("RPAR",) * count)
        del self._parens[len(self._parens) - count :]

    def _check_variable(self, token: Token, at: int) -> None:
        """``traverse((p) => p.…)``: Keto matches the variable by its text.

        ``at`` indexes "traverse" in what was fed: "(" follows, then ``p => `` or ``(p) =>``.
        """
        fed = self._fed
        paren = len(fed) > at + 2 and fed[at + 2].type == "LPAR"
        if len(fed) != at + (6 if paren else 4):
            return
        self._traverse_at = None
        param = fed[at + 3] if paren else fed[at + 2]
        if token_value(token) != token_value(param):
            message = f"expected {go_quote(token_value(param))}, got {go_quote(token_value(token))}"
            raise RuleError(message, *token_span(token))

    def _raise_pending(self, token: Token | None) -> None:
        """Errors Keto reports once the next token (``token``; None at the end) is in view."""
        if self._overflow:
            start, end = token_span(token) if token is not None else (len(self._source),) * 2
            message = f"expression nested too deeply; maximal nesting depth is {MAX_NESTING}"
            raise RuleError(message, start, end)

    def _raise_bad_verb(self) -> None:
        """Keto takes any token after ``this.``, reads a property, then rejects the verb."""
        leaf = self._fed[self._leaf_at :] if self._leaf_at is not None else []
        if len(leaf) < 4:
            return
        verb = leaf[2]
        if verb.type in ("RELATED", "PERMITS"):
            self._leaf_at = None
        elif len(leaf) == (6 if leaf[3].type == "LSQB" else 5):
            message = f"expected 'related' or 'permits', got {go_quote(token_value(verb))}"
            raise RuleError(message, *token_span(verb))

    def _feed(self, token: Token) -> None:
        self._parser.feed_token(token)
        self._fed.append(token)

    def _feed_virtual(self, types: tuple[str, ...], at: Token | None = None) -> None:
        for name in types:
            value = "" if name == "IDENT" else LITERALS[name]
            token = Token.new_borrow_pos(name, value, at) if at is not None else Token(name, value)
            self._parser.feed_token(token)
            self._fed.append(token)


@dataclass(frozen=True, slots=True)
class _Group:
    """An open ``(`` group: how many nesting levels are left inside it, and if ``!`` opened it."""

    depth: int
    negated: bool


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
