"""MinHash signatures for many spans at once, bit-identical to datasketch's MinHash.

datasketch's default `affine32` scheme maps each 32-bit shingle hash h to
`a * fmix32(h) + b mod 2**32` per permutation and keeps the minimum. We feed it
the low 32 bits of our 64-bit shingle hashes, so `datasketch.MinHash(num_perm,
seed, hashfunc=lambda v: v)` updated with those values has the same hashvalues
(tested), and its LSH and storage classes accept our signatures.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..accel import kernels
from .shingle import fmix

_MAX32 = np.uint32(0xFFFFFFFF)
# Rows of the (shingles x permutations) block computed at once: ~8 MiB per block
# at 128 permutations, small enough to stay in cache-friendly territory.
_BLOCK = 1 << 14


def permutations(num_perm: int, seed: int) -> np.ndarray:
    """datasketch's permutation parameters `(a, b)`, shape (2, num_perm), uint32."""
    return _permutations(num_perm, seed).copy()


@lru_cache(maxsize=4)
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    # datasketch's affine32 draw, made here: importing datasketch pulls in scipy, most
    # of a second of the scan's CPU time. Tested equal to MinHash(num_perm, seed).permutations.
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)  # odd: a bijection
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


def minhash_input(values: np.ndarray) -> np.ndarray:
    """The 32-bit values our shingles present to MinHash (their low 32 bits)."""
    return (values & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def fmix32(h: np.ndarray) -> np.ndarray:
    """datasketch's pre-mix of each 32-bit input (MurmurHash3's 32-bit finaliser)."""
    return fmix(h, 32)


def signatures(values: np.ndarray, offsets: np.ndarray, perms: np.ndarray) -> np.ndarray:
    """MinHash signature of each span's shingle set, shape (spans, num_perm), uint32.

    A span without shingles gets all-max values, like an empty datasketch MinHash.
    """
    a, b = perms[0], perms[1]
    n_spans = len(offsets) - 1
    out = np.full((n_spans, len(a)), _MAX32, dtype=np.uint32)
    hv = fmix32(minhash_input(values))
    fast = kernels.compiled(len(values))
    if fast is not None:
        fast.minhash(hv, np.asarray(offsets, dtype=np.int64), a, b, out)
        return out
    nonempty = np.flatnonzero(offsets[1:] > offsets[:-1])
    # Walk spans in blocks of about _BLOCK shingles; one reduceat per block.
    i = 0
    while i < len(nonempty):
        j = i + 1
        base = offsets[nonempty[i]]
        while j < len(nonempty) and offsets[nonempty[j] + 1] - base <= _BLOCK:
            j += 1
        idx = nonempty[i:j]
        lo, hi = offsets[idx[0]], offsets[idx[-1] + 1]
        if hi - lo > _BLOCK:  # one span larger than a block: fold it block by block, memory stays bounded
            for start in range(lo, hi, _BLOCK):
                part = hv[start : min(start + _BLOCK, hi), None] * a + b
                out[idx[0]] = np.minimum(out[idx[0]], part.min(axis=0))
        else:
            block = hv[lo:hi, None] * a + b  # uint32 arithmetic wraps: mod 2**32
            out[idx] = np.minimum.reduceat(block, offsets[idx] - lo, axis=0)
        i = j
    return out
