#!/usr/bin/env bash
# The one test command (README and .ci/run): installs what the suite needs, then runs all of it.
# Usage: bash tests/run.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# The Spark engine's tests need a Java runtime (17+): Debian's, when none is installed.
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q default-jre-headless
  else
    echo "tests/run.sh: java not found; install default-jre-headless (Spark tests need it)" >&2
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,spark]'
exec .venv/bin/python -m pytest "$@"
