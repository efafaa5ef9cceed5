"""difflib's opcodes between two token sequences, computed by cydifflib where it is installed.

cydifflib is difflib's SequenceMatcher compiled (C++; "any difference in behaviour to difflib
is a bug"): the same opcodes (tests/test_diff.py compares them on random sequences), 7.6 times
faster here (3,000 random token lists: 0.67 -> 0.09 s), where aligning misread copies
(stages/misread.py) took 0.57 s of a 5.3 s `--sentences` scan of news-20. It has no wheels for
Python 3.14 yet, so it is installed below that (pyproject.toml) and difflib is the fallback.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

try:
    from cydifflib import SequenceMatcher
except ImportError:  # no wheel for this Python: the standard library's, the same answers
    from difflib import SequenceMatcher


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[str, int, int, int, int]]:
    """difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()."""
    return SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
