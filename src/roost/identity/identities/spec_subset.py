"""Extracting request-body schemas from ``kratos.openapi.json`` into ``bodies.schema.json``.

Kept in the package so the test that pins ``bodies.schema.json`` to the spec
and the maintainer who regenerates it use the same code.
"""

from __future__ import annotations

import copy
from typing import Any

ROOTS = ("createIdentityBody", "updateIdentityBody")
PREFIX = "#/components/schemas/"


def _convert(node: Any, wanted: set[str]) -> Any:
    if isinstance(node, list):
        return [_convert(n, wanted) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("description", "example", "x-go-enum-desc", "x-omitempty", "title"):
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith(PREFIX):
            name = value[len(PREFIX) :]
            wanted.add(name)
            out["$ref"] = f"#/definitions/{name}"
        else:
            out[key] = _convert(value, wanted)
    if out.pop("nullable", False):
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif kind is None and "$ref" not in out:
            pass  # untyped values already accept null
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    components = spec["components"]["schemas"]
    wanted: set[str] = set(ROOTS)
    done: dict[str, Any] = {}
    while wanted - set(done):
        name = sorted(wanted - set(done))[0]
        done[name] = _convert(copy.deepcopy(components[name]), wanted)
    return {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": done}
