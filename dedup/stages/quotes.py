"""Quotations are not copies: a span that another quotes, inside its quotation marks, is the
source the other cites ("As one witness put it, \"<the sentence>\" ..."), and stays.

Decide drops the smaller of two spans against the fuller, whichever came first; when the
fuller is a later paragraph quoting the smaller one's sentence, that loses the source and
its other sentences (a short one, under --min-tokens, cannot count as its own). A copy of
a quoting paragraph quotes too, so a span whose shared text is inside quotation marks on
both sides is a copy as before; so is one holding any quotation mark (a quoting paragraph
re-cut elsewhere holds half a quotation).
"""

from __future__ import annotations

import re

import numpy as np

from ..arrays import count_in
from .normalize import token_bytes
from .shingle import byte_token_hashes, fold_shingles

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


def quotes(k_text: str, x_text: str, shared: np.ndarray, n: int) -> bool:
    """Whether the span of `k_text` quotes the one of `x_text`: one quotation of k holds most
    of their `shared` shingles (sorted) and is mostly made of them, and x holds no quotation
    mark at all. Both ways, as quotation marks pair up wrongly across paragraphs joined in one
    block (a quotation running on over paragraphs opens each with a mark and closes the last)."""
    if not len(shared) or _MARK.search(x_text) or not _QUOTED.search(k_text):
        return False
    return any(count_in(shared, q) >= QUOTED_SHARE * len(shared) and count_in(q, shared) >= QUOTED_SHARE * len(q)
               for q in quotations(k_text, n) if len(q))
