#!/usr/bin/env bash
# Install Roost into .venv and start every service on the embedded default
# (SQLite files and generated secrets in ./roost-data, Ory's default ports).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .
exec .venv/bin/roost serve "$@"
