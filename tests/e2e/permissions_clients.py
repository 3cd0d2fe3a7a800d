"""Three clients of the permission service for the case list: REST, ory-keto-client, CLI.

Tuples travel in Keto's JSON form (``namespace``, ``object``, ``relation`` and
``subject_id`` or ``subject_set``).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import httpx
from ory_keto_client import ApiClient, Configuration
from ory_keto_client.api.permission_api import PermissionApi
from ory_keto_client.api.relationship_api import RelationshipApi
from ory_keto_client.exceptions import ApiException, NotFoundException
from ory_keto_client.models import (
    CreateRelationshipBody,
    PostCheckPermissionBody,
    Relationship,
    RelationshipPatch,
    SubjectSet,
)

from tests.e2e.support import ClientError, roost
from tests.support.server import Server

Tuple = dict[str, Any]
Page = tuple[list[Tuple], str]


class PermissionClient(Protocol):
    """What a case may do; every method raises :class:`ClientError` when refused."""

    def create(self, *tuples: Tuple) -> list[Tuple]: ...
    def delete(self, t: Tuple) -> None: ...
    def page(self, query: dict[str, str], size: int = 0, token: str = "") -> Page: ...
    def delete_all(self, query: dict[str, str]) -> None: ...
    def check(self, t: Tuple, max_depth: int = 0) -> bool: ...
    def expand(self, ns: str, obj: str, rel: str) -> dict[str, Any] | None: ...
    def namespaces(self) -> list[str]: ...


def _flat(t: Tuple) -> dict[str, str]:
    """A tuple as query parameters (``subject_set.namespace=...``)."""
    flat = {k: v for k, v in t.items() if k != "subject_set"}
    flat |= {f"subject_set.{k}": v for k, v in t.get("subject_set", {}).items()}
    return flat


class Rest:
    """Keto's REST API with httpx, as any HTTP client would call it."""

    def __init__(self, server: Server) -> None:
        self.read, self.write = server.urls["read"], server.urls["write"]

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, url, timeout=30, **kwargs)
        if response.status_code >= 400:
            raise ClientError(f"{response.status_code} {response.text}", response.status_code)
        return response

    def create(self, *tuples: Tuple) -> list[Tuple]:
        if len(tuples) == 1:
            return [self._send("PUT", f"{self.write}/admin/relation-tuples", json=tuples[0]).json()]
        patch = [{"action": "insert", "relation_tuple": t} for t in tuples]
        self._send("PATCH", f"{self.write}/admin/relation-tuples", json=patch)  # 204, no body
        return list(tuples)

    def delete(self, t: Tuple) -> None:
        self._send("DELETE", f"{self.write}/admin/relation-tuples", params=_flat(t))

    def page(self, query: dict[str, str], size: int = 0, token: str = "") -> Page:
        params = {**query, **({"page_size": str(size)} if size else {})}
        params |= {"page_token": token} if token else {}
        data = self._send("GET", f"{self.read}/relation-tuples", params=params).json()
        return data["relation_tuples"], data["next_page_token"]

    def delete_all(self, query: dict[str, str]) -> None:
        self._send("DELETE", f"{self.write}/admin/relation-tuples", params=query)

    def check(self, t: Tuple, max_depth: int = 0) -> bool:
        params = {"max-depth": max_depth} if max_depth else {}
        url = f"{self.read}/relation-tuples/check/openapi"
        return bool(self._send("POST", url, json=t, params=params).json()["allowed"])

    def expand(self, ns: str, obj: str, rel: str) -> dict[str, Any] | None:
        params = {"namespace": ns, "object": obj, "relation": rel}
        response = httpx.get(f"{self.read}/relation-tuples/expand", params=params, timeout=30)
        if response.status_code == 404:
            return None
        tree: dict[str, Any] = response.raise_for_status().json()
        return tree

    def namespaces(self) -> list[str]:
        return [
            n["name"] for n in self._send("GET", f"{self.read}/namespaces").json()["namespaces"]
        ]


def _relationship(t: Tuple) -> Relationship:
    subject_set = SubjectSet(**t["subject_set"]) if "subject_set" in t else None
    plain = {k: v for k, v in t.items() if k != "subject_set"}
    return Relationship(**plain, subject_set=subject_set)


def _sdk_errors(call: Any) -> Any:
    try:
        return call()
    except ApiException as exc:
        raise ClientError(f"{exc.status} {exc.body}", exc.status) from exc


class Sdk:
    """Ory's official Python SDK, ory-keto-client."""

    def __init__(self, server: Server) -> None:
        self.read = RelationshipApi(ApiClient(Configuration(host=server.urls["read"])))
        self.write = RelationshipApi(ApiClient(Configuration(host=server.urls["write"])))
        self.permission = PermissionApi(ApiClient(Configuration(host=server.urls["read"])))

    def create(self, *tuples: Tuple) -> list[Tuple]:
        if len(tuples) == 1:
            body = CreateRelationshipBody.from_dict(tuples[0])
            created = _sdk_errors(
                lambda: self.write.create_relationship(create_relationship_body=body)
            )
            return [created.to_dict()]
        patch = [
            RelationshipPatch(action="insert", relation_tuple=_relationship(t)) for t in tuples
        ]
        _sdk_errors(lambda: self.write.patch_relationships(relationship_patch=patch))
        return list(tuples)

    def delete(self, t: Tuple) -> None:
        patch = [RelationshipPatch(action="delete", relation_tuple=_relationship(t))]
        _sdk_errors(lambda: self.write.patch_relationships(relationship_patch=patch))

    def page(self, query: dict[str, str], size: int = 0, token: str = "") -> Page:
        got = _sdk_errors(
            lambda: self.read.get_relationships(
                **query, page_size=size or None, page_token=token or None
            )
        )
        return [r.to_dict() for r in got.relation_tuples], got.next_page_token

    def delete_all(self, query: dict[str, str]) -> None:
        _sdk_errors(lambda: self.write.delete_relationships(**query))

    def check(self, t: Tuple, max_depth: int = 0) -> bool:
        body = PostCheckPermissionBody.from_dict(t)
        got = _sdk_errors(
            lambda: self.permission.post_check_permission(
                max_depth=max_depth or None, post_check_permission_body=body
            )
        )
        return bool(got.allowed)

    def expand(self, ns: str, obj: str, rel: str) -> dict[str, Any] | None:
        try:
            tree = self.permission.expand_permissions(namespace=ns, object=obj, relation=rel)
        except NotFoundException:
            return None
        data: dict[str, Any] = tree.to_dict()
        return data

    def namespaces(self) -> list[str]:
        return [n.name for n in _sdk_errors(self.read.list_relationship_namespaces).namespaces]


def _subject(t: Tuple) -> str:
    """Keto's CLI form of a subject: an id, or ``namespace:object#relation``."""
    if "subject_set" in t:
        s = t["subject_set"]
        return f"{s['namespace']}:{s['object']}#{s['relation']}"
    subject_id: str = t["subject_id"]
    return subject_id


class Cli:
    """``roost permissions ...``, Keto's client commands."""

    def __init__(self, server: Server) -> None:
        self.remotes = (
            "--read-remote",
            server.urls["read"],
            "--write-remote",
            server.urls["write"],
        )

    def _run(self, *args: str, stdin: str | None = None) -> str:
        return roost("permissions", *args, *self.remotes, stdin=stdin)

    def create(self, *tuples: Tuple) -> list[Tuple]:
        body = tuples[0] if len(tuples) == 1 else list(tuples)
        out = self._run("relation-tuple", "create", "-", "--format", "json", stdin=json.dumps(body))
        created: list[Tuple] = json.loads(out)
        return created

    def delete(self, t: Tuple) -> None:
        self._run("relation-tuple", "delete", "-", stdin=json.dumps(t))

    def page(self, query: dict[str, str], size: int = 0, token: str = "") -> Page:
        args = [f"--{k.replace('_', '-')}={v}" for k, v in query.items()]
        args += [f"--page-size={size}"] if size else []
        args += [f"--page-token={token}"] if token else []
        data = json.loads(self._run("relation-tuple", "get", *args, "--format", "json"))
        return data["relation_tuples"], data.get("next_page_token", "")

    def delete_all(self, query: dict[str, str]) -> None:
        args = [f"--{k.replace('_', '-')}={v}" for k, v in query.items()]
        self._run("relation-tuple", "delete-all", *args, "--force")

    def check(self, t: Tuple, max_depth: int = 0) -> bool:
        depth = [f"--max-depth={max_depth}"] if max_depth else []
        out = self._run("check", _subject(t), t["relation"], t["namespace"], t["object"], *depth)
        assert out.strip() in {"Allowed", "Denied"}, out
        return out.strip() == "Allowed"

    def expand(self, ns: str, obj: str, rel: str) -> dict[str, Any] | None:
        tree: dict[str, Any] | None = json.loads(
            self._run("expand", rel, ns, obj, "--format", "json")
        )
        return tree

    def namespaces(self) -> list[str]:
        data = json.loads(self._run("namespace", "list", "--format", "json"))
        return [n["name"] for n in data["namespaces"]]


CLIENTS = {"rest": Rest, "sdk": Sdk, "cli": Cli}
