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
from .shingle import byte_token_hashes, fold_shingles
from .verify import is_edge

# A side is templated when at least this share of its missing words are values ...
VALUE_SHARE = 0.5
# ... and the missing values are at least this share of all its words (one
# corrected figure in a 25-word copy is 0.04: still a copy).
VALUE_DENSITY = 0.05
# Only pairs whose smaller set has at most this many shingles are read: templates
# are lines and short paragraphs (headers, table rows, report lines, stanzas), and
# reading every partial edge of a large corpus in Python cost more than the scan.
TEMPLATE_MAX = 48
_VALUE = re.compile(r"[0-9]|(?<![A-Za-z0-9])[A-Z][A-Z0-9]+(?![a-z0-9])")

_DIGIT = re.compile(rb"[0-9]")
_LETTER = re.compile(rb"[a-z]")
# OCR reads l as 1, o as 0, s as 5, b as 8: such a word is an error, not a value.
_OCR = (bytes.maketrans(b"0158", b"olsb"), bytes.maketrans(b"0158", b"oisb"))
# Identifiers: all capitals with a digit or two+ letters (GTK_DEBUG, ASX, U+057D), in the original text.
_CAPITALS = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9]+(?![a-z0-9])")


def identifiers(text: str) -> frozenset[bytes]:
    """The words of `text` written in capitals, as tokens (lower case)."""
    return frozenset(m.group().lower().encode() for m in _CAPITALS.finditer(text))


def templated(text: str, tokens: list[bytes], other: np.ndarray, other_tokens: Collection[bytes], n: int) -> bool:
    """Whether `text` (its `tokens`) differs from a text with shingle set `other` (and
    tokens `other_tokens`) mostly in values: its shingles missing from `other` mostly
    hold a value, and those values are a noticeable share of its words."""
    if len(tokens) < n:
        return False
    windows = fold_shingles(byte_token_hashes(tokens), n)
    missing = ~np.isin(windows, other)
    if not missing.any():
        return False
    caps = identifiers(text)
    value = np.zeros(len(tokens), dtype=bool)
    for i, t in enumerate(tokens):
        if _DIGIT.search(t):
            value[i] = not (_LETTER.search(t) and any(t.translate(m) in other_tokens for m in _OCR))
        else:
            value[i] = t in caps
    if not value.any():
        return False
    starts = np.flatnonzero(missing)
    holds = np.zeros(len(windows), dtype=bool)  # window holds a value
    in_missing = np.zeros(len(tokens), dtype=bool)  # token lies in a missing window
    for j in range(n):
        holds |= value[j : j + len(windows)]
        in_missing[starts + j] = True
    n_values = int(np.count_nonzero(value & in_missing))
    return n_values >= 1 and holds[missing].mean() >= VALUE_SHARE and n_values >= VALUE_DENSITY * len(tokens)


class UnitTexts:
    """Text and tokens of distinct shingle sets (each unit's first span), computed once each."""

    def __init__(self, text_of: Callable[[int], str]) -> None:
        self._text_of = text_of
        self._tokens: dict[int, list[bytes]] = {}
        self._sets: dict[int, frozenset[bytes]] = {}
        self._values: dict[int, bool] = {}

    def text(self, u: int) -> str:
        return self._text_of(u)

    def tokens(self, u: int) -> list[bytes]:
        if u not in self._tokens:
            self._tokens[u] = token_bytes(self._text_of(u))
        return self._tokens[u]

    def has_value(self, u: int) -> bool:
        """Whether the text holds a digit or a word in capitals (else it cannot be a filled-in template)."""
        if u not in self._values:
            self._values[u] = _VALUE.search(self._text_of(u)) is not None
        return self._values[u]

    def token_set(self, u: int) -> frozenset[bytes]:
        if u not in self._sets:
            self._sets[u] = frozenset(self.tokens(u))
        return self._sets[u]


def template_pairs(
    pairs: np.ndarray, inter: np.ndarray, sizes: np.ndarray, values: np.ndarray, offsets: np.ndarray,
    threshold: float, texts: UnitTexts, n: int,
) -> np.ndarray:
    """Which verified pairs are filled-in templates (a bool per pair), each side read
    against the other. Only edges short of full containment are read (a set inside
    the other misses nothing) whose smaller set is short (TEMPLATE_MAX)."""
    out = np.zeros(len(pairs), dtype=bool)
    a, b = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
    small = np.minimum(a, b)
    look = np.flatnonzero(is_edge(inter, a, b, threshold) & (inter < small) & (small <= TEMPLATE_MAX))
    for k in look.tolist():
        x, y = int(pairs[k, 0]), int(pairs[k, 1])
        if not (texts.has_value(x) and texts.has_value(y)):
            continue
        sx, sy = values[offsets[x] : offsets[x + 1]], values[offsets[y] : offsets[y + 1]]
        out[k] = templated(texts.text(x), texts.tokens(x), sy, texts.token_set(y), n) and templated(
            texts.text(y), texts.tokens(y), sx, texts.token_set(x), n
        )
    return out
