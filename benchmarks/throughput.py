"""Throughput and memory of `dedup scan` beside its peers, side by side in one run.

    .venv/bin/python -m benchmarks.throughput           # the full table (about an hour here)
    .venv/bin/python -m benchmarks.throughput --quick   # news-20 only (a few minutes)

Every task runs in its own process on the same JSONL file: `dedup scan` end to
end (read, segment, shingle, sketch, candidates, verify, decide, write) with
--jobs N and --jobs 1; the read-and-tokenize floor (benchmarks.tasks floor);
and the peers of benchmarks/peers.py on dedup's spans. Wall time, CPU time
(all processes) and peak RSS (sum over the process tree, sampled every 50 ms)
are recorded. With --repeat R every task runs R times, interleaved, and the
fastest run counts; ratios are taken within this one run. The table goes into
benchmarks/README.md between its markers, the raw numbers into
benchmarks/out/throughput.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from .corpora import MB, NEWS_SIZES, ROOT, ensure

PY = sys.executable
README = ROOT / "README.md"
OUT = ROOT / "out"
BEGIN, END = "<!-- throughput:begin -->", "<!-- throughput:end -->"
PEER_NAMES = ("exact-hash", "rensa", "rensa-bulk", "datasketch", "datasketch-bulk")


@dataclass
class Run:
    corpus: str
    task: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def measure(cmd: list[str], corpus: str, task: str) -> Run:
    """Run cmd to completion; its wall time, CPU time and peak tree RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{task} on {corpus} failed ({proc.returncode}):\n{err}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(corpus, task, round(seconds, 3), round(cpu, 3), round(peak / 2**20, 1))


def tasks(corpus: str, path: Path, jobs: int, with_peers: bool, out_dir: Path) -> dict[str, list[str]]:
    dedup = [PY, "-m", "dedup", "scan", str(path), "--quiet", "--out"]
    found = {
        f"dedup --jobs {jobs}": [*dedup, str(out_dir / "dedup-j"), "--jobs", str(jobs), "--stats", str(out_dir / "stats.json")],
        "dedup --jobs 1": [*dedup, str(out_dir / "dedup-1"), "--jobs", "1"],
        f"read+tokenize floor, {jobs} jobs": [PY, "-m", "benchmarks.tasks", "floor", str(path), str(jobs)],
        "read+tokenize floor, 1 job": [PY, "-m", "benchmarks.tasks", "floor", str(path), "1"],
    }
    if with_peers:
        for name in PEER_NAMES:
            found[name] = [PY, "-m", "benchmarks.tasks", "peer", name, str(path), str(out_dir / f"{name}.jsonl")]
    return found


def run_all(corpora: list[str], peer_corpora: set[str], jobs: int, repeat: int) -> tuple[list[Run], dict]:
    infos, runs = {}, []
    for corpus in corpora:
        path, info = ensure(corpus)
        infos[corpus] = {**info, "bytes": path.stat().st_size}
        with tempfile.TemporaryDirectory(prefix="dedup-bench-") as tmp:
            todo = tasks(corpus, path, jobs, corpus in peer_corpora, Path(tmp))
            for r in range(repeat):
                for task, cmd in todo.items():
                    for stale in Path(tmp).glob("dedup-*"):
                        shutil.rmtree(stale, ignore_errors=True)
                    run = measure(cmd, corpus, task)
                    runs.append(run)
                    print(f"[{r + 1}/{repeat}] {corpus:12} {task:32} {run.seconds:8.2f} s  "
                          f"cpu {run.cpu_seconds:8.2f} s  rss {run.peak_rss_mb:7.0f} MB", flush=True)
            s = json.loads((Path(tmp) / "stats.json").read_text())
            infos[corpus]["dedup"] = {k: s[k] for k in ("documents", "spans", "dropped_spans", "duplicate_ratio")}
    return runs, infos


def best(runs: list[Run]) -> dict[tuple[str, str], Run]:
    out: dict[tuple[str, str], Run] = {}
    for run in runs:
        key = (run.corpus, run.task)
        if key not in out or run.seconds < out[key].seconds:
            out[key] = run
    return out


def table(runs: list[Run], infos: dict, jobs: int, repeat: int, command: str) -> str:
    top = best(runs)
    lines = [
        f"Command: `{command}`  ",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; other jobs shared "
        f"the cores, so times are the fastest of {repeat} interleaved run(s) and ratios come from this one run.",
        "",
        "| corpus | MB | task | time (s) | MB/s | dedup time ÷ this | CPU (s) | peak RSS (MB) |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for corpus, info in infos.items():
        mb = info["bytes"] / MB
        ref = top.get((corpus, f"dedup --jobs {jobs}"))
        for (c, task), run in top.items():
            if c != corpus:
                continue
            ratio = f"{ref.seconds / run.seconds:.2f}" if ref else ""
            lines.append(f"| {corpus} | {mb:.0f} | {task} | {run.seconds:.2f} | {mb / run.seconds:.1f} | {ratio} "
                         f"| {run.cpu_seconds:.1f} | {run.peak_rss_mb:.0f} |")
    lines += ["", *targets(top, infos, jobs), "", "Corpora (see benchmarks/corpora.py):", ""]
    for corpus, info in infos.items():
        d = info.get("dedup", {})
        extra = f"planted share {info['planted_share']:.1%}, " if "planted_share" in info else ""
        lines.append(f"- `{corpus}`: {info['bytes'] / MB:.0f} MB, {info['records']} records, {d.get('spans', '?')} spans; "
                     f"{extra}dedup dropped {d.get('duplicate_ratio', 0):.1%} of span text. {info.get('note', '')}")
    return "\n".join(lines)


def targets(top: dict, infos: dict, jobs: int) -> list[str]:
    """The issue's targets, each with the number measured here."""
    out = ["Targets (issue 5), measured above:", ""]
    dj = f"dedup --jobs {jobs}"

    def t(corpus: str, task: str) -> float | None:
        run = top.get((corpus, task))
        return run.seconds if run else None

    def check(ok: bool) -> str:
        return "met" if ok else "**missed**"

    for corpus in infos:
        d = t(corpus, dj)
        for peer, factor in (("rensa", 3), ("rensa-bulk", 3), ("datasketch", 20), ("datasketch-bulk", 20)):
            p = t(corpus, peer)
            if d and p:
                out.append(f"- {corpus}: dedup {p / d:.1f}x faster than {peer} (target {factor}x): {check(p / d >= factor)}")
        floor = t(corpus, f"read+tokenize floor, {jobs} jobs")
        if d and floor:
            out.append(f"- {corpus}: dedup takes {d / floor:.2f}x the read+tokenize floor (target <= 3x): {check(d / floor <= 3)}")
    if "debian-docs" in infos and t("debian-docs", dj):
        rate = infos["debian-docs"]["bytes"] / MB / t("debian-docs", dj)
        out.append(f"- debian-docs: {rate:.1f} MB/s with --jobs {jobs} (target >= 25 MB/s on 2 cores): {check(rate >= 25)}")
    small, large = f"news-{NEWS_SIZES[0]}", f"news-{NEWS_SIZES[-1]}"
    if t(small, dj) and t(large, dj):
        data = infos[large]["bytes"] / infos[small]["bytes"]
        ratio = t(large, dj) / t(small, dj)
        out.append(f"- scaling: {data:.1f}x the data in {ratio:.1f}x the time (target <= 12x for 10x): {check(ratio <= 12 * data / 10)}")
    for corpus in infos:
        run = top.get((corpus, dj))
        if run and infos[corpus]["bytes"] >= 150 * MB:
            out.append(f"- {corpus}: peak RSS {run.peak_rss_mb:.0f} MB (target <= 1536 MB): {check(run.peak_rss_mb <= 1536)}")
    return out


def write_readme(text: str) -> None:
    readme = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in readme and END in readme:
        readme = readme[: readme.index(BEGIN)] + block + readme[readme.index(END) + len(END):]
    else:
        readme = readme.rstrip("\n") + "\n\n## Throughput and memory\n\n" + block + "\n"
    README.write_text(readme, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="news-20 only, with all peers")
    ap.add_argument("--corpora", nargs="*", help="corpora to run (default: news-20/80/200 and debian-docs)")
    ap.add_argument("--peers-on", nargs="*", help="corpora the peers run on (default: news-20, news-200, debian-docs)")
    ap.add_argument("--jobs", type=int, default=2, help="--jobs for dedup and the floor (default 2)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per task; the fastest counts")
    ap.add_argument("--no-readme", action="store_true", help="print the table instead of writing README.md")
    args = ap.parse_args(argv)
    corpora = args.corpora or (["news-20"] if args.quick else [*(f"news-{s}" for s in NEWS_SIZES), "debian-docs"])
    peer_corpora = set(args.peers_on if args.peers_on is not None else ["news-20", "news-200", "debian-docs"])
    runs, infos = run_all(corpora, peer_corpora, args.jobs, args.repeat)
    command = ".venv/bin/python -m benchmarks.throughput " + " ".join(argv if argv is not None else sys.argv[1:])
    text = table(runs, infos, args.jobs, args.repeat, command.strip())
    OUT.mkdir(exist_ok=True)
    (OUT / "throughput.json").write_text(json.dumps({"runs": [asdict(r) for r in runs], "corpora": infos}, indent=2) + "\n")
    if args.no_readme:
        print(text)
    else:
        write_readme(text)
        print(text)


if __name__ == "__main__":
    main()
