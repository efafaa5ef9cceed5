"""The pipeline: documents in, decisions, clusters and clean texts out. No I/O here."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import xxhash

from . import borderline, candidates, decide, segment, shingle, sketch, verify
from .config import Config
from .normalize import tokens
from .records import Document, IndexedSpan, Span

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
    # Kept spans of earlier batches that spans here were dropped against (scan
    # against an index); span number len(spans) + k means indexed[k].
    indexed: list[IndexedSpan] = field(default_factory=list)
    # Near-threshold verified pairs and histograms for the report (None when not measured).
    pairs: borderline.PairSample | None = None

    def span_text(self, i: int) -> str:
        if i >= len(self.spans):
            return self.indexed[i - len(self.spans)].text
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


@dataclass
class Shingled:
    """The map stage's output: spans of every document and shingle sets of the judged ones."""

    spans: list[Span]
    doc_spans: list[range]
    eligible: np.ndarray  # bool per span: long enough to be judged
    values: np.ndarray  # shingle sets of eligible spans, concatenated (see shingle.shingle_sets)
    offsets: np.ndarray


@dataclass
class Units:
    """Distinct shingle sets: exact copies share a unit and are judged once."""

    unit_of: np.ndarray  # unit of each eligible span
    values: np.ndarray
    offsets: np.ndarray
    sizes: np.ndarray


@dataclass
class Pairs:
    """Verified candidate pairs of units, with what was proposed."""

    pairs: np.ndarray
    inter: np.ndarray
    proposals: candidates.Proposals


def shingle_documents(docs: list[Document], config: Config, tick: Progress | None = None, first_doc: int = 0) -> Shingled:
    """Segment, normalise and shingle documents; each document independently (a map stage)."""
    spans: list[Span] = []
    doc_spans: list[range] = []
    token_lists: list[list[str]] = []
    for d, doc in enumerate(docs):
        first = len(spans)
        for k, (s, e) in enumerate(segment.segment(doc.text, config.segment)):
            spans.append(Span(first_doc + d, k, s, e))
            token_lists.append(tokens(doc.text[s:e]))
        doc_spans.append(range(first, len(spans)))
        if tick:
            tick("segment", d + 1, len(docs))
    n_tokens = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    eligible = n_tokens >= config.min_tokens
    judged = [token_lists[i] for i in np.flatnonzero(eligible)]
    if config.shingle == "char":
        judged = [shingle.char_tokens(t) for t in judged]
    values, offsets = shingle.shingle_sets(judged, config.ngram)
    return Shingled(spans, doc_spans, eligible, values, offsets)


def set_keys(values: np.ndarray, offsets: np.ndarray) -> list[int]:
    """A 64-bit key per shingle set; equal sets, equal keys."""
    return [xxhash.xxh3_64_intdigest(values[offsets[i] : offsets[i + 1]].tobytes()) for i in range(len(offsets) - 1)]


def group_units(values: np.ndarray, offsets: np.ndarray) -> Units:
    """Collapse identical shingle sets, so LSH and anchor buckets never fill up with
    copies of one boilerplate paragraph. Units are numbered by first occurrence."""
    unit_of_key: dict[int, int] = {}
    unit_of = np.empty(len(offsets) - 1, dtype=np.int64)
    for k, key in enumerate(set_keys(values, offsets)):
        unit_of[k] = unit_of_key.setdefault(key, len(unit_of_key))
    first_member = np.full(len(unit_of_key), -1, dtype=np.int64)
    for k in range(len(unit_of) - 1, -1, -1):
        first_member[unit_of[k]] = k
    sizes = np.diff(offsets)[first_member]
    u_values = np.concatenate([values[offsets[k] : offsets[k + 1]] for k in first_member]) if len(first_member) else values[:0]
    u_offsets = np.zeros(len(first_member) + 1, dtype=np.int64)
    np.cumsum(sizes, out=u_offsets[1:])
    return Units(unit_of, u_values, u_offsets, sizes)


def rank_spans(lengths: np.ndarray, keep: str) -> np.ndarray:
    """Keep preference of each span (0 = most preferred): input order, or longest first."""
    position = np.arange(len(lengths))
    order = np.lexsort((position, -lengths)) if keep == "longest" else position
    rank = np.empty(len(lengths), dtype=np.int64)
    rank[order] = position
    return rank


def unit_ranks(unit_of: np.ndarray, span_rank: np.ndarray, n_units: int) -> np.ndarray:
    """A unit's keep preference: that of its best-ranked member span."""
    u_rank = np.full(n_units, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(u_rank, unit_of, span_rank)
    return u_rank


def find_pairs(values: np.ndarray, offsets: np.ndarray, config: Config) -> Pairs:
    """Sketch, propose (LSH bands and anchors) and verify pairs of distinct sets."""
    sig = sketch.signatures(values, offsets, sketch.permutations(config.num_perm, config.seed))
    bands, rows = config.band_rows
    prop = candidates.propose(
        sig, values, offsets, bands=bands, rows=rows, anchor_rate=config.anchor_rate,
        containment=config.containment, max_bucket=config.max_bucket,
    )
    return Pairs(prop.pairs, verify.intersections(prop.pairs, values, offsets), prop)


def span_drops(
    unit_of: np.ndarray, span_rank: np.ndarray, sizes: np.ndarray, keeper: np.ndarray,
    pairs: np.ndarray, inter: np.ndarray, span_ids: np.ndarray,
) -> dict[int, Drop]:
    """Unit decisions applied to spans.

    The kept member of a unit is its best-ranked one; every other member is an
    exact copy dropped against it, and a dropped unit's members are dropped
    against the kept member of the unit that covers it. `span_ids` maps eligible
    spans to global span indices.
    """
    n_units = len(sizes)
    best_member = np.full(n_units, -1, dtype=np.int64)
    for k in np.argsort(span_rank, kind="stable"):
        if best_member[unit_of[k]] < 0:
            best_member[unit_of[k]] = k
    edge_inter = {(int(i), int(j)): int(k) for (i, j), k in zip(pairs, inter)}
    drops: dict[int, Drop] = {}
    for k in range(len(unit_of)):
        u = int(unit_of[k])
        if keeper[u] == -1:
            if best_member[u] != k:
                drops[int(span_ids[k])] = Drop(int(span_ids[best_member[u]]), 1.0, 1.0, 1.0, "exact")
            continue
        ku = int(keeper[u])
        shared = edge_inter[(min(u, ku), max(u, ku))]
        size_x, size_k = int(sizes[u]), int(sizes[ku])
        jac, c_x, c_k = verify.similarity(shared, size_x, size_k)
        drops[int(span_ids[k])] = Drop(int(span_ids[best_member[ku]]), jac, c_x, c_k, decide.reason(size_k, size_x, shared))
    return drops


def clusters_of(drops: dict[int, Drop]) -> list[Cluster]:
    """Star clusters: each kept span with the spans dropped against it, in span order."""
    by_kept: dict[int, list[int]] = {}
    for i in sorted(drops):
        by_kept.setdefault(drops[i].kept, []).append(i)
    return [Cluster(k, tuple(v)) for k, v in sorted(by_kept.items())]


class Laps:
    """Seconds spent per stage: call with a stage's name when it ends."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(now - self._clock, 4)
        self._clock = now


def scan(documents: Iterable[Document], config: Config | None = None, progress: Progress | None = None) -> ScanResult:
    """Find near-duplicate spans within and across `documents`, in the order given.

    Input order matters only for `keep="first"`: the earlier of two near-equal
    copies is kept. The CLI passes documents in a canonical order (sorted paths,
    then line), so the order files are listed in does not matter.
    """
    config = config or Config()
    lap = Laps()
    docs = list(documents)
    sh = shingle_documents(docs, config, progress)
    lap("shingle")
    units = group_units(sh.values, sh.offsets)
    elig_idx = np.flatnonzero(sh.eligible)
    lengths = np.array([sh.spans[i].end - sh.spans[i].start for i in elig_idx], dtype=np.int64)
    span_rank = rank_spans(lengths, config.keep)
    u_rank = unit_ranks(units.unit_of, span_rank, len(units.sizes))
    lap("units")
    found = find_pairs(units.values, units.offsets, config)
    lap("candidates_verify")
    keeper = decide.decide(units.sizes, u_rank, found.pairs, found.inter, config.containment)
    drops = span_drops(units.unit_of, span_rank, units.sizes, keeper, found.pairs, found.inter, elig_idx)
    clusters = clusters_of(drops)
    lap("decide")

    result = ScanResult(config, docs, sh.spans, sh.doc_spans, drops, clusters)
    result._eligible = sh.eligible
    reps = borderline.representatives(units.unit_of, span_rank, elig_idx)
    result.pairs = borderline.sample(found.pairs, found.inter, units.sizes, reps, config.containment)
    result.stats = summarize(result, units, found, config)
    result.stats["seconds"] = lap.timings
    return result


def summarize(result: ScanResult, units: Units, found: Pairs, config: Config) -> dict:
    """Counts of a finished scan; everything but timings is deterministic."""
    spans = result.spans
    span_chars = sum(s.end - s.start for s in spans)
    dropped_chars = sum(spans[i].end - spans[i].start for i in result.drops)
    sizes = units.sizes
    verified = 0
    if len(found.inter):
        smaller = np.minimum(sizes[found.pairs[:, 0]], sizes[found.pairs[:, 1]])
        verified = int(np.count_nonzero(found.inter >= config.containment * smaller))
    prop = found.proposals
    return {
        "documents": len(result.documents),
        "spans": len(spans),
        "short_spans": int(np.count_nonzero(~result._eligible)),
        "distinct_spans": len(sizes),
        "clusters": len(result.clusters),
        "dropped_spans": len(result.drops),
        "duplicate_documents": sum(result.is_duplicate_document(d) for d in range(len(result.documents))),
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
    }
