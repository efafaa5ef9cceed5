"""Per-document annotations: what a scan removed from each document, for the clean
records (`dedup scan --annotate`) and the Python API (`clean(..., annotate=True)`).

Each annotation is a dict with these keys (the README's output contract):
`dropped_chars` (characters of the dropped spans and sentence runs; summed over the
documents, the stats' `dropped_chars`), `dropped_spans` (spans dropped whole),
`dropped_runs` (sentence runs dropped inside spans that stay), `dropped` (their
`[start, end)` offsets into the original text, in order), `duplicate` (every judged
span dropped: a duplicate article) and `clusters` (the numbers, as in clusters.jsonl,
of the clusters with a member in this document, kept or dropped).
"""

from __future__ import annotations

import numpy as np

from .records import SpanTable
from .result import ScanResult

FIELD = "dedup"  # the key under which a clean JSONL record carries its annotation


def annotations(result: ScanResult) -> list[dict]:
    """One annotation per document of `result`, in its order."""
    spans, parts, n_docs = result.spans, result.parts, len(result.documents)
    span_doc, starts, ends = _columns(spans)
    mask = result.dropped_mask()
    whole = np.bincount(span_doc[mask], minlength=n_docs)
    part_doc = span_doc[parts.span] if len(parts) else np.zeros(0, np.int64)
    runs = np.bincount(part_doc, minlength=n_docs)
    doc = np.concatenate([span_doc[mask], part_doc])
    start = np.concatenate([starts[mask], parts.start if len(parts) else np.zeros(0, np.int64)])
    end = np.concatenate([ends[mask], parts.end if len(parts) else np.zeros(0, np.int64)])
    order = np.lexsort((start, doc))
    doc, start, end = doc[order], start[order], end[order]
    bounds = np.searchsorted(doc, np.arange(n_docs + 1)).tolist()
    chars = np.bincount(doc, weights=end - start, minlength=n_docs).astype(np.int64).tolist()
    offsets = np.stack([start, end], axis=1).tolist()
    clusters = _clusters_per_document(result, span_doc)
    duplicate = result.duplicate_documents().tolist()
    return [
        {
            "dropped_chars": chars[d],
            "dropped_spans": int(whole[d]),
            "dropped_runs": int(runs[d]),
            "dropped": offsets[bounds[d] : bounds[d + 1]],
            "duplicate": duplicate[d],
            "clusters": clusters[d],
        }
        for d in range(n_docs)
    ]


def _columns(spans) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(doc, start, end) of every span as int64 arrays."""
    if isinstance(spans, SpanTable):
        return spans.doc.astype(np.int64), spans.start.astype(np.int64), spans.end.astype(np.int64)
    return tuple(np.fromiter((getattr(s, f) for s in spans), np.int64, len(spans)) for f in ("doc", "start", "end"))


def _clusters_per_document(result: ScanResult, span_doc: np.ndarray) -> list[list[int]]:
    """Per document, the sorted numbers of the clusters it has a member in (kept spans of
    earlier batches, read from an index, belong to no document here)."""
    parts, n = result.parts, len(span_doc)
    found: list[set[int]] = [set() for _ in result.documents]
    for c, cluster in enumerate(result.clusters):
        members = [cluster.kept, *cluster.dropped, *(int(parts.span[r]) for r in cluster.parts)]
        for d in span_doc[[i for i in members if i < n]].tolist():
            found[d].add(c)
    return [sorted(s) for s in found]
