"""Small numpy idioms shared by the stages."""

from __future__ import annotations

import numpy as np


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
    s = np.sort(np.ravel(a))
    return s[np.concatenate(([True], s[1:] != s[:-1]))] if len(s) else s
