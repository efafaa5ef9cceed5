"""What an index backend stores and answers. The scan logic is in incremental.py.

An index holds the kept spans of earlier batches: per span its document id,
offsets and text, its shingle set (uint64 values) and the keys it can be found by: its set key (exact copies), its LSH band keys and its
anchor shingles. Every value is stored as plain bytes or numbers, never pickled.
Span ids grow with commit order, so "the index as it was before batch b" is
"the spans with an id below b's first".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..arrays import ramp, run_starts
from ..config import Config, NORMALIZATION_VERSION
from ..errors import DedupError
from ..records import Document, IndexedSpan
from ..stages import candidates
from ..stages.pairs import band_keys

FORMAT = "dedup-index"
FORMAT_VERSION = 1  # a backend may have its own (sqlite.FORMAT_VERSION)
# How an entry is found: exact copies by set key, near copies by LSH band key,
# short-inside-long by anchor shingle.
KINDS = ("set", "band", "anchor")


class IndexStoreError(DedupError):
    """The index cannot be used: missing, foreign, damaged or built with other parameters."""

    exit_code = 2


class Conflict(Exception):
    """Another writer committed between our reads and our write; the caller retries."""


@dataclass(frozen=True)
class Batch:
    """A committed batch: its number (commit order), first span id, and counts."""

    number: int
    first_span: int
    spans: int
    documents: int


@dataclass
class Entries:
    """Spans as an index stores them: new ones to add, or ones fetched back (with ids)."""

    refs: list[IndexedSpan]
    values: np.ndarray  # shingle sets, concatenated (uint64)
    offsets: np.ndarray  # entry i's set is values[offsets[i]:offsets[i + 1]]
    set_keys: np.ndarray  # uint64, see stages.units.set_keys
    ids: np.ndarray | None = None  # int64 span ids, for fetched entries
    band_keys: np.ndarray | None = None  # (entries, bands) uint64, if already computed

    def __len__(self) -> int:
        return len(self.refs)

    def shingles(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def take(self, keep: np.ndarray) -> Entries:
        """The entries where `keep` (bool, one per entry) is set, in order."""
        at = np.flatnonzero(keep)
        sizes = np.diff(self.offsets)[at]
        return Entries(
            refs=[self.refs[i] for i in at.tolist()],
            values=self.values[np.repeat(self.offsets[at], sizes) + ramp(sizes)],
            offsets=run_starts(sizes),
            set_keys=self.set_keys[at],
            ids=None if self.ids is None else self.ids[at],
            band_keys=None if self.band_keys is None else self.band_keys[at],
        )


def stack_entries(rows: Sequence[tuple]) -> Entries:
    """Entries from (id, set_key, shingle set, ref) rows."""
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r[2]) for r in rows], out=offsets[1:])
    return Entries(
        refs=[r[3] for r in rows],
        values=np.concatenate([r[2] for r in rows]).astype(np.uint64) if rows else np.zeros(0, dtype=np.uint64),
        offsets=offsets,
        set_keys=np.array([r[1] for r in rows], dtype=np.uint64),
        ids=np.array([r[0] for r in rows], dtype=np.int64),
    )


def anchor_mask(entries: Entries, config: Config) -> np.ndarray:
    """Which of the entries' shingles are anchors (for postings and anchor_counts)."""
    return candidates.anchor_mask(entries.values, config.anchor_rate)


def postings(entries: Entries, config: Config, mask: np.ndarray | None = None) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(kind, keys, entry index) of every key the entries are found by; `mask`: their
    anchor_mask, if already computed."""
    n = len(entries)
    yield "set", entries.set_keys.astype(np.uint64), np.arange(n, dtype=np.int64)
    bands = config.band_rows[0]
    keys = entries.band_keys if entries.band_keys is not None else band_keys(entries.values, entries.offsets, config)
    keys = np.ascontiguousarray(keys)  # (entries, bands)
    yield "band", keys.ravel(), np.repeat(np.arange(n, dtype=np.int64), bands)
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(entries.offsets))
    mask = anchor_mask(entries, config) if mask is None else mask
    yield "anchor", entries.values[mask], owner[mask]


def anchor_counts(entries: Entries, config: Config, mask: np.ndarray | None = None) -> np.ndarray:
    """Anchor shingles per entry (what the containment probe's threshold is based on)."""
    owner = np.repeat(np.arange(len(entries), dtype=np.int64), np.diff(entries.offsets))
    return np.bincount(owner[anchor_mask(entries, config) if mask is None else mask], minlength=len(entries))


class Transaction(Protocol):
    """One batch's reads and write, atomic: either all of the batch is added or none."""

    prior: Batch | None  # this batch was committed before: answer as of then, add nothing

    def holds_spans(self) -> bool:
        """False only when no span is stored before this batch (then nothing can match)."""

    def lookup(self, kind: str, keys: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows (position in keys, span id) for distinct keys: for each key, its first
        `limit` span ids; sorted by position, then id."""

    def anchor_counts(self, ids: np.ndarray) -> np.ndarray:
        """Anchors of each span id (ids as returned by lookup)."""

    def fetch(self, ids: np.ndarray, strict: bool = True) -> Entries:
        """The stored entries of these span ids, in the order given. Not `strict`: of
        those stored (and below this batch's own, on a re-run), ids that are not are left
        out (a guess at a neighbour's id); `strict`: such an id is damage (it came from a
        posting)."""

    def add(self, entries: Entries, documents: int) -> Batch:
        """Record the batch (even with no entries, so a re-run is recognised) and its entries."""


class Store(Protocol):
    location: str
    config: Config
    # A transaction holds the index's write lock (SQLite): no other writer commits between
    # its reads and its write, so the write may wait while the caller uses the result.
    serialises_writers: bool

    def transaction(self, batch_key: str) -> AbstractContextManager[Transaction]:
        """Reads and the write of one batch; may raise Conflict on leaving (retry)."""

    def remove(self, doc_ids: Sequence[str]) -> tuple[int, list[str]]:
        """Forget every span of these documents: (spans removed, ids that had spans)."""

    def stats(self) -> dict:
        """Counts, parameters and size."""

    def close(self) -> None: ...


class StoreBase:
    """What both backends share: context management and the shape of their stats."""

    location: str
    config: Config
    serialises_writers = False

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _stats(self, backend: str, spans: int, documents: int, batches: int, scanned: int, **size) -> dict:
        return {
            "location": self.location,
            "backend": backend,
            "spans": spans,  # kept spans stored
            "documents": documents,  # documents with stored spans
            "batches": batches,
            "documents_scanned": scanned,  # over all batches, including those whose spans were all dropped
            **size,
            "parameters": self.config.params(),
            "fingerprint": self.config.fingerprint,
        }


def batch_key(docs: Sequence[Document]) -> str:
    """Identity of a batch: its documents' ids and texts in order."""
    h = hashlib.sha256()
    for doc in docs:
        for part in (doc.id, doc.text):
            data = part.encode("utf-8", "surrogatepass")
            h.update(len(data).to_bytes(8, "little"))
            h.update(data)
    return h.hexdigest()[:32]


def header(config: Config, version: int = FORMAT_VERSION) -> dict[str, str]:
    """What an index records about itself when created."""
    return {
        "format": FORMAT,
        "format_version": str(version),
        "params": json.dumps(config.params(), sort_keys=True),
    }


def check_header(meta: dict[str, str], config: Config | None, location: str, version: int = FORMAT_VERSION) -> Config:
    """The index's own Config; refuses a foreign index, one of another format version
    or one built with other parameters."""
    if meta.get("format") != FORMAT:
        raise IndexStoreError(f"{location} is not a dedup index (no dedup index header); nothing was changed")
    found = meta.get("format_version")
    if found != str(version):
        older = found is not None and found.isdigit() and int(found) < version
        how = (
            "it was built by an older dedup; rebuild it: scan the earlier batches again, in their order, into a new "
            "index (dedup index add NEW-INDEX BATCH...), then use that one"
            if older else "it was written by a newer dedup; use that version"
        )
        raise IndexStoreError(
            f"{location} is a dedup index of format {found!r}; this dedup reads format {version}: {how}; nothing was changed"
        )
    try:
        stored = json.loads(meta["params"])
        # "containment": the threshold's name in indexes made before the rename.
        own = Config(**{("threshold" if k == "containment" else k): v for k, v in stored.items() if k != "normalization_version"})
    except (KeyError, ValueError, TypeError) as e:
        raise IndexStoreError(f"{location}: the index's parameters are damaged ({e})") from None
    if stored.get("normalization_version") != NORMALIZATION_VERSION:
        raise IndexStoreError(
            f"{location} was built with normalization version {stored.get('normalization_version')}, this dedup "
            f"uses {NORMALIZATION_VERSION}: its shingles do not compare; build a new index"
        )
    if config is not None and config.params() != own.params():
        theirs, ours = own.params(), config.params()
        diff = "; ".join(f"{k}: index {theirs[k]!r}, here {ours[k]!r}" for k in sorted(ours) if theirs.get(k) != ours[k])
        raise IndexStoreError(
            f"{location} was built with other parameters ({diff}); scan with the index's parameters or use a new index"
        )
    return own
