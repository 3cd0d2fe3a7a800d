#!/usr/bin/env bash
# Install Roost into .venv and start every service on the embedded default
# (SQLite files and generated secrets in ./roost-data, Ory's default ports),
# wired into one sign-in system; prints a "Sign in with Roost" URL for a demo
# client (created once, kept across restarts).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .
if [ "$#" -gt 0 ]; then exec .venv/bin/roost serve "$@"; fi

.venv/bin/roost serve &
server=$!
trap 'kill -TERM "$server" 2>/dev/null; wait "$server"' EXIT INT TERM
.venv/bin/python -m roost.cli.demo
wait "$server"
