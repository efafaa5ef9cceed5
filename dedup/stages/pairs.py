"""Sketch, propose and verify: the verified candidate pairs of distinct sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..accel import kernels
from ..arrays import distinct, in_sorted, run_starts
from ..config import Config
from . import candidates, shingle, sketch, verify
from .glyphs import fold_all
from .mapping import piece_token_hashes, text_codes
from .misread import read_through
from .normalize import token_bytes
from .templates import UnitTexts


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
    got = _unfound(found, c[:, 0], c[:, 1], n, values, offsets, threads)
    if got is None:
        return found
    known, codes, new, new_inter = got
    keep = new_inter > 0
    new, new_inter, codes = new[keep], new_inter[keep], codes[keep]
    return _merged(found, known, codes, new, new_inter)


def ocr_pairs(found: Pairs, sizes: np.ndarray, values: np.ndarray, offsets: np.ndarray, read: np.ndarray,
              texts: list[str], config: Config, *, threads: int = 1) -> Pairs:
    """`found` and the pairs of units `read` (their texts `texts`, in that order) whose texts,
    read through OCR's glyph confusions (glyphs.fold), share anchors, and which the misread
    stage reads up to an edge: a scanned copy with one word in six misread keeps too few of its
    shingles, and of its anchors, to be proposed."""
    if len(read) < 2:
        return found
    text_at = dict(zip(read.tolist(), texts))
    folded = fold_all(texts)
    joined = "\n\n".join(folded)
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=len(folded))
    lo = run_starts(lengths + 2)[:-1]
    fast = kernels.compiled(len(joined))
    if fast is None:
        toks = [token_bytes(t) for t in folded]
        h = shingle.byte_token_hashes([t for ts in toks for t in ts])
        n_tokens = np.fromiter(map(len, toks), dtype=np.int64, count=len(toks))
    else:
        h, n_tokens = piece_token_hashes(fast, joined, text_codes(joined), lo, lo + lengths)
    fv, fo = shingle.shingle_hashes(h, n_tokens, config.ngram)
    got, _ = candidates.anchor_pairs(fv, fo, config.anchor_rate, config.threshold, config.max_bucket,
                                     threads=threads, need_cap=candidates.SENTENCE_ANCHORS)
    if not len(got):
        return found
    ids = np.asarray(read, dtype=np.int64)
    a, b = ids[got[:, 0]], ids[got[:, 1]]
    got = _unfound(found, a, b, len(sizes), values, offsets, threads)
    if got is None:
        return found
    known, codes, new, new_inter = got
    # Only pairs short of an edge on their own shingles: the misread stage may read them up to
    # one. An edge found here was a sampling miss of the anchors, not a misreading; taken, it
    # worked as denser anchors do (real docs: short lines of other entries dropped).
    keep = (new_inter > 0) & ~verify.is_edge(new_inter, sizes[new[:, 0]], sizes[new[:, 1]], config.threshold)
    new, new_inter, codes = new[keep], new_inter[keep], codes[keep]
    # ... and of those, the ones read through misreadings up to an edge (any other, as a partner
    # of the sentence-run stage, covered short lines of other entries on real docs).
    lifted = read_through(new, new_inter, sizes, values, offsets, config.threshold, UnitTexts(text_at.__getitem__), config.ngram)
    keep = verify.is_edge(lifted, sizes[new[:, 0]], sizes[new[:, 1]], config.threshold)
    new, new_inter, codes = new[keep], new_inter[keep], codes[keep]
    return _merged(found, known, codes, new, new_inter)


def _unfound(found: Pairs, x: np.ndarray, y: np.ndarray, n: int, values: np.ndarray, offsets: np.ndarray,
             threads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The pairs (x[i], y[i]) of `n` units not among `found`'s, distinct and verified: found's
    pair codes (a * n + b, sorted as its pairs are), the new ones' codes, pairs and shared
    shingles; None where there are none."""
    p = found.pairs
    known = p[:, 0].astype(np.int64) * n + p[:, 1].astype(np.int64)
    codes = distinct(np.minimum(x, y) * n + np.maximum(x, y))
    codes = codes[~in_sorted(codes, known)]
    if not len(codes):
        return None
    new = np.stack((codes // n, codes % n), axis=1).astype(p.dtype)
    return known, codes, new, verify.intersections(new, values, offsets, threads=threads)


def _merged(found: Pairs, known: np.ndarray, codes: np.ndarray, new: np.ndarray, new_inter: np.ndarray) -> Pairs:
    """`found` with `new` verified pairs: `known` and `codes` are the pair codes (a * n + b) of
    the found and of the new ones, both sorted and apart, so the new go in at their places."""
    p, inter = found.pairs, found.inter
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
