"""Sketch, propose and verify: the verified candidate pairs of distinct sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..arrays import distinct, in_sorted
from ..config import Config
from . import candidates, sketch, verify


@dataclass
class Pairs:
    """Verified candidate pairs of units, with what was proposed."""

    pairs: np.ndarray
    inter: np.ndarray
    proposals: candidates.Proposals


def need_cap(config: Config) -> float:
    """The most shared anchors a pair needs to be proposed: with sentence runs, a
    sentence's worth (candidates.SENTENCE_ANCHORS); else only its sets' sizes decide."""
    return candidates.SENTENCE_ANCHORS if config.sentence_runs else np.inf


def find_pairs(
    values: np.ndarray, offsets: np.ndarray, config: Config, *, threads: int = 1, between: Callable[[], None] | None = None,
    keys: np.ndarray | None = None,
) -> Pairs:
    """Sketch, propose (LSH bands and anchors) and verify pairs of distinct sets
    (LSH bands and verification in `threads` threads; `between`: see candidates.propose).
    `keys`: the sets' band keys (set_band_keys) if already computed."""
    bands, rows = config.band_rows
    prop = candidates.propose(
        None, values, offsets, bands=bands, rows=rows, anchor_rate=config.anchor_rate,
        containment=config.threshold, max_bucket=config.max_bucket,
        # computed inline, so that propose can free them before it gathers anchors
        keys=band_keys(values, offsets, config, threads=threads) if keys is None else keys, threads=threads, between=between,
        need_cap=need_cap(config),
    )
    return Pairs(prop.pairs, verify.intersections(prop.pairs, values, offsets, threads=threads), prop)



# With sentence runs, a set that shares at least this many times n shingles with another
# and holds as many more is also paired with the spans up to two before and after that one
# in its document (see neighbour_pairs).
NEIGHBOUR_SHINGLES = 2


def neighbour_pairs(
    found: Pairs, prev: np.ndarray, next_: np.ndarray, doc: np.ndarray, sizes: np.ndarray, values: np.ndarray,
    offsets: np.ndarray, ngram: int, *, threads: int = 1,
) -> Pairs:
    """`found` and, verified, the pairs of a set with the neighbours, one and two away
    (`prev`, `next_`: the units just before and after each unit in its document, -1 none;
    `doc`: its document's key), of a set in another document that it shares text with and
    holds more than.

    A reprint paragraphed at other boundaries holds the end of one source paragraph and the
    start of the next: the first pair is found on the larger share, and the one sentence
    shared with the neighbour has, at anchor_rate 4, about 4 anchors where 2 are needed to
    be proposed, so it is often missed (accuracy benchmark, seed 5: a paragraph holding a
    sentence of one paragraph and all of the next, 1 anchor shared of 18 shingles). Two away:
    a copy with its sentences reordered holds a sentence of a paragraph past the next
    (seed 2; accuracy benchmark F1 worst 0.9888 -> 0.9899, +1.3 % candidate pairs on news-20).
    """
    p, inter = found.pairs, found.inter
    if not len(p):
        return found
    n = len(sizes)
    a, b = p[:, 0].astype(np.int64), p[:, 1].astype(np.int64)
    least = NEIGHBOUR_SHINGLES * ngram
    shares = (inter >= least) & (doc[a] != doc[b])
    cands = []
    for x, y in ((a, b), (b, a)):  # x holds more than it shares with y: y's neighbours may hold the rest
        more = shares & (sizes[x] - inter >= least)
        for near in (prev, next_):
            step = near[y[more]]
            cands.append(np.stack((x[more], step), axis=1))
            cands.append(np.stack((x[more], np.where(step >= 0, near[np.maximum(step, 0)], -1)), axis=1))
    c = np.concatenate(cands)
    c = c[(c[:, 1] >= 0) & (doc[c[:, 0]] != doc[np.maximum(c[:, 1], 0)])]
    codes = distinct(np.minimum(c[:, 0], c[:, 1]) * n + np.maximum(c[:, 0], c[:, 1]))
    known = a * n + b  # sorted: found's pairs are
    codes = codes[~in_sorted(codes, known)]
    if not len(codes):
        return found
    new = np.stack((codes // n, codes % n), axis=1).astype(p.dtype)
    new_inter = verify.intersections(new, values, offsets, threads=threads)
    keep = new_inter > 0
    new, new_inter, codes = new[keep], new_inter[keep], codes[keep]
    # Both sorted and apart: the new pairs go in at their places among the found ones.
    at = np.searchsorted(known, codes) + np.arange(len(codes))
    is_new = np.zeros(len(known) + len(codes), dtype=bool)
    is_new[at] = True
    pairs = np.empty((len(is_new), 2), dtype=p.dtype)
    pairs[is_new], pairs[~is_new] = new, p
    merged = np.empty(len(is_new), dtype=inter.dtype)
    merged[is_new], merged[~is_new] = new_inter, inter
    prop = found.proposals
    return Pairs(pairs, merged, candidates.Proposals(pairs, prop.lsh, prop.anchors, prop.oversized))


def band_keys(values: np.ndarray, offsets: np.ndarray, config: Config, *, threads: int = 1) -> np.ndarray:
    """The LSH band keys of distinct sets under `config` (candidates.set_band_keys)."""
    bands, rows = config.band_rows
    perms = sketch.permutations(config.num_perm, config.seed)
    return candidates.set_band_keys(values, offsets, perms, bands, rows, threads=threads)
