"""``/.well-known/ory/webauthn.js`` and the nodes that use it, on SQLite and PostgreSQL.

The script is served with the bytes the flows' ``script`` nodes pin by their
Subresource Integrity hash (checked here as a browser checks it); every
``onclickTrigger``/``onloadTrigger`` a flow names is a function the script
defines; and run under Node.js against a stand-in DOM and authenticator, the
triggers read the options the server put in the form and post the answer in
the field the server reads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from typing import Any

import httpx
import pytest
from ory_kratos_client.models import LoginFlow

from tests.identity.http.conftest import Site
from tests.identity.http.mfa_support import JSON, settings_flow

PATH = "/.well-known/ory/webauthn.js"

HARNESS = r"""
const fs = require("fs"), vm = require("vm")
const [source, fieldsJson] = [fs.readFileSync(process.argv[2], "utf8"), process.argv[3]]
const fields = JSON.parse(fieldsJson), submitted = [], calls = []
const element = (name) => fields[name] === undefined ? null : {
  get value() { return fields[name] }, set value(v) { fields[name] = v },
  closest: () => ({ submit: () => submitted.push(name) }),
}
const bytes = (n) => new Uint8Array([n, n + 1, n + 2]).buffer
const credential = { id: "abc", type: "public-key", rawId: bytes(1), response: {
  clientDataJSON: bytes(2), attestationObject: bytes(3), authenticatorData: bytes(4),
  signature: bytes(5), userHandle: bytes(6) } }
const window = {
  atob: (s) => Buffer.from(s, "base64").toString("binary"),
  btoa: (s) => Buffer.from(s, "binary").toString("base64"),
  PublicKeyCredential: function () {},
  AbortController, Promise,
  document: { querySelector: (q) => element(/name="([^"]+)"/.exec(q)[1]) },
  navigator: { credentials: {
    create: (o) => { calls.push(["create", o.publicKey.challenge instanceof Uint8Array]);
                     return Promise.resolve(credential) },
    get: (o) => { calls.push(["get", o.publicKey.challenge instanceof Uint8Array]);
                  return Promise.resolve(credential) } } },
}
vm.runInNewContext(source, { window, console, JSON, Object, Uint8Array, String, Error })
const names = Object.keys(window).filter((k) => typeof window[k] === "function")
const run = process.argv[4]
Promise.resolve(run ? window[run]() : null).then(() => setTimeout(() => {
  console.log(JSON.stringify({ names, submitted, calls, fields }))
}, 20))
"""


def _script_nodes(flow: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in flow["ui"]["nodes"] if n["type"] == "script"]


def _triggers(flow: dict[str, Any]) -> set[str]:
    found = set()
    for n in flow["ui"]["nodes"]:
        for key in ("onclickTrigger", "onloadTrigger"):
            if n["attributes"].get(key):
                found.add(n["attributes"][key])
    return found


def _values(flow: dict[str, Any]) -> dict[str, str]:
    return {
        str(n["attributes"]["name"]): str(n["attributes"].get("value", ""))
        for n in flow["ui"]["nodes"]
        if n["type"] == "input"
    }


def _served(site: Site) -> httpx.Response:
    r = httpx.get(site.public + PATH)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    return r


def test_script_nodes_pin_the_served_bytes(mfa: Site) -> None:
    served = _served(mfa)
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(served.content).digest()).decode()
    with mfa.browser() as b:
        login = b.get(f"{mfa.public}/self-service/login/browser", headers=JSON).json()
        address, _ = mfa.identity()
        mfa.sign_in(b, address)
        settings = settings_flow(mfa, b)
    for flow in (login, settings):
        [script] = _script_nodes(flow)  # one per form, though settings has two key methods
        attrs = script["attributes"]
        assert attrs["src"] == mfa.public + PATH and attrs["integrity"] == integrity
        assert attrs["async"] is True and attrs["crossorigin"] == "anonymous"
        assert attrs["referrerpolicy"] == "no-referrer" and attrs["nonce"]
    assert (
        _script_nodes(login)[0]["attributes"]["nonce"]
        != (_script_nodes(settings)[0]["attributes"]["nonce"])
    )
    button = next(
        n for n in login["ui"]["nodes"] if n["attributes"].get("name") == "passkey_login_trigger"
    )
    assert button["attributes"]["onloadTrigger"] == "oryPasskeyLoginAutocompleteInit"
    parsed = LoginFlow.from_dict(login)  # Ory's SDK reads the script node
    assert parsed is not None
    assert any(n.attributes.actual_instance.node_type == "script" for n in parsed.ui.nodes)


def _node_run(site: Site, fields: dict[str, str], trigger: str, tmp: Any) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    script = tmp / "webauthn.js"
    script.write_bytes(_served(site).content)
    harness = tmp / "harness.js"
    harness.write_text(HARNESS)
    out = subprocess.run(
        [node, str(harness), str(script), json.dumps(fields), trigger],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_triggers_read_the_form_and_post_the_answer(mfa: Site, tmp_path: Any) -> None:
    with mfa.browser() as b:
        login = b.get(f"{mfa.public}/self-service/login/browser", headers=JSON).json()
        address, _ = mfa.identity()
        mfa.sign_in(b, address)
        settings = settings_flow(mfa, b)
    run = _node_run(mfa, _values(login), "oryPasskeyLogin", tmp_path)
    assert _triggers(login) | _triggers(settings) <= set(run["names"])
    assert {"__oryWebAuthnLogin", "oryWebAuthnRegistration"} <= set(run["names"])
    assert run["calls"] == [["get", True]] and run["submitted"] == ["passkey_login"]
    answer = json.loads(run["fields"]["passkey_login"])
    assert answer["id"] == "abc" and answer["response"]["signature"] == "BQYH"
    for trigger, result in (
        ("oryPasskeySettingsRegistration", "passkey_settings_register"),
        ("oryWebAuthnRegistration", "webauthn_register"),
    ):
        run = _node_run(mfa, _values(settings), trigger, tmp_path)
        assert run["calls"] == [["create", True]] and run["submitted"] == [result]
        assert json.loads(run["fields"][result])["response"]["attestationObject"] == "AwQF"
