"""Resource bounds of `dedup scan`, measured in child processes (os.wait4 gives each
child's peak RSS).

- Memory grows with the length of one line by at most MEMORY_PER_LINE_BYTE bytes per
  byte (stated in the README): measured as the slope between a 0.5 MiB and a 2 MiB line.
- Pathological inputs (benchmarks/pathological.py, small sizes) finish well inside a
  hard timeout. The timeout is a guard against hangs and quadratic blow-ups, set far
  above the expected time; the stated time limits are measured at full size by
  `python -m benchmarks.pathological`, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, cli

from benchmarks.pathological import CASES, MEMORY_PER_LINE_BYTE, measure

MiB = 1 << 20


@pytest.mark.parametrize("unit", ["ab ", "\u4e2d"], ids=["two-letter-words", "cjk-characters"])
def test_memory_per_byte_of_one_line_is_bounded(tmp_path, unit):
    # The two costliest kinds of text per byte (one token object per 3 bytes);
    # ordinary prose costs about half as much (benchmarks/README.md).
    points = []
    for size in (MiB // 2, 2 * MiB):
        data = (unit * (size // len(unit.encode()))).encode()
        got = measure(data, tmp_path, timeout=300)
        assert got["exit_code"] == 0, got["stderr"]
        points.append((len(data), got["peak_rss"]))
    (n1, rss1), (n2, rss2) = points
    slope = (rss2 - rss1) / (n2 - n1)
    assert slope <= MEMORY_PER_LINE_BYTE, f"{slope:.1f} bytes of memory per byte of one line"


def test_pathological_inputs_finish():
    # One child runs every case (small sizes); a quadratic case would take hours here.
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.pathological", "--scale", "small", "--in-process"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300,
        )
        stdout = proc.stdout
    except subprocess.TimeoutExpired as e:
        done = (e.stdout or b"").decode().splitlines()
        pytest.fail(f"pathological inputs still running after 300 s; finished: {done}")
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert [r["case"] for r in rows] == [c.name for c in CASES], proc.stderr[-3000:]
    assert all(r["exit_code"] == 0 for r in rows), rows


def test_out_of_memory_is_a_message_and_leaves_no_partial_output(tmp_path, monkeypatch):
    # Fails on the code before: a MemoryError traceback. (Measured for real under
    # `prlimit --as=300M` on 60 MB of news: the same message and exit 4.)
    import dedup.pipeline

    def exhausted(*_args, **_kwargs):
        raise MemoryError

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Some words of an article that is long enough to be judged by the scan.\n")
    out = tmp_path / "out"
    assert cli("scan", str(folder), "--out", str(out), "-q").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(dedup.pipeline, "find_pairs", exhausted)
    r = cli("scan", str(folder), "--out", str(out), "-q", "--threshold", "0.6")
    assert r.exit_code == 4
    assert "error: out of memory; nothing partial was written" in r.stderr and "Traceback" not in r.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
