"""The permission service's input limits, checked before any SQL.

Keto's columns bound a tuple's ``namespace`` (varchar(200)) and ``relation``
(varchar(64)); objects and subject ids are mapped to UUIDs and kept as text
(``keto_uuid_mappings``), bounded only by Roost's own ``MAX_ID``. Those
lengths are checked where a tuple is built
(:mod:`roost.permissions.relationtuples.model`); this module adds what any
body must satisfy before it means anything (no NUL, no lone surrogate,
finite numbers, bounded nesting), the same on every backend (decision 0018).
"""

from __future__ import annotations

from typing import Any

from roost.core.limits import check_tree
from roost.permissions.relationtuples.model import MAX_ID, MAX_NAMESPACE, MAX_RELATION

__all__ = ["MAX_ID", "MAX_NAMESPACE", "MAX_RELATION", "check_document"]


def check_document(body: Any) -> None:
    """Any parsed JSON body of the REST API."""
    check_tree(body)
