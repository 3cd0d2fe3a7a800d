"""The image builds from ``deploy/Dockerfile`` with buildah (no daemon) and runs ``roost``.

Docker Hub cannot be reached from this project's machine, so the default
base (python:3.11-slim) cannot be pulled here; ``scripts/image-base.sh``
builds an equivalent base from Debian's packages, and the test uses it
(``ROOST_IMAGE_BASE`` names another). The build installs Roost from PyPI
into vfs storage and takes about two minutes, so it runs only with
``ROOST_TEST_IMAGE=1`` (bounded: 15 minutes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE = os.environ.get("ROOST_IMAGE_BASE", "localhost/roost-base:bookworm")
STORE = ["--storage-driver", os.environ.get("ROOST_BUILDAH_DRIVER", "vfs")]


def buildah(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["buildah", *STORE, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def trust_host_ca() -> list[str]:
    """Mount the host's CA bundle during the build (never into the image).

    This machine reaches PyPI through a TLS-intercepting proxy whose CA only
    the host trusts; Debian's pip reads the system bundle, so mounting the
    host's over it lets ``pip install`` inside the build verify PyPI.
    """
    bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    return ["--volume", f"{bundle}:{bundle}:ro"] if bundle.exists() else []


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    if os.environ.get("ROOST_TEST_IMAGE") != "1":
        pytest.skip("image build (about 2 minutes) runs with ROOST_TEST_IMAGE=1")
    if shutil.which("buildah") is None:
        pytest.skip("buildah is not installed (Debian: apt-get install buildah)")
    probe = buildah("from", "scratch")
    if probe.returncode != 0:
        pytest.skip(f"buildah cannot run in this sandbox: {probe.stderr.strip()[:200]}")
    buildah("rm", probe.stdout.strip())
    if buildah("inspect", "--type", "image", BASE).returncode != 0:
        pytest.skip(
            f"no base image {BASE}: Docker Hub is unreachable here; "
            "build one from Debian's packages with scripts/image-base.sh"
        )
    tag = f"localhost/roost:test-{uuid.uuid4().hex[:8]}"
    built = buildah(
        "bud", "--isolation", "chroot", "--build-arg", f"BASE={BASE}", "--layers=false",
        *trust_host_ca(),
        "-t", tag, "-f", str(ROOT / "deploy/Dockerfile"), str(ROOT),
        timeout=900,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    yield tag
    buildah("rmi", tag)


def test_image_runs_roost_as_the_unprivileged_user(image: str) -> None:
    config = buildah("inspect", "--type", "image", "--format", "{{.OCIv1.Config.User}} "
                     "{{.OCIv1.Config.Entrypoint}}", image)  # fmt: skip
    assert config.stdout.strip().split(" ", 1) == ["65534:65534", "[/opt/roost/bin/roost]"]
    container = buildah("from", image).stdout.strip()
    try:
        version = buildah("run", "--isolation", "chroot", container, "--",
                          "/opt/roost/bin/roost", "--version")  # fmt: skip
        assert version.returncode == 0, version.stderr
        assert version.stdout.strip() == "roost, version 0.1.0"
        whoami = buildah("run", "--isolation", "chroot", container, "--", "/usr/bin/id", "-u")
        assert whoami.stdout.strip() == "65534"
    finally:
        buildah("rm", container)
