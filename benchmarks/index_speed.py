"""One-shot scan against `--index`, side by side: `python -m benchmarks.index_speed`.

The news-40 corpus (benchmarks/corpora.py, built on first use) is cut in two
halves by record order, A and B (about 20 MB each). Each repeat runs, in its own
process and interleaved:

- `dedup scan A` and `dedup scan A --index` into a new index (what a first batch costs);
- `dedup scan B` and `dedup scan B --index` against a copy of the index of A.

Wall times are the fastest of --repeat runs; the stages are the `seconds` of
--stats of that run. What --index genuinely adds is querying the index, fetching
the matches and writing the kept spans; the rest are the same stages on the same
batch (plus the fetched spans). With --readme the table goes into
benchmarks/README.md, section "Incremental index".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .corpora import ROOT, ensure

README = ROOT / "README.md"
BEGIN, END = "<!-- index-speed:begin -->", "<!-- index-speed:end -->"


def halves(corpus: Path, folder: Path) -> tuple[Path, Path]:
    lines = corpus.read_bytes().splitlines(keepends=True)
    a, b = folder / "a.jsonl", folder / "b.jsonl"
    a.write_bytes(b"".join(lines[: len(lines) // 2]))
    b.write_bytes(b"".join(lines[len(lines) // 2 :]))
    return a, b


def dedup_scan(batch: Path, out: Path, index: Path | None) -> tuple[float, dict]:
    stats = out.with_suffix(".stats.json")
    cmd = [sys.executable, "-m", "dedup", "scan", str(batch), "--out", str(out), "-q", "--stats", str(stats)]
    if index is not None:
        cmd += ["--index", str(index)]
    began = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT.parent)
    seconds = time.perf_counter() - began
    shutil.rmtree(out)
    info = json.loads(stats.read_text())
    stats.unlink()
    return seconds, info


def run(repeat: int, corpus: str) -> dict[str, tuple[float, dict]]:
    path, _ = ensure(corpus)
    best: dict[str, tuple[float, dict]] = {}
    with tempfile.TemporaryDirectory(dir=os.environ.get("DEDUP_BENCH_DIR")) as tmp:
        folder = Path(tmp)
        a, b = halves(path, folder)
        base = folder / "a.db"
        for r in range(repeat):
            for name, batch, index in (
                ("A one-shot", a, None), ("A --index (new index)", a, "new"),
                ("B one-shot", b, None), ("B --index (index of A)", b, "of-a"),
            ):
                db = None
                if index is not None:
                    db = folder / "run.db"
                    for f in folder.glob("run.db*"):
                        f.unlink()
                    if index == "of-a":
                        if not base.exists():
                            dedup_scan(a, folder / "base-out", base)
                        shutil.copy(base, db)
                seconds, stats = dedup_scan(batch, folder / "out", db)
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, stats)
                print(f"{name}: {seconds:.2f} s", file=sys.stderr, flush=True)
    return best


def table(best: dict, corpus: str, repeat: int, command: str) -> str:
    def stages(stats: dict) -> str:
        return ", ".join(f"{k} {v:.2f}" for k, v in stats["seconds"].items())

    lines = [
        f"Command: `{command}` ({corpus} cut in two halves A and B by record order, about 20 MB each;",
        f"each run its own process, fastest of {repeat} interleaved runs; 2 cores shared with other jobs).",
        "",
        "| batch | one-shot s | --index s | ratio | extra s | one-shot stages (s) | --index stages (s) |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for batch in ("A", "B"):
        one, one_stats = best[f"{batch} one-shot"]
        key = "A --index (new index)" if batch == "A" else "B --index (index of A)"
        ix, stats = best[key]
        what = "A into a new index" if batch == "A" else "B against the index of A"
        lines.append(
            f"| {what} | {one:.2f} | {ix:.2f} | {ix / one:.2f} | {ix - one:+.2f} | {stages(one_stats)} | {stages(stats)} |"
        )
    b = best["B --index (index of A)"][1]["index"]
    lines += [
        "",
        f"B against A: {b['candidates_fetched']:,} indexed spans fetched, {b['dropped_against_index']:,} spans "
        f"dropped against them, {b['added_spans']:,} added.",
    ]
    return "\n".join(lines) + "\n"


def write_readme(section: str) -> None:
    text = README.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{section}{END}"
    if BEGIN in text:
        start, end = text.index(BEGIN), text.index(END) + len(END)
        text = text[:start] + block + text[end:]
    else:
        at = text.index("## Incremental index")
        at = text.index("\n", at) + 1
        text = text[:at] + "\n" + block + "\n" + text[at:]
    README.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--corpus", default="news-40")
    ap.add_argument("--readme", action="store_true", help="write the table into benchmarks/README.md")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: remove the temporary folder
    best = run(args.repeat, args.corpus)
    command = "python -m benchmarks.index_speed" + (f" --repeat {args.repeat}" if args.repeat != 3 else "")
    section = table(best, args.corpus, args.repeat, command)
    print(section)
    if args.readme:
        write_readme(section)


if __name__ == "__main__":
    main()
