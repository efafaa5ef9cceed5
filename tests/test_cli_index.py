"""`dedup scan --index` and `dedup index stats|add|remove` through Typer's runner."""

from __future__ import annotations

import json
import pickle
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from index_support import (  # noqa: F401  (fixtures: redis_url, index_location)
    ROOT, index_location, planted_docs, redis_url, write_jsonl,
)
from typer.testing import CliRunner

from dedup import Config
from dedup.cli import app

SAMPLES = ROOT / "samples"
runner = CliRunner()


@pytest.fixture
def index(index_location):
    """An empty index on each backend."""
    return index_location


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def said(result) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_scan_with_index_then_a_batch_of_copies(index, tmp_path):
    r = invoke("scan", str(SAMPLES), "--index", index, "--out", str(tmp_path / "day1"), "-q")
    assert r.exit_code == 0, r.output
    plain = invoke("scan", str(SAMPLES), "--out", str(tmp_path / "plain"), "-q")
    assert tree(tmp_path / "day1") == tree(tmp_path / "plain")  # an empty index changes nothing

    again = invoke("scan", str(SAMPLES), "--index", index, "--out", str(tmp_path / "again"), "-q", "--stats", str(tmp_path / "s.json"))
    assert again.exit_code == 0 and tree(tmp_path / "again") == tree(tmp_path / "day1")  # recognised re-run
    assert json.loads((tmp_path / "s.json").read_text())["index"]["rerun"] is True

    day2 = tmp_path / "in2"
    day2.mkdir()
    src = next(SAMPLES.glob("001_*.txt"))
    (day2 / "reprint.txt").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    r = invoke("scan", str(day2), "--index", index, "--out", str(tmp_path / "day2"), "--stats", str(tmp_path / "s2.json"))
    assert r.exit_code == 0
    assert "dropped against index" in said(r)
    stats = json.loads((tmp_path / "s2.json").read_text())
    assert stats["index"]["dropped_against_index"] == stats["dropped_spans"] > 0
    clusters = [json.loads(line) for line in (tmp_path / "day2" / "clusters.jsonl").read_text().splitlines()]
    assert clusters and all(c["members"][0]["indexed"] and c["members"][0]["doc"] == src.name for c in clusters)
    # The reprint keeps only its short spans (never judged); its paragraphs are gone.
    assert len((tmp_path / "day2" / "reprint.txt").read_text()) < len(src.read_text(encoding="utf-8")) / 2


def test_index_add_stats_remove(index, tmp_path):
    docs = planted_docs(random.Random(5), 40, copy_rate=0.0)  # every document keeps spans
    batch = write_jsonl(tmp_path / "b.jsonl", docs)
    r = invoke("index", "add", index, str(batch))
    assert r.exit_code == 0 and "added" in said(r)
    r = invoke("index", "stats", index)
    assert r.exit_code == 0
    stats = json.loads(r.stdout)
    assert stats["batches"] == 1 and stats["documents_scanned"] == 40 and stats["spans"] > 0
    assert stats["parameters"] == Config().params()

    r = invoke("index", "add", index, str(batch))
    assert r.exit_code == 0 and "added before" in said(r)
    assert json.loads(invoke("index", "stats", index).stdout)["spans"] == stats["spans"]

    ids = tmp_path / "ids.txt"
    ids.write_text(f"{docs[0].id}\n{docs[1].id}\n")
    r = invoke("index", "remove", index, "--ids-from", str(ids))
    assert r.exit_code == 0 and "removed" in said(r)
    r = invoke("index", "remove", index, "--id", docs[0].id)  # already gone
    assert r.exit_code == 3 and "no spans" in said(r)
    assert invoke("index", "remove", index).exit_code == 2
    assert json.loads(invoke("index", "stats", index).stdout)["spans"] < stats["spans"]


def test_index_with_other_parameters_is_refused(index, tmp_path):
    assert invoke("scan", str(SAMPLES), "--index", index, "--out", str(tmp_path / "a"), "-q").exit_code == 0
    n = Config().ngram
    r = invoke("scan", str(SAMPLES), "--index", index, "--out", str(tmp_path / "b"), "--ngram", str(n + 1), "-q")
    assert r.exit_code == 2
    assert "other parameters" in said(r) and f"ngram: index {n}, here {n + 1}" in said(r)
    assert not (tmp_path / "b").exists()


def test_missing_index_for_stats_and_remove(tmp_path):
    for args in (("index", "stats", str(tmp_path / "none.db")), ("index", "remove", str(tmp_path / "none.db"), "--id", "x")):
        r = invoke(*args)
        assert r.exit_code == 2 and "no such index" in said(r)
    assert not (tmp_path / "none.db").exists()


def test_index_inside_out_is_refused(tmp_path):
    r = invoke("scan", str(SAMPLES), "--index", str(tmp_path / "out" / "a.db"), "--out", str(tmp_path / "out"))
    assert r.exit_code == 2 and "would delete it" in said(r)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["text", "empty", "other sqlite", "truncated index", "newer format"])
def test_damaged_or_foreign_file_is_refused_and_left_alone(kind, tmp_path):
    path = tmp_path / "archive.db"
    if kind == "text":
        path.write_text("my notes\n" * 100)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "other sqlite":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE customers(name TEXT)")
        conn.commit()
        conn.close()
    else:
        assert invoke("index", "add", str(path), str(SAMPLES), "-q").exit_code == 0
        if kind == "truncated index":
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])
        else:
            conn = sqlite3.connect(path)
            conn.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
            conn.commit()
            conn.close()
    def files() -> dict[str, bytes]:
        # Any reader of a WAL-mode file (ours) makes empty -wal/-shm side files; content must not change.
        got = tree(tmp_path)
        assert not got.pop("archive.db-wal", b"")
        got.pop("archive.db-shm", None)
        return got

    before = files()
    for args in (
        ("scan", str(SAMPLES), "--index", str(path), "--out", str(tmp_path / "out"), "-q"),
        ("index", "add", str(path), str(SAMPLES), "-q"),
        ("index", "stats", str(path)),
        ("index", "remove", str(path), "--id", "x"),
    ):
        r = invoke(*args)
        assert r.exit_code == 2, (args, r.output)
        assert "error:" in said(r) and str(path) in said(r).replace(" ", "")
        assert files() == before, f"{args[0]} changed files"


def test_redis_hostile_value_is_an_error_not_code(redis_url, tmp_path):
    import redis

    r = redis.Redis.from_url(redis_url)
    r.flushdb()
    assert invoke("index", "add", redis_url, str(SAMPLES), "-q").exit_code == 0
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (shutil.copy, (__file__, str(marker)))

    for key in r.scan_iter(match=b"dedup:s:*"):
        r.set(key, pickle.dumps(Exploit()))
    day2 = tmp_path / "in"
    day2.mkdir()
    (day2 / "reprint.txt").write_bytes(next(SAMPLES.glob("001_*.txt")).read_bytes())
    res = invoke("scan", str(day2), "--index", redis_url, "--out", str(tmp_path / "out"), "-q")
    assert res.exit_code == 2 and "damaged" in said(res)
    assert not marker.exists() and not (tmp_path / "out").exists()

    # A posting list of the wrong length: an error too, nothing written.
    r.flushdb()
    assert invoke("index", "add", redis_url, str(SAMPLES), "-q").exit_code == 0
    for key in r.scan_iter(match=b"dedup:k:*"):
        for field in r.hkeys(key):
            r.hset(key, field, b"12345")
    res = invoke("scan", str(day2), "--index", redis_url, "--out", str(tmp_path / "out"), "-q")
    assert res.exit_code == 2 and "damaged id list" in said(res)
    assert not (tmp_path / "out").exists()


def test_redis_foreign_keys_without_header_are_left_alone(redis_url, tmp_path):
    import redis

    r = redis.Redis.from_url(redis_url)
    r.flushdb()
    r.set(b"dedup:something", b"not ours")
    res = invoke("index", "add", redis_url, str(SAMPLES), "-q")
    assert res.exit_code == 2 and "no dedup index header" in said(res)
    assert r.keys(b"*") == [b"dedup:something"]
    # Another prefix in the same database is a separate index.
    other = redis_url + "?prefix=news:"
    assert invoke("index", "add", other, str(SAMPLES), "-q").exit_code == 0
    assert json.loads(invoke("index", "stats", other).stdout)["spans"] > 0


def test_unreachable_redis_is_a_clear_error(tmp_path):
    from index_support import free_port

    r = invoke("scan", str(SAMPLES), "--index", f"redis://127.0.0.1:{free_port()}/0", "--out", str(tmp_path / "o"), "-q")
    assert r.exit_code == 2 and "cannot reach Redis" in said(r)


def test_scan_with_index_maps_in_jobs_processes_with_the_same_result(tmp_path, monkeypatch):
    """--index uses --jobs for the map stage; the output and the index do not depend on it."""
    from dedup.stages import mapping

    monkeypatch.setattr(mapping, "CHUNK_CHARS", 3_000)  # many runs: the pool splits them
    src = write_jsonl(tmp_path / "batch.jsonl", planted_docs(random.Random(11), 120))
    outs = {}
    for jobs in ("1", "2"):
        db = tmp_path / f"index{jobs}.db"
        r = invoke("scan", str(src), "--index", str(db), "--out", str(tmp_path / f"out{jobs}"), "-q", "--jobs", jobs)
        assert r.exit_code == 0, r.output
        outs[jobs] = tree(tmp_path / f"out{jobs}")
        r = invoke("index", "stats", str(db))
        assert r.exit_code == 0, r.output
        outs[jobs]["stats"] = r.output.replace(str(db), "DB").encode()
    assert outs["1"] == outs["2"]
    assert outs["1"]["clusters.jsonl"].count(b"\n") > 5, "planted copies were found"
