"""shingle.py and sketch.py: shingle sets per span, datasketch-identical MinHash signatures."""

import numpy as np
import pytest
from datasketch import MinHash

from dedup.stages.shingle import shingle_sets
from dedup.stages.sketch import minhash_input, permutations, signatures

WORDS = "the turkish president told reporters that ankara had no doubts about purchasing a second batch".split()


def one(tokens: list[str], n: int) -> np.ndarray:
    values, offsets = shingle_sets([tokens], n)
    assert list(offsets) == [0, len(values)]
    return values


def spans_of(values, offsets):
    return [values[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]


# --- shingles -----------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_count_and_sorted_distinct(n):
    values = one(WORDS, n)
    assert len(values) == len(WORDS) - n + 1  # all n-grams of WORDS differ
    assert values.dtype == np.uint64
    assert list(values) == sorted(set(values.tolist()))


def test_repeated_ngrams_counted_once():
    assert len(one("a b a b a b a b".split(), 2)) == 2  # {a b, b a}
    assert len(one(["same"] * 9, 3)) == 1


def test_order_matters():
    assert set(one(["a", "b"], 2)) != set(one(["b", "a"], 2))


SHORT = {
    "fewer-than-n": (["one", "two", "three"], 5, 1),
    "exactly-n": (["a", "b", "c", "d", "e"], 5, 1),
    "single-token": (["alone"], 5, 1),
    "empty": ([], 5, 0),
    "n-plus-two": (["a", "b", "c", "d", "e", "f", "g"], 5, 3),
}


@pytest.mark.parametrize("tokens,n,count", SHORT.values(), ids=SHORT.keys())
def test_short_spans(tokens, n, count):
    assert len(one(tokens, n)) == count


def test_short_span_shingle_depends_on_all_tokens():
    assert one(["a", "b", "c"], 5)[0] != one(["a", "b", "d"], 5)[0]
    assert one(["a", "b", "c"], 5)[0] != one(["a", "b"], 5)[0]


def test_shingles_never_cross_spans():
    first, second = WORDS[:8], WORDS[8:]
    values, offsets = shingle_sets([first, [], second, ["x"]], 3)
    got = spans_of(values, offsets)
    assert [list(g) for g in got] == [list(one(first, 3)), [], list(one(second, 3)), list(one(["x"], 3))]
    across = set(one(first + second, 3).tolist()) - set(values.tolist())
    assert len(across) == 2  # the two 3-grams spanning the boundary exist only in the joined text


def test_shingles_are_deterministic():
    a = shingle_sets([WORDS, WORDS[:3]], 5)
    b = shingle_sets([WORDS, WORDS[:3]], 5)
    assert all((x == y).all() for x, y in zip(a, b))


def test_equal_token_lists_give_equal_sets_in_any_batch():
    alone = one(WORDS, 4)
    values, offsets = shingle_sets([["noise"] * 20, WORDS, WORDS[::-1]], 4)
    assert (spans_of(values, offsets)[1] == alone).all()


# --- MinHash signatures -------------------------------------------------------


def datasketch_signature(values: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda v: v)
    inputs = minhash_input(values)
    if len(inputs) <= 200:
        for v in inputs.tolist():
            m.update(v)
    else:
        m.update_batch(inputs.tolist())
    return np.asarray(m.hashvalues)


@pytest.mark.parametrize("num_perm,seed", [(128, 1), (64, 7), (256, 42), (16, 0), (200, 2**32 - 1)])
def test_signatures_equal_datasketch(num_perm, seed):
    token_lists = [WORDS, WORDS[:3], [], WORDS[2:], ["x"] * 10, (WORDS * 3)[5:40]]
    values, offsets = shingle_sets(token_lists, 3)
    sig = signatures(values, offsets, permutations(num_perm, seed))
    assert sig.shape == (len(token_lists), num_perm) and sig.dtype == np.uint32
    for i, span_values in enumerate(spans_of(values, offsets)):
        assert (sig[i] == datasketch_signature(span_values, num_perm, seed)).all(), f"span {i}"


@pytest.mark.parametrize("num_perm,seed", [(128, 1), (1, 0), (256, 42), (1024, 2**32 - 1)])
def test_permutations_are_datasketchs(num_perm, seed):
    ours = permutations(num_perm, seed)
    theirs = MinHash(num_perm=num_perm, seed=seed).permutations
    assert ours.dtype == np.uint32 and ours.shape == (2, num_perm)
    assert (ours == theirs).all()


def test_signatures_equal_datasketch_across_blocks():
    # more shingles than one block (sketch._BLOCK = 16384), and one span larger than a block
    rng = np.random.default_rng(5)
    sets = [np.unique(rng.integers(0, 2**64 - 1, size=s, dtype=np.uint64)) for s in [3000] * 6 + [20000, 1, 500]]
    values = np.concatenate(sets)
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in sets])))
    sig = signatures(values, offsets, permutations(32, 3))
    for i in [0, 5, 6, 7, 8]:
        assert (sig[i] == datasketch_signature(values[offsets[i] : offsets[i + 1]], 32, 3)).all(), f"span {i}"


def test_empty_span_signature_is_empty_minhash():
    values, offsets = shingle_sets([[]], 5)
    sig = signatures(values, offsets, permutations(128, 1))
    assert (sig[0] == MinHash(num_perm=128, seed=1).hashvalues).all()


def test_signatures_usable_by_datasketch_jaccard():
    values, offsets = shingle_sets([WORDS, WORDS[:-2]], 2)
    sig = signatures(values, offsets, permutations(256, 1))
    a = MinHash(num_perm=256, seed=1, hashvalues=sig[0], scheme="affine32")
    b = MinHash(num_perm=256, seed=1, hashvalues=sig[1], scheme="affine32")
    true_j = (len(WORDS) - 3) / (len(WORDS) - 1)
    assert abs(a.jaccard(b) - true_j) < 0.15
