"""Keep or drop: the decision rule over verified pairs of distinct shingle sets.

Each dropped set is decided against one *kept* set that covers it
(C(dropped -> kept) >= threshold), so nothing chains: no set is ever dropped
because of a set that was itself dropped, and the only copy of content is
never dropped.
"""

from __future__ import annotations

import heapq

import numpy as np

from ..accel import kernels
from . import verify

# Y is "fuller" than X when it has this many more shingles: inserting a
# sentence adds about one shingle per word, editing words adds none, so a gap of
# a few shingles tells an expanded copy from an edited one.
FULLER_MIN = 3
FULLER_SHARE = 0.02


def fuller(size_y, size_x, union):
    """Whether Y holds clearly more content than X (and so must be kept over it).
    Takes numbers or numpy arrays (then answers element-wise)."""
    return size_y - size_x > np.maximum(FULLER_MIN, FULLER_SHARE * union)


def reason(size_kept: int, size_dropped: int, shared: int) -> str:
    """Why a set is dropped against a kept one it is not identical to."""
    return "contained" if fuller(size_kept, size_dropped, size_kept + size_dropped - shared) else "near-equal"


_BLOCK = 1 << 20  # pairs per block when telling verified edges from the rest


def decide(
    sizes: np.ndarray, rank: np.ndarray, pairs: np.ndarray, inter: np.ndarray, threshold: float
) -> np.ndarray:
    """For each set, -1 if kept, else the index of the kept set it is dropped against.

    `rank` orders sets by keep preference (lower first). A set is decided only
    after every verified neighbour that is fuller than it, so an expanded copy is
    kept over the shorter one wherever they stand in the input; among near-equal
    sets the rank decides. A set is dropped against the kept neighbour that
    covers the largest share of it (ties: higher Jaccard, then better rank).
    """
    n = len(sizes)
    pairs = np.asarray(pairs).reshape(-1, 2)
    if pairs.dtype.kind != "i":
        pairs = pairs.astype(np.int64)  # int32 or int64 as given: millions of pairs stay small
    inter = np.asarray(inter, dtype=np.int64)
    fast = kernels.compiled(len(pairs) * 16)
    if fast is not None:  # the graph built and walked in compiled loops, without temporaries
        keeper = np.full(n, -1, dtype=np.int64)
        fast.decide_pairs(
            np.asarray(sizes, dtype=np.int64), np.asarray(rank, dtype=np.int64), np.ascontiguousarray(pairs), inter,
            float(threshold), float(FULLER_MIN), FULLER_SHARE, keeper,
        )
        assert (keeper != -2).all(), "fuller-than is acyclic, so every set is decided"
        return keeper
    edge = np.empty(len(pairs), dtype=bool)  # verified: only these matter
    for lo in range(0, len(pairs), _BLOCK):  # in blocks: millions of pairs need no full-size temporaries
        p = pairs[lo : lo + _BLOCK]
        edge[lo : lo + _BLOCK] = verify.is_edge(inter[lo : lo + _BLOCK], sizes[p[:, 0]], sizes[p[:, 1]], threshold)
    pairs, inter = pairs[edge], inter[edge]
    del edge
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    waits_for = np.zeros(n, dtype=np.int64)  # fuller neighbours not yet decided
    unlocks: list[list[int]] = [[] for _ in range(n)]
    for (i, j), k in zip(pairs.tolist(), inter.tolist()):
        si, sj = int(sizes[i]), int(sizes[j])
        adj[i].append((j, k))
        adj[j].append((i, k))
        union = si + sj - k
        if fuller(sj, si, union):
            waits_for[i] += 1
            unlocks[j].append(i)
        elif fuller(si, sj, union):
            waits_for[j] += 1
            unlocks[i].append(j)

    keeper = np.full(n, -1, dtype=np.int64)  # sets without verified neighbours are kept
    involved = np.unique(pairs)
    keeper[involved] = -2  # undecided
    heap = [(int(rank[i]), i) for i in involved.tolist() if waits_for[i] == 0]
    heapq.heapify(heap)
    while heap:
        _, x = heapq.heappop(heap)
        best, best_key = -1, None
        for y, k in adj[x]:
            if keeper[y] != -1 or k < threshold * sizes[x]:
                continue
            key = (k / sizes[x], k / (sizes[x] + sizes[y] - k), -int(rank[y]))
            if best_key is None or key > best_key:
                best, best_key = y, key
        keeper[x] = best
        for z in unlocks[x]:
            waits_for[z] -= 1
            if waits_for[z] == 0:
                heapq.heappush(heap, (int(rank[z]), z))
    assert (keeper != -2).all(), "fuller-than is acyclic, so every set is decided"
    return keeper

