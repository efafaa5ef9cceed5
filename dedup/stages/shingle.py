"""Word (or character) n-gram shingles, hashed: one sorted set of uint64 values per span."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xxhash

from ..accel import kernels

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_MUL = np.uint64(0x9E3779B97F4A7C15)  # odd: the n-gram fold is a bijection per step


# MurmurHash3's finaliser constants per width: (shift, multiplier, shift, multiplier, shift).
_FMIX = {
    64: (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33)),
    32: (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16)),
}


def fmix(h: np.ndarray, width: int) -> np.ndarray:
    """MurmurHash3's finaliser: an avalanching bijection on uint64 or uint32 (wrapping multiply)."""
    s1, m1, s2, m2, s3 = _FMIX[width]
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s3)


def fmix64(h: np.ndarray) -> np.ndarray:
    return fmix(h, 64)


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """xxh3-64 of each token's UTF-8 bytes (a lone surrogate, which JSON input can carry, passes as-is)."""
    digest = xxhash.xxh3_64_intdigest
    return np.fromiter((digest(t.encode("utf-8", "surrogatepass")) for t in tokens), dtype=np.uint64, count=len(tokens))


def byte_token_hashes(tokens: Sequence[bytes]) -> np.ndarray:
    """xxh3-64 of tokens already encoded (see normalize.token_bytes): the values token_hashes gives."""
    return np.fromiter(map(xxhash.xxh3_64_intdigest, tokens), dtype=np.uint64, count=len(tokens))


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


def fold_shingles(h: np.ndarray, n: int) -> np.ndarray:
    """Hashes of the n-token windows of one token sequence, as shingle_hashes computes
    them inside a span (none when it holds fewer than n tokens)."""
    if len(h) < n:
        return np.zeros(0, dtype=np.uint64)
    return _fold(h, np.arange(len(h) - n + 1), n)


def fold_at(h: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Hashes of the n-token windows of `h` beginning at `starts`, as shingle_hashes computes them."""
    return _fold(h, starts, n)


def shingle_sets(token_lists: Sequence[Sequence[str]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle sets of many spans at once.

    Returns `(values, offsets)`: span i's sorted, distinct shingle hashes are
    `values[offsets[i]:offsets[i + 1]]`. A span shorter than n tokens has one
    shingle, the hash of all its tokens; a span without tokens has none.
    Shingles never cross span boundaries.
    """
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    return shingle_hashes(token_hashes([tok for toks in token_lists for tok in toks]), lengths, n)


def shingle_hashes(h: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`shingle_sets` from token hashes: `h` holds the spans' token hashes back to back,
    `lengths[i]` of them for span i."""
    counts = np.where(lengths >= n, lengths - n + 1, np.minimum(lengths, 1))
    fast = kernels.compiled(len(h))
    if fast is not None:
        values, sizes = np.empty(int(counts.sum()), dtype=np.uint64), np.empty(len(lengths), dtype=np.int64)
        kept = fast.shingle_sets(h, np.asarray(lengths, dtype=np.int64), n, _MUL, values, sizes)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        return values[:kept].copy(), offsets
    tok_off = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=tok_off[1:])
    first = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(counts, out=first[1:])
    values = np.empty(int(first[-1]), dtype=np.uint64)
    full = np.flatnonzero(lengths >= n)
    if len(full):  # shingle j of a long span starts at its token j
        c = counts[full]
        span = np.repeat(full, c)
        j = np.arange(len(span), dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
        values[first[span] + j] = _fold(h, tok_off[span] + j, n)
    for k in range(1, n):  # spans shorter than n tokens: one shingle each, by length
        short = np.flatnonzero(lengths == k)
        if len(short):
            values[first[short]] = _fold(h, tok_off[short], k)
    return _sorted_sets(values, counts)


def _sorted_sets(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort and dedupe each span's values (span i: the next counts[i] of them).

    Spans of similar size are padded to a power-of-two width and sorted as rows
    of one matrix: a segmented sort at numpy speed, without one global sort.
    """
    first = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=first[1:])
    width = np.where(counts > 8, 1 << np.ceil(np.log2(np.maximum(counts, 1))).astype(np.int64), 8)
    out = np.empty_like(values)
    for w in np.unique(width[counts > 0]).tolist():
        rows = np.flatnonzero((width == w) & (counts > 0))
        c = counts[rows]
        row_of = np.repeat(np.arange(len(rows)), c)
        col = np.arange(len(row_of)) - np.repeat(np.cumsum(c) - c, c)
        at = np.repeat(first[rows], c) + col
        block = np.full((len(rows), w), _M64, dtype=np.uint64)
        block[row_of, col] = values[at]
        block.sort(axis=1)
        out[at] = block[row_of, col]
    span_of = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    keep = np.ones(len(out), dtype=bool)
    keep[1:] = (out[1:] != out[:-1]) | (span_of[1:] != span_of[:-1])
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(span_of[keep], minlength=len(counts)), out=offsets[1:])
    return out[keep], offsets
