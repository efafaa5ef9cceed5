/* dedup.accel._native: the hot loops in C, compiled when the package is built.
 *
 * Each function mirrors a numpy version (named in its comment) exactly, with the
 * signature the numba kernels had, so dedup/accel/kernels.py hands this module to
 * the stages in their place; the tests compare every one with its numpy twin.
 * Arrays are numpy arrays of the dtypes the stages pass (checked, never
 * converted, so a wrong one is an error, not a silent copy); inputs that are not
 * C-contiguous are copied, outputs must be writable and (1-D) contiguous. Every
 * loop runs with the GIL released: callers run ranges of work in threads
 * (kernels.in_ranges). Hashing is xxHash's reference code (xxhash.h, vendored
 * with its BSD licence, LICENSE-xxhash), the same as the `xxhash` package's.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include "xxhash.h"
#include "sort.h"

/* Runtime-dispatched clones of the widest loops (MinHash): AVX2 where the CPU has
 * it, the baseline elsewhere; the results are the same integers either way. */
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define WIDE_LOOP __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef WIDE_LOOP
#define WIDE_LOOP
#endif

/* ---- arguments --------------------------------------------------------------------- */

enum { T_I32 = 1, T_I64 = 2, T_U8 = 4, T_U32 = 8, T_U64 = 16, T_BOOL = 32 };

typedef struct {
    PyArrayObject *arr; /* a reference we own (a contiguous copy for some inputs) */
    char *data;
    npy_intp n, m;      /* shape[0], and shape[1] for 2-D arrays (else 1) */
    npy_intp s0, s1;    /* strides in bytes */
    int t;              /* T_* */
} Arr;

static int type_of(PyArrayObject *arr)
{
    char kind = PyArray_DESCR(arr)->kind;
    npy_intp size = PyArray_ITEMSIZE(arr);
    if (kind == 'i' && size == 4) return T_I32;
    if (kind == 'i' && size == 8) return T_I64;
    if (kind == 'u' && size == 1) return T_U8;
    if (kind == 'u' && size == 4) return T_U32;
    if (kind == 'u' && size == 8) return T_U64;
    if (kind == 'b' && size == 1) return T_BOOL;
    return 0;
}

/* Fills *a from argument o: a numpy array of one of `types` with `ndim` dimensions;
 * `out`: written to (so used as it is), else read only (copied if not contiguous). */
static int get(PyObject *o, Arr *a, const char *name, int types, int ndim, int out)
{
    if (!PyArray_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s: expected a numpy array, got %.100s", name, Py_TYPE(o)->tp_name);
        return -1;
    }
    PyArrayObject *arr = (PyArrayObject *)o;
    int t = type_of(arr);
    if (!(t & types) || !PyArray_ISNOTSWAPPED(arr)) {
        PyErr_Format(PyExc_TypeError, "%s: unsupported dtype", name);
        return -1;
    }
    if (PyArray_NDIM(arr) != ndim) {
        PyErr_Format(PyExc_ValueError, "%s: expected %d dimension(s), got %d", name, ndim, PyArray_NDIM(arr));
        return -1;
    }
    if (out) {
        if (!PyArray_ISWRITEABLE(arr) || !PyArray_ISALIGNED(arr) || (ndim == 1 && !PyArray_IS_C_CONTIGUOUS(arr))) {
            PyErr_Format(PyExc_ValueError, "%s: must be a writable, aligned%s array", name,
                         ndim == 1 ? ", contiguous" : "");
            return -1;
        }
        Py_INCREF(arr);
    } else {
        arr = (PyArrayObject *)PyArray_FromArray(arr, NULL, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
        if (!arr)
            return -1;
    }
    a->arr = arr;
    a->t = t;
    a->data = PyArray_BYTES(arr);
    a->n = PyArray_DIM(arr, 0);
    a->s0 = PyArray_STRIDE(arr, 0);
    a->m = ndim == 2 ? PyArray_DIM(arr, 1) : 1;
    a->s1 = ndim == 2 ? PyArray_STRIDE(arr, 1) : 0;
    return 0;
}

static void release(Arr *a, int n)
{
    for (int i = 0; i < n; i++)
        Py_XDECREF(a[i].arr);
}

static int get_i64(PyObject *o, int64_t *v, const char *name)
{
    PyObject *i = PyNumber_Index(o);
    if (!i) {
        PyErr_Format(PyExc_TypeError, "%s: expected an integer", name);
        return -1;
    }
    *v = PyLong_AsLongLong(i);
    Py_DECREF(i);
    return (*v == -1 && PyErr_Occurred()) ? -1 : 0;
}

static int get_u64(PyObject *o, uint64_t *v, const char *name)
{
    PyObject *i = PyNumber_Index(o);
    if (!i) {
        PyErr_Format(PyExc_TypeError, "%s: expected an integer", name);
        return -1;
    }
    *v = PyLong_AsUnsignedLongLong(i);
    Py_DECREF(i);
    return (*v == (uint64_t)-1 && PyErr_Occurred()) ? -1 : 0;
}

static int get_f64(PyObject *o, double *v, const char *name)
{
    *v = PyFloat_AsDouble(o);
    if (*v == -1.0 && PyErr_Occurred()) {
        PyErr_Format(PyExc_TypeError, "%s: expected a number", name);
        return -1;
    }
    return 0;
}

static int check_nargs(const char *fn, Py_ssize_t nargs, Py_ssize_t want)
{
    if (nargs == want)
        return 0;
    PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", fn, want, nargs);
    return -1;
}

#define IN(i, name, types, ndim) get(args[i], &a[i], name, types, ndim, 0)
#define OUT(i, name, types, ndim) get(args[i], &a[i], name, types, ndim, 1)
#define D(T, i) ((T *)a[i].data)
#define BEGIN(fn, k)                      \
    Arr a[k];                             \
    memset(a, 0, sizeof(a));              \
    PyObject *ret = NULL;                 \
    if (check_nargs(fn, nargs, k) < 0)    \
        return NULL;
#define FINISH(k)     \
    done:             \
    release(a, k);    \
    return ret;

/* ---- shared pieces ----------------------------------------------------------------- */

/* shingle.fmix64 of one value. */
static inline uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
}

/* verify.is_edge for one pair: |A n B| >= threshold x the smaller size (compared as
 * doubles, as numpy compares an int64 with a float64). */
static inline int is_edge(int64_t inter, int64_t size_a, int64_t size_b, double threshold)
{
    int64_t smaller = size_a < size_b ? size_a : size_b;
    return (double)inter >= threshold * (double)smaller;
}

/* decide.fuller both ways: the set of the pair that must wait for the other (the
 * other is fuller), or -1 if neither is fuller. */
static inline int64_t waiter_of(int64_t si, int64_t sj, int64_t shared, int64_t i, int64_t j, double fuller_min,
                                double fuller_share)
{
    double by_share = fuller_share * (double)(si + sj - shared);
    double margin = by_share > fuller_min ? by_share : fuller_min;  /* max(fuller_min, ...) */
    if ((double)(sj - si) > margin)
        return i;
    if ((double)(si - sj) > margin)
        return j;
    return -1;
}

/* The decision heap: entry i comes before entry j by (rank, node). */
static inline int heap_before(const int64_t *h_rank, const int64_t *h_node, npy_intp i, npy_intp j)
{
    return h_rank[i] < h_rank[j] || (h_rank[i] == h_rank[j] && h_node[i] < h_node[j]);
}

static void heap_sift_down(int64_t *h_rank, int64_t *h_node, npy_intp size, npy_intp pos)
{
    for (;;) {
        npy_intp child = 2 * pos + 1;
        if (child >= size)
            return;
        if (child + 1 < size && heap_before(h_rank, h_node, child + 1, child))
            child++;
        if (!heap_before(h_rank, h_node, child, pos))
            return;
        int64_t r = h_rank[child], x = h_node[child];
        h_rank[child] = h_rank[pos];
        h_node[child] = h_node[pos];
        h_rank[pos] = r;
        h_node[pos] = x;
        pos = child;
    }
}

static npy_intp heap_push(int64_t *h_rank, int64_t *h_node, npy_intp size, int64_t rank, int64_t node)
{
    npy_intp pos = size;
    h_rank[pos] = rank;
    h_node[pos] = node;
    while (pos > 0) {
        npy_intp parent = (pos - 1) / 2;
        if (!heap_before(h_rank, h_node, pos, parent))
            break;
        int64_t r = h_rank[pos], x = h_node[pos];
        h_rank[pos] = h_rank[parent];
        h_node[pos] = h_node[parent];
        h_rank[parent] = r;
        h_node[parent] = x;
        pos = parent;
    }
    return size + 1;
}

/* ---- the tokenizer's pieces over normalized bytes ----------------------------------- */

static inline uint32_t lower(uint32_t c) { return (65 <= c && c <= 90) ? c + 32 : c; }

static inline uint8_t is_alnum(uint32_t low) { return (97 <= low && low <= 122) || (48 <= low && low <= 57); }

typedef struct {      /* normalize.char_table */
    const uint8_t *kind;
    npy_intp n_kind;
    const int64_t *start;
    const uint8_t *data;
} Table;

typedef struct {      /* segment.strip_lookup */
    const uint8_t *table;
    npy_intp n_table;
    const uint32_t *extra;
    npy_intp n_extra;
} Strip;

static inline int64_t run_end(const uint8_t *word, int64_t at, int64_t end)
{
    while (at < end && word[at])
        at++;
    return at;
}

/* Not allowed as a URL's last character: . , ; : ! ? ) ] } ' */
static inline int is_url_end(uint8_t b)
{
    return b == 46 || b == 44 || b == 59 || b == 58 || b == 33 || b == 63 || b == 41 || b == 93 || b == 125 || b == 39;
}

/* End of normalize._TOKEN's URL alternative matched at p in norm[:end] (no spaces
 * there), or -1: a prefix http:// https:// ftp:// www., then the longest run of
 * characters other than < > " that ends in none of . , ; : ! ? ) ] } '. */
static int64_t url_end(const uint8_t *norm, int64_t p, int64_t end)
{
    uint8_t b = norm[p];
    int64_t q = -1;
    if (b == 104 && p + 7 <= end && norm[p + 1] == 116 && norm[p + 2] == 116 && norm[p + 3] == 112) {  /* http */
        if (norm[p + 4] == 58 && norm[p + 5] == 47 && norm[p + 6] == 47)
            q = p + 7;
        else if (p + 8 <= end && norm[p + 4] == 115 && norm[p + 5] == 58 && norm[p + 6] == 47 && norm[p + 7] == 47)
            q = p + 8;
    } else if (b == 102 && p + 6 <= end && norm[p + 1] == 116 && norm[p + 2] == 112 && norm[p + 3] == 58
               && norm[p + 4] == 47 && norm[p + 5] == 47) {
        q = p + 6;
    } else if (b == 119 && p + 4 <= end && norm[p + 1] == 119 && norm[p + 2] == 119 && norm[p + 3] == 46) {
        q = p + 4;
    }
    if (q < 0)
        return -1;
    int64_t r = q;
    while (r < end && norm[r] != 60 && norm[r] != 62 && norm[r] != 34)
        r++;
    while (r > q && is_url_end(norm[r - 1]))
        r--;
    return r > q ? r : -1;
}

static inline int is_local_joiner(uint8_t b) { return b == 46 || b == 43 || b == 45; } /* . + - */

/* End of normalize._TOKEN's e-mail alternative at p in norm[chunk:end], or -1. Its
 * groups are possessive, so each part is the longest run: letters and digits joined
 * by single . + -, `@`, a run, then one or more of (-run)* .run. */
static int64_t email_end(const uint8_t *norm, const uint8_t *word, int64_t chunk, int64_t p, int64_t end)
{
    if (!word[p] || (p > chunk && word[p - 1]))
        return -1;
    if (p - 2 >= chunk && word[p - 2] && is_local_joiner(norm[p - 1]))
        return -1;
    int64_t e = run_end(word, p, end);
    while (e + 1 < end && is_local_joiner(norm[e]) && word[e + 1])
        e = run_end(word, e + 1, end);
    if (e + 1 >= end || norm[e] != 64 || !word[e + 1])
        return -1;
    e = run_end(word, e + 1, end);
    int64_t groups = 0;
    for (;;) {
        int64_t g = e;
        while (g + 1 < end && norm[g] == 45 && word[g + 1])
            g = run_end(word, g + 1, end);
        if (g + 1 < end && norm[g] == 46 && word[g + 1]) {
            e = run_end(word, g + 1, end);
            groups++;
        } else {
            break;
        }
    }
    return groups ? e : -1;
}

static int has_marker(const uint8_t *norm, int64_t chunk, int64_t end)
{
    for (int64_t k = chunk; k < end; k++) {
        uint8_t b = norm[k];
        if (b == 64)
            return 1;
        if (b == 58 && k + 2 < end && norm[k + 1] == 47 && norm[k + 2] == 47)
            return 1;
        if (b == 46 && k - 3 >= chunk && norm[k - 1] == 119 && norm[k - 2] == 119 && norm[k - 3] == 119)
            return 1;
    }
    return 0;
}

/* normalize.token_bytes' rule for normalized text norm[:n], hashed into out from
 * pos: whitespace-delimited chunks with a marker (@, ://, www.) are tokenized by
 * _TOKEN (URL, e-mail, run of letters and digits), other text by runs. Returns the
 * new pos. */
static int64_t marked_span_hashes(const uint8_t *norm, const uint8_t *word, int64_t n, uint64_t *out, int64_t pos)
{
    int64_t chunk = 0;
    while (chunk < n) {
        if (norm[chunk] == 32) {
            chunk++;
            continue;
        }
        int64_t end = chunk;
        while (end < n && norm[end] != 32)
            end++;
        int marked = has_marker(norm, chunk, end);
        int64_t p = chunk;
        while (p < end) {
            if (!word[p] && !marked) {
                p++;
                continue;
            }
            int64_t e = -1;
            if (marked) {
                e = url_end(norm, p, end);
                if (e < 0)
                    e = email_end(norm, word, chunk, p, end);
            }
            if (e < 0) {
                if (!word[p]) {
                    p++;
                    continue;
                }
                e = run_end(word, p, end);
            }
            out[pos++] = XXH3_64bits(norm + p, (size_t)(e - p));
            p = e;
        }
        chunk = end;
    }
    return pos;
}

/* ---- the templated kernels ---------------------------------------------------------- */

#define IDX int32_t
#define SFX _i32
#define SORT_IDX sort_i32
#include "pairs.h"
#undef IDX
#undef SFX
#undef SORT_IDX

#define IDX int64_t
#define SFX _i64
#define SORT_IDX sort_i64
#include "pairs.h"
#undef IDX
#undef SFX
#undef SORT_IDX

#define CODE uint8_t
#define SFX _u8
#include "text.h"
#undef CODE
#undef SFX

#define CODE uint32_t
#define SFX _u32
#include "text.h"
#undef CODE
#undef SFX

/* ---- the other kernels --------------------------------------------------------------- */

/* sketch.signatures: out[s, p] = min over set s of (a[p] * hv + b[p]) mod 2**32. */
WIDE_LOOP static void k_minhash(const uint32_t *hv, const int64_t *offsets, npy_intp n_sets, const uint32_t *a,
                                const uint32_t *b, npy_intp n_perm, uint32_t *out)
{
    for (npy_intp s = 0; s < n_sets; s++) {
        uint32_t *row = out + s * n_perm;
        for (int64_t k = offsets[s]; k < offsets[s + 1]; k++) {
            uint32_t h = hv[k];
            for (npy_intp p = 0; p < n_perm; p++) {
                uint32_t x = a[p] * h + b[p];
                row[p] = x < row[p] ? x : row[p];
            }
        }
    }
}

/* candidates.band_keys of one signature row: fmix64 of each band's rows folded
 * into band + 1 by acc * mul + value (mod 2**64). */
static inline void fold_bands(const uint32_t *row, int64_t bands, int64_t rows, uint64_t mul, uint64_t *out)
{
    for (int64_t band = 0; band < bands; band++) {
        uint64_t acc = (uint64_t)(band + 1);
        for (int64_t col = band * rows; col < (band + 1) * rows; col++)
            acc = acc * mul + (uint64_t)row[col];
        out[band] = fmix64(acc);
    }
}

/* band_keys of sketch.signatures of each set, one set at a time: the signature of
 * the low 32 bits of each value after fmix32, never stored. out: (sets, bands)
 * through its strides; row and keys: scratch of n_perm and bands values. */
WIDE_LOOP static void k_minhash_band_keys(const uint64_t *values, const int64_t *offsets, npy_intp n_sets,
                                          const uint32_t *a, const uint32_t *b, npy_intp n_perm, int64_t bands,
                                          int64_t rows, uint64_t mul, const Arr *out, uint32_t *row, uint64_t *keys)
{
    for (npy_intp s = 0; s < n_sets; s++) {
        for (npy_intp p = 0; p < n_perm; p++)
            row[p] = 0xFFFFFFFFu;
        for (int64_t k = offsets[s]; k < offsets[s + 1]; k++) {
            uint32_t h = (uint32_t)values[k];
            h ^= h >> 16;
            h *= 0x85EBCA6Bu;
            h ^= h >> 13;
            h *= 0xC2B2AE35u;
            h ^= h >> 16;
            for (npy_intp p = 0; p < n_perm; p++) {
                uint32_t x = a[p] * h + b[p];
                row[p] = x < row[p] ? x : row[p];
            }
        }
        fold_bands(row, bands, rows, mul, keys);
        for (int64_t band = 0; band < bands; band++)
            *(uint64_t *)(out->data + s * out->s0 + band * out->s1) = keys[band];
    }
}

/* One round of candidates._repeated: clear keep[i] for kept keys alone in their
 * bucket ((key >> shift) & (bins - 1)) among the kept keys. */
static int k_repeated(const uint64_t *keys, npy_intp n, uint64_t shift, int64_t bins, uint8_t *keep)
{
    uint8_t *seen = calloc(bins > 0 ? bins : 1, 1);
    if (!seen)
        return -1;
    uint64_t mask = (uint64_t)(bins - 1);
    for (npy_intp i = 0; i < n; i++) {
        if (keep[i]) {
            uint64_t b = (keys[i] >> shift) & mask;
            if (seen[b] < 2)
                seen[b]++;
        }
    }
    for (npy_intp i = 0; i < n; i++)
        if (keep[i] && seen[(keys[i] >> shift) & mask] < 2)
            keep[i] = 0;
    free(seen);
    return 0;
}

/* shingle.shingle_hashes: each span's n-token folds (all its tokens when it has
 * fewer), fmix64-ed, sorted and deduplicated into out; sizes[s] of them for span s.
 * Sets *written to how many values were written. */
static int k_shingle_sets(const uint64_t *h, const int64_t *lengths, npy_intp n_spans, int64_t n, uint64_t mul,
                          uint64_t *out, int64_t *sizes, int64_t *written)
{
    int64_t longest = 1;
    for (npy_intp s = 0; s < n_spans; s++)
        longest = lengths[s] > longest ? lengths[s] : longest;
    uint64_t *buf = malloc(longest * sizeof(uint64_t));
    uint64_t *tmp = malloc(longest * sizeof(uint64_t));
    if (!buf || !tmp) {
        free(buf);
        free(tmp);
        return -1;
    }
    int64_t tok = 0, pos = 0;
    for (npy_intp s = 0; s < n_spans; s++) {
        int64_t size = lengths[s];
        int64_t width = size >= n ? n : size;
        int64_t count = size >= n ? size - n + 1 : (size < 1 ? size : 1);
        for (int64_t j = 0; j < count; j++) {
            uint64_t acc = h[tok + j];
            for (int64_t k = 1; k < width; k++)
                acc = acc * mul + h[tok + j + k];
            buf[j] = fmix64(acc ^ (uint64_t)width);
        }
        sort_values(buf, tmp, count > 0 ? count : 0);
        int64_t first = pos;
        for (int64_t j = 0; j < count; j++)
            if (j == 0 || buf[j] != buf[j - 1])
                out[pos++] = buf[j];
        sizes[s] = pos - first;
        tok += size;
    }
    free(buf);
    free(tmp);
    *written = pos;
    return 0;
}

/* ---- wrappers ------------------------------------------------------------------------ */

#define NOGIL(...)              \
    do {                        \
        Py_BEGIN_ALLOW_THREADS  \
        __VA_ARGS__;            \
        Py_END_ALLOW_THREADS    \
    } while (0)

static PyObject *py_minhash(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("minhash", 5)
    if (IN(0, "hv", T_U32, 1) || IN(1, "offsets", T_I64, 1) || IN(2, "a", T_U32, 1) || IN(3, "b", T_U32, 1)
        || OUT(4, "out", T_U32, 2))
        goto done;
    if (!PyArray_IS_C_CONTIGUOUS(a[4].arr) || a[4].m != a[2].n || a[3].n != a[2].n || a[4].n < a[1].n - 1) {
        PyErr_SetString(PyExc_ValueError, "minhash: out must be C-contiguous, (sets, len(a)); b as long as a");
        goto done;
    }
    NOGIL(k_minhash(D(uint32_t, 0), D(int64_t, 1), a[1].n - 1, D(uint32_t, 2), D(uint32_t, 3), a[2].n,
                    D(uint32_t, 4)));
    ret = Py_NewRef(Py_None);
    FINISH(5)
}

static PyObject *py_intersections(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("intersections", 4)
    if (IN(0, "pairs", T_I32 | T_I64, 2) || IN(1, "values", T_U64, 1) || IN(2, "offsets", T_I64, 1)
        || OUT(3, "out", T_I64, 1))
        goto done;
    if (a[3].n < a[0].n) {
        PyErr_SetString(PyExc_ValueError, "intersections: out shorter than pairs");
        goto done;
    }
    if (a[0].t == T_I32)
        NOGIL(k_intersections_i32(&a[0], D(uint64_t, 1), D(int64_t, 2), D(int64_t, 3)));
    else
        NOGIL(k_intersections_i64(&a[0], D(uint64_t, 1), D(int64_t, 2), D(int64_t, 3)));
    ret = Py_NewRef(Py_None);
    FINISH(4)
}

static PyObject *py_count_verified(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("count_verified", 4)
    double threshold;
    int64_t m;
    if (IN(0, "pairs", T_I32 | T_I64, 2) || IN(1, "inter", T_I64, 1) || IN(2, "sizes", T_I64, 1)
        || get_f64(args[3], &threshold, "threshold"))
        goto done;
    if (a[0].t == T_I32)
        NOGIL(m = k_count_verified_i32(&a[0], D(int64_t, 1), D(int64_t, 2), threshold));
    else
        NOGIL(m = k_count_verified_i64(&a[0], D(int64_t, 1), D(int64_t, 2), threshold));
    ret = PyLong_FromLongLong(m);
    FINISH(4)
}

static PyObject *py_is_edge(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t inter, sa, sb;
    double threshold;
    if (check_nargs("is_edge", nargs, 4) || get_i64(args[0], &inter, "inter") || get_i64(args[1], &sa, "size_a")
        || get_i64(args[2], &sb, "size_b") || get_f64(args[3], &threshold, "threshold"))
        return NULL;
    return PyBool_FromLong(is_edge(inter, sa, sb, threshold));
}

static PyObject *py_decide(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("decide", 11)
    double threshold;
    int rc;
    if (IN(0, "sizes", T_I64, 1) || IN(1, "rank", T_I64, 1) || IN(2, "adj_ptr", T_I64, 1)
        || IN(3, "adj_node", T_I32 | T_I64, 1) || IN(4, "adj_k", T_I64, 1) || OUT(5, "waits", T_I64, 1)
        || IN(6, "unl_ptr", T_I64, 1) || IN(7, "unl_node", T_I32 | T_I64, 1) || IN(8, "ready", T_I64, 1)
        || get_f64(args[9], &threshold, "threshold") || OUT(10, "keeper", T_I64, 1))
        goto done;
    if (a[3].t != a[7].t) {
        PyErr_SetString(PyExc_TypeError, "decide: adj_node and unl_node must have one dtype");
        goto done;
    }
    if (a[3].t == T_I32)
        NOGIL(rc = k_decide_i32(D(int64_t, 0), D(int64_t, 1), D(int64_t, 2), D(int32_t, 3), D(int64_t, 4),
                                D(int64_t, 5), D(int64_t, 6), D(int32_t, 7), a[7].n, D(int64_t, 8), a[8].n,
                                threshold, D(int64_t, 10)));
    else
        NOGIL(rc = k_decide_i64(D(int64_t, 0), D(int64_t, 1), D(int64_t, 2), D(int64_t, 3), D(int64_t, 4),
                                D(int64_t, 5), D(int64_t, 6), D(int64_t, 7), a[7].n, D(int64_t, 8), a[8].n,
                                threshold, D(int64_t, 10)));
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    ret = Py_NewRef(Py_None);
    FINISH(11)
}

static PyObject *py_decide_pairs(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("decide_pairs", 8)
    double threshold, fuller_min, fuller_share;
    int rc;
    if (IN(0, "sizes", T_I64, 1) || IN(1, "rank", T_I64, 1) || IN(2, "pairs", T_I32 | T_I64, 2)
        || IN(3, "inter", T_I64, 1) || get_f64(args[4], &threshold, "threshold")
        || get_f64(args[5], &fuller_min, "fuller_min") || get_f64(args[6], &fuller_share, "fuller_share")
        || OUT(7, "keeper", T_I64, 1))
        goto done;
    if (a[1].n < a[0].n || a[7].n < a[0].n || a[3].n < a[2].n) {
        PyErr_SetString(PyExc_ValueError, "decide_pairs: rank and keeper as long as sizes, inter as pairs");
        goto done;
    }
    if (a[2].t == T_I32)
        NOGIL(rc = k_decide_pairs_i32(a[0].n, D(int64_t, 0), D(int64_t, 1), &a[2], D(int64_t, 3), threshold,
                                      fuller_min, fuller_share, D(int64_t, 7)));
    else
        NOGIL(rc = k_decide_pairs_i64(a[0].n, D(int64_t, 0), D(int64_t, 1), &a[2], D(int64_t, 3), threshold,
                                      fuller_min, fuller_share, D(int64_t, 7)));
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    ret = Py_NewRef(Py_None);
    FINISH(8)
}

static PyObject *py_anchors(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("anchors", 6)
    uint64_t rate, salt;
    int64_t m;
    if (IN(0, "values", T_U64, 1) || IN(1, "offsets", T_I64, 1) || get_u64(args[2], &rate, "rate")
        || get_u64(args[3], &salt, "salt") || OUT(4, "out_values", T_U64, 1) || OUT(5, "out_owner", T_I32 | T_I64, 1))
        goto done;
    if (a[1].n < 1) {
        PyErr_SetString(PyExc_ValueError, "anchors: offsets is empty");
        goto done;
    }
    if (a[5].t == T_I32)
        NOGIL(m = k_anchors_i32(D(uint64_t, 0), D(int64_t, 1), a[1].n - 1, rate, salt, D(uint64_t, 4),
                                D(int32_t, 5)));
    else
        NOGIL(m = k_anchors_i64(D(uint64_t, 0), D(int64_t, 1), a[1].n - 1, rate, salt, D(uint64_t, 4),
                                D(int64_t, 5)));
    ret = PyLong_FromLongLong(m);
    FINISH(6)
}

static PyObject *py_band_keys(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("band_keys", 5)
    int64_t bands, rows;
    uint64_t mul;
    if (IN(0, "sig", T_U32, 2) || get_i64(args[1], &bands, "bands") || get_i64(args[2], &rows, "rows")
        || get_u64(args[3], &mul, "mul") || OUT(4, "out", T_U64, 2))
        goto done;
    if (a[4].n < a[0].n || a[4].m < bands || bands * rows > a[0].m) {
        PyErr_SetString(PyExc_ValueError, "band_keys: out must be (sets, bands), bands * rows <= sig's columns");
        goto done;
    }
    {
        uint64_t *keys = malloc((bands > 0 ? bands : 1) * sizeof(uint64_t));
        if (!keys) {
            PyErr_NoMemory();
            goto done;
        }
        const Arr *sig = &a[0], *out = &a[4];
        NOGIL(for (npy_intp s = 0; s < sig->n; s++) {
            fold_bands((const uint32_t *)(sig->data + s * sig->s0), bands, rows, mul, keys);
            for (int64_t band = 0; band < bands; band++)
                *(uint64_t *)(out->data + s * out->s0 + band * out->s1) = keys[band];
        });
        free(keys);
    }
    ret = Py_NewRef(Py_None);
    FINISH(5)
}

static PyObject *py_minhash_band_keys(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("minhash_band_keys", 8)
    int64_t bands, rows;
    uint64_t mul;
    if (IN(0, "values", T_U64, 1) || IN(1, "offsets", T_I64, 1) || IN(2, "a", T_U32, 1) || IN(3, "b", T_U32, 1)
        || get_i64(args[4], &bands, "bands") || get_i64(args[5], &rows, "rows") || get_u64(args[6], &mul, "mul")
        || OUT(7, "out", T_U64, 2))
        goto done;
    if (a[1].n < 1 || a[7].n < a[1].n - 1 || a[7].m < bands || bands * rows > a[2].n || a[3].n != a[2].n) {
        PyErr_SetString(PyExc_ValueError, "minhash_band_keys: out must be (sets, bands), bands * rows <= len(a)");
        goto done;
    }
    {
        uint32_t *row = malloc((a[2].n ? a[2].n : 1) * sizeof(uint32_t));
        uint64_t *keys = malloc((bands > 0 ? bands : 1) * sizeof(uint64_t));
        if (!row || !keys) {
            free(row);
            free(keys);
            PyErr_NoMemory();
            goto done;
        }
        NOGIL(k_minhash_band_keys(D(uint64_t, 0), D(int64_t, 1), a[1].n - 1, D(uint32_t, 2), D(uint32_t, 3), a[2].n,
                                  bands, rows, mul, &a[7], row, keys));
        free(row);
        free(keys);
    }
    ret = Py_NewRef(Py_None);
    FINISH(8)
}

static PyObject *py_distinct_pairs(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("distinct_pairs", 5)
    int64_t n, total = 0;
    int rc;
    if (IN(0, "pairs", T_I32 | T_I64, 2) || get_i64(args[1], &n, "n") || OUT(2, "rights", T_I32 | T_I64, 1)
        || OUT(3, "counts", T_I32, 1) || OUT(4, "per_left", T_I64, 1))
        goto done;
    if (a[2].t != a[0].t || a[2].n < a[0].n || a[3].n < a[0].n || a[4].n < n || n < 0) {
        PyErr_SetString(PyExc_ValueError, "distinct_pairs: rights of pairs' dtype, as long as pairs as counts; per_left of n");
        goto done;
    }
    if (a[0].t == T_I32)
        NOGIL(rc = k_distinct_pairs_i32(&a[0], n, D(int32_t, 2), D(int32_t, 3), D(int64_t, 4), &total));
    else
        NOGIL(rc = k_distinct_pairs_i64(&a[0], n, D(int64_t, 2), D(int32_t, 3), D(int64_t, 4), &total));
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    ret = PyLong_FromLongLong(total);
    FINISH(5)
}

static PyObject *py_member_index(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("member_index", 8)
    int64_t max_bucket;
    int rc;
    if (IN(0, "members", T_I32 | T_I64, 1) || IN(1, "starts", T_I64, 1) || IN(2, "sizes", T_I64, 1)
        || get_i64(args[3], &max_bucket, "max_bucket") || OUT(4, "occ_ptr", T_I64, 1) || OUT(5, "occ", T_I64, 1)
        || OUT(6, "occ_end", T_I64, 1) || OUT(7, "work", T_I64, 1))
        goto done;
    if (a[2].n < a[1].n || a[7].n < a[4].n) {
        PyErr_SetString(PyExc_ValueError, "member_index: sizes as long as starts, work as occ_ptr");
        goto done;
    }
    if (a[0].t == T_I32)
        NOGIL(rc = k_member_index_i32(D(int32_t, 0), D(int64_t, 1), D(int64_t, 2), a[1].n, max_bucket, D(int64_t, 4),
                                      a[4].n, D(int64_t, 5), D(int64_t, 6), D(int64_t, 7)));
    else
        NOGIL(rc = k_member_index_i64(D(int64_t, 0), D(int64_t, 1), D(int64_t, 2), a[1].n, max_bucket, D(int64_t, 4),
                                      a[4].n, D(int64_t, 5), D(int64_t, 6), D(int64_t, 7)));
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    ret = Py_NewRef(Py_None);
    FINISH(8)
}

static PyObject *py_partners(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("partners", 12)
    int64_t anchor_from, lo, hi, res[3] = {0, 0, 0};
    double half_c, need_cap;
    int rc;
    if (IN(0, "members", T_I32 | T_I64, 1) || get_i64(args[1], &anchor_from, "anchor_from")
        || IN(2, "occ_ptr", T_I64, 1) || IN(3, "occ", T_I64, 1) || IN(4, "occ_end", T_I64, 1)
        || IN(5, "n_anchors", T_I64, 1) || get_f64(args[6], &half_c, "half_c") || get_f64(args[7], &need_cap, "need_cap")
        || get_i64(args[8], &lo, "lo") || get_i64(args[9], &hi, "hi") || OUT(10, "mark", T_I32 | T_I64, 2)
        || OUT(11, "out", T_I32 | T_I64, 1))
        goto done;
    if (a[10].t != a[0].t || a[11].t != a[0].t || a[10].m < 2 || lo < 0 || hi < lo || hi > a[2].n - 1) {
        PyErr_SetString(PyExc_ValueError, "partners: mark (sets, 2) and out of members' dtype; lo <= hi < len(occ_ptr)");
        goto done;
    }
    if (a[0].t == T_I32)
        NOGIL(rc = k_partners_i32(D(int32_t, 0), anchor_from, D(int64_t, 2), D(int64_t, 3), D(int64_t, 4),
                                  D(int64_t, 5), half_c, need_cap, lo, hi, &a[10], D(int32_t, 11), res));
    else
        NOGIL(rc = k_partners_i64(D(int64_t, 0), anchor_from, D(int64_t, 2), D(int64_t, 3), D(int64_t, 4),
                                  D(int64_t, 5), half_c, need_cap, lo, hi, &a[10], D(int64_t, 11), res));
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    ret = Py_BuildValue("(LLL)", (long long)res[0], (long long)res[1], (long long)res[2]);
    FINISH(11)
}

static PyObject *py_repeated(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("repeated", 4)
    uint64_t shift;
    int64_t bins;
    int rc;
    if (IN(0, "keys", T_U64, 1) || get_u64(args[1], &shift, "shift") || get_i64(args[2], &bins, "bins")
        || OUT(3, "keep", T_BOOL, 1))
        goto done;
    if (a[3].n < a[0].n || bins < 1 || (bins & (bins - 1)) || shift >= 64) {
        PyErr_SetString(PyExc_ValueError, "repeated: keep as long as keys, bins a power of two, shift < 64");
        goto done;
    }
    NOGIL(rc = k_repeated(D(uint64_t, 0), a[0].n, shift, bins, D(uint8_t, 3)));
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    ret = Py_NewRef(Py_None);
    FINISH(4)
}

static PyObject *py_stable_order(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("stable_order", 2)
    int rc;
    if (IN(0, "keys", T_U64, 1) || OUT(1, "order", T_I64, 1))
        goto done;
    if (a[1].n != a[0].n) {
        PyErr_SetString(PyExc_ValueError, "stable_order: order as long as keys");
        goto done;
    }
    NOGIL(rc = radix_argsort_u64(D(uint64_t, 0), D(int64_t, 1), a[0].n));
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    ret = Py_NewRef(Py_None);
    FINISH(2)
}

static PyObject *py_sort_u64(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("sort_u64", 1)
    uint64_t *tmp;
    if (OUT(0, "values", T_U64, 1))
        goto done;
    tmp = malloc((size_t)a[0].n * sizeof(uint64_t) + 1);
    if (!tmp) {
        PyErr_NoMemory();
        goto done;
    }
    NOGIL(sort_values(D(uint64_t, 0), tmp, a[0].n));
    free(tmp);
    ret = Py_NewRef(Py_None);
    FINISH(1)
}

static PyObject *py_group_pairs(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("group_pairs", 6)
    int64_t max_bucket, m;
    if (IN(0, "items", T_I64, 1) || IN(1, "starts", T_I64, 1) || IN(2, "sizes", T_I64, 1)
        || get_i64(args[3], &max_bucket, "max_bucket") || OUT(4, "left", T_I32 | T_I64, 1)
        || OUT(5, "right", T_I32 | T_I64, 1))
        goto done;
    if (a[4].t != a[5].t || a[2].n < a[1].n) {
        PyErr_SetString(PyExc_ValueError, "group_pairs: left and right of one dtype; sizes as long as starts");
        goto done;
    }
    if (a[4].t == T_I32)
        NOGIL(m = k_group_pairs_i32(D(int64_t, 0), D(int64_t, 1), D(int64_t, 2), a[1].n, max_bucket, D(int32_t, 4),
                                    D(int32_t, 5)));
    else
        NOGIL(m = k_group_pairs_i64(D(int64_t, 0), D(int64_t, 1), D(int64_t, 2), a[1].n, max_bucket, D(int64_t, 4),
                                    D(int64_t, 5)));
    ret = PyLong_FromLongLong(m);
    FINISH(6)
}

static PyObject *xxh3_with(Arr *a, int64_t o, int64_t n)
{
    if (o < 0 || n < 0 || o + n > a[0].n || a[1].n < XXH3_SECRET_SIZE_MIN) {
        PyErr_SetString(PyExc_ValueError, "xxh3: bytes out of range, or a secret shorter than 136 bytes");
        return NULL;
    }
    uint64_t h;
    NOGIL(h = XXH3_64bits_withSecret(a[0].data + o, (size_t)n, a[1].data, (size_t)a[1].n));
    return PyLong_FromUnsignedLongLong(h);
}

static PyObject *py_xxh3_64(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("xxh3_64", 3)
    int64_t n;
    if (IN(0, "buf", T_U8, 1) || get_i64(args[1], &n, "n") || get(args[2], &a[1], "secret", T_U8, 1, 0))
        goto done;
    ret = xxh3_with(a, 0, n);
    FINISH(3)
}

static PyObject *py_xxh3_at(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("_xxh3_at", 4)
    int64_t o, n;
    if (IN(0, "buf", T_U8, 1) || get_i64(args[1], &o, "o") || get_i64(args[2], &n, "n")
        || get(args[3], &a[1], "secret", T_U8, 1, 0))
        goto done;
    ret = xxh3_with(a, o, n);
    FINISH(4)
}

static int get_table(PyObject *const *args, Arr *a, int at, Table *t)
{
    if (get(args[at], &a[at], "kind", T_U8, 1, 0) || get(args[at + 1], &a[at + 1], "start", T_I64, 1, 0)
        || get(args[at + 2], &a[at + 2], "data", T_U8, 1, 0))
        return -1;
    if (a[at + 1].n != a[at].n + 1) {
        PyErr_SetString(PyExc_ValueError, "char table: start must be one longer than kind");
        return -1;
    }
    t->kind = (const uint8_t *)a[at].data;
    t->n_kind = a[at].n;
    t->start = (const int64_t *)a[at + 1].data;
    t->data = (const uint8_t *)a[at + 2].data;
    return 0;
}

static PyObject *py_span_token_hashes(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("span_token_hashes", 8)
    Table t;
    int64_t written = 0;
    int rc;
    if (IN(0, "codes", T_U8 | T_U32, 1) || IN(1, "starts", T_I64, 1) || IN(2, "ends", T_I64, 1)
        || get_table(args, a, 3, &t) || OUT(6, "out", T_U64, 1) || OUT(7, "counts", T_I64, 1))
        goto done;
    if (a[2].n < a[1].n || a[7].n < a[1].n) {
        PyErr_SetString(PyExc_ValueError, "span_token_hashes: ends and counts as long as starts");
        goto done;
    }
    if (a[0].t == T_U8)
        NOGIL(rc = k_span_token_hashes_u8(D(uint8_t, 0), D(int64_t, 1), D(int64_t, 2), a[1].n, &t, D(uint64_t, 6),
                                          D(int64_t, 7), &written));
    else
        NOGIL(rc = k_span_token_hashes_u32(D(uint32_t, 0), D(int64_t, 1), D(int64_t, 2), a[1].n, &t, D(uint64_t, 6),
                                           D(int64_t, 7), &written));
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    ret = PyLong_FromLongLong(written);
    FINISH(8)
}

static PyObject *py_segment_spans(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("segment_spans", 7)
    int64_t mode, wrap, k = 0;
    PyArrayObject *counts = NULL, *starts_out = NULL, *ends_out = NULL;
    int64_t *starts = NULL, *ends = NULL;
    if (IN(0, "codes", T_U8 | T_U32, 1) || IN(1, "base", T_I64, 1) || IN(2, "sizes", T_I64, 1)
        || IN(3, "table", T_BOOL, 1) || IN(4, "extra", T_U32, 1) || get_i64(args[5], &mode, "mode")
        || get_i64(args[6], &wrap, "wrap"))
        goto done;
    if (a[2].n < a[1].n) {
        PyErr_SetString(PyExc_ValueError, "segment_spans: sizes as long as base");
        goto done;
    }
    {
        npy_intp n_texts = a[1].n, room = a[0].n / 2 + 1;
        /* Spans hold a character each and a line break lies between two: at most half. */
        counts = (PyArrayObject *)PyArray_ZEROS(1, &n_texts, NPY_INT64, 0);
        starts = malloc(room * sizeof(int64_t));
        ends = malloc(room * sizeof(int64_t));
        if (!counts || !starts || !ends) {
            if (counts)
                PyErr_NoMemory();
            goto fail;
        }
        Strip st = {D(uint8_t, 3), a[3].n, D(uint32_t, 4), a[4].n};
        int64_t *c = (int64_t *)PyArray_DATA(counts);
        if (a[0].t == T_U8)
            NOGIL(k = k_segment_spans_u8(D(uint8_t, 0), D(int64_t, 1), D(int64_t, 2), n_texts, &st, mode, wrap, c,
                                         starts, ends));
        else
            NOGIL(k = k_segment_spans_u32(D(uint32_t, 0), D(int64_t, 1), D(int64_t, 2), n_texts, &st, mode, wrap, c,
                                          starts, ends));
        npy_intp nk = (npy_intp)k;
        starts_out = (PyArrayObject *)PyArray_SimpleNew(1, &nk, NPY_INT64);
        ends_out = (PyArrayObject *)PyArray_SimpleNew(1, &nk, NPY_INT64);
        if (!starts_out || !ends_out)
            goto fail;
        memcpy(PyArray_DATA(starts_out), starts, k * sizeof(int64_t));
        memcpy(PyArray_DATA(ends_out), ends, k * sizeof(int64_t));
        ret = PyTuple_Pack(3, (PyObject *)counts, (PyObject *)starts_out, (PyObject *)ends_out);
    }
fail:
    free(starts);
    free(ends);
    Py_XDECREF(counts);
    Py_XDECREF(starts_out);
    Py_XDECREF(ends_out);
    FINISH(7)
}

static PyObject *py_shingle_sets(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("shingle_sets", 6)
    int64_t n, written = 0;
    uint64_t mul;
    int rc;
    if (IN(0, "h", T_U64, 1) || IN(1, "lengths", T_I64, 1) || get_i64(args[2], &n, "n")
        || get_u64(args[3], &mul, "mul") || OUT(4, "out", T_U64, 1) || OUT(5, "sizes", T_I64, 1))
        goto done;
    if (a[5].n < a[1].n || n < 1) {
        PyErr_SetString(PyExc_ValueError, "shingle_sets: sizes as long as lengths, n >= 1");
        goto done;
    }
    NOGIL(rc = k_shingle_sets(D(uint64_t, 0), D(int64_t, 1), a[1].n, n, mul, D(uint64_t, 4), D(int64_t, 5),
                              &written));
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    ret = PyLong_FromLongLong(written);
    FINISH(6)
}

static PyObject *py_set_keys(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("set_keys", 4)
    uint64_t empty;
    if (IN(0, "buf", T_U8, 1) || IN(1, "offsets", T_I64, 1) || get_u64(args[2], &empty, "empty")
        || OUT(3, "out", T_U64, 1))
        goto done;
    if (a[1].n < 1 || a[3].n < a[1].n - 1) {
        PyErr_SetString(PyExc_ValueError, "set_keys: out as long as offsets less one");
        goto done;
    }
    {
        const char *buf = a[0].data;
        const int64_t *offsets = D(int64_t, 1);
        uint64_t *out = D(uint64_t, 3);
        npy_intp sets = a[1].n - 1;
        NOGIL(for (npy_intp i = 0; i < sets; i++) {
            int64_t n = (offsets[i + 1] - offsets[i]) * 8;
            out[i] = n ? XXH3_64bits(buf + offsets[i] * 8, (size_t)n) : empty;
        });
    }
    ret = Py_NewRef(Py_None);
    FINISH(4)
}

static PyObject *py_gather_token_hashes(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN("gather_token_hashes", 5)
    if (IN(0, "fast", T_U64, 1) || IN(1, "slow", T_U64, 1) || IN(2, "n_tokens", T_I64, 1)
        || IN(3, "is_slow", T_BOOL, 1) || OUT(4, "h", T_U64, 1))
        goto done;
    if (a[3].n < a[2].n) {
        PyErr_SetString(PyExc_ValueError, "gather_token_hashes: is_slow as long as n_tokens");
        goto done;
    }
    {
        const uint64_t *fast = D(uint64_t, 0), *slow = D(uint64_t, 1);
        const int64_t *n_tokens = D(int64_t, 2);
        const uint8_t *is_slow = D(uint8_t, 3);
        uint64_t *h = D(uint64_t, 4);
        npy_intp spans = a[2].n;
        NOGIL({
            int64_t fa = 0, sb = 0, c = 0;
            for (npy_intp i = 0; i < spans; i++) {
                int64_t n = n_tokens[i];
                if (is_slow[i]) {
                    memcpy(h + c, slow + sb, n * sizeof(uint64_t));
                    sb += n;
                } else {
                    memcpy(h + c, fast + fa, n * sizeof(uint64_t));
                    fa += n;
                }
                c += n;
            }
        });
    }
    ret = Py_NewRef(Py_None);
    FINISH(5)
}

#define FAST(name, fn, doc) {name, (PyCFunction)(void (*)(void))fn, METH_FASTCALL, doc}

static PyMethodDef methods[] = {
    FAST("minhash", py_minhash, "minhash(hv, offsets, a, b, out): sketch.signatures."),
    FAST("intersections", py_intersections, "intersections(pairs, values, offsets, out): verify.intersections."),
    FAST("count_verified", py_count_verified, "count_verified(pairs, inter, sizes, threshold): verify.count_verified."),
    FAST("is_edge", py_is_edge, "is_edge(inter, size_a, size_b, threshold): verify.is_edge for one pair."),
    FAST("decide", py_decide, "decide(sizes, rank, adj_ptr, adj_node, adj_k, waits, unl_ptr, unl_node, ready, "
                              "threshold, keeper): decide.decide's loop over a laid-out graph."),
    FAST("decide_pairs", py_decide_pairs,
         "decide_pairs(sizes, rank, pairs, inter, threshold, fuller_min, fuller_share, keeper): decide.decide."),
    FAST("anchors", py_anchors, "anchors(values, offsets, rate, salt, out_values, out_owner) -> count: "
                                "candidates.anchor_mask's anchors with their sets."),
    FAST("band_keys", py_band_keys, "band_keys(sig, bands, rows, mul, out): candidates.band_keys."),
    FAST("minhash_band_keys", py_minhash_band_keys,
         "minhash_band_keys(values, offsets, a, b, bands, rows, mul, out): band_keys of sketch.signatures."),
    FAST("distinct_pairs", py_distinct_pairs,
         "distinct_pairs(pairs, n, rights, counts, per_left) -> count: candidates._distinct."),
    FAST("member_index", py_member_index, "member_index(members, starts, sizes, max_bucket, occ_ptr, occ, occ_end, "
                                          "work): for candidates._union, where each item is a member."),
    FAST("partners", py_partners, "partners(members, anchor_from, occ_ptr, occ, occ_end, n_anchors, half_c, need_cap, lo, hi, "
                                  "mark, out) -> (rows, lsh, anchors): candidates._union for items lo..hi-1."),
    FAST("repeated", py_repeated, "repeated(keys, shift, bins, keep): one round of candidates._repeated."),
    FAST("group_pairs", py_group_pairs,
         "group_pairs(items, starts, sizes, max_bucket, left, right) -> count: candidates.group_pairs."),
    FAST("stable_order", py_stable_order, "stable_order(keys, order): arrays.stable_order of uint64 keys (radix)."),
    FAST("sort_u64", py_sort_u64, "sort_u64(values): values.sort() in place (radix for long arrays)."),
    FAST("xxh3_64", py_xxh3_64, "xxh3_64(buf, n, secret): xxh3-64 of buf[:n] with that secret, seed 0."),
    FAST("_xxh3_at", py_xxh3_at, "_xxh3_at(buf, o, n, secret): xxh3-64 of buf[o:o + n] with that secret, seed 0."),
    FAST("span_token_hashes", py_span_token_hashes,
         "span_token_hashes(codes, starts, ends, kind, start, data, out, counts) -> count: "
         "normalize.token_bytes + shingle.byte_token_hashes of spans (counts -1: left to Python)."),
    FAST("segment_spans", py_segment_spans,
         "segment_spans(codes, base, sizes, table, extra, mode, wrap) -> (counts, starts, ends): segment.segment_many."),
    FAST("shingle_sets", py_shingle_sets,
         "shingle_sets(h, lengths, n, mul, out, sizes) -> count: shingle.shingle_hashes."),
    FAST("set_keys", py_set_keys, "set_keys(buf, offsets, empty, out): units.set_keys (xxh3-64 of each set's bytes)."),
    FAST("gather_token_hashes", py_gather_token_hashes,
         "gather_token_hashes(fast, slow, n_tokens, is_slow, h): mapping.token_hashes' assembly."),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_native",
    .m_doc = "dedup's hot loops in C (see dedup/accel/kernels.py); each mirrors a numpy version exactly.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__native(void)
{
    import_array();
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    npy_intp size = XXH_SECRET_DEFAULT_SIZE;
    PyObject *secret = PyArray_SimpleNew(1, &size, NPY_UINT8);
    if (!secret) {
        Py_DECREF(m);
        return NULL;
    }
    memcpy(PyArray_DATA((PyArrayObject *)secret), XXH3_kSecret, XXH_SECRET_DEFAULT_SIZE);
    if (PyModule_AddObject(m, "_SECRET", secret) < 0) {  /* xxh3's default secret, as the numba module had it */
        Py_DECREF(secret);
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddStringConstant(m, "XXHASH_VERSION", "0.8.2");
    return m;
}
