"""The embedded index: one SQLite file (standard library), WAL, one write transaction per batch.

A batch's reads and its write run in one `BEGIN IMMEDIATE` transaction, so
concurrent scans of the same file are serialised: each sees every batch
committed before it, and a process killed at any moment leaves the file as it
was before its batch (SQLite's atomic commit). Readers (`index stats`) never wait.

Band keys and anchors are random 64-bit keys: adding a small batch straight into
big B-trees rewrites nearly every leaf page (82 MB of WAL per 1,000 spans at 10^5
spans). New postings go to small `*_new` tables instead and are merged into the
main ones in key order now and then (LSM-style); lookups read both. A batch of b
spans rewrites about all of `*_new` (P pending spans) and a merge all of the main
tables (M spans), so merging once P^2 >= M * b keeps the bytes written per span
near their minimum, 2 * sqrt(M / b) spans' worth of postings.
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

from ..config import Config
from ..records import IndexedSpan
from .base import Batch, Entries, IndexStoreError, StoreBase, anchor_counts, check_header, header, postings, stack_entries

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches(
    number INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,
    first_span INTEGER NOT NULL, spans INTEGER NOT NULL, documents INTEGER NOT NULL);
CREATE TABLE spans(
    id INTEGER PRIMARY KEY AUTOINCREMENT, batch INTEGER NOT NULL, doc TEXT NOT NULL,
    source TEXT NOT NULL, line INTEGER, span INTEGER NOT NULL, start INTEGER NOT NULL,
    "end" INTEGER NOT NULL, anchors INTEGER NOT NULL, set_key INTEGER NOT NULL,
    signature BLOB NOT NULL, shingles BLOB NOT NULL, text TEXT NOT NULL);
CREATE INDEX spans_doc ON spans(doc);
CREATE INDEX spans_set ON spans(set_key);
CREATE TABLE bands(key INTEGER NOT NULL, span INTEGER NOT NULL, PRIMARY KEY(key, span)) WITHOUT ROWID;
CREATE TABLE anchors(key INTEGER NOT NULL, span INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(key, span)) WITHOUT ROWID;
CREATE TABLE bands_new(key INTEGER NOT NULL, span INTEGER NOT NULL, PRIMARY KEY(key, span)) WITHOUT ROWID;
CREATE TABLE anchors_new(key INTEGER NOT NULL, span INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(key, span)) WITHOUT ROWID;
"""
# kind -> tables holding its postings (key column, span id column); an anchor
# posting also holds its span's anchor count (n), which the containment probe needs.
_TABLES = {
    "set": [("spans", "set_key", "id")],
    "band": [("bands", "key", "span"), ("bands_new", "key", "span")],
    "anchor": [("anchors", "key", "span"), ("anchors_new", "key", "span")],
}
_NO_LIMIT = 1 << 62


def _int64(keys: np.ndarray) -> list[int]:
    """uint64 keys as the signed 64-bit integers SQLite stores."""
    return np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64).tolist()


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
            conn.executescript("BEGIN;" + SCHEMA + "COMMIT;")
            conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(header(config).items()))
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

    def __init__(self, path: str | os.PathLike, config: Config | None = None, *, create: bool = True, timeout: float = 600.0):
        p = Path(path)
        self.location = str(path)
        if not p.exists():
            if not create:
                raise IndexStoreError(f"{self.location}: no such index")
            if not p.parent.is_dir():
                raise IndexStoreError(f"{self.location}: folder {p.parent} does not exist")
            _create(p, config or Config())
        self.config = check_header(_read_header(p), config, self.location)
        self.path = p
        with _errors(self.location):
            self.conn = sqlite3.connect(p, timeout=timeout, isolation_level=None)
            # NORMAL in WAL mode: a killed process loses nothing committed; a power
            # cut may lose the last batches, never consistency.
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA cache_size=-131072")  # 128 MiB
            self.conn.execute("PRAGMA journal_size_limit=67108864")  # WAL shrinks back after a big batch
            self.conn.execute("CREATE TEMP TABLE lookup(pos INTEGER PRIMARY KEY, key INTEGER NOT NULL)")

    @contextmanager
    def transaction(self, batch_key: str) -> Iterator["_Transaction"]:
        with _errors(self.location):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Transaction(self, batch_key)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def remove(self, doc_ids: Sequence[str]) -> tuple[int, list[str]]:
        with _errors(self.location):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                rows = []
                for part in _chunks(sorted(set(doc_ids)), 500):
                    marks = ",".join("?" * len(part))
                    rows += self.conn.execute(
                        f"SELECT id, doc, set_key, signature, shingles FROM spans WHERE doc IN ({marks})", part
                    ).fetchall()
                rows.sort()
                ids = [r[0] for r in rows]
                entries = _entries(self, [(r[0], r[2], r[3], r[4], None) for r in rows])
                for kind, keys, owner in postings(entries, self.config):
                    if kind == "set":
                        continue  # goes with the spans rows
                    gone = list(zip(_int64(keys), np.asarray(ids, dtype=np.int64)[owner].tolist()))
                    for table, col, idcol in _TABLES[kind]:
                        self.conn.executemany(f"DELETE FROM {table} WHERE {col} = ? AND {idcol} = ?", gone)
                for part in _chunks(ids, 500):
                    self.conn.execute(f"DELETE FROM spans WHERE id IN ({','.join('?' * len(part))})", part)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        return len(ids), sorted({r[1] for r in rows})

    def stats(self) -> dict:
        with _errors(self.location):
            q = self.conn.execute
            spans = q("SELECT count(*) FROM spans").fetchone()[0]
            batches, scanned = q("SELECT count(*), coalesce(sum(documents), 0) FROM batches").fetchone()
            docs = q("SELECT count(DISTINCT doc) FROM spans").fetchone()[0]
        size = sum(os.path.getsize(f) for f in (self.path, Path(f"{self.path}-wal")) if f.exists())
        return self._stats(
            "sqlite", spans, docs, batches, scanned, bytes=size, bytes_per_span=round(size / spans, 1) if spans else None
        )

    def close(self) -> None:
        self.conn.close()


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _entries(store: SqliteStore, rows: list[tuple]) -> Entries:
    """Entries from (id, set_key, signature blob, shingles blob, ref) rows, checking blob sizes."""
    perm = store.config.num_perm
    out = []
    for span_id, set_key, sig, sh, ref in rows:
        if not isinstance(sig, bytes) or len(sig) != 4 * perm or not isinstance(sh, bytes) or len(sh) % 8:
            raise IndexStoreError(f"{store.location}: span {span_id} is damaged (signature or shingle blob of the wrong size)")
        unsigned = np.array([set_key], dtype=np.int64).view(np.uint64)[0]
        out.append((span_id, unsigned, np.frombuffer(sig, dtype="<u4"), np.frombuffer(sh, dtype="<u8"), ref))
    return stack_entries(out, perm)


class _Transaction:
    def __init__(self, store: SqliteStore, batch_key: str):
        self.store, self.key, self.q = store, batch_key, store.conn.execute
        row = self.q("SELECT number, first_span, spans, documents FROM batches WHERE key = ?", (batch_key,)).fetchone()
        self.prior = Batch(*row) if row else None
        self._before = self.prior.first_span if self.prior else _NO_LIMIT
        self._anchors: dict[int, int] = {}  # span id -> anchor count, from anchor lookups

    def lookup(self, kind: str, keys: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
        # The keys go to a temporary table; per key and table a correlated sub-select
        # takes its first `limit` ids (their union holds the key's first `limit`) and
        # packs them into one string: one statement, bounded work per key.
        anchors = kind == "anchor"
        item = "{0} || ',' || n" if anchors else "{0}"  # an anchor comes with its span's anchor count
        width = 2 if anchors else 1
        cols = ", ".join(
            f"(SELECT group_concat({item.format(idcol)}) FROM (SELECT * FROM {table} WHERE {col} = q.key "
            f"AND {idcol} < ?1 ORDER BY {idcol} LIMIT ?2))"
            for table, col, idcol in _TABLES[kind]
        )
        self.q("DELETE FROM temp.lookup")
        self.store.conn.executemany("INSERT INTO temp.lookup VALUES (?, ?)", enumerate(_int64(keys)))
        pos: list[int] = []
        found: list[str] = []
        for row in self.q(f"SELECT pos, {cols} FROM temp.lookup q", (self._before, limit)):
            for cell in row[1:]:
                if cell:
                    found.append(cell)
                    pos += [row[0]] * ((cell.count(",") + 1) // width)
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        numbers = np.array(",".join(found).split(","), dtype=np.int64).reshape(-1, width)
        if anchors:
            self._anchors.update(zip(numbers[:, 0].tolist(), numbers[:, 1].tolist()))
        return np.array(pos, dtype=np.int64), numbers[:, 0].copy()

    def anchor_counts(self, ids: np.ndarray) -> np.ndarray:
        """Anchor counts came with the anchor lookup that found these ids."""
        return np.array([self._anchors[i] for i in ids.tolist()], dtype=np.int64)

    def fetch(self, ids: np.ndarray) -> Entries:
        found: dict[int, tuple] = {}
        for part in _chunks(ids.tolist(), 500):
            for r in self.q(
                'SELECT id, set_key, signature, shingles, doc, source, line, span, start, "end", text '
                f"FROM spans WHERE id IN ({','.join('?' * len(part))})", part,
            ):
                found[r[0]] = (r[0], r[1], r[2], r[3], IndexedSpan(*r[4:]))
        return _entries(self.store, [found[i] for i in ids.tolist()])

    def add(self, entries: Entries, documents: int) -> Batch:
        seq = self.q("SELECT seq FROM sqlite_sequence WHERE name = 'spans'").fetchone()
        first = (seq[0] if seq else 0) + 1
        number = (self.q("SELECT max(number) FROM batches").fetchone()[0] or 0) + 1
        ids = np.arange(first, first + len(entries), dtype=np.int64)
        anchors = anchor_counts(entries, self.store.config)
        set_keys = _int64(entries.set_keys)
        self.store.conn.executemany(
            "INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (int(ids[i]), number, r.doc, r.source, r.line, r.index, r.start, r.end, int(anchors[i]), set_keys[i],
                 entries.sigs[i].astype("<u4").tobytes(), entries.shingles(i).astype("<u8").tobytes(), r.text)
                for i, r in enumerate(entries.refs)
            ),
        )
        for kind, keys, owner in postings(entries, self.store.config):
            if kind == "set":
                continue  # the spans table is indexed by set_key
            table = _TABLES[kind][1][0]  # the small *_new table
            signed = np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64)
            order = np.argsort(signed, kind="stable")  # in key order, B-tree pages fill in sequence
            rows = zip(signed[order].tolist(), ids[owner[order]].tolist())
            if kind == "anchor":
                rows = ((k, i, n) for (k, i), n in zip(rows, anchors[owner[order]].tolist()))
            marks = "?, ?, ?" if kind == "anchor" else "?, ?"
            self.store.conn.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({marks})", rows)
        self.q("INSERT INTO batches VALUES (?, ?, ?, ?, ?)", (number, self.key, first, len(entries), documents))
        self._merge_when_due(first + len(entries), len(entries))
        return Batch(number, first, len(entries), documents)

    def _merge_when_due(self, next_id: int, batch: int) -> None:
        """Move the *_new postings into the main tables, in key order, once P^2 >= M * b."""
        row = self.q("SELECT value FROM meta WHERE key = 'merged_below'").fetchone()
        merged_below = int(row[0]) if row else 1
        pending, merged = next_id - merged_below, merged_below - 1
        if not pending or pending * pending < merged * max(batch, 1):
            return
        for kind in ("band", "anchor"):
            (main, _, _), (new, _, _) = _TABLES[kind]
            self.q(f"INSERT OR IGNORE INTO {main} SELECT * FROM {new} ORDER BY key, span")
            self.q(f"DELETE FROM {new}")
        self.q("INSERT OR REPLACE INTO meta VALUES ('merged_below', ?)", (str(next_id),))
