/* The kernels over texts as code points, for one code type: included by _native.c
 * once with CODE uint8_t (SFX _u8: ASCII texts, one byte a character) and once
 * with uint32_t (SFX _u32: UTF-32). Nothing here touches Python objects. */

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SFX)

/* Bytes of normal_form(codes[lo:hi]), or -1 if a character is neither ASCII nor in the table. */
static int64_t FN(normal_length)(const CODE *codes, int64_t lo, int64_t hi, const Table *t)
{
    int64_t n = 0;
    for (int64_t i = lo; i < hi; i++) {
        uint32_t c = codes[i];
        if (c < 128)
            n += 1;
        else if (c < t->n_kind && t->kind[c] != 0)
            n += t->start[c + 1] - t->start[c];
        else
            return -1;
    }
    return n;
}

/* normalize() of codes[lo:hi], a span of ASCII (lower-cased, ` as ') and characters
 * of normalize.char_table (see normal_length), as UTF-8 bytes into norm, runs of
 * whitespace left uncollapsed (tokens never hold any); word[k]: byte k is part of
 * a letter or digit. */
static void FN(normal_form)(const CODE *codes, int64_t lo, int64_t hi, const Table *t, uint8_t *norm, uint8_t *word)
{
    int64_t n = 0;
    for (int64_t i = lo; i < hi; i++) {
        uint32_t c = codes[i];
        if (c < 128) {
            if (c == 32 || (9 <= c && c <= 13) || (28 <= c && c <= 31)) {  /* str.isspace() in ASCII */
                norm[n] = 32;
                word[n] = 0;
            } else {
                uint32_t low = c == 96 ? 39 : lower(c);  /* normalize() unifies quotes: ` becomes ' */
                norm[n] = (uint8_t)low;
                word[n] = is_alnum(low);
            }
            n++;
        } else if (c < t->n_kind && t->kind[c] != 0) {
            uint8_t letter = t->kind[c] == 2;  /* a LETTER's normal form is all letters, a SEPARATOR's has none */
            for (int64_t k = t->start[c]; k < t->start[c + 1]; k++) {
                norm[n] = t->data[k];
                word[n] = letter;
                n++;
            }
        }
    }
}

/* normalize.token_bytes + shingle.byte_token_hashes for spans of ASCII and
 * characters of normalize.char_table; see the wrapper, span_token_hashes. Sets
 * *written to how many hashes were written; -1 when out of memory. */
static int FN(k_span_token_hashes)(const CODE *codes, const int64_t *starts, const int64_t *ends, npy_intp n_spans,
                                   const Table *t, uint64_t *out, int64_t *counts, int64_t *written)
{
    uint8_t token[128];
    uint8_t *norm = NULL, *word = NULL;
    int64_t cap = 0;
    int64_t pos = 0;
    for (npy_intp s = 0; s < n_spans; s++) {
        int64_t begin = pos, length = 0;
        int plain = 1, buffered = 0;
        int64_t lo = starts[s], hi = ends[s];
        for (int64_t i = lo; i <= hi; i++) {
            uint32_t c = i < hi ? codes[i] : 32;
            if (c < 128) {
                uint32_t low = lower(c);
                if (is_alnum(low)) {
                    if (length == 128) {  /* a long token: hashed from the buffer below */
                        plain = 0;
                        buffered = 1;
                        break;
                    }
                    token[length++] = (uint8_t)low;
                    continue;
                }
                if (c == 64 || (c == 58 && i + 2 < hi && codes[i + 1] == 47 && codes[i + 2] == 47)
                    || (c == 46 && i - 3 >= lo && lower(codes[i - 1]) == 119 && lower(codes[i - 2]) == 119
                        && lower(codes[i - 3]) == 119)) {
                    plain = 0;
                    buffered = 1;
                    break;
                }
            } else if (c < t->n_kind && t->kind[c] == 2) {  /* LETTER */
                int64_t n = t->start[c + 1] - t->start[c];
                if (length + n > 128) {
                    plain = 0;
                    buffered = 1;
                    break;
                }
                memcpy(token + length, t->data + t->start[c], n);
                length += n;
                continue;
            } else if (!(c < t->n_kind && t->kind[c] == 1)) {  /* not a SEPARATOR */
                plain = 0;
                break;
            }
            if (length) {  /* a separator ends the token */
                out[pos++] = XXH3_64bits(token, (size_t)length);
                length = 0;
            }
        }
        if (plain) {
            counts[s] = pos - begin;
            continue;
        }
        pos = begin;
        counts[s] = -1;
        if (buffered) {
            int64_t need = FN(normal_length)(codes, lo, hi, t);
            if (need >= 0) {
                if (need > cap) {
                    int64_t bigger = need > 2 * cap ? need : 2 * cap;
                    uint8_t *n2 = realloc(norm, bigger), *w2;
                    if (!n2)
                        goto oom;
                    norm = n2;
                    w2 = realloc(word, bigger);
                    if (!w2)
                        goto oom;
                    word = w2;
                    cap = bigger;
                }
                FN(normal_form)(codes, lo, hi, t, norm, word);
                pos = marked_span_hashes(norm, word, need, out, begin);
                counts[s] = pos - begin;
            }
        }
    }
    free(norm);
    free(word);
    *written = pos;
    return 0;
oom:
    free(norm);
    free(word);
    return -1;
}

/* c is in segment._STRIP: looked up in table below its size, else among extra. */
static inline int FN(strips)(uint32_t c, const Strip *st)
{
    if (c < st->n_table)
        return st->table[c] != 0;
    for (npy_intp k = 0; k < st->n_extra; k++)
        if (c == st->extra[k])
            return 1;
    return 0;
}

/* segment.segment_many; see the wrapper, segment_spans. counts: one per text;
 * starts and ends: room for codes // 2 + 1 spans. Returns how many spans. */
static int64_t FN(k_segment_spans)(const CODE *codes, const int64_t *base, const int64_t *sizes, npy_intp n_texts,
                                   const Strip *st, int64_t mode, int64_t wrap, int64_t *counts, int64_t *starts,
                                   int64_t *ends)
{
    int64_t k = 0;
#define EMIT(s_, e_)                  \
    do {                              \
        counts[t]++;                  \
        starts[k] = (s_) - lo;        \
        ends[k] = (e_) - lo;          \
        k++;                          \
    } while (0)
    for (npy_intp t = 0; t < n_texts; t++) {
        counts[t] = 0;
        int64_t lo = base[t], hi = base[t] + sizes[t];
        int is_open = 0;
        int64_t p_start = 0, p_end = 0;
        int64_t at = lo;
        for (;;) {  /* the line [at, stop), then its \n if stop < hi */
            int64_t first = at;  /* its first character that is not in _STRIP, if any */
            while (first < hi && codes[first] != 10 && FN(strips)(codes[first], st))
                first++;
            int64_t stop = first;
            while (stop < hi && codes[stop] != 10)
                stop++;
            int64_t last = stop - 1;
            while (last > first && FN(strips)(codes[last], st))
                last--;
            if (first == stop) {  /* blank */
                if (is_open) {
                    EMIT(p_start, p_end);
                    is_open = 0;
                }
            } else if (mode == 0) {
                EMIT(first, last + 1);
            } else {
                /* A line's length leaves out the CR before its line break (the last line has none). */
                int64_t length = stop - at - ((stop < hi && codes[stop - 1] == 13) ? 1 : 0);
                if (mode != 1 && length > wrap) {  /* a long line on its own */
                    if (is_open) {
                        EMIT(p_start, p_end);
                        is_open = 0;
                    }
                    EMIT(first, last + 1);
                } else {
                    if (!is_open) {
                        is_open = 1;
                        p_start = first;
                    }
                    p_end = last + 1;
                }
            }
            if (stop >= hi)
                break;
            at = stop + 1;
        }
        if (is_open)
            EMIT(p_start, p_end);
    }
#undef EMIT
    return k;
}

#undef FN
#undef CAT
#undef CAT_
