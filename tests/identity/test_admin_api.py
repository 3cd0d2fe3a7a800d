"""The admin identity and session API through the official SDK, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import httpx
import pytest
from ory_kratos_client.exceptions import ApiException, NotFoundException
from ory_kratos_client.models import (
    CreateIdentityBody,
    IdentityPatch,
    IdentityWithCredentials,
    IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig,
    JsonPatch,
    PatchIdentitiesBody,
    UpdateIdentityBody,
)

from tests.identity.conftest import Kratos, email
from tests.identity.credentials.test_hashing import KRATOS_VECTORS
from tests.identity.test_seed_flow import login


def body(
    address: str, *, password: str | None = None, hashed: str | None = None
) -> CreateIdentityBody:
    creds = None
    if password or hashed:
        creds = IdentityWithCredentials(
            password=IdentityWithCredentialsPassword(
                config=IdentityWithCredentialsPasswordConfig(
                    password=password, hashed_password=hashed
                )
            )
        )
    return CreateIdentityBody(
        schema_id="default",
        traits={"email": address, "name": {"first": "A", "last": "B"}},
        credentials=creds,
    )


@pytest.mark.parametrize(("hashed", "password"), KRATOS_VECTORS[:5] + KRATOS_VECTORS[5:6])
def test_import_each_hash_family_then_login(kratos: Kratos, hashed: str, password: str) -> None:
    address = email()
    created = kratos.admin.create_identity(create_identity_body=body(address, hashed=hashed))
    assert created.credentials["password"].identifiers == [address]
    assert created.credentials["password"].config is None
    got = kratos.admin.get_identity(created.id, include_credential=["password"])
    assert got.credentials["password"].config["hashed_password"] == hashed
    result = login(kratos, address, password)
    assert result.session.identity.id == created.id
    # a hash of another family or cost is upgraded to the configured bcrypt on login
    rehashed = kratos.admin.get_identity(created.id, include_credential=["password"])
    assert rehashed.credentials["password"].config["hashed_password"].startswith("$2a$04$")
    assert login(kratos, address, password).session.identity.id == created.id


def test_import_cleartext_and_bad_hash(kratos: Kratos) -> None:
    address = email()
    created = kratos.admin.create_identity(create_identity_body=body(address, password="x"))
    assert login(kratos, address, "x").session.identity.id == created.id  # no policy on import
    with pytest.raises(ApiException) as err:
        kratos.admin.create_identity(create_identity_body=body(email(), hashed="$nope$abc"))
    assert err.value.status == 400
    assert "does not match any known hash format" in err.value.body


def test_duplicate_identifier_is_409(kratos: Kratos) -> None:
    address = email()
    kratos.admin.create_identity(create_identity_body=body(address))
    with pytest.raises(ApiException) as err:
        kratos.admin.create_identity(create_identity_body=body(address.upper()))
    assert err.value.status == 409


def test_get_list_filter_and_pagination(kratos: Kratos) -> None:
    addresses = [email() for _ in range(3)]
    ids = {kratos.admin.create_identity(create_identity_body=body(a)).id for a in addresses}
    found = kratos.admin.list_identities(credentials_identifier=addresses[1].upper())
    assert [i.traits["email"] for i in found] == [addresses[1]]
    seen: list[str] = []
    token = None
    url = kratos.server.urls["admin"] + "/admin/identities"
    for _ in range(100):
        params = {"page_size": "2", **({"page_token": token} if token else {})}
        page = httpx.get(url, params=params)
        assert page.status_code == 200
        seen += [i["id"] for i in page.json()]
        links = page.headers["Link"]
        assert 'rel="first"' in links
        if 'rel="next"' not in links:
            break
        token = links.split('rel="first",<')[1].split("page_token=")[1].split(">")[0]
    assert ids <= set(seen)
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    sdk_page = kratos.admin.list_identities(page_size=1)
    assert len(sdk_page) == 1


def test_similar_and_organization_filters(kratos: Kratos) -> None:
    stem = f"sim-{uuid.uuid4().hex[:8]}"
    addresses = [f"{stem}-{i}@example.com" for i in range(2)]
    org = str(uuid.uuid4())
    made = []
    for i, a in enumerate(addresses):
        create = body(a)
        create.organization_id = org if i == 0 else None
        made.append(kratos.admin.create_identity(create_identity_body=create).id)
    similar = kratos.admin.list_identities(preview_credentials_identifier_similar=stem.upper())
    assert sorted(i.id for i in similar) == sorted(made)
    wildcard = kratos.admin.list_identities(preview_credentials_identifier_similar="%")
    assert wildcard == []  # LIKE wildcards in the input are matched literally
    in_org = kratos.admin.list_identities(organization_id=org)
    assert [i.id for i in in_org] == [made[0]]
    url = kratos.server.urls["admin"] + "/admin/identities"
    both = httpx.get(url, params={"organization_id": org, "credentials_identifier": addresses[0]})
    assert both.status_code == 400 and "only one of" in both.json()["error"]["reason"]
    bad = httpx.get(url, params={"organization_id": "not-a-uuid"})
    assert bad.status_code == 400
    for name in ("preview_credentials_identifier_similar", "credentials_identifier"):
        nul = httpx.get(url, params={name: "a\x00b"})  # PostgreSQL cannot compare NUL
        assert nul.status_code == 400 and "NUL" in nul.json()["error"]["reason"], nul.text


def test_external_id_update_patch_delete(kratos: Kratos) -> None:
    address = email()
    ext = f"ext-{uuid.uuid4().hex[:8]}"
    create = body(address, password="secret-pass-1")
    create.external_id = ext
    created = kratos.admin.create_identity(create_identity_body=create)
    assert kratos.admin.get_identity_by_external_id(ext).id == created.id

    new_address = email()
    updated = kratos.admin.update_identity(
        created.id,
        update_identity_body=UpdateIdentityBody(
            schema_id="default", traits={"email": new_address}, state="inactive"
        ),
    )
    assert updated.state == "inactive"
    assert updated.credentials["password"].identifiers == [new_address]

    patched = kratos.admin.patch_identity(
        created.id,
        json_patch=[
            JsonPatch(op="replace", path="/state", value="active"),
            JsonPatch(op="replace", path="/metadata_public", value={"plan": "pro"}),
        ],
    )
    assert patched.state == "active" and patched.metadata_public == {"plan": "pro"}
    with pytest.raises(ApiException) as err:
        kratos.admin.patch_identity(created.id, json_patch=[JsonPatch(op="remove", path="/id")])
    assert err.value.status == 400
    assert login(kratos, new_address, "secret-pass-1").session.identity.id == created.id

    kratos.admin.delete_identity_credentials(created.id, "password")
    assert "password" not in (kratos.admin.get_identity(created.id).credentials or {})
    kratos.admin.delete_identity(created.id)
    with pytest.raises(NotFoundException):
        kratos.admin.get_identity(created.id)
    with pytest.raises(NotFoundException):
        kratos.admin.delete_identity(created.id)


def test_batch_patch(kratos: Kratos) -> None:
    address = email()
    result = kratos.admin.batch_patch_identities(
        patch_identities_body=PatchIdentitiesBody(
            identities=[
                IdentityPatch(create=body(address), patch_id=str(uuid.uuid4())),
                IdentityPatch(create=body(address), patch_id=str(uuid.uuid4())),
            ]
        )
    )
    actions = [r.action for r in result.identities]
    assert actions == ["create", "error"]
    assert result.identities[1].error["code"] == 409


def test_admin_sessions(kratos: Kratos) -> None:
    address = email()
    created = kratos.admin.create_identity(create_identity_body=body(address, password="pw-123456"))
    first = login(kratos, address, "pw-123456")
    second = login(kratos, address, "pw-123456")
    sessions = kratos.admin.list_identity_sessions(created.id)
    assert {s.id for s in sessions} == {first.session.id, second.session.id}
    got = kratos.admin.get_session(first.session.id)
    assert got.identity.id == created.id
    extended = kratos.admin.extend_session(first.session.id)
    assert extended.expires_at >= first.session.expires_at
    assert kratos.admin.list_sessions(page_size=1)
    kratos.admin.disable_session(first.session.id)
    assert not kratos.admin.get_session(first.session.id).active
    mine = kratos.frontend.list_my_sessions(x_session_token=second.session_token)
    assert mine == []
    kratos.admin.delete_identity_sessions(created.id)
    assert kratos.admin.list_identity_sessions(created.id) == []


def test_my_sessions(kratos: Kratos) -> None:
    address = email()
    kratos.admin.create_identity(create_identity_body=body(address, password="pw-123456"))
    a = login(kratos, address, "pw-123456")
    b = login(kratos, address, "pw-123456")
    c = login(kratos, address, "pw-123456")
    others = kratos.frontend.list_my_sessions(x_session_token=a.session_token)
    assert {s.id for s in others} == {b.session.id, c.session.id}
    kratos.frontend.disable_my_session(b.session.id, x_session_token=a.session_token)
    assert kratos.frontend.disable_my_other_sessions(x_session_token=a.session_token).count == 1
    assert kratos.frontend.to_session(x_session_token=a.session_token).active


def test_schemas_and_admin_redirect(kratos: Kratos) -> None:
    schemas = kratos.public_identity.list_identity_schemas()
    assert [s.id for s in schemas] == ["default"]
    schema = kratos.public_identity.get_identity_schema("ZGVmYXVsdA")
    assert schema["title"] == "Person"
    assert kratos.public_identity.get_identity_schema("default")["title"] == "Person"
    with pytest.raises(NotFoundException):
        kratos.public_identity.get_identity_schema("nope")
    moved = httpx.get(kratos.server.urls["admin"] + "/identities?page_size=1")
    assert moved.status_code == 307 and moved.headers["location"].startswith("/admin/identities")
