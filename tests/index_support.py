"""A throwaway redis-server on a free localhost port, for the index tests and benchmark."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from dedup import Document


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """`with RedisServer() as url:` a private, memory-only redis-server; stopped on exit."""

    def __init__(self, binary: str | None = None):
        self.binary = binary or shutil.which("redis-server")
        if self.binary is None:
            raise FileNotFoundError("redis-server not found (Debian package redis-server; tests/run.sh installs it)")
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> str:
        self.dir = tempfile.mkdtemp(prefix="dedup-redis-")
        for _ in range(5):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", self.dir, "--protected-mode", "yes"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            if self._wait_ready():
                return f"redis://127.0.0.1:{self.port}/0"
            self._stop()  # port taken meanwhile: try another
        raise RuntimeError("could not start redis-server")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def _stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc) -> None:
        self._stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def redis_required() -> bool:
    """In CI a missing redis-server is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


# Fixtures, imported by the index test modules.


@pytest.fixture(scope="module")
def redis_url():
    """A private redis-server for the module; skipped (never in CI) when it is not installed."""
    try:
        server = RedisServer()
    except FileNotFoundError as e:
        if redis_required():
            pytest.fail(f"CI=true and {e}")
        pytest.skip(f"{e}; Redis backend tests skipped (they never skip in CI)")
    with server as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def index_location(request, tmp_path):
    """A fresh, empty index location on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "archive.db")
    import redis

    url = request.getfixturevalue("redis_url")
    redis.Redis.from_url(url).flushdb()
    return url


ROOT = Path(__file__).resolve().parent.parent


# --- planted corpora -------------------------------------------------------------

_SYL = "ka lo mi ne ru sa te vo zi pa be do fu gi ha ju ke li mo nu".split()
EDITS = ("exact", "substitute", "delete", "insert", "glue")


def vocabulary(n: int = 800, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rnd.choice(_SYL) for _ in range(rnd.randint(2, 4))))
    return sorted(words)


def paragraph(rnd: random.Random, vocab: list[str], n_words: int = 40) -> str:
    words = [rnd.choice(vocab) for _ in range(n_words)]
    sentences, i = [], 0
    while i < len(words):
        k = rnd.randint(7, 14)
        sentences.append(" ".join(words[i : i + k]).capitalize() + ".")
        i += k
    return " ".join(sentences)


def edited(rnd: random.Random, vocab: list[str], text: str, kind: str, other: str = "") -> str:
    """A copy of `text`: exact, two words changed, three words cut, a sentence inserted, or glued to `other`."""
    words = text.split(" ")
    if kind == "exact":
        return text
    if kind == "substitute":
        for i in rnd.sample(range(len(words)), 2):
            words[i] = rnd.choice(vocab)
    elif kind == "delete":
        i = rnd.randrange(max(1, len(words) - 3))
        del words[i : i + 3]
    elif kind == "insert":
        i = rnd.randrange(len(words))
        words[i:i] = paragraph(rnd, vocab, 12).split(" ")
    elif kind == "glue":
        return text + " " + other
    return " ".join(words)


def planted_docs(rnd: random.Random, n_docs: int, kinds: tuple[str, ...] = EDITS, copy_rate: float = 0.5) -> list[Document]:
    """Documents of 1-4 paragraphs; about `copy_rate` of paragraphs are edited copies of earlier ones."""
    vocab = vocabulary()
    seen: list[str] = []
    docs = []
    for d in range(n_docs):
        paras = []
        for _ in range(rnd.randint(1, 4)):
            if seen and rnd.random() < copy_rate:
                paras.append(edited(rnd, vocab, rnd.choice(seen), rnd.choice(kinds), rnd.choice(seen)))
            else:
                paras.append(paragraph(rnd, vocab, rnd.randint(20, 60)))
            seen.append(paras[-1])
        docs.append(Document(f"d{d:04d}", "\n\n".join(paras), f"d{d:04d}.txt"))
    return docs


# --- decisions of one scan vs batches through an index ------------------------------

Ref = tuple[str, int]  # (document id, span index)


def decisions(result) -> dict[Ref, Ref | None]:
    """For each judged span: None if kept, else the (doc, span) it was dropped against."""
    out: dict[Ref, Ref | None] = {}
    n = len(result.spans)
    for i, span in enumerate(result.spans):
        if not result.eligible[i]:
            continue
        drop = result.drops.get(i)
        if drop is None:
            kept = None
        elif drop.kept < n:
            k = result.spans[drop.kept]
            kept = (result.documents[k.doc].id, k.index)
        else:
            ref = result.indexed[drop.kept - n]
            kept = (ref.doc, ref.index)
        out[(result.documents[span.doc].id, span.index)] = kept
    return out


def equivalence_limits(docs, batch_of: dict[str, int], config) -> tuple[list[str], set[Ref]]:
    """Where the index may differ from one scan over all batches (see dedup/index/incremental.py).

    Returns the reasons exact equivalence is not promised (empty: it is), and the
    spans whose kept partner may differ: copies of a span dropped in an earlier batch.
    Computed from the core's stages on the whole corpus, independently of the index.
    """
    from dedup.stages import decide
    from dedup import scan
    from dedup.stages.pairs import find_pairs
    from dedup.stages.units import group_units
    from dedup.stages.mapping import shingle_documents

    sh = shingle_documents(docs, config)
    units = group_units(sh.values, sh.offsets)
    found = find_pairs(units.values, units.offsets, config)
    elig = [int(i) for i in np.flatnonzero(sh.eligible)]
    span_batch = [batch_of[docs[sh.spans[i].doc].id] for i in elig]
    unit_batch: dict[int, int] = {}
    for k, u in enumerate(units.unit_of.tolist()):
        unit_batch[u] = min(unit_batch.get(u, 1 << 30), span_batch[k])
    reasons = []
    if found.proposals.oversized:
        reasons.append("oversized buckets")
    for (u, v), k in zip(found.pairs.tolist(), found.inter.tolist()):
        su, sv = int(units.sizes[u]), int(units.sizes[v])
        if k < config.threshold * min(su, sv) or unit_batch[u] == unit_batch[v]:
            continue
        (x, sx), (y, sy) = sorted([(u, su), (v, sv)], key=lambda t: unit_batch[t[0]])
        if decide.fuller(sy, sx, sx + sy - k):
            reasons.append("a later span is fuller than an earlier one it matches")
            break
    one = scan(docs, config)
    exempt: set[Ref] = set()
    members: dict[int, list[int]] = {}
    for k, u in enumerate(units.unit_of.tolist()):
        members.setdefault(u, []).append(k)
    for group in members.values():
        for k in group:
            if any(span_batch[j] < span_batch[k] and elig[j] in one.drops for j in group):
                s = sh.spans[elig[k]]
                exempt.add((docs[s.doc].id, s.index))
    return reasons, exempt


# --- index contents, for crash and concurrency checks ----------------------------------


def write_jsonl(path: Path, docs: list[Document]) -> Path:
    import json

    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs), encoding="utf-8")
    return path


def sqlite_state(path: str | Path) -> tuple:
    """Everything an SQLite index holds, as comparable rows; asserts integrity_check first."""
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return tuple(
            tuple(conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall())
            for table in ("meta", "batches", "spans", "docs", "runs", "chunks")
        )
    finally:
        conn.close()


_DUMP = """
local out, cursor = {}, "0"
repeat
  local page = redis.call("SCAN", cursor, "MATCH", ARGV[1], "COUNT", 10000)
  cursor = page[1]
  for _, k in ipairs(page[2]) do
    if redis.call("TYPE", k).ok == "hash" then
      out[#out + 1] = {k, redis.call("HGETALL", k)}
    else
      out[#out + 1] = {k, redis.call("GET", k)}
    end
  end
until cursor == "0"
return out
"""


def redis_state(url: str) -> str:
    """A digest of everything under the dedup: prefix, after checking that counts,
    span records and postings agree."""
    import hashlib

    import redis

    r = redis.Redis.from_url(url)
    dump = r.eval(_DUMP, 0, b"dedup:*")  # one command: per-key round trips take seconds
    r.close()
    values = {k: dict(zip(v[::2], v[1::2])) if isinstance(v, list) else v for k, v in dump}
    values.pop(b"dedup:gen", None)  # counts writes, not content
    records = [k for k in values if k.startswith(b"dedup:s:")]
    assert int(values[b"dedup:counts"][b"spans"]) == len(records)
    ids = np.array(sorted(int(k[len(b"dedup:s:") :]) for k in records), dtype=np.int64)
    for kind, entry in ((b"k:", "<u8"), (b"b:", "<u8"), (b"a:", [("id", "<u8"), ("n", "<u4")])):
        posted = b"".join(v for k, h in values.items() if k[len(b"dedup:") : len(b"dedup:") + 2] == kind for v in h.values())
        found = np.frombuffer(posted, dtype=entry)
        found = found["id"] if kind == b"a:" else found
        assert np.isin(found.astype(np.int64), ids).all(), "a posting names a missing span"
    digest = hashlib.sha256()
    for k, v in sorted(values.items()):
        digest.update(repr((k, sorted(v.items()) if isinstance(v, dict) else v)).encode())
    return digest.hexdigest()
