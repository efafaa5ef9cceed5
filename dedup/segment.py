"""Split a document into spans (paragraphs) with exact character offsets."""

from __future__ import annotations

import re

# A line is blank if it holds only whitespace, including no-break spaces (004),
# a BOM or zero-width characters that editors leave behind.
_BLANK = re.compile(r"[\s\ufeff\u200b\u200c\u200d\u2060]*\Z")
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_EDGE = "\ufeff\u200b\u200c\u200d\u2060"
# In `auto` mode a line longer than this is a paragraph of its own (002 puts one
# paragraph on each line with no blank line between them), and a run of shorter
# lines is one hard-wrapped paragraph.
WRAP_WIDTH = 100


def _lines(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, blank) of each line, end excluding the line break."""
    out = []
    for m in _LINE.finditer(text):
        start, end = m.start(), m.end()
        if text.endswith("\n", start, end):
            end -= 1
            if end > start and text[end - 1] == "\r":
                end -= 1
        out.append((start, end, _BLANK.match(text, start, end) is not None))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in _EDGE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE):
        end -= 1
    return start, end


def _auto_pieces(block: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A line longer than WRAP_WIDTH is a paragraph of its own; runs of shorter lines
    between such lines are hard-wrapped paragraphs. Deleting one piece never changes
    how the others split, except that two runs around a deleted long line join."""
    pieces: list[tuple[int, int]] = []
    run: tuple[int, int] | None = None
    for s, e in block:
        if e - s > WRAP_WIDTH:
            if run:
                pieces.append(run)
                run = None
            pieces.append((s, e))
        else:
            run = (run[0], e) if run else (s, e)
    if run:
        pieces.append(run)
    return pieces


def segment(text: str, mode: str = "auto") -> list[tuple[int, int]]:
    """Paragraph spans `[start, end)` of `text`, trimmed of surrounding whitespace.

    `paragraph`: runs of non-blank lines; `line`: every non-blank line;
    `auto`: runs of non-blank lines, each long line on its own (see WRAP_WIDTH).
    Spans never overlap and are in text order.
    """
    blocks: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for start, end, blank in _lines(text):
        if blank:
            if current:
                blocks.append(current)
                current = []
        else:
            current.append((start, end))
    if current:
        blocks.append(current)

    spans = []
    for block in blocks:
        if mode == "line":
            pieces = block
        elif mode == "paragraph":
            pieces = [(block[0][0], block[-1][1])]
        else:
            pieces = _auto_pieces(block)
        for s, e in pieces:
            s, e = _trim(text, s, e)
            if s < e:
                spans.append((s, e))
    return spans


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


def cut(text: str, ranges: list[tuple[int, int]]) -> str:
    """`text` without the given sorted, disjoint ranges."""
    parts, pos = [], 0
    for s, e in ranges:
        parts.append(text[pos:s])
        pos = e
    parts.append(text[pos:])
    return "".join(parts)
