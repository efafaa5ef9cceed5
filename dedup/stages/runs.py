"""Sentence runs: the part of a span that kept text already holds.

Paragraph decisions (decide.py) drop whole spans. Two things they cannot see:

- a run of sentences copied into a span that is otherwise new (wire copy in a
  local story, a reprint paragraphed at other boundaries): the span stays, so
  the copy stays;
- a span dropped whole that holds a sentence of its own (a short paragraph that
  mostly quotes another article): its own sentence is lost.

So, for spans that share shingles with others, in keep-preference order: a span
dropped whole whose sentence of at least `min_tokens` words is mostly absent from
every span it shares text with is kept instead (*lifted*); and inside each span
that stays, a run of consecutive sentences whose shingles lie in kept text of
spans ranked before it (covered at the containment threshold, and not a filled-in
template of it, see templates.py) is dropped, cut at sentence boundaries. A run
must hold at least MIN_SENTENCES sentences: one sentence inside somebody else's
paragraph is a quotation, not a copy. Kept text is what earlier spans keep after
their own runs are dropped, so a run is never dropped against text that is gone.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

from .normalize import ascii_token_starts, token_bytes
from .sentences import sentences
from .shingle import byte_token_hashes, fold_at
from .templates import UnitTexts, is_templated, value_flags

# A run of fewer sentences is a quotation. Accuracy benchmark, seed 1: 1 gives F1
# 0.960 but loses 1.24 % of unique content and removes 53 % of the quotes; 2 gives
# 0.956 and 0.67 %; 3 resolves no two-sentence copy (F1 0.918).
MIN_SENTENCES = 2
# A sentence of a span dropped whole is its own when less than this share of its
# shingles occurs in any span it shares text with.
OWN_SHARE = 0.3
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
    tokens: list[list[bytes]]

    def values(self, j: int, n: int) -> list[bool]:
        """Per shingle of sentence j: does it hold a value (templates.value_flags)?"""
        s, e = self.bounds[j]
        flags = value_flags(self.text[s:e], self.tokens[j])
        return [bool(flags[i : i + n].any()) for i in range(len(self.shingles[j]))]


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
    bounds = sentences(text)
    tokens = _split_tokens(text, bounds)
    counts = [len(t) for t in tokens]
    h = byte_token_hashes([t for ts in tokens for t in ts])
    starts, first = [], 0
    for c in counts:  # windows that fit inside their sentence
        starts.extend(range(first, first + c - n + 1))
        first += c
    hashes = fold_at(h, np.asarray(starts, dtype=np.int64), n).tolist() if starts else []
    shingles, k = [], 0
    for c in counts:
        m = max(0, c - n + 1)
        shingles.append(hashes[k : k + m])
        k += m
    return Sentenced(text, bounds, counts, shingles, tokens)


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


def _runs(covered: list[bool], neutral: list[bool], n_tokens: list[int], min_tokens: int) -> list[tuple[int, int]]:
    """Maximal runs of covered sentences (short sentences without shingles may sit
    inside a run, never at its ends) long enough to be a copy; a run of every
    sentence is always one."""
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
        if whole or (sum(covered[j : k + 1]) >= MIN_SENTENCES and sum(n_tokens[j : k + 1]) >= min_tokens):
            out.append((j, k + 1))
        j = k + 1
    return out


def refine(
    sizes: np.ndarray, values: np.ndarray, offsets: np.ndarray, pairs: np.ndarray, inter: np.ndarray,
    keeper: np.ndarray, u_rank: np.ndarray, texts: UnitTexts, *, ngram: int, containment: float, min_tokens: int,
) -> Refined:
    """Sentence runs and lifted drops of units (distinct shingle sets, see module doc).

    `pairs`/`inter`: verified candidate pairs with their intersections (see
    PARTNER_SHINGLES for partners). A unit that a still-dropped unit was dropped
    against is neither cut nor dropped here, so nothing chains.
    """
    n_units = len(sizes)
    close = inter > 0
    a, b = pairs[close, 0].astype(np.int64), pairs[close, 1].astype(np.int64)
    ends = np.concatenate((a, b))
    other = np.concatenate((b, a))
    shared = np.concatenate((inter[close], inter[close]))
    order = np.lexsort((other, ends))
    ends, other, shared = ends[order], other[order], shared[order]
    start = np.searchsorted(ends, np.arange(n_units + 1))
    strong = shared >= PARTNER_SHINGLES * ngram

    def most(lo: int, hi: int, keep: np.ndarray | None = None) -> np.ndarray:
        """Of the neighbours in [lo, hi), the MAX_PARTNERS sharing most (ties: lower unit)."""
        found, count = other[lo:hi], shared[lo:hi]
        if keep is not None:
            found, count = found[keep], count[keep]
        if len(found) > MAX_PARTNERS:
            found = found[np.lexsort((found, -count))[:MAX_PARTNERS]]
        return found

    def neighbours(u: int) -> np.ndarray:
        """The units u shares most shingles with (among the verified pairs)."""
        return most(start[u], start[u + 1])

    def partners(u: int) -> np.ndarray:
        """The units that may cover u's sentences: sharing PARTNER_SHINGLES x ngram shingles."""
        lo, hi = start[u], start[u + 1]
        return most(lo, hi, strong[lo:hi])

    # Read for runs: kept units whose earlier partners share enough of them (summed).
    earlier = (u_rank[other] < u_rank[ends]) & strong
    from_earlier = np.bincount(ends[earlier], weights=shared[earlier], minlength=n_units)
    has_earlier = from_earlier >= READ_SHARE * sizes
    # Shingles of a dropped unit not in its keeper: room for a sentence of its own?
    room = np.zeros(n_units, dtype=bool)
    dropped = np.flatnonzero(keeper >= 0)
    if len(dropped):
        k_of = keeper[dropped]
        lo, hi = np.minimum(dropped, k_of), np.maximum(dropped, k_of)
        codes = lo * n_units + hi
        pc = np.minimum(a, b) * n_units + np.maximum(a, b)
        srt = np.argsort(pc, kind="stable")
        at = np.searchsorted(pc[srt], codes)
        found = at < len(pc)
        found[found] = pc[srt][at[found]] == codes[found]
        with_k = np.zeros(len(dropped), dtype=np.int64)
        with_k[found] = inter[close][srt][at[found]]
        room[dropped] = sizes[dropped] - with_k >= min_tokens - ngram + 1
    todo = np.flatnonzero((has_earlier & (keeper == -1)) | room)
    # A span that a span still dropped was dropped against keeps every sentence: that one relies on its text.
    dependents: dict[int, list[int]] = {}
    for x in np.flatnonzero(keeper >= 0).tolist():
        dependents.setdefault(int(keeper[x]), []).append(x)
    todo = todo[np.argsort(u_rank[todo], kind="stable")]

    kept_part: dict[int, np.ndarray] = {}  # processed units that keep a part: the shingles they keep (sorted)
    status: dict[int, bool] = {}  # processed: kept (True) or dropped (False)
    info: dict[int, Sentenced] = {}
    lifted, runs, whole = [], [], {}

    def full(v: int) -> np.ndarray:
        return values[offsets[v] : offsets[v + 1]]

    def kept_of(v: int) -> np.ndarray | None:
        if v in status:
            return kept_part.get(v, full(v)) if status[v] else None
        return full(v) if keeper[v] == -1 else None

    def found_in(s: Sentenced, arrays: list[np.ndarray]) -> list[list[bool]]:
        """Per sentence, per shingle: is it in one of `arrays` (sorted sets)? One pass per unit."""
        flat = np.fromiter((h for sh in s.shingles for h in sh), dtype=np.uint64)
        hit = np.zeros(len(flat), dtype=bool)
        for arr in arrays:
            if len(arr) and len(flat):
                at = np.minimum(np.searchsorted(arr, flat), len(arr) - 1)
                hit |= arr[at] == flat
        out, k, hits = [], 0, hit.tolist()
        for sh in s.shingles:
            out.append(hits[k : k + len(sh)])
            k += len(sh)
        return out

    for u in todo.tolist():
        s = info[u] = sentenced(texts.text(u), ngram)
        if keeper[u] >= 0:
            hits = found_in(s, [full(v) for v in neighbours(u).tolist()])
            own = any(
                s.n_tokens[j] >= min_tokens and s.shingles[j] and sum(hits[j]) < OWN_SHARE * len(s.shingles[j])
                for j in range(len(s.bounds))
            )
            status[u] = own
            if not own:
                continue
            lifted.append(u)
        status[u] = True
        if any(not status.get(x, False) for x in dependents.get(u, ())):
            continue
        cover_of = [(v, kept_of(v)) for v in partners(u).tolist() if u_rank[v] < u_rank[u]]
        cover_of = [(v, c) for v, c in cover_of if c is not None and len(c)]
        if not cover_of:
            continue
        hits = found_in(s, [c for _, c in cover_of])
        covered, neutral = [], []
        for j, sh in enumerate(s.shingles):
            if not sh:
                covered.append(False), neutral.append(True)
                continue
            got = hits[j]
            ok = sum(got) >= containment * len(sh)
            if ok and not all(got):  # covered in what distinguishes it, not only in its frame?
                missing = [not g for g in got]
                ok = not is_templated(sum(missing), sum(m and v for m, v in zip(missing, s.values(j, ngram))), len(sh), ngram)
            covered.append(ok), neutral.append(False)
        found_runs = _runs(covered, neutral, s.n_tokens, min_tokens)
        if not found_runs:
            continue
        gone = []
        for first, stop in found_runs:
            sh = np.unique(np.fromiter((h for x in s.shingles[first:stop] for h in x), dtype=np.uint64))
            best_v, best_n = -1, -1
            for v, c in cover_of:
                k = int(np.isin(sh, c, assume_unique=True).sum())
                if k > best_n:
                    best_v, best_n = v, k
            c_run = sum(sum(hits[j]) for j in range(first, stop)) / max(1, sum(len(s.shingles[j]) for j in range(first, stop)))
            if first == 0 and stop == len(s.bounds):  # every sentence: the span goes whole, or (lifted) stays
                if keeper[u] == -1:
                    whole[u] = best_v
                    status[u] = False
                break
            runs.append(Run(u, first, stop, best_v, len(sh), best_n, c_run))
            gone.append(sh)
        else:
            if gone:  # what stays of u: its sentences outside the runs (a shingle across a cut is gone)
                kept = [h for j, sh in enumerate(s.shingles) if not any(a <= j < b for a, b in found_runs) for h in sh]
                kept_part[u] = np.unique(np.asarray(kept, dtype=np.uint64))
    return Refined(np.array(sorted(lifted), dtype=np.int64), runs, whole, info)


def run_range(s: Sentenced, first: int, stop: int) -> tuple[int, int]:
    """Characters (offsets into the span) a run removes: the run and the white space
    after it, or, for a run that ends the span, the white space before it (so the
    span keeps its end, as segment.removal_ranges does for spans)."""
    if stop < len(s.bounds):
        return s.bounds[first][0], s.bounds[stop][0]
    return s.bounds[first - 1][1], s.bounds[stop - 1][1]
