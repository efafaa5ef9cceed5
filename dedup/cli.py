"""`dedup` command line: parse options, build a Config, call the library, write.

Exit codes: 0 done; 1 unexpected failure; 2 usage, missing input, bad record or
unsafe output; 3 done, but some inputs or records were skipped (see stderr).
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .config import Config
from .errors import DedupError, OutputError
from .readers import STDIN, ReadOptions, Skipped, discover, read_source
from .scan import default_jobs
from .scan import scan as run_scan
from .writers import (
    atomic_write, check_out_dir, check_out_not_in_inputs, clean_records, cluster_records,
    stats_bytes, write_jsonl_stream, write_out_dir,
)

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SKIPPED = 0, 1, 2, 3

app = typer.Typer(
    add_completion=False,
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


class Format(str, Enum):
    auto = "auto"
    text = "text"
    jsonl = "jsonl"


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
    for name, value in rows:
        table.add_row(name, str(value))
    err.print(table)


@app.command(
    epilog=(
        "Examples:\n\n"
        "  dedup scan samples/ --out cleaned/\n\n"
        "  dedup scan 'crawl/**/*.jsonl.gz' --text-field body --out clean/ --stats stats.json\n\n"
        "  cat articles.jsonl | dedup scan - --out - > clean.jsonl"
    )
)
def scan(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (recursive), globs, or - for standard input.", show_default=False)],
    out: Annotated[str, typer.Option("--out", "-o", help="Folder for clean articles and clusters.jsonl, or - for clean JSONL on stdout.")],
    clusters: Annotated[Optional[Path], typer.Option(help="With --out -: also write clusters.jsonl here.")] = None,
    stats: Annotated[Optional[Path], typer.Option(help="Write JSON stats (counts, parameters, fingerprint) to this file.")] = None,
    text_field: Annotated[str, typer.Option(help="JSONL field holding the article text.")] = "text",
    id_field: Annotated[str, typer.Option(help="JSONL field holding the article id (missing: file:line).")] = "id",
    input_format: Annotated[Format, typer.Option("--format", help="Input format; auto: by extension (.jsonl, .jsonl.gz), sniffed for stdin.")] = Format.auto,
    skip_bad_records: Annotated[bool, typer.Option(help="Skip (and count) JSONL lines that are not valid records instead of stopping.")] = False,
    keep: Annotated[Keep, typer.Option(help="Which of near-equal copies to keep: first in input order, or longest.")] = Keep.first,
    threshold: Annotated[float, typer.Option(help="Drop a span when at least this share of its shingles lies in a kept span (containment).")] = Config.containment,
    ngram: Annotated[int, typer.Option(help="Words per shingle.")] = Config.ngram,
    min_tokens: Annotated[int, typer.Option(help="Spans with fewer words are never dropped (bylines, headers).")] = Config.min_tokens,
    lsh_threshold: Annotated[float, typer.Option(help="Jaccard level the LSH bands are tuned for (proposals only; verification decides).")] = Config.lsh_threshold,
    num_perm: Annotated[int, typer.Option(help="MinHash permutations.")] = Config.num_perm,
    bands: Annotated[Optional[int], typer.Option(help="LSH bands (with --rows); default: derived from --lsh-threshold.")] = None,
    rows: Annotated[Optional[int], typer.Option(help="Rows per LSH band (with --bands).")] = None,
    anchor_rate: Annotated[int, typer.Option(help="Index one shingle in N exactly, to find short spans inside long ones.")] = Config.anchor_rate,
    segment: Annotated[Segment, typer.Option(help="Paragraphs: blank-line blocks, single lines, or auto (lines when blocks are not hard-wrapped).")] = Segment.auto,
    seed: Annotated[int, typer.Option(help="MinHash seed.")] = Config.seed,
    omit_duplicate_docs: Annotated[bool, typer.Option(help="Leave out articles all of whose judged spans were dropped (default: write what is left of them).")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Processes for segmenting, shingling and sketching (0: all cores). The output does not depend on it.")] = 0,
    spill: Annotated[Optional[Path], typer.Option(help="Keep the distinct shingle sets in numpy files in this folder instead of memory (for corpora near the memory limit); removed afterwards.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
) -> None:
    """Scan articles for near-duplicate paragraphs; write clean articles and clusters.

    Each paragraph is shingled into word n-grams; MinHash LSH and exact anchor
    shingles propose pairs, and each pair is verified on its real shingle sets.
    A paragraph is dropped when a kept paragraph contains at least --threshold of
    it; the fuller copy is kept. Kept text is written byte for byte.
    """
    started = time.perf_counter()
    try:
        config = Config(
            ngram=ngram, containment=threshold, min_tokens=min_tokens, lsh_threshold=lsh_threshold,
            num_perm=num_perm, bands=bands, rows=rows, anchor_rate=anchor_rate, keep=keep.value,
            segment=segment.value, seed=seed,
        )
        opts = ReadOptions(text_field, id_field, input_format.value, skip_bad_records)
        sources = discover(inputs, opts)
        out_dir = None if out == STDIN else Path(out)
        if out_dir is not None:
            check_out_not_in_inputs(out_dir, inputs)
            check_out_dir(out_dir, sources)
        docs, skipped = [], []
        show = not quiet and err.is_terminal
        with _progress(show) as tick:
            for n, src in enumerate(sources, 1):
                got, lost = read_source(src, opts)
                docs += got
                skipped += lost
                if tick:
                    tick("read", n, len(sources))
            for s in skipped:
                err.print(f"[yellow]warning:[/] skipped {s}", highlight=False)
            if spill is not None and not spill.is_dir():
                raise OutputError(f"--spill {spill} is not a folder")
            result = run_scan(docs, config, tick, jobs=jobs or default_jobs(), spill=spill)
        result.stats["inputs"] = {
            "files": len(sources),
            "skipped": [str(s) for s in skipped],
        }
        if out_dir is None:
            write_jsonl_stream(sys.stdout, (r for _, r in clean_records(result, text_field, omit_duplicate_docs)))
            sys.stdout.flush()
            if clusters is not None:
                atomic_write(clusters, "".join(_line(r) for r in cluster_records(result)).encode())
        else:
            write_out_dir(result, sources, out_dir, text_field=text_field, omit_duplicates=omit_duplicate_docs)
        elapsed = time.perf_counter() - started
        result.stats["elapsed_seconds"] = round(elapsed, 3)
        if stats is not None:
            atomic_write(stats, stats_bytes(result.stats))
        if not quiet:
            _summary(result.stats, skipped, elapsed)
    except DedupError as e:
        err.print(f"[red]error:[/] {e}", highlight=False)
        raise typer.Exit(e.exit_code) from None
    if skipped:
        raise typer.Exit(EXIT_SKIPPED)


def _line(rec: dict) -> str:
    import json

    return json.dumps(rec, ensure_ascii=False) + "\n"


def main() -> None:
    app()
