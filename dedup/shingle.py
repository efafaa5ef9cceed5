"""Word (or character) n-gram shingles, hashed: one sorted set of uint64 values per span."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xxhash

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_MUL = np.uint64(0x9E3779B97F4A7C15)  # odd: the n-gram fold is a bijection per step


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: an avalanching bijection on uint64."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """xxh3-64 of each token's UTF-8 bytes (a lone surrogate, which JSON input can carry, passes as-is)."""
    digest = xxhash.xxh3_64_intdigest
    return np.fromiter((digest(t.encode("utf-8", "surrogatepass")) for t in tokens), dtype=np.uint64, count=len(tokens))


def char_tokens(words: Sequence[str]) -> list[str]:
    """The characters of the words joined by single spaces: n-grams of these are
    character shingles, which survive OCR-like letter errors better than words."""
    return list(" ".join(words))


def _fold(h: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Hash of the n tokens beginning at each start: order-sensitive fold, then fmix."""
    acc = h[starts].copy()
    for j in range(1, n):
        acc = acc * _MUL + h[starts + j]
    return fmix64(acc ^ np.uint64(n))


def shingle_sets(token_lists: Sequence[Sequence[str]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle sets of many spans at once.

    Returns `(values, offsets)`: span i's sorted, distinct shingle hashes are
    `values[offsets[i]:offsets[i + 1]]`. A span shorter than n tokens has one
    shingle, the hash of all its tokens; a span without tokens has none.
    Shingles never cross span boundaries.
    """
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    flat = [tok for toks in token_lists for tok in toks]
    h = token_hashes(flat)
    tok_off = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=tok_off[1:])

    counts = np.where(lengths >= n, lengths - n + 1, np.minimum(lengths, 1))
    span_of = np.repeat(np.arange(len(lengths), dtype=np.int64), counts)
    first = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(counts, out=first[1:])
    starts = tok_off[span_of] + (np.arange(len(span_of), dtype=np.int64) - first[span_of])

    values = np.empty(len(span_of), dtype=np.uint64)
    full = lengths[span_of] >= n
    if full.any():
        values[full] = _fold(h, starts[full], n)
    for k in np.flatnonzero(~full):  # spans shorter than n: one shingle each
        s = int(span_of[k])
        values[k] = _fold(h, np.array([tok_off[s]]), int(lengths[s]))[0]

    order = np.lexsort((values, span_of))
    values, span_of = values[order], span_of[order]
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = (values[1:] != values[:-1]) | (span_of[1:] != span_of[:-1])
    values, span_of = values[keep], span_of[keep]
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.bincount(span_of, minlength=len(lengths)), out=offsets[1:])
    return values, offsets
