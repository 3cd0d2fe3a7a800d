"""``roost serve`` without a config: the services wired into one sign-in system."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from roost.cli.settings import resolve


def _values(
    tmp_path: Path, config: Path | None = None, env: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    return {r.module.name: r.values for r in resolve([], config, tmp_path, env or {})}


def test_no_config_points_every_service_at_the_others(tmp_path: Path) -> None:
    v = _values(tmp_path)
    assert set(v) == {"permissions", "identity", "oauth2", "account"}
    urls = v["oauth2"]["urls"]
    assert urls["login"] == "http://localhost:4455/oauth2/login"
    assert urls["consent"] == "http://localhost:4455/oauth2/consent"
    assert urls["logout"] == "http://localhost:4455/oauth2/logout"
    identity = v["identity"]
    assert identity["oauth2_provider"]["url"] == "http://localhost:4445"
    flows = identity["selfservice"]["flows"]
    for kind in ("login", "registration", "settings", "recovery", "verification", "error"):
        assert flows[kind]["ui_url"] == f"http://localhost:4455/{kind}"
    assert identity["dsn"].startswith("sqlite:///")  # the module's own defaults stay
    assert v["account"]["oauth2"]["admin_url"] == "http://localhost:4445"
    assert v["account"]["identity"]["public_url"] == "http://localhost:4433"


def test_environment_still_overrides_the_wiring(tmp_path: Path) -> None:
    v = _values(tmp_path, env={"ROOST_OAUTH2_URLS_LOGIN": "https://login.example.com/"})
    assert v["oauth2"]["urls"]["login"] == "https://login.example.com/"
    assert v["oauth2"]["urls"]["consent"] == "http://localhost:4455/oauth2/consent"


def test_a_config_file_is_taken_as_written(tmp_path: Path) -> None:
    cfg = tmp_path / "roost.yaml"
    cfg.write_text(yaml.safe_dump({"oauth2": {"dsn": "memory", "secrets": {"system": ["x" * 32]}}}))
    v = _values(tmp_path, cfg)
    assert set(v) == {"oauth2"}
    assert "login" not in (v["oauth2"].get("urls") or {})


def test_the_wiring_uses_only_implemented_keys(tmp_path: Path) -> None:
    """No start-up warning: every key the wiring sets is one Roost implements."""
    warnings = [w for r in resolve([], None, tmp_path, {}) for w in r.warnings]
    assert warnings == []
