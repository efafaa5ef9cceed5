"""Scan a batch against an index of earlier batches, then add the batch's kept spans.

The index's spans were kept when their batch was scanned, so here they act as
spans already kept: they can cover a new span (which is then dropped against
them) but are never dropped themselves. The core's stages do the work on the
union of the batch and the indexed spans it could match (found by set key, band
key or anchor, exactly as a one-shot scan would pair them):

- indexed spans rank before every new span and are never paired with each
  other, so `decide` keeps them all;
- a new span *fuller* than an indexed span it matches is not dropped against
  it: the earlier copy is already published and stays, and dropping the fuller
  one would lose the content it adds. A one-shot scan would keep the fuller copy
  and drop the earlier one instead.

Equivalence with one scan over all batches together (keep=first, batches in
input order) is exact except (1) that fuller-later-copy case, (2) buckets over
`max_bucket` spans (the index holds only kept spans, so bucket sizes differ),
and (3) which kept span a new span is attributed to when its shingle set equals
that of a span dropped in an earlier batch. With keep=longest, earlier batches
are never revised, so a longer later near-equal copy is dropped, not kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..accel import memory
from ..config import Config
from ..outcome import Drop, PartTable
from ..records import Document, IndexedSpan
from ..report import borderline
from ..result import ScanResult
from ..stages import candidates, decide, runs, sketch, verify
from ..stages.drops import clusters_of, span_drops
from ..stages.judge import judge, part_table
from ..stages.mapping import Progress, Shingled, shingle_documents
from ..stages.pairs import Pairs, need_cap
from ..stages.units import Units, group_units, rank_spans, set_keys
from ..stats import Laps, summarize
from .base import Conflict, Entries, IndexStoreError, Store, Transaction, batch_key

# Attempts before giving up when other writers keep committing first (Redis only;
# SQLite serialises writers with a lock instead).
RETRIES = 20


@dataclass
class Sketched:
    """The batch's distinct shingle sets with everything the index is queried by."""

    units: Units
    sigs: np.ndarray
    set_keys: np.ndarray
    band_keys: np.ndarray  # (units, bands)
    anchors: np.ndarray  # anchor shingle values, with their unit in anchor_owner
    anchor_owner: np.ndarray
    n_anchors: np.ndarray


def sketch_batch(sh: Shingled, config: Config) -> Sketched:
    units = group_units(sh.values, sh.offsets)
    sigs = sketch.signatures(units.values, units.offsets, sketch.permutations(config.num_perm, config.seed))
    owner = np.repeat(np.arange(len(units.sizes), dtype=np.int64), units.sizes)
    mask = candidates.anchor_mask(units.values, config.anchor_rate)
    return Sketched(
        units=units,
        sigs=sigs,
        set_keys=np.array(set_keys(units.values, units.offsets), dtype=np.uint64),
        band_keys=candidates.band_keys(sigs, *config.band_rows),
        anchors=units.values[mask],
        anchor_owner=owner[mask],
        n_anchors=np.bincount(owner[mask], minlength=len(units.sizes)),
    )


def _hits(txn: Transaction, kind: str, keys: np.ndarray, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """(key position, span id) of indexed spans sharing each key; a key shared by more
    than max_bucket spans yields only its first, as a one-shot scan pairs such a bucket."""
    pos, ids = txn.lookup(kind, keys, max_bucket + 1)
    order = np.lexsort((ids, pos))
    pos, ids = pos[order], ids[order]
    counts = np.bincount(pos, minlength=len(keys))
    first = np.ones(len(pos), dtype=bool)
    first[1:] = pos[1:] != pos[:-1]
    keep = (counts[pos] <= max_bucket) | first
    return pos[keep], ids[keep]


def find_candidates(txn: Transaction, b: Sketched, config: Config) -> np.ndarray:
    """Ids of the indexed spans some unit of the batch would be paired with."""
    found = [np.zeros(0, dtype=np.int64)]
    for kind, keys in (("set", np.unique(b.set_keys)), ("band", np.unique(b.band_keys))):
        found.append(_hits(txn, kind, keys, config.max_bucket)[1])
    values, inverse = np.unique(b.anchors, return_inverse=True)
    pos, ids = _hits(txn, "anchor", values, config.max_bucket)
    if len(ids):
        # Expand each hit (anchor value, span) to every batch unit holding that anchor.
        order = np.argsort(inverse, kind="stable")
        holders = b.anchor_owner[order]
        count = np.bincount(inverse, minlength=len(values))
        start = np.concatenate(([0], np.cumsum(count)[:-1]))
        rep = count[pos]
        within = np.arange(rep.sum()) - np.repeat(np.cumsum(rep) - rep, rep)
        pairs = np.stack((holders[np.repeat(start[pos], rep) + within], np.repeat(ids, rep)), axis=1)
        pairs, shared = np.unique(pairs, axis=0, return_counts=True)
        spans = np.unique(pairs[:, 1])
        n_idx = txn.anchor_counts(spans)[np.searchsorted(spans, pairs[:, 1])]
        need = candidates.anchor_need(b.n_anchors[pairs[:, 0]], n_idx, config.threshold, need_cap(config))
        found.append(pairs[shared >= need, 1])
    return np.unique(np.concatenate(found))


@dataclass
class Decided:
    drops: dict[int, Drop]
    units: Units
    found: Pairs
    new: Entries  # the batch's kept spans, to be added
    sample: borderline.PairSample  # near-threshold pairs, for the report
    parts: PartTable  # sentence runs dropped inside the batch's kept spans


def decide_against(
    docs: list[Document], sh: Shingled, b: Sketched, known: Entries, config: Config, *, threads: int = 1
) -> Decided:
    """The core's decision over the indexed spans (kept, ranked first) and the batch;
    candidates and verification in `threads` threads, as in a one-shot scan."""
    m, n_spans = len(known), len(sh.spans)
    elig = np.flatnonzero(sh.eligible)
    values = np.concatenate((known.values, sh.values))
    offsets = np.concatenate((known.offsets, known.offsets[-1] + sh.offsets[1:]))
    units = group_units(values, offsets)
    n = len(units.sizes)
    lengths = np.array([sh.spans[i].end - sh.spans[i].start for i in elig], dtype=np.int64)
    span_rank = np.concatenate((np.arange(m, dtype=np.int64), m + rank_spans(lengths, config.keep)))
    u_rank = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(u_rank, units.unit_of, span_rank)
    indexed = np.zeros(n, dtype=bool)
    indexed[units.unit_of[:m]] = True

    first_member = np.unique(units.unit_of, return_index=True)[1]
    sigs = np.concatenate((known.sigs, b.sigs[b.units.unit_of]))[first_member]
    bands, rows = config.band_rows
    prop = candidates.propose(
        sigs, units.values, units.offsets, bands=bands, rows=rows, anchor_rate=config.anchor_rate,
        containment=config.threshold, max_bucket=config.max_bucket, between=memory.release, threads=threads,
        need_cap=need_cap(config),
    )
    pairs = prop.pairs[~(indexed[prop.pairs[:, 0]] & indexed[prop.pairs[:, 1]])]
    inter = verify.intersections(pairs, units.values, units.offsets, threads=threads)
    edges = _edges(pairs, inter, units.sizes, indexed)

    def unit_text(u: int) -> str:
        e = int(first_member[u])
        if e < m:
            return known.refs[e].text
        span = sh.spans[int(elig[e - m])]
        return docs[span.doc].text[span.start : span.end]

    place = None
    if config.sentence_runs:  # documents as keys: the batch's by number, the indexed ones' below zero
        earlier: dict[tuple, int] = {}
        indexed_doc = [-1 - earlier.setdefault((r.doc, r.source, r.line), len(earlier)) for r in known.refs]
        member_doc = np.concatenate((np.asarray(indexed_doc, dtype=np.int64), sh.spans.doc[elig].astype(np.int64)))
        place = runs.layout(units.unit_of, span_rank, member_doc, n)
    verdict = judge(
        units.sizes, units.values, units.offsets, u_rank, pairs, inter, config, unit_text, usable=edges, layout=place,
    )
    keeper = verdict.keeper
    assert (keeper[indexed] == -1).all(), "indexed spans rank first and are never paired together"
    span_ids = np.concatenate((n_spans + np.arange(m, dtype=np.int64), elig))
    drops = span_drops(units.unit_of, span_rank, units.sizes, keeper, pairs, inter, span_ids, verdict.covered)
    drops = {i: d for i, d in drops.items() if i < n_spans}  # indexed spans are never dropped
    parts = part_table(verdict, units.unit_of, span_rank, span_ids, lambda i: int(sh.spans[i].start), lambda u: int(units.sizes[u]))

    kept = [e for e, i in enumerate(elig) if int(i) not in drops]
    bu = b.units.unit_of[kept]
    new_sets = [b.units.values[b.units.offsets[u] : b.units.offsets[u + 1]] for u in bu]
    new_offsets = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in new_sets], out=new_offsets[1:])
    refs = []
    for e in kept:
        span = sh.spans[elig[e]]
        doc = docs[span.doc]
        refs.append(IndexedSpan(doc.id, doc.source, doc.line, span.index, span.start, span.end, doc.text[span.start : span.end]))
    new = Entries(
        refs=refs,
        values=np.concatenate(new_sets) if new_sets else np.zeros(0, dtype=np.uint64),
        offsets=new_offsets,
        sigs=b.sigs[bu],
        set_keys=b.set_keys[bu],
    )
    proposals = candidates.Proposals(pairs, prop.lsh, prop.anchors, prop.oversized)
    reps = borderline.representatives(units.unit_of, span_rank, span_ids)
    sample = borderline.sample(pairs, inter, units.sizes, reps, config.threshold)
    return Decided(drops, units, Pairs(pairs, inter, proposals), new, sample, parts)


def _edges(pairs: np.ndarray, inter: np.ndarray, sizes: np.ndarray, indexed: np.ndarray) -> np.ndarray:
    """Verified pairs decide may use: not those where a new span is fuller than the
    indexed one (the published copy stays; the fuller new one must stay too)."""
    keep = np.ones(len(pairs), dtype=bool)
    for k in np.flatnonzero(indexed[pairs[:, 0]] != indexed[pairs[:, 1]]):
        i, j = pairs[k]
        x, y = (i, j) if indexed[i] else (j, i)
        sx, sy = int(sizes[x]), int(sizes[y])
        keep[k] = not decide.fuller(sy, sx, sx + sy - int(inter[k]))
    return keep


def scan_incremental(
    documents: Iterable[Document], store: Store, progress: Progress | None = None, *, jobs: int = 1
) -> ScanResult:
    """Clean `documents` against everything in `store`, then add their kept spans to it.

    The batch is added all or nothing. Running the same batch (same ids and texts,
    same order) again gives the same result as the first time and adds nothing.
    `jobs`: threads for the map stage, candidates and verification, as in pipeline.scan.
    """
    config = store.config
    lap = Laps()
    docs = list(documents)
    sh = shingle_documents(docs, config, progress, jobs=jobs)
    b = sketch_batch(sh, config)
    key = batch_key(docs)
    lap("shingle_sketch")
    for _ in range(RETRIES):
        try:
            with store.transaction(key) as txn:
                known = txn.fetch(find_candidates(txn, b, config))
                lap("index_query")
                got = decide_against(docs, sh, b, known, config, threads=jobs)
                lap("decide")
                batch = txn.prior or txn.add(got.new, len(docs))
                rerun = txn.prior is not None
            break
        except Conflict:
            continue
    else:
        raise IndexStoreError(f"{store.location}: gave up after {RETRIES} attempts: other writers kept committing first")
    lap("index_add")

    result = ScanResult(
        config, docs, sh.spans, sh.doc_spans, got.drops, clusters_of(got.drops, got.parts), indexed=known.refs,
        eligible=sh.eligible, parts=got.parts,
    )
    result.pairs = got.sample
    result.stats = summarize(result, got.units, got.found, config)
    result.stats["distinct_spans"] = len(b.units.sizes)
    result.stats["index"] = {
        "location": store.location,
        "batch": batch.number,
        "rerun": rerun,
        "candidates_fetched": len(known),
        "dropped_against_index": sum(d.kept >= len(sh.spans) for d in got.drops.values()),
        "added_spans": 0 if rerun else len(got.new),
    }
    result.stats["seconds"] = lap.timings
    return result
