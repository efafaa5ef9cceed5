"""Split a document into spans (paragraphs) with exact character offsets."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
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
STRIP = WHITESPACE + _EDGE
# In `auto` mode a line longer than this is a paragraph of its own (002 puts one
# paragraph on each line with no blank line between them), and a run of shorter
# lines is one hard-wrapped paragraph.
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
    lead = length - np.fromiter(map(len, map(str.lstrip, lines, repeat(STRIP))), dtype=np.int64, count=n)
    trail = length - np.fromiter(map(len, map(str.rstrip, lines, repeat(STRIP))), dtype=np.int64, count=n)
    start = np.zeros(n, dtype=np.int64)
    np.cumsum(length[:-1] + 1, out=start[1:])
    full = lead < length  # not blank
    prev_full = np.concatenate(([False], full[:-1]))
    next_full = np.concatenate((full[1:], [False]))

    # Pieces (spans before trimming) as ranges of lines: p_start marks first lines, p_end last ones.
    if mode == "line":
        p_start = p_end = full
    elif mode == "paragraph":  # runs of non-blank lines
        p_start, p_end = full & ~prev_full, full & ~next_full
    else:  # each long line on its own, runs of short lines between them
        # A line's length leaves out the CR before its line break (a text's last line has no break).
        cr = np.fromiter(map(str.endswith, lines, repeat("\r")), dtype=bool, count=n)
        cr &= ~np.isin(start + length, base[:-1] + sizes)
        long = full & (length - cr > WRAP_WIDTH)
        prev_long = np.concatenate(([False], long[:-1]))
        next_long = np.concatenate((long[1:], [False]))
        p_start = full & (~prev_full | long | prev_long)
        p_end = full & (~next_full | long | next_long)
    s_line, e_line = np.flatnonzero(p_start), np.flatnonzero(p_end)
    starts = start[s_line] + lead[s_line]
    ends = start[e_line] + length[e_line] - trail[e_line]
    text_of = np.searchsorted(base, starts, side="right") - 1
    counts = np.bincount(text_of, minlength=len(texts))
    return counts, starts - base[text_of], ends - base[text_of]


# Code points below this are looked up in strip_lookup's table; STRIP's few above it are listed.
_LOOKUP_LIMIT = 0x3001


@cache
def strip_lookup() -> tuple[np.ndarray, np.ndarray]:
    """STRIP for a compiled segmenter: `(table, extra)`, table[c] for code points
    c below its size, extra the characters of STRIP at or above it (uint32)."""
    table = np.zeros(_LOOKUP_LIMIT, dtype=np.bool_)
    codes = np.array(sorted(map(ord, STRIP)), dtype=np.uint32)
    table[codes[codes < _LOOKUP_LIMIT]] = True
    return table, codes[codes >= _LOOKUP_LIMIT]


def segment(text: str, mode: str = "auto") -> list[tuple[int, int]]:
    """Paragraph spans `[start, end)` of `text`, trimmed of surrounding whitespace.

    Lines end at `\n` (a CR before it belongs to the break); a line is blank if
    it holds only whitespace or invisible characters. `paragraph`: runs of
    non-blank lines; `line`: every non-blank line; `auto`: runs of non-blank
    lines, each long line on its own (see WRAP_WIDTH). Spans never overlap and
    are in text order.
    """
    _, starts, ends = segment_many([text], mode)
    return list(zip(starts.tolist(), ends.tolist()))


def removal_ranges(spans: list[tuple[int, int]], dropped: set[int], text_len: int) -> list[tuple[int, int]]:
    """Character ranges to delete so that dropped spans vanish with their separators.

    A dropped span takes the gap after it up to the next span; a run of dropped
    spans at the end takes the gap before the run instead, so the text's tail
    (its final newline) stays and no blank lines pile up before it.
    Returned ranges are sorted and merged.
    """
    tail = len(spans)  # first span of the trailing run of dropped spans
    while tail > 0 and tail - 1 in dropped:
        tail -= 1
    ranges = []
    for i in sorted(dropped):
        start, end = spans[i]
        if i < tail:
            ranges.append((start, spans[i + 1][0]))
        else:
            ranges.append((spans[tail - 1][1] if tail > 0 else spans[0][0], end))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def removal_ranges_many(
    doc: np.ndarray, starts: np.ndarray, ends: np.ndarray, dropped: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """removal_ranges of many texts at once: spans given in text order, the spans of
    a text consecutive (`doc`: its text, nondecreasing). Returns each range's text,
    start and end, in order (ranges of a text sorted and merged, as removal_ranges)."""
    n = len(doc)
    idx = np.arange(n)
    first_of = np.flatnonzero(np.concatenate(([True], doc[1:] != doc[:-1]))) if n else idx
    first = np.repeat(first_of, np.diff(np.append(first_of, n)))  # each span's text's first span
    # tail: one past the text's last kept span (its first span if every span is dropped).
    kept_at = np.where(dropped, -1, idx)
    last_kept = np.maximum.reduceat(kept_at, first_of) if n else kept_at
    tail = np.repeat(np.maximum(last_kept + 1, first_of), np.diff(np.append(first_of, n)))
    i = np.flatnonzero(dropped)
    inner = i < tail[i]  # a dropped span before the tail takes the gap after it
    nxt = np.minimum(i + 1, n - 1)
    before = np.where(tail[i] > first[i], ends[np.maximum(tail[i] - 1, 0)], starts[first[i]])
    r_doc, r_start = doc[i], np.where(inner, starts[i], before)
    r_end = np.where(inner, starts[nxt], ends[i])
    # Merge within a text: starts and ends both run in order, so a range joins the one
    # before it when it starts where (or before) that one ends.
    new = np.ones(len(i), dtype=bool)
    new[1:] = (r_doc[1:] != r_doc[:-1]) | (r_start[1:] > r_end[:-1])
    heads = np.flatnonzero(new)
    last = np.append(heads[1:], len(i)) - 1 if len(heads) else heads
    return r_doc[heads], r_start[heads], r_end[last]


def cut(text: str, ranges: list[tuple[int, int]]) -> str:
    """`text` without the given sorted ranges (where two overlap, their union goes)."""
    parts, pos = [], 0
    for s, e in ranges:
        parts.append(text[pos : max(s, pos)])
        pos = max(pos, e)
    parts.append(text[pos:])
    return "".join(parts)
