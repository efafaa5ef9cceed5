"""Candidate pairs: MinHash LSH bands (Jaccard) and exact anchor shingles (containment).

Both only propose; verify.py decides. Pairs are `(i, j)` rows with i < j,
over the indices of the sets given.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..accel import kernels
from ..arrays import ramp, run_starts
from . import sketch
from .shingle import fmix64

_MUL = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Proposals:
    pairs: np.ndarray  # (k, 2) int32 (int64 from 2**31 sets on), i < j, sorted, distinct
    lsh: int  # distinct pairs proposed by LSH bands
    anchors: int  # distinct pairs proposed by shared anchors
    oversized: int  # buckets larger than max_bucket, paired to their first member only


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 key per (span, band): a hash of that band's rows of the signature."""
    fast = kernels.compiled(sig.size // 16)
    if fast is not None:
        keys = np.empty((sig.shape[0], bands), dtype=np.uint64)
        fast.band_keys(np.ascontiguousarray(sig), bands, rows, _MUL, keys)
        return keys
    cols = np.ascontiguousarray(sig.T, dtype=np.uint64)  # one row per permutation
    keys = np.empty((bands, sig.shape[0]), dtype=np.uint64)
    for band in range(bands):
        acc = np.full(sig.shape[0], band + 1, dtype=np.uint64)
        for col in range(band * rows, (band + 1) * rows):
            acc *= _MUL
            acc += cols[col]
        keys[band] = fmix64(acc)
    return np.ascontiguousarray(keys.T)


def set_band_keys(
    values: np.ndarray, offsets: np.ndarray, perms: np.ndarray, bands: int, rows: int, *, threads: int = 1
) -> np.ndarray:
    """band_keys of the sets' MinHash signatures (sketch.signatures with `perms`),
    without holding every signature at once; compiled, in `threads` threads, one
    range of sets each. The keys are stored band by band (a transposed view): LSH
    reads one band's keys at a time."""
    fast = kernels.compiled(len(values))
    keys = np.empty((bands, len(offsets) - 1), dtype=np.uint64).T
    if fast is not None:
        offsets = np.asarray(offsets, dtype=np.int64)

        def part(lo: int, hi: int) -> None:
            fast.minhash_band_keys(values, offsets[lo : hi + 1], perms[0], perms[1], bands, rows, _MUL, keys[lo:hi])

        kernels.in_ranges(part, len(keys), min(threads, len(keys) // 1024))
        return keys
    step = 1 << 16
    for lo in range(0, len(keys), step):
        part = offsets[lo : lo + step + 1]
        sig = sketch.signatures(values[part[0] : part[-1]], part - part[0], perms)
        keys[lo : lo + step] = band_keys(sig, bands, rows)
    return keys


# Tables that find keys seen only once hold at most this many counters (64 MiB).
_MAX_TABLE = 1 << 23


def _repeated(keys: np.ndarray) -> np.ndarray:
    """A mask keeping every key that occurs more than once, and few others.

    A key alone in its bucket of a counting table indexed by some of its bits
    occurs once; two rounds with other bits drop most such keys in linear time,
    so only the rest needs sorting. Keys are hashes: their bits are uniform.
    """
    keep = np.ones(len(keys), dtype=bool)
    fast = kernels.compiled(len(keys))
    if fast is not None:  # a table of one byte per bucket: room for many more buckets
        bins = 1 << min(27, (4 * len(keys)).bit_length())
        for shift in (np.uint64(0), np.uint64(32)):
            fast.repeated(keys, shift, bins, keep)
        return keep
    for shift in (np.uint64(0), np.uint64(32)):
        idx = np.flatnonzero(keep)
        if len(idx) < 2:
            return keep & (len(idx) > 1)
        bins = min(_MAX_TABLE, 1 << (2 * len(idx)).bit_length())
        bucket = ((keys[idx] >> shift) & np.uint64(bins - 1)).astype(np.int64)
        keep[idx[np.bincount(bucket, minlength=bins)[bucket] < 2]] = False
    return keep


Groups = tuple[np.ndarray, np.ndarray, np.ndarray]  # items laid end to end, each group's start and size


def key_groups(keys: np.ndarray, items: np.ndarray) -> Groups:
    """The items sharing a key, in (key, item) order: `(items, starts, sizes)`,
    group g being items[starts[g]:starts[g] + sizes[g]], groups of two or more only."""
    if keys.dtype != np.uint64:  # signed keys (Spark's Arrow longs): only equality matters
        keys = np.ascontiguousarray(keys, dtype=np.int64).view(np.uint64)
    keep = _repeated(keys)
    keys, items = keys[keep], items[keep]
    if len(items) < 2 or (items[1:] >= items[:-1]).all():  # items already in order (LSH, anchors):
        order = np.argsort(keys, kind="stable")  # a stable sort by key is (key, item) order, and frees the GIL
    else:
        order = np.lexsort((items, keys))
    keys, items = keys[order], items[order]
    del order
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else np.zeros(0, np.int64)
    sizes = np.diff(np.append(starts, len(keys)))
    return items, starts[sizes >= 2], sizes[sizes >= 2]


def group_pairs(keys: np.ndarray, items: np.ndarray, max_bucket: int) -> tuple[np.ndarray, int]:
    """Pairs of items sharing a key, with multiplicity (one per shared key).

    A group larger than max_bucket is paired to its first item only, so a
    stock phrase shared by thousands of spans costs linear, not quadratic, work.
    """
    return group_rows(key_groups(keys, items), max_bucket)


def group_rows(found: Groups, max_bucket: int) -> tuple[np.ndarray, int]:
    """group_pairs of groups already found (key_groups), and how many exceed max_bucket."""
    items, starts, sizes = found
    big = sizes > max_bucket
    fast = kernels.compiled(len(items))
    if fast is not None:
        m = int(np.where(big, sizes - 1, sizes * (sizes - 1) // 2).sum())
        small = np.int32 if len(items) and items.max() < 2**31 else np.int64  # pairs can be many: store them small
        left, right = np.empty(m, dtype=small), np.empty(m, dtype=small)
        fast.group_pairs(items.astype(np.int64), starts, sizes, max_bucket, left, right)
        return np.stack((left, right), axis=1), int(big.sum())
    # Small groups: every member with every later member.
    g = sizes[~big]
    member = np.repeat(starts[~big], g) + ramp(g)
    later = np.repeat(g, g) - 1 - ramp(g)
    left = np.repeat(member, later)
    right = left + 1 + ramp(later)
    # Oversized groups: the first member with each other one.
    g = sizes[big] - 1
    first = np.repeat(starts[big], g)
    left, right = np.concatenate((left, first)), np.concatenate((right, first + 1 + ramp(g)))
    pairs = np.stack((items[left], items[right]), axis=1).astype(np.int64)
    return np.sort(pairs, axis=1), int(big.sum())


def _distinct(pairs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pairs, sorted, and how often each occurs in `pairs` (n: items).
    Pairs keep their dtype: int32 halves the memory of millions of them."""
    fast = kernels.compiled(len(pairs))
    if fast is not None:
        pairs = np.ascontiguousarray(pairs)
        rights, counts = np.empty(len(pairs), pairs.dtype), np.empty(len(pairs), np.int32)
        per_left = np.empty(n, np.int64)
        m = fast.distinct_pairs(pairs, n, rights, counts, per_left)
        left = np.repeat(np.arange(n, dtype=pairs.dtype), per_left)
        return np.stack((left, rights[:m]), axis=1), counts[:m].astype(np.int64)
    codes, counts = np.unique(pairs[:, 0].astype(np.int64) * n + pairs[:, 1], return_counts=True)
    return np.stack((codes // n, codes % n), axis=1).astype(pairs.dtype), counts


def lsh_pairs(
    sig: np.ndarray | None, bands: int, rows: int, max_bucket: int, *, keys: np.ndarray | None = None,
    threads: int = 1,
) -> tuple[np.ndarray, int]:
    """Pairs whose signatures agree on all rows of at least one band. `keys`:
    band_keys(sig, bands, rows) if already computed (then sig may be None).
    `threads` > 1 groups that many bands at a time, and pairs that many ranges
    of sets at once (sorting and the compiled loops release the GIL); the result
    does not depend on it."""
    keys = band_keys(sig, bands, rows) if keys is None else keys
    n = keys.shape[0]
    fast = kernels.compiled(keys.size)
    if fast is not None:
        pairs, _, _, oversized = _union(fast, n, _band_groups(keys, threads), [], None, 0.0, max_bucket, threads)
        return pairs, oversized
    # Pairs recur in every band they share; stored small (int32) until merged.
    items = np.arange(n, dtype=np.int64)
    small = np.int32 if n < 2**31 else np.int64

    def band_pairs(band: int) -> tuple[np.ndarray, int]:  # keys of different bands never pair
        pairs, over = group_pairs(np.ascontiguousarray(keys[:, band]), items, max_bucket)
        return pairs.astype(small), over

    found, batch, waiting, oversized = np.empty((0, 2), dtype=small), [], 0, 0
    threads = max(1, min(threads, bands))
    with ThreadPoolExecutor(threads) as pool:
        for wave in range(0, bands, threads):  # a wave at a time: memory for `threads` bands only
            for pairs, over in pool.map(band_pairs, range(wave, min(wave + threads, bands))):
                batch.append(pairs)
                waiting += len(pairs)
                oversized += over
            # Merge once the bands' pairs outnumber the distinct ones so far: a pair shared
            # by many bands is held once, and merging costs linear time overall.
            if waiting >= len(found) or wave + threads >= bands:
                found = _distinct(np.concatenate([found, *batch]), max(n, 1))[0]
                batch.clear()
                waiting = 0
    return found, oversized


def _band_groups(keys: np.ndarray, threads: int) -> list[Groups]:
    """key_groups of each band's keys (sets sharing a band key), bands in `threads` threads."""
    items = np.arange(keys.shape[0], dtype=np.int32 if keys.shape[0] < 2**31 else np.int64)
    with ThreadPoolExecutor(max(1, min(threads, keys.shape[1]))) as pool:
        return list(pool.map(lambda band: key_groups(np.ascontiguousarray(keys[:, band]), items), range(keys.shape[1])))


def _union(
    fast, n: int, lsh: list[Groups], anchors: list[Groups], n_anchors: np.ndarray | None, containment: float,
    max_bucket: int, threads: int, need_cap: float = np.inf,
) -> tuple[np.ndarray, int, int, int]:
    """The distinct pairs, sorted, that share an LSH group or enough anchor groups
    (anchor_need), as propose() takes them from lsh_pairs and anchor_pairs; also how
    many each proposes and how many groups exceed max_bucket. Compiled: each set
    gathers its later partners from its groups, so no list of pairs with
    multiplicity is ever built or sorted; in `threads` ranges of sets at once."""
    small = np.int32 if n < 2**31 else np.int64
    parts = lsh + anchors
    members = np.concatenate([g[0] for g in parts], dtype=small) if parts else np.zeros(0, small)
    sizes = np.concatenate([g[2] for g in parts]) if parts else np.zeros(0, np.int64)
    starts = np.concatenate([g[1] + shift for g, shift in zip(parts, run_starts([len(g[0]) for g in parts]))]) \
        if parts else np.zeros(0, np.int64)
    del parts
    occ_ptr, work = np.zeros(n + 1, dtype=np.int64), np.zeros(n + 1, dtype=np.int64)
    occ, occ_end = np.empty(len(members), dtype=np.int64), np.empty(len(members), dtype=np.int64)
    fast.member_index(members, starts, sizes, max_bucket, occ_ptr, occ, occ_end, work)
    anchor_from = sum(len(g[0]) for g in lsh)
    n_anchors = np.zeros(0, np.int64) if n_anchors is None else n_anchors.astype(np.int64)
    # Ranges of sets with about equal work; each writes at most one row per partner it meets.
    cuts = np.searchsorted(work, np.linspace(0, work[-1], max(1, threads) + 1)[1:-1]).tolist()
    bounds = list(zip([0, *cuts], [*cuts, n]))

    def part(lo: int, hi: int) -> tuple[np.ndarray, int, int]:
        out = np.empty(2 * int(work[hi] - work[lo]), dtype=small)
        m, n_lsh, n_anc = fast.partners(
            members, anchor_from, occ_ptr, occ, occ_end, n_anchors, 0.5 * containment, float(need_cap), lo, hi,
            np.full((n, 2), -1, dtype=small), out,
        )
        return out[: 2 * m].reshape(-1, 2), n_lsh, n_anc

    with ThreadPoolExecutor(len(bounds)) as pool:
        found = list(pool.map(lambda b: part(*b), bounds))
    pairs = found[0][0] if len(found) == 1 else np.concatenate([f[0] for f in found])
    return pairs, sum(f[1] for f in found), sum(f[2] for f in found), int((sizes > max_bucket).sum())


_ANCHOR_SALT = np.uint64(0xA5A5A5A5A5A5A5A5)


def anchor_mask(values: np.ndarray, rate: int) -> np.ndarray:
    """The shingles chosen as anchors: the same hash-defined subset in every span."""
    if rate == 1:
        return np.ones(len(values), dtype=bool)
    mask = np.empty(len(values), dtype=bool)
    step = 1 << 20  # in blocks: fmix64's temporaries stay small
    for lo in range(0, len(values), step):
        block = fmix64(values[lo : lo + step] ^ _ANCHOR_SALT)
        mask[lo : lo + step] = block % np.uint64(rate) == 0
    return mask


# Below this many anchors one thread groups them: splitting would cost more.
THREADED_ANCHORS = 1 << 20


def anchor_pairs(
    values: np.ndarray, offsets: np.ndarray, rate: int, containment: float, max_bucket: int, *, threads: int = 1,
    need_cap: float = np.inf,
) -> tuple[np.ndarray, int]:
    """Pairs where the smaller set's anchors lie in the larger one often enough.

    The share of A's anchors found in B estimates C(A->B) without bias, whatever
    the size of B; we propose when it reaches half the containment threshold,
    leaving room for sampling noise in short spans, or `need_cap` anchors (see
    SENTENCE_ANCHORS). `threads` > 1 groups the anchors in that many parts split
    by value (equal anchors stay together), at once.
    """
    n = len(offsets) - 1
    found, n_anchors = _anchor_groups(values, offsets, rate, threads)
    fast = kernels.compiled(len(values))
    if fast is not None:
        pairs, _, _, oversized = _union(fast, n, [], found, n_anchors, containment, max_bucket, threads, need_cap)
        return pairs, oversized
    small = np.int32 if n < 2**31 else np.int64
    rows = [group_rows(g, max_bucket) for g in found]
    del found
    pairs = np.concatenate([p for p, _ in rows], dtype=small)
    oversized = sum(o for _, o in rows)
    del rows
    if not len(pairs):
        return pairs, oversized
    pairs, shared = _distinct(pairs, max(n, 1))
    return pairs[shared >= anchor_need(n_anchors[pairs[:, 0]], n_anchors[pairs[:, 1]], containment, need_cap)], oversized


def _anchor_groups(values: np.ndarray, offsets: np.ndarray, rate: int, threads: int) -> tuple[list[Groups], np.ndarray]:
    """key_groups of the sets' anchors (sets sharing an anchor), in parts split by
    anchor value (so equal anchors stay together) grouped in threads; and how many
    anchors each set has."""
    n = len(offsets) - 1
    a_vals, a_owner = set_anchors(values, offsets, rate)
    n_anchors = np.bincount(a_owner, minlength=n)
    parts = max(1, min(threads, len(a_vals) // THREADED_ANCHORS))
    if parts == 1:
        return [key_groups(a_vals, a_owner)], n_anchors
    # anchor values are hashes: their top bits split them evenly
    part = (a_vals >> np.uint64(48)) % np.uint64(parts)
    split = [(a_vals[part == k], a_owner[part == k]) for k in range(parts)]
    del a_vals, a_owner, part
    with ThreadPoolExecutor(parts) as pool:
        return list(pool.map(lambda p: key_groups(*p), split)), n_anchors


def set_anchors(values: np.ndarray, offsets: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The sets' anchor shingles (anchor_mask) in order, and the set each belongs to."""
    n = len(offsets) - 1
    small = np.int32 if n < 2**31 else np.int64  # millions of anchors: keep their owners small
    fast = kernels.compiled(len(values))
    if fast is not None:  # one pass; the arrays' unused tails are never touched, so take no memory
        a_vals, a_owner = np.empty(len(values), dtype=np.uint64), np.empty(len(values), dtype=small)
        m = fast.anchors(values, np.asarray(offsets, dtype=np.int64), np.uint64(rate), _ANCHOR_SALT, a_vals, a_owner)
        return a_vals[:m], a_owner[:m]
    at = np.flatnonzero(anchor_mask(values, rate))
    return values[at], (np.searchsorted(offsets, at, side="right") - 1).astype(small)


# With sentence runs, a pair sharing this many anchors is proposed whatever its sets'
# sizes: a copied sentence (10-25 shingles, 2-6 anchors) inside long paragraphs is far
# below their containment, and must still be found (see SENTENCE_ANCHORS in README).
SENTENCE_ANCHORS = 2


def anchor_need(n_a: np.ndarray, n_b: np.ndarray, containment: float, cap: float = np.inf) -> np.ndarray:
    """Shared anchors a pair of sets with n_a and n_b anchors needs to be proposed
    (at most `cap`)."""
    return np.minimum(cap, np.maximum(1, np.ceil(0.5 * containment * np.minimum(n_a, n_b))))


def propose(
    sig: np.ndarray | None, values: np.ndarray, offsets: np.ndarray, *, bands: int, rows: int,
    anchor_rate: int, containment: float, max_bucket: int, keys: np.ndarray | None = None, threads: int = 1,
    between: Callable[[], None] | None = None, need_cap: float = np.inf,
) -> Proposals:
    """All candidate pairs from both sources, distinct. `keys`: the sets' band keys
    if already computed (then sig may be None); `threads`: see lsh_pairs and anchor_pairs;
    `between`: called once the band keys are freed, before the anchors are gathered
    (the pipeline returns freed memory to the OS there); `need_cap`: see anchor_pairs."""
    n = len(offsets) - 1
    fast = kernels.compiled(len(values))
    if fast is not None:  # both sources' groups at once: one pass gives the distinct pairs
        lsh = _band_groups(band_keys(sig, bands, rows) if keys is None else keys, threads)
        del keys  # when the caller passed them inline, their memory is free for the anchors
        if between is not None:
            between()
        anchors, n_anchors = _anchor_groups(values, offsets, anchor_rate, threads)
        pairs, n_lsh, n_anc, oversized = _union(fast, n, lsh, anchors, n_anchors, containment, max_bucket, threads, need_cap)
        return Proposals(pairs=pairs, lsh=n_lsh, anchors=n_anc, oversized=oversized)
    lsh, over_lsh = lsh_pairs(sig, bands, rows, max_bucket, keys=keys, threads=threads)
    del keys
    if between is not None:
        between()
    anc, over_anc = anchor_pairs(values, offsets, anchor_rate, containment, max_bucket, threads=threads, need_cap=need_cap)
    small = np.int32 if n < 2**31 else np.int64  # a compact copy to merge
    both = _distinct(np.concatenate((lsh, anc), dtype=small), max(n, 1))[0] if len(lsh) + len(anc) else lsh
    return Proposals(pairs=both, lsh=len(lsh), anchors=len(anc), oversized=over_lsh + over_anc)
