"""Keto's gRPC client from a package: Ory's npm ``@ory/keto-grpc-client`` (0.13.0-alpha.0,
with the grpc-js it pins) makes every call of Keto's gRPC API once against a real
server's read, write and OPL ports (tests/permissions/grpc/keto_grpc_client.js).

The client is installed outside the repository on first use (tests.support.npm);
without npm or the registry the test skips with one line, under ``CI=true`` it fails.
Independent of Roost's own stubs: other generated code, another HTTP/2 stack.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.support.npm import npm_package
from tests.support.server import Server

PACKAGE, VERSION = "@ory/keto-grpc-client", "0.13.0-alpha.0"
SCRIPT = Path(__file__).with_name("keto_grpc_client.js")
NOT_FOUND, UNION, LEAF = 5, 1, 4


def _address(server: Server, port: str) -> str:
    return server.urls[port].removeprefix("http://")


def _run_client(server: Server) -> dict[str, Any]:
    prefix = npm_package(PACKAGE, VERSION)
    node = shutil.which("node")
    assert node is not None  # npm_package skipped otherwise
    ports = [_address(server, p) for p in ("read", "write", "opl")]
    done = subprocess.run(
        [node, str(SCRIPT), str(prefix), *ports], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _leaves(tree: dict[str, Any]) -> list[Any]:
    if tree["type"] == LEAF:
        return [tree["tuple"]["subject"]]
    return [s for child in tree["children"] for s in _leaves(child)]


def test_every_call_once(opl_server: Server) -> None:
    out = _run_client(opl_server)
    inner_set = {"namespace": "Group", "object": "npm-inner", "relation": "members"}
    outer_set = {**inner_set, "object": "npm-outer"}
    outer = {"namespace": "Group", "object": "npm-outer", "relation": "members"}

    assert len(out["transact"]["snaptokens"]) == 2 and all(out["transact"]["snaptokens"])
    assert out["list"] == {"tuples": [{**outer, "subject": inner_set}], "next": ""}
    assert out["check"]["allowed"] == {"allowed": True}
    assert out["check"]["denied"] == {"allowed": False}
    assert out["check"]["with_snaptoken"] == {"allowed": True}
    assert out["check"]["unknown_namespace"]["code"] == NOT_FOUND

    tree = out["expand"]
    assert tree["type"] == UNION and tree["tuple"]["subject"] == outer_set
    assert [c["tuple"]["subject"] for c in tree["children"]] == [inner_set]
    assert _leaves(tree) == ["alice"]

    assert {"User", "Group", "Folder", "Document"} <= set(out["namespaces"])
    rest = httpx.get(opl_server.urls["read"] + "/version").json()
    assert out["version"] == rest["version"] and out["version"]

    assert out["syntax"]["good"] == []
    assert out["syntax"]["bad"] and out["syntax"]["bad"][0]["line"] == 1

    assert out["delete"] == {}
    left = [(t["object"], t["subject"]) for t in out["after_delete"]]
    assert ("npm-inner", "alice") in left
    assert all(obj != "npm-outer" for obj, _ in left)
