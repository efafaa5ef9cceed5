"""Parquet in bounded memory: a ~1 GB Parquet file scanned beside the same rows as JSONL.

    .venv/bin/python -m benchmarks.parquet_memory              # news-1000: ~1 GB
    .venv/bin/python -m benchmarks.parquet_memory --mb 200     # smaller, faster

Builds (or reuses) the news corpus of that size (benchmarks/corpora.py: news-like
articles with planted copies, one JSONL record per article: id, outlet, text),
writes the same rows as Parquet (row groups of about --group-mb of text, pyarrow's
default compression), runs `dedup scan FILE --out DIR -q` on each in a process of
its own, and reports wall time and peak RSS (throughput.measure: wait4's exact
figure for the scanning process). A second pair of runs only reads each file
(dedup's readers, every document parsed and let go), which shows what reading itself
holds: a JSONL file's bytes whole, a Parquet file one row group at a time. Then
checks, streaming both outputs, that every
clean text of the Parquet copy equals the JSONL run's, row for row, and that the
two clusters.jsonl are the same but for the source's name. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from .corpora import DATA, ensure
from .throughput import measure

MB = 1_000_000
# Parse every document of a file with dedup's readers and keep none.
READ_ONLY = (
    "import sys; from dedup.io.readers import DocumentStream, discover; "
    "print(sum(1 for _ in DocumentStream(discover(sys.argv[1:]))))"
)


def to_parquet(jsonl: Path, target: Path, group_mb: float) -> dict:
    """The JSONL corpus's rows as Parquet, a row group at a time (never the whole file)."""
    schema = pa.schema([("id", pa.string()), ("outlet", pa.string()), ("text", pa.string())])
    tmp = target.with_suffix(".tmp")
    rows = groups = 0
    with open(jsonl, "rb") as f, pq.ParquetWriter(tmp, schema) as writer:
        cols: dict[str, list] = {n: [] for n in schema.names}
        size = 0

        def flush() -> None:
            nonlocal size, groups
            if cols["id"]:
                writer.write_table(pa.table(cols, schema=schema), row_group_size=len(cols["id"]))
                groups += 1
                for c in cols.values():
                    c.clear()
                size = 0

        for line in f:
            rec = orjson.loads(line)
            for n in schema.names:
                cols[n].append(rec[n])
            size += len(rec["text"])
            rows += 1
            if size >= group_mb * MB:
                flush()
        flush()
    os.replace(tmp, target)
    return {"rows": rows, "row_groups": groups}


def same_clean_text(parquet_out: Path, jsonl_out: Path) -> int:
    """Rows compared; raises SystemExit at the first clean text that differs."""
    n = 0
    with open(jsonl_out, "rb") as j:
        for batch in pq.ParquetFile(parquet_out).iter_batches(batch_size=2048, columns=["text"]):
            for text in batch.column(0).to_pylist():
                want = orjson.loads(j.readline())["text"]
                n += 1
                if text != want:
                    raise SystemExit(f"row {n}: the Parquet run's clean text differs from the JSONL run's")
        if j.readline():
            raise SystemExit(f"the JSONL run has more than the Parquet run's {n} rows")
    return n


def same_clusters(a: Path, b: Path, name_a: str, name_b: str) -> int:
    """Lines compared; clusters.jsonl of the two runs, equal once the source names are."""
    n = 0
    with open(a, "rb") as fa, open(b, "rb") as fb:
        for la, lb in zip(fa, fb, strict=True):
            n += 1
            if la.replace(f'"source": "{name_a}"'.encode(), f'"source": "{name_b}"'.encode()) != lb:
                raise SystemExit(f"clusters.jsonl line {n} differs")
    return n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=1000, help="corpus size in MB (news-<MB>)")
    ap.add_argument("--group-mb", type=float, default=64, help="text per Parquet row group, MB")
    ap.add_argument("--keep", action="store_true", help="keep the outputs under benchmarks/data/")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    jsonl, info = ensure(f"news-{args.mb}")
    parquet = DATA / f"news-{args.mb}.parquet"
    if not parquet.exists() or parquet.stat().st_mtime < jsonl.stat().st_mtime:
        layout = to_parquet(jsonl, parquet, args.group_mb)
    else:
        meta = pq.ParquetFile(parquet).metadata
        layout = {"rows": meta.num_rows, "row_groups": meta.num_row_groups}
    print(f"corpus ready in {time.perf_counter() - t0:.0f} s: {info['records']} articles", file=sys.stderr)
    reads = {kind: measure([sys.executable, "-c", READ_ONLY, str(src)], src.name, f"read {kind}")
             for kind, src in (("JSONL", jsonl), ("Parquet", parquet))}
    runs = {}
    for kind, src in (("JSONL", jsonl), ("Parquet", parquet)):
        out = DATA / f"out-{kind.lower()}-{args.mb}"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, "-m", "dedup", "scan", str(src), "--out", str(out), "-q"]
        runs[kind] = (measure(cmd, src.name, kind), out, src)
    (_, pout, psrc), (_, jout, jsrc) = runs["Parquet"], runs["JSONL"]
    rows = same_clean_text(pout / psrc.name, jout / jsrc.name)
    lines = same_clusters(pout / "clusters.jsonl", jout / "clusters.jsonl", psrc.name, jsrc.name)
    command = " ".join(["python -m benchmarks.parquet_memory", *(argv if argv is not None else sys.argv[1:])])
    print(f"\n`{command}`: {layout['rows']:,} articles; Parquet in "
          f"{layout['row_groups']} row groups of about {args.group_mb:g} MB of text\n")
    print("| input | file MB | scan: wall s | scan: peak RSS MB | read only: wall s | read only: peak RSS MB | clean text |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for kind, (run, out, src) in runs.items():
        same = "reference" if kind == "JSONL" else f"same ({rows:,} rows; clusters.jsonl: {lines:,} lines, same)"
        print(f"| {kind} | {src.stat().st_size / MB:,.0f} | {run.seconds:.1f} | {run.peak_rss_mb:,.0f} "
              f"| {reads[kind].seconds:.1f} | {reads[kind].peak_rss_mb:,.0f} | {same} |")
    if not args.keep:
        for _, out, _ in runs.values():
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
