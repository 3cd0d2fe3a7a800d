"""Every chart, with the seed's values files and with its defaults.

Each chart is rendered offline by Helm itself, linted (strict), and every
object is validated against Kubernetes' schemas; the seed's values files are
copied verbatim into ``fixtures/`` and only ``image`` is changed. The rendered
config file and Secret are fed to Roost's own config loader, as a pod would.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from roost.core.config import load
from tests.deploy.charts import HELM, SERVICES, named, of_kind, render, seed_values

helm_python = pytest.importorskip("helm_python")
kubernetes_validate = pytest.importorskip("kubernetes_validate")

CHARTS = (*SERVICES, "roost")
CRDS = {"ServiceMonitor": "monitoring.coreos.com/v1"}  # not in Kubernetes' own schemas


def _values(chart: str, seed: bool) -> dict[str, Any]:
    if not seed:
        return {}
    if chart == "roost":
        return {s: seed_values(s) for s in SERVICES}
    return seed_values(chart)


def _validate(docs: list[dict[str, Any]]) -> None:
    assert docs
    for doc in docs:
        if doc["kind"] in CRDS:
            assert doc["apiVersion"] == CRDS[doc["kind"]]
            continue
        kubernetes_validate.validate(doc, "1.30", strict=True)


@pytest.mark.parametrize("seed", [True, False], ids=["seed", "defaults"])
@pytest.mark.parametrize("chart", CHARTS)
def test_chart_lints_and_renders_valid_kubernetes(chart: str, seed: bool) -> None:
    helm_python.disable_logging()
    report = helm_python.lint(
        str(HELM / chart), _values(chart, seed), strict=True, kube_version="v1.30.0"
    )
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []
    docs = render(chart, _values(chart, seed), "ory")
    _validate(docs)
    for deployment in of_kind(docs, "Deployment"):
        _check_deployment(deployment)
    # Each part of the umbrella renders the same objects it renders alone.
    assert len({(d["kind"], d["metadata"]["name"]) for d in docs}) == len(docs)


def _check_deployment(deployment: dict[str, Any]) -> None:
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    pod = spec["template"]["spec"]
    zones = [c for c in pod["topologySpreadConstraints"] if "zone" in c["topologyKey"]]
    assert zones and zones[0]["labelSelector"]["matchLabels"] == spec["selector"]["matchLabels"]
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/alive"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["resources"]["requests"]["cpu"]
    sc = container["securityContext"]
    assert (
        sc["readOnlyRootFilesystem"]
        and sc["runAsNonRoot"]
        and sc["capabilities"] == {"drop": ["ALL"]}
    )
    assert container["args"][:2] == ["serve", container["args"][1]]
    assert "--no-automigrate" in container["args"]


def test_seed_hydra_services_and_wiring() -> None:
    docs = render("hydra", seed_values("hydra"), "ory-hydra")
    services = named(docs, "Service")
    assert {n: (s["spec"]["type"], s["spec"]["ports"][0]["port"]) for n, s in services.items()} == {
        "ory-hydra-public": ("LoadBalancer", 4444),
        "ory-hydra-admin": ("LoadBalancer", 4445),
    }
    container = of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/acme/roost:0.1.0"
    assert container["args"][:4] == ["serve", "oauth2", "--config", "/etc/config/hydra.yaml"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"hydra-http-public": 4444, "hydra-http-admin": 4445}
    assert services["ory-hydra-admin"]["spec"]["ports"][0]["targetPort"] == "hydra-http-admin"
    assert container["readinessProbe"]["httpGet"]["port"] == 4445
    job = of_kind(docs, "Job")[0]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install, pre-upgrade"
    assert job["spec"]["template"]["spec"]["containers"][0]["args"][:3] == [
        "migrate",
        "up",
        "oauth2",
    ]


def test_seed_kratos_keeps_its_swapped_ports() -> None:
    """The seed puts Kratos's admin API on 4433 and public on 4434 (Kratos: the reverse)."""
    docs = render("kratos", seed_values("kratos"), "ory-kratos")
    services = named(docs, "Service")
    assert services["ory-kratos-admin"]["spec"]["ports"][0]["port"] == 4433
    assert services["ory-kratos-public"]["spec"]["ports"][0]["port"] == 4434
    container = of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"kratos-http-admin": 4433, "kratos-http-public": 4434}
    assert services["ory-kratos-admin"]["spec"]["ports"][0]["targetPort"] == "kratos-http-admin"
    assert container["readinessProbe"]["httpGet"]["port"] == 4433
    assert container["args"][:2] == ["serve", "identity"]
    assert not of_kind(docs, "StatefulSet")  # the seed disables the courier


def _secret_env(docs: list[dict[str, Any]], prefix: str) -> dict[str, str]:
    """The environment a pod gets from the chart's Secret."""
    secret = of_kind(docs, "Secret")[0]
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    container = of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]
    env = {}
    for var in container["env"]:
        ref = var["valueFrom"]["secretKeyRef"]
        assert ref["name"] == secret["metadata"]["name"]
        env[var["name"]] = data[ref["key"]]
    assert all(name.startswith(prefix) for name in env)
    return env


@pytest.mark.parametrize(
    ("chart", "module"),
    [
        ("hydra", "roost.oauth2.config"),
        ("kratos", "roost.identity.config"),
        ("keto", "roost.permissions.config"),
    ],
)
def test_rendered_config_is_accepted_by_roost(chart: str, module: str) -> None:
    import importlib

    spec = importlib.import_module(module).SPEC
    docs = render(chart, seed_values(chart), f"ory-{chart}")
    config_map = of_kind(docs, "ConfigMap")[0]["data"]
    import yaml

    config = yaml.safe_load(config_map[f"{chart}.yaml"])
    assert "dsn" not in config and "secrets" not in config  # they travel in the Secret
    env = _secret_env(docs, f"ROOST_{spec.service.upper()}_")
    loaded = load(config, spec, env)
    assert loaded.warnings == ()
    assert (
        loaded.values["dsn"]
        == f"cockroach://ory:securepass@crdb.example:26257/{chart}?sslmode=disable"
    )
    for key, value in loaded.values["secrets"].items():
        assert len(value[0]) >= 32, key


def test_configured_secrets_are_passed_as_lists() -> None:
    values = seed_values("hydra")
    values["hydra"]["config"]["secrets"] = {"system": ["a" * 32, "b" * 32]}
    docs = render("hydra", values, "ory-hydra")
    env = _secret_env(docs, "ROOST_OAUTH2_")
    from roost.oauth2.config import SPEC

    config = {"serve": {"public": {"port": 4444}}}
    assert load(config, SPEC, env).values["secrets"]["system"] == ["a" * 32, "b" * 32]


OPTIONAL: dict[str, dict[str, Any]] = {
    "hydra": {
        "deployment": {"autoscaling": {"enabled": True}},
        "janitor": {"enabled": True},
        "serviceMonitor": {"enabled": True},
        "ingress": {"public": {"enabled": True, "hosts": [{"host": "auth.example"}]}},
        "hydra": {"automigration": {"enabled": True, "type": "initContainer"}},
    },
    "kratos": {
        "autoscaling": {"enabled": True},
        "cleanup": {"enabled": True},
        "serviceMonitor": {"enabled": True},
        "ingress": {"public": {"enabled": True, "hosts": [{"host": "id.example"}]}},
        "kratos": {
            "automigration": {"enabled": True, "type": "initContainer"},
            "identitySchemas": {"identity.default.schema.json": '{"type": "object"}'},
        },
    },
    "keto": {
        "deployment": {"autoscaling": {"enabled": True}},
        "serviceMonitor": {"enabled": True},
        "ingress": {"read": {"enabled": True, "hosts": [{"host": "perm.example"}]}},
        "keto": {"automigration": {"enabled": True, "type": "initContainer"}},
    },
}
EXTRA = {"hydra": "CronJob", "kratos": "CronJob", "keto": None}


@pytest.mark.parametrize("chart", SERVICES)
def test_optional_objects_render_valid(chart: str) -> None:
    docs = render(chart, OPTIONAL[chart], "ory")
    _validate(docs)
    kinds = {d["kind"] for d in docs}
    assert {"HorizontalPodAutoscaler", "Ingress", "ServiceMonitor"} <= kinds
    assert "Job" not in kinds  # migrations run in an init container instead
    if EXTRA[chart]:
        assert EXTRA[chart] in kinds
    deployment = of_kind(docs, "Deployment")[0]
    assert "replicas" not in deployment["spec"]  # the autoscaler owns the count
    pod = deployment["spec"]["template"]["spec"]
    assert pod["initContainers"][0]["args"][:2] == ["migrate", "up"]
    monitor = of_kind(docs, "ServiceMonitor")[0]["spec"]
    assert monitor["endpoints"][0]["path"] == "/metrics/prometheus"
    selected = monitor["selector"]["matchLabels"]
    assert [
        s for s in of_kind(docs, "Service") if selected.items() <= s["metadata"]["labels"].items()
    ]


def test_janitor_and_cleanup_jobs_run_roost_commands() -> None:
    janitor = of_kind(render("hydra", OPTIONAL["hydra"], "ory"), "CronJob")[0]
    pod = janitor["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["args"][:3] == ["oauth2", "janitor", "--read-from-env"]
    cleanup = of_kind(render("kratos", OPTIONAL["kratos"], "ory"), "CronJob")[0]
    pod = cleanup["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["args"][:2] == ["identity", "cleanup"]
    assert pod["containers"][0]["env"][0]["name"] == "DSN"
    config = of_kind(render("kratos", OPTIONAL["kratos"], "ory"), "ConfigMap")[0]["data"]
    assert json.loads(config["identity.default.schema.json"]) == {"type": "object"}


def test_parts_roost_lacks_are_refused_by_name() -> None:
    with pytest.raises(helm_python.HelmError, match=r"maester\.enabled"):
        render("hydra", {"maester": {"enabled": True}}, "ory")


def test_courier_runs_as_a_statefulset_by_default_and_its_command_runs(tmp_path: Any) -> None:
    """As in Ory's chart, the courier is on unless turned off (the seed turns it off);
    its container runs `roost identity courier watch` with the Deployment's config
    and Secret, and the rendered command starts, waits for mail and stops on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import time

    docs = render("kratos", {}, "ory")
    (courier,) = of_kind(docs, "StatefulSet")
    pod = courier["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["args"][:3] == ["identity", "courier", "watch"]
    deployment = of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == deployment["env"]
    assert container["securityContext"] == deployment["securityContext"]
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert courier["spec"]["replicas"] == 1
    assert not of_kind(render("kratos", {"courier": {"enabled": False}}, "ory"), "StatefulSet")

    config = of_kind(docs, "ConfigMap")[0]["data"]
    env = _secret_env(docs, "ROOST_IDENTITY_")
    env["ROOST_IDENTITY_DSN"] = f"sqlite://{tmp_path}/db.sqlite"
    migrate = of_kind(
        render("kratos", {"kratos": {"automigration": {"enabled": True}}}, "ory"), "Job"
    )
    _run_rendered(
        migrate[0]["spec"]["template"]["spec"]["containers"][0]["args"], env, config, tmp_path
    )
    args = [
        a.replace("/etc/config", str(tmp_path / "config")).replace(
            "/var/lib/roost", str(tmp_path / "data")
        )
        for a in container["args"]
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "roost", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(3)
        assert proc.poll() is None, proc.communicate()[0]
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=20)[0]
    finally:
        proc.kill()
    assert proc.returncode == 0, out


def test_umbrella_names_services_as_the_seed_does() -> None:
    docs = render("roost", _values("roost", True), "ory")
    assert set(named(docs, "Service")) == {
        "ory-hydra-public",
        "ory-hydra-admin",
        "ory-kratos-admin",
        "ory-kratos-public",
        "ory-keto-read",
        "ory-keto-write",
    }
    assert len(of_kind(docs, "Job")) == 3
    without = render("roost", {"kratos": {"enabled": False}}, "ory")
    assert not [d for d in without if "kratos" in d["metadata"]["name"]]
    registry = render("roost", {"global": {"imageRegistry": "registry.example"}}, "ory")
    images = {
        c["image"]
        for d in of_kind(registry, "Deployment")
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert images == {"registry.example/roost:0.1.0"}


def _run_rendered(args: list[str], env: dict[str, str], config: dict[str, str], tmp: Any) -> str:
    """Run rendered container args with ``roost``; /etc/config and the data volume in ``tmp``."""
    import os
    import subprocess
    import sys

    etc = tmp / "config"
    etc.mkdir(exist_ok=True)
    for name, text in config.items():
        (etc / name).write_text(text)
    mapped = [
        a.replace("/etc/config", str(etc)).replace("/var/lib/roost", str(tmp / "data"))
        for a in args
    ]
    done = subprocess.run(
        [sys.executable, "-m", "roost", *mapped],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


@pytest.mark.parametrize(
    ("chart", "service"), [("hydra", "OAUTH2"), ("kratos", "IDENTITY"), ("keto", "PERMISSIONS")]
)
def test_rendered_job_commands_run_against_a_database(
    chart: str, service: str, tmp_path: Any
) -> None:
    """The migration Job's and the clean-up CronJob's args are commands Roost accepts."""
    docs = render(
        chart,
        {**OPTIONAL[chart], chart: {**OPTIONAL[chart][chart], "automigration": {"enabled": True}}},
        "ory",
    )
    config = of_kind(docs, "ConfigMap")[0]["data"]
    env = _secret_env(docs, f"ROOST_{service}_")
    dsn = f"sqlite://{tmp_path}/db.sqlite"
    env[f"ROOST_{service}_DSN"] = dsn
    job = of_kind(docs, "Job")[0]["spec"]["template"]["spec"]["containers"][0]
    _run_rendered(job["args"], env, config, tmp_path)
    for cron in of_kind(docs, "CronJob"):
        container = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        cron_env = {
            v["name"]: dsn if v["valueFrom"]["secretKeyRef"]["key"] == "dsn" else ""
            for v in container["env"]
        }
        _run_rendered(container["args"], {**env, **cron_env}, config, tmp_path)
