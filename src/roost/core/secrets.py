"""Secrets generated on first start and kept in the data folder.

A service that needs a secret (pagination tokens, token HMACs, cookies) and was
given none in its config gets one generated here with :mod:`secrets`, stored
in ``<data-dir>/secrets.json`` (mode 0600) so restarts and other workers agree.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any


def data_secret(data_dir: Path, name: str) -> str:
    """The secret called ``name``, created on first use (32 random bytes, URL-safe)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secrets.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = secrets.token_urlsafe(32)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh)
        os.replace(tmp, path)
    return stored[name]


def with_secrets(values: dict[str, Any], data_dir: Path, key: str, name: str) -> dict[str, Any]:
    """``values`` with ``secrets.<key>`` filled from the data folder when not configured."""
    secrets = values.get("secrets") or {}
    if secrets.get(key):
        return values
    return {**values, "secrets": {**secrets, key: [data_secret(data_dir, name)]}}
