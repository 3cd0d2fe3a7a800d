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

from lark import Lark

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

_RULES = r"""
start: (class_def | _junk)*

class_def: "class" name "implements" "Namespace" "{" _class_item* "}"
_class_item: related_block | permits_block | ";"

related_block: "related" ":" "{" (relation | ";")* "}"
relation: name ":" (array_type | _bracket_type ","?)
array_type: "Array" "<" _union ">"
_bracket_type: (type_name | subject_set | "(" _union ")") "[" "]"
_union: _union_item ("|" _union_item)*
_union_item: union_name | subject_set
subject_set: "SubjectSet" "<" any_name "," any_name ">"

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
includes: THIS "." "related" _prop "." "includes" "(" "ctx" "." "subject" ")"
permits_call: THIS "." "permits" _prop "(" "ctx" ")"
traverse: THIS "." "related" _prop "." "traverse" "(" _param "=>" any_name "." _hop ")"
_param: "(" any_name ")" | any_name
_hop: traverse_related | traverse_permits
traverse_related: "related" _prop "." "includes" "(" "ctx" "." "subject" ","? ")" ","?
traverse_permits: "permits" _prop "(" "ctx" ")"
_prop: "." any_name | "[" any_name "]"

?type_name: IDENT | STRING | NAMESPACE | RELATED | PERMITS | CONTEXT | BOOLEAN
    | INCLUDES | TRAVERSE | SUBJECT
?union_name: type_name | ARRAY
?name: union_name | SUBJECTSET
?any_name: name | CLASS | IMPLEMENTS | THIS | CTX

_junk: IDENT | STRING | IMPLEMENTS | THIS | CTX | NAMESPACE | RELATED | PERMITS
    | ARRAY | SUBJECTSET | CONTEXT | BOOLEAN | INCLUDES | TRAVERSE | SUBJECT
    | AND | OR | ARROW | BANG | ASSIGN | DOT | COLON | COMMA | SEMI | VBAR
    | LPAR | RPAR | LBRACE | RBRACE | LSQB | RSQB | LANGLE | RANGLE

IDENT: /[A-Za-z_][A-Za-z0-9_]*/
STRING: /"[^"]*"|'[^']*'/
COMMENT: /\/\/[^\n]*/ | /\/\*[\s\S]*?\*\//
WS: /[\t\n\x0b\x0c\r ]+/
%ignore WS
%ignore COMMENT
"""


def _terminal_definitions() -> str:
    """Fixed terminals as ``NAME: "text"`` lines, generated from the tables above."""
    return "\n".join(f'{name}: "{text}"' for name, text in LITERALS.items())


GRAMMAR: str = _RULES + _terminal_definitions() + "\n"


@functools.cache
def opl_parser() -> Lark:
    """The compiled LALR parser; built on first use because compiling takes ~50 ms."""
    return Lark(GRAMMAR, parser="lalr", lexer="basic", maybe_placeholders=False)
