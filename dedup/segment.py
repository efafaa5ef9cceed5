"""Split a document into spans (paragraphs) with exact character offsets."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

import numpy as np

# Every character Python's str.isspace() and the regex class \s accept (tested),
# plus the invisible characters editors leave behind: a line holding only these
# is blank (004's no-break-space lines), and spans are trimmed of them.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_EDGE = "\ufeff\u200b\u200c\u200d\u2060"
_STRIP = WHITESPACE + _EDGE
# In `auto` mode a block of lines is one hard-wrapped paragraph when none of its
# lines but the last is longer than this; otherwise each line is a paragraph
# (002 puts one paragraph on each line with no blank line between them).
WRAP_WIDTH = 100


def segment_many(texts: Sequence[str], mode: str = "auto") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spans of many texts at once: `(counts, starts, ends)`.

    `counts[i]` spans belong to text i; they come first in the flat `starts` and
    `ends` arrays (offsets into that text), in text order. Same spans as
    `segment` on each text, computed per line with C-level string methods and
    numpy instead of a Python loop per line.
    """
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    base = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(sizes + 2, out=base[1:])
    # A blank line between texts: blocks never cross it, so one pass serves all.
    lines = "\n\n".join(texts).split("\n")
    n = len(lines)
    length = np.fromiter(map(len, lines), dtype=np.int64, count=n)
    lead = length - np.fromiter(map(len, map(str.lstrip, lines, repeat(_STRIP))), dtype=np.int64, count=n)
    trail = length - np.fromiter(map(len, map(str.rstrip, lines, repeat(_STRIP))), dtype=np.int64, count=n)
    cr = np.fromiter(map(str.endswith, lines, repeat("\r")), dtype=bool, count=n)
    start = np.zeros(n, dtype=np.int64)
    np.cumsum(length[:-1] + 1, out=start[1:])
    full = lead < length  # not blank

    # Blocks: runs of non-blank lines. `first`/`last`: their line ranges.
    edge = np.diff(np.concatenate(([False], full, [False])).astype(np.int8))
    first, last = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1) - 1
    if mode == "paragraph":
        per_line = np.zeros(len(first), dtype=bool)
    elif mode == "line":
        per_line = np.ones(len(first), dtype=bool)
    else:  # any line but the last longer than WRAP_WIDTH (without its CR): not hard-wrapped
        long = np.concatenate(([0], np.cumsum(length - cr > WRAP_WIDTH)))
        per_line = long[last] > long[first]
    # Lines of per-line blocks are spans on their own; other blocks span first..last.
    own = np.zeros(n + 1, dtype=np.int64)
    np.add.at(own, first[per_line], 1)
    np.add.at(own, last[per_line] + 1, -1)
    single = np.flatnonzero((np.cumsum(own[:-1]) > 0) & full)
    s_line = np.concatenate((single, first[~per_line]))
    e_line = np.concatenate((single, last[~per_line]))
    order = np.argsort(s_line, kind="stable")
    s_line, e_line = s_line[order], e_line[order]
    starts = start[s_line] + lead[s_line]
    ends = start[e_line] + length[e_line] - trail[e_line]
    text_of = np.searchsorted(base, starts, side="right") - 1
    counts = np.bincount(text_of, minlength=len(texts))
    return counts, starts - base[text_of], ends - base[text_of]


def segment(text: str, mode: str = "auto") -> list[tuple[int, int]]:
    """Paragraph spans `[start, end)` of `text`, trimmed of surrounding whitespace.

    Lines end at `\n` (a CR before it belongs to the break); a line is blank if
    it holds only whitespace or invisible characters. `paragraph`: runs of
    non-blank lines; `line`: every non-blank line; `auto`: runs of non-blank
    lines, each line on its own when a run is not hard-wrapped (see
    WRAP_WIDTH). Spans never overlap and are in text order.
    """
    _, starts, ends = segment_many([text], mode)
    return list(zip(starts.tolist(), ends.tolist()))


def removal_ranges(spans: list[tuple[int, int]], dropped: set[int], text_len: int) -> list[tuple[int, int]]:
    """Character ranges to delete so that dropped spans vanish with their separators.

    A dropped span takes the gap after it up to the next span; the last span
    takes the gap before it instead, so the text's tail (its final newline) stays.
    Returned ranges are sorted and merged.
    """
    ranges = []
    for i in sorted(dropped):
        start, end = spans[i]
        if i + 1 < len(spans):
            ranges.append((start, spans[i + 1][0]))
        elif i > 0:
            ranges.append((spans[i - 1][1], end))
        else:
            ranges.append((start, end))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def cut(text: str, ranges: list[tuple[int, int]]) -> str:
    """`text` without the given sorted, disjoint ranges."""
    parts, pos = [], 0
    for s, e in ranges:
        parts.append(text[pos:s])
        pos = e
    parts.append(text[pos:])
    return "".join(parts)
