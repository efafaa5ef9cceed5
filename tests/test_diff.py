"""dedup/accel/diff.py: cydifflib's opcodes are difflib's, on token lists like the ones aligned."""

from __future__ import annotations

import difflib
import random
import sys

import pytest

from dedup.accel import diff


def test_the_compiled_matcher_is_the_one_used_where_it_has_wheels():
    if sys.version_info >= (3, 14):
        pytest.skip("cydifflib is not installed on 3.14 (no wheels): difflib is used")
    assert diff.SequenceMatcher.__module__.startswith("cydifflib")


@pytest.mark.parametrize("seed", range(4))
def test_opcodes_equal_difflibs(seed):
    """Random token lists over small and large vocabularies (many repeats: ties between
    equally long matches), edited copies and unrelated pairs, empty ones too."""
    rnd = random.Random(seed)
    for _ in range(500):
        vocab = [b"w%d" % i for i in range(rnd.choice([2, 5, 40, 400]))]
        a = [rnd.choice(vocab) for _ in range(rnd.randrange(0, 90))]
        b = list(a)
        for _ in range(rnd.randrange(0, 12)):
            at = rnd.randrange(len(b) + 1)
            kind = rnd.randrange(3)
            if kind == 0 and at < len(b):
                b[at] = rnd.choice(vocab)
            elif kind == 1:
                b.insert(at, rnd.choice(vocab))
            elif at < len(b):
                del b[at]
        if rnd.random() < 0.2:
            b = [rnd.choice(vocab) for _ in range(rnd.randrange(0, 90))]
        want = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        assert [tuple(op) for op in diff.opcodes(a, b)] == want, (a, b)
