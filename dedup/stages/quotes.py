"""Quotations are not copies: of two spans where one quotes the other inside its quotation
marks ("As one witness put it, \"<the sentence>\" ...", `Revert "<a commit's subject>"`),
neither is dropped against the other, nor covers its sentences: both stay.

Decide drops the smaller of two spans against the fuller; where the fuller quotes the
smaller, that loses the source and its other sentences (a short one, under --min-tokens,
cannot count as its own), and where the source comes first (keep order), the quoting line
goes. A copy of a quoting paragraph quotes too, so a span whose shared text is inside
quotation marks on both sides is a copy as before; so is one holding any quotation mark (a
quoting paragraph re-cut elsewhere holds half a quotation).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from ..arrays import count_in
from .normalize import token_bytes
from .shingle import byte_token_hashes, fold_shingles
from .verify import is_edge

if TYPE_CHECKING:
    from .templates import UnitTexts

# A quotation: 20 or more characters between quotation marks (straight, curly, low-9,
# guillemets), the opening one after a space or a bracket and before a letter, the closing one
# after text and before a space or punctuation: a straight mark is read as opening or closing
# by where it stands, so an unclosed quotation does not pair the next one's marks inside out.
_QUOTED = re.compile(
    r"(?<![^\s(\[])[\"\u201c\u201e\u00ab](?=\S)([^\"\u201c\u201d\u201e\u00ab\u00bb]{20,})(?<=\S)[\"\u201d\u00bb](?![^\s.,;:!?)\]])"
)
_MARK = re.compile(r"[\"\u201c\u201d\u201e\u00ab\u00bb]")
# The quotation holds this share of what the two share, and this share of it is shared.
QUOTED_SHARE = 0.8


def quotations(text: str, n: int) -> list[np.ndarray]:
    """The word n-gram shingles (sorted) of each of `text`'s quotations, as the scan hashes them."""
    return [np.unique(fold_shingles(byte_token_hashes(token_bytes(m.group(1))), n)) for m in _QUOTED.finditer(text)]


def may_quote(k_text: str, x_text: str) -> bool:
    """Whether k_text can quote x_text at all: it holds a quotation, and x_text no quotation mark."""
    return _QUOTED.search(k_text) is not None and _MARK.search(x_text) is None


def quotes(k_text: str, x_text: str, shared: np.ndarray, n: int) -> bool:
    """Whether the span of `k_text` quotes the one of `x_text`: one quotation of k holds most
    of their `shared` shingles (sorted) and is mostly made of them, and x holds no quotation
    mark at all. Mostly made of them: a quotation that runs on over paragraphs joined in one
    block (each opened with a mark, only the last closed) must not take in the text around x."""
    if not len(shared) or not may_quote(k_text, x_text):
        return False
    return _quoted_in(shared, [q for q in quotations(k_text, n) if len(q)])


def quoting_pairs(pairs: np.ndarray, inter: np.ndarray, sizes: np.ndarray, values: np.ndarray, offsets: np.ndarray,
                  threshold: float, texts: UnitTexts, n: int) -> np.ndarray:
    """Which verified edges (a bool per pair) join a span and one that quotes it, as `quotes`
    says (the sets as `values[offsets[u]:offsets[u + 1]]`, sorted)."""
    out = np.zeros(len(pairs), dtype=bool)
    look = np.flatnonzero(is_edge(inter, sizes[pairs[:, 0]], sizes[pairs[:, 1]], threshold))
    if not len(look):
        return out
    # A mark once per unit, not per pair: most texts have none, and then no pair of theirs is read.
    ends = np.unique(pairs[look])
    marked = np.fromiter((_MARK.search(texts.text(u)) is not None for u in ends.tolist()), dtype=bool, count=len(ends))
    a_m, b_m = marked[np.searchsorted(ends, pairs[look, 0])], marked[np.searchsorted(ends, pairs[look, 1])]
    one = a_m != b_m  # one side marked: that one may quote the other, which holds no mark
    look, first_marked = look[one], a_m[one]
    q_side = np.where(first_marked, pairs[look, 0], pairs[look, 1])
    x_side = np.where(first_marked, pairs[look, 1], pairs[look, 0])
    # A quotation must hold most of what the two share: a unit whose longest quotation is
    # shorter cannot quote (most marked texts of Debian's changelogs quote a word or a name).
    quoting, at = np.unique(q_side, return_inverse=True)
    found = {q: [x for x in quotations(texts.text(q), n) if len(x)] for q in quoting.tolist()}
    longest = np.fromiter((max(map(len, found[q]), default=0) for q in quoting.tolist()), dtype=np.int64, count=len(quoting))
    keep = longest[at.reshape(-1)] >= QUOTED_SHARE * inter[look]
    for k, q, x in zip(look[keep].tolist(), q_side[keep].tolist(), x_side[keep].tolist()):
        shared = np.intersect1d(values[offsets[x] : offsets[x + 1]], values[offsets[q] : offsets[q + 1]], assume_unique=True)
        out[k] = _quoted_in(shared, found[q])  # x holds no mark, q its quotations: may_quote holds
    return out


def _quoted_in(shared: np.ndarray, found: list[np.ndarray]) -> bool:
    """Whether one of the quotations `found` holds most of `shared` and is mostly made of it."""
    return bool(len(shared)) and any(
        count_in(shared, q) >= QUOTED_SHARE * len(shared) and count_in(q, shared) >= QUOTED_SHARE * len(q) for q in found
    )
