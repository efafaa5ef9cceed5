"""Local engine vs --engine spark (local[2]) on generated news-like corpora, side by side.

    python benchmarks/spark_bench.py                 # 80 MB, writes the table into benchmarks/README.md
    python benchmarks/spark_bench.py --sizes 8 80 --no-readme

For each size it generates (once) a sharded JSONL corpus under benchmarks/data/,
runs both engines in fresh processes, checks that they wrote the same
clusters.jsonl and clean records, and reports wall time, peak memory of the
process tree (driver JVM and Python workers included), and for Spark the
shuffle written and the peak JVM heap, read from Spark's event log.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
OUT = ROOT / "out"
README = ROOT / "README.md"
BEGIN, END = "<!-- spark-bench:begin -->", "<!-- spark-bench:end -->"
SHARD_MB = 5


# --- corpus -------------------------------------------------------------------

def _words(rng: np.random.Generator, n: int) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(2, 10, n)
    return ["".join(rng.choice(letters, k)) for k in lengths]


def generate(folder: Path, size_mb: int, seed: int = 11) -> Path:
    """Zipf-distributed words in sentences and paragraphs; about one article in six
    carries a copied paragraph (exact, edited, or expanded) and one in thirty is a reprint."""
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    vocab = np.array(_words(rng, 30000))
    p = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
    p /= p.sum()
    target, written, shard, n = size_mb << 20, 0, 0, 0
    pool: list[str] = []  # paragraphs to copy from
    stream, at = [], 0  # words drawn in bulk: one weighted draw per sentence is slow

    def draw(k: int) -> list[str]:
        nonlocal stream, at
        if at + k > len(stream):
            stream, at = list(vocab[rng.choice(len(vocab), 1 << 20, p=p)]), 0
        at += k
        return stream[at - k : at]

    out = None
    while written < target:
        if out is None or out.tell() > SHARD_MB << 20:
            if out:
                out.close()
            out = gzip.open(folder / f"shard-{shard:04d}.jsonl.gz", "wt", encoding="utf-8", compresslevel=1)
            shard += 1
        paras = []
        for _ in range(rng.integers(3, 9)):
            sents = []
            for _ in range(rng.integers(2, 6)):
                words = draw(int(rng.integers(8, 25)))
                sents.append(" ".join(words).capitalize() + ".")
            paras.append(" ".join(sents))
        roll = rng.random()
        if pool and roll < 0.03:
            paras = list(pool[rng.integers(len(pool))].split("\n\n"))  # reprint, one word edited
            words = paras[0].split()
            words[len(words) // 2] = "edited"
            paras[0] = " ".join(words)
        elif pool and roll < 0.17:
            copy = pool[rng.integers(len(pool))].split("\n\n")[rng.integers(2)]
            if roll < 0.08:
                copy += " " + paras[0].split(". ")[0] + "."  # expanded copy
            paras.insert(int(rng.integers(len(paras) + 1)), copy)
        text = "\n\n".join(paras)
        if len(pool) < 5000 or rng.random() < 0.01:
            pool.append(text) if len(pool) < 5000 else pool.__setitem__(int(rng.integers(5000)), text)
        line = json.dumps({"id": f"a{n}", "source": "bench", "text": text}) + "\n"
        out.write(line)
        written += len(line)
        n += 1
    out.close()
    done.write_text(f"{n} articles\n")
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


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, int]:
    """(wall seconds, peak resident bytes of the process tree) of a command that must succeed."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0

    def watch() -> None:
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.5)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    _, err = proc.communicate()
    t.join()
    if proc.returncode not in (0, 3):
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode()[-3000:]}")
    return time.perf_counter() - started, peak


SPARK_RUN = """
import json, sys
from pyspark.sql import SparkSession
from dedup import Config
from dedup.engines.spark import LOCAL_CONF, with_python_workers, run
corpus, out, events, memory = sys.argv[1:5]
b = (SparkSession.builder.master("local[2]").appName("dedup-bench").config("spark.ui.enabled", "false")
     .config("spark.driver.memory", memory).config("spark.eventLog.enabled", "true")
     .config("spark.eventLog.dir", events).config("spark.eventLog.compress", "false")
     .config("spark.eventLog.rolling.enabled", "false")
     .config("spark.executor.processTreeMetrics.enabled", "true"))
for k, v in LOCAL_CONF.items():
    b = b.config(k, v)
spark = with_python_workers(b.getOrCreate)
spark.sparkContext.setLogLevel("ERROR")
stats = run([corpus], out, Config(), spark=spark).stats
print(json.dumps(stats["engine"]))
spark.stop()
"""


def spark_metrics(events: Path) -> dict:
    """Shuffle written/read, input bytes, tasks and peak JVM heap / Python RSS from the event log."""
    log = next(p for p in events.rglob("*") if p.is_file())
    m = {"shuffle_write": 0, "shuffle_read": 0, "tasks": 0, "peak_heap": 0, "peak_python_rss": 0, "max_task_shuffle_read": 0}
    for line in log.open():
        e = json.loads(line)
        if e["Event"] == "SparkListenerTaskEnd" and e.get("Task Metrics"):
            tm = e["Task Metrics"]
            m["tasks"] += 1
            m["shuffle_write"] += tm["Shuffle Write Metrics"]["Shuffle Bytes Written"]
            r = tm["Shuffle Read Metrics"]
            read = r["Remote Bytes Read"] + r["Local Bytes Read"]
            m["shuffle_read"] += read
            m["max_task_shuffle_read"] = max(m["max_task_shuffle_read"], read)
        peaks = e.get("Executor Metrics") or {}
        if e["Event"] in ("SparkListenerStageExecutorMetrics", "SparkListenerTaskEnd", "SparkListenerStageCompleted"):
            peaks = e.get("Executor Metrics") or e.get("Task Executor Metrics") or {}
            m["peak_heap"] = max(m["peak_heap"], peaks.get("JVMHeapMemory", 0))
            m["peak_python_rss"] = max(m["peak_python_rss"], peaks.get("ProcessTreePythonRSSMemory", 0))
    return m


def _clean_bytes_local(out: Path) -> bytes:
    return b"".join(gzip.decompress(p.read_bytes()) for p in sorted(out.glob("*.jsonl.gz")))


def _clean_bytes_spark(out: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((out / "clean").glob("part-*.jsonl")))


def bench(size_mb: int, memory: str) -> dict:
    corpus = generate(DATA / f"spark_{size_mb}mb", size_mb)
    raw = sum(len(gzip.decompress(p.read_bytes())) for p in corpus.glob("*.jsonl.gz"))
    local_out, spark_out = OUT / f"local_{size_mb}mb", OUT / f"spark_{size_mb}mb"
    for o in (local_out, spark_out):
        shutil.rmtree(o, ignore_errors=True)
    dedup = [sys.executable, "-m", "dedup", "scan", str(corpus), "--quiet"]
    local_s, local_rss = timed([*dedup, "--out", str(local_out)])
    with tempfile.TemporaryDirectory() as events:
        spark_s, spark_rss = timed([sys.executable, "-c", SPARK_RUN, str(corpus), str(spark_out), events, memory])
        metrics = spark_metrics(Path(events))
    same = (spark_out / "clusters.jsonl").read_bytes() == (local_out / "clusters.jsonl").read_bytes() and \
        _clean_bytes_spark(spark_out) == _clean_bytes_local(local_out)
    shards = len(list(corpus.glob("*.jsonl.gz")))
    return {"size_mb": round(raw / 2**20), "shards": shards, "local_s": local_s, "local_rss": local_rss,
            "spark_s": spark_s, "spark_rss": spark_rss, "same": same, **metrics}


def table(rows: list[dict]) -> str:
    mb = lambda b: f"{b / 2**20:,.0f} MB"  # noqa: E731
    lines = [
        "| corpus | input files | local engine | Spark local[2] | Spark / local | peak RSS local | peak RSS Spark (JVM + workers) | shuffle written | largest task shuffle read | peak JVM heap | tasks | same output |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size_mb']} MB | {r['shards']} | {r['local_s']:.0f} s | {r['spark_s']:.0f} s | {r['spark_s'] / r['local_s']:.1f}x "
            f"| {mb(r['local_rss'])} | {mb(r['spark_rss'])} | {mb(r['shuffle_write'])} | {mb(r['max_task_shuffle_read'])} "
            f"| {mb(r['peak_heap'])} | {r['tasks']} | {'yes' if r['same'] else 'NO'} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[80], help="corpus sizes in MB of JSONL")
    ap.add_argument("--driver-memory", default="6g", help="Spark driver (= executor in local mode) heap")
    ap.add_argument("--no-readme", action="store_true", help="print the table only")
    args = ap.parse_args()
    rows = []
    for size in args.sizes:
        rows.append(bench(size, args.driver_memory))
        print(json.dumps(rows[-1]), flush=True)
    text = table(rows)
    print(text)
    if not args.no_readme:
        cmd = "python benchmarks/spark_bench.py --sizes " + " ".join(map(str, args.sizes))
        block = f"{BEGIN}\n`{cmd}` ({time.strftime('%Y-%m-%d')}, 2 cores shared with other jobs):\n\n{text}\n{END}"
        readme = README.read_text() if README.exists() else "# Benchmarks\n"
        if BEGIN in readme:
            readme = readme[: readme.index(BEGIN)] + block + readme[readme.index(END) + len(END) :]
        else:
            readme += "\n## Spark engine\n\n" + block + "\n"
        README.write_text(readme)


if __name__ == "__main__":
    main()
