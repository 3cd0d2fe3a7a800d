"""``roost permissions``: the client commands of Keto's CLI, over REST.

Mirrors ``keto relation-tuple create|get|delete|delete-all``, ``keto check``,
``keto expand`` and ``keto namespace list``, with ``--read-remote`` /
``--write-remote`` (or ``KETO_READ_REMOTE`` / ``KETO_WRITE_REMOTE``) and
``--insecure-disable-transport-security`` accepted as in the seed tutorial.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import click
import httpx

from roost.core.errors import Invalid
from roost.permissions.relationtuples.model import (
    RelationTuple,
    SubjectSet,
    parse_subject,
    tuple_from_json,
)

FORMATS = click.Choice(["default", "json", "json-pretty", "table"])


class Remote:
    def __init__(self, read: str, write: str, insecure: bool) -> None:
        self.read = _url(read, insecure)
        self.write = _url(write, insecure)

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = httpx.request(method, url, timeout=30, **kwargs)
        except httpx.HTTPError as exc:
            raise click.ClickException(f"cannot reach {url}: {exc}") from exc
        if response.status_code >= 400 and response.status_code != 403:
            raise click.ClickException(_error_text(response))
        return response


def _url(remote: str, insecure: bool) -> str:
    if "://" in remote:
        return remote.rstrip("/")
    return ("http://" if insecure else "https://") + remote.rstrip("/")


def _error_text(response: httpx.Response) -> str:
    try:
        err = response.json().get("error", {})
        return (
            f"{err.get('status', response.status_code)}: {err.get('reason') or err.get('message')}"
        )
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"


def _emit(fmt: str, data: Any, text: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(data))
    elif fmt == "json-pretty":
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(text)


def _read_tuples(sources: tuple[str, ...]) -> list[RelationTuple]:
    tuples = []
    for src in sources:
        raw = sys.stdin.read() if src == "-" else Path(src).read_text()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"{src}: not valid JSON: {exc.msg}") from exc
        try:
            tuples += [tuple_from_json(t) for t in (data if isinstance(data, list) else [data])]
        except Invalid as exc:
            raise click.ClickException(f"{src}: {exc}") from exc
    return tuples


def _table(tuples: list[dict[str, Any]]) -> str:
    lines = ["NAMESPACE\tOBJECT\tRELATION NAME\tSUBJECT"]
    for t in tuples:
        rt = tuple_from_json(t)
        lines.append(f"{rt.namespace}\t{rt.object}\t{rt.relation}\t{rt.subject}")
    return "\n".join(lines)


@click.group()
def permissions() -> None:
    """Talk to a running permission service (Keto's CLI)."""


def remote_command(f: Any) -> Any:
    """Give a leaf command Keto's persistent connection flags and pass a :class:`Remote`.

    Keto declares these flags on the root command and accepts them after the
    subcommand, as the seed tutorial writes them; click needs them per command.
    """

    @functools.wraps(f)
    def wrapper(
        *args: Any,
        read_remote: str,
        write_remote: str,
        insecure: bool,
        insecure_skip_hostname_verification: bool,
        **kwargs: Any,
    ) -> Any:
        del insecure_skip_hostname_verification
        return f(Remote(read_remote, write_remote, insecure), *args, **kwargs)

    options = (
        click.option("--insecure-skip-hostname-verification", is_flag=True, hidden=True),
        click.option(
            "--insecure-disable-transport-security",
            "insecure",
            is_flag=True,
            help="Use plain HTTP for remotes given without a scheme.",
        ),
        click.option(
            "--write-remote",
            envvar="KETO_WRITE_REMOTE",
            default="127.0.0.1:4467",
            show_default=True,
            help="Write API address (KETO_WRITE_REMOTE).",
        ),
        click.option(
            "--read-remote",
            envvar="KETO_READ_REMOTE",
            default="127.0.0.1:4466",
            show_default=True,
            help="Read API address (KETO_READ_REMOTE).",
        ),
    )
    decorated: Any = wrapper
    for option in options:
        decorated = option(decorated)
    return decorated


def _fmt(f: Any) -> Any:
    return click.option("--format", "fmt", type=FORMATS, default="default")(f)


@permissions.group("relation-tuple")
def relation_tuple() -> None:
    """Create, list and delete relation tuples."""


def _patch(remote: Remote, action: str, sources: tuple[str, ...], fmt: str) -> None:
    """Send the tuples of ``sources`` as one PATCH (all or nothing) and echo them."""
    tuples = _read_tuples(sources)
    body = [{"action": action, "relation_tuple": t.to_json()} for t in tuples]
    remote.call("PATCH", f"{remote.write}/admin/relation-tuples", json=body)
    data = [t.to_json() for t in tuples]
    _emit(fmt, data, _table(data))


@relation_tuple.command("create")
@click.argument("sources", nargs=-1, required=True)
@_fmt
@remote_command
def create(remote: Remote, sources: tuple[str, ...], fmt: str) -> None:
    """Create tuples from JSON files (a tuple or an array); `-` reads stdin."""
    _patch(remote, "insert", sources, fmt)


@relation_tuple.command("delete")
@click.argument("sources", nargs=-1, required=True)
@_fmt
@remote_command
def delete(remote: Remote, sources: tuple[str, ...], fmt: str) -> None:
    """Delete the tuples given in JSON files; `-` reads stdin."""
    _patch(remote, "delete", sources, fmt)


def _query_options(f: Any) -> Any:
    for name in ("namespace", "object", "relation", "subject-id", "subject-set"):
        f = click.option(f"--{name}", default=None)(f)
    return f


def _query(**kwargs: str | None) -> dict[str, str]:
    params = {k: v for k, v in kwargs.items() if v is not None and k != "subject_set"}
    if kwargs.get("subject_set"):
        subject = parse_subject(kwargs["subject_set"] or "")
        if not isinstance(subject, SubjectSet):
            raise click.ClickException("--subject-set must look like namespace:object#relation")
        params.update({f"subject_set.{k}": v for k, v in subject.to_json().items()})
    return params


@relation_tuple.command("get")
@_query_options
@click.option("--page-size", type=int, default=None)
@click.option("--page-token", default=None)
@_fmt
@remote_command
def get(
    remote: Remote, /, fmt: str, page_size: int | None, page_token: str | None, **kw: str | None
) -> None:
    """List tuples matching the query."""
    params = _query(**kw)
    if page_size:
        params["page_size"] = str(page_size)
    if page_token:
        params["page_token"] = page_token
    data = remote.call("GET", f"{remote.read}/relation-tuples", params=params).json()
    text = _table(data["relation_tuples"])
    if data.get("next_page_token"):
        text += f"\n\nNEXT PAGE TOKEN\t{data['next_page_token']}"
    _emit(fmt, data, text)


@relation_tuple.command("delete-all")
@_query_options
@click.option("--force", is_flag=True, help="Actually delete (otherwise only list what would go).")
@remote_command
def delete_all(remote: Remote, /, force: bool, **kw: str | None) -> None:
    """Delete every tuple matching the query."""
    params = _query(**kw)
    if not force:
        data = remote.call("GET", f"{remote.read}/relation-tuples", params=params).json()
        click.echo(_table(data["relation_tuples"]))
        click.echo("\nThese tuples would be deleted; pass --force to delete them.")
        return
    remote.call("DELETE", f"{remote.write}/admin/relation-tuples", params=params)


@permissions.command("check")
@click.argument("subject")
@click.argument("relation")
@click.argument("namespace")
@click.argument("object_")
@click.option("--max-depth", "-d", type=int, default=0)
@_fmt
@remote_command
def check(
    remote: Remote,
    subject: str,
    relation: str,
    namespace: str,
    object_: str,
    max_depth: int,
    fmt: str,
) -> None:
    """Is SUBJECT in RELATION of NAMESPACE:OBJECT? Prints Allowed or Denied."""
    parsed = parse_subject(subject)
    t = RelationTuple(namespace, object_, relation, parsed)
    params: dict[str, Any] = {"max-depth": max_depth} if max_depth else {}
    data = remote.call(
        "POST", f"{remote.read}/relation-tuples/check/openapi", json=t.to_json(), params=params
    ).json()
    _emit(fmt, data, "Allowed" if data["allowed"] else "Denied")


def _render_tree(node: dict[str, Any], indent: str = "") -> list[str]:
    t = node["tuple"]
    label = t.get("subject_id")
    if label is None:
        ss = t["subject_set"]
        label = f"{ss['namespace']}:{ss['object']}#{ss['relation']}"
    marker = "∪" if node["type"] == "union" else "☘"  # noqa: RUF001 - Keto draws these
    lines = [f"{indent}{marker} {label}"]
    for child in node.get("children", []):
        lines += _render_tree(child, indent + "  ")
    return lines


@permissions.command("expand")
@click.argument("relation")
@click.argument("namespace")
@click.argument("object_")
@click.option("--max-depth", "-d", type=int, default=0)
@_fmt
@remote_command
def expand(
    remote: Remote, relation: str, namespace: str, object_: str, max_depth: int, fmt: str
) -> None:
    """Show who is in RELATION of NAMESPACE:OBJECT, and why."""
    params: dict[str, Any] = {"namespace": namespace, "object": object_, "relation": relation}
    if max_depth:
        params["max-depth"] = max_depth
    url = f"{remote.read}/relation-tuples/expand"
    try:
        response = httpx.get(url, params=params, timeout=30)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot reach {url}: {exc}") from exc
    if response.status_code == 404:
        _emit(fmt, None, "Got an empty tree. This probably means that no relation tuple matches.")
        return
    if response.status_code >= 400:
        raise click.ClickException(_error_text(response))
    data = response.json()
    _emit(fmt, data, "\n".join(_render_tree(data)))


@permissions.group("namespace")
def namespace() -> None:
    """Inspect namespaces."""


@namespace.command("list")
@_fmt
@remote_command
def namespace_list(remote: Remote, fmt: str) -> None:
    data = remote.call("GET", f"{remote.read}/namespaces").json()
    _emit(fmt, data, "\n".join(["NAME", *(n["name"] for n in data["namespaces"])]))
