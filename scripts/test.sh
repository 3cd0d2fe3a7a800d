#!/usr/bin/env bash
# Install Roost and its test tools into .venv, start a throwaway SERIALIZABLE
# PostgreSQL, run the linters and every test (SQLite and PostgreSQL), clean up.
# The slow set-up steps overlap: Keto's Go build (CPU) runs in the background
# while pip, apt and npm download (network).
set -euo pipefail
cd "$(dirname "$0")/.."

# Ory Keto's own binary (tests/permissions/grpc/test_keto_cli.py, test_differential.py),
# built once from the Go module proxy outside the repository (tests/support/keto.py,
# which needs only the standard library for this); the tests build it too, and skip
# without Go. It is waited for before the tests start.
KETO_LOG=$(mktemp)
KETO_PID= PG_DIR=
cleanup() {
  if [ -n "$PG_DIR" ]; then scripts/pg-throwaway.sh stop "$PG_DIR"; fi
  kill $(jobs -p) 2>/dev/null || true  # a set-up step left running by a failure
  rm -f "$KETO_LOG"
}
trap cleanup EXIT
if command -v go >/dev/null || [ -x /usr/local/go/bin/go ]; then
  python3 -m tests.support.keto >"$KETO_LOG" 2>&1 &
  KETO_PID=$!
fi

# Debian's packages the tests need, with one `apt-get update`: HAProxy (the fault
# harness's load balancer), Chromium (the account UI's browser tests drive it
# through Playwright, never a downloaded browser; under CI=true they are required,
# elsewhere they skip without it) and PostgreSQL (scripts/pg-throwaway.sh).
if ! command -v haproxy >/dev/null && [ -x /usr/sbin/haproxy ]; then export PATH="$PATH:/usr/sbin"; fi
missing=()
command -v haproxy >/dev/null || missing+=(haproxy)
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
APT_PID=
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian's packages" >&2
  ( export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || true
    apt-get install -y -qq "${missing[@]}" >&2 || true ) &
  APT_PID=$!
fi

# Ory's npm gRPC client for Keto (tests/permissions/grpc/test_npm_client.py), kept
# outside the repository; the test installs it itself too, and skips without npm.
NPM_DIR="${ROOST_TEST_NPM_DIR:-$HOME/.cache/roost-test/npm}"
KETO_NPM="$NPM_DIR/@ory+keto-grpc-client@0.13.0-alpha.0"
NPM_PID=
if command -v npm >/dev/null && [ ! -f "$KETO_NPM/node_modules/@ory/keto-grpc-client/package.json" ]; then
  echo "installing @ory/keto-grpc-client@0.13.0-alpha.0 into $KETO_NPM" >&2
  mkdir -p "$KETO_NPM"
  npm install --no-audit --no-fund --prefix "$KETO_NPM" @ory/keto-grpc-client@0.13.0-alpha.0 >&2 &
  NPM_PID=$!
fi

# The venv's own pip is recent enough for an editable install (PEP 660).
python3 -m venv .venv
PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/pip install -q -e '.[test]'

if [ -n "$APT_PID" ]; then wait "$APT_PID" || true; export PATH="$PATH:/usr/sbin"; fi
if [ -n "$NPM_PID" ]; then wait "$NPM_PID" || true; fi

eval "$(scripts/pg-throwaway.sh start)"
PG_DIR=$ROOST_PG_DIR
export ROOST_REQUIRE_POSTGRES=1

.venv/bin/ruff check src tests bench
.venv/bin/mypy
if [ -n "$KETO_PID" ]; then wait "$KETO_PID" || true; cat "$KETO_LOG" >&2; fi
.venv/bin/python -m pytest -q -p no:cacheprovider --durations=25 "$@"
