"""Expand trees as Keto v25.4.0 builds them, including its documentation sample."""

from __future__ import annotations

import json
from typing import Any

from roost.permissions.expand.engine import ExpandEngine
from roost.permissions.relationtuples.model import SubjectSet
from tests.permissions.support import open_store, tuples
from tests.support import shared

BEACH = [
    "directories:/photos#owner@maureen",
    "files:/photos/beach.jpg#owner@maureen",
    "files:/photos/mountains.jpg#owner@laura",
    "directories:/photos#access@laura",
    "directories:/photos#access@(directories:/photos#owner)",
    "files:/photos/beach.jpg#access@(files:/photos/beach.jpg#owner)",
    "files:/photos/beach.jpg#access@(directories:/photos#access)",
    "files:/photos/mountains.jpg#access@(files:/photos/mountains.jpg#owner)",
    "files:/photos/mountains.jpg#access@(directories:/photos#access)",
]


def _canonical(node: dict[str, Any]) -> Any:
    """Children compared as a set (Keto's docs compare with jd -set)."""
    children = sorted((_canonical(c) for c in node.get("children", [])), key=json.dumps)
    return [node["type"], node["tuple"], children]


async def test_docs_sample_matches_keto_output(dsn: str) -> None:
    expected_file = shared.require("conformance/keto/examples/expand-beach.expected.json")
    store = await open_store(dsn)
    try:
        await store.write(tuples(BEACH), [])
        tree = await ExpandEngine(store, 5).build(
            SubjectSet("files", "/photos/beach.jpg", "access"), 3
        )
        assert tree is not None
        assert _canonical(tree.to_json()) == _canonical(json.loads(expected_file.read_text()))
    finally:
        await store.db.close()


async def test_depth_cycles_and_empty(dsn: str) -> None:
    store = await open_store(dsn)
    try:
        chain = [f"n:{i}#r@n:{i + 1}#r" for i in range(5)] + ["n:5#r@u"]
        cycle = ["c:a#r@c:b#r", "c:b#r@c:c#r", "c:c#r@c:a#r"]
        await store.write(tuples(chain + cycle), [])
        engine = ExpandEngine(store, 5)
        tree = await engine.build(SubjectSet("n", "0", "r"), 4)
        assert tree is not None
        types = []
        node: dict[str, Any] | None = tree.to_json()
        while node is not None:
            types.append(node["type"])
            node = (node.get("children") or [None])[0]
        assert types == ["union", "union", "union", "leaf"]
        looped = (await engine.build(SubjectSet("c", "a", "r"), 0)).to_json()  # type: ignore[union-attr]
        deepest = looped["children"][0]["children"][0]["children"][0]
        assert deepest == {
            "type": "leaf",
            "tuple": {
                "namespace": "",
                "object": "",
                "relation": "",
                "subject_set": {"namespace": "c", "object": "a", "relation": "r"},
            },
        }
        assert await engine.build(SubjectSet("n", "nothing", "r"), 0) is None
    finally:
        await store.db.close()
