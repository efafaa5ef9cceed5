"""Throughput and memory of `dedup scan` beside its peers, side by side in one run.

    .venv/bin/python -m benchmarks.throughput           # the full table (an hour or more here)
    .venv/bin/python -m benchmarks.throughput --quick   # news-20 only (a few minutes)

Every task runs in its own process on the same JSONL file: `dedup scan` end to
end (read, segment, shingle, sketch, candidates, verify, decide, write) with
--jobs N and --jobs 1; the read-and-tokenize floor (benchmarks.tasks floor);
and the peers of benchmarks/peers.py on dedup's spans. Wall time, CPU time
(all processes: exact from wait4 for the waited-for ones), the peak RSS of the
main process (exact, from wait4) and the peak PSS of the whole process tree
(pool workers share pages with the process that forked them: PSS counts each
shared page once, a sum of RSS would count it per process; sampled every
500 ms) are recorded. With --repeat R every task runs R times, interleaved, and the
fastest run counts; ratios are taken within this one run. The table goes into
benchmarks/README.md between its markers, the raw numbers into
benchmarks/out/throughput.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
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
# Plain datasketch needs about 0.4 ms per paragraph here (an hour for the
# 1.7 million spans of debian-docs), so by default it runs on the news corpora only.
DEFAULT_PEERS = {
    "news-20": PEER_NAMES,
    "news-200": PEER_NAMES,
    "debian-docs": ("exact-hash", "rensa", "rensa-bulk"),
}


@dataclass
class Run:
    corpus: str
    task: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float  # main process
    peak_pss_mb: float  # all processes


def measure(cmd: list[str], corpus: str, task: str) -> Run:
    """Run cmd to completion; its wall time, CPU time and peak memory.

    The process is reaped with wait4, whose resource usage is exact: its CPU time
    with that of every descendant it waited for, and the peak RSS of the process
    itself. Descendants nobody waits for (a fork server's pool workers) are seen
    only by sampling the process tree every 100 ms (their last moments may be
    missed); the CPU time is the larger of the two sums. PSS of the whole tree is
    sampled every 500 ms. Sampling is kept this sparse because reading every
    process's counters and smaps costs CPU time the measured task, when it keeps
    both cores busy, would otherwise lose (at 50 ms and 250 ms: about a fifth of a core).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    pss = [0]
    cpu: dict[tuple[int, float], float] = {}  # (pid, start time) -> CPU seconds, sampled
    done = threading.Event()

    def sample() -> None:
        tick = 0
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                for p in tree:
                    with p.oneshot():
                        t = p.cpu_times()
                        cpu[(p.pid, p.create_time())] = t.user + t.system
                if tick % 5 == 0:
                    pss[0] = max(pss[0], sum(p.memory_full_info().pss for p in tree))
            except psutil.Error:
                pass
            tick += 1
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)  # returns the moment it ends: the wall time is exact
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    pss = pss[0]
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{task} on {corpus} failed ({proc.returncode}):\n{err}")
    cpu_seconds = max(usage.ru_utime + usage.ru_stime, sum(cpu.values()))
    rss = usage.ru_maxrss * 1024  # kB on Linux
    return Run(corpus, task, round(seconds, 3), round(cpu_seconds, 3), round(rss / 2**20, 1), round(pss / 2**20, 1))


def tasks(corpus: str, path: Path, jobs: int, peers: tuple[str, ...], out_dir: Path) -> dict[str, list[str]]:
    dedup = [PY, "-m", "dedup", "scan", str(path), "--quiet", "--out"]
    found = {
        f"dedup --jobs {jobs}": [*dedup, str(out_dir / "dedup-j"), "--jobs", str(jobs), "--stats", str(out_dir / "stats.json")],
        "dedup --jobs 1": [*dedup, str(out_dir / "dedup-1"), "--jobs", "1"],
        f"read+tokenize floor, {jobs} jobs": [PY, "-m", "benchmarks.tasks", "floor", str(path), str(jobs)],
        "read+tokenize floor, 1 job": [PY, "-m", "benchmarks.tasks", "floor", str(path), "1"],
    }
    for name in peers:
        found[name] = [PY, "-m", "benchmarks.tasks", "peer", name, str(path), str(out_dir / f"{name}.jsonl")]
    return found


def run_all(corpora: list[str], peers_of: dict[str, tuple[str, ...]], jobs: int, repeat: int) -> tuple[list[Run], dict]:
    infos, runs = {}, []
    # Untimed: numba compiles the kernels on their first use after a change to their
    # source (a minute), then loads them from its cache; every timed run loads them.
    subprocess.run([PY, "-c", "from dedup.accel import kernels; kernels.warm_up()"], cwd=ROOT.parent, check=True)
    for corpus in corpora:
        path, info = ensure(corpus)
        infos[corpus] = {
            **info, "bytes": path.stat().st_size, "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "repeat": repeat,
        }
        with tempfile.TemporaryDirectory(prefix="dedup-bench-") as tmp:
            todo = tasks(corpus, path, jobs, peers_of.get(corpus, ()), Path(tmp))
            for r in range(repeat):
                for task, cmd in todo.items():
                    for stale in Path(tmp).glob("dedup-*"):
                        shutil.rmtree(stale, ignore_errors=True)
                    run = measure(cmd, corpus, task)
                    runs.append(run)
                    print(f"[{r + 1}/{repeat}] {corpus:12} {task:32} {run.seconds:8.2f} s  cpu {run.cpu_seconds:8.2f} s"
                          f"  rss {run.peak_rss_mb:6.0f} MB  pss {run.peak_pss_mb:6.0f} MB", flush=True)
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
    commands = {info.get("command", command) for info in infos.values()}
    lines = [
        f"Command: `{command}`  " if len(commands) == 1 else "Commands: each corpus's is under Corpora  ",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; other jobs shared "
        "the cores, so each time is the fastest of the interleaved runs stated under Corpora; each corpus's rows, and "
        "so every ratio, come from one run (its date and command are under Corpora; `--corpora X` reruns X and keeps "
        "the other rows).",
        "",
        "| corpus | MB | task | time (s) | MB/s | dedup time ÷ this | CPU (s) | CPU ratio | peak RSS main (MB) | peak PSS all (MB) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for corpus, info in infos.items():
        mb = info["bytes"] / MB
        ref = top.get((corpus, f"dedup --jobs {jobs}"))
        for (c, task), run in top.items():
            if c != corpus:
                continue
            ratio = f"{ref.seconds / run.seconds:.2f}" if ref else ""
            cpu_ratio = f"{ref.cpu_seconds / run.cpu_seconds:.2f}" if ref else ""
            lines.append(f"| {corpus} | {mb:.0f} | {task} | {run.seconds:.2f} | {mb / run.seconds:.1f} | {ratio} "
                         f"| {run.cpu_seconds:.1f} | {cpu_ratio} | {run.peak_rss_mb:.0f} | {run.peak_pss_mb:.0f} |")
    lines += ["", *targets(top, infos, jobs), "", "Corpora (see benchmarks/corpora.py):", ""]
    for corpus, info in infos.items():
        d = info.get("dedup", {})
        extra = f"planted share {info['planted_share']:.1%}, " if "planted_share" in info else ""
        how = f"`{info.get('command', command)}`, fastest of {info.get('repeat', repeat)} run(s)"
        lines.append(f"- `{corpus}` (measured {info.get('measured', '?')}, {how}): {info['bytes'] / MB:.0f} MB, {info['records']} records, "
                     f"{d.get('spans', '?')} spans; {extra}dedup dropped {d.get('duplicate_ratio', 0):.1%} of span text. "
                     f"{info.get('note', '')}")
    return "\n".join(lines)


def targets(top: dict, infos: dict, jobs: int) -> list[str]:
    """The issue's targets, each with the number measured here."""
    out = ["Targets (issue 5), measured above:", ""]
    dj = f"dedup --jobs {jobs}"

    def t(corpus: str, task: str) -> float | None:
        run = top.get((corpus, task))
        return run.seconds if run else None

    def cpu(corpus: str, task: str) -> float | None:
        run = top.get((corpus, task))
        return run.cpu_seconds if run else None

    def check(ok: bool) -> str:
        return "met" if ok else "**missed**"

    for corpus in infos:
        d, dc = t(corpus, dj), cpu(corpus, dj)
        for peer, factor in (("rensa", 3), ("rensa-bulk", 3), ("datasketch", 20), ("datasketch-bulk", 20)):
            p = t(corpus, peer)
            if d and p:
                out.append(f"- {corpus}: dedup {p / d:.1f}x faster than {peer} in wall time, {cpu(corpus, peer) / dc:.1f}x "
                           f"in CPU time (target {factor}x): {check(p / d >= factor)}")
        floor = t(corpus, f"read+tokenize floor, {jobs} jobs")
        if d and floor:
            out.append(f"- {corpus}: dedup takes {d / floor:.2f}x the read+tokenize floor's wall time, "
                       f"{dc / cpu(corpus, f'read+tokenize floor, {jobs} jobs'):.2f}x its CPU time (target <= 3x): "
                       f"{check(d / floor <= 3)}")
    if "debian-docs" in infos and t("debian-docs", dj):
        mb = infos["debian-docs"]["bytes"] / MB
        rate, per_cpu = mb / t("debian-docs", dj), mb / cpu("debian-docs", dj)
        out.append(f"- debian-docs: {rate:.1f} MB/s with --jobs {jobs} (target >= 25 MB/s on 2 cores): {check(rate >= 25)}; "
                   f"{per_cpu:.1f} MB per CPU-second, so at most {2 * per_cpu:.1f} MB/s if both cores were ours alone")
    small, large = f"news-{NEWS_SIZES[0]}", f"news-{NEWS_SIZES[-1]}"
    if t(small, dj) and t(large, dj):
        data = infos[large]["bytes"] / infos[small]["bytes"]
        ratio = t(large, dj) / t(small, dj)
        out.append(f"- scaling: {data:.1f}x the data in {ratio:.1f}x the wall time, {cpu(large, dj) / cpu(small, dj):.1f}x "
                   f"the CPU time (target <= 12x for 10x): {check(ratio <= 12 * data / 10)}")
    for corpus in infos:
        run = top.get((corpus, dj))
        if run and infos[corpus]["bytes"] >= 150 * MB:
            out.append(f"- {corpus}: peak RSS {run.peak_rss_mb:.0f} MB in the main process, {run.peak_pss_mb:.0f} MB PSS "
                       f"for all processes (target <= 1536 MB): {check(max(run.peak_rss_mb, run.peak_pss_mb) <= 1536)}")
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
    ap.add_argument("--peers-on", nargs="*", help="corpora all peers run on (default: news-20 and news-200 all, "
                    "debian-docs without datasketch)")
    ap.add_argument("--peers", nargs="*", choices=PEER_NAMES, help="only these peers (default: all that --peers-on gives)")
    ap.add_argument("--jobs", type=int, default=2, help="--jobs for dedup and the floor (default 2)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per task; the fastest counts")
    ap.add_argument("--no-readme", action="store_true", help="print the table instead of writing README.md")
    args = ap.parse_args(argv)
    corpora = args.corpora or (["news-20"] if args.quick else [*(f"news-{s}" for s in NEWS_SIZES), "debian-docs"])
    peers_of = DEFAULT_PEERS if args.peers_on is None else {c: PEER_NAMES for c in args.peers_on}
    if args.peers is not None:  # e.g. the fast peers only, for a rerun that must fit in minutes
        peers_of = {c: tuple(p for p in names if p in args.peers) for c, names in peers_of.items()}
    runs, infos = run_all(corpora, peers_of, args.jobs, args.repeat)
    if args.corpora and (OUT / "throughput.json").exists():  # rerun some corpora: keep the others' rows
        old = json.loads((OUT / "throughput.json").read_text())
        runs = [Run(**r) for r in old["runs"] if r["corpus"] not in infos] + runs
        infos = {**{c: i for c, i in old["corpora"].items() if c not in infos}, **infos}
        infos = {c: infos[c] for c in sorted(infos, key=lambda c: (c.startswith("debian"), len(c), c))}
    command = (".venv/bin/python -m benchmarks.throughput " + " ".join(argv if argv is not None else sys.argv[1:])).strip()
    for corpus in set(infos) & set(corpora):  # run now: this command made their rows
        infos[corpus]["command"] = command
    text = table(runs, infos, args.jobs, args.repeat, command)
    OUT.mkdir(exist_ok=True)
    (OUT / "throughput.json").write_text(json.dumps({"runs": [asdict(r) for r in runs], "corpora": infos}, indent=2) + "\n")
    if args.no_readme:
        print(text)
    else:
        write_readme(text)
        print(text)


if __name__ == "__main__":
    main()
