"""What sentence runs cost: `dedup scan --whole-spans` against `--sentences` on Debian's
docs (first 40 MB) and news-20, CPU seconds (user + sys of the scan) and wall, best of 2.

    python -m benchmarks.sentence_cost
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(os.environ.get("DEDUP_BENCH_DATA", Path(__file__).parent / "data"))  # benchmarks/data is not in git
DD40 = Path(tempfile.gettempdir()) / "dd40.jsonl"


def corpora() -> dict[str, Path]:
    """dd40 is the first 40 MB of debian-docs.jsonl, cut at a line end (made once)."""
    if not DD40.exists():
        raw = (DATA / "debian-docs.jsonl").read_bytes()[:40_000_000]
        DD40.write_bytes(raw[: raw.rfind(b"\n") + 1])
    return {"dd40": DD40, "news-20": DATA / "news-20.jsonl"}


def scan(path: Path, mode: str) -> tuple[float, float]:
    """CPU seconds and wall seconds of one `dedup scan` in a child process."""
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dedup", "scan", str(path), "--out", out, mode], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def main() -> None:
    print("| corpus | --whole-spans CPU s (wall) | --sentences CPU s (wall) | ratio (CPU) |")
    print("| --- | --- | --- | --- |")
    for name, path in corpora().items():
        best = {m: min(scan(path, m) for _ in range(2)) for m in ("--whole-spans", "--sentences")}
        (cw, ww), (cs, ws) = best["--whole-spans"], best["--sentences"]
        print(f"| {name} | {cw:.1f} ({ww:.1f}) | {cs:.1f} ({ws:.1f}) | {cs / cw:.2f} |")


if __name__ == "__main__":
    main()
