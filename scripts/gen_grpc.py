"""Regenerate Roost's Python gRPC code from Keto's published protos.

The protos live in ``src/roost/permissions/grpc/proto`` (Keto's contract,
Apache-2.0, copied from the Go module ``github.com/ory/keto/proto``);
``--refresh VERSION`` copies them anew from that module (needs Go). The
generated modules go to ``src/roost/permissions/grpc/gen`` (or ``--out``),
with their ``ory.keto`` imports rooted under that package so Roost ships no
top-level ``ory`` package. ``tests/permissions/grpc/test_generated.py`` runs
this into a temporary folder and compares, so the committed code stays current.

    .venv/bin/python scripts/gen_grpc.py [--refresh v0.13.0-alpha.0] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "src/roost/permissions/grpc/proto"
GEN = ROOT / "src/roost/permissions/grpc/gen"
PACKAGE = "roost.permissions.grpc.gen"
MODULE = "github.com/ory/keto/proto"


def refresh(version: str) -> None:
    """Copy the .proto files and the licence of Keto's proto Go module."""
    out = subprocess.run(  # noqa: S603 - fixed arguments
        ["go", "mod", "download", "-json", f"{MODULE}@{version}"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    src = Path(json.loads(out.stdout)["Dir"])
    shutil.rmtree(PROTO / "ory", ignore_errors=True)
    for f in src.rglob("*.proto"):
        dest = PROTO / f.relative_to(src)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(f.read_bytes())
    (PROTO / "LICENSE").write_bytes((src / "LICENSE").read_bytes())


def generate(out: Path) -> None:
    """protoc (grpcio-tools) with the message, stub and grpclib service outputs."""
    from grpc_tools import protoc  # test-only dependency

    files = sorted(str(p.relative_to(PROTO)) for p in PROTO.rglob("*.proto"))
    plugin = Path(sys.executable).parent / "protoc-gen-grpclib_python"
    include = Path(protoc.__file__).parent / "_proto"
    out.mkdir(parents=True, exist_ok=True)
    args = [
        "protoc",
        f"--plugin=protoc-gen-grpclib_python={plugin}",
        f"-I{PROTO}",
        f"-I{include}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpclib_python_out={out}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    _root_imports(out)


def _root_imports(out: Path) -> None:
    """Root ``ory.keto`` and ``roostx`` imports under PACKAGE; every folder a package."""
    # ``from ory.keto… import``, and module paths (``ory.keto.…_pb2``), but not
    # the ``/ory.keto.…Service/Method`` routes; ``roostx`` holds Roost's own protos
    imports = re.compile(r"^from (ory\.keto|roostx)\b", re.MULTILINE)
    modules = re.compile(r"(?<![/\w.])(ory\.keto|roostx)(?=\.[\w.]*_pb2\b)")
    for f in out.rglob("*.py*"):
        text = imports.sub(rf"from {PACKAGE}.\1", f.read_text())
        f.write_text(modules.sub(rf"{PACKAGE}.\1", text))
    for d in [out, *(p for p in out.rglob("*") if p.is_dir())]:
        (d / "__init__.py").touch()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", metavar="VERSION")
    parser.add_argument("--out", type=Path, default=GEN)
    args = parser.parse_args()
    if args.refresh:
        refresh(args.refresh)
    if args.out == GEN:
        shutil.rmtree(GEN, ignore_errors=True)
    generate(args.out)


if __name__ == "__main__":
    main()
