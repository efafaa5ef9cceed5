#!/usr/bin/env bash
# The one test command (README and .ci/run): installs what the suite needs, then runs all of it.
# Usage: bash tests/run.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# Debian packages the tests need, installed once when missing: the report tests open
# pages in headless Chromium; the Redis index tests start their own redis-server;
# the Spark engine's tests need a Java runtime (17+).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "tests/run.sh: installing ${missing[*]} for the tests" >&2
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi
export DEDUP_REQUIRE_BROWSER=1
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,spark]'
exec .venv/bin/python -m pytest "$@"
