"""Filled-in templates are not copies: the rule that a drop must be covered in what distinguishes it.

Lines from one template (release-note headers, table rows, reports, copyright
stanzas) share their frame words and differ in values: numbers and identifiers.
Shingle containment sees the shared frame and calls them copies. A copy, even an
edited one, keeps its values (a corrected figure changes one number in a whole
paragraph); a filled-in template changes little else. So a pair is a template,
never an edge, when each side's words missing from the other are mostly values
and make up a noticeable share of it (thresholds below, chosen on the accuracy
benchmark's template kinds and its edited copies).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

import numpy as np

from .normalize import token_bytes
from .verify import is_edge

# A side is templated when at least this share of its missing words are values ...
VALUE_SHARE = 0.5
# ... and the missing values are at least this share of all its words.
VALUE_DENSITY = 0.1

_DIGIT = re.compile(rb"[0-9]")
_LETTER = re.compile(rb"[a-z]")
# OCR reads l as 1, o as 0, s as 5, b as 8: such a word is an error, not a value.
_OCR = (bytes.maketrans(b"0158", b"olsb"), bytes.maketrans(b"0158", b"oisb"))
# Identifiers: all capitals with a digit or two+ letters (GTK_DEBUG, ASX, U+057D), in the original text.
_CAPITALS = re.compile(r"(?<!\w)[A-Z][A-Z0-9]+(?!\w)")


def identifiers(text: str) -> frozenset[bytes]:
    """The words of `text` written in capitals, as tokens (lower case)."""
    return frozenset(m.group().lower().encode() for m in _CAPITALS.finditer(text))


def templated(text: str, tokens: list[bytes], other: Collection[bytes]) -> bool:
    """Whether `text` (its `tokens`) differs from a text with tokens `other` mostly in values."""
    missing = [t for t in tokens if t not in other]
    if not missing:
        return False
    caps = None
    values = 0
    for t in missing:
        if _DIGIT.search(t):
            if _LETTER.search(t) and any(t.translate(m) in other for m in _OCR):
                continue
            values += 1
        else:
            if caps is None:
                caps = identifiers(text)
            values += t in caps
    return values >= 1 and values >= VALUE_SHARE * len(missing) and values >= VALUE_DENSITY * len(tokens)


class UnitTexts:
    """Text and tokens of distinct shingle sets (each unit's first span), computed once each."""

    def __init__(self, text_of: Callable[[int], str]) -> None:
        self._text_of = text_of
        self._tokens: dict[int, list[bytes]] = {}
        self._sets: dict[int, frozenset[bytes]] = {}

    def text(self, u: int) -> str:
        return self._text_of(u)

    def tokens(self, u: int) -> list[bytes]:
        if u not in self._tokens:
            self._tokens[u] = token_bytes(self._text_of(u))
        return self._tokens[u]

    def token_set(self, u: int) -> frozenset[bytes]:
        if u not in self._sets:
            self._sets[u] = frozenset(self.tokens(u))
        return self._sets[u]


def template_pairs(
    pairs: np.ndarray, inter: np.ndarray, sizes: np.ndarray, threshold: float, texts: UnitTexts
) -> np.ndarray:
    """Which verified pairs are filled-in templates (a bool per pair). Only edges
    that are not full containment are read: a set inside the other has no missing words."""
    out = np.zeros(len(pairs), dtype=bool)
    a, b = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
    look = np.flatnonzero(is_edge(inter, a, b, threshold) & (inter < np.minimum(a, b)))
    for k in look.tolist():
        x, y = int(pairs[k, 0]), int(pairs[k, 1])
        out[k] = templated(texts.text(x), texts.tokens(x), texts.token_set(y)) and templated(
            texts.text(y), texts.tokens(y), texts.token_set(x)
        )
    return out
