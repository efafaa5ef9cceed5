"""Exact verification of candidate pairs on their shingle sets."""

from __future__ import annotations

import numpy as np

from ..accel import kernels
from ..arrays import count_in


# Below this many pairs one thread does it: starting threads would cost more.
THREADED_PAIRS = 1 << 18


def intersections(pairs: np.ndarray, values: np.ndarray, offsets: np.ndarray, *, threads: int = 1) -> np.ndarray:
    """|A ∩ B| for each pair of sorted, distinct shingle sets. `threads` > 1 splits
    millions of pairs between threads (the compiled loop releases the GIL)."""
    out = np.zeros(len(pairs), dtype=np.int64)
    fast = kernels.compiled(len(values))
    if fast is not None:
        pairs = np.asarray(pairs)
        if pairs.dtype.kind != "i":
            pairs = pairs.astype(np.int64)
        pairs = np.ascontiguousarray(pairs).reshape(-1, 2)
        offsets = np.asarray(offsets, dtype=np.int64)
        parts = min(threads, max(1, len(pairs) // THREADED_PAIRS))
        kernels.in_ranges(lambda a, b: fast.intersections(pairs[a:b], values, offsets, out[a:b]), len(pairs), parts)
        return out
    for k, (i, j) in enumerate(pairs):
        a = values[offsets[i] : offsets[i + 1]]
        b = values[offsets[j] : offsets[j + 1]]
        out[k] = count_in(a, b) if len(a) <= len(b) else count_in(b, a)
    return out


def is_edge(inter, size_a, size_b, threshold: float):
    """Whether a verified pair is an edge: |A ∩ B| >= threshold x the smaller set's size.
    The one place the rule is written on the Python side (is_edge in
    accel/native/_native.c is its compiled twin); numbers or numpy arrays (then element-wise)."""
    return inter >= threshold * np.minimum(size_a, size_b)


def count_verified(pairs: np.ndarray, inter: np.ndarray, sizes: np.ndarray, threshold: float) -> int:
    """How many pairs are verified edges: |A ∩ B| >= threshold x the smaller set's size."""
    pairs = np.asarray(pairs).reshape(-1, 2)
    fast = kernels.compiled(len(pairs) * 16)
    if fast is not None:
        return int(fast.count_verified(np.ascontiguousarray(pairs), np.asarray(inter, dtype=np.int64),
                                       np.asarray(sizes, dtype=np.int64), float(threshold)))
    count, step = 0, 1 << 20  # in blocks: millions of pairs need no full-size temporaries
    for lo in range(0, len(pairs), step):
        p = pairs[lo : lo + step]
        count += int(np.count_nonzero(is_edge(np.asarray(inter[lo : lo + step]), sizes[p[:, 0]], sizes[p[:, 1]], threshold)))
    return count


def similarity(inter: int, size_a: int, size_b: int) -> tuple[float, float, float]:
    """(Jaccard, C(A->B), C(B->A)) from an intersection size and the two set sizes."""
    union = size_a + size_b - inter
    return (
        inter / union if union else 1.0,
        inter / size_a if size_a else 1.0,
        inter / size_b if size_b else 1.0,
    )


def similarities(inter: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """similarity() of many pairs at once: float64 arrays of the same values."""
    inter, size_a, size_b = (np.asarray(x, dtype=np.int64) for x in (inter, size_a, size_b))
    union = size_a + size_b - inter

    def ratio(den: np.ndarray) -> np.ndarray:
        return np.where(den > 0, inter / np.maximum(den, 1), 1.0)

    return ratio(union), ratio(size_a), ratio(size_b)
