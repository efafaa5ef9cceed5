"""The pipeline: documents in, decisions, clusters and clean texts out. No I/O here."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path

import numpy as np
import xxhash

from . import borderline, candidates, decide, kernels, memory, segment, shingle, sketch, verify
from .arrays import ramp, run_starts
from .config import Config
from .normalize import char_table, token_bytes
from .outcome import Cluster, ClusterTable, Drop, DropTable
from .records import Document, IndexedSpan, Span, SpanTable, span_lengths

Progress = Callable[[str, int, int], None]


@dataclass
class ScanResult:
    config: Config
    documents: list[Document]
    spans: list[Span]
    doc_spans: list[range]  # indices into spans, per document
    drops: Mapping[int, Drop]  # a DropTable from scan()
    clusters: Sequence[Cluster]  # a ClusterTable from scan()
    stats: dict = field(default_factory=dict)
    # Kept spans of earlier batches that spans here were dropped against (scan
    # against an index); span number len(spans) + k means indexed[k].
    indexed: list[IndexedSpan] = field(default_factory=list)
    # Near-threshold verified pairs and histograms for the report (None when not measured).
    pairs: borderline.PairSample | None = None

    def span_text(self, i: int) -> str:
        if i >= len(self.spans):
            return self.indexed[i - len(self.spans)].text
        s = self.spans[i]
        return self.documents[s.doc].text[s.start : s.end]

    def clean_text(self, doc: int) -> str:
        """The document with its dropped spans (and their separators) cut out."""
        text = self.documents[doc].text
        r_doc, r_start, r_end = self._removals()
        a, b = np.searchsorted(r_doc, (doc, doc + 1)).tolist()
        if a == b:
            return text
        return segment.cut(text, list(zip(r_start[a:b].tolist(), r_end[a:b].tolist())))

    def clean_texts(self, docs: Iterable[int]) -> Iterator[str]:
        """clean_text of each of `docs`, in order; for many documents, faster than a call each."""
        r_doc, r_start, r_end = self._removals()
        bounds = np.searchsorted(r_doc, np.arange(len(self.documents) + 1)).tolist()
        starts, ends = r_start.tolist(), r_end.tolist()
        for d in docs:
            a, b = bounds[d], bounds[d + 1]
            text = self.documents[d].text
            yield text if a == b else segment.cut(text, list(zip(starts[a:b], ends[a:b])))

    def _removals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """segment.removal_ranges of every document at once, kept while the drops are the same."""
        mask = self.dropped_mask()
        if self._cache.get("removals", (None,))[0] is not mask:
            spans = self.spans
            if isinstance(spans, SpanTable):
                starts, ends = spans.start, spans.end
            else:
                starts, ends = (np.fromiter((getattr(x, f) for x in spans), np.int64, len(spans)) for f in ("start", "end"))
            count = np.fromiter((len(r) for r in self.doc_spans), np.int64, len(self.doc_spans))
            doc = np.repeat(np.arange(len(count)), count)  # numbered as clean_text's `doc`
            self._cache["removals"] = (mask, segment.removal_ranges_many(doc, starts, ends, mask))
        return self._cache["removals"][1]

    def is_duplicate_document(self, doc: int) -> bool:
        """True when every span long enough to be judged was dropped."""
        return bool(self.duplicate_documents()[doc])

    def duplicate_documents(self) -> np.ndarray:
        """is_duplicate_document of every document, as a bool array."""
        key = (id(self.drops), len(self.drops), len(self.documents))
        if self._cache.get("duplicates", (None,))[0] != key:
            dropped = self.dropped_mask()
            eligible = self._eligible if len(self._eligible) == len(dropped) else np.zeros_like(dropped)  # hand-made results
            judged = run_starts(dropped | eligible)  # prefix counts: per document by subtraction
            gone = run_starts(dropped)
            first = np.fromiter((r.start for r in self.doc_spans), dtype=np.int64, count=len(self.doc_spans))
            stop = np.fromiter((r.stop for r in self.doc_spans), dtype=np.int64, count=len(self.doc_spans))
            n_judged = judged[stop] - judged[first]
            self._cache["duplicates"] = (key, (n_judged > 0) & (gone[stop] - gone[first] == n_judged))
        return self._cache["duplicates"][1]

    def dropped_mask(self) -> np.ndarray:
        """A bool per span: dropped or not (spans of a document are a range of these)."""
        key = (id(self.drops), len(self.drops), len(self.spans))
        if self._cache.get("dropped", (None,))[0] != key:
            n, drops = len(self.spans), self.drops
            if isinstance(drops, DropTable):
                mask = drops.dropped_mask(n)
            else:
                mask = np.zeros(n, dtype=bool)
                mask[[i for i in drops if i < n]] = True
            self._cache["dropped"] = (key, mask)
        return self._cache["dropped"][1]

    _eligible: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool), repr=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass
class Shingled:
    """The map stage's output: spans of every document and shingle sets of the judged ones."""

    spans: Sequence[Span]  # a SpanTable
    doc_spans: list[range]
    eligible: np.ndarray  # bool per span: long enough to be judged
    values: np.ndarray  # shingle sets of eligible spans, concatenated (see shingle.shingle_sets)
    offsets: np.ndarray
    set_keys: np.ndarray | None = None  # uint64 per eligible span (see set_keys)


@dataclass
class Units:
    """Distinct shingle sets: exact copies share a unit and are judged once."""

    unit_of: np.ndarray  # unit of each eligible span
    values: np.ndarray
    offsets: np.ndarray
    sizes: np.ndarray
    first_member: np.ndarray | None = None  # the eligible span each unit was copied from


@dataclass
class Pairs:
    """Verified candidate pairs of units, with what was proposed."""

    pairs: np.ndarray
    inter: np.ndarray
    proposals: candidates.Proposals


@dataclass
class Mapped:
    """What mapping one run of texts yields (see map_texts); chunks concatenate."""

    counts: np.ndarray  # spans per text
    starts: np.ndarray
    ends: np.ndarray
    eligible: np.ndarray
    values: np.ndarray
    offsets: np.ndarray
    set_keys: np.ndarray


# Documents are mapped in chunks of about this many characters: large enough
# that per-chunk costs vanish, small enough to keep workers evenly busy.
CHUNK_CHARS = 2_000_000


def span_tokens(texts: Sequence[str], config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[bytes]]]:
    """Spans of texts (as segment.segment_many) and each span's tokens, UTF-8 encoded."""
    counts, starts, ends = segment.segment_many(texts, config.segment)
    text_of = np.repeat(np.arange(len(texts)), counts).tolist()
    return counts, starts, ends, [token_bytes(texts[d][s:e]) for d, s, e in zip(text_of, starts.tolist(), ends.tolist())]


def map_texts(texts: Sequence[str], config: Config) -> Mapped:
    """Segment, tokenize and shingle texts, and key their shingle sets. Texts are
    independent, so runs of them map in parallel."""
    if config.shingle == "char":  # n-grams of the judged spans' characters (see shingle.char_tokens)
        counts, starts, ends, words = span_tokens(texts, config)
        eligible = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) >= config.min_tokens
        chars = [shingle.char_tokens([w.decode("utf-8", "surrogatepass") for w in words[i]]) for i in np.flatnonzero(eligible)]
        values, offsets = shingle.shingle_sets(chars, config.ngram)
    else:
        counts, starts, ends, h, n_tokens = _token_hashes(texts, config)
        eligible = n_tokens >= config.min_tokens
        values, offsets = shingle.shingle_hashes(h[np.repeat(eligible, n_tokens)], n_tokens[eligible], config.ngram)
    return Mapped(counts, starts, ends, eligible, values, offsets, set_keys(values, offsets))


def _token_hashes(texts: Sequence[str], config: Config):
    """Spans of texts, their token hashes back to back, and each span's token count.

    With numba, compiled loops segment the texts (as segment.segment_many) and
    tokenize and hash the spans made of ASCII and characters of
    normalize.char_table (URLs and e-mail addresses included), and token_bytes
    the rest; the spans and hashes are the same either way (tested).
    """
    fast = kernels.compiled(sum(map(len, texts)))
    if fast is None:
        counts, starts, ends, toks = span_tokens(texts, config)
        n_tokens = np.fromiter(map(len, toks), dtype=np.int64, count=len(toks))
        return counts, starts, ends, shingle.byte_token_hashes(list(chain.from_iterable(toks))), n_tokens
    joined = "\n\n".join(texts)  # the layout segment_many uses, so offsets carry over
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    base = run_starts(sizes + 2)[:-1]
    if joined.isascii():  # one byte per character
        codes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    else:  # a lone surrogate (JSON can carry one) stays its own code point: not in the table, so slow
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mode = {"line": 0, "paragraph": 1}.get(config.segment, 2)  # anything else is auto, as in segment_many
    counts, starts, ends = fast.segment_spans(codes, base, sizes, *segment.strip_lookup(), mode, segment.WRAP_WIDTH)
    at = np.repeat(base, counts)
    out = np.empty(len(codes) // 2 + 1, dtype=np.uint64)  # a token and its separator take >= 2 characters
    n_tokens = np.empty(len(starts), dtype=np.int64)
    fast.span_token_hashes(codes, at + starts, at + ends, *char_table(), out, n_tokens)
    del codes
    slow = n_tokens < 0
    if not slow.any():
        return counts, starts, ends, out[: int(n_tokens.sum())], n_tokens
    slow_tokens = [token_bytes(joined[s:e]) for s, e in zip((at + starts)[slow].tolist(), (at + ends)[slow].tolist())]
    n_tokens[slow] = [len(x) for x in slow_tokens]
    h = np.empty(int(n_tokens.sum()), dtype=np.uint64)
    fast.gather_token_hashes(out, shingle.byte_token_hashes(list(chain.from_iterable(slow_tokens))), n_tokens, slow, h)
    return counts, starts, ends, h, n_tokens


def _map_chunk(args: tuple[list[str], Config]) -> Mapped:
    return map_texts(*args)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _runs(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    """Consecutive runs of documents of at least `size` characters (the last may be shorter)."""
    run: list[Document] = []
    total = 0
    for doc in docs:
        run.append(doc)
        total += len(doc.text)
        if total >= size:
            yield run
            run, total = [], 0
    if run:
        yield run


def map_documents(docs: Iterable[Document], config: Config, tick: Progress | None = None, *, jobs: int = 1) -> Iterator[Mapped]:
    """map_texts over runs of documents, yielded in input order; `jobs` > 1 maps them
    in that many threads or processes (see _map_pool). `docs` may be a stream: runs
    are mapped while later documents are still being read."""
    total = len(docs) if isinstance(docs, Sized) else None
    runs = _runs(docs, CHUNK_CHARS)
    first = list(islice(runs, 2))  # one run: no pool needed
    work = (([d.text for d in run], config) for run in chain(first, runs))
    done = 0
    for part in _pooled(work, jobs, config) if jobs > 1 and len(first) > 1 else map(_map_chunk, work):
        done += len(part.counts)
        if tick:
            tick("shingle", done, total or done)
        yield part


def _pooled(work: Iterator[tuple[list[str], Config]], jobs: int, config: Config) -> Iterator[Mapped]:
    """_map_chunk over `work` in a pool of `jobs` (see _map_pool), results in order. A
    few runs are in flight at a time, so results are taken (and their shingle sets
    freed) while later documents are still being read."""
    with _map_pool(jobs, config) as pool:
        pending: deque = deque()
        try:
            for args in work:
                pending.append(pool.submit(_map_chunk, args))
                while len(pending) > 2 * jobs or (pending and pending[0].done()):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # on an error or an early close, do not map what nobody will read
            for future in pending:
                future.cancel()


def _map_pool(jobs: int, config: Config) -> Executor:
    """Threads when the map stage runs compiled: its loops release the GIL, and threads
    share the texts and results instead of copying them to and from processes (and
    start at once, where a worker process must first load numba). Processes otherwise
    (no numba, or character shingles, whose tokenizing is Python that holds the GIL)."""
    if config.shingle != "char" and kernels.available():
        return ThreadPoolExecutor(jobs, thread_name_prefix="dedup-map")
    return ProcessPoolExecutor(jobs, mp_context=_pool_context())


def shingle_documents(
    docs: list[Document], config: Config, tick: Progress | None = None, first_doc: int = 0,
    *, jobs: int = 1,
) -> Shingled:
    """Segment, normalise and shingle documents; each document independently (a map stage).

    `jobs` > 1 maps chunks of documents in that many threads or processes; results are
    merged in input order, so the output does not depend on `jobs`.
    """
    parts = list(map_documents(docs, config, tick, jobs=jobs))
    return _merge(parts, len(docs), first_doc)


def _pool_context():
    """Fresh workers forked from a clean server process where available (forking a
    parent that runs threads, like a progress bar, can deadlock), with the stages
    already imported."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["dedup._worker"])
    return ctx


def _merge(parts: list[Mapped], n_docs: int, first_doc: int) -> Shingled:
    def cat(name: str, dtype) -> np.ndarray:
        arrays = [getattr(p, name) for p in parts]
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)

    counts = cat("counts", np.int64)
    starts, ends, eligible = cat("starts", np.int64), cat("ends", np.int64), cat("eligible", bool)
    values, keys = cat("values", np.uint64), cat("set_keys", np.uint64)
    sizes = np.concatenate([np.diff(p.offsets) for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    doc_first = run_starts(counts)
    doc = np.repeat(np.arange(first_doc, first_doc + n_docs, dtype=np.int64), counts)
    doc_spans = [range(a, b) for a, b in zip(doc_first[:-1].tolist(), doc_first[1:].tolist())]
    return Shingled(SpanTable(doc, ramp(counts), starts, ends), doc_spans, eligible, values, run_starts(sizes), keys)


def set_keys(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A 64-bit key per shingle set (uint64); equal sets, equal keys: xxh3-64 of the
    set's bytes (an index stores these, so they never change)."""
    fast = kernels.compiled(len(values))
    if fast is not None:
        out = np.empty(len(offsets) - 1, dtype=np.uint64)
        data = np.ascontiguousarray(values, dtype=np.uint64).view(np.uint8)
        fast.set_keys(data, np.asarray(offsets, dtype=np.int64), np.uint64(xxhash.xxh3_64_intdigest(b"")), out)
        return out
    digest = xxhash.xxh3_64_intdigest
    return np.fromiter(
        (digest(values[offsets[i] : offsets[i + 1]].tobytes()) for i in range(len(offsets) - 1)),
        dtype=np.uint64, count=len(offsets) - 1,
    )


class UnitBuilder:
    """Distinct shingle sets in order of first occurrence, fed a run of sets at a
    time, so a scan holds each distinct set once instead of every copy.

    With `spill`, a folder, the distinct sets go to numpy files there as they
    come and the units' values are a read-only memory map of one .npy file: the
    operating system pages them in and out as needed.
    """

    def __init__(self, spill: str | os.PathLike | None = None) -> None:
        self._spill = Path(spill) if spill is not None else None
        # Keys of the units so far, sorted, and each one's unit number.
        self._keys = np.zeros(0, dtype=np.uint64)
        self._key_unit = np.zeros(0, dtype=np.int64)
        self._unit_of: list[np.ndarray] = []
        self._values: list[Path] = []  # with spill: the runs' files
        # Without: one buffer the runs' new sets are copied into, grown by doubling
        # (the copying happens while the map threads work, not after them).
        self._buffer, self._used = np.zeros(0, dtype=np.uint64), 0
        self._sizes: list[np.ndarray] = []
        self._first: list[np.ndarray] = []
        self._fed = 0

    def add(self, values: np.ndarray, offsets: np.ndarray, keys: np.ndarray) -> None:
        """The next sets (`values[offsets[i]:offsets[i + 1]]`, with their set_keys)."""
        known = len(self._keys)
        distinct, first_at, inverse = np.unique(keys, return_index=True, return_inverse=True)
        at = np.searchsorted(self._keys, distinct)
        seen = at < known
        seen[seen] = self._keys[at[seen]] == distinct[seen]
        unit = np.empty(len(distinct), dtype=np.int64)
        unit[seen] = self._key_unit[at[seen]]
        # New units are numbered in order of first occurrence, as a dict filled in input order would.
        new = np.flatnonzero(~seen)
        new = new[np.argsort(first_at[new], kind="stable")]
        unit[new] = known + np.arange(len(new))
        unit_of = unit[inverse.reshape(-1)]
        if len(new):
            ins = np.argsort(distinct[new], kind="stable")
            self._keys = np.insert(self._keys, at[new][ins], distinct[new][ins])
            self._key_unit = np.insert(self._key_unit, at[new][ins], unit[new][ins])
        # A new unit's first member: its first occurrence in this run.
        first = first_at[new]  # ascending, so the new sets' values are in place order
        sizes = offsets[first + 1] - offsets[first]
        pick = np.zeros(len(keys), dtype=bool)
        pick[first] = True
        fresh = values[offsets[0] : offsets[-1]][np.repeat(pick, np.diff(offsets))]
        if self._spill is not None:
            path = self._spill / f"units-{len(self._values):06d}.npy"
            np.save(path, fresh, allow_pickle=False)
            self._values.append(path)
        else:
            self._append(fresh)
        self._unit_of.append(unit_of)
        self._sizes.append(sizes)
        self._first.append(first + self._fed)
        self._fed += len(keys)

    def units(self) -> Units:
        def cat(parts: list[np.ndarray], dtype) -> np.ndarray:
            out = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
            parts.clear()
            return out

        sizes = cat(self._sizes, np.int64)
        self._keys, self._key_unit = self._keys[:0], self._key_unit[:0]
        if self._spill is None:  # a view: the buffer's unused tail was never written, so takes no memory
            values, self._buffer, self._used = self._buffer[: self._used], self._buffer[:0], 0
        else:
            values = self._spill_values(int(sizes.sum()))
        return Units(cat(self._unit_of, np.int64), values, run_starts(sizes), sizes, cat(self._first, np.int64))

    def _append(self, fresh: np.ndarray) -> None:
        need = self._used + len(fresh)
        if need > len(self._buffer):
            grown = np.empty(max(need, 2 * len(self._buffer)), dtype=np.uint64)
            grown[: self._used] = self._buffer[: self._used]
            self._buffer = grown
        self._buffer[self._used : need] = fresh
        self._used = need

    def _spill_values(self, total: int) -> np.ndarray:
        path = self._spill / "units.npy"
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint64, shape=(total,))
        at = 0
        for part in self._values:
            block = np.load(part, mmap_mode="r", allow_pickle=False)
            out[at : at + len(block)] = block
            at += len(block)
            del block
            part.unlink()
        out.flush()
        del out
        self._values.clear()
        return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))


def group_units(values: np.ndarray, offsets: np.ndarray, keys: np.ndarray | None = None) -> Units:
    """Collapse identical shingle sets, so LSH and anchor buckets never fill up with
    copies of one boilerplate paragraph. Units are numbered by first occurrence.
    `keys`: the sets' set_keys, if already computed."""
    builder = UnitBuilder()
    builder.add(values, offsets, set_keys(values, offsets) if keys is None else keys)
    return builder.units()


def rank_spans(lengths: np.ndarray, keep: str) -> np.ndarray:
    """Keep preference of each span (0 = most preferred): input order, or longest first."""
    position = np.arange(len(lengths))
    order = np.lexsort((position, -lengths)) if keep == "longest" else position
    rank = np.empty(len(lengths), dtype=np.int64)
    rank[order] = position
    return rank


def unit_ranks(unit_of: np.ndarray, span_rank: np.ndarray, n_units: int) -> np.ndarray:
    """A unit's keep preference: that of its best-ranked member span."""
    u_rank = np.full(n_units, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(u_rank, unit_of, span_rank)
    return u_rank


def find_pairs(values: np.ndarray, offsets: np.ndarray, config: Config, *, threads: int = 1) -> Pairs:
    """Sketch, propose (LSH bands and anchors) and verify pairs of distinct sets
    (LSH bands and verification in `threads` threads)."""
    bands, rows = config.band_rows
    perms = sketch.permutations(config.num_perm, config.seed)
    prop = candidates.propose(
        None, values, offsets, bands=bands, rows=rows, anchor_rate=config.anchor_rate,
        containment=config.containment, max_bucket=config.max_bucket,
        keys=candidates.set_band_keys(values, offsets, perms, bands, rows, threads=threads), threads=threads,
    )
    return Pairs(prop.pairs, verify.intersections(prop.pairs, values, offsets, threads=threads), prop)


def span_drops(
    unit_of: np.ndarray, span_rank: np.ndarray, sizes: np.ndarray, keeper: np.ndarray,
    pairs: np.ndarray, inter: np.ndarray, span_ids: np.ndarray,
) -> DropTable:
    """Unit decisions applied to spans.

    The kept member of a unit is its best-ranked one; every other member is an
    exact copy dropped against it, and a dropped unit's members are dropped
    against the kept member of the unit that covers it. `span_ids` maps eligible
    spans to global span indices.
    """
    n_units = len(sizes)
    best_rank = np.full(n_units, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best_rank, unit_of, span_rank)
    member_of_rank = np.empty(len(span_rank), dtype=np.int64)
    member_of_rank[span_rank] = np.arange(len(span_rank))
    best_member = np.full(n_units, -1, dtype=np.int64)
    present = best_rank < len(span_rank)
    best_member[present] = member_of_rank[best_rank[present]]

    keeper_of = keeper[unit_of]
    # Dropped: copies of a kept unit other than its best member, and every member of a dropped unit.
    exact_copy = (keeper_of == -1) & (best_member[unit_of] != np.arange(len(unit_of)))
    k = np.flatnonzero(exact_copy | (keeper_of >= 0))
    u = unit_of[k]
    exact = keeper_of[k] == -1
    ku = np.where(exact, u, keeper_of[k])
    # The verified edge of each dropped unit and its keeper: look its code up among the pairs'.
    n = max(n_units, 1)
    codes = pairs[:, 0].astype(np.int64) * n + pairs[:, 1]
    near = np.flatnonzero(~exact)
    want = np.minimum(u[near], ku[near]) * n + np.maximum(u[near], ku[near])
    shared = sizes[u].astype(np.int64)
    if len(codes) > 1 and not (codes[1:] >= codes[:-1]).all():  # proposals come sorted; hand-made pairs may not
        by_code = np.argsort(codes, kind="stable")
        shared[near] = inter[by_code[np.searchsorted(codes[by_code], want)]]
    else:
        shared[near] = inter[np.searchsorted(codes, want)]
    jac, c_x, c_k = verify.similarities(shared, sizes[u], sizes[ku])
    contained = decide.fuller(sizes[ku], sizes[u], sizes[u] + sizes[ku] - shared)
    reason = np.where(exact, 0, np.where(contained, 1, 2))  # outcome.REASONS
    return DropTable(span_ids[k], span_ids[best_member[ku]], jac, c_x, c_k, reason)


def clusters_of(drops: Mapping[int, Drop]) -> ClusterTable:
    """Star clusters: each kept span with the spans dropped against it, in span order."""
    return ClusterTable.of(drops if isinstance(drops, DropTable) else DropTable.from_dict(drops))


def _prepare(config: Config) -> None:
    sketch.permutations(config.num_perm, config.seed)
    kernels.warm_up()


class Laps:
    """Seconds spent per stage: call with a stage's name when it ends."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(now - self._clock, 4)
        self._clock = now


def scan(
    documents: Iterable[Document], config: Config | None = None, progress: Progress | None = None, *,
    jobs: int = 1, spill: str | os.PathLike | None = None, sample_pairs: bool = True,
) -> ScanResult:
    """Find near-duplicate spans within and across `documents`, in the order given.

    Input order matters only for `keep="first"`: the earlier of two near-equal
    copies is kept. The CLI passes documents in a canonical order (sorted paths,
    then line), so the order files are listed in does not matter. `jobs`:
    threads (or processes, see _map_pool) for the map stage (segment, shingle,
    key sets) and threads for the reduce stage; `spill`: a folder for the
    distinct shingle sets (see UnitBuilder) instead of memory. Results depend
    on neither. `sample_pairs`: measure the borderline pairs the HTML
    report shows (result.pairs). `documents` may be a stream (readers.DocumentStream): the
    map stage starts on the first ones while the rest are read.
    """
    config = config or Config()
    if spill is None:
        return _scan(documents, config, progress, jobs, None, sample_pairs)
    with tempfile.TemporaryDirectory(prefix="dedup-spill-", dir=spill, ignore_cleanup_errors=True) as folder:
        return _scan(documents, config, progress, jobs, Path(folder), sample_pairs)


def _scan(
    documents: Iterable[Document], config: Config, progress: Progress | None, jobs: int, spill: Path | None,
    sample_pairs: bool,
) -> ScanResult:
    lap = Laps()
    docs: list[Document] = []
    warm: list[threading.Thread] = []

    def taken() -> Iterator[Document]:
        """The documents, kept in `docs` as the map stage takes them. Once they hold
        about as many shingles as kernels.min_work, the compiled kernels the reduce
        stages need are loaded in a thread while the map stage runs."""
        chars = 0
        for doc in documents:
            docs.append(doc)
            chars += len(doc.text)
            if not warm and chars >= 8 * kernels.min_work():
                warm.append(threading.Thread(target=_prepare, args=(config,), name="dedup-warm-up", daemon=True))
                warm[0].start()
            yield doc

    builder, parts = UnitBuilder(spill), []
    for part in map_documents(taken(), config, progress, jobs=jobs):
        builder.add(part.values, part.offsets, part.set_keys)
        part.values = np.zeros(0, dtype=np.uint64)  # the builder keeps distinct sets only (a [:0] view would pin them)
        parts.append(part)
    sh = _merge(parts, len(docs), 0)
    del parts
    for thread in warm:
        thread.join()
    memory.release()  # the chunks' arrays are gone: their memory must not swell the reduce stage's peak
    lap("shingle")
    units = builder.units()
    del builder
    elig_idx = np.flatnonzero(sh.eligible)
    lengths = (sh.spans.end - sh.spans.start)[elig_idx]
    span_rank = rank_spans(lengths, config.keep)
    u_rank = unit_ranks(units.unit_of, span_rank, len(units.sizes))
    lap("units")
    found = find_pairs(units.values, units.offsets, config, threads=jobs)
    units.values = np.zeros(0, dtype=np.uint64)  # verified: from here on only the sizes count
    memory.release()
    lap("candidates_verify")
    keeper = decide.decide(units.sizes, u_rank, found.pairs, found.inter, config.containment)
    drops = span_drops(units.unit_of, span_rank, units.sizes, keeper, found.pairs, found.inter, elig_idx)
    clusters = clusters_of(drops)
    lap("decide")

    result = ScanResult(config, docs, sh.spans, sh.doc_spans, drops, clusters)
    result._eligible = sh.eligible
    if sample_pairs:
        reps = borderline.representatives(units.unit_of, span_rank, elig_idx)
        result.pairs = borderline.sample(found.pairs, found.inter, units.sizes, reps, config.containment)
    result.stats = summarize(result, units, found, config)
    result.stats["seconds"] = lap.timings
    return result


def summarize(result: ScanResult, units: Units, found: Pairs, config: Config) -> dict:
    """Counts of a finished scan; everything but timings is deterministic."""
    spans = result.spans
    lengths = span_lengths(spans)
    span_chars = int(lengths.sum())
    dropped_chars = int(lengths[result.dropped_mask()].sum())
    sizes = units.sizes
    verified = verify.count_verified(found.pairs, found.inter, sizes, config.containment) if len(found.inter) else 0
    prop = found.proposals
    return {
        "documents": len(result.documents),
        "spans": len(spans),
        "short_spans": int(np.count_nonzero(~result._eligible)),
        "distinct_spans": len(sizes),
        "clusters": len(result.clusters),
        "dropped_spans": len(result.drops),
        "duplicate_documents": int(np.count_nonzero(result.duplicate_documents())),
        "span_chars": span_chars,
        "dropped_chars": dropped_chars,
        "duplicate_ratio": round(dropped_chars / span_chars, 6) if span_chars else 0.0,
        "candidates": {
            "lsh": prop.lsh,
            "anchors": prop.anchors,
            "total": len(prop.pairs),
            "verified": verified,
            "false_positives": len(prop.pairs) - verified,
            "oversized_buckets": prop.oversized,
        },
        "parameters": config.params(),
        "fingerprint": config.fingerprint,
    }
