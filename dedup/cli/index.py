"""`dedup index ...`: look after a persistent index of kept spans (library: dedup.index).

Registered on the main app by cli/__init__.py; shared helpers come from cli.common.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from ..errors import InputError
from ..index import open_index, scan_incremental
from ..io.readers import STDIN, DocumentStream, ReadOptions, discover
from ..run import input_bytes
from ..stages.mapping import default_jobs
from .common import CONTEXT, EXIT_SKIPPED, Command, Format, err, progress, reported, warn_skipped

index_app = typer.Typer(
    no_args_is_help=True,
    context_settings=CONTEXT,
    help="A persistent index of kept spans, so each new batch is cleaned against every earlier one.",
    epilog="Example: dedup scan today/ --index archive.db --out cleaned/ ; dedup index stats archive.db",
)
Location = Annotated[str, typer.Argument(metavar="INDEX", help="The index: an SQLite file, or redis://host:port/db[?prefix=name:].", show_default=False)]


@index_app.command(cls=Command, epilog="Example: dedup index stats archive.db")
def stats(location: Location) -> None:
    """Print the index's counts, parameters and size as JSON on stdout."""
    with reported():
        store = open_index(location, create=False)
        try:
            info = store.stats()
        finally:
            store.close()
    typer.echo(json.dumps(info, indent=2))


@index_app.command(cls=Command, epilog="Example: dedup index add archive.db backlog/*.jsonl")
def add(
    location: Location,
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help="Files, folders (recursive), globs, or - for standard input.", show_default=False)],
    text_field: Annotated[str, typer.Option(metavar="FIELD", help="JSONL field or Parquet column holding the article text.")] = "text",
    id_field: Annotated[str, typer.Option(metavar="FIELD", help="JSONL field or Parquet column holding the article id (missing: file:line).")] = "id",
    input_format: Annotated[Format, typer.Option("--format", help="Input format; auto: by extension (.jsonl, .parquet; .gz, .zst) and magic bytes (gzip, zstd, Parquet).")] = Format.auto,
    skip_bad_records: Annotated[bool, typer.Option(help="Skip (and count) JSONL lines that are not valid records.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
) -> None:
    """Add articles to the index without writing clean output.

    The inputs form one batch, checked against the index and stored exactly as
    `dedup scan --index` would: only spans kept are added. The index's own
    parameters are used; a new index gets the defaults (create it with
    `dedup scan ... --index` to choose others). Adding the same batch again adds nothing.
    """
    with reported():
        opts = ReadOptions(text_field, id_field, input_format.value, skip_bad_records)
        sources = discover(inputs, opts)
        store = open_index(location)
        try:
            with progress(not quiet and err.is_terminal) as tick:
                if tick:
                    tick("input", *(2 * [input_bytes(sources)]))
                stream = DocumentStream(sources, opts, progress=tick)  # read while mapping
                result = scan_incremental(stream, store, tick, jobs=default_jobs(), sample_pairs=False)
        finally:
            store.close()
        skipped = stream.skipped
        warn_skipped(skipped)
    if not quiet:
        ix = result.stats["index"]
        seen = "; this batch was added before, nothing changed" if ix["rerun"] else ""
        err.print(
            f"batch {ix['batch']}: {len(result.documents)} articles, {result.stats['spans']} spans, "
            f"{result.stats['dropped_spans']} dropped as copies, {ix['added_spans']} added{seen}",
            highlight=False,
            soft_wrap=True,
        )
    if skipped:
        raise typer.Exit(EXIT_SKIPPED)


@index_app.command(cls=Command, epilog="Example: dedup index remove archive.db --id 2024-05-01-0042 --id 2024-05-01-0043")
def remove(
    location: Location,
    ids: Annotated[Optional[list[str]], typer.Option("--id", metavar="ID", help="Document id to forget (repeat for more).")] = None,
    ids_from: Annotated[Optional[str], typer.Option(metavar="FILE|-", help="File with one document id per line, or - for standard input.")] = None,
) -> None:
    """Forget every indexed span of these documents (e.g. retracted articles).

    Exit code 3 when some ids had no spans in the index.
    """
    with reported():
        wanted = list(ids or [])
        if ids_from is not None:
            wanted += _read_ids(ids_from)
        if not wanted:
            raise InputError("--id", "give at least one document id (--id or --ids-from)")
        store = open_index(location, create=False)
        try:
            spans, found = store.remove(wanted)
        finally:
            store.close()
    missing = sorted(set(wanted) - set(found))
    err.print(f"removed {spans} spans of {len(found)} documents", highlight=False, soft_wrap=True)
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        err.print(f"[yellow]warning:[/] {len(missing)} ids had no spans in the index: {escape(shown)}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_SKIPPED)


def _read_ids(path: str) -> list[str]:
    try:
        data = sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(path, f"cannot read ids ({e})") from None
    return [line.strip() for line in text.splitlines() if line.strip()]
