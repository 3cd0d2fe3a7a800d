"""The relations a lookup's cost pass settles: what the answer's relation reads, the
relation ``traverse`` asks anywhere, and the walk's subject-set relations."""

from __future__ import annotations

import uuid

from roost.permissions.lookup.needed import Needed
from tests.permissions.lookup.test_leaves import OPL
from tests.permissions.support import namespaces_from


def test_documents_view_reads_viewers_and_view_but_not_parents() -> None:
    sets = [("Group", uuid.uuid4(), "members")]
    needed = Needed.of(namespaces_from(OPL), sets, "Document", "view")
    assert needed.has("Document", "view") and needed.has("Document", "viewers")
    assert needed.has("Folder", "view") and needed.has("Folder", "viewers")
    assert needed.has("Group", "members")
    assert not needed.has("Document", "parents") and not needed.has("Folder", "parents")


def test_without_subject_sets_a_relation_with_no_rewrite_needs_only_itself() -> None:
    needed = Needed.of(namespaces_from(OPL), [], "Group", "members")
    assert needed.pairs == {("Group", "members")} and needed.anywhere == set()
