"""WebAuthn (second factor) and passkeys (passwordless) over real sockets (decision 0024).

A software authenticator (``tests/support/soft_authenticator.py``: an ECDSA
key and CBOR, independent of the server's ``py_webauthn``) answers the
options the flows show. Keys are added and removed in settings; a key is
the aal2 step; a passkey signs in alone. Refusals: a replayed assertion, a
forged signature, an unknown user handle.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from ory_kratos_client import ApiClient, Configuration
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.models import UpdateLoginFlowBody, UpdateLoginFlowWithPasskeyMethod

from tests.identity.http.conftest import Site
from tests.identity.http.mfa_support import JSON, csrf, names, node, settings_flow, whoami
from tests.support.soft_authenticator import SoftAuthenticator, b64, unb64


def _device(site: Site) -> SoftAuthenticator:
    return SoftAuthenticator("localhost", site.public)


def _value(flow: dict[str, Any], name: str) -> dict[str, Any]:
    options: dict[str, Any] = json.loads(node(flow, name)["attributes"]["value"])
    return options


def _post(b: httpx.Client, flow: dict[str, Any], **body: Any) -> httpx.Response:
    return b.post(flow["ui"]["action"], json={**body, "csrf_token": csrf(flow)}, headers=JSON)


def _credentials(site: Site, identity_id: str) -> dict[str, Any]:
    r = httpx.get(f"{site.admin}/admin/identities/{identity_id}")
    creds: dict[str, Any] = r.json().get("credentials", {})
    return creds


def test_security_key_as_second_factor(mfa: Site) -> None:
    address, identity_id = mfa.identity()
    key = _device(mfa)
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        flow = settings_flow(mfa, b)
        trigger = node(flow, "webauthn_register_trigger")["attributes"]
        assert (
            trigger["type"] == "button" and trigger["onclickTrigger"] == "oryWebAuthnRegistration"
        )
        options = _value(flow, "webauthn_register_trigger")
        assert options["publicKey"]["rp"]["id"] == "localhost"
        r = _post(
            b,
            flow,
            method="webauthn",
            webauthn_register=key.create(options),
            webauthn_register_displayname="My key",
        )
        assert r.status_code == 200 and r.json()["state"] == "success", r.text
        remove = node(r.json(), "webauthn_remove")
        assert remove["attributes"]["value"] == key.credential_id.hex()
        assert remove["meta"]["label"]["id"] == 1050018
        assert whoami(mfa, b).json()["authenticator_assurance_level"] == "aal2"
    assert _credentials(mfa, identity_id)["webauthn"]["identifiers"] == [identity_id]
    with mfa.browser() as b:
        page = mfa.sign_in(b, address)
        assert page.response.url.path == "/login" and whoami(mfa, b).status_code == 403
        flow = b.get(f"{mfa.public}/self-service/login/flows", params={"id": page.flow_id}).json()
        assertion = key.get(_value(flow, "webauthn_login_trigger"))
        r = _post(b, flow, method="webauthn", webauthn_login=assertion)
        assert r.status_code == 200, r.text
        s = whoami(mfa, b).json()
        assert s["authenticator_assurance_level"] == "aal2"
        assert s["authentication_methods"][-1]["method"] == "webauthn"
    with mfa.browser() as b:
        page = mfa.sign_in(b, address)
        flow = b.get(f"{mfa.public}/self-service/login/flows", params={"id": page.flow_id}).json()
        r = _post(b, flow, method="webauthn", webauthn_login=assertion)  # replayed
        assert r.status_code == 400
        assert [m["id"] for m in node(r.json(), "webauthn_login")["messages"]] == [4000043]
        forged = json.loads(key.get(_value(flow, "webauthn_login_trigger")))
        forged["response"]["signature"] = b64(unb64(forged["response"]["signature"])[:-2] + b"\0\0")
        r = _post(b, flow, method="webauthn", webauthn_login=json.dumps(forged))
        assert r.status_code == 400 and whoami(mfa, b).status_code == 403
    with mfa.browser() as b:
        page = mfa.sign_in(b, address)
        flow = b.get(f"{mfa.public}/self-service/login/flows", params={"id": page.flow_id}).json()
        r = _post(
            b,
            flow,
            method="webauthn",
            webauthn_login=key.get(_value(flow, "webauthn_login_trigger")),
        )
        assert r.status_code == 200, r.text
        flow = settings_flow(mfa, b)
        r = _post(b, flow, webauthn_remove=key.credential_id.hex())
        assert r.status_code == 200 and r.json()["state"] == "success", r.text
        assert "webauthn_remove" not in names(r.json())
    assert "webauthn" not in _credentials(mfa, identity_id)


def test_passkey_signs_in_alone(mfa: Site) -> None:
    address, identity_id = mfa.identity()
    passkey = _device(mfa)
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        flow = settings_flow(mfa, b)
        options = _value(flow, "passkey_create_data")
        assert options["publicKey"]["authenticatorSelection"]["residentKey"] == "required"
        r = _post(b, flow, method="passkey", passkey_settings_register=passkey.create(options))
        assert r.status_code == 200 and r.json()["state"] == "success", r.text
    assert _credentials(mfa, identity_id)["passkey"]["identifiers"] == [identity_id]
    with mfa.browser() as b:
        flow = b.get(f"{mfa.public}/self-service/login/browser", headers=JSON).json()
        assert (
            node(flow, "passkey_login_trigger")["attributes"]["onclickTrigger"] == "oryPasskeyLogin"
        )
        challenge = _value(flow, "passkey_challenge")
        r = _post(
            b, flow, method="passkey", passkey_login=passkey.get(challenge, discoverable=True)
        )
        assert r.status_code == 200, r.text
        s = whoami(mfa, b).json()
        assert s["identity"]["id"] == identity_id
        assert [(m["method"], m["aal"]) for m in s["authentication_methods"]] == [
            ("passkey", "aal1")
        ]
    stranger = _device(mfa)
    stranger.user_handle = bytes(16)
    api = FrontendApi(ApiClient(Configuration(host=mfa.public)))
    flow = api.create_native_login_flow()
    challenge = json.loads(
        next(
            n.attributes.actual_instance.value
            for n in flow.ui.nodes
            if getattr(n.attributes.actual_instance, "name", None) == "passkey_challenge"
        )
    )
    r = httpx.post(
        f"{mfa.public}/self-service/login",
        params={"flow": flow.id},
        json={"method": "passkey", "passkey_login": stranger.get(challenge, discoverable=True)},
    )
    assert r.status_code == 400
    assert [m["id"] for m in node(r.json(), "passkey_login")["messages"]] == [4000015]
    done = api.update_login_flow(
        flow=flow.id,
        update_login_flow_body=UpdateLoginFlowBody(
            UpdateLoginFlowWithPasskeyMethod(
                method="passkey", passkey_login=passkey.get(challenge, discoverable=True)
            )
        ),
    )
    assert done.session.identity.id == identity_id
