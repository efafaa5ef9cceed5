"""Word alignment of two spans for display: which words match, which differ.

Words are the whitespace-separated chunks of the original text (so what is
shown is the text as written); they are compared by their matching tokens
(normalize.tokens), so curly quotes, case and `$ 2.5` spacing do not count as
differences while an edited word or an inserted sentence does.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..accel import diff
from ..stages.normalize import tokens

_CHUNK = re.compile(r"\S+")

SAME, DIFF, NEUTRAL = "same", "diff", ""


class Word(NamedTuple):
    """Characters `[start, end)` of a text and the matching tokens they hold (maybe none: punctuation)."""

    start: int
    end: int
    tokens: tuple[str, ...]


# Past this many distinct chunks a shared tokens cache is emptied (bounded memory on big corpora).
CACHE_LIMIT = 200_000


def words(text: str, cache: dict[str, tuple[str, ...]] | None = None) -> list[Word]:
    """The words of `text`. Pass one `cache` dict across many texts: words repeat, and
    tokenising each distinct one once is most of the saving."""
    seen = {} if cache is None else cache
    if len(seen) > CACHE_LIMIT:
        seen.clear()
    out = []
    for m in _CHUNK.finditer(text):
        chunk = m.group()
        toks = seen.get(chunk)
        if toks is None:
            toks = seen[chunk] = tuple(tokens(chunk))
        out.append(Word(m.start(), m.end(), toks))
    return out


def flat_tokens(ws: list[Word]) -> list[str]:
    """All tokens of the words, in order."""
    return [t for w in ws for t in w.tokens]


def opcodes(ws_a: list[Word], ws_b: list[Word], min_equal: int = 1) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes over the two token sequences.

    Equal runs shorter than `min_equal` tokens between changes are folded into
    the change around them: two unrelated sentences that share "to the" are
    shown as one change, not as a match.
    """
    ta, tb = flat_tokens(ws_a), flat_tokens(ws_b)
    ops = diff.opcodes(ta, tb)
    out: list[tuple[str, int, int, int, int]] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        inner = 0 < k < len(ops) - 1
        if tag == "equal" and (i2 - i1 >= min_equal or not inner):
            out.append((tag, i1, i2, j1, j2))
        elif out and out[-1][0] != "equal":
            _, a1, _, b1, _ = out[-1]
            out[-1] = ("replace", a1, i2, b1, j2)
        else:
            out.append(("replace" if tag == "equal" else tag, i1, i2, j1, j2))
    return [(_tag(t, i1, i2, j1, j2), i1, i2, j1, j2) for t, i1, i2, j1, j2 in out]


def _tag(tag: str, i1: int, i2: int, j1: int, j2: int) -> str:
    if tag == "equal":
        return tag
    return "replace" if i2 > i1 and j2 > j1 else "delete" if i2 > i1 else "insert"


def _word_marks(ws: list[Word], equal: list[bool]) -> list[str]:
    out, t = [], 0
    for w in ws:
        n = len(w.tokens)
        out.append(NEUTRAL if not n else SAME if all(equal[t : t + n]) else DIFF)
        t += n
    return out


def marks(ws_a: list[Word], ws_b: list[Word], min_equal: int = 1) -> tuple[list[str], list[str]]:
    """Per word of each side: SAME when all its tokens are aligned equal, DIFF when not,
    NEUTRAL when it has no tokens (punctuation only)."""
    eq_a = [False] * sum(len(w.tokens) for w in ws_a)
    eq_b = [False] * sum(len(w.tokens) for w in ws_b)
    for tag, i1, i2, j1, j2 in opcodes(ws_a, ws_b, min_equal):
        if tag == "equal":
            eq_a[i1:i2] = [True] * (i2 - i1)
            eq_b[j1:j2] = [True] * (j2 - j1)
    return _word_marks(ws_a, eq_a), _word_marks(ws_b, eq_b)


def rows(ws_a: list[Word], ws_b: list[Word], min_equal: int = 1) -> list[tuple[str, range, range]]:
    """The alignment as rows (tag, words of A, words of B), one per diff opcode.

    A word belongs to the row of its first token; a word without tokens goes
    with the word before it (the first row at the start), so the rows partition
    both word lists in order.
    """
    ops = opcodes(ws_a, ws_b, min_equal)
    if not ops:  # no tokens on either side
        return [("equal", range(len(ws_a)), range(len(ws_b)))] if ws_a or ws_b else []
    side_a = _split(ws_a, [(i1, i2) for _, i1, i2, _, _ in ops])
    side_b = _split(ws_b, [(j1, j2) for _, _, _, j1, j2 in ops])
    return [(op[0], ra, rb) for op, ra, rb in zip(ops, side_a, side_b)]


def _split(ws: list[Word], token_ranges: list[tuple[int, int]]) -> list[range]:
    """Word ranges per row, given each row's token range."""
    bounds = [0] * (len(token_ranges) + 1)  # bounds[r]: first word of row r
    r, t = 0, 0
    for w, word in enumerate(ws):
        if word.tokens:
            while t >= token_ranges[r][1] or token_ranges[r][0] == token_ranges[r][1]:
                r += 1
                bounds[r] = w
        t += len(word.tokens)
    for k in range(r + 1, len(bounds)):
        bounds[k] = len(ws)
    return [range(bounds[k], bounds[k + 1]) for k in range(len(token_ranges))]
