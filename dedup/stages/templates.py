"""Filled-in templates are not copies: the rule that a drop must be covered in what distinguishes it.

Lines from one template (release-note headers, table rows, reports, copyright
stanzas) share their frame words and differ in values: numbers and identifiers.
Shingle containment sees the shared frame and calls them copies. A copy, even an
edited one, keeps its values (a corrected figure changes one number in a whole
paragraph); a filled-in template changes little else. So a pair is a template,
never an edge, when each side's words missing from the other are mostly values
and make up a noticeable share of it (thresholds below: VALUE_DENSITY set so one
corrected figure in a sentence stays a copy; VALUE_SHARE 0.34-0.5 scored the same on
seeds 1-2 of the accuracy benchmark), or when each side names something the other
does not (an identifier, not a number, on both sides: `MUTTER_DEBUG: Set this
variable to a list of trace options ...` against `MUTTER_LOG: ... debug options ...`
describe two variables, however much of the frame they share; a copy that lost or
gained a name misses it on one side only, and a corrected figure is a number). The words
of code spans name things too (`apt changelog <package>`), two copyright notices with other
years are two notices, and names apart by edits (a word where a name stood, in a paragraph
otherwise the same) are a copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from ..accel.diff import opcodes
from ..arrays import grouped_sets, ramp
from .glyphs import ocr_alike
from .normalize import token_bytes
from .shingle import byte_token_hashes, fmix64
from .verify import intersections, is_edge

# A side is templated when at least this share of its missing words are values ...
VALUE_SHARE = 0.5
# ... and the missing values are at least this share of all its words (one
# corrected figure in a 25-word copy is 0.04: still a copy).
VALUE_DENSITY = 0.05
# Only pairs whose smaller set has at most this many shingles are read: templates
# are lines and short paragraphs (headers, table rows, report lines, stanzas), and
# reading every partial edge of a large corpus in Python cost more than the scan.
TEMPLATE_MAX = 48
# Pairs are read for different holders' names (named_apart) up to this many shingles in
# the smaller set: a licence's permission notice is about 100.
NAMES_MAX = 128
SAME_TEXT = 0.8
# A name that an edit puts in a word's place (or a word in a name's) stands in a stretch of at
# most this many words on each side (UN's -> on; is -> USS).
EDITED_WORDS = 2
# ... inside at least this many words the two texts share: a paragraph, not a header line whose
# package name (`commons-io (2.5-2)` against `packagekit (1.2.5-2)`) is no identifier.
EDIT_CONTEXT = 20
# UnitTexts keeps the texts of units up to this many characters.
SHORT_TEXT = 512
_VALUE = re.compile(r"[0-9]|(?<![A-Za-z0-9])[A-Z][A-Z0-9]+(?![a-z0-9])|[A-Za-z0-9][_/.@:][A-Za-z0-9]")

_DIGIT = re.compile(rb"[0-9]")
_LETTER = re.compile(rb"[a-z]")
# OCR reads l as 1, o as 0, s as 5, b as 8: letters with one or two of these are an error, not a value.
_OCR_ONLY = re.compile(rb"[a-z]*[0158][a-z]*(?:[0158][a-z]*)?")
# Identifiers: all capitals with a digit or two+ letters (GTK_DEBUG, ASX, U+057D), in the original text.
_CAPITALS = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9]+(?![a-z0-9])")


# Paths, file names, e-mail addresses and URLs (src/fcmatch.c, freeglut_cursor.c,
# pharris@opentext.com): their words are identifiers too.
# Tried only where a word begins: a start inside a word fails when the one before it
# did (same matches; retrying in every position of long words cost most of this rule).
# A hidden file's dot may follow the slash (`fc-cat/.cvsignore`: a diffstat line of another
# commit was dropped as near-equal, naming nothing).
_PATHLIKE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9][\w.+-]*(?:/\.|[_/.@:])[A-Za-z0-9][\w./@:+-]*")
_WORDS = re.compile(r"[a-z0-9]+")
_WORD_BYTES = re.compile(rb"[a-z0-9]+")  # _WORDS on UTF-8 (no byte of another character is ASCII)
# Code spans (`apt changelog libaudit-common`, `make install`): a command names what it acts on.
# A changelog's trailer line `# To read the complete changelog use `apt changelog <package>`.`
# was dropped against another package's (385 such drops on this machine's Debian docs; 341 stay now).
# Not the old quotes `like this' (`help' builtin ... `help read'): no apostrophe inside, or
# one quoted whole (`'worker'`).
_CODE = re.compile(r"`([^`'\n]{1,80}|'[^`\n]{0,78}')`")
_CAPITAL = re.compile(r"[A-Z]")
# Hyphenated names with a part of letters and digits (at-spi2-common, libxcb-dri3-0, x86-64):
# package and product names; not "5-year-old" or "2-1", whose parts are words or numbers.
_HYPHENED = re.compile(r"(?<![\w-])\w++(?:-\w++)+(?![\w-])")  # possessive: a word without `-` fails at its end
_MIXED = re.compile(r"[A-Za-z][0-9]|[0-9][A-Za-z]")
# A news wire's dateline opening a paragraph (`BRISBANE, Oct 25 (Northern Herald) - `,
# `WASHINGTON (Reuters) — `): where and through whom a reprint came, not what its text
# names. A reprint's first line glued to it was refused against its source paragraph as
# naming something else (BRISBANE against the source's QC; accuracy benchmark, reprint kinds).
_DATELINE = re.compile(
    r"\A\s*[A-Z][A-Z.'\- ]{1,40}(?:, [A-Z][a-z]{2,9}\.? \d{1,2})? \([A-Za-z0-9.&' -]{2,40}\) [-\u2013\u2014] "
)
# A proper name: a capitalised word not opening a sentence, or a one-letter capital before one
# (`the X Consortium`, `James M Snell`; not `I think`), or a label ("Wollongong: showers"):
# two patterns, the second only where a colon is (on 150,000 paragraphs of Debian docs and news
# 2.07 -> 1.57 s against one pattern of both; possessive: a shorter word cannot end at \b).
_PROPER = re.compile(r"(?<![.!?:;\"\u201c(\s])\s+([A-Z](?:[a-z]++\b|\b(?=\s+[A-Z][a-z])))")
_LABEL = re.compile(r"\b([A-Z][a-z]++):")


def proper_names(text: str) -> frozenset[bytes]:
    """The proper names of `text`, as tokens: capitalised words not opening a sentence, and labels."""
    found = _PROPER.findall(text)
    if ":" in text:
        found += _LABEL.findall(text)
    return frozenset(" ".join(found).lower().encode().split()) if found else frozenset()


def identifiers(text: str) -> frozenset[bytes]:
    """The words of `text` that name something: written in capitals, or inside a path,
    file name, e-mail address, URL or hyphenated name with a digit; as tokens (lower
    case; an address also whole). A wire dateline opening the text is not among them."""
    text = _DATELINE.sub("", text, count=1)
    out = set(" ".join(_CAPITALS.findall(text)).lower().encode().split())
    paths = _PATHLIKE.findall(text)
    if paths:
        low = " ".join(paths).lower().encode()
        out.update(low.split())
        out.update(_WORD_BYTES.findall(low))
    if "-" in text:
        mixed = [h for h in _HYPHENED.findall(text) if _MIXED.search(h)]
        if mixed:
            out.update(_WORD_BYTES.findall(" ".join(mixed).lower().encode()))
    return frozenset(out)


# A copyright notice's years tell it from another's: `Copyright (c) 2006-2009 The Chromium
# Authors. All rights reserved. Use of this source code is governed by ...` is not the notice
# that says 2006-2013, nor the one that says 2009 the one that says 2009-2013 (elsewhere one
# corrected figure in a sentence stays a copy: VALUE_DENSITY). Read where each misses at most the
# shingles of YEAR_WORDS words of the other: a notice inside a stanza of several (`Copyright:
# 1995-2020, The OpenSSL Project Authors / 1995-1998, Eric A. Young, ...`) names more years than
# its copy.
YEAR_WORDS = 2
_COPYRIGHT = re.compile(r"copyright|\([cC]\)|\u00a9", re.IGNORECASE)
_YEAR = re.compile(r"(?<![0-9])(?:1[89]|20)[0-9]{2}(?![0-9])")


def copyright_years(text: str) -> frozenset[str] | None:
    """The years a copyright notice names (None: `text` is no copyright notice)."""
    if _COPYRIGHT.search(text) is None:
        return None
    return frozenset(_YEAR.findall(text))


def code_words(text: str) -> frozenset[bytes]:
    """The words of `text`'s code spans, as tokens: what its commands name."""
    return frozenset(w.encode() for m in _CODE.finditer(text) for w in _WORDS.findall(m.group(1).lower()))


def with_names(text: str, tokens: list[bytes], flags: np.ndarray, named: frozenset[bytes] | None = None) -> np.ndarray:
    """`flags` (value_flags of text and tokens) with the proper names of `text` set too
    (`named`: proper_names(text), if known)."""
    if named is None:
        named = proper_names(text)
    if not named:
        return flags
    return flags | np.fromiter((t in named for t in tokens), dtype=bool, count=len(tokens))


def value_flags(text: str, tokens: list[bytes], names: bool = False, caps: frozenset[bytes] | None = None) -> np.ndarray:
    """Which of `text`'s tokens are values: numbers and identifiers (words written in
    capitals in `text`), but not a word with an OCR error (quick1y, 5outhern: letters
    with one or two of the digits OCR confuses with letters); with `names`, proper names
    too (what tells one filled-in report from another; an OCR misreading of a name is
    still read through, so misread.py asks without). `caps`: identifiers(text), if known."""
    if names:
        return with_names(text, tokens, value_flags(text, tokens, caps=caps))
    if _VALUE.search(text) is None:
        return np.zeros(len(tokens), dtype=bool)
    if caps is None:
        caps = identifiers(text)
    # A word, or an address or URL (one token), is a value when it is an identifier; digits are;
    # letters with digits go through _mixed_value. One comprehension, only those mixed tokens
    # through a call (a call per token was 2.3M calls on Debian's first 40 MB with --sentences).
    return np.fromiter(
        ((t in caps) if t.isalpha() or not t.isalnum() else t.isdigit() or _mixed_value(t) for t in tokens),
        dtype=bool, count=len(tokens),
    )


def _mixed_value(t: bytes) -> bool:
    """Whether a token of letters and digits is a value: unless the digits are OCR's for letters."""
    return _DIGIT.search(t) is not None and not (_LETTER.search(t) and _OCR_ONLY.fullmatch(t))


def is_templated(missing, missing_values, size, n: int):
    """The rule on counts: of a set of `size` shingles, `missing` are not in the other
    text and `missing_values` of those hold a value (a value sits in up to n shingles).
    Numbers or numpy arrays (then element-wise)."""
    return (missing_values >= 1) & (missing_values >= VALUE_SHARE * missing) & (-(-missing_values // n) >= VALUE_DENSITY * size)


class UnitTexts:
    """Text and tokens of distinct shingle sets (each unit's first span), computed once each."""

    def __init__(self, text_of: Callable[[int], str]) -> None:
        self._text_of = text_of
        self._tokens: dict[int, list[bytes]] = {}
        self._sets: dict[int, frozenset[bytes]] = {}
        self._values: dict[int, bool] = {}
        self._flags: dict[tuple[int, bool], np.ndarray] = {}
        self._names: dict[int, frozenset[bytes]] = {}
        self._short: dict[int, str] = {}
        self._runs: dict[int, tuple[tuple[bytes, ...], ...]] = {}
        self._name_words: dict[int, frozenset[bytes]] = {}
        self._code: dict[int, frozenset[bytes]] = {}
        self._years: dict[int, frozenset[str] | None] = {}
        self._proper: dict[int, frozenset[bytes]] = {}

    def text(self, u: int) -> str:
        """The unit's text; short ones kept (lines are read by several rules, and cutting
        a span's text out of its document cost as much as reading it)."""
        got = self._short.get(u)
        if got is None:
            got = self._text_of(u)
            if len(got) <= SHORT_TEXT:
                self._short[u] = got
        return got

    def tokens(self, u: int) -> list[bytes]:
        if u not in self._tokens:
            self._tokens[u] = token_bytes(self.text(u))
        return self._tokens[u]

    def flags(self, u: int, names: bool = False) -> np.ndarray:
        """value_flags of the unit's text and tokens (read by misread.py and template_pairs)."""
        key = (u, names)
        if key not in self._flags:
            text, tokens = self.text(u), self.tokens(u)
            self._flags[key] = (with_names(text, tokens, self.flags(u), self.proper(u)) if names
                                else value_flags(text, tokens, caps=self.identifiers(u) if self.has_value(u) else frozenset()))
        return self._flags[key]

    def identifiers(self, u: int) -> frozenset[bytes]:
        if u not in self._names:
            self._names[u] = identifiers(self.text(u))
        return self._names[u]

    def code(self, u: int) -> frozenset[bytes]:
        """code_words of the unit's text (apart from value_flags, so that code words do not
        make a line a value line: stages/context.py)."""
        got = self._code.get(u)
        if got is None:
            got = self._code[u] = code_words(self.text(u)) if "`" in self.text(u) else frozenset()
        return got

    def years(self, u: int) -> frozenset[str] | None:
        """copyright_years of the unit's text."""
        if u not in self._years:
            self._years[u] = copyright_years(self.text(u))
        return self._years[u]

    def has_value(self, u: int) -> bool:
        """Whether the text holds a digit or a word in capitals (else it cannot be a filled-in template)."""
        if u not in self._values:
            self._values[u] = _VALUE.search(self.text(u)) is not None
        return self._values[u]

    def names(self, u: int) -> tuple[tuple[bytes, ...], ...]:
        """The names of two or more words: runs of consecutive proper-name tokens."""
        got = self._runs.get(u)
        if got is None:
            named = self.proper(u)
            runs, run = [], []
            for t in self.tokens(u) if len(named) > 1 else ():
                if t in named:
                    run.append(t)
                    continue
                if len(run) > 1:
                    runs.append(tuple(run))
                run = []
            if len(run) > 1:
                runs.append(tuple(run))
            got = self._runs[u] = tuple(runs)
        return got

    def name_words(self, u: int) -> frozenset[bytes]:
        """The words of the unit's names (names)."""
        got = self._name_words.get(u)
        if got is None:
            got = self._name_words[u] = frozenset(t for name in self.names(u) for t in name)
        return got

    def proper(self, u: int) -> frozenset[bytes]:
        """proper_names of the unit's text."""
        got = self._proper.get(u)
        if got is None:
            got = self._proper[u] = proper_names(self.text(u)) if self.has_capital(u) else frozenset()
        return got

    def has_capital(self, u: int) -> bool:
        return _CAPITAL.search(self.text(u)) is not None

    def token_set(self, u: int) -> frozenset[bytes]:
        if u not in self._sets:
            self._sets[u] = frozenset(self.tokens(u))
        return self._sets[u]


_NTH = np.uint64(0xC2B2AE3D27D4EB4F)  # odd: occurrences of one token hash apart


def _word_sets(texts: UnitTexts, units: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Four sorted sets per unit k, laid end to end (`joined`, offsets `at`): set 4k its
    words, 4k + 1 those of its words that are values (flags with names), 4k + 2 its
    identifiers, 4k + 3 its values but names (flags without); hashed, a word by occurrence
    (the second "2" is not the first), so that the sets intersect as multisets: "2 insertions"
    against "1 insertion, 1 deletion" misses a 2. In one batch (a unique per set and unit cost
    a tenth of this rule on Debian's docs)."""
    words = [texts.tokens(u) for u in units]
    names = [list(texts.identifiers(u)) for u in units]
    n_words = np.fromiter(map(len, words), dtype=np.int64, count=len(units))
    n_names = np.fromiter(map(len, names), dtype=np.int64, count=len(units))
    h = byte_token_hashes([t for ts in words for t in ts])
    unit = np.repeat(np.arange(len(units), dtype=np.int64), n_words)
    # Occurrence of each word in its unit: its place among the unit's equal hashes, in order.
    order = np.lexsort((h, unit))
    hs, us = h[order], unit[order]
    starts = np.flatnonzero(np.concatenate(([True], (hs[1:] != hs[:-1]) | (us[1:] != us[:-1])))) if len(h) else np.zeros(0, np.int64)
    nth = np.empty(len(h), dtype=np.uint64)
    nth[order] = ramp(np.diff(np.append(starts, len(h))))
    occ = fmix64(h + nth * _NTH)
    flagged = np.concatenate([texts.flags(u, names=True) for u in units]) if len(h) else np.zeros(0, dtype=bool)
    plain = np.concatenate([texts.flags(u) for u in units]) if len(h) else np.zeros(0, dtype=bool)
    ids = byte_token_hashes([t for ns in names for t in ns])
    values = np.concatenate((occ, occ[flagged], ids, occ[plain]))
    sets = np.concatenate((4 * unit, 4 * unit[flagged] + 1, 4 * np.repeat(np.arange(len(units), dtype=np.int64), n_names) + 2,
                           4 * unit[plain] + 3))
    return grouped_sets(values, sets, 4 * len(units))


def template_pairs(
    pairs: np.ndarray, inter: np.ndarray, sizes: np.ndarray, values: np.ndarray, offsets: np.ndarray,
    threshold: float, texts: UnitTexts, n: int,
) -> np.ndarray:
    """Which verified pairs are filled-in templates (a bool per pair), each side read
    against the other. Only edges short of full containment are read (a set inside
    the other misses nothing) whose smaller set is short (TEMPLATE_MAX) and whose
    texts both hold a digit, capitals or a proper name (names alone: read against OCR
    misreadings, _names_misread)."""
    out = np.zeros(len(pairs), dtype=bool)
    a, b = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
    small = np.minimum(a, b)
    look = np.flatnonzero(is_edge(inter, a, b, threshold) & (inter < small) & (small <= TEMPLATE_MAX))
    # has_value once per unit, not per pair (a unit sits in thousands of pairs on Debian's docs).
    ends = np.unique(pairs[look])
    valued = np.fromiter((texts.has_value(u) or "`" in texts.text(u) for u in ends.tolist()), dtype=bool, count=len(ends))
    # Names alone fill a template too (`the name of The Open Group shall not be used` against
    # `... of the X Consortium or of the XFree86 Project ...`: a licence's advertising clause
    # for another holder, dropped as a copy on Debian's docs).
    fillable = valued | np.fromiter((bool(texts.proper(u)) for u in ends.tolist()), dtype=bool, count=len(ends))
    look = look[fillable[np.searchsorted(ends, pairs[look, 0])] & fillable[np.searchsorted(ends, pairs[look, 1])]]
    if not len(look):
        return out
    # Values by word: a value is missing when the other text lacks it, not when a word beside
    # it changed (an edit or an OCR misreading next to a figure leaves the figure). Names by
    # the identifiers as written: GTK_PROFILE is not GTK_VERBOSE, though the other text may
    # say "verbose" elsewhere. Sets of hashed words, intersected by the compiled loop
    # (per pair in Python, this rule cost a third of a --sentences scan of Debian's docs).
    units = np.unique(pairs[look])
    joined, at = _word_sets(texts, units.tolist())
    size = np.diff(at)
    x, y = 4 * np.searchsorted(units, pairs[look, 0]), 4 * np.searchsorted(units, pairs[look, 1])

    def shared(p: np.ndarray, q: np.ndarray) -> np.ndarray:
        return intersections(np.stack((p, q), axis=1), joined, at)

    # Each side must miss a value of its own, and name something the other does not: only
    # pairs whose both sides hold values (names) are intersected, y's side only where x's is
    # templated (every pair intersected five times cost a fifth of this rule on Debian's docs).
    by_values = np.zeros(len(look), dtype=bool)
    both = np.flatnonzero((size[x + 1] > 0) & (size[y + 1] > 0))
    words = shared(x[both], y[both])
    side_x = is_templated(size[x[both]] - words, size[x[both] + 1] - shared(x[both] + 1, y[both]), size[x[both]], 1)
    both, words = both[side_x], words[side_x]
    by_values[both] = is_templated(size[y[both]] - words, size[y[both] + 1] - shared(y[both] + 1, x[both]), size[y[both]], 1)
    # A template by names alone (no number or identifier missing on either side) may be OCR's
    # misreadings of the names: read in Python, few pairs.
    by_names = np.flatnonzero(by_values)
    by_names = by_names[(size[x[by_names] + 3] == shared(x[by_names] + 3, y[by_names]))
                        & (size[y[by_names] + 3] == shared(y[by_names] + 3, x[by_names]))]
    for i in by_names.tolist():
        by_values[i] = not _names_misread(texts, int(pairs[look[i], 0]), int(pairs[look[i], 1]))
    apart = np.zeros(len(look), dtype=bool)
    both = np.flatnonzero((size[x + 2] > 0) & (size[y + 2] > 0))
    names_shared = shared(x[both] + 2, y[both] + 2)
    apart[both] = (size[x[both] + 2] > names_shared) & (size[y[both] + 2] > names_shared)
    coded = np.fromiter((bool(texts.code(u)) for u in units.tolist()), dtype=bool, count=len(units))
    for i in np.flatnonzero(~apart & (coded[x // 4] | coded[y // 4])).tolist():  # code spans: few pairs, in Python
        p, q = int(pairs[look[i], 0]), int(pairs[look[i], 1])
        apart[i] = _names_other(texts, p, q) and _names_other(texts, q, p)
    # Names apart, but maybe by edits: read in Python where the two share EDIT_CONTEXT words
    # (counted as often as they occur: aligned words are shared words).
    edits = np.flatnonzero(apart & ~by_values)
    edits = edits[shared(x[edits], y[edits]) >= EDIT_CONTEXT]
    for i in edits.tolist():
        apart[i] = not _names_edited(texts, int(pairs[look[i], 0]), int(pairs[look[i], 1]))
    noticed = np.fromiter((bool(texts.years(u)) for u in units.tolist()), dtype=bool, count=len(units))
    # the same notice but for a word or two (not one inside a stanza of several)
    alike = np.maximum(a, b)[look] - inter[look] <= YEAR_WORDS * n
    for i in np.flatnonzero(~apart & ~by_values & alike & noticed[x // 4] & noticed[y // 4]).tolist():  # two copyright notices
        yp, yq = texts.years(int(pairs[look[i], 0])), texts.years(int(pairs[look[i], 1]))
        apart[i] = yp != yq
    out[look] = by_values | apart
    return out


def _names_edited(texts: UnitTexts, x: int, y: int) -> bool:
    """Whether x and y, aligned word by word, share EDIT_CONTEXT words and every stretch where
    one holds a name the other lacks has, on the other side, a word or two that name nothing
    there: an edited copy (`But the UN's deputy envoy ... This is not` against `But the on
    deputy envoy ... This USS not`, a doubled paragraph of the accuracy benchmark that was
    refused as naming UN and USS apart). A template fills its slot with another name
    (`ATK_DEBUG` where the other says `GEGL_DEBUG`, `bash-5.2-rc2` where it says
    `bash-5.2-rc3`), or adds one (`GDK_DEBUG` against `GDK_DEBUG_FLAGS`)."""
    tx, ty = texts.tokens(x), texts.tokens(y)
    if min(len(tx), len(ty)) < EDIT_CONTEXT:  # fewer shared words than that, whatever the alignment
        return False
    nx, ny = texts.identifiers(x) | texts.code(x), texts.identifiers(y) | texts.code(y)
    own_x, own_y = nx - ny, ny - nx
    edited, same = False, 0
    for op, i1, i2, j1, j2 in opcodes(tx, ty):
        if op == "equal":
            same += i2 - i1
            continue
        named_x, named_y = any(t in own_x for t in tx[i1:i2]), any(t in own_y for t in ty[j1:j2])
        if not (named_x or named_y):
            continue
        plain = not any(t in nx for t in tx[i1:i2]) if named_y else not any(t in ny for t in ty[j1:j2])
        if op != "replace" or not plain or max(i2 - i1, j2 - j1) > EDITED_WORDS:  # a slot (`rc2` where the other says `rc3`)
            return False
        edited = True
    return edited and same >= EDIT_CONTEXT


def _names_misread(texts: UnitTexts, x: int, y: int) -> bool:
    """Whether the two sides lack proper names of each other's, and every one is a glyph
    misreading of a word the other lacks, or glued into one (`intoPakistan`): OCR's errors,
    not other names (one alike pair among other names is a list of other names: `Galicican`
    beside `Galician` among `Japanese`, `Kannada` against `Catalan`, `Hebrew`)."""
    wx, wy = texts.token_set(x), texts.token_set(y)
    own_x, own_y = texts.proper(x) - wy, texts.proper(y) - wx
    return bool(own_x or own_y) and all(_misread_word(a, wy - wx) for a in own_x) and all(_misread_word(a, wx - wy) for a in own_y)


def _misread_word(a: bytes, words: frozenset[bytes]) -> bool:
    """Whether word `a` is a glyph misreading of one of `words`, or glued to one, or one of
    them glued (`Indianauthorities` for `Indian authorities`)."""
    return any(ocr_alike(a, b) or (len(a) >= 4 and a in b) or (len(b) >= 4 and b in a) for b in words)


def _names_other(texts: UnitTexts, x: int, y: int) -> bool:
    """Whether x names something y does not: an identifier y does not hold as one, or a
    word of its code spans that y does not hold at all (NEWS.md's `pipecmd_exec` now calls
    `_exit` is quoted plain in a Debian changelog: the same names)."""
    other = texts.identifiers(y) | texts.code(y)
    return bool(texts.identifiers(x) - other) or bool(texts.code(x) - other - texts.token_set(y))


def named_apart(pairs: np.ndarray, inter: np.ndarray, sizes: np.ndarray, texts: UnitTexts) -> np.ndarray:
    """Which verified pairs name different holders (a bool per pair): each side holds a
    name of two or more words (consecutive proper names: `Open Software Foundation`,
    `Keith Packard`) most of whose words, and at least two, the other lacks. The same
    permission notice for another holder is not a copy; an edited copy keeps its names,
    or changes them on one side only (`Prime Minister John Howard` against `Mr Howard`:
    one of two words missing), and words OCR misread are not missing (glyphs.py).
    Only pairs that are the same text but for a few words (SAME_TEXT of each side's
    shingles in the other; the smaller at most NAMES_MAX shingles): where one side goes on
    with text of its own (half a paragraph copied, a licence inside a longer stanza), its
    names may be that text's (measured: read there, the rule lost sub-paragraph copies)."""
    out = np.zeros(len(pairs), dtype=bool)
    a, b = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
    small = np.minimum(a, b)
    big = np.maximum(a, b)
    look = np.flatnonzero((inter >= SAME_TEXT * big) & (inter < small) & (small <= NAMES_MAX))
    if not len(look):
        return out
    # Names once per unit, and only pairs whose both sides have one are read (a unit sits in
    # many pairs; per pair in Python this rule cost 5 % of a --sentences scan of Debian's docs).
    ends = np.unique(pairs[look])
    named = np.fromiter((bool(texts.names(u)) for u in ends.tolist()), dtype=bool, count=len(ends))
    look = look[named[np.searchsorted(ends, pairs[look, 0])] & named[np.searchsorted(ends, pairs[look, 1])]]
    for i in look.tolist():
        x, y = int(pairs[i, 0]), int(pairs[i, 1])
        out[i] = _apart(texts, x, y) and _apart(texts, y, x)
    return out


def _apart(texts: UnitTexts, x: int, y: int) -> bool:
    """Whether x holds a name most of whose words, and at least two, y lacks."""
    missing = texts.name_words(x) - texts.token_set(y)  # in C: most pairs end here
    if len(missing) < 2:
        return False
    # Not a word OCR misread (`Indiau Parliarnent` for `Indian Parliament`: heavy OCR can misread
    # both words of a name; accuracy benchmark, heavy_ocr).
    theirs = texts.token_set(y) - texts.token_set(x)
    missing = {t for t in missing if not _misread_word(t, theirs)}
    if len(missing) < 2:
        return False
    for name in texts.names(x):
        k = sum(t in missing for t in name)
        if k >= 2 and 2 * k > len(name):
            return True
    return False
