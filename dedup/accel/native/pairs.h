/* The kernels over pairs and group members, for one integer type of set indices:
 * included by _native.c once with IDX int32_t (SFX _i32) and once with int64_t
 * (SFX _i64); callers keep millions of pairs as int32 when they fit. Each mirrors
 * the numpy version its wrapper in _native.c names. Pairs are (k, 2) arrays
 * addressed through their strides (PAIR). Nothing here touches Python objects:
 * the wrappers run these with the GIL released. They return 0, or -1 when out of
 * memory. */

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SFX)
#define PAIR(p, k, c) (*(const IDX *)((p)->data + (k) * (p)->s0 + (c) * (p)->s1))

/* verify.intersections: |A n B| of sorted distinct sets, by merging. */
static void FN(k_intersections)(const Arr *pairs, const uint64_t *values, const int64_t *offsets, int64_t *out)
{
    for (npy_intp k = 0; k < pairs->n; k++) {
        int64_t i = PAIR(pairs, k, 0), j = PAIR(pairs, k, 1);
        int64_t a = offsets[i], a_end = offsets[i + 1];
        int64_t b = offsets[j], b_end = offsets[j + 1];
        int64_t shared = 0;
        while (a < a_end && b < b_end) {
            uint64_t x = values[a], y = values[b];
            if (x == y) {
                shared++;
                a++;
                b++;
            } else if (x < y) {
                a++;
            } else {
                b++;
            }
        }
        out[k] = shared;
    }
}

/* verify.count_verified: pairs whose intersection covers `threshold` of the smaller set. */
static int64_t FN(k_count_verified)(const Arr *pairs, const int64_t *inter, const int64_t *sizes, double threshold)
{
    int64_t m = 0;
    for (npy_intp e = 0; e < pairs->n; e++)
        m += is_edge(inter[e], sizes[PAIR(pairs, e, 0)], sizes[PAIR(pairs, e, 1)], threshold);
    return m;
}

/* decide.decide's loop: sets are popped by (rank, index) once no fuller neighbour
 * is undecided, and dropped against the kept neighbour with the largest
 * (containment, Jaccard, -rank), or kept. */
static int FN(k_decide)(const int64_t *sizes, const int64_t *rank, const int64_t *adj_ptr, const IDX *adj_node,
                        const int64_t *adj_k, int64_t *waits, const int64_t *unl_ptr, const IDX *unl_node,
                        npy_intp n_unl, const int64_t *ready, npy_intp n_ready, double threshold, int64_t *keeper)
{
    npy_intp n = n_ready + n_unl;
    int64_t *h_rank = malloc((n ? n : 1) * sizeof(int64_t));
    int64_t *h_node = malloc((n ? n : 1) * sizeof(int64_t));
    if (!h_rank || !h_node) {
        free(h_rank);
        free(h_node);
        return -1;
    }
    npy_intp size = 0;
    for (npy_intp k = 0; k < n_ready; k++)
        size = heap_push(h_rank, h_node, size, rank[ready[k]], ready[k]);
    while (size > 0) {
        int64_t x = h_node[0];
        size--;
        h_rank[0] = h_rank[size];
        h_node[0] = h_node[size];
        heap_sift_down(h_rank, h_node, size, 0);
        int64_t best = -1, best_r = 0;
        double best_c = 0.0, best_j = 0.0;
        for (int64_t e = adj_ptr[x]; e < adj_ptr[x + 1]; e++) {
            int64_t y = adj_node[e];
            int64_t k = adj_k[e];
            if (keeper[y] != -1 || (double)k < threshold * (double)sizes[x])
                continue;
            double c = (double)k / (double)sizes[x];  /* 0 / 0 is nan, as in numpy */
            double jac = (double)k / (double)(sizes[x] + sizes[y] - k);
            int64_t r = -rank[y];
            if (best == -1 || c > best_c || (c == best_c && (jac > best_j || (jac == best_j && r > best_r)))) {
                best = y;
                best_c = c;
                best_j = jac;
                best_r = r;
            }
        }
        keeper[x] = best;
        for (int64_t e = unl_ptr[x]; e < unl_ptr[x + 1]; e++) {
            int64_t z = unl_node[e];
            waits[z]--;
            if (waits[z] == 0)
                size = heap_push(h_rank, h_node, size, rank[z], z);
        }
    }
    free(h_rank);
    free(h_node);
    return 0;
}

/* decide.decide: keeps only verified pairs, lays their graph out as flat arrays
 * (each set's neighbours in pair order; the sets each one's decision unlocks,
 * those it is fuller than) in two passes, and runs k_decide on it. */
static int FN(k_decide_pairs)(npy_intp n, const int64_t *sizes, const int64_t *rank, const Arr *pairs,
                              const int64_t *inter, double threshold, double fuller_min, double fuller_share,
                              int64_t *keeper)
{
    int rc = -1;
    int64_t *adj_ptr = calloc(n + 1, sizeof(int64_t));
    int64_t *unl_ptr = calloc(n + 1, sizeof(int64_t));
    int64_t *waits = calloc(n ? n : 1, sizeof(int64_t));
    int64_t *adj_fill = malloc((n ? n : 1) * sizeof(int64_t));
    int64_t *unl_fill = malloc((n ? n : 1) * sizeof(int64_t));
    IDX *adj_node = NULL, *unl_node = NULL;
    int64_t *adj_k = NULL, *ready = NULL;
    if (!adj_ptr || !unl_ptr || !waits || !adj_fill || !unl_fill)
        goto done;
    for (npy_intp k = 0; k < pairs->n; k++) {
        int64_t i = PAIR(pairs, k, 0), j = PAIR(pairs, k, 1);
        if (is_edge(inter[k], sizes[i], sizes[j], threshold)) {
            adj_ptr[i + 1]++;
            adj_ptr[j + 1]++;
            int64_t waiter = waiter_of(sizes[i], sizes[j], inter[k], i, j, fuller_min, fuller_share);
            if (waiter >= 0) {
                waits[waiter]++;
                unl_ptr[i + j - waiter + 1]++;
            }
        }
    }
    for (npy_intp x = 0; x < n; x++) {
        adj_ptr[x + 1] += adj_ptr[x];
        unl_ptr[x + 1] += unl_ptr[x];
    }
    adj_node = malloc((adj_ptr[n] ? adj_ptr[n] : 1) * sizeof(IDX));
    adj_k = malloc((adj_ptr[n] ? adj_ptr[n] : 1) * sizeof(int64_t));
    unl_node = malloc((unl_ptr[n] ? unl_ptr[n] : 1) * sizeof(IDX));
    if (!adj_node || !adj_k || !unl_node)
        goto done;
    memcpy(adj_fill, adj_ptr, n * sizeof(int64_t));
    memcpy(unl_fill, unl_ptr, n * sizeof(int64_t));
    for (npy_intp k = 0; k < pairs->n; k++) {
        int64_t i = PAIR(pairs, k, 0), j = PAIR(pairs, k, 1);
        if (is_edge(inter[k], sizes[i], sizes[j], threshold)) {
            adj_node[adj_fill[i]] = (IDX)j;
            adj_k[adj_fill[i]] = inter[k];
            adj_fill[i]++;
            adj_node[adj_fill[j]] = (IDX)i;
            adj_k[adj_fill[j]] = inter[k];
            adj_fill[j]++;
            int64_t waiter = waiter_of(sizes[i], sizes[j], inter[k], i, j, fuller_min, fuller_share);
            if (waiter >= 0) {  /* unlock order is free: the heap pops by (rank, node) */
                int64_t waited = i + j - waiter;
                unl_node[unl_fill[waited]] = (IDX)waiter;
                unl_fill[waited]++;
            }
        }
    }
    npy_intp ready_count = 0;
    for (npy_intp x = 0; x < n; x++) {
        if (adj_ptr[x + 1] > adj_ptr[x]) {
            keeper[x] = -2;  /* undecided */
            ready_count += waits[x] == 0;
        }
    }
    ready = malloc((ready_count ? ready_count : 1) * sizeof(int64_t));
    if (!ready)
        goto done;
    ready_count = 0;
    for (npy_intp x = 0; x < n; x++)
        if (adj_ptr[x + 1] > adj_ptr[x] && waits[x] == 0)
            ready[ready_count++] = x;
    rc = FN(k_decide)(sizes, rank, adj_ptr, adj_node, adj_k, waits, unl_ptr, unl_node, unl_ptr[n], ready,
                      ready_count, threshold, keeper);
done:
    free(adj_ptr);
    free(unl_ptr);
    free(waits);
    free(adj_fill);
    free(unl_fill);
    free(adj_node);
    free(adj_k);
    free(unl_node);
    free(ready);
    return rc;
}

/* candidates._distinct: sorts the (left, right) rows of pairs and merges equal
 * ones; after it, left x has per_left[x] distinct rights, listed in rights[:total]
 * in order, each with its multiplicity in counts. Sets *total; -1 when out of memory. */
static int FN(k_distinct_pairs)(const Arr *pairs, npy_intp n, IDX *rights, int32_t *counts, int64_t *per_left,
                                int64_t *total)
{
    int64_t *start = calloc(n + 1, sizeof(int64_t));
    int64_t *fill = malloc((n ? n : 1) * sizeof(int64_t));
    if (!start || !fill) {
        free(start);
        free(fill);
        return -1;
    }
    for (npy_intp e = 0; e < pairs->n; e++)
        start[PAIR(pairs, e, 0) + 1]++;
    for (npy_intp x = 0; x < n; x++)
        start[x + 1] += start[x];
    memcpy(fill, start, n * sizeof(int64_t));
    for (npy_intp e = 0; e < pairs->n; e++) {
        int64_t x = PAIR(pairs, e, 0);
        rights[fill[x]++] = PAIR(pairs, e, 1);
    }
    int64_t m = 0;
    for (npy_intp x = 0; x < n; x++) {
        SORT_IDX(rights + start[x], start[x + 1] - start[x]);
        int64_t first = m;
        for (int64_t k = start[x]; k < start[x + 1]; k++) {  /* compact in place: m <= k always */
            if (m > first && rights[k] == rights[m - 1]) {
                counts[m - 1]++;
            } else {
                rights[m] = rights[k];
                counts[m] = 1;
                m++;
            }
        }
        per_left[x] = m - first;
    }
    free(start);
    free(fill);
    *total = m;
    return 0;
}

/* For candidates._union: see the wrapper, member_index. */
static int FN(k_member_index)(const IDX *members, const int64_t *starts, const int64_t *sizes, npy_intp n_groups,
                              int64_t max_bucket, int64_t *occ_ptr, npy_intp n_ptr, int64_t *occ, int64_t *occ_end,
                              int64_t *work)
{
    for (npy_intp g = 0; g < n_groups; g++) {
        int64_t s = starts[g], size = sizes[g];
        for (int64_t p = s; p < s + size - 1; p++) {  /* the last member has no later ones */
            if (size <= max_bucket || p == s) {
                int64_t x = members[p];
                occ_ptr[x + 1]++;
                work[x + 1] += s + size - p - 1;
            }
        }
    }
    for (npy_intp x = 0; x < n_ptr - 1; x++) {
        occ_ptr[x + 1] += occ_ptr[x];
        work[x + 1] += work[x];
    }
    int64_t *fill = malloc((n_ptr ? n_ptr : 1) * sizeof(int64_t));
    if (!fill)
        return -1;
    if (n_ptr > 1)
        memcpy(fill, occ_ptr, (n_ptr - 1) * sizeof(int64_t));
    for (npy_intp g = 0; g < n_groups; g++) {
        int64_t s = starts[g], size = sizes[g];
        for (int64_t p = s; p < s + size - 1; p++) {
            if (size <= max_bucket || p == s) {
                int64_t x = members[p];
                occ[fill[x]] = p;
                occ_end[fill[x]] = s + size;
                fill[x]++;
            }
        }
    }
    free(fill);
    return 0;
}

/* candidates._union for items lo..hi-1: see the wrapper, partners. mark: (sets, 2)
 * through its strides. Sets res[0..2] = (rows, LSH pairs, anchor pairs). */
static int FN(k_partners)(const IDX *members, int64_t anchor_from, const int64_t *occ_ptr, const int64_t *occ,
                          const int64_t *occ_end, const int64_t *n_anchors, double half_c, double need_cap, int64_t lo, int64_t hi,
                          Arr *mark, IDX *out, int64_t res[3])
{
#define MARK(y, c) (*(IDX *)(mark->data + (y) * mark->s0 + (c) * mark->s1))
    npy_intp cap = 16;
    IDX *met = malloc(cap * sizeof(IDX));
    if (!met)
        return -1;
    int64_t m = 0, n_lsh = 0, n_anc = 0;
    for (int64_t x = lo; x < hi; x++) {
        npy_intp t = 0;
        for (int64_t o = occ_ptr[x]; o < occ_ptr[x + 1]; o++) {
            int64_t p = occ[o];
            int step = p >= anchor_from ? 2 : 0;
            for (int64_t q = p + 1; q < occ_end[o]; q++) {
                int64_t y = members[q];
                if (MARK(y, 0) != x) {
                    MARK(y, 0) = (IDX)x;
                    MARK(y, 1) = 0;
                    if (t + 1 > cap) {
                        npy_intp bigger = 2 * cap;
                        IDX *grown = realloc(met, bigger * sizeof(IDX));
                        if (!grown) {
                            free(met);
                            return -1;
                        }
                        met = grown;
                        cap = bigger;
                    }
                    met[t++] = (IDX)y;
                }
                if (step)
                    MARK(y, 1) += 2;
                else
                    MARK(y, 1) |= 1;
            }
        }
        npy_intp kept = 0;
        for (npy_intp k = 0; k < t; k++) {
            int64_t y = met[k];
            int64_t by_lsh = MARK(y, 1) & 1;
            int64_t shared = MARK(y, 1) >> 1;
            int by_anchors = 0;
            if (shared > 0) {
                int64_t fewer = n_anchors[x] < n_anchors[y] ? n_anchors[x] : n_anchors[y];
                double need = ceil(half_c * (double)fewer);
                need = need < need_cap ? need : need_cap;
                by_anchors = (double)shared >= (need > 1.0 ? need : 1.0);
            }
            n_lsh += by_lsh;
            n_anc += by_anchors;
            if (by_lsh || by_anchors)
                met[kept++] = (IDX)y;
        }
        SORT_IDX(met, kept);
        for (npy_intp k = 0; k < kept; k++) {
            out[2 * m] = (IDX)x;
            out[2 * m + 1] = met[k];
            m++;
        }
    }
#undef MARK
    free(met);
    res[0] = m;
    res[1] = n_lsh;
    res[2] = n_anc;
    return 0;
}

/* candidates.group_pairs after sorting: see the wrapper, group_pairs. */
static int64_t FN(k_group_pairs)(const int64_t *items, const int64_t *starts, const int64_t *sizes, npy_intp n_groups,
                                 int64_t max_bucket, IDX *left, IDX *right)
{
    int64_t m = 0;
    for (npy_intp g = 0; g < n_groups; g++) {
        int64_t s = starts[g], size = sizes[g];
        if (size > max_bucket) {
            for (int64_t k = s + 1; k < s + size; k++) {
                int64_t a = items[s], b = items[k];
                left[m] = (IDX)(a < b ? a : b);
                right[m] = (IDX)(a < b ? b : a);
                m++;
            }
        } else {
            for (int64_t i = s; i < s + size; i++) {
                for (int64_t k = i + 1; k < s + size; k++) {
                    int64_t a = items[i], b = items[k];
                    left[m] = (IDX)(a < b ? a : b);
                    right[m] = (IDX)(a < b ? b : a);
                    m++;
                }
            }
        }
    }
    return m;
}

/* candidates.anchor_mask's anchors of each set, in order, with the set they are in
 * (out_owner): values v with fmix64(v ^ salt) % rate == 0. Returns how many. */
static int64_t FN(k_anchors)(const uint64_t *values, const int64_t *offsets, npy_intp n_sets, uint64_t rate,
                             uint64_t salt, uint64_t *out_values, IDX *out_owner)
{
    int64_t m = 0;
    uint64_t low = rate - 1;
    int power_of_two = (rate & low) == 0;  /* then h % rate is h & low, without a division */
    for (npy_intp s = 0; s < n_sets; s++) {
        for (int64_t k = offsets[s]; k < offsets[s + 1]; k++) {
            uint64_t v = values[k];
            uint64_t h = fmix64(v ^ salt);
            if (power_of_two ? (h & low) == 0 : h % rate == 0) {
                out_values[m] = v;
                out_owner[m] = (IDX)s;
                m++;
            }
        }
    }
    return m;
}

#undef PAIR
#undef FN
#undef CAT
#undef CAT_
