"""Verified pairs near the threshold, and how similar the pairs that stayed apart were.

clusters.jsonl holds only what was dropped; to judge the threshold a user also
needs the near misses. This keeps a small, bounded sample of the verified
candidate pairs (the report's borderline list and histograms), never all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..stages import verify

# Histograms cover [0, 1] in bins this wide (1.0 falls in the last bin).
BINS = 50
# At most this many pairs on each side of the threshold, within MARGIN of it.
LIMIT = 25
MARGIN = 0.15


@dataclass(frozen=True)
class PairMeasure:
    """A verified candidate pair of spans (indices into ScanResult.spans, a < b)."""

    a: int
    b: int
    jaccard: float
    a_in_b: float  # C(a -> b)
    b_in_a: float  # C(b -> a)

    @property
    def containment(self) -> float:
        """The decisive measure: the smaller set's share inside the other."""
        return max(self.a_in_b, self.b_in_a)


@dataclass(frozen=True)
class PairSample:
    """What the report shows about verified pairs beyond the clusters."""

    threshold: float
    verified: int  # distinct shingle-set pairs measured
    below: tuple[PairMeasure, ...]  # highest containment first, all < threshold
    above: tuple[PairMeasure, ...]  # lowest containment first, all >= threshold
    # Pairs that stayed apart (containment < threshold): counts per bin of
    # their containment and of their Jaccard.
    below_containment: tuple[int, ...]
    below_jaccard: tuple[int, ...]


def histogram(values: np.ndarray) -> tuple[int, ...]:
    """Counts of values in [0, 1] per bin of width 1/BINS."""
    idx = np.minimum((np.asarray(values, dtype=np.float64) * BINS).astype(np.int64), BINS - 1)
    return tuple(int(c) for c in np.bincount(idx, minlength=BINS))


def representatives(unit_of: np.ndarray, span_rank: np.ndarray, span_ids: np.ndarray) -> np.ndarray:
    """The best-ranked span of each unit of identical shingle sets, as a global span index."""
    order = np.lexsort((span_rank, unit_of))
    firsts = np.searchsorted(unit_of[order], np.arange(int(unit_of.max()) + 1 if len(unit_of) else 0))
    return span_ids[order[firsts]]


# Pairs measured at once: bounds the arrays sample() makes (a dozen per pair).
_BLOCK = 1 << 19


def sample(
    pairs: np.ndarray, inter: np.ndarray, sizes: np.ndarray, rep: np.ndarray, threshold: float,
    limit: int = LIMIT, margin: float = MARGIN,
) -> PairSample:
    """Borderline pairs and below-threshold histograms from verified unit pairs.

    `pairs` index units of sizes `sizes`, `inter` their intersections, `rep`
    each unit's representative span. Sorting is total (measure, then span
    indices), so the sample is deterministic. Pairs are measured in blocks, the
    best of each block kept: the same sample, in bounded memory.
    """
    if not len(pairs):
        empty = histogram(np.zeros(0))
        return PairSample(threshold, 0, (), (), empty, empty)
    below: list[PairMeasure] = []
    above: list[PairMeasure] = []
    hist_c = hist_j = np.zeros(BINS, dtype=np.int64)
    for lo in range(0, len(pairs), _BLOCK):
        b, a, c, j = _sample_block(pairs[lo : lo + _BLOCK], inter[lo : lo + _BLOCK], sizes, rep, threshold, limit, margin)
        below += b
        above += a
        hist_c, hist_j = hist_c + c, hist_j + j
    return PairSample(
        threshold=threshold,
        verified=len(pairs),
        below=tuple(sorted(below, key=lambda p: (-p.containment, p.a, p.b))[:limit]),
        above=tuple(sorted(above, key=lambda p: (p.containment, p.a, p.b))[:limit]),
        below_containment=tuple(int(x) for x in hist_c),
        below_jaccard=tuple(int(x) for x in hist_j),
    )


def _sample_block(pairs, inter, sizes, rep, threshold, limit, margin):
    """One block's best pairs below and above the threshold, and its histograms."""
    sa, sb = sizes[pairs[:, 0]].astype(np.float64), sizes[pairs[:, 1]].astype(np.float64)
    k = inter.astype(np.float64)
    a_in_b, b_in_a = k / np.maximum(sa, 1), k / np.maximum(sb, 1)
    jac = k / np.maximum(sa + sb - k, 1)
    cont = np.maximum(a_in_b, b_in_a)
    ra, rb = rep[pairs[:, 0]], rep[pairs[:, 1]]
    swap = ra > rb
    span_a, span_b = np.where(swap, rb, ra), np.where(swap, ra, rb)
    a_in_b, b_in_a = np.where(swap, b_in_a, a_in_b), np.where(swap, a_in_b, b_in_a)

    def take(mask: np.ndarray, descending: bool) -> list[PairMeasure]:
        idx = np.flatnonzero(mask)
        key = -cont[idx] if descending else cont[idx]
        idx = idx[np.lexsort((span_b[idx], span_a[idx], key))][:limit]
        return [PairMeasure(int(span_a[i]), int(span_b[i]), float(jac[i]), float(a_in_b[i]), float(b_in_a[i])) for i in idx]

    # decide's own rule, so a pair listed above the threshold is exactly a pair decide saw as an edge.
    edge = verify.is_edge(k, sa, sb, threshold)
    below = ~edge
    return (
        take(below & (cont >= threshold - margin), descending=True),
        take(edge & (cont < threshold + margin), descending=False),
        np.array(histogram(cont[below])),
        np.array(histogram(jac[below])),
    )
