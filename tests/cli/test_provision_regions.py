"""``roost provision --regions``: multi-region guidance for every table the migrations create.

The statements are CockroachDB-only and no CockroachDB runs here, so they are
checked for completeness and shape, not executed (the README says so).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from roost.cli.regions import DATABASES, LOCALITIES


def roost(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ROOST_PROVISION_PASSWORD"}
    return subprocess.run(
        [sys.executable, "-m", "roost", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("service", sorted(LOCALITIES))
def test_every_migrated_table_has_a_locality(service: str, tmp_path: Path) -> None:
    """Migrate a fresh database, then compare its tables with the guidance (new tables fail)."""
    db = tmp_path / "db.sqlite"
    config = tmp_path / "roost.yaml"
    config.write_text(f"{service}:\n  dsn: sqlite:///{db}\n")
    done = roost("migrate", "up", service, "--config", str(config), "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    tables = {name for (name,) in rows if not name.startswith("sqlite_")}
    assert tables == set(LOCALITIES[service])


def test_prints_regions_survival_and_localities() -> None:
    done = roost("provision", "--regions", "us-east1, us-west1,europe-west1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "UNVERIFIED" in lines[0]
    for db, service in DATABASES.items():
        assert f'ALTER DATABASE "{db}" SET PRIMARY REGION "us-east1";' in lines
        assert f'ALTER DATABASE "{db}" ADD REGION "europe-west1";' in lines
        assert f'ALTER DATABASE "{db}" SURVIVE REGION FAILURE;' in lines
        start = lines.index(f'USE "{db}";')
        block = lines[start + 1 : start + 1 + len(LOCALITIES[service])]
        assert all(line.startswith("ALTER TABLE ") for line in block)
    assert 'ALTER TABLE "hydra_client" SET LOCALITY GLOBAL;' in lines
    assert 'ALTER TABLE "sessions" SET LOCALITY REGIONAL BY ROW;' in lines
    assert (
        'ALTER TABLE "keto_relation_tuples" SET LOCALITY REGIONAL BY TABLE IN PRIMARY REGION;'
        in lines
    )


def test_survival_goal_follows_the_region_count_unless_given() -> None:
    two = roost("provision", "--regions", "a,b", "--database", "keto")
    assert 'ALTER DATABASE "keto" SURVIVE ZONE FAILURE;' in two.stdout
    forced = roost("provision", "--regions", "a,b,c", "--survive", "zone", "--database", "x")
    assert 'ALTER DATABASE "x" SURVIVE ZONE FAILURE;' in forced.stdout
    assert "not a Roost database name" in forced.stdout


def test_usage_errors() -> None:
    assert roost("provision", "--regions", " , ").returncode == 2
    missing = roost("provision")
    assert missing.returncode == 2 and "--admin-dsn is required" in missing.stderr
