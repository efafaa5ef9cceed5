"""Serialise a ScanResult: clean articles mirroring the input, clusters.jsonl, stats.

Everything under --out is written to a hidden staging folder beside it and moved
into place by rename only when complete, so an interrupted run leaves the previous
complete output (or none), never a half-written file that looks complete.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import mmap
import multiprocessing
import os
import signal
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import numpy as np
import orjson

from ..arrays import run_starts
from ..annotate import FIELD as NOTE_FIELD
from ..errors import ConfigError, InputError, OutputError
from ..outcome import PART_REASON, REASONS, Cluster, ClusterTable, Drop, DropTable, Part
from ..records import Document, Span, SpanTable
from ..result import ScanResult
from ..stages import segment
from . import parquet, remote
from .compressed import compressing
from .readers import STDIN, Source, json_text, open_input, output_name
from .staging import CLUSTERS, MARKER, marker_bytes, safe_join, staged_dir, worded



def json_line(obj) -> bytes:
    """One JSONL line, UTF-8. A string holding a lone surrogate (JSON input may carry
    `"\\ud83d"`) cannot be UTF-8: such a record is written with \\u escapes instead,
    which parse back to the same value."""
    try:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode()
    except UnicodeEncodeError:
        return (json.dumps(obj, ensure_ascii=True) + "\n").encode()


# `text` of clusters.jsonl members (--cluster-text): the whole text (None), none (0: no
# "text" key, the offsets only), or its first N characters.
FULL_TEXT = None


def cluster_text_limit(value: str) -> int | None:
    """--cluster-text: "full" -> FULL_TEXT, "none" -> 0, "N" (N >= 1) -> N."""
    if value == "full":
        return FULL_TEXT
    if value == "none":
        return 0
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise ConfigError(f"--cluster-text must be full, none or a number of characters >= 1, got {value!r}", "cluster_text")


def _limited(member: dict, limit: int | None) -> dict:
    """A member record with its text as --cluster-text asks."""
    if limit == 0:
        member.pop("text", None)
    elif limit is not None:
        member["text"] = member["text"][:limit]
    return member


def cluster_records(result: ScanResult, text: int | None = FULL_TEXT) -> Iterator[dict]:
    """One JSON-ready record per cluster: the kept span first, then the dropped ones;
    `text`: the members' text in full, none or cut (see FULL_TEXT)."""
    for n, cluster in enumerate(result.clusters):
        yield _cluster_record(result, n, cluster, text)


def _cluster_record(result: ScanResult, n: int, cluster: Cluster, text: int | None = FULL_TEXT) -> dict:
    members = [_member(result, cluster.kept, None)]
    members += [_member(result, i, result.drops[i]) for i in cluster.dropped]
    members += [part_record(result, result.parts[r]) for r in cluster.parts]
    return cluster_record(n, [_limited(m, text) for m in members])


def part_record(result: ScanResult, part: Part) -> dict:
    """A sentence run dropped inside a span that stays: where the run is (`start`/`end`:
    its characters; `span_start`/`span_end`: its span's), which sentences, why, how similar."""
    span = result.spans[part.span]
    ref = doc_span_ref(result.documents[span.doc], span)
    ref.update(start=part.start, end=part.end)
    return {
        **ref, "kept": False, "reason": PART_REASON, "jaccard": round(part.jaccard, 4),
        "containment": round(part.containment, 4), "kept_containment": round(part.kept_containment, 4),
        "covered": round(part.covered, 4), "sentences": [part.first, part.stop],
        "span_start": span.start, "span_end": span.end,
        "text": result.documents[span.doc].text[part.start : part.end],
    }


def cluster_lines(result: ScanResult, part: range | None = None, text: int | None = FULL_TEXT) -> Iterator[bytes]:
    """clusters.jsonl: `json_line` of each of cluster_records(result, text), the same bytes;
    `part`: only the lines of these clusters (a range of cluster numbers).

    A scan's columns (ClusterTable, DropTable, SpanTable) are formatted straight
    into lines, which is several times faster than building a dict per member; a
    result without them (an index scan, a hand-made result) goes through dicts.
    """
    clusters, drops, spans = result.clusters, result.drops, result.spans
    part = range(len(clusters)) if part is None else part
    if result.indexed or not (
        isinstance(clusters, ClusterTable) and isinstance(drops, DropTable) and isinstance(spans, SpanTable)
    ):
        yield from map(json_line, islice(cluster_records(result, text), part.start, part.stop))
        return
    # Members in writing order: each cluster's kept span, then its dropped ones.
    bounds = clusters.bounds[part.start : part.stop + 1]
    sizes = np.diff(bounds) + 1
    first = run_starts(sizes)[:-1]
    order = np.empty(int(sizes.sum()), dtype=np.int64)
    is_kept = np.zeros(len(order), dtype=bool)
    is_kept[first] = True
    order[first] = clusters.kept[part.start : part.stop]
    order[~is_kept] = clusters.members[bounds[0] : bounds[-1]] if len(bounds) else []
    row = np.searchsorted(drops.span, order)  # a dropped member's row in drops
    row[is_kept] = -1
    docs = spans.doc[order].tolist()
    tails = _tails(drops, row).tolist()
    cols = zip(docs, spans.index[order].tolist(), spans.start[order].tolist(), spans.end[order].tolist(), tails)
    texts = result.documents
    heads: dict[int, bytes] = {}  # per document: the member's fields up to its span number

    def head(d: int) -> bytes:
        doc = texts[d]
        ident, source = json.dumps(doc.id, ensure_ascii=False), json.dumps(doc.source, ensure_ascii=False)
        return heads.setdefault(d, f'{{"doc": {ident}, "source": {source}, "line": {json.dumps(doc.line)}, "span": '.encode())

    if text == 0:
        def text_of(t: str, start: int, end: int) -> bytes:
            return b""
    else:
        stop = (lambda start, end: end) if text is None else (lambda start, end: min(end, start + text))

        def text_of(t: str, start: int, end: int) -> bytes:
            return b', "text": ' + _dumps(t[start : stop(start, end)])

    with_parts = np.diff(clusters.part_bounds)[part.start : part.stop] > 0  # these go through dicts
    for n, size, dicts in zip(part, sizes.tolist(), with_parts.tolist()):
        rows = list(islice(cols, size))
        if dicts:
            yield json_line(_cluster_record(result, n, clusters[n], text))
            continue
        try:  # orjson.dumps of a str is json.dumps(ensure_ascii=False)'s bytes (tested), several times faster
            members = [
                b'%b%d, "start": %d, "end": %d, %b%b}' % (heads.get(d) or head(d), index, start, end, tail, text_of(texts[d].text, start, end))
                for d, index, start, end, tail in rows
            ]
        except (orjson.JSONEncodeError, UnicodeEncodeError):  # a lone surrogate: json_line's escaped form
            yield json_line(_cluster_record(result, n, clusters[n], text))
            continue
        yield b'{"cluster": %d, "size": %d, "members": [%b]}\n' % (n, size, b", ".join(members))


_KEPT_TAIL = b'"kept": true, "reason": "kept", "jaccard": 1.0, "containment": 1.0, "kept_containment": 1.0'


def _tails(drops: DropTable, row: np.ndarray) -> np.ndarray:
    """Per member, its fields from "kept" to "kept_containment" as bytes (row: its row
    in drops, -1 for a kept span). Measures are ratios of small counts, so most recur:
    each distinct one is formatted once."""
    measures = np.empty((len(row), 4), dtype=np.float64)
    for k, col in enumerate((drops.jaccard, drops.containment, drops.kept_containment, drops.reason)):
        measures[:, k] = np.asarray(col)[row] if len(col) else 0
    distinct, which = np.unique(measures.view(np.dtype((np.void, 32))).ravel(), return_inverse=True)
    reasons = [json.dumps(r) for r in REASONS]
    formatted = [
        f'"kept": false, "reason": {reasons[int(w)]}, "jaccard": {round(j, 4)!r}, '
        f'"containment": {round(c, 4)!r}, "kept_containment": {round(k, 4)!r}'.encode()
        for j, c, k, w in distinct.view(np.float64).reshape(-1, 4).tolist()
    ]
    tails = np.array([*formatted, _KEPT_TAIL], dtype=object)
    return tails[np.where(row < 0, len(formatted), which.ravel())]


def cluster_record(n: int, members: list[dict]) -> dict:
    """A cluster's record from its member records, the kept one first."""
    return {"cluster": n, "size": len(members), "members": members}


def span_ref(result: ScanResult, i: int) -> dict:
    """Where span i is: article id, source file, JSONL line, span index, offsets.

    Numbers from len(result.spans) on are kept spans of earlier batches, read back
    from an index (see ScanResult.indexed).
    """
    if i >= len(result.spans):
        ref = result.indexed[i - len(result.spans)]
        return {"doc": ref.doc, "source": ref.source, "line": ref.line, "span": ref.index, "start": ref.start, "end": ref.end}
    span = result.spans[i]
    return doc_span_ref(result.documents[span.doc], span)


def doc_span_ref(doc: Document, span: Span) -> dict:
    """span_ref of a span of `doc`."""
    return {
        "doc": doc.id,
        "source": doc.source,
        "line": doc.line,
        "span": span.index,
        "start": span.start,
        "end": span.end,
    }


def _member(result: ScanResult, i: int, drop) -> dict:
    member = member_record(span_ref(result, i), result.span_text(i), drop)
    if i >= len(result.spans):
        member["indexed"] = True
    return member


def member_record(ref: dict, text: str, drop: Drop | None) -> dict:
    """One cluster member: where the span is (span_ref), kept or why dropped, and its text."""
    return {
        **ref,
        "kept": drop is None,
        "reason": "kept" if drop is None else drop.reason,
        "jaccard": 1.0 if drop is None else round(drop.jaccard, 4),
        "containment": 1.0 if drop is None else round(drop.containment, 4),
        "kept_containment": 1.0 if drop is None else round(drop.kept_containment, 4),
        "text": text,
    }


def clean_records(result: ScanResult, text_field: str, omit_duplicates: bool) -> Iterator[tuple[int, dict]]:
    """(document index, record with its text cleaned) in input order, as JSONL would carry it."""
    docs = kept_documents(result, omit_duplicates)
    for d, text in zip(docs, result.clean_texts(docs)):
        yield d, with_text(result.documents[d], text_field, text)


def clean_record(doc: Document, text_field: str, spans: Sequence[tuple[int, int]], dropped: Iterable[int]) -> dict:
    """One document's clean record (as clean_records makes it) from its spans' offsets
    and the indices of those dropped, without a ScanResult (the Spark engine's rows)."""
    dropped = set(dropped)
    ranges = segment.removal_ranges(list(spans), dropped, len(doc.text)) if dropped else []
    return with_text(doc, text_field, segment.cut(doc.text, ranges) if ranges else doc.text)


def kept_documents(result: ScanResult, omit_duplicates: bool) -> list[int]:
    """The documents that get a clean copy, in input order."""
    if not omit_duplicates:
        return list(range(len(result.documents)))
    return np.flatnonzero(~result.duplicate_documents()).tolist()


def clean_lines(result: ScanResult, docs: list[int], text_field: str, notes: Sequence[dict] | None = None) -> Iterator[bytes]:
    """The JSONL line of each of docs' clean record. A record read from a JSONL line
    (Document.frame) is that line with only its text value replaced: every other byte
    as it came. Otherwise json_line of its clean record (as clean_records makes it),
    the same bytes. An article's text is escaped as UTF-8 bytes (json_text) where it
    can be: the json module takes several times longer on long texts. `notes`
    (dedup.annotate.annotations of the result): each record also gets its document's
    under the key annotate.FIELD, last (then the record is written anew by json_line)."""
    keys = {f: json_text(f) for f in (text_field, "text")}
    for d, text in zip(docs, result.clean_texts(docs)):
        doc = result.documents[d]
        if doc.frame is not None and notes is None:
            body = json_text(text)
            yield b"".join((doc.frame[0], json.dumps(text).encode() if body is None else body, doc.frame[1], b"\n"))
            continue
        record = doc.record if doc.record is not None else {"id": doc.id}
        field = text_field if doc.record is not None else "text"
        if notes is not None:
            if NOTE_FIELD in record:
                raise InputError(doc.source or doc.id, f"already has a field {NOTE_FIELD!r}, which --annotate would replace", doc.line)
            yield json_line({**with_text(doc, text_field, text), NOTE_FIELD: notes[d]})
            continue
        fast = keys[field] is not None and (next(reversed(record), field) == field or field not in record)
        body = json_text(text) if fast else None
        if body is None:
            yield json_line(with_text(doc, text_field, text))
            continue
        head = json.dumps({k: v for k, v in record.items() if k != field}, ensure_ascii=False)[:-1]
        try:
            yield b"".join((head.encode(), b", " if len(head) > 1 else b"", keys[field], b": ", body, b"}\n"))
        except UnicodeEncodeError:  # a lone surrogate in another field
            yield json_line(with_text(doc, text_field, text))


def with_text(doc: Document, text_field: str, text: str) -> dict:
    """doc's record with `text` as its text (a text file's: its id and text)."""
    if doc.record is not None:
        return {**doc.record, text_field: text}
    return {"id": doc.id, "text": text}


_dumps = orjson.dumps


def input_mode(sources: Iterable[Source]) -> int:
    """The permission bits an output made from these inputs gets: those every one of
    them has (read and write bits; the umask still applies), so an output is never
    readable by more people than its inputs. Standard input and URLs (no local mode
    bits) count as 0o666."""
    mode = 0o666
    for src in sources:
        if src.path != STDIN and not remote.is_url(src.path):
            try:
                mode &= os.stat(src.path).st_mode
            except OSError:  # gone since it was read: keep it private
                mode &= 0o600
    return mode


def _created(path: Path, mode: int) -> BinaryIO:
    """A new file at path (never one that exists) with permission bits `mode`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode), "wb", buffering=1 << 20)


def _write_lines(path: Path, lines: Iterable[bytes], compression: str | None, mode: int = 0o666) -> None:
    """Write lines as they come, compressed as asked: a file never sits in memory whole."""
    with _created(path, mode) as f, compressing(f, compression) as out:
        for line in lines:
            out.write(line)


def _write_parquet(
    result: ScanResult, src: Source, path: Path, docs: list[int], text_field: str, notes: Sequence[dict] | None,
    mode: int = 0o666,
) -> None:
    """The clean copy of a Parquet input (parquet.write_clean), its input read again."""
    with open_input(src) as f, _created(path, mode) as target:
        parquet.write_clean(
            f, src.label, target, text_field, [result.documents[d] for d in docs], result.clean_texts, docs, notes,
        )


def _clean_file_lines(
    result: ScanResult, sources: list[Source], *, text_field: str, omit_duplicates: bool, notes: Sequence[dict] | None = None,
) -> Iterator[tuple[Source, str, Iterable[bytes] | list[int]]]:
    """(source, relative path, its bytes in pieces made while read) of each clean output
    file, in the order of `sources`; for a Parquet source, its documents instead of bytes.
    Every source that was read gets a file, even an empty one (a JSONL file without
    records); a text article left out by `omit_duplicates` gets none."""
    records: dict[str, list[int]] = {}  # JSONL documents per file; records are built when written
    texts: dict[str, int] = {}
    for d in range(len(result.documents)):
        if omit_duplicates and result.is_duplicate_document(d):
            continue
        doc = result.documents[d]
        if doc.record is not None:
            records.setdefault(doc.source, []).append(d)
        else:
            texts[doc.source] = d
    for src in sources:
        rel = output_name(src)
        if src.kind == "text":
            if rel not in texts:
                continue
            doc = result.documents[texts[rel]]
            yield src, rel, [result.clean_text(texts[rel]).encode(doc.encoding)]
        elif src.kind == "parquet":
            yield src, rel, records.get(rel, [])
        else:
            yield src, rel, clean_lines(result, records.get(rel, []), text_field, notes)


# clusters.jsonl is formatted in this many blocks of about equal text when two
# processes share it: the last block either takes is all they can differ by.
CLUSTER_BLOCKS = 64


def write_out_dir(
    result: ScanResult, sources: list[Source], out: Path, *, text_field: str, omit_duplicates: bool,
    parallel: bool = False, notes: Sequence[dict] | None = None, cluster_text: int | None = FULL_TEXT,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Write the clean mirror of the sources that were read, and clusters.jsonl, under `out`,
    replacing a previous output atomically. Raises OutputError naming the path on failure.

    `parallel` (where the platform can fork): a forked child formats clusters.jsonl
    block by block from the front while this process writes the clean files, then
    takes blocks from the back until they meet; its blocks are appended once the
    child is done. The file is the same either way; the split only balances the work.
    `meanwhile`: other work of this process (adding the batch to an index), done while
    the child writes everything (with `parallel`; else after the writing), before `out`
    is replaced. `notes`: annotations for the JSONL records (clean_lines); `cluster_text`: see FULL_TEXT.
    """
    with staged_dir(out) as stage:
        (stage / MARKER).write_bytes(marker_bytes(result.stats.get("fingerprint")))
        path = stage / CLUSTERS
        mode = input_mode(sources)

        def clean_files() -> None:
            for src, rel, lines in _clean_file_lines(
                result, sources, text_field=text_field, omit_duplicates=omit_duplicates, notes=notes,
            ):
                if src.kind == "parquet":
                    _write_parquet(result, src, safe_join(stage, rel), lines, text_field, notes, input_mode([src]))
                else:
                    _write_lines(safe_join(stage, rel), lines, src.compression, input_mode([src]))

        if meanwhile is not None:
            def everything() -> None:
                clean_files()
                with _created(path, mode) as f:
                    f.writelines(cluster_lines(result, None, cluster_text))

            with _beside(path, everything, parallel):
                meanwhile()
            return

        blocks = cluster_blocks(result, CLUSTER_BLOCKS if parallel else 1)
        claims = _Claims(len(blocks), shared=parallel)

        def front() -> None:
            with _created(path, mode) as f:
                while (b := claims.take(front=True)) is not None:
                    f.writelines(cluster_lines(result, blocks[b], cluster_text))

        with tempfile.TemporaryFile(dir=stage) as back:  # unnamed: never mistaken for an output
            taken = []  # (offset, length) in `back` of the blocks taken from the back, last block first
            with _beside(path, front, parallel):
                clean_files()
                try:
                    while (b := claims.take(front=False)) is not None:
                        at = back.tell()
                        back.writelines(cluster_lines(result, blocks[b], cluster_text))
                        taken.append((at, back.tell() - at))
                except OSError as e:
                    raise OutputError(worded(e, path)) from None
            if taken:  # the child is done: its blocks come first
                with open(path, "ab") as f:
                    for at, size in reversed(taken):
                        back.seek(at)
                        f.write(back.read(size))


def cluster_blocks(result: ScanResult, n: int) -> list[range]:
    """Cluster numbers cut into at most `n` consecutive ranges of about equal text
    (formatting a cluster costs about its members' text)."""
    clusters, spans = result.clusters, result.spans
    if n <= 1 or not isinstance(clusters, ClusterTable) or not isinstance(spans, SpanTable) or result.indexed:
        return [range(len(clusters))]
    length = spans.end - spans.start
    chars = np.add.reduceat(np.append(length[clusters.members], 0), clusters.bounds[:-1]) if len(clusters) else length[:0]
    cum = np.cumsum(chars + length[clusters.kept] + 200)  # + the fields of a member or two
    cuts = np.unique(np.searchsorted(cum, cum[-1] * np.arange(1, n) / n if len(cum) else []))
    edges = [0, *cuts.tolist(), len(clusters)]
    return [range(a, b) for a, b in zip(edges, edges[1:]) if b > a] or [range(0)]


class _Claims:
    """Blocks 0..n-1 handed out once each, from the front or from the back, also
    between this process and a child forked after it is made (`shared`)."""

    def __init__(self, n: int, shared: bool) -> None:
        self._ends = mmap.mmap(-1, 16)  # anonymous and MAP_SHARED: a forked child sees the same bytes
        struct.pack_into("qq", self._ends, 0, 0, n)
        fork = shared and hasattr(os, "fork")
        self._lock = multiprocessing.get_context("fork").Lock() if fork else threading.Lock()

    def take(self, front: bool) -> int | None:
        with self._lock:
            lo, hi = struct.unpack_from("qq", self._ends, 0)
            if lo >= hi:
                return None
            struct.pack_into("qq", self._ends, 0, lo + front, hi - (not front))
            return lo if front else hi - 1


@contextmanager
def _beside(path: Path, work: Callable[[], None], parallel: bool) -> Iterator[None]:
    """Run `work`, which writes `path`, while the block runs: in a forked child when
    `parallel` (formatting is pure Python, so a thread would wait for this one), else
    first, here. The block's end waits for the child and raises its failure as
    OutputError; a failure or interrupt of the block kills the child, whose
    half-written file the staging folder's removal then takes away."""
    if not parallel or not hasattr(os, "fork"):
        work()
        yield
        return
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: report a failure through the pipe, never return into the caller's code
        code = 0
        try:
            os.close(read_end)
            _die_with(parent)
            work()
        except BaseException as e:  # noqa: BLE001 - everything must end in os._exit
            code = 1
            with contextlib.suppress(BaseException):
                os.write(write_end, worded(e, path).encode(errors="replace")[:4000])
        finally:
            os._exit(code)
    os.close(write_end)
    done = False
    try:
        yield
        with os.fdopen(read_end, "rb") as pipe:
            read_end = None
            message = pipe.read().decode(errors="replace")
        _, status = os.waitpid(pid, 0)
        done = True
        if os.waitstatus_to_exitcode(status) != 0:
            raise OutputError(message or f"cannot write {path}: exit status {os.waitstatus_to_exitcode(status)}")
    finally:
        if read_end is not None:
            os.close(read_end)
        if not done:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _die_with(parent: int) -> None:
    """Have the kernel kill this forked child when its parent dies (Linux: a parent
    killed by SIGKILL cannot kill it itself); elsewhere the parent's own clean-up does."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)


def stats_bytes(stats: dict) -> bytes:
    """The --stats file. Skipped inputs are named in it: a name that is not UTF-8 (a lone
    surrogate as Python reads it) makes the file \\u-escaped, as json_line does."""
    try:
        return (json.dumps(stats, ensure_ascii=False, indent=2) + "\n").encode()
    except UnicodeEncodeError:
        return (json.dumps(stats, indent=2) + "\n").encode()
