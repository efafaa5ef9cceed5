"""The map stage: segment, tokenize, shingle and key documents, run by run, in parallel."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice

import numpy as np

from ..accel import kernels
from ..arrays import ramp, run_starts
from ..config import Config
from ..records import Document, Span, SpanTable
from . import segment, shingle
from .normalize import char_table, token_bytes
from .units import set_keys


# progress(stage, done, total): `done` of `total` units of `stage`; a stage that ends
# reports (stage, 1, 1). Stages, in order: "input" (bytes of the input files, known
# before reading: done = total, 0 when unknown, as for stdin), "read" (files), "shingle"
# (characters mapped so far, total 0), "units", "candidates_verify", "decide", "write".
Progress = Callable[[str, int, int], None]


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
        values, offsets = shingle_spans([words[i] for i in np.flatnonzero(eligible)], config)
    else:
        counts, starts, ends, h, n_tokens = token_hashes(texts, config)
        eligible = n_tokens >= config.min_tokens
        values, offsets = shingle.shingle_hashes(h[np.repeat(eligible, n_tokens)], n_tokens[eligible], config.ngram)
    return Mapped(counts, starts, ends, eligible, values, offsets, set_keys(values, offsets))


def shingle_spans(words: Sequence[list[bytes]], config: Config) -> tuple[np.ndarray, np.ndarray]:
    """Shingle sets (see shingle.shingle_sets) of spans given by their tokens (as
    normalize.token_bytes gives them), word or character shingles as `config.shingle`
    says: the sets map_texts makes of judged spans (numpy; the same compiled, tested)."""
    if config.shingle == "char":  # n-grams of the spans' characters (see shingle.char_tokens)
        chars = [shingle.char_tokens([w.decode("utf-8", "surrogatepass") for w in ws]) for ws in words]
        return shingle.shingle_sets(chars, config.ngram)
    n_tokens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    return shingle.shingle_hashes(shingle.byte_token_hashes(list(chain.from_iterable(words))), n_tokens, config.ngram)


def token_hashes(texts: Sequence[str], config: Config):
    """Spans of texts, their token hashes back to back, and each span's token count.

    Compiled, loops segment the texts (as segment.segment_many) and
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
    codes = text_codes(joined)
    mode = {"line": 0, "paragraph": 1}.get(config.segment, 2)  # anything else is auto, as in segment_many
    counts, starts, ends = fast.segment_spans(codes, base, sizes, *segment.strip_lookup(), mode, segment.WRAP_WIDTH)
    at = np.repeat(base, counts)
    h, n_tokens = piece_token_hashes(fast, joined, codes, at + starts, at + ends)
    return counts, starts, ends, h, n_tokens


def text_codes(text: str) -> np.ndarray:
    """The code points of `text` as the compiled tokenizer reads them: bytes for ASCII, else
    UTF-32 (a lone surrogate, which JSON can carry, stays its own code point: not in the table, so slow)."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def piece_token_hashes(fast, text: str, codes: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of the pieces `text[lo[i]:hi[i]]` back to back, and each piece's
    token count: compiled for pieces of ASCII and normalize.char_table characters,
    token_bytes for the rest (`codes`: text_codes(text); `fast`: the kernels module)."""
    # A token and the character after it (a separator, or the piece's end) take >= 2 characters.
    out = np.empty((int((hi - lo).sum()) + len(lo)) // 2 + 1, dtype=np.uint64)
    n_tokens = np.empty(len(lo), dtype=np.int64)
    fast.span_token_hashes(codes, lo, hi, *char_table(), out, n_tokens)
    slow = n_tokens < 0
    if not slow.any():
        return out[: int(n_tokens.sum())], n_tokens
    slow_tokens = [token_bytes(text[s:e]) for s, e in zip(lo[slow].tolist(), hi[slow].tolist())]
    n_tokens[slow] = [len(x) for x in slow_tokens]
    h = np.empty(int(n_tokens.sum()), dtype=np.uint64)
    fast.gather_token_hashes(out, shingle.byte_token_hashes(list(chain.from_iterable(slow_tokens))), n_tokens, slow, h)
    return h, n_tokens


def _map_chunk(args: tuple[list[str], Config]) -> Mapped:
    return map_texts(*args)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def document_runs(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
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
    in that many threads or processes (see map_pool). `docs` may be a stream: runs
    are mapped while later documents are still being read."""
    runs = document_runs(docs, CHUNK_CHARS)
    first = list(islice(runs, 2))  # one run: no pool needed
    sizes: deque[int] = deque()  # characters of the runs handed out and not yet mapped, in order

    def work() -> Iterator[tuple[list[str], Config]]:
        for run in chain(first, runs):
            texts = [d.text for d in run]
            sizes.append(sum(map(len, texts)))
            yield texts, config

    chars = 0
    for part in _pooled(work(), jobs, config) if jobs > 1 and len(first) > 1 else map(_map_chunk, work()):
        chars += sizes.popleft()  # results come in the order the runs were handed out
        if tick:
            tick("shingle", chars, 0)
        yield part


def _pooled(work: Iterator[tuple[list[str], Config]], jobs: int, config: Config) -> Iterator[Mapped]:
    """_map_chunk over `work` in a pool of `jobs` (see map_pool), results in order. A
    few runs are in flight at a time, so results are taken (and their shingle sets
    freed) while later documents are still being read."""
    with map_pool(jobs, config) as pool:
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


def map_pool(jobs: int, config: Config) -> Executor:
    """Threads when the map stage runs compiled: its loops release the GIL, and threads
    share the texts and results instead of copying them to and from processes (and
    start at once). Processes otherwise (the compiled kernels not built, or character shingles, whose tokenizing is Python that holds the GIL)."""
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
    return merge(parts, len(docs), first_doc)


def _pool_context():
    """Fresh workers forked from a clean server process where available (forking a
    parent that runs threads, like a progress bar, can deadlock), with the stages
    already imported."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["dedup.stages.worker"])
    return ctx


def merge(parts: list[Mapped], n_docs: int, first_doc: int) -> Shingled:
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

