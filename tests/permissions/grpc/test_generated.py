"""The committed generated gRPC code is what scripts/gen_grpc.py makes from the protos."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_code_is_current(repo_root: Path, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(repo_root / "scripts/gen_grpc.py"), "--out", str(tmp_path)],
        check=True,
    )
    committed = _tree(repo_root / "src/roost/permissions/grpc/gen")
    fresh = _tree(tmp_path)
    assert sorted(committed) == sorted(fresh)
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"regenerate with scripts/gen_grpc.py: {stale}"


def test_protos_ship_with_their_licence(repo_root: Path) -> None:
    proto = repo_root / "src/roost/permissions/grpc/proto"
    assert "Apache License" in (proto / "LICENSE").read_text()
    assert len(list((proto / "ory").rglob("*.proto"))) == 8  # Keto's, with their licence
    assert [p.name for p in (proto / "roostx").rglob("*.proto")] == ["lookup.proto"]  # Roost's
