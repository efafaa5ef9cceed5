"""Scan a batch against an index of earlier batches, then add the batch's kept spans.

The index's spans were kept when their batch was scanned, so here they act as
spans already kept: they can cover a new span (which is then dropped against
them) but are never dropped themselves. The batch goes through the one-shot
scan's own stages (pipeline.map_stage, then pipeline.reduce_stage on the union of
the batch and the indexed spans it could match, found by set key, band key or
anchor exactly as a one-shot scan would pair them):

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

import operator
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import numpy as np

from ..arrays import distinct, ramp, run_starts, stable_order
from ..config import Config
from ..pipeline import Mapped, map_stage, reduce_stage, spill_folder
from ..records import Document, IndexedSpan
from ..result import ScanResult
from ..stages import candidates
from ..stages.mapping import Progress
from ..stages.pairs import band_keys, need_cap
from ..stages.units import set_keys
from ..stats import Laps
from .base import Conflict, Entries, IndexStoreError, Store, Transaction, batch_key

# Attempts before giving up when other writers keep committing first (Redis only;
# SQLite serialises writers with a lock instead).
RETRIES = 20


@dataclass
class Sketched:
    """What the index is queried by, per distinct shingle set (unit) of the batch."""

    set_keys: np.ndarray
    band_keys: np.ndarray  # (units, bands)
    anchors: np.ndarray  # anchor shingle values, with their unit in anchor_owner
    anchor_owner: np.ndarray
    n_anchors: np.ndarray


def sketch_batch(mapped: Mapped, config: Config, *, jobs: int = 1) -> Sketched:
    units = mapped.units
    anchors, owner = candidates.set_anchors(units.values, units.offsets, config.anchor_rate)
    return Sketched(
        set_keys=set_keys(units.values, units.offsets),
        band_keys=band_keys(units.values, units.offsets, config, threads=jobs),
        anchors=anchors,
        anchor_owner=owner.astype(np.int64),
        n_anchors=np.bincount(owner, minlength=len(units.sizes)),
    )


def _hits(txn: Transaction, kind: str, keys: np.ndarray, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """(key position, span id) of indexed spans sharing each key; a key shared by more
    than max_bucket spans yields only its first, as a one-shot scan pairs such a bucket."""
    pos, ids = txn.lookup(kind, keys, max_bucket + 1)
    counts = np.bincount(pos, minlength=len(keys))
    first = np.ones(len(pos), dtype=bool)
    first[1:] = pos[1:] != pos[:-1]
    keep = (counts[pos] <= max_bucket) | first
    return pos[keep], ids[keep]


def find_candidates(txn: Transaction, b: Sketched, config: Config) -> np.ndarray:
    """Ids of the indexed spans some unit of the batch would be paired with."""
    found = [np.zeros(0, dtype=np.int64)]
    if not txn.holds_spans():  # a first batch: its distinct keys cost 0.18 s per 20 MB, for nothing
        return found[0]
    for kind, keys in (("set", distinct(b.set_keys)), ("band", distinct(b.band_keys))):
        found.append(_hits(txn, kind, keys, config.max_bucket)[1])
    values, inverse = np.unique(b.anchors, return_inverse=True)  # with return_inverse numpy sorts (fast)
    pos, ids = _hits(txn, "anchor", values, config.max_bucket)
    if len(ids):
        # Expand each hit (anchor value, span) to every batch unit holding that anchor.
        order = stable_order(inverse)
        holders = b.anchor_owner[order]
        count = np.bincount(inverse, minlength=len(values))
        start = np.concatenate(([0], np.cumsum(count)[:-1]))
        rep = count[pos]
        within = np.arange(rep.sum()) - np.repeat(np.cumsum(rep) - rep, rep)
        # (batch unit, indexed span) pairs as one int64 code each (a 1-d unique sorts; axis=0 is slow)
        width = int(ids.max()) + 1
        codes = holders[np.repeat(start[pos], rep) + within].astype(np.int64) * width + np.repeat(ids, rep)
        codes, shared = np.unique(codes, return_counts=True)
        pairs = np.stack((codes // width, codes % width), axis=1)
        spans = distinct(pairs[:, 1])
        n_idx = txn.anchor_counts(spans)[np.searchsorted(spans, pairs[:, 1])]
        need = candidates.anchor_need(b.n_anchors[pairs[:, 0]], n_idx, config.threshold, need_cap(config))
        found.append(pairs[shared >= need, 1])
    return distinct(np.concatenate(found))


# How far from a span found its document's spans are fetched with it (stages.pairs.
# neighbour_pairs pairs a batch span with those up to two away from a span it shares text with).
REACH = 2


def with_neighbours(txn: Transaction, found: np.ndarray) -> Entries:
    """The entries of the span ids `found` (sorted) and of the stored spans of their documents
    up to REACH before and after each. A document's kept spans have consecutive ids in
    document order (new_entries), so those are the stored ids at most REACH away, each step
    within one document. (Its dropped spans were never stored: where a one-shot scan's
    neighbour is one of them, here it is the next kept span.)"""
    steps = np.arange(-REACH, REACH + 1, dtype=np.int64)
    ids = distinct((found[:, None] + steps).ravel())
    got = txn.fetch(ids[ids >= 0], strict=False)
    if len(got) < 2:
        return got
    keys = [(r.doc, r.source, r.line) for r in got.refs]
    # entry i and i + 1 are neighbours in one document
    beside = (np.diff(got.ids) == 1) & np.fromiter(map(operator.eq, keys[:-1], keys[1:]), dtype=bool, count=len(keys) - 1)
    near = np.isin(got.ids, found)
    for _ in range(REACH):
        near = near | np.concatenate(([False], near[:-1] & beside)) | np.concatenate((near[1:] & beside, [False]))
    return got.take(near)


def new_entries(mapped: Mapped, b: Sketched, result: ScanResult, config: Config) -> Entries:
    """The batch's kept judged spans, as the index stores them."""
    sh, units, docs = mapped.sh, mapped.units, mapped.docs
    elig = np.flatnonzero(sh.eligible)
    dropped = np.fromiter(result.drops, dtype=np.int64, count=len(result.drops))
    kept = np.flatnonzero(~np.isin(elig, dropped))
    bu = units.unit_of[kept]
    sizes = units.sizes[bu]
    offsets = run_starts(sizes)
    values = units.values[np.repeat(units.offsets[bu], sizes) + ramp(sizes)]
    spans, at = sh.spans, elig[kept]
    refs = [
        IndexedSpan(doc.id, doc.source, doc.line, index, start, end, doc.text[start:end])
        for doc, index, start, end in zip(
            map(docs.__getitem__, spans.doc[at].tolist()), spans.index[at].tolist(), spans.start[at].tolist(), spans.end[at].tolist(),
        )
    ]
    return Entries(refs=refs, values=values, offsets=offsets, set_keys=b.set_keys[bu], band_keys=b.band_keys[bu])


class Scanned:
    """A batch scanned against an index, inside the index's transaction: `result` is final;
    `add` adds the batch's kept spans and commits (see scanning)."""

    def __init__(self, stack: ExitStack, txn: Transaction, store: Store, mapped: Mapped, b: Sketched, result: ScanResult,
                 known: Entries, lap: Laps):
        self.result, self._stack, self._txn, self._store = result, stack, txn, store
        self._mapped, self._b, self._known, self._lap = mapped, b, known, lap
        self.added = False

    def add(self) -> None:
        """Add the batch's kept spans (nothing for a batch committed before) and commit; once."""
        if self.added:
            return
        self._lap.restart()
        txn, mapped, result = self._txn, self._mapped, self.result
        new = None if txn.prior is not None else new_entries(mapped, self._b, result, self._store.config)
        batch = txn.prior or txn.add(new, len(mapped.docs))
        self._stack.close()  # the transaction ends: committed (or Conflict, for a backend that may raise it)
        self._lap("index_add")
        self.added = True
        result.stats["index"].update({
            "location": self._store.location,
            "batch": batch.number,
            "rerun": txn.prior is not None,
            "candidates_fetched": len(self._known),
            "dropped_against_index": sum(d.kept >= len(mapped.sh.spans) for d in result.drops.values()),
            "added_spans": 0 if new is None else len(new),
        })


def _scan_batch(stack: ExitStack, store: Store, mapped: Mapped, b: Sketched, lap: Laps, jobs: int, sample_pairs: bool) -> Scanned:
    """Open the batch's transaction in `stack`, fetch the indexed spans it could match and decide."""
    config = store.config
    txn = stack.enter_context(store.transaction(batch_key(mapped.docs)))
    found = find_candidates(txn, b, config)
    known = with_neighbours(txn, found) if config.sentence_runs else txn.fetch(found)
    lap("index_query")
    result, _ = reduce_stage(mapped, config, lap, jobs=jobs, sample_pairs=sample_pairs, known=known, keys=b.band_keys)
    result.stats["index"] = {}  # filled by Scanned.add, here for its place among the stats
    result.stats["seconds"] = lap.timings
    return Scanned(stack, txn, store, mapped, b, result, known, lap)


@contextmanager
def scanning(
    documents: Iterable[Document], store: Store, progress: Progress | None = None, *, jobs: int = 1,
    spill=None, sample_pairs: bool = True,
) -> Iterator[Scanned]:
    """Scan `documents` against everything in `store`; the block gets the Scanned batch,
    whose kept spans are added when it calls `add` or, at the latest, when it ends (not
    if it raises: then nothing is added).

    So a caller may write its outputs while the batch is added (run.py: a forked child
    writes them as this process adds). Where the backend serialises writers (SQLite),
    the index stays locked for writers until then; elsewhere (Redis, where a commit may
    find that another writer came first and the batch is decided again) the spans are
    added before the block starts.
    """
    lap = Laps(progress)
    with spill_folder(spill) as folder:
        mapped = map_stage(documents, store.config, progress, jobs, folder)
        lap("shingle")
        b = sketch_batch(mapped, store.config, jobs=jobs)
        lap("sketch")
        if store.serialises_writers:
            with ExitStack() as stack:
                scanned = _scan_batch(stack, store, mapped, b, lap, jobs, sample_pairs)
                yield scanned
                scanned.add()
            return
        for _ in range(RETRIES):
            try:
                with ExitStack() as stack:
                    scanned = _scan_batch(stack, store, mapped, b, lap, jobs, sample_pairs)
                    scanned.add()
                break
            except Conflict:
                continue
        else:
            raise IndexStoreError(f"{store.location}: gave up after {RETRIES} attempts: other writers kept committing first")
        yield scanned


def scan_incremental(
    documents: Iterable[Document], store: Store, progress: Progress | None = None, *, jobs: int = 1,
    spill=None, sample_pairs: bool = True,
) -> ScanResult:
    """Clean `documents` against everything in `store`, then add their kept spans to it.

    The batch is added all or nothing. Running the same batch (same ids and texts,
    same order) again gives the same result as the first time and adds nothing.
    `documents` may be a stream; `jobs`, `spill` and `sample_pairs` as in pipeline.scan.
    """
    with scanning(documents, store, progress, jobs=jobs, spill=spill, sample_pairs=sample_pairs) as scanned:
        scanned.add()
    return scanned.result
