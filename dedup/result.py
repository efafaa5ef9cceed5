"""ScanResult: what a scan found, and each document's clean text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .arrays import run_starts
from .config import Config
from .outcome import Cluster, Drop, DropTable, PartTable
from .records import Document, IndexedSpan, Span, SpanTable
from .report import borderline
from .stages import segment


@dataclass
class ScanResult:
    """What a scan found: the documents and their spans, which spans were dropped
    against which (drops, clusters), and the counts (stats)."""

    config: Config
    documents: list[Document]
    spans: list[Span]
    doc_spans: list[range]  # indices into spans, per document
    drops: Mapping[int, Drop]  # a DropTable from scan()
    clusters: Sequence[Cluster]  # a ClusterTable from scan()
    stats: dict = field(default_factory=dict)
    # Kept spans of earlier batches that spans here were dropped against (scan
    # against an index); span number len(spans) + k means indexed[k].
    indexed: list[IndexedSpan] = field(default_factory=list)
    # Near-threshold verified pairs and histograms for the report (None when not measured).
    pairs: borderline.PairSample | None = None
    # Sentence runs dropped inside spans that stay (stages/runs.py).
    parts: PartTable = field(default_factory=PartTable.empty)
    # A bool per span: long enough to be judged (None: not known, as in a hand-made result).
    eligible: np.ndarray | None = None

    def span_text(self, i: int) -> str:
        if i >= len(self.spans):
            return self.indexed[i - len(self.spans)].text
        s = self.spans[i]
        return self.documents[s.doc].text[s.start : s.end]

    def clean_text(self, doc: int) -> str:
        """The document with its dropped spans (and their separators) cut out."""
        text = self.documents[doc].text
        r_doc, r_start, r_end = self._removals()
        a, b = np.searchsorted(r_doc, (doc, doc + 1)).tolist()
        if a == b:
            return text
        return segment.cut(text, list(zip(r_start[a:b].tolist(), r_end[a:b].tolist())))

    def clean_texts(self, docs: Iterable[int]) -> Iterator[str]:
        """clean_text of each of `docs`, in order; for many documents, faster than a call each."""
        r_doc, r_start, r_end = self._removals()
        bounds = np.searchsorted(r_doc, np.arange(len(self.documents) + 1)).tolist()
        starts, ends = r_start.tolist(), r_end.tolist()
        for d in docs:
            a, b = bounds[d], bounds[d + 1]
            text = self.documents[d].text
            yield text if a == b else segment.cut(text, list(zip(starts[a:b], ends[a:b])))

    def _cached(self, name: str, key: tuple, compute):
        """compute(), kept while `key` holds the same objects (compared by identity,
        ints by value: a dict of drops may grow in place). The cache holds the key's
        objects, so none can be freed and its id reused while the entry stands."""
        hit = self._cache.get(name)
        if hit is None or len(hit[0]) != len(key) or not all(
            x is y or (type(x) is int and x == y) for x, y in zip(hit[0], key)
        ):
            hit = self._cache[name] = (key, compute())
        return hit[1]

    def _removals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """segment.removal_ranges of every document at once, kept while the drops are the same."""
        mask = self.dropped_mask()

        def compute():
            spans = self.spans
            if isinstance(spans, SpanTable):
                starts, ends = spans.start, spans.end
            else:
                starts, ends = (np.fromiter((getattr(x, f) for x in spans), np.int64, len(spans)) for f in ("start", "end"))
            count = np.fromiter((len(r) for r in self.doc_spans), np.int64, len(self.doc_spans))
            doc = np.repeat(np.arange(len(count)), count)  # numbered as clean_text's `doc`
            ranges = segment.removal_ranges_many(doc, starts, ends, mask)
            parts = self.parts
            if len(parts):  # sentence runs inside kept spans: their ranges join the spans'
                r_doc, r_start, r_end = (np.concatenate(x) for x in zip(ranges, (doc[parts.span], parts.cut_start, parts.cut_end)))
                order = np.lexsort((r_start, r_doc))
                ranges = (r_doc[order], r_start[order], r_end[order])
            return ranges

        return self._cached("removals", (mask,), compute)

    def is_duplicate_document(self, doc: int) -> bool:
        """True when every span long enough to be judged was dropped."""
        return bool(self.duplicate_documents()[doc])

    def duplicate_documents(self) -> np.ndarray:
        """is_duplicate_document of every document, as a bool array."""
        dropped = self.dropped_mask()

        def compute():
            eligible = self.eligible if self.eligible is not None and len(self.eligible) == len(dropped) else np.zeros_like(dropped)
            judged = run_starts(dropped | eligible)  # prefix counts: per document by subtraction
            gone = run_starts(dropped)
            first = np.fromiter((r.start for r in self.doc_spans), dtype=np.int64, count=len(self.doc_spans))
            stop = np.fromiter((r.stop for r in self.doc_spans), dtype=np.int64, count=len(self.doc_spans))
            n_judged = judged[stop] - judged[first]
            return (n_judged > 0) & (gone[stop] - gone[first] == n_judged)

        return self._cached("duplicates", (dropped, self.eligible, self.doc_spans, len(self.doc_spans)), compute)

    def dropped_mask(self) -> np.ndarray:
        """A bool per span: dropped or not (spans of a document are a range of these)."""

        def compute():
            n, drops = len(self.spans), self.drops
            if isinstance(drops, DropTable):
                return drops.dropped_mask(n)
            mask = np.zeros(n, dtype=bool)
            mask[[i for i in drops if i < n]] = True
            return mask

        return self._cached("dropped", (self.drops, len(self.drops), self.spans, len(self.spans)), compute)

    _cache: dict = field(default_factory=dict, repr=False, compare=False)


def is_duplicate(dropped: np.ndarray, eligible: np.ndarray) -> bool:
    """ScanResult.is_duplicate_document for one document given as its spans' bool arrays:
    some span is judged (dropped or eligible) and every judged span was dropped."""
    judged = dropped | eligible
    return bool(judged.any() and (dropped == judged).all())
