"""The embedded index: one SQLite file (standard library), WAL, one write transaction per batch.

A batch's reads and its write run in one `BEGIN IMMEDIATE` transaction, so
concurrent scans of the same file are serialised: each sees every batch
committed before it, and a process killed at any moment leaves the file as it
was before its batch (SQLite's atomic commit). Readers (`index stats`) never wait.

Postings (which spans a set key, band key or anchor finds) are numpy arrays in
BLOBs, not rows: a batch's postings of one kind are one sorted run, cut into
chunks of CHUNK postings (keys uint64, then span ids) with the first key of each
chunk in the run's `fences`. A lookup reads the fences, then only the chunks that
can hold a wanted key, and joins in numpy; a batch writes one run per kind, and
runs are merged LSM-style, MERGE at a time (see _Runs.add), so a lookup reads a
few runs per size class and every posting is rewritten about log4(index / batch)
times. Spans are stored a block at a time (see BLOCK), columns packed in BLOBs;
`docs` says which blocks hold a document's spans. Every chunk and block carries an
xxh3 checksum of its content, checked when read: damage gives an error, not data.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import xxhash

from ..arrays import distinct, run_starts, stable_order
from ..config import Config
from ..records import IndexedSpan
from .base import (
    Batch, Entries, IndexStoreError, StoreBase, anchor_counts, anchor_mask, check_header, header, postings, stack_entries,
)

# Format 3: spans a block per row. Format 2: a row per span; postings as chunked
# sorted runs in BLOBs, checksums, no MinHash signatures (band keys are computed from
# the shingles). Format 1: a row per posting.
FORMAT_VERSION = 3
SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches(
    number INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,
    first_span INTEGER NOT NULL, spans INTEGER NOT NULL, documents INTEGER NOT NULL);
CREATE TABLE spans(
    id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, spans INTEGER NOT NULL, records BLOB NOT NULL,
    names BLOB NOT NULL, texts BLOB NOT NULL, shingles BLOB NOT NULL, checksum INTEGER NOT NULL);
CREATE TABLE docs(doc TEXT NOT NULL, block INTEGER NOT NULL, spans INTEGER NOT NULL, PRIMARY KEY (doc, block)) WITHOUT ROWID;
CREATE TABLE runs(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, postings INTEGER NOT NULL, fences BLOB NOT NULL,
    checksum INTEGER NOT NULL);
CREATE INDEX runs_kind ON runs(kind, id);
CREATE TABLE chunks(id INTEGER PRIMARY KEY, keys BLOB NOT NULL, vals BLOB NOT NULL, checksum INTEGER NOT NULL);
"""
# A chunk's id is its run's id << 32 | its number in the run. (A rowid table: a
# WITHOUT ROWID row over about 1,000 bytes would spill into an overflow page.)
# Postings per chunk: small enough that a lookup of a few keys reads little, large
# enough that a chunk row's own cost (about 20 bytes, one B-tree cell) is small. 192 wrote
# a 20 MB batch's chunks in 0.10 s instead of 0.18, but a lookup reads a chunk per key and
# run, three times the bytes (benchmarks/index_bench.py at 10^6 spans: query 970 ms per
# 1,000 spans against 924, one run each: within the noise here, so the smaller reads won).
CHUNK = 64
# A posting's value: its span id; an anchor's also its span's anchor count (the
# containment probe's threshold needs it).
_VALS = {"set": np.dtype("<i8"), "band": np.dtype("<i8"), "anchor": np.dtype([("id", "<i8"), ("n", "<u4")])}
# An index file up to this size gets PRAGMA quick_check at open (it reads every page:
# about 0.3 s for 100 MB here); a larger one relies on the checks of what is read
# (checksums of every chunk and span block, SQLite's own checks of the pages it reads).
QUICK_CHECK_BYTES = 128 << 20
# Runs merged at once (see _Runs.add): a lookup reads up to about 3 runs per size class.
MERGE = 4
# Span ids per block: block b holds the spans with ids b * BLOCK to b * BLOCK + BLOCK - 1
# (a batch's ids start at a multiple of BLOCK). A row per span cost about 7 us of Python
# and SQLite to write, blocks of 16 about 2 us a span (0.35 -> 0.1 s for the 49,000 kept
# spans of a 20 MB batch); a fetch reads a span's block whole (about 11 KB, 3 pages: a
# BLOB is a chain of pages read from its start), so a block must stay small: with 256
# spans a block, a query of 1,000 spans against 100,000 took 668 ms instead of 449; with
# 16, fetching the 513 matches of 1,000 spans from 10^6 takes 18 ms (9 a row per span),
# beside 770 ms of posting lookups.
BLOCK = 16
# A block's spans, one record each: end offsets of its doc id and source in `names`
# (characters), of its text in `texts` (characters), of its shingles in `shingles`.
_RECORD = np.dtype([
    ("id", "<i8"), ("line", "<i8"), ("span", "<i8"), ("start", "<i8"), ("end", "<i8"), ("anchors", "<i8"),
    ("set_key", "<u8"), ("doc", "<i8"), ("source", "<i8"), ("text", "<i8"), ("shingles", "<i8"),
])
# Bytes per database page of a new index (an existing one keeps its own). SQLite's default
# 4,096 split each span block (about 11 KB) over 3 pages; with 16,384, news-40's halves through
# --index: index_add 0.99 -> 0.83 s (A) and 1.02 -> 0.86 s (B); benchmarks/index_bench.py at
# 10^6 spans: add 97 -> 87 ms per 1,000, bulk add 106 -> 92, query 675 -> 668, 2.3 % more bytes.
PAGE_SIZE = 16384
_NO_LINE = -1
_NO_LIMIT = 1 << 62
_IN = 900  # values per IN (...) list, under SQLite's default limit of variables


def _signed(d: int) -> int:
    """An unsigned 64-bit digest as the signed 64-bit integer SQLite stores."""
    return d - (1 << 64) if d >= 1 << 63 else d


def _checksum(data: bytes) -> int:
    """xxh3-64 of the bytes, as SQLite stores it."""
    return _signed(xxhash.xxh3_64_intdigest(data))


def _block_checksum(block: int, batch: int, n: int, *blobs: bytes) -> int:
    """Checksum of a spans row: its numbers and BLOBs (each with its length)."""
    h = xxhash.xxh3_64(b"%d %d %d" % (block, batch, n))
    for b in blobs:
        h.update(b" %d:" % len(b))
        h.update(b)
    return _signed(h.intdigest())


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _block_rows(ids: np.ndarray, batch: int, refs: Sequence[IndexedSpan], anchors: np.ndarray, set_keys: np.ndarray,
                values: np.ndarray, offsets: np.ndarray) -> tuple[list[tuple], list[tuple]]:
    """The spans rows and docs rows of these spans of one batch, given by ascending ids,
    refs, anchor counts, set keys, and shingle sets as values[offsets[i]:offsets[i + 1]]."""
    n = len(refs)
    block = ids // BLOCK
    lo = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1]))) if n else np.zeros(0, np.int64)
    bounds = np.append(lo, n)
    base = np.repeat(lo, np.diff(bounds))  # each span's block's first span

    def within(lengths: list[int], per: int = 1) -> np.ndarray:
        """End offsets of each span's `per` strings, from its block's start."""
        ends = np.cumsum(np.asarray(lengths, dtype=np.int64))
        return ends - np.concatenate(([0], ends))[np.repeat(per * base, per)]

    rec = np.zeros(n, dtype=_RECORD)
    rec["id"], rec["anchors"], rec["set_key"] = ids, anchors, set_keys
    rec["line"] = [_NO_LINE if r.line is None else r.line for r in refs]
    rec["span"] = [r.index for r in refs]
    rec["start"] = [r.start for r in refs]
    rec["end"] = [r.end for r in refs]
    docs, sources, texts = [r.doc for r in refs], [r.source for r in refs], [r.text for r in refs]
    doc_len, text_len = [len(d) for d in docs], [len(t) for t in texts]
    name_ends = within([x for pair in zip(doc_len, map(len, sources)) for x in pair], 2)
    rec["doc"], rec["source"] = name_ends[0::2], name_ends[1::2]
    rec["text"] = within(text_len)
    rec["shingles"] = offsets[1:] - offsets[base]
    rows, doc_rows = [], []
    values = np.ascontiguousarray(values, dtype="<u8")
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        number = int(block[a])
        blobs = (
            rec[a:b].tobytes(), _utf8("".join(x for pair in zip(docs[a:b], sources[a:b]) for x in pair)),
            _utf8("".join(texts[a:b])), values[offsets[a] : offsets[b]].tobytes(),
        )
        rows.append((number, batch, b - a, *blobs, _block_checksum(number, batch, b - a, *blobs)))
        counts: dict[str, int] = {}
        for d in docs[a:b]:
            counts[d] = counts.get(d, 0) + 1
        doc_rows += [(d, number, c) for d, c in sorted(counts.items())]
    return rows, doc_rows


class _Block:
    """A spans row read back and checked: the spans' records, strings and sets."""

    def __init__(self, batch: int, rec: np.ndarray, names: str, texts: str, shingles: np.ndarray):
        self.batch, self.rec, self.names, self.texts, self.shingles = batch, rec, names, texts, shingles
        # the records as rows of int64 (every field is 8 bytes): a row's tolist() is fast, a structured one's slow
        self._table = rec.view("<i8").reshape(len(rec), len(_RECORD.names))
        self.at = {span_id: k for k, span_id in enumerate(rec["id"].tolist())}

    def __len__(self) -> int:
        return len(self.rec)

    def span(self, k: int) -> tuple[int, int, np.ndarray, IndexedSpan]:
        """(id, set key, shingle set, ref) of the block's k-th span."""
        _, _, _, _, _, _, _, _, source0, text0, sh0 = self._table[k - 1].tolist() if k else (0,) * 11
        span_id, line, index, start, end, _, set_key, doc, source, text, sh = self._table[k].tolist()
        set_key &= 0xFFFFFFFFFFFFFFFF  # read as int64
        ref = IndexedSpan(
            self.names[source0:doc], self.names[doc:source], None if line == _NO_LINE else line, index, start, end,
            self.texts[text0:text],
        )
        return span_id, set_key, self.shingles[sh0:sh], ref


@contextmanager
def _errors(path: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            raise IndexStoreError(f"{path}: index busy (another process held its write lock too long): {e}") from None
        raise IndexStoreError(f"{path}: {e}") from None
    except sqlite3.DatabaseError as e:
        raise IndexStoreError(f"{path}: damaged or not a dedup index ({e})") from None


def _create(path: Path, config: Config) -> None:
    """Build an empty index beside `path` and link it into place: never a half-made index
    at `path`, and never over a file another process created meanwhile."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")  # before the first table: fixed for the file's life
            conn.executescript("BEGIN;" + SCHEMA + "COMMIT;")
            conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(header(config, FORMAT_VERSION).items()))
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # created by a concurrent process: use theirs
    finally:
        Path(tmp).unlink(missing_ok=True)


def _read_header(path: Path) -> dict[str, str]:
    """The meta table, read through a read-only connection: a foreign file is never written."""
    where = str(path)
    if path.is_dir():
        raise IndexStoreError(f"{where} is a folder, not a dedup index")
    if path.stat().st_size == 0:
        raise IndexStoreError(f"{where} is an empty file, not a dedup index; nothing was changed")
    _check_size(path)
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            rows = conn.execute("SELECT key, value FROM meta").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise IndexStoreError(f"{where} is not a dedup index ({e}); nothing was changed") from None
    return {k: v for k, v in rows if isinstance(k, str) and isinstance(v, str)}


def _check_size(path: Path) -> None:
    """Refuse a database file shorter than its header says (cut off by a copy or a full disk).

    The header's page count is trusted only when its validity counter matches the
    change counter, as SQLite itself does; other damage shows when a page is read.
    """
    with open(path, "rb") as f:
        head = f.read(100)
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        return  # not SQLite at all: the read-only open says so
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    changes, pages, valid_for = (int.from_bytes(head[k : k + 4], "big") for k in (24, 28, 92))
    size = path.stat().st_size
    if changes == valid_for and size < pages * page_size:
        raise IndexStoreError(f"{path} is damaged: {size} bytes, but its header counts {pages * page_size}; nothing was changed")


class SqliteStore(StoreBase):
    """An index in one SQLite file. Not shared between threads; open one per process."""

    serialises_writers = True  # BEGIN IMMEDIATE

    def __init__(self, path: str | os.PathLike, config: Config | None = None, *, create: bool = True, timeout: float = 600.0):
        p = Path(path)
        self.location = str(path)
        if not p.exists():
            if not create:
                raise IndexStoreError(f"{self.location}: no such index")
            if not p.parent.is_dir():
                raise IndexStoreError(f"{self.location}: folder {p.parent} does not exist")
            _create(p, config or Config())
        self.config = check_header(_read_header(p), config, self.location, FORMAT_VERSION)
        self.path = p
        with _errors(self.location):
            self.conn = sqlite3.connect(p, timeout=timeout, isolation_level=None)
            if p.stat().st_size <= QUICK_CHECK_BYTES:
                self._quick_check()
            # NORMAL in WAL mode: a killed process loses nothing committed (the WAL is
            # written before COMMIT returns); a power cut may lose the last batches,
            # never consistency. FULL would add an fsync per batch for that case only.
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA cache_size=-32768")  # 32 MiB: pages of a big batch spill to the WAL, written once either way
            self.conn.execute("PRAGMA journal_size_limit=67108864")  # WAL shrinks back after a big batch

    def _quick_check(self) -> None:
        """PRAGMA quick_check: every page's structure (not the checksums, checked as read)."""
        found = [r[0] for r in self.conn.execute("PRAGMA quick_check(5)")]
        if found != ["ok"]:
            self.conn.close()
            raise IndexStoreError(f"{self.location} is damaged ({'; '.join(map(str, found))}); nothing was changed")

    @contextmanager
    def transaction(self, batch_key: str) -> Iterator["_Transaction"]:
        with _errors(self.location):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Transaction(self, batch_key)
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:  # SQLite may have rolled back itself (disk full)
                    self.conn.execute("ROLLBACK")
                raise

    def remove(self, doc_ids: Sequence[str]) -> tuple[int, list[str]]:
        wanted = set(doc_ids)
        with self.transaction("") as txn:
            where = []
            for part in _chunks(sorted(wanted), _IN):
                where += self.conn.execute(f"SELECT block FROM docs WHERE doc IN ({','.join('?' * len(part))})", part)
            blocks = _read_blocks(self, [b for (b,) in where])
            gone, rows, doc_rows, old = [], [], [], set()
            for block, b in sorted(blocks.items()):
                spans = [b.span(k) for k in range(len(b))]
                old |= {(x[3].doc, block) for x in spans}
                gone += [x for x in spans if x[3].doc in wanted]
                stay = [k for k, x in enumerate(spans) if x[3].doc not in wanted]
                if stay:  # the block again, without them (each span keeps its id)
                    sets = [spans[k][2] for k in stay]
                    r, d = _block_rows(
                        b.rec["id"][stay], b.batch, [spans[k][3] for k in stay], b.rec["anchors"][stay], b.rec["set_key"][stay],
                        np.concatenate(sets), run_starts([len(x) for x in sets]),
                    )
                    rows += r
                    doc_rows += d
            entries = stack_entries(gone)
            for kind, keys, owner in postings(entries, self.config):
                txn.runs.remove(kind, keys, entries.ids)
            self.conn.executemany("DELETE FROM spans WHERE id = ?", [(b,) for b in blocks])
            self.conn.executemany("DELETE FROM docs WHERE doc = ? AND block = ?", sorted(old))
            self.conn.executemany("INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self.conn.executemany("INSERT INTO docs VALUES (?, ?, ?)", doc_rows)
        return len(gone), sorted({r.doc for r in entries.refs})

    def stats(self) -> dict:
        with _errors(self.location):
            q = self.conn.execute
            spans = q("SELECT coalesce(sum(spans), 0) FROM docs").fetchone()[0]
            batches, scanned = q("SELECT count(*), coalesce(sum(documents), 0) FROM batches").fetchone()
            docs = q("SELECT count(DISTINCT doc) FROM docs").fetchone()[0]
        size = sum(os.path.getsize(f) for f in (self.path, Path(f"{self.path}-wal")) if f.exists())
        return self._stats(
            "sqlite", spans, docs, batches, scanned, bytes=size, bytes_per_span=round(size / spans, 1) if spans else None
        )

    def close(self) -> None:
        self.conn.close()


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _read_blocks(store: "SqliteStore", blocks: Sequence[int]) -> dict[int, _Block]:
    """The spans rows of these blocks (those that exist), checked against their checksums."""
    out = {}
    for part in _chunks(sorted(set(blocks)), _IN):
        for row in store.conn.execute(
            f"SELECT id, batch, spans, records, names, texts, shingles, checksum FROM spans WHERE id IN ({','.join('?' * len(part))})",
            part,
        ):
            block, batch, n, rec, names, texts, sh, check = row
            try:
                intact = (
                    all(isinstance(b, bytes) for b in (rec, names, texts, sh)) and isinstance(n, int)
                    and len(rec) == n * _RECORD.itemsize and len(sh) % 8 == 0
                    and check == _block_checksum(block, batch, n, rec, names, texts, sh)
                )
                if intact:
                    got = _Block(batch, np.frombuffer(rec, dtype=_RECORD), names.decode("utf-8", "surrogatepass"),
                                 texts.decode("utf-8", "surrogatepass"), np.frombuffer(sh, dtype="<u8"))
            except (TypeError, ValueError, UnicodeDecodeError):  # a column of the wrong type
                intact = False
            if not intact:
                raise IndexStoreError(f"{store.location}: span block {block} is damaged (its checksum does not match); nothing was changed")
            out[block] = got
    return out


def _entries(store: "SqliteStore", ids: np.ndarray, strict: bool = True) -> Entries:
    """The stored entries of these span ids, in the order given (not `strict`: of those stored)."""
    ids = np.asarray(ids, dtype=np.int64)
    found = _read_blocks(store, distinct(ids // BLOCK).tolist())
    rows = []
    for i in ids.tolist():
        b = found.get(i // BLOCK)
        k = None if b is None else b.at.get(i)
        if k is None and not strict:
            continue
        if k is None:
            raise IndexStoreError(f"{store.location}: span {i} is named by a posting but missing; the index is damaged")
        rows.append(b.span(k))
    return stack_entries(rows)


class _Runs:
    """The posting runs of one index, read and written inside a transaction."""

    def __init__(self, store: SqliteStore):
        self.store, self.q = store, store.conn.execute

    def _damaged(self, what: str) -> IndexStoreError:
        return IndexStoreError(f"{self.store.location}: {what} is damaged (its checksum does not match); nothing was changed")

    def of(self, kind: str) -> list[tuple[int, int, np.ndarray]]:
        """(run id, postings, fences) of the kind's runs, oldest first."""
        out = []
        for run, n, fences, check in self.q("SELECT id, postings, fences, checksum FROM runs WHERE kind = ? ORDER BY id", (kind,)):
            if not isinstance(fences, bytes) or len(fences) % 8 or check != _checksum(b"%s %d " % (kind.encode(), n) + fences):
                raise self._damaged(f"posting run {run}")
            out.append((run, n, np.frombuffer(fences, dtype="<u8")))
        return out

    def read(self, kind: str, run: int, chunks: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, list]:
        """Keys and values of the run's chunks (all when None), in order; and the chunks read."""
        if chunks is None:
            rows = self.q(
                "SELECT id, keys, vals, checksum FROM chunks WHERE id >= ? AND id < ? ORDER BY id", (run << 32, (run + 1) << 32)
            ).fetchall()
        else:
            rows = []
            for part in _chunks(((run << 32) + chunks).tolist(), _IN):
                rows += self.q(f"SELECT id, keys, vals, checksum FROM chunks WHERE id IN ({','.join('?' * len(part))})", part)
            rows.sort(key=lambda r: r[0])
        width = _VALS[kind].itemsize
        for c, k, v, check in rows:
            if not (isinstance(k, bytes) and isinstance(v, bytes)) or len(k) % 8 or len(v) != len(k) // 8 * width \
                    or check != _checksum(k + v):
                raise self._damaged(f"posting run {run}, chunk {c & 0xFFFFFFFF}")
        keys = np.frombuffer(b"".join(r[1] for r in rows), dtype="<u8")
        vals = np.frombuffer(b"".join(r[2] for r in rows), dtype=_VALS[kind])
        return keys, vals, rows

    def find(self, kind: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every posting of these distinct keys: (position in keys, value), sorted by
        position, then span id."""
        wanted = np.ascontiguousarray(keys, dtype=np.uint64)
        order = None if (wanted[1:] > wanted[:-1]).all() else stable_order(wanted)
        if order is not None:
            wanted = wanted[order]
            if (wanted[1:] == wanted[:-1]).any():
                raise ValueError("lookup keys must be distinct")
        pos, vals = [np.zeros(0, np.int64)], [np.zeros(0, _VALS[kind])]
        for run, _, fences in self.of(kind):
            got_keys, got_vals, _ = self.read(kind, run, self._touched(fences, wanted))
            # one search per posting among the wanted keys, not two per wanted key: 88 -> 39 ms
            # for the band keys of a 20 MB batch against a 20 MB index
            at = np.minimum(np.searchsorted(wanted, got_keys), max(len(wanted) - 1, 0))
            hit = np.flatnonzero(wanted[at] == got_keys) if len(wanted) else np.zeros(0, np.int64)
            pos.append(at[hit] if order is None else order[at[hit]])
            vals.append(got_vals[hit])
        pos, vals = np.concatenate(pos), np.concatenate(vals)
        if not (pos[1:] >= pos[:-1]).all():
            # A run's postings are in (key, id) order and runs hold ascending span-id ranges
            # in run order (a merge replaces the newest runs), so a stable sort by position
            # leaves each key's ids ascending.
            at = stable_order(pos)
            pos, vals = pos[at], vals[at]
        return pos, vals

    @staticmethod
    def _touched(fences: np.ndarray, wanted: np.ndarray) -> np.ndarray | None:
        """The chunks that can hold some of these sorted keys: chunk c holds keys from
        fences[c] to fences[c + 1] (equal keys may continue into the next chunk), the
        last chunk from its fence up. None: nearly all. (The fences are searched among the
        keys: 40 -> 6 ms for 1.8M band keys against 24,000 chunks.)"""
        lo = np.searchsorted(wanted, fences, "left")
        hi = np.append(np.searchsorted(wanted, fences[1:], "right"), len(wanted))
        chunks = np.flatnonzero(hi > lo)
        return None if len(chunks) * 2 > len(fences) else chunks

    def write(self, kind: str, keys: np.ndarray, vals: np.ndarray) -> None:
        """A new run of these postings (sorted here, by key then span id)."""
        ids = vals["id"] if vals.dtype.names else vals
        # a batch's postings come in span order: a stable sort by key is (key, id) order
        order = stable_order(keys) if (ids[1:] >= ids[:-1]).all() else np.lexsort((ids, keys))
        keys, vals = np.ascontiguousarray(keys[order], dtype="<u8"), np.ascontiguousarray(vals[order], dtype=_VALS[kind])
        fences = keys[::CHUNK].tobytes()
        cur = self.q(
            "INSERT INTO runs(kind, postings, fences, checksum) VALUES (?, ?, ?, ?)",
            (kind, len(keys), fences, _checksum(b"%s %d " % (kind.encode(), len(keys)) + fences)),
        )
        run = cur.lastrowid

        def rows():
            for c, at in enumerate(range(0, len(keys), CHUNK)):
                k, v = keys[at : at + CHUNK].tobytes(), vals[at : at + CHUNK].tobytes()
                yield (run << 32) + c, k, v, _checksum(k + v)

        self.store.conn.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?)", rows())

    def add(self, kind: str, keys: np.ndarray, vals: np.ndarray) -> None:
        """Store a batch's postings as a new run, then merge the newest MERGE runs while
        the oldest of them is no larger than the others together (size-tiered: about
        MERGE - 1 runs per size class, classes MERGE times apart; each posting is
        rewritten about log_MERGE(index / batch) times)."""
        if len(keys):
            self.write(kind, keys, vals)
        runs = self.of(kind)
        while len(runs) >= MERGE and runs[-MERGE][1] <= sum(r[1] for r in runs[-MERGE + 1 :]):
            parts = [self.read(kind, run, None)[:2] for run, _, _ in runs[-MERGE:]]
            for run, _, _ in runs[-MERGE:]:
                self.q("DELETE FROM chunks WHERE id >= ? AND id < ?", (run << 32, (run + 1) << 32))
                self.q("DELETE FROM runs WHERE id = ?", (run,))
            self.write(kind, np.concatenate([k for k, _ in parts]), np.concatenate([v for _, v in parts]))
            del parts
            runs = self.of(kind)

    def remove(self, kind: str, keys: np.ndarray, span_ids: np.ndarray) -> None:
        """Delete the postings of these spans (found through their keys)."""
        wanted = distinct(np.ascontiguousarray(keys, dtype=np.uint64))
        for run, n, fences in self.of(kind):
            touched = self._touched(fences, wanted)
            _, _, rows = self.read(kind, run, touched)
            removed = 0
            for c, k, v, _ in rows:
                vals = np.frombuffer(v, dtype=_VALS[kind])
                gone = np.isin(vals["id"] if vals.dtype.names else vals, span_ids)
                if gone.any():
                    k2, v2 = np.frombuffer(k, dtype="<u8")[~gone].tobytes(), vals[~gone].tobytes()
                    self.q("UPDATE chunks SET keys = ?, vals = ?, checksum = ? WHERE id = ?", (k2, v2, _checksum(k2 + v2), c))
                    removed += int(gone.sum())
            if removed:
                fb = fences.tobytes()
                self.q("UPDATE runs SET postings = ?, checksum = ? WHERE id = ?", (n - removed, _checksum(b"%s %d " % (kind.encode(), n - removed) + fb), run))


class _Transaction:
    def __init__(self, store: SqliteStore, batch_key: str):
        self.store, self.key, self.q = store, batch_key, store.conn.execute
        self.runs = _Runs(store)
        row = self.q("SELECT number, first_span, spans, documents FROM batches WHERE key = ?", (batch_key,)).fetchone()
        self.prior = Batch(*row) if row else None
        self._before = self.prior.first_span if self.prior else _NO_LIMIT
        self._anchor_ids, self._anchor_n = np.zeros(0, np.int64), np.zeros(0, np.int64)

    def holds_spans(self) -> bool:
        # batches' counts are not lowered by remove(): True for an index emptied so (harmless)
        return self.q("SELECT 1 FROM batches WHERE spans > 0 AND first_span < ? LIMIT 1", (self._before,)).fetchone() is not None

    def lookup(self, kind: str, keys: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
        pos, vals = self.runs.find(kind, keys)
        ids = vals["id"] if vals.dtype.names else vals
        keep = ids < self._before
        pos, ids, vals = pos[keep], ids[keep], vals[keep]  # still by position, then id: each key's first `limit` ids
        starts = np.flatnonzero(np.concatenate(([True], pos[1:] != pos[:-1]))) if len(pos) else np.zeros(0, np.int64)
        rank = np.arange(len(pos)) - np.repeat(starts, np.diff(np.append(starts, len(pos))))
        first = rank < limit
        if vals.dtype.names:  # anchors: their spans' anchor counts come along
            u, at = np.unique(np.concatenate((self._anchor_ids, ids[first])), return_index=True)
            self._anchor_ids, self._anchor_n = u, np.concatenate((self._anchor_n, vals["n"][first].astype(np.int64)))[at]
        return pos[first].astype(np.int64), ids[first].astype(np.int64)

    def anchor_counts(self, ids: np.ndarray) -> np.ndarray:
        """Anchor counts came with the anchor lookup that found these ids."""
        return self._anchor_n[np.searchsorted(self._anchor_ids, ids)]

    def fetch(self, ids: np.ndarray, strict: bool = True) -> Entries:
        if not strict:
            ids = ids[ids < self._before]
        return _entries(self.store, ids, strict)

    def add(self, entries: Entries, documents: int) -> Batch:
        used, number = self.q("SELECT coalesce(max(first_span + spans), 1), coalesce(max(number), 0) + 1 FROM batches").fetchone()
        first = -(-used // BLOCK) * BLOCK  # the next block's first id
        ids = np.arange(first, first + len(entries), dtype=np.int64)
        mask = anchor_mask(entries, self.store.config)
        anchors = anchor_counts(entries, self.store.config, mask)
        rows, docs = _block_rows(ids, number, entries.refs, anchors, entries.set_keys, entries.values, entries.offsets)
        self.store.conn.executemany("INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self.store.conn.executemany("INSERT INTO docs VALUES (?, ?, ?)", docs)
        for kind, keys, owner in postings(entries, self.store.config, mask):
            vals = np.zeros(len(keys), dtype=_VALS[kind])
            if kind == "anchor":
                vals["id"], vals["n"] = ids[owner], anchors[owner]
            else:
                vals[:] = ids[owner]
            self.runs.add(kind, keys, vals)
        self.q("INSERT INTO batches VALUES (?, ?, ?, ?, ?)", (number, self.key, first, len(entries), documents))
        return Batch(number, first, len(entries), documents)
