"""`dedup` command line: parse options, build a Config, call the library, write.

Exit codes: 0 done; 1 unexpected failure; 2 usage, missing input, bad record or
unsafe output; 3 done, but some inputs or records were skipped (see stderr);
130 interrupted (Ctrl-C): nothing partial was written.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections import Counter
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__, kernels, memory
from .config import Config
from .errors import ConfigError, DedupError, OutputError
from .explain import explain, resolve
from .index import check_index_outside, scan_with_index
from .explain import render as render_explanation
from .readers import STDIN, DocumentStream, ReadOptions, Skipped, discover, parse_size, read_cluster_records, read_sources, read_stats
from .report import MAX_CLUSTERS, render, render_result
from .scan import default_jobs
from .scan import scan as run_scan
from .writers import (
    atomic_write, check_file_out, check_out_dir, check_out_not_in_inputs, clean_lines, cluster_lines,
    kept_documents, stats_bytes, write_out_dir,
)

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SKIPPED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# Skipped inputs listed one by one on stderr; the rest are counted (all are in --stats).
MAX_WARNINGS = 20

app = typer.Typer(
    add_completion=False,
    # Plain help: rich panels cut long option names (--omit-duplicate-docs) short at 80 columns.
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Find near-duplicate paragraphs within and across articles; write clean articles and clusters.",
    epilog="Example: dedup scan samples/ --out cleaned/",
)
err = Console(stderr=True)


class Keep(str, Enum):
    first = "first"
    longest = "longest"


class Segment(str, Enum):
    auto = "auto"
    paragraph = "paragraph"
    line = "line"


class Engine(str, Enum):
    local = "local"
    spark = "spark"


class OutFormat(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"


class Format(str, Enum):
    auto = "auto"
    text = "text"
    jsonl = "jsonl"


# Control characters (terminal escapes) and bidi overrides in file names or ids
# are shown escaped, so an input cannot rewrite the user's terminal.
_UNPRINTABLE = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_UNPRINTABLE.update({c: f"\\u{c:04x}" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def _say(label: str, message: str) -> None:
    """One line on stderr: a coloured label, then the message shown literally.

    soft_wrap: one message per line, so file names are never folded and stay greppable.
    """
    err.print(f"{label} {escape(message.translate(_UNPRINTABLE))}", highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dedup {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """Near-duplicate text detector: MinHash/LSH proposes, exact containment decides."""


@contextmanager
def _progress(enabled: bool):
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def tick(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield tick


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


@app.command(
    epilog=(
        "Examples:\n\n"
        "  dedup scan samples/ --out cleaned/\n\n"
        "  dedup scan 'crawl/**/*.jsonl.gz' --text-field body --out clean/ --stats stats.json\n\n"
        "  cat articles.jsonl | dedup scan - --out - > clean.jsonl\n\n"
        "  dedup scan today/ --index archive.db --out cleaned/"
    )
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
    omit_duplicate_docs: Annotated[bool, typer.Option("--omit-duplicate-docs", help="Leave out articles all of whose judged spans were dropped (default: write what is left of them).")] = False,
    max_input_size: Annotated[str, typer.Option(help="Skip an input larger than this after decompression (K, M, G suffixes); guards against gzip bombs.")] = "4G",
    index: Annotated[Optional[str], typer.Option(help="Also clean against this index of earlier batches (SQLite file or redis://host:port/db), then add this batch's kept spans to it. Created when missing.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Processes for segmenting, shingling and sketching, threads for verifying (0: all cores). The output does not depend on it.")] = 0,
    spill: Annotated[Optional[Path], typer.Option(help="Keep the distinct shingle sets in numpy files in this folder instead of memory (for corpora near the memory limit); removed afterwards.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
    engine: Annotated[Engine, typer.Option(help="local: this process; spark: Apache Spark (pip install 'dedup[spark]'), clean records as part files under --out/clean/.")] = Engine.local,
    spark_master: Annotated[Optional[str], typer.Option(help="With --engine spark: the Spark master URL (default local[*]).")] = None,
    out_format: Annotated[OutFormat, typer.Option(help="With --engine spark: clean part files as JSONL or Parquet.")] = OutFormat.jsonl,
) -> None:
    """Scan articles for near-duplicate paragraphs; write clean articles and clusters.

    Each paragraph is shingled into word n-grams; MinHash LSH and exact anchor
    shingles propose pairs, and each pair is verified on its real shingle sets.
    A paragraph is dropped when a kept paragraph contains at least --threshold of
    it; the fuller copy is kept. Kept text is written byte for byte.
    """
    started = time.perf_counter()
    skipped: list[Skipped] = []
    try:
        config = Config(
            ngram=ngram, containment=threshold, min_tokens=min_tokens, lsh_threshold=lsh_threshold,
            num_perm=num_perm, bands=bands, rows=rows, anchor_rate=anchor_rate, keep=keep.value,
            segment=segment.value, seed=seed,
        )
        opts = ReadOptions(text_field, id_field, input_format.value, skip_bad_records, parse_size(max_input_size))
        if engine is Engine.spark:
            if index is not None:
                raise ConfigError("--index works with the local engine only")
            skipped = _scan_spark(inputs, out, config, opts, spark_master, out_format.value, omit_duplicate_docs, stats, quiet, started)
            raise typer.Exit(EXIT_SKIPPED if skipped else EXIT_OK)
        if spark_master is not None or out_format is not OutFormat.jsonl:
            raise ConfigError("--spark-master and --out-format need --engine spark")
        sources = discover(inputs, opts)
        out_dir = None if out == STDIN else Path(out)
        if out_dir is not None:
            check_out_not_in_inputs(out_dir, inputs)
            check_out_dir(out_dir, sources)
        for path, option in ((stats, "--stats"), (clusters, "--clusters"), (report, "--report")):
            if path is not None:
                check_file_out(path, inputs, sources, option)
        if index is not None and out_dir is not None:
            check_index_outside(index, out_dir)
        show = not quiet and err.is_terminal
        jobs = jobs or default_jobs()
        with _progress(show) as tick:
            if spill is not None and not spill.is_dir():
                raise OutputError(f"--spill {spill} is not a folder")
            stream = DocumentStream(sources, opts, progress=tick)
            if index is None:  # read while mapping
                result = run_scan(stream, config, tick, jobs=jobs, spill=spill, sample_pairs=report is not None)
            else:
                result = scan_with_index(list(stream), index, config, tick, jobs=jobs)
            skipped, read = stream.skipped, stream.read
            _warn_skipped(skipped)
            repeated = _repeated_ids(result.documents)
        result.stats["inputs"] = {
            "files": len(sources),
            "skipped": [str(s) for s in skipped],
            "repeated_ids": repeated,
        }
        if out_dir is None:
            sys.stdout.buffer.writelines(clean_lines(result, kept_documents(result, omit_duplicate_docs), text_field))
            sys.stdout.flush()
            if clusters is not None:
                atomic_write(clusters, b"".join(cluster_lines(result)))
        else:
            write_out_dir(
                result, read, out_dir, text_field=text_field, omit_duplicates=omit_duplicate_docs,
                parallel=jobs > 1,
            )
        elapsed = time.perf_counter() - started
        result.stats["elapsed_seconds"] = round(elapsed, 3)
        if stats is not None:
            atomic_write(stats, stats_bytes(result.stats))
        if report is not None:
            atomic_write(report, render_result(result).encode())
        if not quiet:
            _summary(result.stats, skipped, elapsed)
    except DedupError as e:
        raise _failed(e) from None
    except KeyboardInterrupt:
        _say("[red]interrupted:[/]", "nothing partial was written; --out holds a complete output or none")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if skipped:
        raise typer.Exit(EXIT_SKIPPED)


def _scan_spark(inputs, out, config, opts, master, out_format, omit_duplicates, stats, quiet, started) -> list[Skipped]:
    from .engines import spark as spark_engine

    run = spark_engine.run(inputs, out, config, opts, master=master, out_format=out_format, omit_duplicates=omit_duplicates, quiet=quiet)
    _warn_skipped(run.skipped)
    elapsed = time.perf_counter() - started
    run.stats["elapsed_seconds"] = round(elapsed, 3)
    if stats is not None:
        atomic_write(stats, stats_bytes(run.stats))
    if not quiet:
        _summary(run.stats, run.skipped, elapsed)
    return run.skipped


def _warn_skipped(skipped: list[Skipped]) -> None:
    for s in skipped[:MAX_WARNINGS]:
        _say("[yellow]warning:[/] skipped", str(s))
    if len(skipped) > MAX_WARNINGS:
        _say("[yellow]warning:[/]", f"... and {len(skipped) - MAX_WARNINGS} more skipped (all listed in --stats)")


def _repeated_ids(docs: list) -> int:
    """Count ids used by more than one article, and say so: they are allowed (clusters.jsonl
    tells the articles apart by source and line), but often mean a corpus was concatenated twice."""
    counts = Counter(d.id for d in docs)
    repeated = [i for i, n in counts.items() if n > 1]
    if repeated:
        _say(
            "[yellow]warning:[/]",
            f"{len(repeated)} article id(s) used more than once, e.g. {repeated[0]!r}; "
            "clusters.jsonl tells them apart by source and line",
        )
    return len(repeated)


def _read_all(sources: list, opts: ReadOptions, tick) -> tuple[list, list[Skipped]]:
    """Documents of every source in order, warning on stderr about what was skipped."""
    docs, skipped, _ = read_sources(sources, opts, progress=tick)
    _warn_skipped(skipped)
    return docs, skipped


def _failed(e: DedupError) -> typer.Exit:
    """Print a library error (naming the flag of a bad option) and return the exit to raise."""
    message = f"{_flag(e.option)}: {e}" if isinstance(e, ConfigError) and e.option else str(e)
    _say("[red]error:[/]", message)
    return typer.Exit(e.exit_code)


def _flag(option: str) -> str:
    """The command-line flag that sets a Config field."""
    return "--threshold" if option == "containment" else "--" + option.replace("_", "-")


@app.command("report", epilog="Example:\n\n  dedup report cleaned/clusters.jsonl --stats stats.json --out report.html")
def report_cmd(
    clusters: Annotated[str, typer.Argument(help="A clusters.jsonl written by dedup scan.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")],
    stats: Annotated[Optional[str], typer.Option(help="The scan's --stats file: adds counts and the options used.")] = None,
    threshold: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, help="Threshold to mark when no --stats is given.")] = None,
    title: Annotated[str, typer.Option(help="Page title.")] = "dedup report",
    max_clusters: Annotated[int, typer.Option(min=1, help="Show at most this many clusters, largest first.")] = MAX_CLUSTERS,
) -> None:
    """Render clusters.jsonl as one self-contained HTML page (no network, no external files).

    Borderline pairs (just below the threshold) are not in clusters.jsonl; use
    `dedup scan ... --report report.html` to include them.
    """
    try:
        records = read_cluster_records(clusters)
        page = render(
            records, stats=read_stats(stats) if stats else None, threshold=threshold, title=title, max_clusters=max_clusters
        )
        if out.is_dir():
            raise DedupError(f"--out {out} is a folder; name a file")
        atomic_write(out, page.encode())
    except DedupError as e:
        raise _failed(e) from None


@app.command(
    "explain",
    epilog=(
        "Examples:\n\n"
        "  dedup explain samples/003_15fa05f4d3cf0d4f.txt:0 samples/003_15fa05f4d3cf0d4f.txt:2\n\n"
        "  dedup explain a.txt b.txt            (the most similar pair of spans)\n\n"
        "  dedup explain crawl.jsonl:12:3 crawl.jsonl:40:0   (JSONL: FILE:LINE:PARA)"
    ),
)
def explain_cmd(
    a: Annotated[str, typer.Argument(help="FILE[:PARA] (PARA: span index from 0), or FILE:LINE[:PARA] for JSONL.", show_default=False)],
    b: Annotated[str, typer.Argument(help="The other span, same form.", show_default=False)],
    threshold: Annotated[float, typer.Option(help="Containment threshold.")] = Config.containment,
    ngram: Annotated[int, typer.Option(help="Words per shingle.")] = Config.ngram,
    min_tokens: Annotated[int, typer.Option(help="Shorter spans are never dropped.")] = Config.min_tokens,
    keep: Annotated[Keep, typer.Option(help="Keep policy among near-equal copies.")] = Keep.first,
    segment: Annotated[Segment, typer.Option(help="How the files are split into spans.")] = Segment.auto,
    text_field: Annotated[str, typer.Option(help="JSONL field holding the article text.")] = "text",
) -> None:
    """Show why two spans are or are not duplicates: aligned text, shared shingles, measures, verdict.

    A PARA left out means: the span of that file most similar to the other side.
    """
    try:
        config = Config(ngram=ngram, containment=threshold, min_tokens=min_tokens, keep=keep.value, segment=segment.value)
        side_a, side_b = resolve(a, b, config, ReadOptions(text_field=text_field))
        render_explanation(explain(side_a, side_b, config), Console())
    except DedupError as e:
        raise _failed(e) from None


from .cli_index import index_app  # noqa: E402  (after the helpers it imports lazily)

app.add_typer(index_app, name="index")


def main() -> None:
    """The `dedup` command. Once the app is done (outputs written, renamed into place and
    flushed), the process leaves without Python's teardown: unloading numba's compiled
    code alone takes about a quarter of a second, a few percent of a 200 MB scan."""
    memory.reuse_freed()  # the process is the command's own: its malloc may be tuned (see there)
    # A scan makes few reference cycles but millions of lists and tuples: at the default
    # threshold the young-generation collector ran some 360 times (0.15 s of the GIL the
    # map threads need on a 200 MB corpus); at this one about 70 times.
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    kernels.OWN_PROCESS = True  # numba's BLAS probe may be skipped (see kernels._load)
    try:
        app()
        code = 0
    except SystemExit as e:
        code = e.code
    if code is not None and not isinstance(code, int):  # sys.exit("message"): print it, as Python would
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError):  # `dedup scan ... --out - | head`: nothing left to say
            code = code or EXIT_FAIL
    os._exit(code or 0)
