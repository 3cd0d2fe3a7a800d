"""The OPL parser against Keto v25.4.0's parser cases, snapshots and quirks.

Expected shapes, messages and positions below were produced by Keto's own
parser (v25.4.0, ``internal/schema``) on the same inputs.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from lark import Lark

from roost.permissions.namespaces import opl
from roost.permissions.namespaces.ast import child_to_json, relation_to_json
from roost.permissions.namespaces.opl import OPLError, ParseResult, parse_opl
from roost.permissions.namespaces.opl_grammar import GRAMMAR
from tests.support import shared

CONFORMANCE = "conformance/keto"


def _cases(section: str) -> list[dict[str, Any]]:
    """One section of Keto's parser cases; one skipping placeholder without the shared folder."""
    data = shared.load_yaml(f"{CONFORMANCE}/opl_parser_cases.yaml")
    if data is None:
        return [shared.placeholder(f"{CONFORMANCE}/opl_parser_cases.yaml")]
    cases: list[dict[str, Any]] = data[section]
    return cases


def _ast(result: ParseResult) -> dict[str, list[dict[str, Any]]]:
    """Keto's snapshot form: namespace name -> relations."""
    return {ns.name: [relation_to_json(r) for r in ns.relations] for ns in result.namespaces}


def _errors(result: ParseResult) -> list[dict[str, Any]]:
    return [e.to_json() for e in result.errors]


# ---------------------------------------------------------------- Keto's cases


@pytest.mark.parametrize("case", _cases("valid"), ids=lambda c: c["name"])
def test_valid_case_matches_snapshot(case: dict[str, Any]) -> None:
    result = parse_opl(case["input"])
    assert len(result.errors) == case["expected_errors"] == 0, _errors(result)
    if "expected_ast_file" in case:
        snapshot = shared.load_json(f"{CONFORMANCE}/{case['expected_ast_file']}")
        assert _ast(result) == snapshot


@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda c: c["name"])
def test_invalid_case_has_one_error(case: dict[str, Any]) -> None:
    result = parse_opl(case["input"])
    assert len(result.errors) == case["expected_errors"]
    assert result.namespaces == ()


@pytest.mark.parametrize("case", _cases("syntax_check_endpoint"), ids=lambda c: c["request"])
def test_syntax_check_case(case: dict[str, Any]) -> None:
    """The parser half of the endpoint cases (the HTTP half lives with the HTTP tests)."""
    match = re.search(r'(?:body |content=)"(.*)"$', case["request"])
    assert match is not None
    result = parse_opl(match.group(1))
    if "errors[0].message_contains" in case:
        assert case["errors[0].message_contains"] in result.errors[0].message
    if "parse_errors[0].message_contains" in case:
        assert case["parse_errors[0].message_contains"] in result.errors[0].message
    if "errors_len" in case:
        assert len(result.errors) == case["errors_len"]
    if "expected_body" in case:
        assert {"errors": _errors(result)} == case["expected_body"]


def test_parser_error_case_is_reported_where_keto_reports_it() -> None:
    """A leading operator makes Keto drop the permit; the class then fails on ``this``."""
    shared.require(f"{CONFORMANCE}/opl_parser_cases.yaml")
    (case,) = [c for c in _cases("invalid") if c["name"] == "parser error"]
    assert _errors(parse_opl(case["input"])) == [
        {
            "message": "expected 'permits' or 'related', got \"this\"",
            "start": {"Line": 4, "column": 6},
            "end": {"Line": 4, "column": 10},
        }
    ]


# ---------------------------------------------------------------- rewrite shapes

A = "this.related.a.includes(ctx.subject)"
B = "this.related.b.includes(ctx.subject)"
C = "this.related.c.includes(ctx.subject)"
DOC = """\
class User implements Namespace {}
class Doc implements Namespace {
  related: {a: User[]; b: User[]; c: User[]; parents: Doc[]; groups: SubjectSet<Group, "members">[]}
  permits = { p: (ctx) => %s }
}
class Group implements Namespace { related: { members: User[] } }
"""


def _rewrite(expression: str) -> dict[str, Any]:
    result = parse_opl(DOC % expression)
    assert result.errors == (), _errors(result)
    (permit,) = [r for r in result.namespaces[1].relations if r.name == "p"]
    assert permit.rewrite is not None
    return child_to_json(permit.rewrite)


def _or(*children: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "or", "children": list(children)}


def _and(*children: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "and", "children": list(children)}


a, b, c = {"relation": "a"}, {"relation": "b"}, {"relation": "c"}


def test_single_expression_is_wrapped_in_or() -> None:
    assert _rewrite(A) == _or(a)


def test_and_and_or_have_equal_precedence_left_to_right() -> None:
    """``a || b && c`` is ``(a || b) && c``; only same-operator children are merged."""
    assert _rewrite(f"{A} || {B} && {C}") == _and(_or(_or(a), b), c)
    assert _rewrite(f"{A} && {B} || {C}") == _or(_and(_or(a), b), c)


def test_same_operator_chains_are_flattened() -> None:
    assert _rewrite(f"{A} || {B} || {C}") == _or(a, b, c)
    assert _rewrite(f"({A} || {B}) || {C}") == _or(a, b, c)
    assert _rewrite(f"({A} && {B}) && ({C})") == _and(_or(a), b, _or(c))


def test_flattening_stops_at_a_different_operator() -> None:
    assert _rewrite(f"{A} && ({B} || {C})") == _and(_or(a), _or(_or(b), c))


def test_negation() -> None:
    assert _rewrite(f"!{A}") == _or({"inverted": a})
    assert _rewrite(f"!({A} || {B})") == _or({"inverted": _or(_or(a), b)})


def test_keto_quirks_juxtaposition_trailing_operator_and_brace() -> None:
    """Keto appends a leaf that follows a leaf, ignores a trailing operator, lets ``}`` close."""
    assert _rewrite(f"{A} {B}") == _or(a, b)
    assert _rewrite(f"{A} ||") == _or(a)
    assert _rewrite(f"(({A} }}") == _or(a)


def test_traverse_and_permits_forms() -> None:
    assert _rewrite("this.related.parents.traverse(x => x.permits.p(ctx))") == _or(
        {"relation": "parents", "computed_subject_set_relation": "p"}
    )
    related = "this.related.parents.traverse((d) => d.related.a.includes(ctx.subject,),)"
    assert _rewrite(related) == _or({"relation": "parents", "computed_subject_set_relation": "a"})
    assert _rewrite("this.permits.p(ctx)") == _or({"relation": "p"})


def test_bracket_property_access() -> None:
    expression = "this.related[\"a\"].includes(ctx.subject) || this.permits['p'](ctx)"
    assert _rewrite(expression) == _or(a, {"relation": "p"})


def test_related_types_and_separators() -> None:
    source = """
    import { Namespace, SubjectSet } from "@ory/keto-namespace-types"
    export class User implements Namespace {}
    class "Group" implements Namespace {
      related: {
        members: (User | SubjectSet<Group, "members">)[],
        owners: Array<User | Group>;
        "team.lead": SubjectSet<Group, 'members'>[]
        admins: Array<SubjectSet<Group, "members">>
        related: User[]
      };;
    }
    """
    result = parse_opl(source)
    assert result.errors == ()
    set_of_members = {"namespace": "Group", "relation": "members"}
    assert _ast(result)["Group"] == [
        {"name": "members", "types": [{"namespace": "User"}, set_of_members]},
        {"name": "owners", "types": [{"namespace": "User"}, {"namespace": "Group"}]},
        {"name": "team.lead", "types": [set_of_members]},
        {"name": "admins", "types": [set_of_members]},
        {"name": "related", "types": [{"namespace": "User"}]},
    ]


def test_abandoned_last_permit_is_dropped_silently() -> None:
    source = "class A implements Namespace { related: { r: A[] } permits = { p: (ctx) => } }"
    result = parse_opl(source)
    assert result.errors == ()
    assert [r.name for r in result.namespaces[0].relations] == ["r"]


# ---------------------------------------------------------------- syntax errors


def _first_error(expression: str) -> dict[str, Any]:
    result = parse_opl(DOC % expression)
    assert len(result.errors) == 1
    return _errors(result)[0]


def test_nesting_depth_limit() -> None:
    assert _rewrite("(" * 9 + A + ")" * 9) == _or(a)
    assert _rewrite("!" + "(" * 8 + A + ")" * 8) == _or({"inverted": _or(a)})
    too_deep = {
        "message": "expression nested too deeply; maximal nesting depth is 10",
        "start": {"Line": 4, "column": 36},
        "end": {"Line": 4, "column": 40},
    }
    assert _first_error("(" * 10 + A + ")" * 10) == too_deep
    assert _first_error("(" * 8 + "!(" + A + ")" * 9) == too_deep  # "!(" costs two levels


@pytest.mark.parametrize(
    ("expression", "message", "start"),
    [
        (f"({A}) {A}", "did not expect another expression", (4, 65)),
        (
            "this.relatd.a.includes(ctx.subject)",
            "expected 'related' or 'permits', got \"relatd\"",
            (4, 31),
        ),
        (
            "this.related.a.contains(ctx.subject)",
            "expected 'traverse' or 'includes', got \"contains\"",
            (4, 41),
        ),
        ("this.related.parents.traverse(x => y.permits.p(ctx))", 'expected "x", got "y"', (4, 61)),
        ("!!" + A, 'expected "this", got "!"', (4, 27)),
        ("!()", 'expected "this", got ")"', (4, 28)),  # Keto would negate nothing
    ],
)
def test_expression_errors(expression: str, message: str, start: tuple[int, int]) -> None:
    error = _first_error(expression)
    assert error["message"] == message
    assert (error["start"]["Line"], error["start"]["column"]) == start


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/* unclosed comment", 'fatal: at "": unclosed comment'),
        (
            "class A implements Namespace { related: { r: 'A[] } }",
            'fatal: at "": unclosed string literal',
        ),
        ("class A implements Namespace { # }", 'fatal: at "# }": unexpected token #'),
        ("class A implements Namespace {", "expected 'permits' or 'related', got \"\""),
        ("class A extends Namespace {}", 'expected "implements", got "extends"'),
        ("class { }", 'expected identifier, got "{"'),
        (
            "class A implements Namespace { related: { this: A[] } }",
            "expected identifier or '}', got KeywordThis \"this\"",
        ),
        (
            "class A implements Namespace { related: { r: Array<A>, } }",
            'expected identifier or \'}\', got "," ","',
        ),
        ("class A implements Namespace { related: { r: (A B)[] } }", "expected '|', got \"B\""),
        ("class A implements Namespace { related: { r: A } }", 'expected "[", got "}"'),
        (
            "class A implements Namespace { permits = { p: (ctx) => || this.permits.p(ctx) } }",
            "expected 'permits' or 'related', got \"this\"",
        ),
    ],
)
def test_syntax_errors(source: str, message: str) -> None:
    result = parse_opl(source)
    assert [e.message for e in result.errors] == [message]


def test_error_positions_follow_keto() -> None:
    """Keto's columns are 1-based at offset 0 and land on the preceding character after it."""
    source = "class A implements Namespace {}\n\nclass B implements Namespace {\n  related: {\n"
    result = parse_opl(source + "    r: Nope[]\n  }\n}")
    assert _errors(result) == [
        {
            "message": 'namespace "Nope" was not declared',
            "start": {"Line": 5, "column": 7},
            "end": {"Line": 5, "column": 11},
        }
    ]
    assert _errors(parse_opl("/* unclosed comment"))[0]["start"] == {"Line": 1, "column": 1}


def test_error_json_has_capital_line() -> None:
    error = OPLError("boom", (1, 2), (3, 4))
    assert error.to_json() == {
        "message": "boom",
        "start": {"Line": 1, "column": 2},
        "end": {"Line": 3, "column": 4},
    }


# ---------------------------------------------------------------- type checks


def test_undeclared_namespaces_and_subject_set_relations() -> None:
    source = (
        "class A implements Namespace { related: "
        '{ r: B[]; s: SubjectSet<A, "x">[]; t: SubjectSet<C, "x">[] } }'
    )
    result = parse_opl(source)
    assert [e.message for e in result.errors] == [
        'namespace "B" was not declared',
        'namespace "A" did not declare relation "x"',
        'namespace "C" was not declared',
    ]
    assert [e.start for e in result.errors] == [(1, 45), (1, 68), (1, 89)]
    assert [ns.name for ns in result.namespaces] == ["A"]


def test_undeclared_relations_in_expressions() -> None:
    assert _first_error("this.permits.nope(ctx)")["message"] == (
        'namespace "Doc" did not declare relation "nope"'
    )
    result = parse_opl(DOC % "this.related.nope.traverse(g => g.permits.p(ctx))")
    assert [e.message for e in result.errors] == [
        'relation "nope" was not declared in namespace "Doc"',
        'namespace "Doc" did not declare relation "nope"',
    ]


def test_traverse_target_must_exist_in_every_type() -> None:
    error = _first_error("this.related.parents.traverse(x => x.related.nope.includes(ctx.subject))")
    assert error["message"] == 'relation "nope" was not declared in namespace "Doc"'
    # Through SubjectSet<Group, "members">, the target is looked up in the types of Group#members.
    error = _first_error("this.related.groups.traverse(g => g.related.nope.includes(ctx.subject))")
    assert error["message"] == 'relation "nope" was not declared in namespace "User"'
    assert error["start"] == {"Line": 4, "column": 39}


def test_recursive_subject_sets_stop_at_depth_ten() -> None:
    source = """
    class G implements Namespace {
      related: { m: (SubjectSet<G, "m"> | SubjectSet<G, "n">)[]; n: (SubjectSet<G, "m"> | G)[] }
      permits = { p: (ctx) => this.related.m.traverse(g => g.permits.p(ctx)) }
    }
    """
    result = parse_opl(source)
    assert [e.message for e in result.errors] == [
        "could not typecheck deeply nested SubjectSet further"
    ]


def test_no_type_checks_after_a_syntax_error() -> None:
    result = parse_opl("class A implements Namespace { related: { r: Nope[] } } class")
    assert [e.message for e in result.errors] == ["expected identifier, got EOF"]


# ---------------------------------------------------------------- the module


def test_grammar_is_conflict_free(caplog: pytest.LogCaptureFixture) -> None:
    """lark resolves shift/reduce conflicts silently unless it is asked to log them."""
    lark_logger = logging.getLogger("lark")
    level = lark_logger.level
    lark_logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="lark"):
            Lark(GRAMMAR, parser="lalr", lexer="basic", debug=True)
    finally:
        lark_logger.setLevel(level)
    assert not [r for r in caplog.records if "conflict" in r.getMessage().lower()]


def test_public_names() -> None:
    assert opl.__all__ == ["OPLError", "ParseResult", "parse_opl"]
