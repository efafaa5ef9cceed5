"""Short fuzzing runs inside the suite, with the harness of `python -m tests.fuzz`
(the long run is that command with a bigger --seconds; see README)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

from tests import fuzz


@pytest.mark.parametrize("target", fuzz.TARGETS)
def test_short_hypothesis_fuzz_finds_nothing(target):
    executions = fuzz.run_hypothesis(target, seconds=2, runs=0)
    assert executions >= 50, f"only {executions} inputs tried"


@pytest.mark.skipif(not fuzz._atheris_available(), reason="atheris is not installed")
def test_short_atheris_run_finds_nothing(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fuzz", "--engine", "atheris", "--target", "normalize",
         "--runs", "3000", "--seconds", "0", "--artifacts", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-6000:]
    assert re.search(r"^normalize\s+atheris\s+300[0-9]\s+[\d.]+\s+ok$", proc.stdout, re.M), proc.stdout
    assert list(tmp_path.iterdir()) == []  # no crashing input saved
