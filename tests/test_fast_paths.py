"""The fast paths give exactly what the plain definitions give.

segment_many against a line-by-line reference, token_bytes against tokens(),
shingle_hashes against a pure-Python shingle set, and every compiled kernel
(the C extension dedup.accel._native) against its numpy twin, on random and on
awkward inputs. The extension is built with the package: where it is missing
these tests fail rather than skip.
"""

from __future__ import annotations

import importlib
import re
import string
import subprocess
import sys

import numpy as np
import pytest
import xxhash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.stages import candidates, decide, mapping, shingle, sketch, verify
from dedup.accel import kernels
from dedup.config import Config
from dedup.stages.normalize import token_bytes, tokens
from dedup.stages.segment import STRIP, WHITESPACE, WRAP_WIDTH, segment, segment_many

_M64 = (1 << 64) - 1
_EDGE = "\ufeff\u200b\u200c\u200d\u2060"


def reference_segment(text: str, mode: str) -> list[tuple[int, int]]:
    """segment() written the plain way: one line at a time."""
    lines, pos = [], 0
    for raw in text.split("\n"):
        end = pos + len(raw)
        cut = end - 1 if raw.endswith("\r") and end < len(text) else end
        lines.append((pos, cut, all(c.isspace() or c in _EDGE for c in text[pos:cut])))
        pos = end + 1
    blocks, current = [], []
    for s, e, blank in lines:
        if blank:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append((s, e))
    if current:
        blocks.append(current)
    spans = []
    for block in blocks:
        if mode == "line":
            pieces = block
        elif mode == "paragraph":
            pieces = [(block[0][0], block[-1][1])]
        else:  # a long line alone, runs of short lines together
            pieces = []
            for s, e in block:
                if e - s > WRAP_WIDTH or not pieces or pieces[-1][2]:
                    pieces.append([s, e, e - s > WRAP_WIDTH])
                else:
                    pieces[-1][1] = e
            pieces = [(s, e) for s, e, _ in pieces]
        for s, e in pieces:
            while s < e and (text[s].isspace() or text[s] in _EDGE):
                s += 1
            while e > s and (text[e - 1].isspace() or text[e - 1] in _EDGE):
                e -= 1
            spans.append((s, e))
    return spans


def test_whitespace_constant_is_every_space_character():
    every = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
    assert sorted(WHITESPACE) == sorted(every)
    assert all(re.fullmatch(r"\s", c) for c in every)


_PIECES = ["word", "Word ", " ", "\n", "\r\n", "\t", "\u00a0", "\ufeff", "\u200b", "x" * (WRAP_WIDTH + 1), "\u2028", "\x1c", "\x85"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join), max_size=4), st.sampled_from(["auto", "paragraph", "line"]))
def test_segment_many_equals_reference(texts, mode):
    counts, starts, ends = segment_many(texts, mode)
    assert counts.tolist() == [len(reference_segment(t, mode)) for t in texts]
    flat = [span for t in texts for span in reference_segment(t, mode)]
    assert list(zip(starts.tolist(), ends.tolist())) == flat
    for t in texts:
        assert segment(t, mode) == reference_segment(t, mode)


# Pieces that exercise every branch of token_bytes: markers, URL and e-mail edges,
# NFKC changes (full-width letters, a diaeresis that decomposes to a space), scripts
# without spaces, case folding (ß, İ), glued sentences.
_TOKEN_PIECES = [
    "a", "B", "z9", " ", "\n", ".", "@", "://", "www.", "WWW.", "http", "https://", "ftp://", "-", "+", "_",
    "<", '"', "'", "`", "\u2019", "\u201c", "é", "É", "ß", "ﬁ", "Ａ", "＠", "：", "／", "\u00a8", "\u00a0",
    "\u200b", "\ufeff", "中", "文", "ก", "한", "\u3000", "\x1c", ")", ",", "!", "1", "x.y", "a.b@c.d", "İ", "ǅ",
    "\u0301", "٣", "²", "ⓐ", "Ankara.Erdogan", "see https://example.com/a-b.", "mail me@x.org,", "\udc00",
    "a-b-c", "x.y+z@q-r.s.t", "-@", "@.",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_TOKEN_PIECES), max_size=14).map("".join))
def test_token_bytes_equals_tokens(text):
    assert token_bytes(text) == [t.encode("utf-8", "surrogatepass") for t in tokens(text)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable + "é中\u00a0\u2019@", max_size=60))
def test_token_bytes_equals_tokens_on_any_text(text):
    assert token_bytes(text) == [t.encode("utf-8", "surrogatepass") for t in tokens(text)]


def reference_shingles(words: list[str], n: int) -> list[int]:
    """A span's sorted shingle set, one shingle at a time in Python integers."""
    h = [xxhash.xxh3_64_intdigest(w.encode()) for w in words]

    def fmix64(x: int) -> int:
        x ^= x >> 33
        x = (x * 0xFF51AFD7ED558CCD) & _M64
        x ^= x >> 33
        x = (x * 0xC4CEB9FE1A85EC53) & _M64
        return x ^ (x >> 33)

    def fold(part: list[int]) -> int:
        acc = part[0]
        for v in part[1:]:
            acc = (acc * 0x9E3779B97F4A7C15 + v) & _M64
        return fmix64(acc ^ len(part))

    if not h:
        return []
    if len(h) < n:
        return [fold(h)]
    return sorted({fold(h[i : i + n]) for i in range(len(h) - n + 1)})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=40), max_size=8), st.integers(1, 6))
def test_shingle_sets_equal_reference(spans, n):
    values, offsets = shingle.shingle_sets(spans, n)
    for i, words in enumerate(spans):
        assert values[offsets[i] : offsets[i + 1]].tolist() == reference_shingles(words, n)


# Compiled kernels against their numpy twins.


@pytest.fixture
def both_paths(monkeypatch):
    """Call fn() with the compiled kernels, then with numpy only; return both results."""
    kernels.load()

    def run(fn):
        monkeypatch.setenv("DEDUP_NUMBA_MIN_WORK", "0")
        monkeypatch.setenv("DEDUP_NUMBA", "1")
        assert kernels.compiled(0) is not None
        fast = fn()
        monkeypatch.setenv("DEDUP_NUMBA", "0")
        assert kernels.compiled(10**9) is None
        return fast, fn()

    return run


def random_sets(seed: int, n: int = 300, universe: int = 400):
    """Sorted distinct sets over a small universe, so they overlap a lot; a few empty."""
    rng = np.random.default_rng(seed)
    sets = [np.unique(rng.integers(0, universe, rng.integers(0, 60))) for _ in range(n)]
    values = np.concatenate(sets).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return shingle._sorted_sets(values, np.array([len(s) for s in sets]))


@pytest.mark.parametrize("seed", [1, 2])
def test_compiled_shingle_sets_equal_numpy(both_paths, seed):
    # Span lengths around each sort the kernel picks (insertion, quicksort, radix past
    # 1024 shingles), tokens from a small vocabulary so shingles repeat within a span,
    # and hashes spread over all 64 bits (every radix digit matters).
    rng = np.random.default_rng(seed)
    lengths = np.array([0, 1, 2, 3, 4, 5, 31, 33, 36, 900, 1024, 1027, 1028, 1029, 5000, 40_000, 7], dtype=np.int64)
    vocab = rng.integers(0, 2**63, 300, dtype=np.int64).astype(np.uint64) * np.uint64(3)
    h = vocab[rng.integers(0, len(vocab), int(lengths.sum()))]
    fast, slow = both_paths(lambda: shingle.shingle_hashes(h, lengths, 4))
    assert np.array_equal(fast[1], slow[1]) and np.array_equal(fast[0], slow[0])
    assert (np.diff(fast[1]) > 1024).any()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_signatures_and_band_keys(both_paths, seed):
    values, offsets = random_sets(seed)
    perms = sketch.permutations(128, seed)
    (sig_f, keys_f), (sig_n, keys_n) = both_paths(
        lambda: (sketch.signatures(values, offsets, perms), candidates.set_band_keys(values, offsets, perms, 32, 4))
    )
    assert np.array_equal(sig_f, sig_n)
    assert np.array_equal(keys_f, keys_n)
    assert np.array_equal(keys_n, candidates.band_keys(sig_n, 32, 4))


def test_compiled_signatures_match_datasketch(both_paths):
    from datasketch import MinHash

    values, offsets = random_sets(4, n=20)
    sig, _ = both_paths(lambda: sketch.signatures(values, offsets, sketch.permutations(64, 7)))
    for i in range(20):
        m = MinHash(num_perm=64, seed=7, hashfunc=lambda v: v)
        for v in sketch.minhash_input(values[offsets[i] : offsets[i + 1]]).tolist():
            m.update(v)
        assert sig[i].tolist() == m.hashvalues.tolist()


@pytest.mark.parametrize("seed", [5, 6])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # empty sets: 0 / 0 in the numpy path
def test_compiled_candidates_intersections_and_decisions(both_paths, seed):
    values, offsets = random_sets(seed, n=400, universe=120)
    sizes = np.diff(offsets)
    keys = candidates.set_band_keys(values, offsets, sketch.permutations(128, 1), 32, 4)
    rank = np.random.default_rng(seed).permutation(len(sizes))

    def pipeline():
        lsh = candidates.lsh_pairs(None, 32, 4, 5, keys=keys)
        anchors = candidates.anchor_pairs(values, offsets, 2, 0.7, 5)
        pairs = candidates._distinct(np.concatenate((lsh[0], anchors[0])), len(sizes))[0]
        inter = verify.intersections(pairs, values, offsets)
        return lsh, anchors, pairs, inter, decide.decide(sizes, rank, pairs, inter, 0.7), verify.count_verified(pairs, inter, sizes, 0.7)

    fast, slow = both_paths(pipeline)
    for a, b in zip(fast, slow):
        if isinstance(a, tuple):
            assert np.array_equal(a[0], b[0]) and a[1] == b[1]
        else:
            assert np.array_equal(a, b)
    assert 0 < slow[5] < len(slow[2]), "some candidates are verified edges, some not"
    assert slow[5] == sum(k >= 0.7 * min(sizes[i], sizes[j]) for (i, j), k in zip(slow[2].tolist(), slow[3].tolist()))
    assert slow[1][1] > 0, "some buckets overflow max_bucket, so star pairing is exercised"
    assert (slow[4] >= 0).any(), "some sets are dropped, so the decision loop is exercised"
    brute = [len(set(values[offsets[i] : offsets[i + 1]]) & set(values[offsets[j] : offsets[j + 1]])) for i, j in slow[2]]
    assert slow[3].tolist() == brute


@pytest.mark.parametrize("threads,rate", [(1, 2), (3, 3)])
def test_compiled_propose_matches_numpy(both_paths, monkeypatch, threads, rate):
    """propose's compiled path (each set gathers its partners from its groups) gives
    the numpy path's pairs and counts: LSH and anchors merged, anchor counts checked."""
    values, offsets = random_sets(7, n=400, universe=120)
    keys = candidates.set_band_keys(values, offsets, sketch.permutations(128, 1), 32, 4)
    monkeypatch.setattr(candidates, "THREADED_ANCHORS", 50)  # anchors grouped in parts as well

    def run():
        p = candidates.propose(
            None, values, offsets, bands=32, rows=4, anchor_rate=rate, containment=0.7, max_bucket=5, keys=keys,
            threads=threads,
        )
        return p.pairs.tolist(), p.lsh, p.anchors, p.oversized

    fast, slow = both_paths(run)
    assert fast == slow
    pairs, lsh, anchors, oversized = slow
    assert list(map(tuple, pairs)) == sorted(set(map(tuple, pairs))) and all(i < j for i, j in pairs)
    assert oversized > 0 and 0 < lsh < len(pairs) and 0 < anchors < len(pairs), "each source alone finds some pairs"


def test_distinct_counts_multiplicity(both_paths):
    pairs = np.array([[3, 4], [0, 1], [3, 4], [0, 2], [3, 4], [0, 1]], dtype=np.int64)
    fast, slow = both_paths(lambda: candidates._distinct(pairs, 5))
    for got in (fast, slow):
        assert got[0].tolist() == [[0, 1], [0, 2], [3, 4]]
        assert got[1].tolist() == [2, 1, 3]


_SPAN_PIECES = [
    "word", "Word", "UP", "42", " ", "\n", "\n\n", "\t", ".", ":", "/", "w", "W", "www.", "WwW.", "@", "://",
    "é", "É", "ß", "ẞ", "İ", "ǅ", "Σ", "\u2019", "\u201c", "\u00a0", "\u2026", "½", "\u0301", "ʷ", "ﬁ", "Ａ",
    "中", "ก", "\u1100", "\u1161", "x" * 130, "é" * 70, "-", "'", "`", "\u200b", "\ufeff", "²", "\u3000",
    "\udc00", "a.b@c.d", "http://", "HTTPS://x.y/", "ftp://", "x.y+z@q-r.s.t", "-@", "@.", ".)", "<", '"', "_",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(_SPAN_PIECES), max_size=30).map("".join), min_size=1, max_size=4))
def test_compiled_tokenizer_equals_token_bytes(both_paths, texts):
    """The compiled tokenizer (ASCII plus normalize.char_table) hashes the same tokens."""
    stages = mapping
    fast, slow = both_paths(lambda: stages.token_hashes(texts, Config()))
    for a, b in zip(fast, slow):
        assert np.array_equal(a, b)


def test_compiled_xxh3_equals_xxhash():
    """The compiled tokenizer's xxh3 gives xxhash's value for every length up to three
    1024-byte blocks (short, 129-240 and long inputs take different code)."""
    compiled = kernels.load()
    rng = np.random.default_rng(11)
    for n in range(1, 3 * 1024 + 70):
        for _ in range(20 if n <= 256 else 2):
            data = rng.integers(0, 256, n, dtype=np.uint8)
            assert compiled.xxh3_64(data, n, compiled._SECRET) == xxhash.xxh3_64_intdigest(data.tobytes())
            at = int(rng.integers(0, 9))  # the tokenizer hashes tokens in place, at any offset
            padded = np.concatenate((rng.integers(0, 256, at, dtype=np.uint8), data, np.ones(3, np.uint8)))
            assert compiled._xxh3_at(padded, at, n, compiled._SECRET) == xxhash.xxh3_64_intdigest(data.tobytes())


# URL and e-mail spans in the compiled tokenizer: texts dense in what _TOKEN's URL
# and e-mail rules look at, in ASCII and in table characters (whose normal forms
# can be a space, a quote, a dash or letters), and a few characters outside the table.
_MARKED_ALPHABET = list("@.+-_:/wW<>\"'`()]}!?,;09aAbexyzhHtTpPfFsS \n\t") + [
    "é", "É", "ß", "ẞ", "\u2019", "\u201c", "\u2014", "\u2013", "\u00a0", "\u200b", "\u2060", "\x1c", "\x85",
    "ﬁ", "ǅ", "\u2024", "\u2026", "\u203c", "\u207a", "\u00ad", "\u2033", "ʷ",  # table or not: see char_table
    "中", "\u0301", "\U0001f600", "\ufeff", "Ａ",  # outside the table
]
_MARKED_PIECES = _MARKED_ALPHABET + [
    "http", "http://", "https://", "HTTP://", "ftp://", "www.", "WwW.", "://", "a.b@c.d", "x.y+z@q-r.s.t", "-@", "@.",
    "a-b-c", "é@é.é", "http://é.x/’", "x" * 60,
]


def _compiled_span(text: str):
    """(counts, hashes) of the compiled tokenizer over text as one span."""
    compiled = kernels.load()
    from dedup.stages.normalize import char_table

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    out = np.empty(len(codes) // 2 + 1, dtype=np.uint64)
    counts = np.empty(1, dtype=np.int64)
    n = compiled.span_token_hashes(codes, np.array([0]), np.array([len(codes)]), *char_table(), out, counts)
    return int(counts[0]), out[:n]


def _in_table(text: str) -> bool:
    from dedup.stages.normalize import SLOW, TABLE_LIMIT, char_table

    kind = char_table()[0]
    return all(ord(c) < 128 or (ord(c) < TABLE_LIMIT and kind[ord(c)] != SLOW) for c in text)


@settings(
    max_examples=15 * settings.default.max_examples, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(_MARKED_PIECES), max_size=40).map("".join))
def test_compiled_tokenizer_takes_marked_spans(text):
    """Spans of ASCII and table characters, markers or not, are tokenized by the
    compiled loop with token_bytes' hashes; spans with other characters are left
    to token_bytes (counts -1)."""
    count, hashes = _compiled_span(text)
    if not _in_table(text):
        assert count == -1
        return
    assert count == len(hashes)
    assert hashes.tolist() == shingle.byte_token_hashes(token_bytes(text)).tolist()


def test_compiled_tokenizer_every_table_character_in_urls_and_addresses(both_paths):
    """Each table character inside, before and after URLs and e-mail addresses
    (where a quote ends a URL, a space ends a chunk, a letter extends an address)."""
    from dedup.stages.normalize import SLOW, char_table

    kind = char_table()[0]
    table = [chr(c) for c in range(128, len(kind)) if kind[c] != SLOW]
    contexts = [
        "see http://a{c}b/c{c}. now", "www.x{c}y.z{c}", "a{c}b@c.d", "mail a@b{c}c.d{c}e", "x.y@z.w{c}",
        "{c}a.b@c.de{c}", "ftp://q/{c}", "http://{c}", "a{c}www.b.c", "u{c}://v", "é{c}@x.y",
    ]
    texts = ["\n\n".join(ctx.replace("{c}", c) for ctx in contexts) for c in table]
    assert all(_in_table(t) for t in texts)
    stages = mapping
    fast, slow = both_paths(lambda: stages.token_hashes(texts, Config()))
    for a, b in zip(fast, slow):
        assert np.array_equal(a, b)
    assert min(_compiled_span(t.replace("\n\n", " "))[0] for t in texts) >= 0, "all on the compiled path"


# Compiled segmentation (segment_spans, used by _token_hashes) against segment_many.
# Lines of 99 to 102 characters, with and without a CR before the break or at a
# text's end, straddle WRAP_WIDTH; every character of STRIP can make a line blank
# or be trimmed; non-ASCII pieces (a lone surrogate too) take the uint32 path.
_ASCII_SEGMENT_PIECES = [
    "\n", "\n", "\r", "\r\n", "\r\n", " ", "\t", "a", "Word", "x" * (WRAP_WIDTH - 1), "x" * WRAP_WIDTH,
    "x" * (WRAP_WIDTH + 1), "x" * WRAP_WIDTH + "\r", "x" * (WRAP_WIDTH + 1) + "\r\n", *"\x0b\x0c\x1c\x1d\x1e\x1f",
]
_SEGMENT_PIECES = _ASCII_SEGMENT_PIECES + [*STRIP, "é", "中", "\udc00", "é" * (WRAP_WIDTH + 1), "é" * WRAP_WIDTH + "\r"]
_SEGMENT_TEXTS = st.sampled_from([_ASCII_SEGMENT_PIECES, _SEGMENT_PIECES]).flatmap(
    lambda pieces: st.lists(st.lists(st.sampled_from(pieces), max_size=25).map("".join), max_size=5)
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_SEGMENT_TEXTS, st.sampled_from(["auto", "paragraph", "line"]))
def test_compiled_segmentation_equals_segment_many(both_paths, texts, mode):
    """_token_hashes compiled segments as segment_many does (and so as the numpy path)."""
    stages = mapping
    fast, slow = both_paths(lambda: stages.token_hashes(texts, Config(segment=mode)))
    for got, want in zip(fast[:3], segment_many(texts, mode)):
        assert got.tolist() == want.tolist()
    for a, b in zip(fast, slow):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("mode", ["auto", "paragraph", "line"])
@pytest.mark.parametrize("other", ["b", "é"])  # ASCII texts (uint8 codes) or not (uint32)
def test_compiled_segmentation_every_strip_character(monkeypatch, mode, other):
    """Each character of STRIP as a blank line, around words, and after a long line's CR."""
    kernels.load()
    monkeypatch.setenv("DEDUP_NUMBA_MIN_WORK", "0")
    monkeypatch.setenv("DEDUP_NUMBA", "1")
    stages = mapping
    long = "x" * WRAP_WIDTH + "\r"  # long only at a text's end, where the CR is no line break's
    shapes = [
        "a\n{c}\n{o}{c}\n{c}{o}{c}{c}\n\n{c}", "{c}" + long + "{c}\n{o}\r", "{c}", "", "\r\n\r",
        "{o}\n" + long, "{o}\n" + long + "\n{o}", "{c}\n" + long + "\n{c}" + long,
    ]
    for c in STRIP:
        texts = [shape.format(c=c, o=other) for shape in shapes]
        got = stages.token_hashes(texts, Config(segment=mode))[:3]
        for a, b in zip(got, segment_many(texts, mode)):
            assert a.tolist() == b.tolist(), repr(c)


@given(st.lists(st.sampled_from([b"a", b"{}", b"\n", b"\r", b"\r\n", b"\n\n", b" ", b"\x0b", b"\x1c", b"\x85"]), max_size=30))
def test_lines_cut_as_splitlines(pieces):
    """readers.lines, the one-line-at-a-time reader of JSONL bytes, cuts where bytes.splitlines does."""
    from dedup.io.readers import lines

    data = b"".join(pieces)
    assert list(lines(data)) == data.splitlines()


def test_compiled_set_keys_are_xxh3_of_the_set_bytes(both_paths):
    """The set keys an index stores: the compiled kernel gives xxhash's digests, for
    empty sets, short ones and sets past xxh3's 240-byte long path."""
    rng = np.random.default_rng(8)
    sizes = [0, 1, 2, 15, 16, 17, 29, 30, 31, 200, 0, 1000]
    values = rng.integers(0, 2**63, sum(sizes), dtype=np.uint64)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    from dedup.stages.units import set_keys

    fast, slow = both_paths(lambda: set_keys(values, offsets))
    expected = [xxhash.xxh3_64_intdigest(values[a:b].tobytes()) for a, b in zip(offsets[:-1], offsets[1:])]
    assert fast.tolist() == slow.tolist() == expected


def test_band_keys_in_threads_are_the_same(monkeypatch):
    """set_band_keys splits the sets between threads (ranges of sets): the same keys."""
    kernels.load()
    monkeypatch.setenv("DEDUP_NUMBA_MIN_WORK", "0")
    values, offsets = random_sets(12, n=5000)
    perms = sketch.permutations(128, 1)
    one = candidates.set_band_keys(values, offsets, perms, 32, 4, threads=1)
    for threads in (2, 3):
        assert (candidates.set_band_keys(values, offsets, perms, 32, 4, threads=threads) == one).all()
    monkeypatch.setenv("DEDUP_NUMBA", "0")
    assert (candidates.set_band_keys(values, offsets, perms, 32, 4) == one).all()


# In a fresh interpreter: load the compiled kernels and run a scan big enough to use
# them, then report whether numba, llvmlite or scipy were imported (none is needed).
_LIGHT_LOAD = """
import sys
from dedup import Config, Document, scan
from dedup.accel import kernels
kernels.warm_up()
assert kernels.compiled(kernels.MIN_WORK) is not None
docs = [Document(str(i), "\\n\\n".join(f"paragraph {j} of words {i % 7} " * 12 for j in range(20))) for i in range(400)]
scan(docs, Config())
print(sorted(m for m in ("numba", "llvmlite", "scipy", "datasketch") if m in sys.modules))
"""


def test_compiled_kernels_load_without_numba_or_scipy():
    out = subprocess.run([sys.executable, "-c", _LIGHT_LOAD], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]"]
