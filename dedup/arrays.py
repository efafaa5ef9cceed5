"""Small array idioms shared by the stages (numpy; the compiled radix sorts for large keys)."""

from __future__ import annotations

import numpy as np

from .accel import kernels


def _as_u64(a: np.ndarray) -> np.ndarray | None:
    """`a` as uint64 with the same order (uint64, or int64 without negatives), else None."""
    if a.dtype == np.uint64:
        return a
    if a.dtype == np.int64 and (not len(a) or a.min() >= 0):
        return a.view(np.uint64)
    return None


def ramp(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., counts[0] - 1, 0, 1, ..., counts[1] - 1, ...: each element's
    position within its run, for runs of the given lengths laid end to end."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)


def run_starts(counts: np.ndarray) -> np.ndarray:
    """Offsets `[0, c0, c0 + c1, ...]` (length len(counts) + 1) of runs laid end to end."""
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def distinct(a: np.ndarray) -> np.ndarray:
    """np.unique(a) (sorted distinct values of a flattened) by sorting: numpy 2's
    hash-based np.unique takes over ten times as long on a million uint64 keys."""
    flat = np.ravel(a)
    native = kernels.compiled(len(flat)) if flat.dtype == np.uint64 else None
    if native is not None:  # a radix sort: 1.56M band keys in 24 ms against np.sort's 83 (here)
        s = flat.copy()
        native.sort_u64(s)
    else:
        s = np.sort(flat)
    return s[np.concatenate(([True], s[1:] != s[:-1]))] if len(s) else s


def grouped_sets(values: np.ndarray, groups: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of each group 0 .. n_groups - 1, laid end to end, and
    their offsets (length n_groups + 1): many small np.unique calls in one sort."""
    order = np.lexsort((values, groups))
    values, groups = values[order], groups[order]
    new = np.ones(len(values), dtype=bool)
    new[1:] = (values[1:] != values[:-1]) | (groups[1:] != groups[:-1])
    return values[new], np.searchsorted(groups[new], np.arange(n_groups + 1))


def stable_order(keys: np.ndarray) -> np.ndarray:
    """np.argsort(keys, kind="stable") (int64), faster: the compiled radix sort for large
    64-bit keys; else numpy's default sort, vectorised (numpy's stable sort of 64-bit keys
    is a merge sort: 1.5M band keys 100 ms here, 230 ms stable), then each run of equal
    keys put back in position order."""
    n = len(keys)
    native = kernels.compiled(n)
    as_u64 = _as_u64(keys) if native is not None and keys.ndim == 1 else None
    if as_u64 is not None:  # a radix sort carrying positions, stable as it is: 1.56M keys 67 ms (the way below: 156)
        order = np.empty(n, dtype=np.int64)
        native.stable_order(np.ascontiguousarray(as_u64), order)
        return order
    if n >= 1 << 32:  # positions must fit in the low half of the codes below
        return np.argsort(keys, kind="stable")
    order = np.argsort(keys).astype(np.int64, copy=False)
    s = keys[order]
    tie = s[1:] == s[:-1]
    if not tie.any():
        return order
    member = np.zeros(n, dtype=bool)
    member[1:] |= tie
    member[:-1] |= tie
    at = np.flatnonzero(member)
    group = np.concatenate(([0], np.cumsum(~tie)))[at].astype(np.uint64)
    codes = (group << np.uint64(32)) | order[at].astype(np.uint64)  # sorted: by run, then position
    codes.sort()
    order[at] = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return order


def in_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per element of `a`: is it in sorted `b`? (a bool mask)"""
    if not len(a) or not len(b):
        return np.zeros(len(a), dtype=bool)
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return b[at] == a


def count_in(a: np.ndarray, b: np.ndarray) -> int:
    """How many of sorted, distinct `a` are in sorted `b`."""
    return int(np.count_nonzero(in_sorted(a, b)))
