"""The fault harness (``bench/faults``) in its bounded form: a few seconds per phase.

Two replicas of the OAuth2, permission and identity services behind HAProxy (Debian's
package), under mixed load; one replica of each is SIGKILLed, started again,
then PostgreSQL restarts. Every acknowledged write must be readable
afterwards, failures only inside a fault's seconds, no 500 at all. Without
HAProxy the test is skipped, under ``CI=true`` it fails.
"""

from __future__ import annotations

import shutil

import pytest
from bench.faults.run import run

from tests.support.shared import in_ci


def test_replica_and_database_faults_lose_no_acknowledged_write() -> None:
    if shutil.which("haproxy") is None:
        if in_ci():
            pytest.fail("haproxy is not installed (apt-get install -y haproxy)")
        pytest.skip("needs haproxy (apt-get install -y haproxy)")
    report = run(phase=1.5, replicas=2)
    sent = report["sent"]
    assert isinstance(sent, int) and sent > 300, report
    assert report["lost"] == [], report
    assert report["stray"] == [], report
    acknowledged = report["acknowledged_writes"]
    assert isinstance(acknowledged, int) and acknowledged > 100, report
