"""Keep or drop: the decision rule over verified pairs of distinct shingle sets.

Each dropped set is decided against one *kept* set that covers it
(C(dropped -> kept) >= threshold), so nothing chains: no set is ever dropped
because of a set that was itself dropped, and the only copy of content is
never dropped.
"""

from __future__ import annotations

import heapq

import numpy as np

# Y is "fuller" than X when it has this many more shingles: inserting a
# sentence adds about one shingle per word, editing words adds none, so a gap of
# a few shingles tells an expanded copy from an edited one.
FULLER_MIN = 3
FULLER_SHARE = 0.02


def fuller(size_y: int, size_x: int, union: int) -> bool:
    """Whether Y holds clearly more content than X (and so must be kept over it)."""
    return size_y - size_x > max(FULLER_MIN, FULLER_SHARE * union)


def reason(size_kept: int, size_dropped: int, shared: int) -> str:
    """Why a set is dropped against a kept one it is not identical to."""
    return "contained" if fuller(size_kept, size_dropped, size_kept + size_dropped - shared) else "near-equal"


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
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    waits_for = np.zeros(n, dtype=np.int64)  # fuller neighbours not yet decided
    unlocks: list[list[int]] = [[] for _ in range(n)]
    for (i, j), k in zip(pairs.tolist(), inter.tolist()):
        si, sj = int(sizes[i]), int(sizes[j])
        if k < threshold * min(si, sj):
            continue
        adj[i].append((j, k))
        adj[j].append((i, k))
        union = si + sj - k
        if fuller(sj, si, union):
            waits_for[i] += 1
            unlocks[j].append(i)
        elif fuller(si, sj, union):
            waits_for[j] += 1
            unlocks[i].append(j)

    keeper = np.full(n, -2, dtype=np.int64)  # -2: undecided
    heap = [(int(rank[i]), i) for i in range(n) if waits_for[i] == 0]
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
