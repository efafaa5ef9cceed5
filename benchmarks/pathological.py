"""Pathological inputs: time and peak memory of `dedup scan` on each, one process per case.

    .venv/bin/python -m benchmarks.pathological                 # full sizes (200 MB line: ~5 GB RAM)
    .venv/bin/python -m benchmarks.pathological --scale small   # what tests/test_resources.py runs
    .venv/bin/python -m benchmarks.pathological --case long-line --write-readme

Each case is written to a temporary file and scanned by a fresh `python -m dedup
scan FILE --out DIR -q`; wall time and the child's peak RSS come from os.wait4.
`memory/byte` is (peak RSS - RSS of an empty input) / input bytes. The limits
below are the ones stated in the README; a case over its limit is marked.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MiB = 1 << 20

# Stated bound: peak memory grows by at most this many bytes per byte of one line.
MEMORY_PER_LINE_BYTE = 64


def _words(n_chars: int, seed: int = 0) -> str:
    """One line of ~n_chars of varied words (a 9973-word vocabulary, so shingles are distinct)."""
    rng = random.Random(seed)
    vocab = [f"w{k}{'abcdefgh'[k % 8]}" for k in range(9973)]
    out, size = [], 0
    while size < n_chars:
        w = vocab[rng.randrange(len(vocab))]
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    make: Callable[[int], bytes]  # scale -> file contents
    small: int
    full: int
    limit_seconds: float  # at full size, on the 2-core machine of benchmarks/README.md


CASES = [
    Case("long-line", "one line of varied words, no line break", lambda n: _words(n).encode(), MiB, 200 * MiB, 400),
    Case("one-word", "one paragraph of a single word repeated", lambda n: b"word " * (n // 5), 2 * MiB, 100 * MiB, 150),
    Case("tiny-paragraphs", "paragraphs of two words each", lambda n: b"ab cd\n\n" * n, 50_000, 1_000_000, 60),
    Case(
        "boilerplate", "the same 12-word paragraph repeated (one unit, oversized buckets)",
        lambda n: b"Subscribe to our newsletter for the latest news and offers today\n\n" * n, 10_000, 500_000, 120,
    ),
    Case(
        "near-copies", "12-word paragraphs differing in their last word",
        lambda n: b"".join(b"the council voted on the harbour bridge plan again on day %d\n\n" % k for k in range(n)),
        5_000, 200_000, 120,
    ),
    Case("hyphen-chain", "a-b-c-... without spaces (was quadratic in the e-mail regex)", lambda n: b"a-b1." * (n // 5), 200_000, 20 * MiB, 60),
    Case("blank-lines", "only blank and whitespace lines", lambda n: " \t\u00a0\n".encode() * (n // 5), MiB, 100 * MiB, 120),
    Case("one-token", "a single 'word' of one repeated letter", lambda n: b"a" * n, 2 * MiB, 200 * MiB, 60),
    Case("url-dots", "a URL followed by a long run of dots", lambda n: b"http://x.org/" + b"." * n, MiB, 100 * MiB, 120),
]


def measure(data: bytes, workdir: Path, timeout: float | None = None) -> dict:
    """Scan `data` as one file in a fresh process: seconds, peak RSS (bytes), exit code."""
    src = workdir / "input.txt"
    src.write_bytes(data)
    out = workdir / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dedup", "scan", str(src), "--out", str(out), "-q"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = None if timeout is None else started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    seconds = time.monotonic() - started
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    src.unlink()
    return {
        "seconds": round(seconds, 3),
        "peak_rss": usage.ru_maxrss * 1024,  # Linux reports KiB
        "exit_code": os.waitstatus_to_exitcode(status),
        "timed_out": deadline is not None and seconds > timeout,
        "stderr": stderr[-2000:],
    }


def run(cases: list[Case], scale: str, timeout: float | None = None) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="dedup-patho-") as tmp:
        baseline = measure(b"", Path(tmp))["peak_rss"]
        for case in cases:
            size = case.small if scale == "small" else case.full
            data = case.make(size)
            got = measure(data, Path(tmp), timeout)
            rows.append({
                "case": case.name, "what": case.what, "input_bytes": len(data), **got,
                "memory_per_byte": round(max(got["peak_rss"] - baseline, 0) / max(len(data), 1), 2),
                "limit_seconds": case.limit_seconds,
            })
    return rows


def run_in_process(cases: list[Case], scale: str) -> list[dict]:
    """All cases in this one process through the CLI (no start-up cost per case); seconds only."""
    from dedup.cli import app

    rows = []
    with tempfile.TemporaryDirectory(prefix="dedup-patho-") as tmp:
        for case in cases:
            data = case.make(case.small if scale == "small" else case.full)
            src = Path(tmp) / f"{case.name}.txt"
            src.write_bytes(data)
            started = time.monotonic()
            try:
                app(["scan", str(src), "--out", str(Path(tmp) / case.name), "-q"], standalone_mode=False)
                code = 0
            except SystemExit as e:
                code = e.code
            row = {"case": case.name, "input_bytes": len(data), "seconds": round(time.monotonic() - started, 3), "exit_code": code}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def table(rows: list[dict], scale: str) -> str:
    lines = [
        "| case | input | seconds | limit | peak RSS | memory/byte | exit |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        over = " **over**" if scale == "full" and r["seconds"] > r["limit_seconds"] else ""
        lines.append(
            f"| {r['case']} ({r['what']}) | {r['input_bytes'] / MiB:.1f} MiB | {r['seconds']:.1f}{over} | "
            f"{r['limit_seconds']:.0f} | {r['peak_rss'] / MiB:.0f} MiB | {r['memory_per_byte']:.1f} | {r['exit_code']} |"
        )
    return "\n".join(lines)


README_START, README_END = "<!-- pathological:start -->", "<!-- pathological:end -->"


def write_readme(text: str) -> None:
    """Replace the pathological-inputs table in benchmarks/README.md (create the section if absent)."""
    path = ROOT / "benchmarks" / "README.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{README_START}\n{text}\n{README_END}"
    if README_START in current:
        current = re.sub(re.escape(README_START) + ".*?" + re.escape(README_END), lambda _: block, current, flags=re.S)
    else:
        current = current.rstrip("\n") + "\n\n## Pathological inputs\n\n" + block + "\n"
    path.write_text(current)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.pathological", description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", choices=("small", "full"), default="full")
    p.add_argument("--case", action="append", choices=[c.name for c in CASES], help="repeatable; default: all")
    p.add_argument("--timeout", type=float, default=None, help="kill a case after this many seconds")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--in-process", action="store_true", help="one process for all cases, JSON lines of seconds only")
    p.add_argument("--write-readme", action="store_true", help="put the table into benchmarks/README.md")
    args = p.parse_args(argv)
    cases = [c for c in CASES if not args.case or c.name in args.case]
    if args.in_process:
        rows = run_in_process(cases, args.scale)
        return 1 if any(r["exit_code"] for r in rows) else 0
    rows = run(cases, args.scale, args.timeout)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    command = "python -m benchmarks.pathological" + (" --scale small" if args.scale == "small" else "")
    text = (
        f"`{command}` ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; other jobs were running, "
        f"so times are upper bounds). Memory per byte: (peak RSS - empty-input RSS) / input size; "
        f"stated bound for one long line: {MEMORY_PER_LINE_BYTE}.\n\n{table(rows, args.scale)}"
    )
    print(text)
    if args.write_readme:
        write_readme(text)
    failed = [r["case"] for r in rows if r["exit_code"] != 0 or (args.scale == "full" and r["seconds"] > r["limit_seconds"])]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
