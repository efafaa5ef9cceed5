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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .normalize import token_bytes
from .sentences import sentences
from .shingle import byte_token_hashes, fold_shingles
from .templates import UnitTexts, templated

# A run of fewer sentences is a quotation (chosen on the accuracy benchmark: 1
# removed the quote_para hard negative's quotes, 3 missed two-sentence copies).
MIN_SENTENCES = 2
# A sentence of a span dropped whole is its own when less than this share of its
# shingles occurs in any span it shares text with.
OWN_SHARE = 0.3


@dataclass
class Sentenced:
    """A span's sentences: offsets into the span, word counts, and shingles."""

    bounds: list[tuple[int, int]]
    n_tokens: list[int]
    shingles: list[np.ndarray]  # sorted distinct hashes of the shingles inside each sentence
    tokens: list[list[bytes]]


def sentenced(text: str, n: int) -> Sentenced:
    bounds = sentences(text)
    tokens = [token_bytes(text[s:e]) for s, e in bounds]
    return Sentenced(bounds, [len(t) for t in tokens], [np.unique(fold_shingles(byte_token_hashes(t), n)) for t in tokens], tokens)


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
    is_keeper: np.ndarray,
) -> Refined:
    """Sentence runs and lifted drops of units (distinct shingle sets, see module doc).

    `pairs`/`inter`: verified candidate pairs with their intersections; units
    sharing at least `ngram` shingles are partners. `is_keeper`: units some
    other unit was dropped against (never dropped whole here, so nothing chains).
    """
    n_units = len(sizes)
    close = inter >= ngram
    a, b = pairs[close, 0].astype(np.int64), pairs[close, 1].astype(np.int64)
    ends = np.concatenate((a, b))
    other = np.concatenate((b, a))
    shared = np.concatenate((inter[close], inter[close]))
    order = np.lexsort((other, ends))
    ends, other, shared = ends[order], other[order], shared[order]
    start = np.searchsorted(ends, np.arange(n_units + 1))

    def partners(u: int) -> np.ndarray:
        return other[start[u] : start[u + 1]]

    earlier = u_rank[other] < u_rank[ends]
    has_earlier = np.zeros(n_units, dtype=bool)
    has_earlier[ends[earlier]] = True
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
    todo = todo[np.argsort(u_rank[todo], kind="stable")]

    kept_part: dict[int, np.ndarray] = {}  # processed units that keep a part: what they keep
    status: dict[int, bool] = {}  # processed: kept (True) or dropped (False)
    info: dict[int, Sentenced] = {}
    lifted, runs, whole = [], [], {}

    def full(v: int) -> np.ndarray:
        return values[offsets[v] : offsets[v + 1]]

    def kept_of(v: int) -> np.ndarray | None:
        if v in status:
            return kept_part.get(v, full(v)) if status[v] else None
        return full(v) if keeper[v] == -1 else None

    for u in todo.tolist():
        s = info[u] = sentenced(texts.text(u), ngram)
        if keeper[u] >= 0:
            near = np.concatenate([full(v) for v in partners(u).tolist()] or [np.zeros(0, np.uint64)])
            own = any(
                s.n_tokens[j] >= min_tokens and len(s.shingles[j])
                and np.isin(s.shingles[j], near).mean() < OWN_SHARE
                for j in range(len(s.bounds))
            )
            status[u] = own
            if not own:
                continue
            lifted.append(u)
        status[u] = True
        cover_of = [(v, kept_of(v)) for v in partners(u).tolist() if u_rank[v] < u_rank[u]]
        cover_of = [(v, c) for v, c in cover_of if c is not None and len(c)]
        if not cover_of:
            continue
        cover = np.concatenate([c for _, c in cover_of])
        cover_tokens: set[bytes] | None = None
        covered, neutral, share = [], [], []
        for j, sh in enumerate(s.shingles):
            if len(sh) == 0 or s.n_tokens[j] < ngram:
                covered.append(False), neutral.append(True), share.append(0.0)
                continue
            c = float(np.isin(sh, cover).mean())
            ok = c >= containment
            if ok:
                if cover_tokens is None:
                    cover_tokens = set().union(*(texts.token_set(v) for v, _ in cover_of))
                lo, hi = s.bounds[j]
                ok = not templated(texts.text(u)[lo:hi], s.tokens[j], cover, cover_tokens, ngram)
            covered.append(ok), neutral.append(False), share.append(c)
        found_runs = _runs(covered, neutral, s.n_tokens, min_tokens)
        if not found_runs:
            continue
        gone = []
        for first, stop in found_runs:
            sh = np.unique(np.concatenate(s.shingles[first:stop]))
            best_v, best_n = -1, -1
            for v, c in cover_of:
                k = int(np.isin(sh, c).sum())
                if k > best_n:
                    best_v, best_n = v, k
            c_run = float(np.isin(sh, cover).mean()) if len(sh) else 1.0
            if first == 0 and stop == len(s.bounds) and not is_keeper[u] and keeper[u] == -1:
                whole[u] = best_v
                status[u] = False
                break
            runs.append(Run(u, first, stop, best_v, len(sh), best_n, c_run))
            gone.append(sh)
        else:
            if gone:
                kept_part[u] = np.setdiff1d(full(u), np.concatenate(gone), assume_unique=False)
    return Refined(np.array(sorted(lifted), dtype=np.int64), runs, whole, info)


def run_range(s: Sentenced, first: int, stop: int) -> tuple[int, int]:
    """Characters (offsets into the span) a run removes: the run and the white space
    after it, or, for a run that ends the span, the white space before it (so the
    span keeps its end, as segment.removal_ranges does for spans)."""
    if stop < len(s.bounds):
        return s.bounds[first][0], s.bounds[stop][0]
    return s.bounds[first - 1][1], s.bounds[stop - 1][1]
