"""`dedup report` and `dedup explain`: look at what a scan found."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from ..config import Config
from ..errors import DedupError
from ..io.readers import ReadOptions, read_cluster_records, read_stats
from ..report.explain import explain, resolve
from ..report.explain import render as render_explanation
from ..report.html import MAX_CLUSTERS, page_bytes, render
from ..run import write_file
from .common import Keep, Segment, failed


REPORT_EPILOG = "Example:\n\n  dedup report cleaned/clusters.jsonl --stats stats.json --out report.html"


def report_cmd(
    clusters: Annotated[str, typer.Argument(metavar="CLUSTERS.JSONL", help="A clusters.jsonl written by dedup scan.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE|-", help="The HTML file to write, or - for standard output.")],
    stats: Annotated[Optional[str], typer.Option(metavar="FILE", help="The scan's --stats file: adds counts and the options used.")] = None,
    threshold: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, metavar="RATIO", help="Threshold to mark when no --stats is given.")] = None,
    title: Annotated[str, typer.Option(metavar="TEXT", help="Page title.")] = "dedup report",
    max_clusters: Annotated[int, typer.Option(min=1, metavar="N", help="Show at most this many clusters, largest first.")] = MAX_CLUSTERS,
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
        write_file(out, page_bytes(page), "--out")  # `-`: standard output
    except DedupError as e:
        raise failed(e) from None


EXPLAIN_EPILOG = (
        "Examples:\n\n"
        "  dedup explain samples/003_15fa05f4d3cf0d4f.txt:0 samples/003_15fa05f4d3cf0d4f.txt:2\n\n"
        "  dedup explain a.txt b.txt            (the most similar pair of spans)\n\n"
        "  dedup explain crawl.jsonl:12:3 crawl.jsonl:40:0   (JSONL: FILE:LINE:PARA)"
)


def explain_cmd(
    a: Annotated[str, typer.Argument(metavar="SPAN_A", help="FILE[:PARA] (PARA: span index from 0), or FILE:LINE[:PARA] for JSONL.", show_default=False)],
    b: Annotated[str, typer.Argument(metavar="SPAN_B", help="The other span, same form.", show_default=False)],
    threshold: Annotated[float, typer.Option(metavar="RATIO", help="Containment threshold.")] = Config.threshold,
    ngram: Annotated[int, typer.Option(metavar="N", help="Words per shingle.")] = Config.ngram,
    min_tokens: Annotated[int, typer.Option(metavar="N", help="Shorter spans are never dropped.")] = Config.min_tokens,
    keep: Annotated[Keep, typer.Option(help="Keep policy among near-equal copies.")] = Keep.first,
    segment: Annotated[Segment, typer.Option(help="How the files are split into spans.")] = Segment.auto,
    text_field: Annotated[str, typer.Option(metavar="FIELD", help="JSONL field holding the article text.")] = "text",
    sentences: Annotated[bool, typer.Option("--sentences/--whole-spans", help="Decide as `dedup scan --sentences` does: OCR misreadings, templates, sentence runs.")] = Config.sentences,
) -> None:
    """Show why two spans are or are not duplicates: aligned text, shared shingles, measures, verdict.

    A PARA left out means: the span of that file most similar to the other side.
    """
    try:
        config = Config(ngram=ngram, threshold=threshold, min_tokens=min_tokens, keep=keep.value, segment=segment.value,
                        sentences=sentences)
        side_a, side_b = resolve(a, b, config, ReadOptions(text_field=text_field))
        render_explanation(explain(side_a, side_b, config), Console())
    except DedupError as e:
        raise failed(e) from None
