#!/usr/bin/env bash
# The one test command (README and .ci/run): installs what the suite needs, then runs all of it.
# Usage: bash tests/run.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# The Redis index tests need a real redis-server (they start their own on a free port).
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -q && apt-get install -y -q -o DPkg::Lock::Timeout=600 redis-server
  else
    echo "warning: redis-server is missing and cannot be installed here; Redis index tests will skip (and fail under CI=true)" >&2
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest "$@"
