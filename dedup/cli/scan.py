"""`dedup scan`: parse options, build a Config, call the library, write."""

from __future__ import annotations

import json
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
from ..io.writers import FULL_TEXT, cluster_text_limit, stats_bytes
from ..run import is_stdout, scan_paths, write_file
from .common import (
    EXIT_INTERRUPTED, EXIT_MEMORY, EXIT_OK, EXIT_SKIPPED, EXIT_TERMINATED, Format, Keep, Segment, err, failed, progress, say,
    warn_skipped,
)
from .process import Terminated


class Engine(str, Enum):
    local = "local"
    spark = "spark"


class OutFormat(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"


def summary(stats: dict, skipped: list[Skipped], seconds: float) -> dict:
    """What a finished scan says: the keys of `--json` (README, "Summary"), which the
    table and the plain line show too."""
    out = {
        "documents": stats["documents"],
        "spans": stats["spans"],
        "clusters": stats["clusters"],
        "dropped_spans": stats["dropped_spans"],
        "dropped_chars": stats["dropped_chars"],
        "duplicate_ratio": stats["duplicate_ratio"],
        "duplicate_documents": stats["duplicate_documents"],
        "false_positives": stats["candidates"]["false_positives"],
        "skipped": len(skipped),
        "seconds": round(seconds, 3),
    }
    if "index" in stats:
        out["index"] = {k: stats["index"][k] for k in ("batch", "rerun", "added_spans", "dropped_against_index")}
    return out


def _show_summary(s: dict) -> None:
    """The summary on stderr: a table on a terminal, else one plain line (a log keeps it whole)."""
    rows = [
        ("articles", s["documents"]),
        ("spans", s["spans"]),
        ("clusters", s["clusters"]),
        ("spans dropped", s["dropped_spans"]),
        ("duplicate ratio", f"{s['duplicate_ratio']:.1%}"),
        ("duplicate articles", s["duplicate_documents"]),
        ("LSH false positives", s["false_positives"]),
        ("inputs skipped", s["skipped"]),
        ("time", f"{s['seconds']:.2f} s"),
    ]
    if "index" in s:
        ix = s["index"]
        rows[-1:-1] = [
            ("dropped against index", ix["dropped_against_index"]),
            ("added to index", f"{ix['added_spans']} (batch {ix['batch']}{', seen before' if ix['rerun'] else ''})"),
        ]
    if not err.is_terminal:
        err.print("dedup scan: " + ", ".join(f"{name} {value}" for name, value in rows), highlight=False, soft_wrap=True)
        return
    table = Table(title="dedup scan", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, value in rows:
        table.add_row(name, str(value))
    err.print(table)


def _report(s: dict, quiet: bool, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(s))
    if not quiet:
        _show_summary(s)


EPILOG = (
        "Examples:\n\n"
        "  dedup scan samples/ --out cleaned/\n\n"
        "  dedup scan 'crawl/**/*.jsonl.gz' --text-field body --out clean/ --stats stats.json\n\n"
        "  cat articles.jsonl | dedup scan - --out - > clean.jsonl\n\n"
        "  dedup scan today/ --index archive.db --out cleaned/"
)


def scan(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help="Files, folders (recursive), globs, or - for standard input.", show_default=False)],
    out: Annotated[str, typer.Option("--out", "-o", metavar="DIR|-", help="Folder for clean articles and clusters.jsonl, or - for clean JSONL on stdout.")],
    clusters: Annotated[Optional[Path], typer.Option(metavar="FILE|-", help="Also write clusters.jsonl here (- for standard output); with --out DIR it is in DIR as well.")] = None,
    cluster_text: Annotated[str, typer.Option(metavar="full|none|N", help="The members' text in clusters.jsonl: full, none (offsets only), or its first N characters.")] = "full",
    annotate: Annotated[bool, typer.Option("--annotate", help="Add to each clean JSONL record a \"dedup\" field: characters and spans dropped (with offsets), duplicate-article flag, cluster numbers.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object on standard output (keys in README, Summary).")] = False,
    include: Annotated[Optional[list[str]], typer.Option(metavar="GLOB", help="In folder inputs, read only files matching this glob (repeat for more; a glob without / matches the file name).")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(metavar="GLOB", help="In folder inputs, leave out files matching this glob (repeat for more).")] = None,
    stats: Annotated[Optional[Path], typer.Option(metavar="FILE|-", help="Write JSON stats (counts, parameters, fingerprint) to this file.")] = None,
    report: Annotated[Optional[Path], typer.Option(metavar="FILE|-", help="Write a self-contained HTML report (clusters side by side, borderline pairs) to this file.")] = None,
    text_field: Annotated[str, typer.Option(metavar="FIELD", help="JSONL field or Parquet column holding the article text.")] = "text",
    id_field: Annotated[str, typer.Option(metavar="FIELD", help="JSONL field or Parquet column holding the article id (missing: file:line).")] = "id",
    input_format: Annotated[Format, typer.Option("--format", help="Input format; auto: by extension (.jsonl, .parquet; .gz, .zst) and magic bytes (gzip, zstd, Parquet), sniffed for stdin.")] = Format.auto,
    skip_bad_records: Annotated[bool, typer.Option("--skip-bad-records", help="Skip (and count) JSONL lines that are not valid records instead of stopping.")] = False,
    follow: Annotated[bool, typer.Option("--follow", help="Read symbolic links found inside folders and globs, and enter linked folders (loops are skipped). Default: each is skipped with a warning.")] = False,
    keep: Annotated[Keep, typer.Option(help="Which of near-equal copies to keep: first in input order, or longest.")] = Keep.first,
    threshold: Annotated[float, typer.Option(metavar="RATIO", help="Drop a span when at least this share of its shingles lies in a kept span (containment).")] = Config.threshold,
    ngram: Annotated[int, typer.Option(metavar="N", help="Words per shingle.")] = Config.ngram,
    min_tokens: Annotated[int, typer.Option(metavar="N", help="Spans with fewer words are never dropped (bylines, headers).")] = Config.min_tokens,
    lsh_threshold: Annotated[float, typer.Option(metavar="RATIO", help="Jaccard level the LSH bands are tuned for (proposals only; verification decides).")] = Config.lsh_threshold,
    num_perm: Annotated[int, typer.Option(metavar="N", help="MinHash permutations.")] = Config.num_perm,
    bands: Annotated[Optional[int], typer.Option(metavar="N", help="LSH bands (with --rows); default: derived from --lsh-threshold.")] = None,
    rows: Annotated[Optional[int], typer.Option(metavar="N", help="Rows per LSH band (with --bands).")] = None,
    anchor_rate: Annotated[int, typer.Option(metavar="N", help="Index one shingle in N exactly, to find short spans inside long ones.")] = Config.anchor_rate,
    segment: Annotated[Segment, typer.Option(help="Paragraphs: blank-line blocks, single lines, or auto (a line over 100 characters is a paragraph of its own, shorter lines run together).")] = Segment.auto,
    seed: Annotated[int, typer.Option(metavar="N", help="MinHash seed.")] = Config.seed,
    sentences: Annotated[bool, typer.Option("--sentences/--whole-spans", help="Also drop copied sentence runs inside paragraphs that stay, keep a paragraph's own sentence, and never take a filled-in template (lines differing in numbers and identifiers) for a copy; --whole-spans: whole paragraphs by containment only.")] = Config.sentences,
    omit_duplicate_docs: Annotated[bool, typer.Option("--omit-duplicate-docs", help="Leave out articles all of whose judged spans were dropped (default: write what is left of them).")] = False,
    max_input_size: Annotated[str, typer.Option(metavar="SIZE", help="Skip an input larger than this after decompression (K, M, G suffixes); guards against gzip bombs.")] = "4G",
    index: Annotated[Optional[str], typer.Option(metavar="FILE|URL", help="Also clean against this index of earlier batches (SQLite file or redis://host:port/db), then add this batch's kept spans to it. Created when missing.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, metavar="N", help="Workers for segmenting and shingling (threads; processes without numba or with character shingles) and threads for sketching and verifying (0: all cores). The output does not depend on it.")] = 0,
    spill: Annotated[Optional[Path], typer.Option(metavar="DIR", help="Keep the distinct shingle sets (numpy files) and the texts in this folder instead of memory (for corpora near the memory limit); removed afterwards.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
    engine: Annotated[Engine, typer.Option(help="local: this process; spark: Apache Spark (pip install 'dedup[spark]'), clean records as part files under --out/clean/.")] = Engine.local,
    spark_master: Annotated[Optional[str], typer.Option(metavar="URL", help="With --engine spark: the Spark master URL (default: spark-submit's or spark-defaults', else local[*]); the same as --conf spark.master=URL.")] = None,
    conf: Annotated[Optional[list[str]], typer.Option("--conf", metavar="KEY=VALUE", help="With --engine spark: a Spark setting for the session (repeatable), as spark-submit's --conf.")] = None,
    checkpoint_dir: Annotated[Optional[str], typer.Option(metavar="DIR|URI", help="With --engine spark: folder or URI every executor reaches for checkpoints (default: a temporary folder beside --out, removed afterwards).")] = None,
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
            ngram=ngram, threshold=threshold, min_tokens=min_tokens, lsh_threshold=lsh_threshold,
            num_perm=num_perm, bands=bands, rows=rows, anchor_rate=anchor_rate, keep=keep.value,
            segment=segment.value, seed=seed, sentences=sentences,
        )
        opts = ReadOptions(
            text_field, id_field, input_format.value, skip_bad_records, parse_size(max_input_size),
            include=tuple(include or ()), exclude=tuple(exclude or ()), follow_links=follow,
        )
        limit = cluster_text_limit(cluster_text)
        if engine is Engine.spark:
            _refuse_local_only(
                sentences=config.sentences, index=index, report=report, clusters=clusters, jobs=jobs, spill=spill,
                annotate=annotate, cluster_text=limit is not FULL_TEXT,
            )
            if as_json and is_stdout(stats):
                raise ConfigError("--stats - and --json would both write to standard output; name a file for --stats")
            from ..engines.spark_env import parse_confs

            confs = parse_confs(conf or [])
            if spark_master is not None:
                confs["spark.master"] = spark_master
            skipped = _scan_spark(
                inputs, out, config, opts, confs, checkpoint_dir, out_format.value, omit_duplicate_docs, stats, quiet, as_json, started,
            )
            raise typer.Exit(EXIT_SKIPPED if skipped else EXIT_OK)
        if spark_master is not None or conf or checkpoint_dir is not None or out_format is not OutFormat.jsonl:
            raise ConfigError("--spark-master, --conf, --checkpoint-dir and --out-format need --engine spark")
        with ExitStack() as bar:
            tick = bar.enter_context(progress(not quiet and err.is_terminal, config.sentences))

            def on_read(skipped: list[Skipped], repeated: list[str]) -> None:
                warn_skipped(skipped)
                _warn_repeated(repeated)
                if out == "-":
                    bar.close()  # the clean records go to stdout, which may be this terminal too

            run = scan_paths(
                inputs, out, config, read=opts, jobs=jobs, spill=spill, index=index, stats=stats, clusters=clusters,
                report=report, omit_duplicates=omit_duplicate_docs, progress=tick, on_read=on_read,
                annotate=annotate, cluster_text=limit, stdout_taken="--json" if as_json else None,
                on_note=lambda message: say("note:", message),  # even with --quiet, as warnings are
            )
        result, skipped = run.result, run.skipped
        _report(summary(result.stats, skipped, time.perf_counter() - started), quiet, as_json)
    except DedupError as e:
        raise failed(e) from None
    except MemoryError:
        say("[red]error:[/]", "out of memory; nothing partial was written (--out holds a complete output or none). "
            "Give --spill DIR, or clean the corpus in batches with --index")
        raise typer.Exit(EXIT_MEMORY) from None
    except KeyboardInterrupt as e:
        what, code = ("terminated:", EXIT_TERMINATED) if isinstance(e, Terminated) else ("interrupted:", EXIT_INTERRUPTED)
        say(f"[red]{what}[/]", "nothing partial was written; --out holds a complete output or none")
        raise typer.Exit(code) from None
    if skipped:
        raise typer.Exit(EXIT_SKIPPED)


# Options of the local engine the Spark engine does not implement: refused, never ignored.
LOCAL_ONLY = {
    "sentences": "--sentences (Spark decides whole paragraphs only; use --whole-spans)",
    "index": "--index", "report": "--report", "clusters": "--clusters (clusters.jsonl is written under --out)",
    "jobs": "--jobs (Spark's parallelism is its executors' cores)", "spill": "--spill (Spark spills on its own)",
    "annotate": "--annotate", "cluster_text": "--cluster-text",
}


def _refuse_local_only(**given) -> None:
    used = [LOCAL_ONLY[name] for name, value in given.items() if value not in (None, False, 0)]
    if used:
        raise ConfigError(f"not supported with --engine spark: {', '.join(used)}")


def _scan_spark(inputs, out, config, opts, confs, checkpoint_dir, out_format, omit_duplicates, stats, quiet, as_json, started) -> list[Skipped]:
    from ..engines import spark as spark_engine

    run = spark_engine.run(inputs, out, config, opts, conf=confs, checkpoint_dir=checkpoint_dir, out_format=out_format,
                           omit_duplicates=omit_duplicates, quiet=quiet)
    warn_skipped(run.skipped)
    elapsed = time.perf_counter() - started
    run.stats["elapsed_seconds"] = round(elapsed, 3)
    if stats is not None:
        write_file(stats, stats_bytes(run.stats), "--stats")
    _report(summary(run.stats, run.skipped, elapsed), quiet, as_json)
    return run.skipped


def _warn_repeated(repeated: list[str]) -> None:
    """Say that some ids are used by more than one article (see run.repeated_ids)."""
    if repeated:
        say(
            "[yellow]warning:[/]",
            f"{len(repeated)} article id(s) used more than once, e.g. {repeated[0]!r}; "
            "clusters.jsonl tells them apart by source and line",
        )
