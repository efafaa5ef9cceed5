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
# the Spark engine's tests need a Java runtime (17+); building the compiled kernels
# needs gcc and the Python headers (python3-dev, for Debian's own python3).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
# The compiled kernels (setup.py) need a C compiler and Python's headers.
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
"$PY" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  || missing+=(python3-dev)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "tests/run.sh: installing ${missing[*]} for the tests" >&2
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi
export DEDUP_REQUIRE_BROWSER=1
# DEDUP_REQUIRE_NATIVE: a compile error in the kernels fails the install (elsewhere it leaves dedup on numpy).
DEDUP_REQUIRE_NATIVE=1 .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,spark]'
.venv/bin/python -m pytest "$@"
# Once more over the stage, decision and CLI tests with the compiled paths forced on small
# inputs too (kernels.min_work): below 200,000 shingles the suite's inputs take the numpy
# paths only. About 2 minutes of CPU. DEDUP_COMPILED_PASS=0 skips it.
if [ "${DEDUP_COMPILED_PASS:-1}" != 0 ]; then
  echo "tests/run.sh: again with the compiled paths on small inputs (DEDUP_NUMBA_MIN_WORK=0)" >&2
  DEDUP_NUMBA_MIN_WORK=0 .venv/bin/python -m pytest -x -q -p no:cacheprovider \
    tests/test_segment.py tests/test_normalize.py tests/test_shingle_sketch.py tests/test_candidates.py \
    tests/test_verify.py tests/test_decide.py tests/test_planted.py tests/test_invariants.py \
    tests/test_explain.py tests/test_samples.py tests/test_cli.py tests/test_runs.py tests/test_templates.py
fi
