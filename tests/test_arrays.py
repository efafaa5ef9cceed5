"""dedup/arrays.py: the shared numpy idioms against numpy's own answers."""

import numpy as np
import pytest

from dedup.arrays import distinct, grouped_sets, stable_order


@pytest.mark.parametrize("n, high", [(0, 5), (1, 5), (2, 1), (7, 2), (5000, 40), (20000, 2**63)])
@pytest.mark.parametrize("dtype", [np.uint64, np.int64, np.int32])
@pytest.mark.parametrize("compiled", [False, True])
def test_stable_order_is_numpys_stable_argsort(n, high, dtype, compiled, monkeypatch):
    """Ties (few, many, all keys equal) come out in position order, as a stable sort leaves them;
    the compiled radix sort (uint64, and int64 without negatives) as numpy's."""
    monkeypatch.setenv("DEDUP_NUMBA_MIN_WORK", "0" if compiled else str(1 << 40))
    keys = np.random.default_rng(n).integers(0, high, n).astype(dtype)
    got = stable_order(keys)
    assert got.dtype == np.int64
    assert got.tolist() == np.argsort(keys, kind="stable").tolist()


@pytest.mark.parametrize("n, high", [(0, 5), (1, 5), (3000, 7), (20000, 2**63), (20000, 2**64 - 1)])
@pytest.mark.parametrize("compiled", [False, True])
def test_distinct_is_np_unique(n, high, compiled, monkeypatch):
    monkeypatch.setenv("DEDUP_NUMBA_MIN_WORK", "0" if compiled else str(1 << 40))
    values = np.random.default_rng(n).integers(0, high, (n, 2), dtype=np.uint64)
    assert distinct(values).tolist() == np.unique(values).tolist()


@pytest.mark.parametrize("n, groups, high", [(0, 3, 5), (1, 1, 5), (50, 4, 3), (5000, 300, 2**63)])
def test_grouped_sets_are_each_groups_np_unique(n, groups, high):
    """Each group's sorted distinct values, end to end; an empty group is an empty slice."""
    rng = np.random.default_rng(n)
    values = rng.integers(0, high, n, dtype=np.uint64)
    owner = rng.integers(0, groups, n).astype(np.int64)
    joined, at = grouped_sets(values, owner, groups + 2)  # two groups more: empty
    assert len(at) == groups + 3
    for g in range(groups + 2):
        assert joined[at[g] : at[g + 1]].tolist() == np.unique(values[owner == g]).tolist()
