"""Candidate pairs: MinHash LSH bands (Jaccard) and exact anchor shingles (containment).

Both only propose; verify.py decides. Pairs are `(i, j)` rows with i < j,
over the indices of the sets given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .shingle import fmix64

_MUL = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Proposals:
    pairs: np.ndarray  # (k, 2) int64, i < j, sorted, distinct
    lsh: int  # distinct pairs proposed by LSH bands
    anchors: int  # distinct pairs proposed by shared anchors
    oversized: int  # buckets larger than max_bucket, paired to their first member only


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 key per (span, band): a hash of that band's rows of the signature."""
    sig = sig.astype(np.uint64)
    keys = np.empty((sig.shape[0], bands), dtype=np.uint64)
    for band in range(bands):
        acc = np.full(sig.shape[0], band + 1, dtype=np.uint64)
        for col in range(band * rows, (band + 1) * rows):
            acc = acc * _MUL + sig[:, col]
        keys[:, band] = fmix64(acc)
    return keys


def _group_pairs(keys: np.ndarray, items: np.ndarray, max_bucket: int) -> tuple[np.ndarray, int]:
    """Pairs of items sharing a key, with multiplicity (one per shared key).

    A group larger than max_bucket is paired to its first item only, so a
    stock phrase shared by thousands of spans costs linear, not quadratic, work.
    """
    order = np.lexsort((items, keys))
    keys, items = keys[order], items[order]
    bounds = np.flatnonzero(np.diff(keys)) + 1
    starts = np.concatenate(([0], bounds))
    sizes = np.diff(np.concatenate((starts, [len(keys)])))
    out = []
    twos = starts[sizes == 2]
    if len(twos):
        out.append(np.stack((items[twos], items[twos + 1]), axis=1))
    oversized = 0
    for start, size in zip(starts[sizes > 2], sizes[sizes > 2]):
        group = items[start : start + size]
        if size > max_bucket:
            oversized += 1
            out.append(np.stack((np.full(size - 1, group[0]), group[1:]), axis=1))
        else:
            i, j = np.triu_indices(size, k=1)
            out.append(np.stack((group[i], group[j]), axis=1))
    pairs = np.concatenate(out) if out else np.empty((0, 2), dtype=np.int64)
    return np.sort(pairs.astype(np.int64), axis=1), oversized


def _distinct(pairs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    codes, counts = np.unique(pairs[:, 0] * n + pairs[:, 1], return_counts=True)
    return np.stack((codes // n, codes % n), axis=1), counts


def lsh_pairs(sig: np.ndarray, bands: int, rows: int, max_bucket: int) -> tuple[np.ndarray, int]:
    """Pairs whose signatures agree on all rows of at least one band."""
    n = sig.shape[0]
    keys = band_keys(sig, bands, rows)
    items = np.repeat(np.arange(n, dtype=np.int64)[None, :], bands, axis=0).ravel()
    pairs, oversized = _group_pairs(keys.T.ravel(), items, max_bucket)
    return _distinct(pairs, max(n, 1))[0], oversized


def anchor_mask(values: np.ndarray, rate: int) -> np.ndarray:
    """The shingles chosen as anchors: the same hash-defined subset in every span."""
    if rate == 1:
        return np.ones(len(values), dtype=bool)
    return (fmix64(values ^ np.uint64(0xA5A5A5A5A5A5A5A5)) % np.uint64(rate)) == 0


def anchor_pairs(
    values: np.ndarray, offsets: np.ndarray, rate: int, containment: float, max_bucket: int
) -> tuple[np.ndarray, int]:
    """Pairs where the smaller set's anchors lie in the larger one often enough.

    The share of A's anchors found in B estimates C(A->B) without bias, whatever
    the size of B; we propose when it reaches half the containment threshold,
    leaving room for sampling noise in short spans.
    """
    n = len(offsets) - 1
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    mask = anchor_mask(values, rate)
    a_vals, a_owner = values[mask], owner[mask]
    n_anchors = np.bincount(a_owner, minlength=n)
    pairs, oversized = _group_pairs(a_vals, a_owner, max_bucket)
    if not len(pairs):
        return pairs, oversized
    pairs, shared = _distinct(pairs, max(n, 1))
    return pairs[shared >= anchor_need(n_anchors[pairs[:, 0]], n_anchors[pairs[:, 1]], containment)], oversized


def anchor_need(n_a: np.ndarray, n_b: np.ndarray, containment: float) -> np.ndarray:
    """Shared anchors a pair of sets with n_a and n_b anchors needs to be proposed."""
    return np.maximum(1, np.ceil(0.5 * containment * np.minimum(n_a, n_b)))


def propose(
    sig: np.ndarray, values: np.ndarray, offsets: np.ndarray, *, bands: int, rows: int,
    anchor_rate: int, containment: float, max_bucket: int,
) -> Proposals:
    """All candidate pairs from both sources, distinct."""
    lsh, over_lsh = lsh_pairs(sig, bands, rows, max_bucket)
    anc, over_anc = anchor_pairs(values, offsets, anchor_rate, containment, max_bucket)
    n = max(sig.shape[0], 1)
    both = _distinct(np.concatenate((lsh, anc)), n)[0] if len(lsh) + len(anc) else lsh
    return Proposals(pairs=both, lsh=len(lsh), anchors=len(anc), oversized=over_lsh + over_anc)
