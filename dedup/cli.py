"""`dedup` command line: parse options, build a Config, call the library, write.

Exit codes: 0 done; 1 unexpected failure; 2 usage, missing input, bad record or
unsafe output; 3 done, but some inputs or records were skipped (see stderr).
"""

from __future__ import annotations

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

from . import __version__
from .config import Config
from .errors import DedupError
from .readers import STDIN, ReadOptions, Skipped, discover, parse_size, read_sources
from .scan import scan as run_scan
from .writers import (
    atomic_write, check_not_an_input, check_out_dir, check_out_not_in_inputs, clean_records, cluster_records,
    jsonl_bytes, stats_bytes, write_jsonl_stream, write_out_dir,
)

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SKIPPED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# Skipped inputs listed one by one on stderr; the rest are counted (all are in --stats).
MAX_WARNINGS = 20

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


# Control characters (terminal escapes) and bidi overrides in file names or ids
# are shown escaped, so an input cannot rewrite the user's terminal.
_UNPRINTABLE = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_UNPRINTABLE.update({c: f"\\u{c:04x}" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def _say(label: str, message: str) -> None:
    """One line on stderr: a coloured label, then the message shown literally."""
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
    max_input_size: Annotated[str, typer.Option(help="Skip an input larger than this after decompression (K, M, G suffixes); guards against gzip bombs.")] = "4G",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
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
        sources = discover(inputs, opts)
        out_dir = None if out == STDIN else Path(out)
        if out_dir is not None:
            check_out_not_in_inputs(out_dir, inputs)
            check_out_dir(out_dir, sources)
        for path, option in ((stats, "--stats"), (clusters, "--clusters")):
            if path is not None:
                check_not_an_input(path, sources, option)
        show = not quiet and err.is_terminal
        with _progress(show) as tick:
            docs, skipped, read = read_sources(sources, opts, progress=tick)
            _warn_skipped(skipped)
            repeated = _repeated_ids(docs)
            result = run_scan(docs, config, tick)
        result.stats["inputs"] = {
            "files": len(sources),
            "skipped": [str(s) for s in skipped],
            "repeated_ids": repeated,
        }
        if out_dir is None:
            write_jsonl_stream(sys.stdout.buffer, (r for _, r in clean_records(result, text_field, omit_duplicate_docs)))
            sys.stdout.flush()
            if clusters is not None:
                atomic_write(clusters, jsonl_bytes(cluster_records(result)))
        else:
            write_out_dir(result, read, out_dir, text_field=text_field, omit_duplicates=omit_duplicate_docs)
        elapsed = time.perf_counter() - started
        result.stats["elapsed_seconds"] = round(elapsed, 3)
        if stats is not None:
            atomic_write(stats, stats_bytes(result.stats))
        if not quiet:
            _summary(result.stats, skipped, elapsed)
    except DedupError as e:
        _say("[red]error:[/]", str(e))
        raise typer.Exit(e.exit_code) from None
    except KeyboardInterrupt:
        _say("[red]interrupted:[/]", "nothing partial was written; --out holds a complete output or none")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if skipped:
        raise typer.Exit(EXIT_SKIPPED)


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


def main() -> None:
    app()
