"""Local engine vs `dedup scan --engine spark` (default settings) on the same JSONL shards.

    python -m benchmarks.spark_bench                        # 100, 300 and 1000 MB; rewrites the README block
    python -m benchmarks.spark_bench --sizes 100 --no-readme

The corpus is news-1000 (benchmarks/corpora.py) cut into shards of ~100 MB; a
size of N MB is its first N/100 shards. Each engine runs as the `dedup` command in
a fresh child process, one after the other; the outputs are compared byte for
byte (clusters.jsonl, and the clean records concatenated in order). Reported:
wall time; CPU seconds of the whole process tree (Spark's JVM and its Python
workers included: this process is their subreaper and reaps every one, so
getrusage counts them all); peak resident memory of the tree; and, from Spark's
event log, the shuffle written and the time of each step of the engine.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks import corpora

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
OUT = ROOT / "out"
README = ROOT / "README.md"
BEGIN, END = "<!-- spark-bench:begin -->", "<!-- spark-bench:end -->"
FULL_MB = 1000
SHARD_MB = 100
PR_SET_CHILD_SUBREAPER = 36


# --- corpus -------------------------------------------------------------------

def shards() -> list[Path]:
    """news-1000 (benchmarks/corpora.py, built once) cut at line ends into files of ~SHARD_MB."""
    folder = DATA / f"news-{FULL_MB}-shards"
    done = folder / ".complete"
    if not done.exists():
        source, _ = corpora.ensure(f"news-{FULL_MB}")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        out, n = None, 0
        with open(source, "rb") as f:
            for line in f:
                if out is None or out.tell() >= SHARD_MB * corpora.MB:
                    if out:
                        out.close()
                    out = open(folder / f"shard-{n:02d}.jsonl", "wb")
                    n += 1
                out.write(line)
        out.close()
        done.write_text(f"{n} shards\n")
    return sorted(folder.glob("shard-*.jsonl"))


def corpus(size_mb: int) -> Path:
    """A folder holding the first size_mb / SHARD_MB shards (hard links: no copy)."""
    if size_mb % SHARD_MB or not SHARD_MB <= size_mb <= FULL_MB:
        raise SystemExit(f"sizes are multiples of {SHARD_MB} MB up to {FULL_MB}, got {size_mb}")
    folder = DATA / f"spark-news-{size_mb}"
    if not folder.exists():
        tmp = folder.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for shard in shards()[: size_mb // SHARD_MB]:
            os.link(shard, tmp / shard.name)
        tmp.rename(folder)
    return folder


# --- measuring -----------------------------------------------------------------

def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants."""
    kids: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            kids.setdefault(int(fields[1]), []).append(int(p))
            rss[int(p)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += kids.get(pid, [])
    return total


def _reap_orphans(timeout: float = 120.0) -> float:
    """Wait for descendants that outlived their parent (reparented to this subreaper, e.g.
    Spark's JVM finishing its shutdown); their CPU seconds."""
    cpu, deadline = 0.0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.2)
            continue
        cpu += ru.ru_utime + ru.ru_stime
    return cpu


def timed(cmd: list[str], env: dict | None = None) -> dict:
    """Wall seconds, CPU seconds (all descendants) and peak tree RSS of a command that must succeed.

    wait4 gives the child's CPU with that of every descendant it reaped; descendants
    orphaned on the way are reparented here (subreaper) and reaped too."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        pid = os.posix_spawn(cmd[0], cmd, {**os.environ, **(env or {})},
                             file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                           (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
        peak, stop = 0, threading.Event()

        def watch() -> None:
            nonlocal peak
            while not stop.wait(0.5):
                peak = max(peak, _tree_rss(pid))

        t = threading.Thread(target=watch, daemon=True)
        t.start()
        _, status, ru = os.wait4(pid, 0)  # not Popen: its poll() would reap the child and lose the rusage
        wall = time.perf_counter() - started
        stop.set()
        t.join()
        cpu = ru.ru_utime + ru.ru_stime + _reap_orphans()
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 3):  # 3: duplicates found
            err.seek(0)
            raise SystemExit(f"failed ({code}): {' '.join(cmd)}\n{err.read().decode(errors='replace')[-3000:]}")
    return {"wall": wall, "cpu": cpu, "rss": peak}


def _events(folder: Path) -> list[dict]:
    return [json.loads(line) for p in sorted(folder.rglob("*")) if p.is_file() for line in p.open()]


def spark_metrics(events: Path) -> dict:
    """Shuffle written, tasks, and per engine step (the job descriptions `dedup: <step>`):
    wall seconds from its first stage's submission to its last stage's end, task seconds
    (executor run time, Python included) and shuffle bytes written."""
    job_step, stage_job, steps = {}, {}, {}
    m = {"shuffle_write": 0, "tasks": 0, "steps": steps}
    for e in _events(events):
        kind = e["Event"]
        if kind == "SparkListenerJobStart":
            step = (e.get("Properties") or {}).get("spark.job.description", "other").removeprefix("dedup: ")
            job_step[e["Job ID"]] = step
            for s in e["Stage Infos"]:
                stage_job[s["Stage ID"]] = e["Job ID"]
        elif kind == "SparkListenerTaskEnd" and e.get("Task Metrics"):
            tm, step = e["Task Metrics"], job_step.get(stage_job.get(e["Stage ID"]), "other")
            st = steps.setdefault(step, {"start": None, "end": None, "task_s": 0.0, "shuffle_write": 0})
            written = tm["Shuffle Write Metrics"]["Shuffle Bytes Written"]
            st["task_s"] += tm["Executor Run Time"] / 1000
            st["shuffle_write"] += written
            m["shuffle_write"] += written
            m["tasks"] += 1
        elif kind == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            step = job_step.get(stage_job.get(info["Stage ID"]), "other")
            st = steps.setdefault(step, {"start": None, "end": None, "task_s": 0.0, "shuffle_write": 0})
            if info.get("Submission Time") is not None:
                st["start"] = min(filter(None, (st["start"], info["Submission Time"])))
                st["end"] = max(st["end"] or 0, info["Completion Time"])
    for st in steps.values():
        st["wall"] = ((st.pop("end") or 0) - (st.pop("start") or 0)) / 1000
    return m


def _clean_bytes(out: Path, spark: bool) -> bytes:
    files = sorted((out / "clean").glob("part-*.jsonl")) if spark else sorted(out.glob("*.jsonl"))
    return b"".join(p.read_bytes() for p in files if p.name != "clusters.jsonl")


def bench(size_mb: int, driver_memory: str | None) -> dict:
    folder = corpus(size_mb)
    raw = sum(p.stat().st_size for p in folder.glob("*.jsonl"))
    local_out, spark_out = OUT / f"local_{size_mb}mb", OUT / f"spark_{size_mb}mb"
    for o in (local_out, spark_out):
        shutil.rmtree(o, ignore_errors=True)
    dedup = [sys.executable, "-m", "dedup", "scan", str(folder), "--quiet"]
    local = timed([*dedup, "--out", str(local_out)])
    print(f"{size_mb} MB local: {json.dumps(local)}", file=sys.stderr, flush=True)
    # The event log only observes; SPARK_DRIVER_MEMORY is read by Spark's launcher (a
    # --conf spark.driver.memory comes after the JVM has started, too late in local mode).
    env = {"SPARK_DRIVER_MEMORY": driver_memory} if driver_memory else {}
    with tempfile.TemporaryDirectory() as events:
        logging = ["--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir={events}",
                   "--conf", "spark.eventLog.compress=false", "--conf", "spark.eventLog.rolling.enabled=false"]
        spark = timed([*dedup, "--engine", "spark", "--out", str(spark_out), *logging], env)
        metrics = spark_metrics(Path(events))
    same = (spark_out / "clusters.jsonl").read_bytes() == (local_out / "clusters.jsonl").read_bytes() and \
        _clean_bytes(spark_out, True) == _clean_bytes(local_out, False)
    return {"size_mb": round(raw / corpora.MB), "bytes": raw, "shards": len(list(folder.glob("*.jsonl"))),
            "local": local, "spark": spark, "same": same, **metrics}


def table(rows: list[dict]) -> str:
    mb = lambda b: f"{b / corpora.MB:,.0f} MB"  # noqa: E731
    per = lambda s, r: f"{s / (r['bytes'] / corpora.MB):.2f}"  # noqa: E731  seconds per MB
    lines = [
        "| corpus | local: wall s | local: CPU s | Spark: wall s | Spark: CPU s | Spark / local CPU | "
        "CPU s per MB local / Spark | wall s per MB local / Spark | peak RSS local / Spark | shuffle written | same output |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lo, sp = r["local"], r["spark"]
        lines.append(
            f"| {r['size_mb']} MB ({r['shards']} file{'s' if r['shards'] > 1 else ''}) | {lo['wall']:.0f} | {lo['cpu']:.0f} | {sp['wall']:.0f} | {sp['cpu']:.0f} "
            f"| {sp['cpu'] / lo['cpu']:.1f}x | {per(lo['cpu'], r)} / {per(sp['cpu'], r)} | {per(lo['wall'], r)} / {per(sp['wall'], r)} "
            f"| {mb(lo['rss'])} / {mb(sp['rss'])} | {mb(r['shuffle_write'])} | {'yes' if r['same'] else 'NO'} |"
        )
    return "\n".join(lines)


def step_table(row: dict) -> str:
    """The Spark run's steps in order of their start, for one corpus."""
    lines = [f"Spark steps at {row['size_mb']} MB (event log; task seconds include the Python workers' time):", "",
             "| step | wall s | task s | shuffle written |", "|---|---:|---:|---:|"]
    for name, st in row["steps"].items():
        lines.append(f"| {name} | {st['wall']:.1f} | {st['task_s']:.1f} | {st['shuffle_write'] / corpora.MB:,.0f} MB |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000], help="corpus sizes in MB of JSONL (multiples of 100)")
    ap.add_argument("--driver-memory", help="Spark driver heap (SPARK_DRIVER_MEMORY; default: Spark's, 1g)")
    ap.add_argument("--no-readme", action="store_true", help="print the tables only")
    args = ap.parse_args()
    rows = []
    for size in args.sizes:
        rows.append(bench(size, args.driver_memory))
        print(json.dumps(rows[-1]), flush=True)
    text = table(rows) + "\n\n" + step_table(rows[-1])
    print(text)
    if not args.no_readme:
        cmd = "python -m benchmarks.spark_bench --sizes " + " ".join(map(str, args.sizes))
        if args.driver_memory:
            cmd += f" --driver-memory {args.driver_memory}"
        block = f"{BEGIN}\n`{cmd}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, 2 cores shared with other jobs):\n\n{text}\n{END}"
        readme = README.read_text()
        readme = readme[: readme.index(BEGIN)] + block + readme[readme.index(END) + len(END) :]
        README.write_text(readme)


if __name__ == "__main__":
    main()
