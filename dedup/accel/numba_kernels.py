"""numba versions of the hot loops; see kernels.py. Importing this module needs numba.

Each function mirrors a numpy version (named in its docstring) exactly.
Compiled code is cached on disk, so only the first run pays for compiling.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def minhash(hv, offsets, a, b, out):  # pragma: no cover - compiled
    """sketch.signatures: out[s, p] = min over set s of (a[p] * hv + b[p]) mod 2**32."""
    n_perm = a.shape[0]
    for s in range(offsets.shape[0] - 1):
        row = out[s]
        for k in range(offsets[s], offsets[s + 1]):
            h = hv[k]
            for p in range(n_perm):
                x = np.uint32(a[p] * h + b[p])
                if x < row[p]:
                    row[p] = x


@njit(cache=True, nogil=True)
def intersections(pairs, values, offsets, out):  # pragma: no cover - compiled
    """verify.intersections: |A ∩ B| of sorted distinct sets, by merging."""
    for k in range(pairs.shape[0]):
        i, j = pairs[k, 0], pairs[k, 1]
        a, a_end = offsets[i], offsets[i + 1]
        b, b_end = offsets[j], offsets[j + 1]
        shared = 0
        while a < a_end and b < b_end:
            x, y = values[a], values[b]
            if x == y:
                shared += 1
                a += 1
                b += 1
            elif x < y:
                a += 1
            else:
                b += 1
        out[k] = shared


@njit(cache=True, nogil=True, inline="always")
def _before(h_rank, h_node, i, j):  # pragma: no cover - compiled
    """Heap entry i comes before entry j: by (rank, node)."""
    return h_rank[i] < h_rank[j] or (h_rank[i] == h_rank[j] and h_node[i] < h_node[j])


@njit(cache=True, nogil=True)
def _sift_down(h_rank, h_node, size, pos):  # pragma: no cover - compiled
    while True:
        child = 2 * pos + 1
        if child >= size:
            return
        if child + 1 < size and _before(h_rank, h_node, child + 1, child):
            child += 1
        if _before(h_rank, h_node, child, pos):
            h_rank[child], h_rank[pos] = h_rank[pos], h_rank[child]
            h_node[child], h_node[pos] = h_node[pos], h_node[child]
            pos = child
        else:
            return


@njit(cache=True, nogil=True)
def _push(h_rank, h_node, size, rank, node):  # pragma: no cover - compiled
    pos = size
    h_rank[pos], h_node[pos] = rank, node
    while pos > 0:
        parent = (pos - 1) // 2
        if _before(h_rank, h_node, pos, parent):
            h_rank[pos], h_rank[parent] = h_rank[parent], h_rank[pos]
            h_node[pos], h_node[parent] = h_node[parent], h_node[pos]
            pos = parent
        else:
            break
    return size + 1


@njit(cache=True, nogil=True, error_model="numpy")  # 0 / 0 is nan, as in numpy, not an exception
def decide(sizes, rank, adj_ptr, adj_node, adj_k, waits, unl_ptr, unl_node, ready, threshold, keeper):  # pragma: no cover - compiled
    """decide.decide's loop: sets are popped by (rank, index) once no fuller
    neighbour is undecided, and dropped against the kept neighbour with the
    largest (containment, Jaccard, -rank), or kept."""
    n = ready.shape[0] + unl_node.shape[0]
    h_rank = np.empty(n, dtype=np.int64)
    h_node = np.empty(n, dtype=np.int64)
    size = 0
    for x in ready:
        size = _push(h_rank, h_node, size, rank[x], x)
    while size > 0:
        x = h_node[0]
        size -= 1
        h_rank[0], h_node[0] = h_rank[size], h_node[size]
        _sift_down(h_rank, h_node, size, 0)
        best = -1
        best_c = 0.0
        best_j = 0.0
        best_r = 0
        for e in range(adj_ptr[x], adj_ptr[x + 1]):
            y = adj_node[e]
            k = adj_k[e]
            if keeper[y] != -1 or k < threshold * sizes[x]:
                continue
            c = k / sizes[x]
            jac = k / (sizes[x] + sizes[y] - k)
            r = -rank[y]
            if best == -1 or c > best_c or (c == best_c and (jac > best_j or (jac == best_j and r > best_r))):
                best, best_c, best_j, best_r = y, c, jac, r
        keeper[x] = best
        for e in range(unl_ptr[x], unl_ptr[x + 1]):
            z = unl_node[e]
            waits[z] -= 1
            if waits[z] == 0:
                size = _push(h_rank, h_node, size, rank[z], z)


@njit(cache=True, nogil=True)
def is_edge(inter, size_a, size_b, threshold):  # pragma: no cover - compiled
    """verify.is_edge for one pair: the verified-edge rule, written once for the kernels."""
    return inter >= threshold * min(size_a, size_b)


@njit(cache=True, nogil=True)
def decide_pairs(sizes, rank, pairs, inter, threshold, fuller_min, fuller_share, keeper):  # pragma: no cover - compiled
    """decide.decide: keeps only verified pairs (inter >= threshold * the smaller
    size), lays their graph out as flat arrays (each set's neighbours in pair order;
    the sets each one's decision unlocks, those it is fuller than) in two passes,
    and runs decide() on it."""
    n = sizes.shape[0]
    adj_ptr = np.zeros(n + 1, dtype=np.int64)
    unl_ptr = np.zeros(n + 1, dtype=np.int64)
    waits = np.zeros(n, dtype=np.int64)
    for k in range(pairs.shape[0]):
        i, j = pairs[k, 0], pairs[k, 1]
        if is_edge(inter[k], sizes[i], sizes[j], threshold):
            adj_ptr[i + 1] += 1
            adj_ptr[j + 1] += 1
            waiter = _waiter(sizes[i], sizes[j], inter[k], i, j, fuller_min, fuller_share)
            if waiter >= 0:
                waits[waiter] += 1
                unl_ptr[i + j - waiter + 1] += 1
    for x in range(n):
        adj_ptr[x + 1] += adj_ptr[x]
        unl_ptr[x + 1] += unl_ptr[x]
    adj_node = np.empty(adj_ptr[n], dtype=pairs.dtype)
    adj_k = np.empty(adj_ptr[n], dtype=np.int64)
    unl_node = np.empty(unl_ptr[n], dtype=pairs.dtype)
    adj_fill, unl_fill = adj_ptr[:-1].copy(), unl_ptr[:-1].copy()
    for k in range(pairs.shape[0]):
        i, j = pairs[k, 0], pairs[k, 1]
        if is_edge(inter[k], sizes[i], sizes[j], threshold):
            adj_node[adj_fill[i]], adj_k[adj_fill[i]] = j, inter[k]
            adj_fill[i] += 1
            adj_node[adj_fill[j]], adj_k[adj_fill[j]] = i, inter[k]
            adj_fill[j] += 1
            waiter = _waiter(sizes[i], sizes[j], inter[k], i, j, fuller_min, fuller_share)
            if waiter >= 0:  # unlock order is free: the heap pops by (rank, node)
                waited = i + j - waiter
                unl_node[unl_fill[waited]] = waiter
                unl_fill[waited] += 1
    ready_count = 0
    for x in range(n):
        if adj_ptr[x + 1] > adj_ptr[x]:
            keeper[x] = -2  # undecided
            ready_count += waits[x] == 0
    ready = np.empty(ready_count, dtype=np.int64)
    ready_count = 0
    for x in range(n):
        if adj_ptr[x + 1] > adj_ptr[x] and waits[x] == 0:
            ready[ready_count] = x
            ready_count += 1
    decide(sizes, rank, adj_ptr, adj_node, adj_k, waits, unl_ptr, unl_node, ready, threshold, keeper)


@njit(cache=True, nogil=True, inline="always")
def _waiter(si, sj, shared, i, j, fuller_min, fuller_share):  # pragma: no cover - compiled
    """decide.fuller both ways: the set of the pair that must wait for the other
    (the other is fuller), or -1 if neither is fuller."""
    union = si + sj - shared
    if sj - si > max(fuller_min, fuller_share * union):
        return i
    if si - sj > max(fuller_min, fuller_share * union):
        return j
    return -1


@njit(cache=True, nogil=True, inline="always")
def _fmix64(h):  # pragma: no cover - compiled
    """shingle.fmix64 of one value."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


@njit(cache=True, nogil=True)
def anchors(values, offsets, rate, salt, out_values, out_owner):  # pragma: no cover - compiled
    """candidates.anchor_mask's anchors of each set, in order, with the set they are
    in (out_owner): values v with fmix64(v ^ salt) % rate == 0. Returns how many."""
    m = 0
    low = rate - np.uint64(1)
    power_of_two = (rate & low) == 0  # then h % rate is h & low, without a division
    for s in range(offsets.shape[0] - 1):
        for k in range(offsets[s], offsets[s + 1]):
            v = values[k]
            h = _fmix64(v ^ salt)
            if (h & low == 0) if power_of_two else (h % rate == 0):
                out_values[m] = v
                out_owner[m] = s
                m += 1
    return m


@njit(cache=True, nogil=True, inline="always")
def _fold_bands(row, bands, rows, mul, out):  # pragma: no cover - compiled
    for band in range(bands):
        acc = np.uint64(band + 1)
        for col in range(band * rows, (band + 1) * rows):
            acc = acc * mul + np.uint64(row[col])
        out[band] = _fmix64(acc)


@njit(cache=True, nogil=True)
def band_keys(sig, bands, rows, mul, out):  # pragma: no cover - compiled
    """candidates.band_keys: out[s, band] = fmix64 of the band's rows folded into
    band + 1 by acc * mul + value (mod 2**64)."""
    for s in range(sig.shape[0]):
        _fold_bands(sig[s], bands, rows, mul, out[s])


@njit(cache=True, nogil=True)
def minhash_band_keys(values, offsets, a, b, bands, rows, mul, out):  # pragma: no cover - compiled
    """band_keys of sketch.signatures of each set, one set at a time: the signature
    of the low 32 bits of each value after fmix32, never stored."""
    mask = np.uint64(0xFFFFFFFF)
    row = np.empty(a.shape[0], dtype=np.uint32)
    for s in range(offsets.shape[0] - 1):
        row[:] = np.uint32(0xFFFFFFFF)
        for k in range(offsets[s], offsets[s + 1]):
            h = values[k] & mask
            h ^= h >> np.uint64(16)
            h = (h * np.uint64(0x85EBCA6B)) & mask
            h ^= h >> np.uint64(13)
            h = (h * np.uint64(0xC2B2AE35)) & mask
            h ^= h >> np.uint64(16)
            for p in range(a.shape[0]):
                x = np.uint32((np.uint64(a[p]) * h + np.uint64(b[p])) & mask)
                if x < row[p]:
                    row[p] = x
        _fold_bands(row, bands, rows, mul, out[s])


@njit(cache=True, nogil=True, inline="always")
def _sort_run(run):  # pragma: no cover - compiled
    """Sorts run in place: insertion sort for the short runs most are, else quicksort."""
    if run.shape[0] > 32:
        run.sort()
        return
    for k in range(1, run.shape[0]):
        value = run[k]
        j = k - 1
        while j >= 0 and run[j] > value:
            run[j + 1] = run[j]
            j -= 1
        run[j + 1] = value


@njit(cache=True, nogil=True)
def _radix_sort(run, tmp):  # pragma: no cover - compiled
    """Sorts uint64 run in place by LSD radix on 11-bit digits (6 passes, so the
    result ends in run); tmp: scratch of at least run's length."""
    n = run.shape[0]
    src, dst = run, tmp[:n]
    count = np.empty(2048, dtype=np.int64)
    for shift in range(0, 64, 11):
        count[:] = 0
        sh = np.uint64(shift)
        for i in range(n):
            count[(src[i] >> sh) & np.uint64(2047)] += 1
        total = 0
        for d in range(2048):
            c = count[d]
            count[d] = total
            total += c
        for i in range(n):
            v = src[i]
            d = (v >> sh) & np.uint64(2047)
            dst[count[d]] = v
            count[d] += 1
        src, dst = dst, src


@njit(cache=True, nogil=True, inline="always")
def _sort_values(run, tmp):  # pragma: no cover - compiled
    """Sorts uint64 run in place: _sort_run, or a radix sort for long runs (a long
    paragraph: about half as long as quicksort there)."""
    if run.shape[0] > 1024:
        _radix_sort(run, tmp)
    else:
        _sort_run(run)


@njit(cache=True, nogil=True)
def distinct_pairs(pairs, n, rights, counts, per_left):  # pragma: no cover - compiled
    """candidates._distinct: sorts the (left, right) rows of pairs and merges equal
    ones; after it, left x has per_left[x] distinct rights, listed in rights[:total]
    in order, each with its multiplicity in counts. A counting sort by left, then
    a sort per left."""
    start = np.zeros(n + 1, dtype=np.int64)
    for e in range(pairs.shape[0]):
        start[pairs[e, 0] + 1] += 1
    for x in range(n):
        start[x + 1] += start[x]
    fill = start[:-1].copy()
    for e in range(pairs.shape[0]):
        rights[fill[pairs[e, 0]]] = pairs[e, 1]
        fill[pairs[e, 0]] += 1
    m = 0
    for x in range(n):
        _sort_run(rights[start[x] : start[x + 1]])
        first = m
        for k in range(start[x], start[x + 1]):  # compact in place: m <= k always
            if m > first and rights[k] == rights[m - 1]:
                counts[m - 1] += 1
            else:
                rights[m] = rights[k]
                counts[m] = 1
                m += 1
        per_left[x] = m - first
    return m


@njit(cache=True, nogil=True)
def member_index(members, starts, sizes, max_bucket, occ_ptr, occ, occ_end, work):  # pragma: no cover - compiled
    """For candidates._union, of groups members[starts[g]:starts[g] + sizes[g]], each
    with its items in increasing order: occ[occ_ptr[x]:occ_ptr[x + 1]] are positions p
    where item x is a member with later members members[p + 1:occ_end[...]] to pair
    with (a group above max_bucket: its first member only, with all the others);
    work[x + 1] - work[x] is how many such later members x has."""
    for g in range(starts.shape[0]):
        s, size = starts[g], sizes[g]
        for p in range(s, s + size - 1):  # the last member has no later ones
            if size <= max_bucket or p == s:
                x = members[p]
                occ_ptr[x + 1] += 1
                work[x + 1] += s + size - p - 1
    for x in range(occ_ptr.shape[0] - 1):
        occ_ptr[x + 1] += occ_ptr[x]
        work[x + 1] += work[x]
    fill = occ_ptr[:-1].copy()
    for g in range(starts.shape[0]):
        s, size = starts[g], sizes[g]
        for p in range(s, s + size - 1):
            if size <= max_bucket or p == s:
                x = members[p]
                occ[fill[x]], occ_end[fill[x]] = p, s + size
                fill[x] += 1


@njit(cache=True, nogil=True)
def partners(members, anchor_from, occ_ptr, occ, occ_end, n_anchors, half_c, lo, hi, mark, out):  # pragma: no cover - compiled
    """candidates._union for items lo..hi-1 (occurrences as member_index gives them):
    the pairs (x, y), x < y, proposed by a shared LSH group (members before
    anchor_from) or by shared anchor groups (the rest) at least
    max(1, ceil(half_c * min(n_anchors[x], n_anchors[y]))) times, sorted and
    distinct, as rows of out (flat). Returns (rows, LSH pairs, anchor pairs).
    mark: (sets, 2), all -1, of the items' dtype. Per partner y, side by side (one
    cache line): mark[y, 0] == x once met as x's partner; then mark[y, 1] is
    2 * (anchor groups shared) + (1 if an LSH group is)."""
    met = np.empty(16, dtype=members.dtype)
    m, n_lsh, n_anc = 0, 0, 0
    for x in range(lo, hi):
        t = 0
        for o in range(occ_ptr[x], occ_ptr[x + 1]):
            p = occ[o]
            step = 2 if p >= anchor_from else 0
            for q in range(p + 1, occ_end[o]):
                y = members[q]
                if mark[y, 0] != x:
                    mark[y, 0] = x
                    mark[y, 1] = 0
                    met = _grown(met, t + 1)
                    met[t] = y
                    t += 1
                if step:
                    mark[y, 1] += 2
                else:
                    mark[y, 1] |= 1
        kept = 0
        for k in range(t):
            y = met[k]
            by_lsh = mark[y, 1] & 1
            shared = mark[y, 1] >> 1
            by_anchors = shared > 0 and shared >= max(1.0, np.ceil(half_c * min(n_anchors[x], n_anchors[y])))
            n_lsh += by_lsh
            n_anc += by_anchors
            if by_lsh or by_anchors:
                met[kept] = y
                kept += 1
        _sort_run(met[:kept])
        for k in range(kept):
            out[2 * m] = x
            out[2 * m + 1] = met[k]
            m += 1
    return m, n_lsh, n_anc


@njit(cache=True, nogil=True)
def repeated(keys, shift, bins, keep):  # pragma: no cover - compiled
    """One round of candidates._repeated: clear keep[i] for kept keys alone in their
    bucket ((key >> shift) & (bins - 1)) among the kept keys."""
    seen = np.zeros(bins, dtype=np.uint8)
    mask = np.uint64(bins - 1)
    for i in range(keys.shape[0]):
        if keep[i]:
            b = (keys[i] >> shift) & mask
            if seen[b] < 2:
                seen[b] += 1
    for i in range(keys.shape[0]):
        if keep[i] and seen[(keys[i] >> shift) & mask] < 2:
            keep[i] = False


@njit(cache=True, nogil=True)
def group_pairs(items, starts, sizes, max_bucket, left, right):  # pragma: no cover - compiled
    """candidates.group_pairs after sorting: for each group items[start:start + size],
    every pair (small groups) or the first item with each other one (larger than
    max_bucket), as (smaller, larger) rows; returns how many rows."""
    m = 0
    for g in range(starts.shape[0]):
        s, size = starts[g], sizes[g]
        if size > max_bucket:
            for k in range(s + 1, s + size):
                left[m], right[m] = min(items[s], items[k]), max(items[s], items[k])
                m += 1
        else:
            for i in range(s, s + size):
                for k in range(i + 1, s + size):
                    left[m], right[m] = min(items[i], items[k]), max(items[i], items[k])
                    m += 1
    return m


# xxh3-64 (seed 0), as xxhash.xxh3_64_intdigest computes it: the reference
# implementation's default secret (192 bytes), read as little-endian 64-bit words
# at the byte offsets its code uses.
_SECRET = np.frombuffer(bytes.fromhex(
    "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f"
    "cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c"
    "3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8"
    "a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364"
    "eac5ac8334d3ebc3c581a0fffa1363eb170ddd51b7f0da49d316552629d4689e"
    "2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e"
), dtype=np.uint8)
_M32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def _read_le(buf, at, width):  # pragma: no cover - compiled
    """The little-endian number in buf[at:at + width] (width 4 or 8 bytes)."""
    x = np.uint64(0)
    for k in range(width - 1, -1, -1):
        x = (x << np.uint64(8)) | np.uint64(buf[at + k])
    return x


@njit(cache=True, nogil=True, inline="always")
def _read64(buf, at):  # pragma: no cover - compiled
    return _read_le(buf, at, 8)


@njit(cache=True, nogil=True, inline="always")
def _read32(buf, at):  # pragma: no cover - compiled
    return _read_le(buf, at, 4)


@njit(cache=True, nogil=True, inline="always")
def _mul128_fold64(a, b):  # pragma: no cover - compiled
    """Low 64 bits xor high 64 bits of the 128-bit product, from 32-bit halves."""
    lo_lo = (a & _M32) * (b & _M32)
    hi_lo = (a >> np.uint64(32)) * (b & _M32)
    lo_hi = (a & _M32) * (b >> np.uint64(32))
    hi_hi = (a >> np.uint64(32)) * (b >> np.uint64(32))
    cross = (lo_lo >> np.uint64(32)) + (hi_lo & _M32) + lo_hi
    upper = (hi_lo >> np.uint64(32)) + (cross >> np.uint64(32)) + hi_hi
    lower = (cross << np.uint64(32)) | (lo_lo & _M32)
    return lower ^ upper


@njit(cache=True, nogil=True, inline="always")
def _avalanche(h):  # pragma: no cover - compiled
    h ^= h >> np.uint64(37)
    h *= np.uint64(0x165667919E3779F9)
    return h ^ (h >> np.uint64(32))


@njit(cache=True, nogil=True, inline="always")
def _mix16(buf, at, secret, s_at):  # pragma: no cover - compiled
    return _mul128_fold64(_read64(buf, at) ^ _read64(secret, s_at), _read64(buf, at + 8) ^ _read64(secret, s_at + 8))


_P64_1 = np.uint64(0x9E3779B185EBCA87)
_STRIPE, _BLOCK, _SECRET_END = 64, 1024, 192  # xxh3's stripe and block lengths; secret size


@njit(cache=True, nogil=True)
def _xxh3_short(buf, o, n, secret):  # pragma: no cover - compiled
    """xxh3_64 of buf[o:o + n] for 1 <= n <= 128."""
    length = np.uint64(n)
    if n <= 3:
        combined = (
            (np.uint64(buf[o]) << np.uint64(16)) | (np.uint64(buf[o + (n >> 1)]) << np.uint64(24))
            | np.uint64(buf[o + n - 1]) | (length << np.uint64(8))
        )
        h = combined ^ (_read32(secret, 0) ^ _read32(secret, 4))
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xC2B2AE3D27D4EB4F)
        h ^= h >> np.uint64(29)
        h *= np.uint64(0x165667B19E3779F9)
        return h ^ (h >> np.uint64(32))
    if n <= 8:
        keyed = (_read32(buf, o + n - 4) + (_read32(buf, o) << np.uint64(32))) ^ (_read64(secret, 8) ^ _read64(secret, 16))
        h = keyed ^ (((keyed << np.uint64(49)) | (keyed >> np.uint64(15))) ^ ((keyed << np.uint64(24)) | (keyed >> np.uint64(40))))
        h *= np.uint64(0x9FB21C651E98DF25)
        h ^= (h >> np.uint64(35)) + length
        h *= np.uint64(0x9FB21C651E98DF25)
        return h ^ (h >> np.uint64(28))
    if n <= 16:
        lo = _read64(buf, o) ^ (_read64(secret, 24) ^ _read64(secret, 32))
        hi = _read64(buf, o + n - 8) ^ (_read64(secret, 40) ^ _read64(secret, 48))
        swapped = np.uint64(0)
        for k in range(8):
            swapped = (swapped << np.uint64(8)) | ((lo >> np.uint64(8 * k)) & np.uint64(0xFF))
        return _avalanche(length + swapped + hi + _mul128_fold64(lo, hi))
    acc = length * _P64_1
    if n > 32:
        if n > 64:
            if n > 96:
                acc += _mix16(buf, o + 48, secret, 96) + _mix16(buf, o + n - 64, secret, 112)
            acc += _mix16(buf, o + 32, secret, 64) + _mix16(buf, o + n - 48, secret, 80)
        acc += _mix16(buf, o + 16, secret, 32) + _mix16(buf, o + n - 32, secret, 48)
    acc += _mix16(buf, o, secret, 0) + _mix16(buf, o + n - 16, secret, 16)
    return _avalanche(acc)


@njit(cache=True, nogil=True)
def _xxh3_mid(buf, o, n, secret):  # pragma: no cover - compiled
    """xxh3_64 of buf[o:o + n] for 129 <= n <= 240: 16-byte rounds, the secret restarting (shifted
    by 3 bytes) after the eighth, and the last 16 bytes against secret[119:135]."""
    acc = np.uint64(n) * _P64_1
    for i in range(8):
        acc += _mix16(buf, o + 16 * i, secret, 16 * i)
    acc = _avalanche(acc)
    for i in range(8, n // 16):
        acc += _mix16(buf, o + 16 * i, secret, 16 * (i - 8) + 3)
    return _avalanche(acc + _mix16(buf, o + n - 16, secret, 136 - 17))


@njit(cache=True, nogil=True, inline="always")
def _accumulate_stripe(acc, buf, at, secret, s_at):  # pragma: no cover - compiled
    for i in range(8):
        value = _read64(buf, at + 8 * i)
        key = value ^ _read64(secret, s_at + 8 * i)
        acc[i ^ 1] += value
        acc[i] += (key & _M32) * (key >> np.uint64(32))


@njit(cache=True, nogil=True)
def _xxh3_long(buf, o, n, secret):  # pragma: no cover - compiled
    """xxh3_64 of buf[o:o + n] for n > 240: eight accumulators over 64-byte stripes, the secret
    advancing 8 bytes a stripe, scrambled after every 1024-byte block; the last
    stripe is the input's last 64 bytes."""
    acc = np.array([
        0xC2B2AE3D, 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
        0x85EBCA77C2B2AE63, 0x85EBCA77, 0x27D4EB2F165667C5, 0x9E3779B1,
    ], dtype=np.uint64)
    per_block = (_SECRET_END - _STRIPE) // 8
    blocks = (n - 1) // _BLOCK
    for blk in range(blocks):
        for k in range(per_block):
            _accumulate_stripe(acc, buf, o + blk * _BLOCK + k * _STRIPE, secret, 8 * k)
        for i in range(8):  # scramble
            x = acc[i]
            x ^= x >> np.uint64(47)
            x ^= _read64(secret, _SECRET_END - _STRIPE + 8 * i)
            acc[i] = x * np.uint64(0x9E3779B1)
    for k in range(((n - 1) - blocks * _BLOCK) // _STRIPE):
        _accumulate_stripe(acc, buf, o + blocks * _BLOCK + k * _STRIPE, secret, 8 * k)
    _accumulate_stripe(acc, buf, o + n - _STRIPE, secret, _SECRET_END - _STRIPE - 7)
    result = np.uint64(n) * _P64_1
    for i in range(4):
        result += _mul128_fold64(acc[2 * i] ^ _read64(secret, 11 + 16 * i), acc[2 * i + 1] ^ _read64(secret, 19 + 16 * i))
    return _avalanche(result)


@njit(cache=True, nogil=True)
def _xxh3_at(buf, o, n, secret):  # pragma: no cover - compiled
    """xxh3-64 (seed 0) of buf[o:o + n], n >= 1."""
    if n <= 128:
        return _xxh3_short(buf, o, n, secret)
    if n <= 240:
        return _xxh3_mid(buf, o, n, secret)
    return _xxh3_long(buf, o, n, secret)


@njit(cache=True, nogil=True)
def xxh3_64(buf, n, secret):  # pragma: no cover - compiled
    """xxh3-64 (seed 0) of buf[:n], n >= 1."""
    return _xxh3_at(buf, 0, n, secret)


@njit(cache=True, nogil=True, inline="always")
def _lower(c):  # pragma: no cover - compiled
    return c + 32 if 65 <= c <= 90 else c


@njit(cache=True, nogil=True, inline="always")
def _grown(buf, need):  # pragma: no cover - compiled
    """buf, or a copy at least twice as long when it holds fewer than `need` items."""
    if buf.shape[0] >= need:
        return buf
    bigger = np.empty(max(need, 2 * buf.shape[0]), dtype=buf.dtype)
    bigger[: buf.shape[0]] = buf
    return bigger


@njit(cache=True, nogil=True)
def _normal_length(codes, lo, hi, kind, start):  # pragma: no cover - compiled
    """Bytes of _normal_form(codes[lo:hi]), or -1 if a character is neither ASCII nor in the table."""
    n = 0
    for i in range(lo, hi):
        c = codes[i]
        if c < 128:
            n += 1
        elif c < kind.shape[0] and kind[c] != 0:
            n += start[c + 1] - start[c]
        else:
            return -1
    return n


@njit(cache=True, nogil=True)
def _normal_form(codes, lo, hi, kind, start, data, norm, word):  # pragma: no cover - compiled
    """normalize() of codes[lo:hi], a span of ASCII (lower-cased, ` as ') and
    characters of normalize.char_table (see _normal_length), as UTF-8 bytes into
    norm, runs of whitespace left uncollapsed (tokens never hold any); word[k]:
    byte k is part of a letter or digit."""
    n = 0
    for i in range(lo, hi):
        c = codes[i]
        if c < 128:
            if c == 32 or 9 <= c <= 13 or 28 <= c <= 31:  # str.isspace() in ASCII
                norm[n] = 32
                word[n] = False
            else:
                low = 39 if c == 96 else _lower(c)  # normalize() unifies quotes: ` becomes '
                norm[n] = low
                word[n] = (97 <= low <= 122) or (48 <= low <= 57)
            n += 1
        elif c < kind.shape[0] and kind[c] != 0:
            letter = kind[c] == 2  # a LETTER's normal form is all letters, a SEPARATOR's has none
            for k in range(start[c], start[c + 1]):
                norm[n] = data[k]
                word[n] = letter
                n += 1


@njit(cache=True, nogil=True, inline="always")
def _run_end(word, at, end):  # pragma: no cover - compiled
    while at < end and word[at]:
        at += 1
    return at


@njit(cache=True, nogil=True, inline="always")
def _is_url_end(b):  # pragma: no cover - compiled
    """Not allowed as a URL's last character: . , ; : ! ? ) ] } '"""
    return b == 46 or b == 44 or b == 59 or b == 58 or b == 33 or b == 63 or b == 41 or b == 93 or b == 125 or b == 39


@njit(cache=True, nogil=True)
def _url_end(norm, p, end):  # pragma: no cover - compiled
    """End of normalize._TOKEN's URL alternative matched at p in norm[:end] (no
    spaces there), or -1: a prefix http:// https:// ftp:// www., then the longest
    run of characters other than < > " that ends in none of . , ; : ! ? ) ] } '."""
    b = norm[p]
    q = -1
    if b == 104 and p + 7 <= end and norm[p + 1] == 116 and norm[p + 2] == 116 and norm[p + 3] == 112:  # http
        if norm[p + 4] == 58 and norm[p + 5] == 47 and norm[p + 6] == 47:
            q = p + 7
        elif p + 8 <= end and norm[p + 4] == 115 and norm[p + 5] == 58 and norm[p + 6] == 47 and norm[p + 7] == 47:
            q = p + 8
    elif b == 102 and p + 6 <= end and norm[p + 1] == 116 and norm[p + 2] == 112 and norm[p + 3] == 58 and norm[p + 4] == 47 and norm[p + 5] == 47:
        q = p + 6
    elif b == 119 and p + 4 <= end and norm[p + 1] == 119 and norm[p + 2] == 119 and norm[p + 3] == 46:
        q = p + 4
    if q < 0:
        return -1
    r = q
    while r < end and norm[r] != 60 and norm[r] != 62 and norm[r] != 34:
        r += 1
    while r > q and _is_url_end(norm[r - 1]):
        r -= 1
    return r if r > q else -1


@njit(cache=True, nogil=True, inline="always")
def _is_local_joiner(b):  # pragma: no cover - compiled
    return b == 46 or b == 43 or b == 45  # . + -


@njit(cache=True, nogil=True)
def _email_end(norm, word, chunk, p, end):  # pragma: no cover - compiled
    """End of normalize._TOKEN's e-mail alternative at p in norm[chunk:end], or -1.
    Its groups are possessive, so each part is the longest run: letters and digits
    joined by single . + -, `@`, a run, then one or more of (-run)* .run."""
    if not word[p] or (p > chunk and word[p - 1]):
        return -1
    if p - 2 >= chunk and word[p - 2] and _is_local_joiner(norm[p - 1]):
        return -1
    e = _run_end(word, p, end)
    while e + 1 < end and _is_local_joiner(norm[e]) and word[e + 1]:
        e = _run_end(word, e + 1, end)
    if e + 1 >= end or norm[e] != 64 or not word[e + 1]:
        return -1
    e = _run_end(word, e + 1, end)
    groups = 0
    while True:
        g = e
        while g + 1 < end and norm[g] == 45 and word[g + 1]:
            g = _run_end(word, g + 1, end)
        if g + 1 < end and norm[g] == 46 and word[g + 1]:
            e = _run_end(word, g + 1, end)
            groups += 1
        else:
            break
    return e if groups else -1


@njit(cache=True, nogil=True, inline="always")
def _has_marker(norm, chunk, end):  # pragma: no cover - compiled
    for k in range(chunk, end):
        b = norm[k]
        if b == 64:
            return True
        if b == 58 and k + 2 < end and norm[k + 1] == 47 and norm[k + 2] == 47:
            return True
        if b == 46 and k - 3 >= chunk and norm[k - 1] == 119 and norm[k - 2] == 119 and norm[k - 3] == 119:
            return True
    return False


@njit(cache=True, nogil=True)
def _marked_span_hashes(norm, word, n, out, pos, secret):  # pragma: no cover - compiled
    """normalize.token_bytes' rule for normalized text norm[:n], hashed into out from
    pos: whitespace-delimited chunks with a marker (@, ://, www.) are tokenized by
    _TOKEN (URL, e-mail, run of letters and digits; a chunk has no letter of a
    script without spaces: the table has none), other text by runs. Returns the
    new pos."""
    chunk = 0
    while chunk < n:
        if norm[chunk] == 32:
            chunk += 1
            continue
        end = chunk
        while end < n and norm[end] != 32:
            end += 1
        marked = _has_marker(norm, chunk, end)
        p = chunk
        while p < end:
            if not word[p] and not marked:
                p += 1
                continue
            e = -1
            if marked:
                e = _url_end(norm, p, end)
                if e < 0:
                    e = _email_end(norm, word, chunk, p, end)
            if e < 0:
                if not word[p]:
                    p += 1
                    continue
                e = _run_end(word, p, end)
            out[pos] = _xxh3_short(norm, p, e - p, secret) if e - p <= 128 else _xxh3_at(norm, p, e - p, secret)
            pos += 1
            p = e
        chunk = end
    return pos


@njit(cache=True, nogil=True)
def span_token_hashes(codes, starts, ends, kind, start, data, out, counts):  # pragma: no cover - compiled
    """normalize.token_bytes + shingle.byte_token_hashes for spans of ASCII and
    characters of normalize.char_table. Plain spans: tokens are the runs of ASCII
    letters and digits (lower-cased) and of characters of kind LETTER (as their
    normal form's bytes), separated by other ASCII characters and characters of
    kind SEPARATOR. A span with a URL or e-mail marker (@, ://, www.) or a token
    over 128 bytes is normalized into a buffer and tokenized there
    (_marked_span_hashes). A span with any other character gets counts[s] = -1
    and is left to the caller;
    otherwise counts[s] of its token hashes follow in out. Returns how many
    hashes were written."""
    secret = _SECRET
    token = np.empty(128, dtype=np.uint8)
    norm = np.empty(0, dtype=np.uint8)
    word = np.empty(0, dtype=np.bool_)
    pos = 0
    for s in range(starts.shape[0]):
        begin, length, plain, buffered = pos, 0, True, False
        for i in range(starts[s], ends[s] + 1):
            c = codes[i] if i < ends[s] else 32
            if c < 128:
                low = _lower(c)
                if (97 <= low <= 122) or (48 <= low <= 57):
                    if length == 128:  # a long token: hashed from the buffer below
                        plain, buffered = False, True
                        break
                    token[length] = low
                    length += 1
                    continue
                if c == 64 or (c == 58 and i + 2 < ends[s] and codes[i + 1] == 47 and codes[i + 2] == 47) or (
                    c == 46 and i - 3 >= starts[s] and _lower(codes[i - 1]) == 119
                    and _lower(codes[i - 2]) == 119 and _lower(codes[i - 3]) == 119
                ):
                    plain, buffered = False, True
                    break
            elif c < kind.shape[0] and kind[c] == 2:  # LETTER
                n = start[c + 1] - start[c]
                if length + n > 128:
                    plain, buffered = False, True
                    break
                token[length : length + n] = data[start[c] : start[c + 1]]
                length += n
                continue
            elif not (c < kind.shape[0] and kind[c] == 1):  # not a SEPARATOR
                plain = False
                break
            if length:  # a separator ends the token
                out[pos] = _xxh3_short(token, 0, length, secret)  # length <= 128
                pos += 1
                length = 0
        if plain:
            counts[s] = pos - begin
            continue
        pos = begin
        counts[s] = -1
        if buffered:
            need = _normal_length(codes, starts[s], ends[s], kind, start)
            if need >= 0:
                norm = _grown(norm, need)
                word = _grown(word, need)
                _normal_form(codes, starts[s], ends[s], kind, start, data, norm, word)
                pos = _marked_span_hashes(norm, word, need, out, begin, secret)
                counts[s] = pos - begin
    return pos


@njit(cache=True, nogil=True, inline="always")
def _strips(c, table, extra):  # pragma: no cover - compiled
    """c is in segment.STRIP: looked up in table below its size, else among extra."""
    if c < table.shape[0]:
        return table[c]
    for x in extra:
        if c == x:
            return True
    return False


@njit(cache=True, nogil=True, inline="always")
def _emit(counts, starts, ends, k, t, lo, s, e):  # pragma: no cover - compiled
    counts[t] += 1
    starts[k], ends[k] = s - lo, e - lo
    return k + 1


@njit(cache=True, nogil=True)
def segment_spans(codes, base, sizes, table, extra, mode, wrap):  # pragma: no cover - compiled
    """segment.segment_many of the texts codes[base[t] : base[t] + sizes[t]] (code
    points), mode 0 `line`, 1 `paragraph`, else `auto` with wrap as WRAP_WIDTH;
    table and extra as segment.strip_lookup. One pass per text, line by line: a
    piece (a span before trimming) is open while non-blank short lines follow
    each other; a blank line, a long line (auto) or the text's end closes it."""
    counts = np.zeros(base.shape[0], dtype=np.int64)
    # Spans hold a character each and a line break lies between two: at most half.
    starts = np.empty(codes.shape[0] // 2 + 1, dtype=np.int64)
    ends = np.empty(codes.shape[0] // 2 + 1, dtype=np.int64)
    k = 0
    for t in range(base.shape[0]):
        lo, hi = base[t], base[t] + sizes[t]
        is_open, p_start, p_end = False, 0, 0
        at = lo
        while True:  # the line [at, stop), then its \n if stop < hi
            first = at  # its first character that is not in STRIP, if any
            while first < hi and codes[first] != 10 and _strips(codes[first], table, extra):
                first += 1
            stop = first
            while stop < hi and codes[stop] != 10:
                stop += 1
            last = stop - 1
            while last > first and _strips(codes[last], table, extra):
                last -= 1
            if first == stop:  # blank
                if is_open:
                    k = _emit(counts, starts, ends, k, t, lo, p_start, p_end)
                    is_open = False
            elif mode == 0:
                k = _emit(counts, starts, ends, k, t, lo, first, last + 1)
            else:
                # A line's length leaves out the CR before its line break (the last line has none).
                length = stop - at - (1 if stop < hi and codes[stop - 1] == 13 else 0)
                if mode != 1 and length > wrap:  # a long line on its own
                    if is_open:
                        k = _emit(counts, starts, ends, k, t, lo, p_start, p_end)
                        is_open = False
                    k = _emit(counts, starts, ends, k, t, lo, first, last + 1)
                else:
                    if not is_open:
                        is_open, p_start = True, first
                    p_end = last + 1
            if stop >= hi:
                break
            at = stop + 1
        if is_open:
            k = _emit(counts, starts, ends, k, t, lo, p_start, p_end)
    return counts, starts[:k].copy(), ends[:k].copy()


@njit(cache=True, nogil=True)
def shingle_sets(h, lengths, n, mul, out, sizes):  # pragma: no cover - compiled
    """shingle.shingle_hashes: each span's n-token folds (all its tokens when it has
    fewer), fmix64-ed, sorted and deduplicated into out; sizes[s] of them for span
    s. Returns how many values were written."""
    buf = np.empty(max(lengths.max() if lengths.shape[0] else 0, 1), dtype=np.uint64)
    tmp = np.empty_like(buf)
    tok, pos = 0, 0
    for s in range(lengths.shape[0]):
        size = lengths[s]
        width = n if size >= n else size
        count = size - n + 1 if size >= n else min(size, 1)
        for j in range(count):
            acc = h[tok + j]
            for k in range(1, width):
                acc = acc * mul + h[tok + j + k]
            buf[j] = _fmix64(acc ^ np.uint64(width))
        run = buf[:count]
        _sort_values(run, tmp)
        first = pos
        for j in range(count):
            if j == 0 or run[j] != run[j - 1]:
                out[pos] = run[j]
                pos += 1
        sizes[s] = pos - first
        tok += size
    return pos


@njit(cache=True, nogil=True)
def set_keys(buf, offsets, empty, out):  # pragma: no cover - compiled
    """units.set_keys: xxh3-64 of each set's bytes, 8 per value (`buf`: the values
    viewed as uint8); `empty`: xxh3-64 of no bytes."""
    secret = _SECRET
    for i in range(offsets.shape[0] - 1):
        n = (offsets[i + 1] - offsets[i]) * 8
        out[i] = _xxh3_at(buf, offsets[i] * 8, n, secret) if n else empty


@njit(cache=True, nogil=True)
def gather_token_hashes(fast, slow, n_tokens, is_slow, h):  # pragma: no cover - compiled
    """mapping.token_hashes' assembly: span after span, its n_tokens hashes go to h,
    taken in turn from `fast` (span_token_hashes' output) or, for a span it left
    to Python, from `slow`."""
    a = b = c = 0
    for i in range(n_tokens.shape[0]):
        n = n_tokens[i]
        if is_slow[i]:
            h[c : c + n] = slow[b : b + n]
            b += n
        else:
            h[c : c + n] = fast[a : a + n]
            a += n
        c += n


@njit(cache=True, nogil=True)
def count_verified(pairs, inter, sizes, threshold):  # pragma: no cover - compiled
    """verify.count_verified: pairs whose intersection covers `threshold` of the smaller set."""
    m = 0
    for e in range(pairs.shape[0]):
        if is_edge(inter[e], sizes[pairs[e, 0]], sizes[pairs[e, 1]], threshold):
            m += 1
    return m
