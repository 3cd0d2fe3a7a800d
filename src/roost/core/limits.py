"""What every backend can store: the checks each service's validation module builds on.

PostgreSQL's ``text`` and ``jsonb`` refuse NUL; no UTF-8 encoder (asyncpg,
sqlite3, orjson) accepts a lone UTF-16 surrogate, which Python's ``json``
happily decodes from ``"\\ud800"``; ``varchar(255)`` refuses what SQLite
would keep; orjson cannot write an integer beyond 64 bits nor PostgreSQL's
``jsonb`` a NaN. Caught here, before any SQL runs, such input is a 400 on
every backend alike instead of a 500 on one and a poisoned row on another
(decision 0018). The checks raise :class:`~roost.core.errors.Invalid` naming
the field; they know nothing of HTTP.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from roost.core.errors import Invalid

MAX_DEPTH = 64
"""Nesting of objects and arrays in any body (Ory's documents need a handful)."""
INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    found = _BAD_CHARS.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "must not contain NUL characters"
    return "must not contain lone UTF-16 surrogates"


def check_text(field: str, value: Any, max_length: int | None = None) -> None:
    """A string some column will hold: storable, and at most ``max_length`` characters."""
    if not isinstance(value, str):
        return
    problem = text_problem(value)
    if problem is not None:
        raise Invalid(f"{field} {problem}")
    if max_length is not None and len(value) > max_length:
        raise Invalid(f"{field} must be at most {max_length} characters long, got {len(value)}")


def check_int(field: str, value: Any, bounds: tuple[int, int] = INT64) -> None:
    """An integer that the column (``BIGINT`` unless told) and orjson can hold."""
    if isinstance(value, bool) or not isinstance(value, int):
        return
    low, high = bounds
    if not low <= value <= high:
        raise Invalid(f"{field} must be between {low} and {high}")


def check_tree(value: Any, field: str = "body", max_depth: int = MAX_DEPTH) -> None:
    """Every string, key and number of a parsed JSON document, and its depth.

    The walk is iterative so a deeply nested body cannot exhaust the stack;
    the error names the first offending member by its dotted path.
    """
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            check_text(path, item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise Invalid(f"{path} must be a finite number")
        elif isinstance(item, int):
            check_int(path, item)
        elif isinstance(item, (dict, list)):
            if depth >= max_depth:
                raise Invalid(f"{path} is nested more than {max_depth} levels deep")
            members = item.items() if isinstance(item, dict) else enumerate(item)
            for key, member in members:
                if isinstance(key, str):
                    check_text(f"{path} key", key)
                stack.append((member, f"{path}.{key}", depth + 1))


def check_fields(body: Any, limits: Mapping[str, int], prefix: str = "") -> None:
    """Top-level string members of ``body`` against their column's length."""
    if not isinstance(body, dict):
        return
    for name, max_length in limits.items():
        check_text(f"{prefix}{name}", body.get(name), max_length)
