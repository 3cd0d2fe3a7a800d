"""The Helm chart takes the seed tutorial's keto values with only the image changed.

Rendered offline with Helm itself (helm-python-sdk bundles Helm as a library),
every manifest validated against Kubernetes' schemas (kubernetes-validate), and
the rendered config file and environment accepted by Roost's own config loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from roost.core.config import load
from roost.permissions.config import SPEC, PermissionsConfig

helm_python = pytest.importorskip("helm_python")
kubernetes_validate = pytest.importorskip("kubernetes_validate")

CHART = Path(__file__).resolve().parents[2] / "deploy/helm/keto"

SEED_VALUES = yaml.safe_load("""
image:
  repository: oryd/keto
  tag: latest
  pullPolicy: IfNotPresent
service:
  read:
    enabled: true
    type: LoadBalancer
    name: ory-keto-read
    port: 4466
    appProtocol: http
    headless:
      enabled: false
  write:
    enabled: true
    type: LoadBalancer
    name: ory-keto-write
    port: 4467
    appProtocol: http
    headless:
      enabled: false
keto:
  automigration:
    enabled: true
  config:
    serve:
      read:
        port: 4466
      write:
        port: 4467
    namespaces:
      - id: 0
        name: default_namespace
      - id: 1
        name: documents
      - id: 2
        name: users
    dsn: "cockroach://ory:securepass@crdb.example:26257/keto?sslmode=disable"
""")


def _render(values: dict[str, Any]) -> list[dict[str, Any]]:
    chart = helm_python.Chart.load(str(CHART))
    try:
        out = chart.render(values, name="ory-keto", namespace="ory", is_install=True)
    finally:
        chart.close()
    docs = []
    for text in out.values():
        docs += [d for d in yaml.safe_load_all(text) if d]
    return docs


def _kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


@pytest.fixture(scope="module")
def seed_docs() -> list[dict[str, Any]]:
    values = {**SEED_VALUES, "image": {**SEED_VALUES["image"], "repository": "ghcr.io/acme/roost"}}
    return _render(values)


def test_manifests_are_valid_kubernetes(seed_docs: list[dict[str, Any]]) -> None:
    assert {d["kind"] for d in seed_docs} == {
        "ConfigMap",
        "Deployment",
        "Job",
        "PodDisruptionBudget",
        "Secret",
        "Service",
    }
    for doc in seed_docs:
        kubernetes_validate.validate(doc, "1.30", strict=True)


def test_services_and_probes_follow_the_seed(seed_docs: list[dict[str, Any]]) -> None:
    services = {s["metadata"]["name"]: s["spec"] for s in _kind(seed_docs, "Service")}
    assert services["ory-keto-read"]["ports"][0]["port"] == 4466
    assert services["ory-keto-write"]["ports"][0]["port"] == 4467
    assert services["ory-keto-read"]["type"] == "LoadBalancer"
    deployment = _kind(seed_docs, "Deployment")[0]
    assert deployment["spec"]["replicas"] >= 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/acme/roost:latest"
    assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": 4467}
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/alive"
    assert "--no-automigrate" in container["args"]
    names = {p["name"] for p in container["ports"]}
    assert {"ory-keto-read", "ory-keto-write"} <= names


def test_automigration_job_runs_before_install(seed_docs: list[dict[str, Any]]) -> None:
    job = _kind(seed_docs, "Job")[0]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install, pre-upgrade"
    args = job["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:3] == ["migrate", "up", "permissions"]
    no_job = _render(
        {**SEED_VALUES, "keto": {**SEED_VALUES["keto"], "automigration": {"enabled": False}}}
    )
    assert not _kind(no_job, "Job")


def test_rendered_config_is_accepted_by_roost(seed_docs: list[dict[str, Any]]) -> None:
    import base64

    config = yaml.safe_load(_kind(seed_docs, "ConfigMap")[0]["data"]["keto.yaml"])
    secret = _kind(seed_docs, "Secret")[0]["data"]
    env = {
        "ROOST_PERMISSIONS_DSN": base64.b64decode(secret["dsn"]).decode(),
        "ROOST_PERMISSIONS_SECRETS_PAGINATION": base64.b64decode(
            secret["secretsPagination"]
        ).decode(),
    }
    loaded = load(config, SPEC, env)
    assert loaded.warnings == ()
    cfg = PermissionsConfig.from_values(loaded.values, pagination_secret="unused")
    assert cfg.dsn.startswith("cockroach://ory:securepass@")
    assert len(cfg.pagination_secrets[0]) >= 32
    assert "dsn" not in config  # the DSN travels in the Secret only
