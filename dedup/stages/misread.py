"""OCR-misread copies: shingles shared once a misread word is read as the word it stands for.

A scanned reprint with a character error in one word of six ("Thc AFL's all-time leading
goalklcker, Touy Lockett") keeps about half of its word 4-grams intact, under the
containment threshold, though a reader sees the same text. For a pair that already
shares part of its shingles, the smaller side's tokens are aligned with the other's
(difflib); where a differing stretch is a misreading of the other's (a few edits per
word, words split or merged, never a number or an identifier: those are values, see
templates.py) and holds a rare word (a misreading is found almost nowhere else; "danish"
beside "spanish" is two words), it is read as the other's words, and the shingles of the text so read
are counted in the other's set. That count replaces the pair's intersection when it is
larger; every later rule (templates, decide, sentence runs) reads the pair as usual.
A copy with other words (an edit, a filled-in template) finds no misreading to read
through and keeps its count.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..accel.diff import opcodes
from ..arrays import count_in, distinct, in_sorted, ramp, run_starts
from .glyphs import ocr_alike
from .shingle import byte_token_hashes, fold_shingles
from .templates import UnitTexts, value_flags

# Pairs are read only when the smaller set already has this share of its shingles in the
# other (a heavy-OCR copy keeps 0.3-0.6 of them; most unrelated pairs proposed share less) ...
MIN_SHARE = 0.2
# ... and at most this share of its words is missing from the other's words (a copy with
# one word in five misread misses about that many; a paragraph half new misses half).
MAX_MISSING = 0.35
# A word held by more of the units read than this is a word, not a misreading.
RARE_UNITS = 5
# Stretches of more words than this are not read as one misreading.
MAX_STRETCH = 3
# A misread copy is a copy of one paragraph: about its size (OCR splits and merges words),
# and a paragraph's length. Aligning a line against a changelog of thousands of words
# (Debian's docs) cost more than the whole scan.
MAX_SIZE_RATIO = 1.5
MAX_SHINGLES = 400
# Words counted at a time by _Words.missing (memory: about 40 bytes a word).
CHUNK_WORDS = 1 << 22


def _edits(a: bytes, b: bytes, bound: int) -> int:
    """Levenshtein distance of a and b, or bound + 1 once it exceeds `bound`."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        if min(cur) > bound:
            return bound + 1
        prev = cur
    return prev[-1]


_AS_LETTERS = bytes.maketrans(b"0158", b"olsb")  # the digits OCR reads for o, l, s, b


def misread(a: bytes, b: bytes) -> bool:
    """Whether `a` can be a misreading of `b`: one glyph confusion (glyphs.py, short words
    too); or both words of letters, three or more, one edit in a short word, two in a longer
    one (OCR reads rn as m, cl as d); or `a` is `b` with letters read as the digits they look
    like (5eekers, to1d). exp5 beside exp1, unifb5b beside unifbab, a URL beside another:
    values, not misreadings."""
    if a == b or not b.isalpha():
        return False
    if ocr_alike(a, b):  # one glyph confusion, in short words too: tlie, cf, i5, ln for the, of, is, in
        return True
    if min(len(a), len(b)) < 3:
        return False
    if not a.isalpha():
        return a.translate(_AS_LETTERS) == b
    bound = 1 if len(b) <= 5 else 2
    return _edits(a, b, bound) <= bound


def _joined_misread(xs: list[bytes], ys: list[bytes]) -> bool:
    """Whether words `xs` are `ys` split or merged otherwise, perhaps misread too."""
    x, y = b"".join(xs), b"".join(ys)
    return x == y or misread(x, y)


def read_as(
    xs: list[bytes], ys: list[bytes], x_values: np.ndarray, y_values: np.ndarray,
    rare: Callable[[bytes], bool] = lambda t: True,
) -> list[bytes]:
    """`xs` with each stretch that misreads the aligned stretch of `ys` replaced by it;
    only a stretch holding a `rare` word can be a misreading."""
    out: list[bytes] = []
    ops = opcodes(xs, ys)
    for tag, i1, i2, j1, j2 in ops:
        here = xs[i1:i2]
        if tag != "replace" or x_values[i1:i2].any() or y_values[j1:j2].any():
            out += here
        elif i2 - i1 == j2 - j1:  # word for word
            out += [y if rare(x) and misread(x, y) else x for x, y in zip(here, ys[j1:j2])]
        elif max(i2 - i1, j2 - j1) <= MAX_STRETCH and any(map(rare, here)) and _joined_misread(here, ys[j1:j2]):  # split or merged
            out += ys[j1:j2]
        else:
            out += here
    return out


def read_through(
    pairs: np.ndarray, inter: np.ndarray, sizes: np.ndarray, values: np.ndarray, offsets: np.ndarray,
    threshold: float, texts: UnitTexts, n: int,
) -> np.ndarray:
    """`inter`, with each pair whose larger side it does not cover at the threshold (short
    of an edge, or an edge only by the smaller side) recounted on the smaller side read
    through its misreadings of the other (both sides in turn where the sizes are equal; a
    copy, never fewer than before)."""
    out = np.asarray(inter, dtype=np.int64).copy()
    a, b = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
    small = np.minimum(a, b)
    large = np.maximum(a, b)
    # Short of an edge, or an edge whose larger side is not covered at the threshold: decide
    # drops a set only against one holding that share of it (an OCR copy that merged words is
    # the smaller; when it comes first, its source is dropped against it or not at all).
    look = np.flatnonzero(
        (out < threshold * large) & (out >= MIN_SHARE * small) & (small > 0)
        & (large <= MAX_SIZE_RATIO * small) & (large <= MAX_SHINGLES)
    )
    # How many of the units read hold each word: a misreading is a word (almost) nowhere
    # else, "tlie", "goalklcker"; "danish" beside "spanish" in two changelog lines is no
    # misreading, and those lines are many.
    read_units = np.unique(pairs[look])
    words = _Words(texts, read_units)
    rare_words = words.rare()

    def rare(t: bytes) -> bool:
        return t in rare_words

    # Each word read otherwise gives back at most n shingles: a side with too few rare
    # words cannot reach the threshold (most pairs of Debian's docs go here, in numpy).
    n_rare = np.zeros(len(sizes), dtype=np.int64)
    n_rare[read_units] = np.bincount(words.owner[words.is_rare], minlength=len(read_units))
    x_side = np.where(a[look] <= b[look], pairs[look, 0], pairs[look, 1])
    most_rare = np.where(a[look] == b[look], np.maximum(n_rare[pairs[look, 0]], n_rare[pairs[look, 1]]), n_rare[x_side])
    look = look[out[look] + n * most_rare >= threshold * small[look]]
    # Per pair, the smaller side x (both, in turn, where the sizes are equal): its words the
    # other lacks, and of those the rare ones; counted in one batch, a word by hash (per side
    # in Python this loop cost a third of the rule on Debian's docs, most sides ending here).
    first = np.where(a[look] <= b[look], pairs[look, 0], pairs[look, 1])
    second = np.where(a[look] <= b[look], pairs[look, 1], pairs[look, 0])
    equal = a[look] == b[look]
    sides_x = np.concatenate((first, second[equal]))
    sides_y = np.concatenate((second, first[equal]))
    missing, rare_missing = words.missing(sides_x, sides_y)
    n_words = words.n_words[np.searchsorted(read_units, sides_x)]
    bar = threshold * large[look]
    passes = (missing <= MAX_MISSING * n_words) & (out[np.concatenate((look, look[equal]))] + n * rare_missing >= np.concatenate((bar, bar[equal])))
    # A pair is read when a side passes with the pair's count as it stands; the loop checks
    # each side again, since reading the first of two sides of one size may raise the count.
    second_at = np.full(len(look), -1, dtype=np.int64)
    second_at[equal] = len(look) + np.arange(int(equal.sum()))
    to_read = passes[: len(look)].copy()
    to_read[equal] |= passes[len(look):]

    for q in np.flatnonzero(to_read).tolist():
        k = int(look[q])
        for side in (q, int(second_at[q])) if second_at[q] >= 0 else (q,):
            x, y = int(sides_x[side]), int(sides_y[side])
            if missing[side] > MAX_MISSING * n_words[side]:
                continue
            # Each word read otherwise gives back at most n shingles: too few rare ones cannot reach the threshold.
            if out[k] + n * rare_missing[side] < bar[q]:
                continue
            xs = texts.tokens(x)
            read = read_as(xs, texts.tokens(y), texts.flags(x), texts.flags(y), rare)
            if read != xs:
                out[k] = max(out[k], min(found_in(read, values[offsets[y] : offsets[y + 1]], n), int(small[k])))
            if out[k] >= bar[q]:
                break
    return out


class _Words:
    """The words of units (sorted `units`), each as a number (by its hash), and which are
    rare: held by at most RARE_UNITS of the units."""

    def __init__(self, texts: UnitTexts, units: np.ndarray) -> None:
        self.units = units
        words = [texts.tokens(u) for u in units.tolist()]
        self.n_words = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        self.flat = [t for ts in words for t in ts]
        _, word = np.unique(byte_token_hashes(self.flat), return_inverse=True)
        self.word = word.astype(np.int64).ravel()
        self.kinds = int(self.word.max()) + 1 if len(self.word) else 1
        self.owner = np.repeat(np.arange(len(words), dtype=np.int64), self.n_words)
        self.held = distinct(self.owner * self.kinds + self.word)  # (unit, word) pairs
        self.is_rare = (np.bincount(self.held % self.kinds, minlength=self.kinds) <= RARE_UNITS)[self.word]

    def rare(self) -> frozenset[bytes]:
        return frozenset(t for t, r in zip(self.flat, self.is_rare.tolist()) if r)

    def missing(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per side (x, y): how many of x's words, counted as often as they occur, y lacks,
        and how many of those are rare."""
        start = run_starts(self.n_words)
        lx, ly = np.searchsorted(self.units, xs), np.searchsorted(self.units, ys)
        missing = np.zeros(len(xs), dtype=np.int64)
        rare_missing = np.zeros(len(xs), dtype=np.int64)
        step = max(1, CHUNK_WORDS // max(1, int(self.n_words.max(initial=1))))
        for lo in range(0, len(xs), step):  # in chunks of about CHUNK_WORDS words
            cx, cy = lx[lo : lo + step], ly[lo : lo + step]
            counts = self.n_words[cx]
            at = np.repeat(start[cx], counts) + ramp(counts)
            lacks = ~in_sorted(np.repeat(cy, counts) * self.kinds + self.word[at], self.held)
            side = np.repeat(np.arange(len(cx)), counts)
            missing[lo : lo + step] = np.bincount(side, weights=lacks, minlength=len(cx))
            rare_missing[lo : lo + step] = np.bincount(side, weights=lacks & self.is_rare[at], minlength=len(cx))
        return missing, rare_missing


def found_in(tokens: list[bytes], theirs: np.ndarray, n: int) -> int:
    """How many distinct shingles of `tokens` are in the sorted set `theirs`."""
    return count_in(np.unique(fold_shingles(byte_token_hashes(tokens), n)), theirs)


def share_read(
    text: str, tokens: list[bytes], other_tokens: list[bytes], other_values: np.ndarray, theirs: np.ndarray, n: int,
) -> float:
    """Share of the shingles of `tokens` (of `text`), read through their misreadings of
    `other_tokens` (whose value flags are `other_values`), that lie in `theirs` (the
    other text's shingle set)."""
    read = read_as(tokens, other_tokens, value_flags(text, tokens), other_values)
    total = len(np.unique(fold_shingles(byte_token_hashes(tokens), n)))
    return found_in(read, theirs, n) / total if total else 0.0
