"""decide.py (and its use in scan): which copy is kept, which dropped, against what."""

import numpy as np
import pytest

from dedup import Config, Document, scan
from dedup.stages.decide import decide, fuller
from dedup.stages.normalize import tokens
from dedup.stages.shingle import shingle_sets

from sample_corpus import NEW_SENTENCE, article, edit_word, head, insert_sentence, paragraphs

T = 0.7


def run(sizes, edges, rank=None):
    """decide() over sets of the given sizes; edges: {(i, j): |A∩B|}."""
    sizes = np.array(sizes, dtype=np.int64)
    rank = np.arange(len(sizes)) if rank is None else np.array(rank, dtype=np.int64)
    pairs = np.array(sorted(edges), dtype=np.int64).reshape(-1, 2)
    inter = np.array([edges[p] for p in sorted(edges)], dtype=np.int64)
    return decide(sizes, rank, pairs, inter, T).tolist()


# --- decide() on set sizes -------------------------------------------------------


@pytest.mark.parametrize("rank", [[0, 1], [1, 0]], ids=["contained-first", "contained-second"])
def test_contained_dropped_whatever_the_order(rank):
    assert run([20, 60], {(0, 1): 18}, rank) == [1, -1]


@pytest.mark.parametrize("rank,expected", [([0, 1], [-1, 0]), ([1, 0], [1, -1])], ids=["first-wins", "rank-wins"])
def test_near_equal_keeps_best_rank(rank, expected):
    assert run([40, 41], {(0, 1): 36}, rank) == expected


def test_no_chaining_through_a_dropped_link():
    # A~B and B~C, but A and C share nothing: C must not be dropped against A.
    assert run([30, 30, 30], {(0, 1): 25, (1, 2): 25}) == [-1, 0, -1]


def test_no_chaining_long_chain():
    n = 8
    got = run([30] * n, {(k, k + 1): 25 for k in range(n - 1)})
    for k, keeper in enumerate(got):
        if keeper >= 0:
            assert abs(keeper - k) == 1 and got[keeper] == -1  # dropped only against a kept direct neighbour


def test_isolated_set_is_kept():
    assert run([30, 30], {}) == [-1, -1]


def test_weak_pair_below_threshold_is_no_edge():
    assert run([30, 30], {(0, 1): 20}) == [-1, -1]  # 0.67 < 0.7


def test_dropped_against_best_covering_kept():
    # 0 kept first; 2 and 1 (both fuller than 3) kept; 3 lies 0.8 in 1, 0.95 in 2
    got = run([40, 80, 90, 20], {(1, 3): 16, (2, 3): 19, (0, 3): 14})
    assert got == [-1, -1, -1, 2]


def test_fuller_copy_waits_the_shorter_one():
    # a sentence inserted (rank 1) must be kept over the original (rank 0)
    assert run([30, 45], {(0, 1): 28}) == [1, -1]


def test_fuller_rule():
    assert fuller(45, 30, 47)
    assert not fuller(31, 30, 31)  # an edit, not an expansion
    assert not fuller(30, 45, 47)


def test_every_drop_is_against_a_kept_cover():
    rng = np.random.default_rng(3)
    n = 40
    sizes = rng.integers(10, 60, size=n)
    edges = {}
    for _ in range(120):
        i, j = sorted(rng.choice(n, size=2, replace=False).tolist())
        edges[(i, j)] = int(rng.integers(0, min(sizes[i], sizes[j]) + 1))
    got = run(sizes, edges, rng.permutation(n))
    for x, k in enumerate(got):
        if k >= 0:
            assert got[k] == -1
            assert edges[(min(x, k), max(x, k))] >= T * sizes[x]


# --- through scan(): real paragraphs --------------------------------------------------

P = paragraphs()
LONG = [p for p in P if len(p.split()) >= 35]


def docs(*texts):
    return [Document(f"d{k}", t, f"d{k}.txt") for k, t in enumerate(texts)]


def containment(x: str, y: str, n: int = 5) -> float:
    """C(x->y) on the scan's own shingles."""
    values, offsets = shingle_sets([tokens(x), tokens(y)], n)
    sx, sy = set(values[: offsets[1]].tolist()), set(values[offsets[1] :].tolist())
    return len(sx & sy) / len(sx)


def dropped_pairs(result):
    """{(dropped (doc, index), kept (doc, index))}."""
    sp = result.spans
    return {((sp[i].doc, sp[i].index), (sp[d.kept].doc, sp[d.kept].index)) for i, d in result.drops.items()}


@pytest.mark.parametrize("short_first", [True, False], ids=["short-first", "short-second"])
def test_scan_contained_copy_dropped_either_order(short_first):
    full, short = LONG[0], head(LONG[0])
    a, b = (short, full) if short_first else (full, short)
    result = scan(docs(article(a, P[1]), article(P[2], b)))
    short_at = (0, 0) if short_first else (1, 1)
    full_at = (1, 1) if short_first else (0, 0)
    assert dropped_pairs(result) == {(short_at, full_at)}
    assert next(iter(result.drops.values())).reason == "contained"


@pytest.mark.parametrize(
    "keep,survivor", [("first", 0), ("longest", 1)], ids=["keep-first", "keep-longest"]
)
def test_scan_near_equal_keep_policy(keep, survivor):
    original = LONG[1]
    edited = edit_word(original).replace("reportedly", "reportedly-longer-word")  # longer by characters
    assert len(edited) > len(original)
    result = scan(docs(article(original), article(edited)), Config(keep=keep))
    assert dropped_pairs(result) == {((1 - survivor, 0), (survivor, 0))}
    assert next(iter(result.drops.values())).reason == "near-equal"


def test_scan_exact_copies_keep_first_and_longest_tie_break():
    p = LONG[2]
    for keep in ("first", "longest"):
        result = scan(docs(article(P[0], p), article(p), article(p)), Config(keep=keep))
        assert dropped_pairs(result) == {((1, 0), (0, 1)), ((2, 0), (0, 1))}, keep
        assert {d.reason for d in result.drops.values()} == {"exact"}


@pytest.mark.parametrize("keep", ["first", "longest"])
def test_scan_expanded_copy_kept_over_original(keep):
    original = LONG[3]
    expanded = insert_sentence(original)
    result = scan(docs(article(original, P[0]), article(P[5], expanded)), Config(keep=keep))
    assert dropped_pairs(result) == {((0, 0), (1, 1))}
    assert NEW_SENTENCE in result.clean_text(1)


def test_scan_contained_parts_dropped_against_the_span_holding_both():
    # B = most of A + most of C: it covers each, so both go against B, never A against C
    a_words, c_words = LONG[4].split(), LONG[5].split()
    b = " ".join(a_words[: int(len(a_words) * 0.9)] + c_words[int(len(c_words) * 0.1) :])
    result = scan(docs(article(LONG[4]), article(b), article(LONG[5])))
    assert dropped_pairs(result) == {((0, 0), (1, 0)), ((2, 0), (1, 0))}


def test_scan_no_chaining_on_text():
    # A (long) covers most of B; B = part of A + all of C (short); A and C share nothing.
    # B is dropped against A; C lies in B only, so C must stay.
    a_words = (LONG[4] + " " + LONG[5]).split()
    c = " ".join(LONG[6].split()[:14])
    b = " ".join(a_words[:50]) + " " + c
    assert len(a_words) >= 70
    assert containment(c, b) >= 0.7 and containment(b, " ".join(a_words)) >= 0.7
    assert containment(c, " ".join(a_words)) == 0
    result = scan(docs(article(" ".join(a_words)), article(b), article(c)))
    assert dropped_pairs(result) == {((1, 0), (0, 0))}
    assert result.clean_text(2) == article(c)


def test_scan_only_copy_never_dropped():
    result = scan(docs(article(*P[:6]), article(*P[6:12])))
    assert result.drops == {}
    assert result.clean_text(0) == article(*P[:6])


def test_scan_short_spans_never_dropped():
    byline, header = "By Staff Writer", "S-400 purchase"
    text = article(byline, header, LONG[0])
    result = scan(docs(text, text, text), Config(min_tokens=8))
    short_idx = {i for i, s in enumerate(result.spans) if s.index < 2}
    assert short_idx.isdisjoint(result.drops)
    assert len(result.drops) == 2  # the long paragraph's later copies
    for d in range(3):
        assert result.clean_text(d).startswith(f"{byline}\n\n{header}")
    assert [result.is_duplicate_document(d) for d in range(3)] == [False, True, True]


def test_scan_min_tokens_boundary():
    seven = "one two three four five six seven"
    eight = seven + " eight"
    result = scan(docs(article(seven, eight), article(seven, eight)), Config(min_tokens=8))
    dropped = {(result.spans[i].doc, result.spans[i].index) for i in result.drops}
    assert dropped == {(1, 1)}


def test_span_drops_finds_each_drops_pair_in_any_pair_order():
    """span_drops looks up each near drop's verified pair: proposals come sorted, other callers' pairs may not."""
    from dedup.stages.drops import span_drops
    from dedup.stages.units import unit_ranks

    rng = np.random.default_rng(4)
    n = 40
    sizes = rng.integers(5, 30, n)
    pairs = np.array(sorted({tuple(sorted(p)) for p in rng.integers(0, n, (120, 2)).tolist() if p[0] != p[1]}))
    inter = np.minimum(sizes[pairs[:, 0]], sizes[pairs[:, 1]]) - rng.integers(0, 3, len(pairs))
    unit_of = np.concatenate([np.arange(n), rng.integers(0, n, 10)])  # some spans are exact copies
    rank = np.arange(len(unit_of))
    keeper = decide(sizes, unit_ranks(unit_of, rank, n), pairs, inter, 0.8)
    assert (keeper >= 0).sum() >= 5, "near drops to look up"
    shuffled = rng.permutation(len(pairs))
    a = span_drops(unit_of, rank, sizes, keeper, pairs, inter, np.arange(len(unit_of)))
    b = span_drops(unit_of, rank, sizes, keeper, pairs[shuffled], inter[shuffled], np.arange(len(unit_of)))
    assert dict(a.items()) == dict(b.items()) and len(a) > 10
