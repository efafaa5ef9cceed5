"""The pipeline: documents in, decisions, clusters and clean texts out. No I/O here."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import xxhash

from . import candidates, decide, segment, shingle, sketch, verify
from .config import Config
from .normalize import tokens
from .records import Document, Span

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Drop:
    """Why a span was dropped: the kept span covering it and how well."""

    kept: int  # index of the kept span in ScanResult.spans
    jaccard: float
    containment: float  # C(dropped -> kept): share of this span found in the kept one
    kept_containment: float  # C(kept -> dropped)
    reason: str  # "exact", "contained" or "near-equal"


@dataclass(frozen=True)
class Cluster:
    kept: int
    dropped: tuple[int, ...]


@dataclass
class ScanResult:
    config: Config
    documents: list[Document]
    spans: list[Span]
    doc_spans: list[range]  # indices into spans, per document
    drops: dict[int, Drop]
    clusters: list[Cluster]
    stats: dict = field(default_factory=dict)

    def span_text(self, i: int) -> str:
        s = self.spans[i]
        return self.documents[s.doc].text[s.start : s.end]

    def clean_text(self, doc: int) -> str:
        """The document with its dropped spans (and their separators) cut out."""
        idx = self.doc_spans[doc]
        offsets = [(self.spans[i].start, self.spans[i].end) for i in idx]
        dropped = {k for k, i in enumerate(idx) if i in self.drops}
        text = self.documents[doc].text
        return segment.cut(text, segment.removal_ranges(offsets, dropped, len(text)))

    def is_duplicate_document(self, doc: int) -> bool:
        """True when every span long enough to be judged was dropped."""
        idx = self.doc_spans[doc]
        judged = [i for i in idx if i in self.drops or self._eligible[i]]
        return bool(judged) and all(i in self.drops for i in judged)

    _eligible: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool), repr=False)


def _set_keys(values: np.ndarray, offsets: np.ndarray) -> list[int]:
    return [xxhash.xxh3_64_intdigest(values[offsets[i] : offsets[i + 1]].tobytes()) for i in range(len(offsets) - 1)]


def scan(documents: Iterable[Document], config: Config | None = None, progress: Progress | None = None) -> ScanResult:
    """Find near-duplicate spans within and across `documents`, in the order given.

    Input order matters only for `keep="first"`: the earlier of two near-equal
    copies is kept. The CLI passes documents in a canonical order (sorted paths,
    then line), so the order files are listed in does not matter.
    """
    config = config or Config()
    tick = progress or (lambda stage, done, total: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 4)
        clock = now

    docs = list(documents)
    spans: list[Span] = []
    doc_spans: list[range] = []
    token_lists: list[list[str]] = []
    for d, doc in enumerate(docs):
        first = len(spans)
        for k, (s, e) in enumerate(segment.segment(doc.text, config.segment)):
            spans.append(Span(d, k, s, e))
            token_lists.append(tokens(doc.text[s:e]))
        doc_spans.append(range(first, len(spans)))
        tick("segment", d + 1, len(docs))
    lap("segment_normalize")

    n_tokens = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    eligible = n_tokens >= config.min_tokens
    elig_idx = np.flatnonzero(eligible)
    values, offsets = shingle.shingle_sets([token_lists[i] for i in elig_idx], config.ngram)
    del token_lists
    lap("shingle")

    # Units: distinct shingle sets. Exact copies share one unit, so the LSH and
    # anchor buckets never fill up with copies of one boilerplate paragraph.
    unit_of_key: dict[int, int] = {}
    unit_of = np.empty(len(elig_idx), dtype=np.int64)
    for k, key in enumerate(_set_keys(values, offsets)):
        unit_of[k] = unit_of_key.setdefault(key, len(unit_of_key))
    n_units = len(unit_of_key)
    first_member = np.full(n_units, -1, dtype=np.int64)
    for k in range(len(elig_idx) - 1, -1, -1):
        first_member[unit_of[k]] = k
    u_sizes = np.diff(offsets)[first_member]
    u_values = np.concatenate([values[offsets[k] : offsets[k + 1]] for k in first_member]) if n_units else values[:0]
    u_offsets = np.zeros(n_units + 1, dtype=np.int64)
    np.cumsum(u_sizes, out=u_offsets[1:])
    del values, offsets

    # Keep preference: rank of each eligible span, best member of each unit.
    lengths = np.array([spans[i].end - spans[i].start for i in elig_idx], dtype=np.int64)
    position = np.arange(len(elig_idx))
    order = np.lexsort((position, -lengths)) if config.keep == "longest" else position
    span_rank = np.empty(len(elig_idx), dtype=np.int64)
    span_rank[order] = np.arange(len(elig_idx))
    u_rank = np.full(n_units, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(u_rank, unit_of, span_rank)
    lap("units")

    perms = sketch.permutations(config.num_perm, config.seed)
    sig = sketch.signatures(u_values, u_offsets, perms)
    lap("sketch")
    bands, rows = config.band_rows
    prop = candidates.propose(
        sig, u_values, u_offsets, bands=bands, rows=rows, anchor_rate=config.anchor_rate,
        containment=config.containment, max_bucket=config.max_bucket,
    )
    del sig
    lap("candidates")
    inter = verify.intersections(prop.pairs, u_values, u_offsets)
    lap("verify")
    keeper = decide.decide(u_sizes, u_rank, prop.pairs, inter, config.containment)
    edge_inter = {(int(i), int(j)): int(k) for (i, j), k in zip(prop.pairs, inter)}

    # Per span: the kept member of its unit is its best-ranked one; every other
    # member is an exact copy dropped against it, and a dropped unit's members
    # are dropped against the kept member of the unit that covers it.
    best_member = np.full(n_units, -1, dtype=np.int64)
    for k in np.argsort(span_rank, kind="stable"):
        if best_member[unit_of[k]] < 0:
            best_member[unit_of[k]] = k
    drops: dict[int, Drop] = {}
    for k in range(len(elig_idx)):
        u = int(unit_of[k])
        if keeper[u] == -1:
            if best_member[u] != k:
                drops[int(elig_idx[k])] = Drop(int(elig_idx[best_member[u]]), 1.0, 1.0, 1.0, "exact")
            continue
        ku = int(keeper[u])
        shared = edge_inter[(min(u, ku), max(u, ku))]
        size_x, size_k = int(u_sizes[u]), int(u_sizes[ku])
        jac, c_x, c_k = verify.similarity(shared, size_x, size_k)
        reason = "contained" if decide.fuller(size_k, size_x, size_x + size_k - shared) else "near-equal"
        drops[int(elig_idx[k])] = Drop(int(elig_idx[best_member[ku]]), jac, c_x, c_k, reason)

    by_kept: dict[int, list[int]] = {}
    for i in sorted(drops):
        by_kept.setdefault(drops[i].kept, []).append(i)
    clusters = [Cluster(k, tuple(v)) for k, v in sorted(by_kept.items())]
    lap("decide")

    span_chars = sum(s.end - s.start for s in spans)
    dropped_chars = sum(spans[i].end - spans[i].start for i in drops)
    verified = int(np.count_nonzero(inter >= config.containment * np.minimum(u_sizes[prop.pairs[:, 0]], u_sizes[prop.pairs[:, 1]]))) if len(inter) else 0
    result = ScanResult(config, docs, spans, doc_spans, drops, clusters)
    result._eligible = eligible
    result.stats = {
        "documents": len(docs),
        "spans": len(spans),
        "short_spans": int(len(spans) - len(elig_idx)),
        "distinct_spans": n_units,
        "clusters": len(clusters),
        "dropped_spans": len(drops),
        "duplicate_documents": sum(result.is_duplicate_document(d) for d in range(len(docs))),
        "span_chars": span_chars,
        "dropped_chars": dropped_chars,
        "duplicate_ratio": round(dropped_chars / span_chars, 6) if span_chars else 0.0,
        "candidates": {
            "lsh": prop.lsh,
            "anchors": prop.anchors,
            "total": len(prop.pairs),
            "verified": verified,
            "false_positives": len(prop.pairs) - verified,
            "oversized_buckets": prop.oversized,
        },
        "parameters": config.params(),
        "fingerprint": config.fingerprint,
        "seconds": timings,
    }
    return result
