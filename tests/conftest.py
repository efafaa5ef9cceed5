"""Shared test set-up: hypothesis profiles and a runner for `dedup` on the command line.

Hypothesis profiles: `ci` (default, sized for the 10-minute CI budget) and `big`
(many more examples, for a run by hand):

    HYPOTHESIS_PROFILE=big .venv/bin/pytest tests/test_invariants.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ is imported by tests/test_resources.py
    sys.path.insert(0, str(ROOT))

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "big", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def run_dedup(
    *args: str, input: bytes | None = None, timeout: float = 120, cwd: Path | None = None, user: int | None = None
) -> subprocess.CompletedProcess:
    """`dedup ARGS` in a child process (as `user` if given); stdout and stderr as bytes/str."""
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", *args], input=input, capture_output=True, timeout=timeout,
        cwd=cwd, user=user, group=user, extra_groups=[] if user is not None else None,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
    )
    proc.stderr = proc.stderr.decode("utf-8", "replace")
    return proc


def cli(*args: str, input: bytes | str | None = None):
    """`dedup ARGS` in this process through Typer's runner: `.exit_code`, `.stdout_bytes`, `.stderr`."""
    from typer.testing import CliRunner

    from dedup.cli import app

    return CliRunner().invoke(app, list(args), input=input)


# --- Spark: one local session for every test that takes the `spark` fixture ------

def _spark_unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"Spark tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def spark():
    """Spark in local mode (local[2], 4 shuffle partitions, UI off); in CI (CI=true) a missing
    pyspark or Java fails the tests that take it instead of skipping them."""
    if shutil.which("java") is None:
        _spark_unavailable("no java on PATH (tests/run.sh installs default-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        _spark_unavailable("pyspark is not installed (pip install -e '.[test,spark]')")
    from dedup.engines.spark_env import LOCAL_CONF, with_python_workers
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[2]").appName("dedup-tests")
        .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false").config("spark.driver.memory", "1g")
        # Tiny inputs: the JVM's planning and JIT dominate. Adaptive re-planning off
        # and the quick JIT tier about halve the CPU time; results never depend on them.
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
    )
    for key, value in LOCAL_CONF.items():
        builder = builder.config(key, value)
    session = with_python_workers(builder.getOrCreate)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
