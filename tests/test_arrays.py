"""dedup/arrays.py: the shared numpy idioms against numpy's own answers."""

import numpy as np
import pytest

from dedup.arrays import stable_order


@pytest.mark.parametrize("n, high", [(0, 5), (1, 5), (2, 1), (7, 2), (5000, 40), (20000, 2**63)])
@pytest.mark.parametrize("dtype", [np.uint64, np.int64, np.int32])
def test_stable_order_is_numpys_stable_argsort(n, high, dtype):
    """Ties (few, many, all keys equal) come out in position order, as a stable sort leaves them."""
    keys = np.random.default_rng(n).integers(0, high, n).astype(dtype)
    got = stable_order(keys)
    assert got.dtype == np.int64
    assert got.tolist() == np.argsort(keys, kind="stable").tolist()
