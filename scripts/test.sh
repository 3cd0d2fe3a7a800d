#!/usr/bin/env bash
# Install Roost and its test tools into .venv, start a throwaway SERIALIZABLE
# PostgreSQL, run the linters and every test (SQLite and PostgreSQL), clean up.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'

# The fault harness needs a real load balancer: HAProxy from Debian's packages.
if ! command -v haproxy >/dev/null && [ -x /usr/sbin/haproxy ]; then export PATH="$PATH:/usr/sbin"; fi
if ! command -v haproxy >/dev/null; then
  echo "installing HAProxy from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >&2 || true
  export PATH="$PATH:/usr/sbin"
fi

# The account UI's browser tests drive Debian's Chromium through Playwright (never a
# downloaded browser); under CI=true they are required, elsewhere they skip without it.
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Chromium from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 || true
fi

# Ory's npm gRPC client for Keto (tests/permissions/grpc/test_npm_client.py), kept
# outside the repository; the test installs it itself too, and skips without npm.
NPM_DIR="${ROOST_TEST_NPM_DIR:-$HOME/.cache/roost-test/npm}"
KETO_NPM="$NPM_DIR/@ory+keto-grpc-client@0.13.0-alpha.0"
if command -v npm >/dev/null && [ ! -f "$KETO_NPM/node_modules/@ory/keto-grpc-client/package.json" ]; then
  echo "installing @ory/keto-grpc-client@0.13.0-alpha.0 into $KETO_NPM" >&2
  mkdir -p "$KETO_NPM"
  npm install --no-audit --no-fund --prefix "$KETO_NPM" @ory/keto-grpc-client@0.13.0-alpha.0 >&2 || true
fi

# Ory Keto's own binary (tests/permissions/grpc/test_keto_cli.py, test_differential.py),
# built once from the Go module proxy outside the repository (tests/support/keto.py);
# the tests build it too, and skip without Go.
if command -v go >/dev/null || [ -x /usr/local/go/bin/go ]; then
  .venv/bin/python -m tests.support.keto >&2 || true
fi

eval "$(scripts/pg-throwaway.sh start)"
trap 'scripts/pg-throwaway.sh stop "$ROOST_PG_DIR"' EXIT
export ROOST_REQUIRE_POSTGRES=1

.venv/bin/ruff check src tests bench
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider --durations=25 "$@"
