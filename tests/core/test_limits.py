"""The shared storability checks: each refusal names the field and never quotes the value."""

from __future__ import annotations

from typing import Any

import pytest

from roost.core.errors import Invalid
from roost.core.limits import check_fields, check_int, check_text, check_tree, text_problem


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": {"b": "x\ud800"}}, "body.a.b"),
        ({"a": ["ok", "nul\x00"]}, "body.a.1"),
        ({"\udfff": 1}, "body key"),
        ({"n": 2**64}, "body.n"),
        ({"f": float("nan")}, "body.f"),
        ({"f": float("inf")}, "body.f"),
    ],
)
def test_check_tree_names_the_member(value: Any, where: str) -> None:
    with pytest.raises(Invalid) as info:
        check_tree(value)
    assert info.value.reason.startswith(where)


def test_deep_nesting_is_refused_without_recursion() -> None:
    deep: Any = "leaf"
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(Invalid, match="nested"):
        check_tree(deep)
    check_tree([[[["fine"]]]])


def test_lengths_and_ranges() -> None:
    check_text("f", "x" * 255, 255)
    with pytest.raises(Invalid, match="f must be at most 255 characters long, got 256"):
        check_text("f", "x" * 256, 255)
    check_text("f", 5, 1)  # not a string: the caller's type check answers that
    with pytest.raises(Invalid, match="client_id"):
        check_fields({"client_id": "c" * 300}, {"client_id": 255})
    check_int("n", 2**63 - 1)
    with pytest.raises(Invalid, match="n must be between"):
        check_int("n", 2**63)
    check_int("flag", True, (0, 0))  # booleans are not numbers here


def test_text_problem() -> None:
    assert text_problem("plain ünïcode ✓ 😀") is None
    assert text_problem("a\x00") == "must not contain NUL characters"
    assert text_problem("\udc80") == "must not contain lone UTF-16 surrogates"
