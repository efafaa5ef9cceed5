"""Incremental index speed: time per 1,000 spans to query and to add, at growing index sizes.

    .venv/bin/python benchmarks/index_bench.py                      # 10^4, 10^5, 10^6 spans
    .venv/bin/python benchmarks/index_bench.py --sizes 1e4,1e5 --no-readme

Fills an SQLite index and a Redis index (a private redis-server on a free port)
side by side with synthetic paragraphs, and at each size measures, for a batch
of 1,000 spans of which half are edited copies of indexed spans:

- query: looking up candidates (set keys, band keys, anchors) and fetching them;
- add: storing 1,000 new kept spans (one transaction);
- scan: `scan_incremental` end to end (shingle, sketch, query, verify, decide, add);

and the bytes per span (SQLite: file + WAL; Redis: server used_memory growth).
The table goes into benchmarks/README.md, section "Incremental index".
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dedup import Config, Document  # noqa: E402
from dedup.index import open_index, scan_incremental  # noqa: E402
from dedup.index.base import Entries  # noqa: E402
from dedup.index.incremental import find_candidates, sketch_batch  # noqa: E402
from dedup.pipeline import map_stage  # noqa: E402
from dedup.records import IndexedSpan  # noqa: E402
from dedup.stages.mapping import shingle_documents  # noqa: E402

FILL_CHUNK = 20_000
BATCH = 1_000
REPEATS = 3


def _vocabulary(n: int = 30_000) -> np.ndarray:
    rnd = np.random.default_rng(1)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = {"".join(rnd.choice(letters, rnd.integers(3, 10))) for _ in range(n * 2)}
    return np.array(sorted(words)[:n])


VOCAB = _vocabulary()


def paragraph(i: int) -> str:
    """Paragraph number i, the same on every call: 40-90 words of news-like length."""
    rnd = np.random.default_rng(i + 10_000_000)
    words = VOCAB[rnd.zipf(1.2, rnd.integers(40, 91)) % len(VOCAB)]
    return " ".join(words).capitalize() + "."


def edited(text: str, seed: int) -> str:
    words = text.split(" ")
    rnd = np.random.default_rng(seed)
    for k in rnd.choice(len(words), 2, replace=False):
        words[k] = VOCAB[rnd.integers(len(VOCAB))]
    return " ".join(words)


def entries_for(first: int, count: int, config: Config) -> Entries:
    """Entries for paragraphs first..first+count, as a batch of kept spans would store them."""
    from dedup.stages.units import set_keys

    docs = [Document(f"fill-{i}", paragraph(i)) for i in range(first, first + count)]
    sh = shingle_documents(docs, config)
    refs = [IndexedSpan(d.id, "", None, 0, 0, len(d.text), d.text) for d in docs]
    keep = np.flatnonzero(sh.eligible)
    assert len(keep) == count
    return Entries(refs, sh.values, sh.offsets, np.array(set_keys(sh.values, sh.offsets), dtype=np.uint64))


def fill(stores: dict, start: int, stop: int, config: Config) -> dict[str, float]:
    """Add paragraphs start..stop to every store, in transactions of FILL_CHUNK spans."""
    seconds = dict.fromkeys(stores, 0.0)
    for first in range(start, stop, FILL_CHUNK):
        count = min(FILL_CHUNK, stop - first)
        entries = entries_for(first, count, config)
        for name, store in stores.items():
            began = time.perf_counter()
            with store.transaction(f"fill-{first}") as txn:
                txn.add(entries, count)
            seconds[name] += time.perf_counter() - began
    return seconds


def batch_docs(size: int, rep: int, fresh_from: int) -> list[Document]:
    """250 articles of 4 spans: half edited copies of indexed paragraphs, half new."""
    rnd = np.random.default_rng(rep)
    texts = []
    for k in range(BATCH):
        if k % 2:
            texts.append(edited(paragraph(int(rnd.integers(size))), rep * BATCH + k))
        else:
            texts.append(paragraph(fresh_from + rep * BATCH + k))
    return [Document(f"b{rep}-{j}", "\n\n".join(texts[j : j + 4])) for j in range(0, BATCH, 4)]


def add_rounds(size: int) -> int:
    """Batches to add so that SQLite merges its new postings at least once among them
    (it does once about sqrt(size * BATCH) spans have gathered): the mean is amortised."""
    return max(REPEATS, min(40, math.ceil(math.sqrt(size * BATCH) / BATCH) + 1))


def measure(store, size: int, config: Config) -> dict[str, float]:
    query, add, full = [], [], []
    for rep in range(REPEATS):
        docs = batch_docs(size, rep, fresh_from=50_000_000 + size * 10)
        b = sketch_batch(map_stage(docs, config, None, 1, None), config)
        with store.transaction(f"query-{size}-{rep}") as txn:  # read only: commits nothing
            began = time.perf_counter()
            known = txn.fetch(find_candidates(txn, b, config))
            query.append(time.perf_counter() - began)
        assert len(known) >= BATCH // 2 * 0.9, f"only {len(known)} indexed copies found"
    for rep in range(add_rounds(size)):
        new = entries_for(60_000_000 + size * 10 + rep * BATCH, BATCH, config)
        with store.transaction(f"add-{size}-{rep}") as txn:
            began = time.perf_counter()
            txn.add(new, BATCH)
        add.append(time.perf_counter() - began)  # includes the commit
    for rep in range(REPEATS):
        docs = batch_docs(size, rep + 100, fresh_from=70_000_000 + size * 10)
        began = time.perf_counter()
        result = scan_incremental(docs, store)
        full.append(time.perf_counter() - began)
        assert result.stats["index"]["dropped_against_index"] >= BATCH // 2 * 0.9
    return {
        "query": statistics.median(query), "add": statistics.mean(add), "add_max": max(add), "add_n": len(add),
        "scan": statistics.median(full),
    }


def sqlite_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run(sizes: list[int], backends: list[str]) -> list[dict]:
    config = Config()
    rows = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("DEDUP_BENCH_DIR")) as tmp:
        stores = {}
        server = None
        if "sqlite" in backends:
            stores["sqlite"] = open_index(str(Path(tmp) / "bench.db"), config)
        if "redis" in backends:
            from index_support import RedisServer

            server = RedisServer()
            url = server.__enter__()
            import redis

            base_memory = int(redis.Redis.from_url(url).info("memory")["used_memory"])
            stores["redis"] = open_index(url, config)
        try:
            filled = 0
            for size in sizes:
                seconds = fill(stores, filled, size, config)
                print(f"filled to {size:,} spans, seconds adding: {seconds}", file=sys.stderr, flush=True)
                bulk = {name: seconds[name] * 1000 * 1000 / (size - filled) for name in stores}  # ms per 1,000
                filled = size
                for name, store in stores.items():
                    spans = store.stats()["spans"]
                    if name == "sqlite":
                        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as after the last process closes it
                        per_span = sqlite_bytes(Path(tmp) / "bench.db") / spans
                    else:
                        per_span = (store.stats()["server_used_memory"] - base_memory) / spans
                    t = measure(store, size, config)
                    ms = {k: v * 1000 * 1000 / BATCH for k, v in t.items() if k != "add_n"}  # ms per 1,000 spans
                    row = {"backend": name, "size": size, "bytes_per_span": per_span, "add_n": t["add_n"], "bulk": bulk[name], **ms}
                    rows.append(row)
                    print(row, file=sys.stderr, flush=True)
        finally:
            for store in stores.values():
                store.close()
            if server is not None:
                server.__exit__(None, None, None)
    return rows


def table(rows: list[dict], command: str) -> str:
    lines = [
        f"Command: `{command}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "other jobs shared the machine, so compare rows side by side.",
        "Milliseconds per 1,000 spans, in batches of 1,000 spans (half of them edited copies of indexed spans).",
        "*query*: candidate lookup (set key, 32 band keys, anchors) and fetching the matches (median of 3);",
        "*add*: storing 1,000 kept spans in one transaction, commit included: mean over enough batches that",
        "SQLite merged its new postings into the main tables at least once (amortised), and the slowest batch",
        "(a merge, for SQLite);",
        "*scan*: `scan_incremental` end to end (shingle, sketch, query, verify, decide, add; median of 3).",
        "*bulk add*: filling the index up to that size, in transactions of 20,000 spans.",
        "Size: SQLite file per span (WAL checkpointed); Redis: growth of the server's used_memory per span.",
        "Data: synthetic paragraphs of 40-90 words drawn from a Zipf-distributed vocabulary of 30,000 words.",
        "Random word sequences repeat their common words' n-grams far more than real prose does, so many",
        "anchors are shared by hundreds of spans: a pessimistic case for the anchor lookups.",
        "",
        "| index size (spans) | backend | query ms / 1k | add ms / 1k (mean of n) | slowest add | scan ms / 1k "
        "| bulk add ms / 1k | bytes / span |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['backend']} | {r['query']:.0f} | {r['add']:.0f} ({r['add_n']}) | {r['add_max']:.0f} "
            f"| {r['scan']:.0f} | {r['bulk']:.0f} | {r['bytes_per_span']:,.0f} |"
        )
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- index-bench:begin -->", "<!-- index-bench:end -->"


def write_readme(section: str) -> None:
    """Replace the table between its markers in benchmarks/README.md (else add it at the
    end of section "Incremental index"), leaving the rest of the section alone."""
    path = ROOT / "benchmarks" / "README.md"
    text = path.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{section}{END}\n"
    if BEGIN in text:
        start, end = text.index(BEGIN), text.index(END) + len(END) + 1
        text = text[:start] + block + text[end:]
    else:
        at = text.index("\n## ", text.index("## Incremental index")) + 1
        text = text[:at] + block + "\n" + text[at:]
    path.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e4,1e5,1e6", help="index sizes in spans, comma-separated, ascending")
    ap.add_argument("--backends", default="sqlite,redis")
    ap.add_argument("--no-readme", action="store_true", help="print the table only")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: stop redis-server
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    rows = run(sizes, args.backends.split(","))
    command = "python benchmarks/index_bench.py" + ("" if args.sizes == "1e4,1e5,1e6" else f" --sizes {args.sizes}")
    if args.backends != "sqlite,redis":
        command += f" --backends {args.backends}"
    section = table(rows, command)
    print(section)
    if not args.no_readme:
        write_readme(section)


if __name__ == "__main__":
    main()
