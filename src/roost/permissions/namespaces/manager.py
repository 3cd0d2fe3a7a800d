"""Where namespaces come from: Keto's legacy list, a legacy folder, or an OPL file.

``namespaces:`` in Keto's config takes three forms, all accepted here:
a list of ``{id, name}`` (the seed tutorial's form), a URI string pointing at a
folder or file of legacy namespace documents, or ``{location: <OPL file URI>}``
where the URI is ``file://``, ``base64://`` or ``http(s)://``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import yaml

from roost.core.errors import ConfigError, Invalid, NotFound
from roost.permissions.namespaces.ast import Namespace, Relation
from roost.permissions.namespaces.opl import parse_opl

log = logging.getLogger("roost.permissions")


class Namespaces:
    """The configured namespaces, looked up by name."""

    def __init__(self, namespaces: Iterable[Namespace], *, opl: bool) -> None:
        self.by_name = {ns.name: ns for ns in namespaces}
        self.opl = opl

    def names(self) -> list[str]:
        return list(self.by_name)

    def replace(self, other: Namespaces) -> None:
        """Take over ``other``'s namespaces (one reference swap: readers never see a mix)."""
        self.by_name = other.by_name
        self.opl = other.opl

    def get(self, name: str) -> Namespace:
        try:
            return self.by_name[name]
        except KeyError:
            raise NotFound(f'Unknown namespace with name "{name}".') from None

    def namespace_of(self, name: str) -> Namespace | None:
        return self.by_name.get(name)

    def all_namespaces(self) -> list[Namespace]:
        return list(self.by_name.values())

    def exists(self, name: str) -> bool:
        return name in self.by_name

    def relation_for(self, namespace: str, relation: str) -> Relation | None:
        """The OPL relation; ``None`` for legacy or unknown namespaces and the empty relation."""
        if relation == "":
            return None
        ns = self.by_name.get(namespace)
        if ns is None or not ns.relations:
            return None
        found = ns.relation(relation)
        if found is None:
            raise Invalid(f'relation "{relation}" does not exist')
        return found


def load_namespaces(config: Any, base_dir: Path) -> Namespaces:
    """Build :class:`Namespaces` from any of Keto's three config forms."""
    if isinstance(config, list):
        return Namespaces((Namespace(str(item["name"])) for item in config), opl=False)
    if isinstance(config, str):
        return Namespaces(_legacy_location(config, base_dir), opl=False)
    source = read_location(config["location"], base_dir)
    result = parse_opl(source)
    if result.errors:
        first = result.errors[0]
        raise ConfigError(
            f"permissions: namespaces file {config['location']} is not valid OPL: "
            f"{first.message} (line {first.start[0]}, column {first.start[1]})"
        )
    return Namespaces(result.namespaces, opl=True)


def watched_path(config: Any, base_dir: Path) -> Path | None:
    """The local file or folder the namespaces come from, if any (for hot reloading)."""
    if isinstance(config, str):
        return _file_path(config, base_dir)
    if isinstance(config, dict):
        uri = str(config.get("location", ""))
        if uri.startswith("file://") or "://" not in uri:
            return _file_path(uri, base_dir)
    return None


def _fingerprint(path: Path) -> tuple[tuple[str, int, int], ...]:
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    out = []
    for file in files:
        try:
            st = file.stat()
        except OSError:
            continue
        out.append((file.name, st.st_mtime_ns, st.st_size))
    return tuple(out)


async def watch(namespaces: Namespaces, config: Any, base_dir: Path, interval: float = 2.0) -> None:
    """Reload the namespaces when their file changes, as Keto does.

    A file that no longer parses is reported and ignored: the last good
    namespaces stay in force.
    """
    path = watched_path(config, base_dir)
    if path is None:
        return
    seen = _fingerprint(path)
    while True:
        await asyncio.sleep(interval)
        current = _fingerprint(path)
        if current == seen:
            continue
        seen = current
        try:
            namespaces.replace(await asyncio.to_thread(load_namespaces, config, base_dir))
        except (ConfigError, OSError, ValueError) as exc:
            log.error("permissions: keeping the previous namespaces: %s", exc)
        else:
            log.warning("permissions: reloaded namespaces from %s", path)


def read_location(uri: str, base_dir: Path) -> str:
    """Read a ``file://``, ``base64://`` or ``http(s)://`` location as text."""
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme == "base64":
        try:
            return base64.b64decode(uri.split("://", 1)[1], validate=False).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ConfigError(f"permissions: {uri[:40]}… is not valid base64 text") from exc
    if scheme in ("http", "https"):
        try:
            response = httpx.get(uri, timeout=10, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ConfigError(f"permissions: cannot fetch namespaces from {uri}: {exc}") from exc
        return response.text
    path = _file_path(uri, base_dir)
    try:
        return path.read_text()
    except OSError as exc:
        raise ConfigError(
            f"permissions: cannot read namespaces file {path}: {exc.strerror}"
        ) from exc


def _file_path(uri: str, base_dir: Path) -> Path:
    if uri.startswith("file://"):
        parts = urlsplit(uri)
        raw = unquote(parts.netloc + parts.path)
    else:
        raw = uri
    path = Path(raw)
    return path if path.is_absolute() else base_dir / path


def _legacy_location(uri: str, base_dir: Path) -> list[Namespace]:
    path = _file_path(uri, base_dir)
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    if not path.exists():
        raise ConfigError(f"permissions: namespaces location {path} does not exist")
    out: list[Namespace] = []
    for file in files:
        if file.suffix not in (".yaml", ".yml", ".json"):
            continue
        doc = (
            json.loads(file.read_text())
            if file.suffix == ".json"
            else yaml.safe_load(file.read_text())
        )
        docs = doc if isinstance(doc, list) else [doc]
        out.extend(Namespace(str(d["name"])) for d in docs if isinstance(d, dict) and "name" in d)
    return out
