"""Short value lines are copies only in their place: diffstats, sign-offs, release headers.

A changelog repeats `src/fcfreetype.c | 2 +- / 1 file changed, 1 insertion(+), 1
deletion(-)` under many commits, the same three sign-off lines under two, and another
package's changelog holds `libice (2:1.0.7-1) unstable; urgency=low` where this one has
`libxv (2:1.0.7-1) ...`: word for word (or nearly) a copy, and each the metadata of
something else. Only where they stand tells them apart. So a short span made mostly of
values (numbers, identifiers, names: templates.value_flags) in a frame of a few other
words is dropped only against a copy
in the same place: the spans right before and after it are the same as the copy's (one
unit, or dropped against the same one; at a document's edge, none), or one of them is
and is not such a line itself (a sign-off block is followed by a diffstat under every
commit); or a span right beside it is (or is dropped against) the copy's own unit (the
rows of a table reprinted one line a row, each dropped against the table). A whole file
copied into a sibling package keeps its place, so its lines go; another commit's
diffstat does not, so it stays. A record of one line stands by nothing, as its copy does.

Which span it is dropped against changes too: among the unit's (or its keeper unit's)
kept members, the first in keep order that stands by the same text; a member that
matches none is kept. Only with sentences (the mode whose decision reads text); not
against indexed spans, whose place the index does not know (it keeps only kept spans, and
returns only those near the ones it finds: index/incremental.py with_neighbours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .normalize import token_bytes
from .templates import UnitTexts, value_flags

_DIGIT = re.compile(rb"[0-9]")
# Spans of at most this many words ... (headers, diffstats, sign-off blocks, table rows;
# a longer span names its own content, whatever its numbers)
SHORT_TOKENS = 32
# ... at least this share of them values (numbers, identifiers, proper names) ...
VALUE_SHARE = 0.45
# ... and at most this many distinct other words: a frame (`Signed-off-by`, `files changed,
# insertions, deletions`, `unstable; urgency=low`), not a sentence. A commit message full of
# identifiers is text, a copy wherever it stands: on news-20 (--sentences) 35 % of numbers
# and identifiers with no frame limit kept 359 such messages as lines, 45 % with names and
# 7 frame words 52, this 27 (`* tests/gtload.c: Include progname.h ... Likewise.` is still one).
FRAME_WORDS = 5


@dataclass
class Members:
    """The eligible spans (members of units) in document order: unit, keep rank, and
    the member just before and after in the same document (-1: none). Members below
    `known` are indexed spans (their place not known: context.py's doc)."""

    unit_of: np.ndarray
    rank: np.ndarray
    prev: np.ndarray
    next: np.ndarray
    known: int = 0
    # Per member: whether the member before it is the span right before it (no span too short
    # to judge between them); None: all are.
    touching: np.ndarray | None = None


def neighbours(member_doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For members in document order with document keys `member_doc`: the member just
    before and just after each in its document (-1: none)."""
    m = len(member_doc)
    same = np.zeros(m + 1, dtype=bool)
    same[1:m] = member_doc[1:] == member_doc[:-1]  # same[e]: members e - 1 and e share a document
    idx = np.arange(m)
    return np.where(same[:m], idx - 1, -1), np.where(same[1:], idx + 1, -1)


def value_lines(units: np.ndarray, texts: UnitTexts) -> np.ndarray:
    """Which of `units` are short value lines (SHORT_TOKENS, VALUE_SHARE, FRAME_WORDS)."""
    return np.fromiter((_is_value_line(u, texts) for u in units.tolist()), dtype=bool, count=len(units))


def _is_value_line(u: int, texts: UnitTexts) -> bool:
    tokens = texts.tokens(u)
    if not texts.has_value(u) or not 0 < len(tokens) <= SHORT_TOKENS:
        return False
    return _frame_of_values(tokens, texts.flags(u, names=True))


def is_value_line(text: str) -> bool:
    """Whether `text` is a short value line (SHORT_TOKENS, VALUE_SHARE, FRAME_WORDS)."""
    tokens = token_bytes(text)
    return 0 < len(tokens) <= SHORT_TOKENS and _frame_of_values(tokens, value_flags(text, tokens, names=True))


def _frame_of_values(tokens: list[bytes], flags: np.ndarray) -> bool:
    # Values as templates.value_flags reads them, names too, and any word with a digit
    # (`rc1`, `exp1` in a version: OCR misreadings do not matter in a line like this).
    values = [v or not t.isalpha() and _DIGIT.search(t) is not None for t, v in zip(tokens, flags.tolist())]
    if sum(values) < VALUE_SHARE * len(values):
        return False
    return len({t for t, v in zip(tokens, values) if not v}) <= FRAME_WORDS


def partners(by_unit: np.ndarray, keeper: np.ndarray, sizes: np.ndarray, members: Members, best: np.ndarray,
             texts: UnitTexts, ngram: int, alike: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Per member: the member it is dropped against, -1 kept. `by_unit`: the same by
    the unit decisions alone (drops.member_partners); short value lines go only against
    a member that stands by the same text. `alike`: pairs of units refused as filled-in
    templates of each other, and what they share; at a document's edge they stand for the
    same text (edge_alike)."""
    unit_of = members.unit_of
    out = by_unit.copy()
    root = np.where(keeper >= 0, keeper, np.arange(len(keeper)))
    text_of = root[unit_of]  # per member: the text it stands for beside another
    if alike is not None and len(alike[0]):  # a line first or last in its document: its template's
        edge = (members.prev < 0) | (members.next < 0)
        text_of = np.where(edge, edge_alike(root, *alike, sizes, members, edge)[unit_of], text_of)
    at = lambda near: np.where(near >= 0, text_of[np.maximum(near, 0)], -1)  # noqa: E731
    beside = (at(members.prev), at(members.next))  # the text right next to each member
    # A member with the same text right beside it on both sides as the member the unit
    # decision drops it against stands in the same place (every line of a file copied
    # whole): only units with a member that goes from elsewhere are read.
    goes = np.flatnonzero(by_unit >= 0)
    t = by_unit[goes]
    moved = goes[(beside[0][goes] != beside[0][t]) | (beside[1][goes] != beside[1][t])]
    short = sizes <= max(SHORT_TOKENS - ngram + 1, 1)
    look = np.unique(unit_of[moved])
    look = look[short[look]]
    dense = look[value_lines(look, texts)]
    if not len(dense):
        return out
    place = _Places(members, beside, lambda u: bool(short[u]) and _is_value_line(u, texts))
    chosen = moved[np.isin(unit_of[moved], dense)]
    chosen = chosen[np.lexsort((members.rank[chosen], keeper[unit_of[chosen]] >= 0))]  # kept units first, by rank
    kept_of: dict[int, list[int]] = {}  # kept unit -> its members that stay, in rank order
    index: dict[int, tuple[dict, dict, dict, int] | None] = {}  # unit -> its candidates by place (_Places)
    for e in chosen.tolist():
        u = int(unit_of[e])
        k = int(keeper[u]) if keeper[u] >= 0 else u
        if u not in index:
            base = kept_of.get(k, [int(best[k])])
            if any(t < members.known for t in base):  # against an indexed span: its place is unknown
                index[u] = None
            else:
                index[u] = ({}, {}, {}, base[0])
                for t in base:
                    place.add(index[u], t)
        if index[u] is None:
            continue
        t = place.match(e, index[u], int(root[u]))
        if t < 0:
            place.add(index[u], e)
            if k == u:
                kept_of.setdefault(u, [int(best[u])]).append(e)
        out[e] = t
    return out


# Two filled-in templates stand for the same text beside a line when each holds at least
# this share of the other's shingles: one frame, other names (not a licence's one-line
# stanza against another licence's whole text).
ALIKE_SHARE = 0.5


def edge_alike(root: np.ndarray, alike: np.ndarray, inter: np.ndarray, sizes: np.ndarray, members: Members,
               edge: np.ndarray) -> np.ndarray:
    """`root` (a unit's own or its keeper's) with the units of each group of `alike` pairs
    (sharing `inter` shingles; ALIKE_SHARE of each) that open or close a document (`edge`:
    per member) given one (their least root), to stand for the text beside a line when
    they stand at the edge (partners): a changelog's
    trailer `# To read the complete changelog use `apt changelog <package>`.` names its
    own package, so the line before it in a sibling package's copy of the file has other
    text beside it, and that copy's last sign-off line stayed (19 lines on this machine's
    Debian docs, once the trailers were no longer dropped against each other)."""
    at_edge = np.zeros(len(root), dtype=bool)
    at_edge[members.unit_of[edge]] = True
    a, b = alike[:, 0], alike[:, 1]
    pairs = alike[at_edge[a] & at_edge[b] & (inter >= ALIKE_SHARE * np.maximum(sizes[a], sizes[b]))]
    if not len(pairs):
        return root
    label = root.copy()
    a, b = pairs[:, 0], pairs[:, 1]
    while True:  # least label over each group (groups are a few lines: few rounds)
        least = np.minimum(label[root[a]], label[root[b]])
        before = label.copy()
        np.minimum.at(label, root[a], least)
        np.minimum.at(label, root[b], least)
        if np.array_equal(before, label):
            break
    return label[root]


class _Places:
    """Where members stand: `beside`, the unit (or the unit it is dropped against) of the
    span right before and after each (-1: none; partners' arrays). A copy is in the same
    place when both are the same; or one is, and that one is not a short value line itself
    (a sign-off block is followed by a diffstat under every commit, a commit header by
    another). Read lazily: `is_value_line(unit)`."""

    def __init__(self, members: Members, beside: tuple[np.ndarray, np.ndarray], is_value_line) -> None:
        self.m, self.before, self.after, self.is_value_line = members, beside[0], beside[1], is_value_line
        self.value: dict[int, bool] = {}

    def beside(self, e: int) -> tuple[int, int]:
        return int(self.before[e]), int(self.after[e])

    def _telling(self, key: int) -> bool:
        """Whether text beside a line tells its place: a span, and not a value line."""
        if key < 0:
            return False
        if key not in self.value:
            self.value[key] = self.is_value_line(key)
        return not self.value[key]

    def add(self, index: tuple[dict, dict, dict, int], t: int) -> None:
        p, n = self.beside(t)
        index[2].setdefault((p, n), t)
        for key, d in ((p, index[0]), (n, index[1])):
            if self._telling(key):
                d.setdefault(key, t)

    def match(self, e: int, index: tuple[dict, dict, dict, int], root: int) -> int:
        """The candidate `e` stands in the same place as (first in keep order), or -1;
        also the first candidate when text right beside `e` is (or is dropped against)
        the unit it goes against (the rows of a table reprinted one a line)."""
        p, n = self.beside(e)
        hits = [t for t in (index[2].get((p, n), -1), index[0].get(p, -1), index[1].get(n, -1)) if t >= 0]
        if self._row_beside(e, root):
            hits.append(index[3])
        rank = self.m.rank
        return min(hits, key=lambda t: rank[t]) if hits else -1

    def _row_beside(self, e: int, root: int) -> bool:
        """Whether `root` is the text of the span right beside `e`, not of one past a span
        too short to judge (a changelog's next entry past its date line: `* builds/windows/
        ftsystem.c (FT_Stream_Open): Support UNICODE compilation.` went against the entry
        before it, `... Cast to remove warning.`)."""
        p, n = self.beside(e)
        touching, nxt = self.m.touching, int(self.m.next[e])
        if touching is None:
            return root in (p, n)
        return (p == root and bool(touching[e])) or (n == root and nxt >= 0 and bool(touching[nxt]))
