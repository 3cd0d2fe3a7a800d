"""Talking to a Hydra-compatible server from the CLI, and printing what comes back."""

from __future__ import annotations

import json
from typing import Any

import click
import httpx

FORMATS = click.Choice(["default", "table", "json", "json-pretty", "yaml"])


def endpoint_option(f: Any) -> Any:
    return click.option(
        "--endpoint",
        "-e",
        envvar="ORY_SDK_URL",
        required=True,
        help="The server's URL (admin or public, as the command needs); or ORY_SDK_URL.",
    )(f)


def format_option(f: Any) -> Any:
    return click.option("--format", "fmt", type=FORMATS, default="default", show_default=True)(f)


def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        response = httpx.request(method, url, timeout=30, **kwargs)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot reach {url}: {exc}") from exc
    if response.status_code >= 400:
        raise click.ClickException(error_text(response))
    return response


def error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if isinstance(body, dict):
        desc = body.get("error_description") or body.get("message") or ""
        return f"{response.status_code} {body.get('error', '')}: {desc}".strip()
    return f"HTTP {response.status_code}"


def emit(fmt: str, data: Any, rows: list[tuple[str, str]] | None = None) -> None:
    if fmt == "json":
        click.echo(json.dumps(data))
    elif fmt == "json-pretty":
        click.echo(json.dumps(data, indent=2))
    elif fmt == "yaml":
        import yaml

        click.echo(yaml.safe_dump(data, sort_keys=False).rstrip())
    else:
        for key, value in rows or []:
            click.echo(f"{key}\t{value}")


def admin_url(endpoint: str, path: str) -> str:
    base = endpoint.rstrip("/")
    if base.endswith("/admin"):
        base = base[: -len("/admin")]
    return f"{base}/admin{path}"
