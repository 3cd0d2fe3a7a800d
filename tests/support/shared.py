"""Where tests find Ory's published documents and the shared conformance data.

These files (``ory-specs/*.json``, ``conformance/keto/...``) are not part of
the repository: they sit in a folder beside it. One setting names it:

    ROOST_SHARED_DIR   default: ``<repo>/../shared``

Every test that reads such a file asks this module for it, so the rule for
"absent" lives in one place:

- on a developer's machine the test is skipped with :data:`REASON`, and
  ``tests/conftest.py`` prints one line in pytest's summary counting them;
- under ``CI=true`` absence is an error: the run stops before collecting
  (:func:`check_ci`), and any single missing file fails its test, so CI
  always runs the conformance and schemathesis sets.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

ENV = "ROOST_SHARED_DIR"
REASON = "../shared not found (set ROOST_SHARED_DIR)"
_REPO = Path(__file__).resolve().parents[2]


def root() -> Path:
    """The shared folder: ``$ROOST_SHARED_DIR``, else the folder ``shared`` beside the repo."""
    configured = os.environ.get(ENV)
    return Path(configured).expanduser().resolve() if configured else _REPO.parent / "shared"


def in_ci() -> bool:
    """CI sets ``CI=true``; there a missing shared folder is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def find(relative: str) -> Path | None:
    """The file or folder under the shared folder, or None when it is absent."""
    path = root() / relative
    return path if path.exists() else None


def require(relative: str, *, module: bool = False) -> Path:
    """The path, or skip (fail under CI) the calling test or, with ``module``, its module."""
    path = find(relative)
    if path is not None:
        return path
    if in_ci():
        pytest.fail(f"{root() / relative} is missing and CI=true: {REASON}", pytrace=False)
    pytest.skip(REASON, allow_module_level=module)


def load_json(relative: str) -> Any:
    """A JSON document from the shared folder (skipping or failing as :func:`require`)."""
    return json.loads(require(relative).read_text())


def load_yaml(relative: str) -> Any:
    """A YAML document from the shared folder, or None when absent (for parametrize lists)."""
    path = find(relative)
    if path is None:
        return None
    return yaml.safe_load(path.read_text())


def placeholder(relative: str) -> Any:
    """The one parameter a case list collects to when its file ``relative`` is absent.

    It skips with :data:`REASON` (so the summary counts it); under CI the
    collection itself fails.
    """
    if in_ci():
        pytest.fail(f"{root() / relative} is missing and CI=true: {REASON}", pytrace=False)
    return pytest.param(None, id="no-shared", marks=pytest.mark.skip(reason=REASON))


def check_ci() -> None:
    """Stop the whole run at start-up when CI=true and the shared folder is absent."""
    if in_ci() and not root().is_dir():
        raise pytest.UsageError(
            f"CI=true but the shared folder {root()} does not exist: {REASON}. "
            "Ory's OpenAPI/config schemas and the conformance cases must run in CI."
        )
