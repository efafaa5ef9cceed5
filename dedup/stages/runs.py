"""Sentence runs: the part of a span that kept text already holds.

Paragraph decisions (decide.py) drop whole spans. Two things they cannot see:

- a run of sentences copied into a span that is otherwise new (wire copy in a
  local story, a reprint paragraphed at other boundaries): the span stays, so
  the copy stays;
- a span dropped whole that holds a sentence of its own (a short paragraph that
  mostly quotes another article): its own sentence is lost.

So, for spans that share shingles with others, in keep-preference order: a span
dropped whole whose sentence of at least `min_tokens` words is mostly absent from
the text that stays of every span it shares text with, or whose shorter sentence
(SHORT_OWN words or more) is in no text that stays at all, is kept instead (*lifted*;
lifted for a short sentence only, its covered sentences go even one by one);
one dropped whole against a later, fuller span, with nothing of its own, is kept
first (keep order) and that span's copy of it goes (`first`, comes_first);
and inside each span that stays, a run of consecutive sentences whose shingles lie
in kept text of spans ranked before it (covered at the containment threshold, and
not a filled-in template of it, see templates.py) is dropped, cut at sentence
boundaries. A run must hold at least MIN_SENTENCES sentences: one sentence inside
somebody else's paragraph is a quotation, not a copy, unless the span's runs hold
nearly all of the kept span that covers it (that span copied whole, a sentence
inserted: GLUED_SHARE). A run may go on across a paragraph break of its document (a
reprint paragraphed at other boundaries): a shorter run at a span's edge counts when
the span next to it in its document holds the rest, covered by the same earlier
document there (`Layout`). Kept text is what earlier spans keep after their own runs
are dropped, so a run is never dropped against text that is gone; a span keeps what
the spans dropped against it need, unless they are covered elsewhere (then they are
dropped against that text instead) or sure to be lifted.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

import numpy as np

from ..accel import kernels
from ..accel.diff import opcodes
from ..arrays import count_in, distinct, in_sorted, ramp, run_starts, stable_order
from . import misread
from .context import Members, is_value_line
from .mapping import piece_token_hashes, text_codes
from .normalize import ascii_token_starts, token_bytes
from .sentences import sentence_bounds
from .shingle import byte_token_hashes, fold_at
from .templates import UnitTexts, is_templated, value_flags
from .units import best_members

# A run of fewer sentences is a quotation. Accuracy benchmark, seed 1: 1 gives F1
# 0.960 but loses 1.24 % of unique content and removes 53 % of the quotes; 2 gives
# 0.956 and 0.67 %; 3 resolves no two-sentence copy (F1 0.918).
MIN_SENTENCES = 2
# In a span cut as a list (every line a unit), a run of fewer words than this many times
# --min-tokens is not cut: two or three lines of a changelog entry (`tests/Makefile.am (TESTS):
# Add them.`, `* Remove patch applied upstream.`) recur under other entries word for word and
# are theirs. Real docs, the four samples read: 14 of 16 sentence-run drops were wrong; with 3,
# 14 of their 28 wrong drops are no longer dropped and none of their 372 right ones (4 lost one);
# the accuracy benchmark's outputs are unchanged at 2, 3 and 4 (hard-wrapped news runs are longer).
LIST_RUN = 3
# A run too short to be a copy still is one when the span's runs together hold this share
# of the kept span that covers it: that span (a line, a short paragraph) copied here whole.
# Accuracy benchmark: 0.9 leaves one scan unchanged and takes two batches through an index
# from 0.0052 to 0.0023 F1 below one scan; 0.75 removes 4 % of quotations (a short quoting
# paragraph counted as its source repeated) and loses 0.11 % of unique content.
GLUED_SHARE = 0.9
# A sentence of a span dropped whole is its own when less than this share of its
# shingles occurs in any span it shares text with.
OWN_SHARE = 0.3
# Words of a sentence an edited copy may change, add or leave out and still be the
# other's sentence, not one of its own (has_own, edited_of; the planted doubled_edited
# kind edits about one word in twenty, so a short sentence holds one edit). Not
# templates.EDITED_WORDS: that one is about names apart in paragraphs of 20+ shared words.
SENTENCE_EDIT_WORDS = 1
# A sentence of this many words up to --min-tokens, in a span dropped whole, is its own when no
# other unit keeps any of its shingles (looked up in every set, not only the span's verified
# partners). Accuracy benchmark (new draw): three short sentences of two copies each (`The woman
# was not hurt.`) were lost entirely, both spans dropped against others; with this rule none, F1
# mean 0.9940 -> 0.9945, worst 0.9928 -> 0.9934, subpara_rest lost 2 -> 0 of 153. Looked up among
# verified partners only, short copies were seldom partners and their spans were kept twice
# (recut 0.975 -> 0.938 on seed 3). "Every set" is every unit the judge reads: through --index the
# batch's and the fetched ones (a copy may be kept again there, never text lost; README).
SHORT_OWN = 5
# Shingles looked up at a time by _Sets.watch (memory: 8 bytes each, for the search).
WATCH_BLOCK = 1 << 20
# Spans are partners (may cover each other's sentences) when they share at least
# this many times ngram shingles (seed 1 of the accuracy benchmark: 1 gives F1
# 0.956, 2 gives 0.954 and 25 % less time in this stage, 3 gives 0.929).
PARTNER_SHINGLES = 1
# A kept span is read for runs only when its earlier partners share at least this
# share of its shingles, summed: reading sentences is Python, and on Debian's docs
# most partners of long spans share a stock line or two.
READ_SHARE = 0.1
# Only the partners sharing most with a span are read (a stock line of Debian's
# changelogs has thousands); the rest rarely cover what these do not.
MAX_PARTNERS = 32


@dataclass
class Sentenced:
    """A span's sentences: offsets into the span, word counts, and shingles."""

    text: str
    bounds: list[tuple[int, int]]
    n_tokens: list[int]
    shingles: list[list[int]]  # hashes of the shingles inside each sentence (never across two)
    tokens: list[list[bytes]] | None = None  # each sentence's token_bytes (None: tokenized when needed)
    flat: np.ndarray | None = None  # `shingles` back to back, uint64
    listed: bool = False  # cut as a list (every line a unit, sentences.is_list)
    _values: dict[int, list[bool]] | None = field(default=None, repr=False, compare=False)  # values(j), once asked

    def values(self, j: int, n: int) -> list[bool]:
        """Per shingle of sentence j: does it hold a value (templates.value_flags)? Once per sentence."""
        if self._values is None:
            self._values = {}
        got = self._values.get(j)
        if got is None:
            s, e = self.bounds[j]
            flags = value_flags(self.text[s:e], self.tokens[j] if self.tokens is not None else token_bytes(self.text[s:e]), names=True)
            m = len(self.shingles[j])
            if len(flags) >= m + n - 1:
                held = run_starts(flags)  # values among the first k tokens, for each k
                got = (held[n : n + m] > held[:m]).tolist()
            else:  # fewer tokens than the shingles need (not seen: both tokenizers agree), window by window
                got = [bool(flags[i : i + n].any()) for i in range(m)]
            self._values[j] = got
        return got


def _split_tokens(text: str, bounds: list[tuple[int, int]]) -> list[list[bytes]]:
    """normalize.token_bytes of each sentence. ASCII text is tokenized once and its
    tokens dealt out by where they start (changelogs and tables hold hundreds of
    lines a span: a call per line cost most of this stage); other text a sentence at a time."""
    if not text.isascii():
        return [token_bytes(text[s:e]) for s, e in bounds]
    tokens, at = ascii_token_starts(text)
    out = []
    for s, e in bounds:
        out.append(tokens[bisect_left(at, s) : bisect_left(at, e)])
    return out


def sentenced(text: str, n: int) -> Sentenced:
    """Sentences of `text`, tokenized and shingled as the scan shingles a span, in one pass."""
    return sentenced_many([text], n)[0]


def sentenced_many(texts: list[str], n: int) -> list[Sentenced]:
    """`sentenced` of each text, tokenized and hashed in one batch (compiled for large
    batches, as the map stage tokenizes spans; the same hashes either way, tested)."""
    bounds, as_list = zip(*map(sentence_bounds, texts)) if texts else ((), ())
    per_text = np.fromiter(map(len, bounds), dtype=np.int64, count=len(bounds))
    fast = kernels.compiled(sum(map(len, texts)))
    tokens = None
    if fast is not None:
        joined = "".join(texts)
        base = np.repeat(run_starts(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))[:-1], per_text)
        flat_bounds = np.array([b for bs in bounds for b in bs], dtype=np.int64).reshape(-1, 2)
        h, counts = piece_token_hashes(fast, joined, text_codes(joined), base + flat_bounds[:, 0], base + flat_bounds[:, 1])
    else:
        tokens = [_split_tokens(t, b) for t, b in zip(texts, bounds)]
        counts = np.fromiter((len(x) for ts in tokens for x in ts), dtype=np.int64, count=int(per_text.sum()))
        h = byte_token_hashes([x for ts in tokens for t in ts for x in t])
    windows = np.maximum(counts - n + 1, 0)  # windows that fit inside their sentence
    starts = np.repeat(run_starts(counts)[:-1], windows) + ramp(windows)
    hashes = fold_at(h, starts, n) if len(starts) else np.zeros(0, dtype=np.uint64)
    listed, w_at, s_at = hashes.tolist(), run_starts(windows).tolist(), run_starts(per_text).tolist()
    all_counts = counts.tolist()
    out = []
    for i, text in enumerate(texts):
        lo, hi = s_at[i], s_at[i + 1]
        shingles = [listed[w_at[j] : w_at[j + 1]] for j in range(lo, hi)]
        out.append(Sentenced(text, bounds[i], all_counts[lo:hi], shingles, tokens[i] if tokens is not None else None,
                             hashes[w_at[lo] : w_at[hi]], as_list[i]))
    return out


@dataclass
class Run:
    """Sentences [first, stop) of unit `unit` dropped, covered by kept text of `partner` (mostly)."""

    unit: int
    first: int
    stop: int
    partner: int
    size: int  # the run's distinct shingles
    shared: int  # ... of them in the partner's set
    covered: float  # share of the run's shingles found in the kept text before it


@dataclass
class Refined:
    lifted: np.ndarray  # units dropped whole that keep their own sentence
    runs: list[Run]
    whole: dict[int, int]  # unit -> partner: every sentence covered, so dropped whole
    sentenced: dict[int, Sentenced]
    moved: dict[int, int]  # unit dropped whole -> the kept unit it is dropped against instead (see refine)
    covered_moves: set[int]  # of those, the ones kept text of several units covers (reason "covered")
    first: np.ndarray  # units dropped against a later unit, kept first: its copy of them is cut (comes_first)


@dataclass
class Layout:
    """Where each unit's best member (the span runs are cut from) sits: the units of
    the eligible spans just before and after it in its document (-1: none), and a
    key of its document (equal keys, one document)."""

    prev: np.ndarray
    next: np.ndarray
    doc: np.ndarray


def layout(members: Members, member_doc: np.ndarray, n_units: int) -> Layout:
    """Layout of units whose members lie in documents `member_doc` (any int key per
    member; the same key, one document)."""
    best = best_members(members.unit_of, members.rank, n_units)
    have = best >= 0
    out = Layout(*(np.full(n_units, -1, dtype=np.int64) for _ in range(3)))
    for arr, near in ((out.prev, members.prev), (out.next, members.next)):
        at = near[best[have]]
        arr[have] = np.where(at >= 0, members.unit_of[np.maximum(at, 0)], -1)
    out.doc[have] = member_doc[best[have]]
    return out


def _runs(covered: list[bool], neutral: list[bool], n_tokens: list[int], min_tokens: int) -> list[tuple[int, int, bool]]:
    """Maximal runs of covered sentences (short sentences without shingles may sit
    inside a run, never at its ends), and whether each is long enough to be a copy
    on its own (a run of every sentence always is)."""
    out, j, m = [], 0, len(covered)
    while j < m:
        if not covered[j]:
            j += 1
            continue
        k = j
        while k + 1 < m and (covered[k + 1] or neutral[k + 1]):
            k += 1
        while not covered[k]:
            k -= 1
        whole = j == 0 and k == m - 1
        long = whole or (sum(covered[j : k + 1]) >= MIN_SENTENCES and sum(n_tokens[j : k + 1]) >= min_tokens)
        out.append((j, k + 1, long))
        j = k + 1
    return out


def refine(
    sizes: np.ndarray, values: np.ndarray, offsets: np.ndarray, pairs: np.ndarray, inter: np.ndarray,
    keeper: np.ndarray, u_rank: np.ndarray, texts: UnitTexts, *, ngram: int, containment: float, min_tokens: int,
    layout: Layout | None = None, templated: set[int] = frozenset(), unusable: set[int] = frozenset(),
) -> Refined:
    """Sentence runs and lifted drops of units (distinct shingle sets, see module doc).

    `pairs`/`inter`: verified candidate pairs with their intersections (see
    PARTNER_SHINGLES for partners). A unit that a still-dropped unit was dropped
    against is neither cut nor dropped here, so nothing chains. Without `layout`,
    no run goes on across a paragraph break. `templated`: pairs refused as filled-in
    templates (templates.py), as lower * len(sizes) + higher: neither covers the other's sentences.
    `unusable`: pairs decide may not drop one against (the index's, see judge), in the same
    form: no drop is moved along them.
    """
    sets = _Sets(sizes, values, offsets, pairs, inter, ngram)
    return _Refiner(sets, keeper, u_rank, texts, ngram=ngram, containment=containment, min_tokens=min_tokens,
                    layout=layout, templated=templated, unusable=unusable).run()


class _Sets:
    """The units' shingle sets and who shares how many shingles with whom (the verified pairs)."""

    def __init__(self, sizes: np.ndarray, values: np.ndarray, offsets: np.ndarray, pairs: np.ndarray,
                 inter: np.ndarray, ngram: int):
        self.sizes, self.values, self.offsets, self.n = sizes, values, offsets, len(sizes)
        close = inter > 0
        self.a, self.b = pairs[close, 0].astype(np.int64), pairs[close, 1].astype(np.int64)
        self.inter = inter[close]
        ends = np.concatenate((self.a, self.b))
        other = np.concatenate((self.b, self.a))
        shared = np.concatenate((self.inter, self.inter))
        order = np.argsort(ends * self.n + other, kind="stable")  # by unit, then partner (np.lexsort: 1.6x the time)
        self.ends, self.other, self.shared = ends[order], other[order], shared[order]
        self.start = np.searchsorted(self.ends, np.arange(self.n + 1))
        self.strong = self.shared >= PARTNER_SHINGLES * ngram
        self._by_value = (np.zeros(0, np.uint64), np.zeros(0, np.int64))  # watch(): shingle -> holders

    def watch(self, wanted: np.ndarray) -> None:
        """Find, for holders(), every unit holding one of these shingles: one pass over all the
        sets, a block at a time (a sorted copy of every set cost 16 bytes a shingle)."""
        wanted = distinct(np.asarray(wanted, dtype=np.uint64))
        found = [np.zeros(0, np.int64)]
        for lo in range(0, len(self.values) if len(wanted) else 0, WATCH_BLOCK):
            found.append(lo + np.flatnonzero(in_sorted(self.values[lo : lo + WATCH_BLOCK], wanted)))
        at = np.concatenate(found)
        vals, owner = self.values[at], np.searchsorted(self.offsets, at, side="right") - 1
        order = stable_order(vals)
        self._by_value = (vals[order], owner[order])

    def holders(self, h: int) -> np.ndarray:
        """The units whose sets hold shingle h, one of those watched (every unit, not only
        verified partners: the other copy of a short sentence is too short to be proposed)."""
        vals, owner = self._by_value
        lo, hi = np.searchsorted(vals, np.uint64(h)), np.searchsorted(vals, np.uint64(h), side="right")
        return owner[lo:hi]

    def full(self, v: int) -> np.ndarray:
        """Unit v's shingle set (sorted)."""
        return self.values[self.offsets[v] : self.offsets[v + 1]]

    def _most(self, lo: int, hi: int, keep: np.ndarray | None = None) -> np.ndarray:
        """Of the neighbours in [lo, hi), the MAX_PARTNERS sharing most (ties: lower unit)."""
        found, count = self.other[lo:hi], self.shared[lo:hi]
        if keep is not None:
            found, count = found[keep], count[keep]
        if len(found) > MAX_PARTNERS:
            found = found[np.lexsort((found, -count))[:MAX_PARTNERS]]
        return found

    def neighbours(self, u: int) -> np.ndarray:
        """The units u shares most shingles with (among the verified pairs)."""
        return self._most(self.start[u], self.start[u + 1])

    def partners(self, u: int) -> np.ndarray:
        """The units that may cover u's sentences: sharing PARTNER_SHINGLES x ngram shingles."""
        lo, hi = self.start[u], self.start[u + 1]
        return self._most(lo, hi, self.strong[lo:hi])

    def shared_with(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Shingles units x[i] and y[i] share (0 where they are no verified pair)."""
        n = self.n
        codes = np.minimum(x, y) * n + np.maximum(x, y)
        pc = np.minimum(self.a, self.b) * n + np.maximum(self.a, self.b)
        srt = np.argsort(pc, kind="stable")
        at = np.searchsorted(pc[srt], codes)
        found = at < len(pc)
        found[found] = pc[srt][at[found]] == codes[found]
        out = np.zeros(len(x), dtype=np.int64)
        out[found] = self.inter[srt][at[found]]
        return out

    def to_read(self, keeper: np.ndarray, u_rank: np.ndarray, min_tokens: int, ngram: int) -> np.ndarray:
        """The units refine reads, in rank order: kept units whose earlier partners share
        at least READ_SHARE of them (summed), dropped units with room for a sentence
        of their own (min_tokens words of shingles not in their keeper), and dropped units
        whose keeper ranks after them and is read (they may come first)."""
        earlier = (u_rank[self.other] < u_rank[self.ends]) & self.strong
        from_earlier = np.bincount(self.ends[earlier], weights=self.shared[earlier], minlength=self.n)
        has_earlier = from_earlier >= READ_SHARE * self.sizes
        room = np.zeros(self.n, dtype=bool)
        dropped = np.flatnonzero(keeper >= 0)
        if len(dropped):
            with_k = self.shared_with(dropped, keeper[dropped])
            room[dropped] = self.sizes[dropped] - with_k >= min_tokens - ngram + 1
        read = (has_earlier & (keeper == -1)) | room
        k = keeper[dropped]  # and units dropped against a later unit that is read (they may come first)
        read[dropped[(u_rank[k] > u_rank[dropped]) & read[k] & (keeper[k] == -1)]] = True
        todo = np.flatnonzero(read)
        return todo[np.argsort(u_rank[todo], kind="stable")]


class _Refiner:
    """One pass of `refine` over the units to read, in rank order, and what it has
    settled so far: each rule below reads that state (what earlier units keep)."""

    def __init__(self, sets: _Sets, keeper: np.ndarray, u_rank: np.ndarray, texts: UnitTexts, *, ngram: int,
                 containment: float, min_tokens: int, layout: Layout | None, templated: set[int], unusable: set[int]):
        self.sets, self.keeper, self.u_rank, self.texts = sets, keeper, u_rank, texts
        self.ngram, self.containment, self.min_tokens = ngram, containment, min_tokens
        self.layout, self.templated, self.unusable = layout, templated, unusable
        self.todo = sets.to_read(keeper, u_rank, min_tokens, ngram)
        # A span that a span still dropped was dropped against keeps every sentence: that one relies on its text.
        self.dependents: dict[int, list[int]] = {}
        for x in np.flatnonzero(keeper >= 0).tolist():
            self.dependents.setdefault(int(keeper[x]), []).append(x)
        self.kept_part: dict[int, np.ndarray] = {}  # processed units that keep a part: the shingles they keep (sorted)
        self.status: dict[int, bool] = {}  # processed: kept (True) or dropped (False)
        # Every unit to do is read (waiting ones may be read ahead): sentenced in one batch.
        todo = self.todo.tolist()
        self.info: dict[int, Sentenced] = dict(zip(todo, sentenced_many([texts.text(u) for u in todo], ngram)))
        # The shingles of the units' short sentences (_short_own looks for them in every set).
        sets.watch(np.fromiter((h for u in todo for j, n in enumerate(self.info[u].n_tokens)
                                if SHORT_OWN <= n < min_tokens for h in self.info[u].shingles[j]), dtype=np.uint64))
        self.lifted: list[int] = []
        self.first_of: dict[int, int] = {}  # unit -> the one unit dropped against it but kept first (comes_first)
        self.alone: dict[int, bool] = {}  # comes_first's own tests of a unit, once asked
        self.runs: list[Run] = []
        self.whole: dict[int, int] = {}
        self.moved: dict[int, int] = {}
        self.covered_moves: set[int] = set()
        self.todo_set = set(todo)
        self.waiting = set(todo)
        self.sure: dict[int, bool] = {}
        self.head: dict[int, int] = {}  # unit -> document of the earlier text covering a run at its start
        self.tail: dict[int, int] = {}  # ... at its end

    def run(self) -> Refined:
        for u in self.todo.tolist():
            self.waiting.discard(u)
            self.settle(u)
        return Refined(np.array(sorted(self.lifted), dtype=np.int64), self.runs, self.whole, self.info, self.moved,
                       self.covered_moves, np.array(sorted(self.first_of.values()), dtype=np.int64))

    # -- what units keep

    def kept_of(self, v: int) -> np.ndarray | None:
        """What unit v keeps as things stand (None: dropped)."""
        if v in self.status:
            return self.kept_part.get(v, self.sets.full(v)) if self.status[v] else None
        return self.sets.full(v) if self.keeper[v] == -1 else None

    def final(self, w: int) -> np.ndarray | None:
        """What unit w keeps, if that is settled: w read already, or never to be read."""
        if w in self.status:
            return self.kept_part.get(w, self.sets.full(w)) if self.status[w] else None
        return self.sets.full(w) if self.keeper[w] == -1 and w not in self.todo_set else None

    def read(self, w: int) -> Sentenced:
        """Unit w's sentences, split once (a unit read ahead is not split again)."""
        if w not in self.info:
            self.info[w] = sentenced(self.texts.text(w), self.ngram)
        return self.info[w]

    def cover(self, u: int, doc: int | None = None) -> list[tuple[int, np.ndarray]]:
        """Kept text of u's earlier partners (of document `doc` only, if given)."""
        n = self.sets.n
        out = [(v, self.kept_of(v)) for v in self.sets.partners(u).tolist()
               if self.u_rank[v] < self.u_rank[u] and min(u, v) * n + max(u, v) not in self.templated]
        return [(v, c) for v, c in out if c is not None and len(c) and (doc is None or self.layout.doc[v] == doc)]

    # -- sentences

    def sentence_covered(self, s: Sentenced, j: int, got: list[bool]) -> bool:
        """Sentence j, whose shingles `got` found in kept text: covered, and in what distinguishes it?"""
        sh = s.shingles[j]
        if sum(got) < self.containment * len(sh):
            return False
        if all(got):
            return True
        missing = [not g for g in got]
        return not is_templated(sum(missing), sum(m and v for m, v in zip(missing, s.values(j, self.ngram))), len(sh),
                                self.ngram)

    def misread_of(self, s: Sentenced, j: int, v: int) -> bool:
        """Whether sentence j is in v's text once its OCR misreadings of v are read as v's words."""
        b0, b1 = s.bounds[j]
        part = s.text[b0:b1]
        return misread.share_read(part, token_bytes(part), self.texts.tokens(v), self.texts.flags(v), self.sets.full(v),
                                  self.ngram) >= OWN_SHARE

    def edited_of(self, s: Sentenced, j: int, x: int, v: int) -> bool:
        """Whether sentence j of unit x is v's text but for one plain word changed, added or
        left out, v in x's document: a paragraph doubled in its article with edits (an 8-word
        sentence with its fourth word changed keeps 1 of its 5 shingles, so by shingles alone
        it reads as a sentence of its own). The words must match in stretches of two or more,
        inside a stretch of v no longer than the sentence and the edit; the words apart, on
        either side, must be plain words: letters only, two or more, written in lower case
        (`MD5` against `MD4`, a name, a one-letter variable name each tell two texts apart).
        Not across documents: there one word is another program's name as often as an edit
        (sed's ChangeLog entry `tests: use just-built sed in more places` against grep's); nor
        in a list or code, cut line by line (a test script's `git subtree add ...` lines
        against its `git subtree pull ...` test: a template, one word its value)."""
        if s.listed or self.layout is None or self.layout.doc[x] != self.layout.doc[v]:
            return False
        b0, b1 = s.bounds[j]
        part, other = s.text[b0:b1], self.texts.text(v)
        mine, theirs = token_bytes(part), self.texts.tokens(v)
        same = [(a0, a1, c0, c1) for tag, a0, a1, c0, c1 in opcodes(mine, theirs) if tag == "equal" and a1 - a0 >= 2]
        if not same or same[-1][3] - same[0][2] > len(mine) + SENTENCE_EDIT_WORDS:
            return False
        apart_mine = [t for k, t in enumerate(mine) if not any(a0 <= k < a1 for a0, a1, _, _ in same)]
        apart_theirs = [theirs[k] for k in range(same[0][2], same[-1][3]) if not any(c0 <= k < c1 for _, _, c0, c1 in same)]
        return (len(apart_mine) <= SENTENCE_EDIT_WORDS and len(apart_theirs) <= SENTENCE_EDIT_WORDS
                and all(_plain(t, part) for t in apart_mine) and all(_plain(t, other) for t in apart_theirs))

    def glued(self, s: Sentenced, first: int, stop: int, sh: np.ndarray, runs_sh: np.ndarray,
              cover_of: list[tuple[int, np.ndarray]]) -> bool:
        """Whether sentences [first, stop), covered by one of `cover_of`, belong to a copy of
        that span whole: the span's runs (`runs_sh`, their shingles) hold most of its kept
        text (a line or short paragraph glued here, a paragraph copied with a sentence
        inserted), not a quotation from inside it."""
        if sum(s.n_tokens[first:stop]) < self.min_tokens:
            return False
        return any(len(c) and count_in(sh, c) >= self.containment * len(sh) and count_in(c, runs_sh) >= GLUED_SHARE * len(c)
                   for _, c in cover_of)

    def has_own(self, x: int, arrays: list[np.ndarray]) -> bool:
        """Whether unit x (dropped whole) holds a sentence of its own: min_tokens words, under
        OWN_SHARE of its shingles in `arrays` (or in each of them, _own_apart), and no misreading
        of its keeper's."""
        s = self.read(x)
        hits = found_in(s, arrays)
        return any(
            s.n_tokens[j] >= self.min_tokens and s.shingles[j] and sum(hits[j]) < OWN_SHARE * len(s.shingles[j])
            and not self.misread_of(s, j, int(self.keeper[x])) and not self.edited_of(s, j, x, int(self.keeper[x]))
            for j in range(len(s.bounds))
        ) or any(self._own_apart(s, j, arrays, hits[j]) for j in range(len(s.bounds)))

    def has_short_own(self, x: int) -> bool:
        """Whether unit x (dropped whole) holds a shorter sentence that no unit keeps (_short_own)."""
        s = self.read(x)
        return any(self._short_own(s, j, x) for j in range(len(s.bounds)))

    def _short_own(self, s: Sentenced, j: int, x: int) -> bool:
        """Whether sentence j of x, SHORT_OWN words up to --min-tokens, is in no text that stays:
        no other unit keeps one of its shingles (looked up in every set; a short sentence's other
        copy is rarely a verified partner)."""
        if not SHORT_OWN <= s.n_tokens[j] < self.min_tokens or not s.shingles[j]:
            return False
        for h in s.shingles[j]:
            for v in self.sets.holders(h).tolist():
                kept = self.kept_of(v) if v != x else None
                if kept is not None and count_in(np.asarray([h], dtype=np.uint64), kept):
                    return False
        return not self.misread_of(s, j, int(self.keeper[x])) and not self.edited_of(s, j, x, int(self.keeper[x]))

    def _own_apart(self, s: Sentenced, j: int, arrays: list[np.ndarray], hit: list[bool]) -> bool:
        """Whether sentence j, OWN_SHARE of whose shingles lie in kept text, has under that share in
        each array: stock phrases of several spans (`Defence Minister Robert Hill`, `suspected
        Taliban fighter David Hicks`), no copy of the sentence (a copied sentence sits in one span)."""
        sh = s.shingles[j]
        if s.n_tokens[j] < self.min_tokens or not sh or len(arrays) < 2 or sum(hit) < OWN_SHARE * len(sh):
            return False
        flat = np.asarray(sh, dtype=np.uint64)
        return all(count_in(flat, a) < OWN_SHARE * len(sh) for a in arrays)

    def surely_lifted(self, x: int) -> bool:
        """Whether x will be lifted whatever is dropped before it is read: it has a sentence
        of its own even against the whole text of every span it shares text with."""
        if x not in self.sure:
            self.sure[x] = self.has_own(x, [self.sets.full(v) for v in self.sets.neighbours(x).tolist()])
        return self.sure[x]

    # -- spans dropped against the one being read

    def protected(self, u: int, s: Sentenced, covered: list[bool], relied: list[int]) -> list[bool]:
        """`covered` less the sentences that spans dropped against this one need: for each,
        the sentences holding most of its shingles, until what stays of this span covers
        it at the threshold again (it was dropped against this text); where even every
        sentence would not, each sentence holding any of its shingles."""
        covered = list(covered)
        for x in relied:
            if self.covered_elsewhere(x, u, s, covered):
                continue
            hits = found_in(s, [self.sets.full(x)])
            own = [h for j, h in enumerate(hits) if not covered[j]]
            have, need = sum(map(sum, own)), self.containment * self.sets.sizes[x]
            if have + sum(sum(h) for j, h in enumerate(hits) if covered[j]) < need:
                covered = [c and not any(h) for c, h in zip(covered, hits)]
                continue
            for j in sorted((j for j in range(len(covered)) if covered[j] and any(hits[j])), key=lambda j: (-sum(hits[j]), j)):
                if have >= need:
                    break
                covered[j] = False
                have += sum(hits[j])
        return covered

    def covered_elsewhere(self, x: int, u: int, s: Sentenced, covered: list[bool]) -> bool:
        """Whether every sentence of x, dropped against u, lies in settled kept text of
        units ranked before u together with the sentences of u that stay: then x is
        dropped as covered (`moved`, `covered_moves`) and u keeps nothing for its sake."""
        stays = np.unique(np.fromiter((h for j, sh in enumerate(s.shingles) if not covered[j] for h in sh), dtype=np.uint64))
        n = self.sets.n
        others = [(w, c) for w in self.sets.neighbours(x).tolist() if w != u and self.u_rank[w] < self.u_rank[u]
                  and min(x, w) * n + max(x, w) not in self.templated and (c := self.final(w)) is not None and len(c)]
        if not others:
            return False
        sx = self.read(x)
        hx = found_in(sx, [c for _, c in others] + [stays])
        if not any(sx.shingles) or not all(not sh or self.sentence_covered(sx, j, hx[j]) for j, sh in enumerate(sx.shingles)):
            return False
        x_set = self.sets.full(x)
        w, c = max(others, key=lambda wc: (count_in(x_set, wc[1]), -int(self.u_rank[wc[0]])))
        # Named against the text that holds most of it: u's own sentences that stay, where they
        # do (Python's BeOpen clause, held by a longer stanza of pip's, was reported against the
        # one MPL sentence another file shared with it: 5 % of it).
        self.moved[x] = u if count_in(x_set, stays) >= count_in(x_set, c) else w
        self.covered_moves.add(x)
        return True

    def moved_elsewhere(self, x: int, u: int) -> bool:
        """Whether x, dropped whole against u, is as well covered by settled kept text of
        another unit ranked before u: then x is dropped against that one (`moved`) and u
        need not keep the sentences x holds (else cleaning the clean output again would
        drop them, once x is gone)."""
        n = self.sets.n
        need = self.containment * self.sets.sizes[x]
        for w in self.sets.neighbours(x).tolist():
            code = min(x, w) * n + max(x, w)
            if w == u or self.u_rank[w] > self.u_rank[u] or code in self.unusable or code in self.templated:
                continue
            c = self.final(w)
            if c is not None and count_in(self.sets.full(x), c) >= need:
                self.moved[x] = w
                return True
        return False

    def relied_on(self, u: int) -> list[int]:
        """Spans still dropped against u: they rely on its text, so u keeps what they need and is
        not dropped whole; not those sure to be lifted, nor those moved to settled text
        elsewhere (moved_elsewhere records it)."""
        return [x for x in self.dependents.get(u, ()) if not self.status.get(x, False) and not self.moved_elsewhere(x, u)
                and not (x not in self.status and self.surely_lifted(x))]

    def copy_goes(self, x: int, k: int) -> bool:
        """Whether every sentence of k holding x at the threshold is covered by x (names and
        numbers checked, sentence_covered): else k's copy of x could not all go."""
        s = self.read(k)
        hits = found_in(s, [self.sets.full(x)])
        return all(self.sentence_covered(s, j, h) for j, (sh, h) in enumerate(zip(s.shingles, hits))
                   if sh and sum(h) >= self.containment * len(sh))

    def copies_read(self, x: int) -> bool:
        """Whether every kept unit holding x at the threshold is read with x among its partners,
        so that each copy of x can go once x is kept (a stock line has more copies than a
        unit has partners: MAX_PARTNERS)."""
        lo, hi = self.sets.start[x], self.sets.start[x + 1]
        holders = self.sets.other[lo:hi][self.sets.shared[lo:hi] >= self.containment * self.sets.sizes[x]]
        return all(w in self.todo_set and x in self.sets.partners(w) for w in holders.tolist() if self.keeper[w] == -1)

    # -- runs across paragraph breaks

    def drop_doc(self, w: int) -> int:
        """The document of the unit w is dropped whole against."""
        return int(self.layout.doc[self.whole.get(w, self.keeper[w])])

    def edge_covered(self, w: int, doc: int, last: bool) -> bool:
        """Whether the first (`last`: the last) sentence of unit w goes, covered by kept
        text of document `doc`: decided for units already read, else read ahead."""
        if w < 0:
            return False
        if w in self.status:
            return self.drop_doc(w) == doc if not self.status[w] else (self.tail if last else self.head).get(w) == doc
        if self.keeper[w] >= 0 and not self.comes_first(w):
            return self.drop_doc(w) == doc
        if w not in self.waiting:
            return False
        c = self.cover(w, doc)
        if not c:
            return False
        s = self.read(w)
        with_shingles = [j for j, sh in enumerate(s.shingles) if sh]
        if not with_shingles:
            return False
        j = with_shingles[-1 if last else 0]
        return self.sentence_covered(s, j, found_in(s, [x for _, x in c])[j])

    def goes_on(self, u: int, s: Sentenced, first: int, stop: int, best_v: int) -> bool:
        """Whether a run at an edge of u goes on in the span next to it in its document,
        covered by the same earlier document there."""
        if self.layout is None:
            return False
        doc = int(self.layout.doc[best_v])
        return ((first == 0 and self.edge_covered(int(self.layout.prev[u]), doc, last=True))
                or (stop == len(s.bounds) and self.edge_covered(int(self.layout.next[u]), doc, last=False)))

    # -- one unit

    def settle(self, u: int) -> None:
        """Read unit u: keep it before the later span it was dropped against, lift it (dropped
        whole, a sentence of its own), drop it whole, or cut its runs."""
        s = self.read(u)
        keeper = self.keeper
        short_only = False
        if self.comes_first(u):
            self.first_of[int(keeper[u])] = u
        elif keeper[u] >= 0:
            # Found only in text that stays: a sentence whose other copies are all dropped is its own.
            arrays = [c for c in map(self.kept_of, self.sets.neighbours(u).tolist()) if c is not None]
            own = self.has_own(u, arrays)
            short_only = not own and self.has_short_own(u)
            own = own or short_only
            self.status[u] = own
            if not own:
                return
            self.lifted.append(u)
        self.status[u] = True
        cover_of = self.cover(u)
        if not cover_of:
            return
        hits = found_in(s, [c for _, c in cover_of])
        covered = [bool(sh) and self.sentence_covered(s, j, hits[j]) for j, sh in enumerate(s.shingles)]
        relied = self.relied_on(u)
        if relied:
            covered = self.protected(u, s, covered, relied)
            relied = [x for x in relied if x not in self.moved]  # covered elsewhere: dropped against that text now
        forced: set[int] = set()
        if short_only:  # kept for a short sentence of its own: the rest is a copy
            forced = {j for j, c in enumerate(covered) if c}
        elif u in self.first_of:
            # The copy of a span kept before u goes, sentence by sentence, even where the run is
            # too short alone: a covered sentence (names and numbers checked) holding that span.
            mine = found_in(s, [self.kept_of(self.first_of[u])])
            forced = {j for j, sh in enumerate(s.shingles) if covered[j] and sum(mine[j]) >= self.containment * len(sh)}
        cuts = self.cuts(u, s, covered, forced, cover_of)
        if cuts and cuts[0][0] == 0 and cuts[0][1] == len(s.bounds):  # every sentence: the span goes whole, or (lifted, relied on) stays
            if keeper[u] == -1 and not relied:
                self.whole[u] = cuts[0][2]
                self.status[u] = False
            return
        for first, stop, best_v, size, shared in cuts:
            c_run = sum(sum(hits[j]) for j in range(first, stop)) / max(1, sum(len(s.shingles[j]) for j in range(first, stop)))
            self.runs.append(Run(u, first, stop, best_v, size, shared, c_run))
            if self.layout is not None:
                if first == 0:
                    self.head[u] = int(self.layout.doc[best_v])
                if stop == len(s.bounds):
                    self.tail[u] = int(self.layout.doc[best_v])
        if cuts:  # what stays of u: its sentences outside the runs (a shingle across a cut is gone)
            kept = [h for j, sh in enumerate(s.shingles) if not any(a <= j < b for a, b, *_ in cuts) for h in sh]
            self.kept_part[u] = np.unique(np.asarray(kept, dtype=np.uint64))

    def comes_first(self, x: int) -> bool:
        """Whether x, dropped against a unit k ranked after it that decide keeps and refine
        reads, is kept instead: in keep order it comes first, and k's copy of it is cut
        (decide keeps the fuller of two sets; sentence runs can keep both texts once). Only
        when x is the one span dropped against k: another that stays dropped relies on k's
        text, so k would keep its copies, and k dropped whole against one of several would
        sit in one star cluster (accuracy benchmark, five seeds: allowing several gave the
        same F1 and cluster precision / recall 0.960 / 0.854 against 0.988 / 0.932). Not when
        x holds a sentence of its own against k (a short paragraph quoting k is lifted
        instead), when k's copy of x could not all go (copy_goes), when a kept span holding
        x is not read against it (copies_read), or when kept text before x covers it (then
        it is a copy of that)."""
        k = int(self.keeper[x])
        if (k < 0 or self.keeper[k] != -1 or k not in self.todo_set or self.u_rank[k] < self.u_rank[x]
                or len(self.dependents[k]) != 1):
            return False
        if x not in self.alone:
            self.alone[x] = self.copies_read(x) and not self.has_own(x, [self.sets.full(k)]) and self.copy_goes(x, k)
        if not self.alone[x]:
            return False
        earlier = [c for _, c in self.cover(x)]
        held = np.unique(np.concatenate(earlier)) if earlier else np.zeros(0, dtype=np.uint64)
        return count_in(self.sets.full(x), held) < self.containment * self.sets.sizes[x]

    def cuts(self, u: int, s: Sentenced, covered: list[bool], forced: set[int],
             cover_of: list[tuple[int, np.ndarray]]) -> list[tuple[int, int, int, int, int]]:
        """The runs of u to cut, as (first, stop, partner, the run's distinct shingles, of them
        in the partner's set): maximal runs of `covered` sentences, long enough or holding a
        `forced` one; a run of every sentence comes alone."""
        found_runs = _runs(covered, [not sh for sh in s.shingles], s.n_tokens, self.min_tokens)
        runs_sh = np.unique(np.fromiter((h for a, b, _ in found_runs for x in s.shingles[a:b] for h in x), dtype=np.uint64))
        out = []
        for first, stop, long in found_runs:
            sh = np.unique(np.fromiter((h for x in s.shingles[first:stop] for h in x), dtype=np.uint64))
            best_v, best_n = -1, -1
            for v, c in cover_of:
                k = count_in(sh, c)
                if k > best_n:
                    best_v, best_n = v, k
            # Too short alone: a copy still if it is part of a kept span copied here whole (a line
            # glued in, a paragraph with a sentence inserted), or if the span next to it goes on
            # with it, from the same document.
            if (not long and not forced.intersection(range(first, stop)) and not self.glued(s, first, stop, sh, runs_sh, cover_of)
                    and not self.goes_on(u, s, first, stop, best_v)):
                continue
            if first == 0 and stop == len(s.bounds):
                return [(first, stop, best_v, len(sh), best_n)]
            if s.listed and (sum(s.n_tokens[first:stop]) < LIST_RUN * self.min_tokens
                             or all(is_value_line(s.text[a:b]) for a, b in s.bounds[first:stop])):
                continue  # a few lines of a list, or lines of values in a frame: their place tells them apart
            out.append((first, stop, best_v, len(sh), best_n))
        return out


def _plain(token: bytes, text: str) -> bool:
    """Whether `token` (token_bytes) is a plain word of `text`: two or more letters, found
    there in lower case."""
    word = token.decode("utf-8", "replace")
    return len(word) >= 2 and word.isalpha() and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def found_in(s: Sentenced, arrays: list[np.ndarray]) -> list[list[bool]]:
    """Per sentence of s, per shingle: is it in one of `arrays` (sorted sets)? One pass per unit."""
    if len(arrays) > 2:  # one look-up in their union (a stock line has dozens of partners)
        arrays = [np.sort(np.concatenate(arrays))]
    hit = np.zeros(len(s.flat), dtype=bool)
    for arr in arrays:
        hit |= in_sorted(s.flat, arr)
    out, k, hits = [], 0, hit.tolist()
    for sh in s.shingles:
        out.append(hits[k : k + len(sh)])
        k += len(sh)
    return out


def run_range(s: Sentenced, first: int, stop: int) -> tuple[int, int]:
    """Characters (offsets into the span) a run removes: the run and the white space
    after it, or, for a run that ends the span, the white space before it (so the
    span keeps its end, as segment.removal_ranges does for spans)."""
    if stop < len(s.bounds):
        return s.bounds[first][0], s.bounds[stop][0]
    return s.bounds[first - 1][1], s.bounds[stop - 1][1]
