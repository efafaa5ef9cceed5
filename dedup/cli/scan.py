"""`dedup scan`: parse options, build a Config, call the library, write."""

from __future__ import annotations

import time
from contextlib import ExitStack
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from ..config import Config
from ..errors import ConfigError, DedupError
from ..io.readers import ReadOptions, Skipped, parse_size
from ..io.staging import atomic_write
from ..io.writers import stats_bytes
from ..run import scan_paths
from .common import EXIT_INTERRUPTED, EXIT_OK, EXIT_SKIPPED, Format, Keep, Segment, err, failed, progress, say, warn_skipped


class Engine(str, Enum):
    local = "local"
    spark = "spark"


class OutFormat(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"


def _summary(stats: dict, skipped: list[Skipped], seconds: float) -> None:
    table = Table(title="dedup scan", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("articles", stats["documents"]),
        ("spans", stats["spans"]),
        ("clusters", stats["clusters"]),
        ("spans dropped", stats["dropped_spans"]),
        ("duplicate ratio", f"{stats['duplicate_ratio']:.1%}"),
        ("duplicate articles", stats["duplicate_documents"]),
        ("LSH false positives", stats["candidates"]["false_positives"]),
        ("inputs skipped", len(skipped)),
        ("time", f"{seconds:.2f} s"),
    ]
    if "index" in stats:
        ix = stats["index"]
        rows[-1:-1] = [
            ("dropped against index", ix["dropped_against_index"]),
            ("added to index", f"{ix['added_spans']} (batch {ix['batch']}{', seen before' if ix['rerun'] else ''})"),
        ]
    for name, value in rows:
        table.add_row(name, str(value))
    err.print(table)


EPILOG = (
        "Examples:\n\n"
        "  dedup scan samples/ --out cleaned/\n\n"
        "  dedup scan 'crawl/**/*.jsonl.gz' --text-field body --out clean/ --stats stats.json\n\n"
        "  cat articles.jsonl | dedup scan - --out - > clean.jsonl\n\n"
        "  dedup scan today/ --index archive.db --out cleaned/"
)


def scan(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (recursive), globs, or - for standard input.", show_default=False)],
    out: Annotated[str, typer.Option("--out", "-o", help="Folder for clean articles and clusters.jsonl, or - for clean JSONL on stdout.")],
    clusters: Annotated[Optional[Path], typer.Option(help="With --out -: also write clusters.jsonl here.")] = None,
    stats: Annotated[Optional[Path], typer.Option(help="Write JSON stats (counts, parameters, fingerprint) to this file.")] = None,
    report: Annotated[Optional[Path], typer.Option(help="Write a self-contained HTML report (clusters side by side, borderline pairs) to this file.")] = None,
    text_field: Annotated[str, typer.Option(help="JSONL field holding the article text.")] = "text",
    id_field: Annotated[str, typer.Option(help="JSONL field holding the article id (missing: file:line).")] = "id",
    input_format: Annotated[Format, typer.Option("--format", help="Input format; auto: by extension (.jsonl, .jsonl.gz), sniffed for stdin.")] = Format.auto,
    skip_bad_records: Annotated[bool, typer.Option("--skip-bad-records", help="Skip (and count) JSONL lines that are not valid records instead of stopping.")] = False,
    keep: Annotated[Keep, typer.Option(help="Which of near-equal copies to keep: first in input order, or longest.")] = Keep.first,
    threshold: Annotated[float, typer.Option(help="Drop a span when at least this share of its shingles lies in a kept span (containment).")] = Config.containment,
    ngram: Annotated[int, typer.Option(help="Words per shingle.")] = Config.ngram,
    min_tokens: Annotated[int, typer.Option(help="Spans with fewer words are never dropped (bylines, headers).")] = Config.min_tokens,
    lsh_threshold: Annotated[float, typer.Option(help="Jaccard level the LSH bands are tuned for (proposals only; verification decides).")] = Config.lsh_threshold,
    num_perm: Annotated[int, typer.Option(help="MinHash permutations.")] = Config.num_perm,
    bands: Annotated[Optional[int], typer.Option(help="LSH bands (with --rows); default: derived from --lsh-threshold.")] = None,
    rows: Annotated[Optional[int], typer.Option(help="Rows per LSH band (with --bands).")] = None,
    anchor_rate: Annotated[int, typer.Option(help="Index one shingle in N exactly, to find short spans inside long ones.")] = Config.anchor_rate,
    segment: Annotated[Segment, typer.Option(help="Paragraphs: blank-line blocks, single lines, or auto (a line over 100 characters is a paragraph of its own, shorter lines run together).")] = Segment.auto,
    seed: Annotated[int, typer.Option(help="MinHash seed.")] = Config.seed,
    sentences: Annotated[bool, typer.Option("--sentences/--whole-spans", help="Also drop copied sentence runs inside paragraphs that stay, keep a paragraph's own sentence, and never take a filled-in template (lines differing in numbers and identifiers) for a copy; --whole-spans: whole paragraphs by containment only.")] = Config.sentences,
    omit_duplicate_docs: Annotated[bool, typer.Option("--omit-duplicate-docs", help="Leave out articles all of whose judged spans were dropped (default: write what is left of them).")] = False,
    max_input_size: Annotated[str, typer.Option(help="Skip an input larger than this after decompression (K, M, G suffixes); guards against gzip bombs.")] = "4G",
    index: Annotated[Optional[str], typer.Option(help="Also clean against this index of earlier batches (SQLite file or redis://host:port/db), then add this batch's kept spans to it. Created when missing.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Workers for segmenting and shingling (threads; processes without numba or with character shingles) and threads for sketching and verifying (0: all cores). The output does not depend on it.")] = 0,
    spill: Annotated[Optional[Path], typer.Option(help="Keep the distinct shingle sets in numpy files in this folder instead of memory (for corpora near the memory limit); removed afterwards.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
    engine: Annotated[Engine, typer.Option(help="local: this process; spark: Apache Spark (pip install 'dedup[spark]'), clean records as part files under --out/clean/.")] = Engine.local,
    spark_master: Annotated[Optional[str], typer.Option(help="With --engine spark: the Spark master URL (default: spark-submit's or spark-defaults', else local[*]); the same as --conf spark.master=URL.")] = None,
    conf: Annotated[Optional[list[str]], typer.Option("--conf", help="With --engine spark: a Spark setting key=value for the session (repeatable), as spark-submit's --conf.")] = None,
    checkpoint_dir: Annotated[Optional[str], typer.Option(help="With --engine spark: folder or URI every executor reaches for checkpoints (default: a temporary folder beside --out, removed afterwards).")] = None,
    out_format: Annotated[OutFormat, typer.Option(help="With --engine spark: clean part files as JSONL or Parquet.")] = OutFormat.jsonl,
) -> None:
    """Scan articles for near-duplicate paragraphs; write clean articles and clusters.

    Each paragraph is shingled into word n-grams; MinHash LSH and exact anchor
    shingles propose pairs, and each pair is verified on its real shingle sets.
    A paragraph is dropped when a kept paragraph contains at least --threshold of
    it; the fuller copy is kept. Inside paragraphs that stay, runs of two or more
    sentences that kept text already holds are dropped. Kept text is written byte
    for byte.
    """
    started = time.perf_counter()
    skipped: list[Skipped] = []
    try:
        config = Config(
            ngram=ngram, containment=threshold, min_tokens=min_tokens, lsh_threshold=lsh_threshold,
            num_perm=num_perm, bands=bands, rows=rows, anchor_rate=anchor_rate, keep=keep.value,
            segment=segment.value, seed=seed, sentences=sentences,
        )
        opts = ReadOptions(text_field, id_field, input_format.value, skip_bad_records, parse_size(max_input_size))
        if engine is Engine.spark:
            _refuse_local_only(sentences=config.sentences, index=index, report=report, clusters=clusters, jobs=jobs, spill=spill)
            from ..engines.spark_env import parse_confs

            confs = parse_confs(conf or [])
            if spark_master is not None:
                confs["spark.master"] = spark_master
            skipped = _scan_spark(inputs, out, config, opts, confs, checkpoint_dir, out_format.value, omit_duplicate_docs, stats, quiet, started)
            raise typer.Exit(EXIT_SKIPPED if skipped else EXIT_OK)
        if spark_master is not None or conf or checkpoint_dir is not None or out_format is not OutFormat.jsonl:
            raise ConfigError("--spark-master, --conf, --checkpoint-dir and --out-format need --engine spark")
        with ExitStack() as bar:
            tick = bar.enter_context(progress(not quiet and err.is_terminal))

            def on_read(skipped: list[Skipped], repeated: list[str]) -> None:
                warn_skipped(skipped)
                _warn_repeated(repeated)
                bar.close()  # the bar goes before the output is written

            run = scan_paths(
                inputs, out, config, read=opts, jobs=jobs, spill=spill, index=index, stats=stats, clusters=clusters,
                report=report, omit_duplicates=omit_duplicate_docs, progress=tick, on_read=on_read,
            )
        result, skipped = run.result, run.skipped
        elapsed = time.perf_counter() - started
        if not quiet:
            _summary(result.stats, skipped, elapsed)
    except DedupError as e:
        raise failed(e) from None
    except KeyboardInterrupt:
        say("[red]interrupted:[/]", "nothing partial was written; --out holds a complete output or none")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if skipped:
        raise typer.Exit(EXIT_SKIPPED)


# Options of the local engine the Spark engine does not implement: refused, never ignored.
LOCAL_ONLY = {
    "sentences": "--sentences (Spark decides whole paragraphs only; use --whole-spans)",
    "index": "--index", "report": "--report", "clusters": "--clusters (clusters.jsonl is written under --out)",
    "jobs": "--jobs (Spark's parallelism is its executors' cores)", "spill": "--spill (Spark spills on its own)",
}


def _refuse_local_only(**given) -> None:
    used = [LOCAL_ONLY[name] for name, value in given.items() if value not in (None, False, 0)]
    if used:
        raise ConfigError(f"not supported with --engine spark: {', '.join(used)}")


def _scan_spark(inputs, out, config, opts, confs, checkpoint_dir, out_format, omit_duplicates, stats, quiet, started) -> list[Skipped]:
    from ..engines import spark as spark_engine

    run = spark_engine.run(inputs, out, config, opts, conf=confs, checkpoint_dir=checkpoint_dir, out_format=out_format,
                           omit_duplicates=omit_duplicates, quiet=quiet)
    warn_skipped(run.skipped)
    elapsed = time.perf_counter() - started
    run.stats["elapsed_seconds"] = round(elapsed, 3)
    if stats is not None:
        atomic_write(stats, stats_bytes(run.stats))
    if not quiet:
        _summary(run.stats, run.skipped, elapsed)
    return run.skipped


def _warn_repeated(repeated: list[str]) -> None:
    """Say that some ids are used by more than one article (see run.repeated_ids)."""
    if repeated:
        say(
            "[yellow]warning:[/]",
            f"{len(repeated)} article id(s) used more than once, e.g. {repeated[0]!r}; "
            "clusters.jsonl tells them apart by source and line",
        )
