"""Split a span into sentences with exact character offsets (the unit of sentence-run drops).

Rules, in order of what real text needs (each tested):

- a sentence ends at `.`, `!`, `?` or `…` (closing quotes and brackets go with it)
  followed by white space and a capital letter, a digit or an opening quote;
- not after an abbreviation (`Mr.`, `U.S.`, `e.g.`, month names, single initials;
  not a capital ending a hyphenated name, `ISIS-K.`) and never inside a number
  (`2.5`: no space follows its point);
- glued sentences split too: a full stop between a lower-case word and a
  capitalised one with no space (`Ankara.Erdogan`, as in the first sample);
- text with few sentence ends and several lines (lists, table rows, release-note
  headers) is cut at every line break as well: each line is a unit.

Offsets are into the span's text; sentences are trimmed of white space and never
cut a token (cuts fall on white space or a full stop, which tokens never hold
except inside URLs and e-mail addresses, which are never followed by a capital
without a space). Measured on the accuracy corpora: see benchmarks/README.md.
"""

from __future__ import annotations

import re

from .segment import WHITESPACE

_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "no", "nos", "vs", "etc", "inc", "ltd", "co", "corp", "gen",
    "gov", "sen", "rep", "lt", "col", "capt", "sgt", "mt", "ft", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "fig", "vol", "pp", "approx", "dept", "est", "al", "cf", "ca", "op", "ed",
})
_BOUNDARY = re.compile(
    r"""(?P<end>[.!?…]+["'”’»)\]]*)"""
    r"""(?:\s+(?=["'“‘«(\[]*[^\W\d_a-z])"""  # white space, then a capital (or another script's letter)
    r"""|\s+(?=\d)"""  # ... or a digit
    r"""|(?<=[a-z]{2}\.)(?=[A-Z][a-z]))"""  # glued: word.Word
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")  # u.s, e.g, a.m


def _abbreviation(text: str, stop: int) -> bool:
    """Whether the full stop at `stop` ends an abbreviation rather than a sentence."""
    m = _WORD_BEFORE.search(text, max(0, stop - 24), stop)
    word = m.group(1).lower() if m else ""
    # an initial stands alone: `J. Smith`, not the end of `ISIS-K` or `Omicron-B`
    initial = len(word) == 1 and word.isalpha() and not (m.start(1) and text[m.start(1) - 1] == "-")
    return word in _ABBREVIATIONS or initial or bool(_INITIALS.fullmatch(word))


def is_list(text: str, ends: int) -> bool:
    """Whether `text`, holding `ends` sentence ends, is a list or a table: several lines,
    fewer sentence ends than half of them."""
    lines = text.count("\n") + 1
    return lines > 1 and ends < lines / 2


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans `[start, end)` of `text`, in order, trimmed, covering every word."""
    return sentence_bounds(text)[0]


def sentence_bounds(text: str) -> tuple[list[tuple[int, int]], bool]:
    """`sentences(text)`, and whether `text` was cut as a list (is_list: every line a unit)."""
    cuts = []
    for m in _BOUNDARY.finditer(text):
        if text[m.start("end")] == "." and m.end("end") - m.start("end") == 1 and _abbreviation(text, m.start("end")):
            continue
        cuts.append(m.end("end"))
    listed = is_list(text, len(cuts))
    if listed:  # a list or a table: every line is a unit
        cuts += [m.start() for m in re.finditer("\n", text)]
        cuts.sort()
    out, start = [], 0
    for cut in (*cuts, len(text)):
        s, e = start, cut
        while s < e and text[s] in WHITESPACE:
            s += 1
        while e > s and text[e - 1] in WHITESPACE:
            e -= 1
        if e > s:
            out.append((s, e))
        start = cut
    return out, listed
