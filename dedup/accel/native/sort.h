/* In-place sorts of one run of integers, for the kernels (see _native.c).
 *
 * Equal integers are indistinguishable, so any correct sort gives the same
 * bytes: these only need to be fast. Short runs (most of them) use insertion
 * sort, longer ones quicksort (median of three, recursing on the smaller part);
 * uint64 runs longer than 1024 use an LSD radix sort on 11-bit digits.
 */
#ifndef DEDUP_SORT_H
#define DEDUP_SORT_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define DEDUP_DEFINE_SORT(T, NAME)                                                  \
    static void NAME(T *v, ptrdiff_t n)                                             \
    {                                                                               \
        while (n > 32) {                                                            \
            T a = v[0], b = v[n >> 1], c = v[n - 1], p;                             \
            if (a < b)                                                              \
                p = b < c ? b : (a < c ? c : a);                                    \
            else                                                                    \
                p = a < c ? a : (b < c ? c : b);                                    \
            ptrdiff_t i = -1, j = n;                                                \
            for (;;) {                                                              \
                do i++; while (v[i] < p);                                           \
                do j--; while (p < v[j]);                                           \
                if (i >= j) break;                                                  \
                T t = v[i]; v[i] = v[j]; v[j] = t;                                  \
            }                                                                       \
            /* [0, j] <= p <= [j + 1, n), both parts non-empty */                   \
            ptrdiff_t left = j + 1;                                                 \
            if (left < n - left) {                                                  \
                NAME(v, left);                                                      \
                v += left;                                                          \
                n -= left;                                                          \
            } else {                                                                \
                NAME(v + left, n - left);                                           \
                n = left;                                                           \
            }                                                                       \
        }                                                                           \
        for (ptrdiff_t k = 1; k < n; k++) {                                         \
            T value = v[k];                                                         \
            ptrdiff_t j = k - 1;                                                    \
            while (j >= 0 && v[j] > value) {                                        \
                v[j + 1] = v[j];                                                    \
                j--;                                                                \
            }                                                                       \
            v[j + 1] = value;                                                       \
        }                                                                           \
    }

DEDUP_DEFINE_SORT(int32_t, sort_i32)
DEDUP_DEFINE_SORT(int64_t, sort_i64)
DEDUP_DEFINE_SORT(uint64_t, sort_u64)

/* One stable LSD radix pass on the 11-bit digit at `shift`: keys ks[0:n] to kd and, where
 * os is not NULL, their positions os to od. 0 (nothing moved) when all keys share the digit. */
static int radix_pass(const uint64_t *ks, uint64_t *kd, const int64_t *os, int64_t *od, ptrdiff_t n, int shift)
{
    int64_t count[2048];
    memset(count, 0, sizeof(count));
    for (ptrdiff_t i = 0; i < n; i++)
        count[(ks[i] >> shift) & 2047]++;
    if (n == 0 || count[(ks[0] >> shift) & 2047] == n)
        return 0;
    int64_t total = 0;
    for (int d = 0; d < 2048; d++) {
        int64_t c = count[d];
        count[d] = total;
        total += c;
    }
    for (ptrdiff_t i = 0; i < n; i++) {
        int64_t at = count[(ks[i] >> shift) & 2047]++;
        kd[at] = ks[i];
        if (os)
            od[at] = os[i];
    }
    return 1;
}

/* Sorts run[0:n] in place by LSD radix on 11-bit digits; tmp: scratch of at least n values. */
static void radix_sort_u64(uint64_t *run, uint64_t *tmp, ptrdiff_t n)
{
    uint64_t *src = run, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 11) {
        if (radix_pass(src, dst, NULL, NULL, n, shift)) {
            uint64_t *t = src;
            src = dst;
            dst = t;
        }
    }
    if (src != run)
        memcpy(run, src, (size_t)n * sizeof(uint64_t));
}

/* order[0:n] = the positions of keys[0:n] in stable ascending order (equal keys in
 * position order: np.argsort(keys, kind="stable")), by radix passes carrying each key's
 * position. -1: no memory. */
static int radix_argsort_u64(const uint64_t *keys, int64_t *order, ptrdiff_t n)
{
    uint64_t *k = malloc(2 * (size_t)n * sizeof(uint64_t) + 1);
    int64_t *o = malloc((size_t)n * sizeof(int64_t) + 1);
    if (!k || !o) {
        free(k);
        free(o);
        return -1;
    }
    uint64_t *ks = k, *kd = k + n;
    int64_t *os = order, *od = o;
    memcpy(ks, keys, (size_t)n * sizeof(uint64_t));
    for (ptrdiff_t i = 0; i < n; i++)
        os[i] = i;
    for (int shift = 0; shift < 64; shift += 11) {
        if (radix_pass(ks, kd, os, od, n, shift)) {
            uint64_t *tk = ks; ks = kd; kd = tk;
            int64_t *to = os; os = od; od = to;
        }
    }
    if (os != order)
        memcpy(order, os, (size_t)n * sizeof(int64_t));
    free(k);
    free(o);
    return 0;
}

/* Sorts uint64 run[0:n] in place: a radix sort for long runs (a long paragraph),
 * else sort_u64. */
static void sort_values(uint64_t *run, uint64_t *tmp, ptrdiff_t n)
{
    if (n > 1024)
        radix_sort_u64(run, tmp, n);
    else
        sort_u64(run, n);
}

#endif
