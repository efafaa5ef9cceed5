"""The SQLite backend (dedup/index/sqlite.py): posting runs, their merges, format versions."""

from __future__ import annotations

import random
import sqlite3

import numpy as np
import pytest
from index_support import decisions, planted_docs, write_jsonl
from typer.testing import CliRunner

from dedup import Config, Document
from dedup.cli import app
from dedup.index import IndexStoreError, open_index, scan_incremental
from dedup.index import sqlite as backend


def run_batches(location: str, batches: list, config: Config) -> dict:
    out = {}
    for batch in batches:
        with open_index(location, config) as store:
            out.update(decisions(scan_incremental(batch, store)))
    return out


def postings(path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every posting of each kind, (keys, span ids), read straight from the file."""
    conn = sqlite3.connect(path)
    out = {}
    for kind, dtype in backend._VALS.items():
        keys, vals = [], []
        for (run,) in conn.execute("SELECT id FROM runs WHERE kind = ?", (kind,)).fetchall():
            rows = conn.execute("SELECT keys, vals FROM chunks WHERE id >> 32 = ? ORDER BY id", (run,)).fetchall()
            run_keys = np.frombuffer(b"".join(r[0] for r in rows), "<u8")
            assert (run_keys[1:] >= run_keys[:-1]).all(), "a run is not in key order"
            keys.append(run_keys)
            vals.append(np.frombuffer(b"".join(r[1] for r in rows), dtype))
        ids = np.concatenate(vals) if vals else np.zeros(0, dtype)
        out[kind] = (np.concatenate(keys) if keys else np.zeros(0, "<u8"), ids["id"] if dtype.names else ids)
    conn.close()
    return out


def span_ids(path) -> np.ndarray:
    """The ids of every stored span, read straight from the file's span blocks."""
    conn = sqlite3.connect(path)
    recs = [np.frombuffer(r, backend._RECORD) for (r,) in conn.execute("SELECT records FROM spans ORDER BY id")]
    conn.close()
    return np.concatenate([r["id"] for r in recs]) if recs else np.zeros(0, np.int64)


def test_merging_runs_changes_no_decision_and_removal_sees_every_run(tmp_path, monkeypatch):
    """Each batch writes a run per kind; every MERGE runs are merged into one (after
    batches 4 and 8 here). Decisions equal those of an index that never merges, and
    removing documents leaves no posting of a removed span in any run."""
    docs = planted_docs(random.Random(12), 90)
    batches = [docs[k : k + 10] for k in range(0, 90, 10)]
    with monkeypatch.context() as m:
        m.setattr(backend, "MERGE", 10**9)
        plain = run_batches(str(tmp_path / "plain.db"), batches, Config())
    merging = tmp_path / "merging.db"
    assert run_batches(str(merging), batches, Config()) == plain
    conn = sqlite3.connect(tmp_path / "plain.db")
    assert conn.execute("SELECT count(*) FROM runs WHERE kind = 'band'").fetchone()[0] == 9
    conn = sqlite3.connect(merging)
    # batches 1-4 merged after the 4th, 5-8 after the 8th (the 1-4 run is larger than 5-7 together), 9 alone
    assert conn.execute("SELECT count(*) FROM runs WHERE kind = 'band'").fetchone()[0] == 3
    conn.close()
    spans = len(span_ids(merging))
    keys, ids = postings(merging)["band"]
    assert len(ids) == 32 * spans
    with open_index(str(merging), Config()) as store:
        removed, found = store.remove([d.id for d in docs[:40]])
    assert removed > 0 and len(found) > 0
    left = span_ids(merging)
    assert 0 < len(left) < spans
    for kind, (_, ids) in postings(merging).items():
        assert np.isin(ids, left).all(), f"a {kind} posting names a removed span"
    assert len(postings(merging)["band"][1]) == 32 * len(left)
    # a batch of the removed documents' texts finds nothing of them any more
    gone = {d.id for d in docs[:40]}
    with open_index(str(merging), Config()) as store:
        r = scan_incremental([type(d)(f"again-{d.id}", d.text) for d in docs[:40]], store)
    n = len(r.spans)
    assert all(r.indexed[d.kept - n].doc not in gone for d in r.drops.values() if d.kept >= n)
    # the blocks rewritten without the removed spans still give every other span back as stored
    text_of = {d.id: d.text for d in docs} | {f"again-{d.id}": d.text for d in docs[:40]}  # the batch above was added
    with open_index(str(merging), Config()) as store:
        r = scan_incremental([type(d)(f"more-{d.id}", d.text) for d in docs[40:]], store)
    assert len(r.indexed) > 20
    assert all(x.text == text_of[x.doc][x.start : x.end] and x.doc not in gone for x in r.indexed)


def test_an_index_of_the_older_format_is_refused_with_how_to_rebuild(tmp_path):
    path = tmp_path / "old.db"
    open_index(str(path), Config()).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'format_version'")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(IndexStoreError, match=r"format '2'; this dedup reads format 3: it was built by an older dedup; rebuild it"):
        open_index(str(path), Config())
    assert path.read_bytes() == before


# --- damage -------------------------------------------------------------------------


def _built(tmp_path) -> tuple:
    """An index of one batch of planted documents (WAL checkpointed into the file), and
    a second batch repeating every text of the first under other ids."""
    docs = planted_docs(random.Random(30), 40)
    path = tmp_path / "archive.db"
    with open_index(str(path), Config()) as store:
        scan_incremental(docs, store)
    assert not (tmp_path / "archive.db-wal").exists()  # the last connection checkpointed it
    again = write_jsonl(tmp_path / "again.jsonl", [Document(f"again-{d.id}", d.text) for d in docs])
    return path, again


def _flip_inside(path, blob: bytes) -> None:
    """Flip one byte in the middle of `blob`, found in the file by the 32 bytes around it
    (there once; a long BLOB is cut across pages)."""
    data = bytearray(path.read_bytes())
    piece = blob[len(blob) // 2 - 16 : len(blob) // 2 + 16] if len(blob) > 64 else blob
    at = data.find(piece)
    assert at >= 0 and data.find(piece, at + 1) < 0
    data[at + len(piece) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def _refused(path, again, tmp_path, what: str) -> None:
    """Every command refuses the index with exit 2, naming it; nothing is written or changed."""
    before = path.read_bytes()
    for args in (
        ("scan", str(again), "--index", str(path), "--out", str(tmp_path / "out"), "-q"),
        ("index", "add", str(path), str(again), "-q"),
    ):
        r = CliRunner().invoke(app, list(args), catch_exceptions=False)
        out = " ".join(r.output.split())
        assert r.exit_code == 2, (args, r.output)
        assert "error:" in out and str(path) in out.replace(" ", "") and what in out, out
        assert path.read_bytes() == before and not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["chunk", "span records", "span names", "span shingles", "span texts", "fences"])
def test_a_flipped_byte_in_stored_data_is_found_by_its_checksum(where, tmp_path):
    """Content damage that SQLite's own checks cannot see (the page is well formed)."""
    path, again = _built(tmp_path)
    conn = sqlite3.connect(path)
    query = {
        "chunk": "SELECT vals FROM chunks ORDER BY id LIMIT 1",
        "span records": "SELECT records FROM spans ORDER BY id LIMIT 1",
        "span names": "SELECT names FROM spans ORDER BY id LIMIT 1",
        "span shingles": "SELECT shingles FROM spans ORDER BY id LIMIT 1",
        "span texts": "SELECT texts FROM spans ORDER BY id LIMIT 1",
        "fences": "SELECT fences FROM runs WHERE kind = 'band'",
    }[where]
    blob = conn.execute(query).fetchone()[0]
    conn.close()
    _flip_inside(path, blob)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]  # well-formed pages
    conn.close()
    _refused(path, again, tmp_path, "damaged")


@pytest.mark.parametrize("quick_check", [True, False])
def test_pages_overwritten_with_garbage_are_refused(quick_check, tmp_path, monkeypatch):
    """Whole pages of random bytes in the tables: found by the quick check at open, or,
    for an index too big for it, by SQLite's page checks and the checksums as read."""
    if not quick_check:
        monkeypatch.setattr(backend, "QUICK_CHECK_BYTES", 0)
    path, again = _built(tmp_path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    rnd = random.Random(5)
    for p in range(3, len(data) // page):  # past the schema and meta pages
        data[p * page : (p + 1) * page] = rnd.randbytes(page)
    path.write_bytes(bytes(data))
    _refused(path, again, tmp_path, "")

