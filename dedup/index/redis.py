"""The shared index: a Redis server, through redis-py, values as raw bytes (never pickled).

Layout under a key prefix (default `dedup:`; `redis://host:port/db?prefix=news:`):

    meta                 hash: format, format_version, params
    gen                  bumped by every write; a batch WATCHes it (optimistic concurrency)
    counts               hash: spans, documents, batches, documents_scanned, next_span
    batches              hash: batch key -> "number first_span spans documents"
    s:<id>               one span: a fixed little-endian header, signature, shingles, texts
    d:<doc id>           the span ids of a document, packed uint64
    k: b: a: + 2 bytes   set keys, band keys, anchors: a hash per 2-byte key prefix; field =
                         8-byte key, value = its span ids (uint64, ascending: ids grow with
                         commit order; an anchor's id is followed by its span's anchor count)

A batch reads, then writes everything in one MULTI/EXEC guarded by WATCH on
`gen`: a client killed before EXEC leaves nothing; a batch that lost the race
to another writer is recomputed. Every value read back is parsed with fixed
struct layouts and length checks: a hostile value gives an error, not code.
"""

from __future__ import annotations

import struct
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from ..config import Config
from ..records import IndexedSpan
from ..stages import sketch
from .base import Batch, Conflict, Entries, IndexStoreError, StoreBase, anchor_counts, check_header, header, postings, stack_entries

_MAGIC = b"DSP1"
# magic, batch, set_key, line (-1: none), span index, start, end, anchors, shingles, num_perm, len(doc), len(source), len(text)
_HEAD = struct.Struct("<4sQQqIQQIIHIII")
_NO_LIMIT = 1 << 62
_KIND = {"set": b"k", "band": b"b", "anchor": b"a"}

# Each takes a prefix, a kind byte, packed 8-byte big-endian keys and an entry width
# (8: a span id; 12 for anchors: the id and its span's anchor count, uint32). A
# key's hash is prefix..kind..":"..its first two bytes. Scripts run atomically.
_LOOKUP = """
local p, w = ARGV[1] .. ARGV[2] .. ':', tonumber(ARGV[5])
local n = tonumber(ARGV[4]) * w
local out = {}
for i = 1, #ARGV[3], 8 do
  local k = string.sub(ARGV[3], i, i + 7)
  local v = redis.call('HGET', p .. string.sub(k, 1, 2), k)
  out[#out + 1] = v and string.sub(v, 1, n) or ''
end
return out
"""
_APPEND = """
local p, w = ARGV[1] .. ARGV[2] .. ':', tonumber(ARGV[5])
for i = 1, #ARGV[3], 8 do
  local k = string.sub(ARGV[3], i, i + 7)
  local h, j = p .. string.sub(k, 1, 2), (i - 1) / 8 * w + 1
  redis.call('HSET', h, k, (redis.call('HGET', h, k) or '') .. string.sub(ARGV[4], j, j + w - 1))
end
return 0
"""
_REMOVE = """
local p, w = ARGV[1] .. ARGV[2] .. ':', tonumber(ARGV[5])
for i = 1, #ARGV[3], 8 do
  local k = string.sub(ARGV[3], i, i + 7)
  local h, id = p .. string.sub(k, 1, 2), string.sub(ARGV[4], i, i + 7)
  local v = redis.call('HGET', h, k) or ''
  local kept = {}
  for j = 1, #v, w do
    if string.sub(v, j, j + 7) ~= id then kept[#kept + 1] = string.sub(v, j, j + w - 1) end
  end
  if #kept == 0 then redis.call('HDEL', h, k) else redis.call('HSET', h, k, table.concat(kept)) end
end
return 0
"""
_ENTRY = {"set": np.dtype("<u8"), "band": np.dtype("<u8"), "anchor": np.dtype([("id", "<u8"), ("n", "<u4")])}


def _packed_keys(keys: np.ndarray) -> bytes:
    return np.ascontiguousarray(keys, dtype=np.uint64).astype(">u8").tobytes()


def _packed_ids(ids: np.ndarray) -> bytes:
    return np.ascontiguousarray(ids, dtype=np.int64).astype("<u8").tobytes()


class RedisStore(StoreBase):
    """An index in a Redis database, shared by any number of processes."""

    def __init__(self, url: str, config: Config | None = None, *, create: bool = True):
        import redis

        self._redis = redis
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qs(parts.query)
        prefix = query.pop("prefix", ["dedup:"])[0]
        clean = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, doseq=True)))
        self.location = url
        self.p = prefix.encode()
        # redis-py's default 5 s read timeout is shorter than a big batch's EXEC; a
        # URL may still set socket_timeout itself.
        self.r = redis.Redis.from_url(clean, **({} if "socket_timeout" in query else {"socket_timeout": 600}))
        with self._errors():
            self.r.ping()
            meta = self._meta()
            if not meta:
                if next(iter(self.r.scan_iter(match=self.p + b"*", count=1000)), None) is not None:
                    # _create writes the header in the same transaction as the first
                    # keys, so keys without a header are foreign -- unless a concurrent
                    # process created the index between our two reads: read again.
                    meta = self._meta()
                    if not meta:
                        raise IndexStoreError(f"{url}: keys under {prefix!r} but no dedup index header; nothing was changed")
            if not meta:
                if not create:
                    raise IndexStoreError(f"{url}: no dedup index under prefix {prefix!r}")
                self._create(config or Config())
                meta = self._meta()
        self.config = check_header(meta, config, url)
        self._num_perm = self.config.num_perm

    def _k(self, *parts: bytes) -> bytes:
        return self.p + b"".join(parts)

    def _meta(self) -> dict[str, str]:
        try:
            raw = self.r.hgetall(self._k(b"meta"))
        except self._redis.ResponseError as e:
            raise IndexStoreError(f"{self.location}: not a dedup index ({e}); nothing was changed") from None
        out = {}
        for k, v in raw.items():
            try:
                out[k.decode()] = v.decode()
            except UnicodeDecodeError:
                raise IndexStoreError(f"{self.location}: damaged index header") from None
        return out

    def _create(self, config: Config) -> None:
        with self.r.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(self._k(b"meta"))
                if pipe.exists(self._k(b"meta")):
                    return
                pipe.multi()
                pipe.hset(self._k(b"meta"), mapping=header(config))
                pipe.hset(self._k(b"counts"), mapping={"spans": 0, "documents": 0, "batches": 0, "documents_scanned": 0, "next_span": 1})
                pipe.execute()
            except self._redis.WatchError:
                pass  # created by a concurrent process: use theirs

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except self._redis.WatchError:
            raise Conflict() from None
        except self._redis.ConnectionError as e:
            raise IndexStoreError(f"{self.location}: cannot reach Redis ({e})") from None
        except self._redis.RedisError as e:
            raise IndexStoreError(f"{self.location}: {e}") from None

    @contextmanager
    def transaction(self, batch_key: str) -> Iterator["_Transaction"]:
        with self._errors(), self.r.pipeline(transaction=True) as pipe:
            pipe.watch(self._k(b"gen"))
            txn = _Transaction(self, pipe, batch_key)
            yield txn
            if txn.writes is not None:
                pipe.multi()
                txn.writes(pipe)
                pipe.incr(self._k(b"gen"))
                pipe.execute()

    def _counts(self) -> dict[str, int]:
        """The counts hash, every field a non-negative integer (next_span at least 1)."""
        raw = self.r.hgetall(self._k(b"counts"))
        try:
            counts = {k.decode(): int(v) for k, v in raw.items()}
        except (UnicodeDecodeError, ValueError):
            counts = {}
        names = ("spans", "documents", "batches", "documents_scanned", "next_span")
        if any(counts.get(n, -1) < 0 for n in names) or counts["next_span"] < 1:
            shown = {k[:40]: v[:40] for k, v in raw.items()}
            raise IndexStoreError(f"{self.location}: the index's counts are damaged ({shown!r}); nothing was changed")
        return counts

    def _eval(self, script: str, *args) -> list:
        return self.r.eval(script, 0, self.p, *args)

    def records(self, ids: Sequence[int], strict: bool = True) -> list[tuple]:
        """(id, set_key, signature, shingles, ref, anchors) of each span id, parsed strictly
        (not `strict`: of each one stored)."""
        out = []
        for start in range(0, len(ids), 1000):
            part = ids[start : start + 1000]
            for i, raw in zip(part, self.r.mget([self._k(b"s:", str(i).encode()) for i in part])):
                if raw is not None or strict:
                    out.append(self._parse(int(i), raw))
        return out

    def _damaged(self, span_id: int, why: str) -> IndexStoreError:
        return IndexStoreError(f"{self.location}: span {span_id} is damaged ({why})")

    def _header(self, span_id: int, raw: bytes | None) -> tuple:
        if not raw:
            raise self._damaged(span_id, "missing")
        if len(raw) < _HEAD.size:
            raise self._damaged(span_id, "too short")
        head = _HEAD.unpack_from(raw)
        if head[0] != _MAGIC or head[9] != self._num_perm:
            raise self._damaged(span_id, "not a dedup span record")
        return head

    def _parse(self, span_id: int, raw: bytes | None) -> tuple:
        _, _, set_key, line, index, start, end, anchors, n_values, n_perm, n_doc, n_src, n_text = self._header(span_id, raw)
        o = _HEAD.size
        sizes = (4 * n_perm, 8 * n_values, n_doc, n_src, n_text)
        if len(raw) != o + sum(sizes):
            raise self._damaged(span_id, "wrong length")
        cuts = np.cumsum((o,) + sizes)
        sig = np.frombuffer(raw[cuts[0] : cuts[1]], dtype="<u4").astype(np.uint32)
        values = np.frombuffer(raw[cuts[1] : cuts[2]], dtype="<u8").astype(np.uint64)
        try:
            doc, src, text = (raw[cuts[k] : cuts[k + 1]].decode("utf-8") for k in (2, 3, 4))
        except UnicodeDecodeError:
            raise self._damaged(span_id, "text is not UTF-8") from None
        ref = IndexedSpan(doc, src, None if line < 0 else line, index, start, end, text)
        return span_id, set_key, sig, values, ref, anchors

    def _encode(self, batch: int, entries: Entries, sigs: np.ndarray, i: int, anchors: int) -> bytes:
        r = entries.refs[i]
        doc, src, text = (s.encode("utf-8", "surrogatepass") for s in (r.doc, r.source, r.text))
        sig, values = sigs[i].astype("<u4").tobytes(), entries.shingles(i).astype("<u8").tobytes()
        head = _HEAD.pack(
            _MAGIC, batch, int(entries.set_keys[i]), -1 if r.line is None else r.line, r.index, r.start, r.end,
            anchors, len(values) // 8, len(sig) // 4, len(doc), len(src), len(text),
        )
        return b"".join((head, sig, values, doc, src, text))

    def remove(self, doc_ids: Sequence[str]) -> tuple[int, list[str]]:
        docs = sorted(set(doc_ids))
        doc_keys = [self._k(b"d:", d.encode("utf-8", "surrogatepass")) for d in docs]
        for _ in range(20):
            try:
                with self._errors(), self.r.pipeline(transaction=True) as pipe:
                    pipe.watch(self._k(b"gen"))
                    found, ids = [], []
                    for d, raw in zip(docs, self.r.mget(doc_keys) if docs else []):
                        if raw:
                            found.append(d)
                            ids += _unpack(raw, _ENTRY["set"], self.location).astype(np.int64).tolist()
                    ids.sort()
                    entries = stack_entries([r[:2] + r[3:5] for r in self.records(ids)])
                    pipe.multi()
                    for kind, keys, owner in postings(entries, self.config):
                        pipe.eval(
                            _REMOVE, 0, self.p, _KIND[kind], _packed_keys(keys), _packed_ids(entries.ids[owner]),
                            _ENTRY[kind].itemsize,
                        )
                    if ids:
                        pipe.delete(*[self._k(b"s:", str(i).encode()) for i in ids])
                        pipe.delete(*[self._k(b"d:", d.encode("utf-8", "surrogatepass")) for d in found])
                    pipe.hincrby(self._k(b"counts"), "spans", -len(ids))
                    pipe.hincrby(self._k(b"counts"), "documents", -len(found))
                    pipe.incr(self._k(b"gen"))
                    pipe.execute()
                return len(ids), found
            except Conflict:
                continue
        raise IndexStoreError(f"{self.location}: gave up removing: other writers kept committing first")

    def stats(self) -> dict:
        with self._errors():
            counts = self._counts()
            memory = int(self.r.info("memory")["used_memory"])
        get = counts.get
        # used_memory is the whole server's, not only this index's
        return self._stats(
            "redis", get("spans", 0), get("documents", 0), get("batches", 0), get("documents_scanned", 0),
            server_used_memory=memory,
        )

    def close(self) -> None:
        self.r.close()


def _unpack(raw: bytes, entry: np.dtype, location: str) -> np.ndarray:
    if len(raw) % entry.itemsize:
        raise IndexStoreError(f"{location}: damaged id list (length {len(raw)} is not a multiple of {entry.itemsize})")
    return np.frombuffer(raw, dtype=entry)


class _Transaction:
    def __init__(self, store: RedisStore, pipe, batch_key: str):
        self.store, self.key, self.pipe = store, batch_key, pipe
        self.writes = None  # set by add(): queues the batch's commands for MULTI/EXEC
        raw = store.r.hget(store._k(b"batches"), batch_key)
        self.prior = None
        if raw is not None:
            try:
                self.prior = Batch(*(int(x) for x in raw.split()))
            except (TypeError, ValueError):
                raise IndexStoreError(f"{store.location}: damaged batch record {raw[:80]!r}") from None
        self._before = self.prior.first_span if self.prior else _NO_LIMIT
        self._anchors: dict[int, int] = {}  # span id -> anchor count, from anchor lookups

    def holds_spans(self) -> bool:
        if self.prior is not None:  # a re-run: the spans before it (ids start at 1)
            return self.prior.first_span > 1
        return self.store._counts()["spans"] > 0  # read under the batch's WATCH, like every read here

    def lookup(self, kind: str, keys: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
        pos, ids = [], []
        entry = _ENTRY[kind]
        for start in range(0, len(keys), 20000):
            part = keys[start : start + 20000]
            got = self.store._eval(_LOOKUP, _KIND[kind], _packed_keys(part), limit, entry.itemsize)
            for j, raw in enumerate(got):
                if raw:
                    found = _unpack(raw, entry, self.store.location)
                    found = found[(found["id"] if entry.names else found) < self._before]
                    if entry.names:  # anchors: their spans' anchor counts come along
                        self._anchors.update(zip(found["id"].tolist(), found["n"].tolist()))
                        found = found["id"]
                    ids.append(found.astype(np.int64))
                    pos.append(np.full(len(found), start + j, dtype=np.int64))
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(pos), np.concatenate(ids)

    def anchor_counts(self, ids: np.ndarray) -> np.ndarray:
        """Anchor counts came with the anchor lookup that found these ids."""
        return np.array([self._anchors[i] for i in ids.tolist()], dtype=np.int64)

    def fetch(self, ids: np.ndarray, strict: bool = True) -> Entries:
        if not strict:
            ids = ids[ids < self._before]
        return stack_entries([r[:2] + r[3:5] for r in self.store.records(ids.tolist(), strict)])

    def add(self, entries: Entries, documents: int) -> Batch:
        s = self.store
        counts = s._counts()
        first, number = counts["next_span"], counts["batches"] + 1
        ids = np.arange(first, first + len(entries), dtype=np.int64)
        batch = Batch(number, first, len(entries), documents)
        anchors = anchor_counts(entries, s.config)
        by_doc: dict[str, list[int]] = {}
        for i, r in enumerate(entries.refs):
            by_doc.setdefault(r.doc, []).append(int(ids[i]))
        doc_keys = [s._k(b"d:", d.encode("utf-8", "surrogatepass")) for d in by_doc]
        new_docs = sum(not x for x in s.r.mget(doc_keys)) if doc_keys else 0

        # MinHash signatures go into the span records (format 1); dedup reads them only to check them
        sigs = sketch.signatures(entries.values, entries.offsets, sketch.permutations(s.config.num_perm, s.config.seed))

        def writes(pipe) -> None:
            if len(entries):
                pipe.mset({s._k(b"s:", str(int(ids[i])).encode()): s._encode(number, entries, sigs, i, int(anchors[i])) for i in range(len(entries))})
            for kind, keys, owner in postings(entries, s.config):
                order = np.lexsort((owner, keys))  # each key's ids appended in ascending order
                packed = np.zeros(len(order), dtype=_ENTRY[kind])
                if _ENTRY[kind].names:
                    packed["id"], packed["n"] = ids[owner[order]], anchors[owner[order]]
                else:
                    packed[:] = ids[owner[order]]
                pipe.eval(_APPEND, 0, s.p, _KIND[kind], _packed_keys(keys[order]), packed.tobytes(), _ENTRY[kind].itemsize)
            for key, span_ids in zip(doc_keys, by_doc.values()):
                pipe.append(key, _packed_ids(np.array(span_ids)))
            pipe.hset(s._k(b"batches"), self.key, f"{number} {first} {len(entries)} {documents}")
            pipe.hset(s._k(b"counts"), mapping={"next_span": first + len(entries), "batches": number})
            pipe.hincrby(s._k(b"counts"), "spans", len(entries))
            pipe.hincrby(s._k(b"counts"), "documents", new_docs)
            pipe.hincrby(s._k(b"counts"), "documents_scanned", documents)

        self.writes = writes
        return batch
