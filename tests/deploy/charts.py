"""Rendering Roost's Helm charts offline, for the deployment tests.

Helm itself renders (helm-python-sdk bundles it as a library); nothing contacts
a cluster, so ``lookup`` finds no existing Secret and secrets are generated.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

HELM = Path(__file__).resolve().parents[2] / "deploy/helm"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SERVICES = ("hydra", "kratos", "keto")
IMAGE = {"repository": "ghcr.io/acme/roost", "tag": "0.1.0"}
CRDB_HOST = "crdb.example"


def seed_values(service: str) -> dict[str, Any]:
    """The seed's values file for ``service``, with only the image changed."""
    text = (FIXTURES / f"{service}_values.yaml").read_text()
    values: dict[str, Any] = yaml.safe_load(text.replace("{crdb-fqdn}", CRDB_HOST))
    values["image"] = {**values["image"], **IMAGE}
    return values


def render(chart: str | Path, values: dict[str, Any], release: str) -> list[dict[str, Any]]:
    """Every object ``helm template`` would print for this chart and values."""
    import helm_python

    loaded = helm_python.Chart.load(str(HELM / chart))
    try:
        out = loaded.render(copy.deepcopy(values), name=release, namespace="ory", is_install=True)
    finally:
        loaded.close()
    docs: list[dict[str, Any]] = []
    for path, text in sorted(out.items()):
        if path.endswith("NOTES.txt"):
            continue
        docs += [d for d in yaml.safe_load_all(text) if d]
    return docs


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The objects of one kind."""
    return [d for d in docs if d["kind"] == kind]


def named(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """The objects of one kind by name."""
    return {d["metadata"]["name"]: d for d in of_kind(docs, kind)}
