"""verify.py: exact intersections and the three similarities."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages.verify import intersections, similarity


def pack(sets: list[set[int]]):
    arrays = [np.array(sorted(s), dtype=np.uint64) for s in sets]
    values = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint64)
    offsets = np.concatenate(([0], np.cumsum([len(a) for a in arrays]))).astype(np.int64)
    return values, offsets


CASES = {
    "disjoint": ({1, 2, 3}, {4, 5}, 0),
    "identical": ({1, 2, 3}, {1, 2, 3}, 3),
    "contained": ({2, 3}, {1, 2, 3, 4, 5}, 2),
    "overlap": ({1, 2, 3, 4}, {3, 4, 5, 6, 7}, 2),
    "one-empty": (set(), {1, 2}, 0),
    "both-empty": (set(), set(), 0),
    "larger-than-all": ({100}, {1, 2, 3}, 0),
    "smaller-than-all": ({0}, {1, 2, 3}, 0),
    "top-bits": ({2**64 - 1, 2**63}, {2**63, 5}, 1),
}


@pytest.mark.parametrize("a,b,expected", CASES.values(), ids=CASES.keys())
def test_intersection_named_cases(a, b, expected):
    values, offsets = pack([a, b])
    pairs = np.array([[0, 1]], dtype=np.int64)
    assert intersections(pairs, values, offsets).tolist() == [expected]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sets(st.integers(0, 60), max_size=30), min_size=2, max_size=6))
def test_intersections_equal_python_sets(sets):
    values, offsets = pack(sets)
    pairs = np.array([(i, j) for i in range(len(sets)) for j in range(i + 1, len(sets))], dtype=np.int64)
    got = intersections(pairs, values, offsets).tolist()
    assert got == [len(sets[i] & sets[j]) for i, j in pairs.tolist()]


def test_intersections_no_pairs():
    values, offsets = pack([{1}, {1}])
    assert intersections(np.empty((0, 2), dtype=np.int64), values, offsets).tolist() == []


SIMILARITY = {
    "003-like": (72, 100, 190, (72 / 218, 0.72, 72 / 190)),
    "identical": (10, 10, 10, (1.0, 1.0, 1.0)),
    "disjoint": (0, 4, 6, (0.0, 0.0, 0.0)),
    "contained": (5, 5, 20, (0.25, 1.0, 0.25)),
}


@pytest.mark.parametrize("inter,size_a,size_b,expected", SIMILARITY.values(), ids=SIMILARITY.keys())
def test_similarity_named_cases(inter, size_a, size_b, expected):
    assert similarity(inter, size_a, size_b) == pytest.approx(expected)


def test_similarity_directions_swap():
    jac, c_ab, c_ba = similarity(30, 40, 90)
    jac2, c_ba2, c_ab2 = similarity(30, 90, 40)
    assert (jac, c_ab, c_ba) == (jac2, c_ab2, c_ba2)
    assert jac <= min(c_ab, c_ba)


def test_threads_split_the_pairs_and_agree(monkeypatch):
    """Millions of pairs are split between threads; every slice lands where it belongs."""
    from dedup.accel import kernels
    from dedup.stages import verify

    kernels.load()

    monkeypatch.setenv("DEDUP_NUMBA_MIN_WORK", "0")
    monkeypatch.setattr(verify, "THREADED_PAIRS", 7)  # a few pairs per thread
    rng = np.random.default_rng(4)
    sets = [set(rng.integers(0, 60, rng.integers(0, 30)).tolist()) for _ in range(40)]
    values, offsets = pack(sets)
    pairs = rng.integers(0, len(sets), (101, 2)).astype(np.int32)
    brute = [len(sets[i] & sets[j]) for i, j in pairs.tolist()]
    for threads in (1, 2, 3, 8):
        assert intersections(pairs, values, offsets, threads=threads).tolist() == brute
