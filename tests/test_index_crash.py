"""Crash safety and concurrency of the index, with real processes.

A process adding batches is SIGKILLed at random moments: the index still opens,
passes PRAGMA integrity_check (SQLite) or a consistency check (Redis), holds
every batch either completely or not at all, and re-running the batches gives
the uninterrupted result. Several processes adding at once lose nothing: the
result equals adding their batches one after another in commit order.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from index_support import (  # noqa: F401  (fixture: redis_url)
    ROOT, planted_docs, redis_state, redis_url, sqlite_state, write_jsonl,
)

from dedup import Config
from dedup.index import batch_key, open_index, scan_incremental
from dedup.io.readers import ReadOptions, discover, read_source


def dedup(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dedup", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run(*args: str) -> None:
    p = dedup(*args)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err.decode()


def read(path: Path) -> list:
    return read_source(discover([str(path)])[0], ReadOptions())[0]


def add_all(location: str, batches: list[list]) -> None:
    for docs in batches:
        with open_index(location, Config()) as store:
            scan_incremental(docs, store)


def _child(location: str, batches: list[list], start=None) -> None:
    """A forked adder (modules already imported, so kills land in the work, not in start-up)."""
    if start is not None:
        start.wait()
    add_all(location, batches)
    os._exit(0)


@pytest.fixture(scope="module")
def batches():
    """Six batches of one corpus: each holds copies of earlier batches' paragraphs and of its own."""
    docs = planted_docs(random.Random(21), 360)
    return [docs[k : k + 60] for k in range(0, 360, 60)]


def _kill_trials(location: str, reset, state, batches: list[list], trials: int, seed: int) -> list[int]:
    """Kill a forked process adding `batches` at random moments; check all-or-none and re-runs."""
    reset()
    prefix_states = [state(location)]
    total = 0.0
    for docs in batches:
        started = time.monotonic()
        add_all(location, [docs])
        total += time.monotonic() - started
        prefix_states.append(state(location))
    rnd = random.Random(seed)
    complete = []
    ctx = multiprocessing.get_context("fork")
    for _ in range(trials):
        reset()
        p = ctx.Process(target=_child, args=(location, batches))
        p.start()
        time.sleep(rnd.uniform(0.0, total))
        os.kill(p.pid, signal.SIGKILL)
        p.join()
        got = state(location)  # opens and checks integrity
        assert got in prefix_states, "the index holds part of a batch"
        complete.append(prefix_states.index(got))
        add_all(location, batches)  # batches already in are recognised and add nothing
        assert state(location) == prefix_states[-1]
    return complete


def test_sqlite_sigkill_at_random_moments(batches, tmp_path):
    db = tmp_path / "archive.db"

    def reset() -> None:
        for f in tmp_path.glob("archive.db*"):
            f.unlink()
        open_index(str(db), Config()).close()

    complete = _kill_trials(str(db), reset, sqlite_state, batches, trials=5, seed=7)
    print("batches complete when killed:", complete)
    assert len(set(complete)) > 1  # the kills landed at different points of the run


def test_redis_sigkill_at_random_moments(batches, redis_url):
    import redis

    def reset() -> None:
        redis.Redis.from_url(redis_url).flushdb()
        open_index(redis_url, Config()).close()

    complete = _kill_trials(redis_url, reset, redis_state, batches, trials=5, seed=8)
    print("batches complete when killed:", complete)
    assert len(set(complete)) > 1  # the kills landed at different points of the run, as with SQLite


def test_cli_add_killed_at_random_moments(batches, tmp_path):
    """The same through `dedup index add`, a separate process killed mid-run."""
    batch = write_jsonl(tmp_path / "batch.jsonl", sum(batches[1:], []))
    base, full = tmp_path / "base.db", tmp_path / "full.db"
    add_all(str(base), batches[:1])
    shutil.copy(base, full)
    started = time.monotonic()
    run("index", "add", str(full), str(batch), "-q")
    duration = time.monotonic() - started
    before, after = sqlite_state(base), sqlite_state(full)
    rnd = random.Random(3)
    for trial in range(2):
        db = tmp_path / f"t{trial}.db"
        shutil.copy(base, db)
        p = dedup("index", "add", str(db), str(batch), "-q")
        time.sleep(rnd.uniform(0.3 * duration, duration))
        p.send_signal(signal.SIGKILL)
        p.communicate()
        assert sqlite_state(db) in (before, after)
        add_all(str(db), [read(batch)])
        assert sqlite_state(db) == after


def _kill_inside_the_write(db: Path, args: list[str]) -> None:
    """Run `dedup ARGS` in a child that stops inside its SQLite write transaction, once
    part of the batch is in the WAL, uncommitted; then SIGKILL it."""
    child = textwrap.dedent(f"""
        import sys, time
        from dedup.index import sqlite as backend
        from dedup.cli import main
        original = backend._Transaction.add
        def add(self, entries, documents):
            self.q("PRAGMA cache_size=16")  # spill written pages to the WAL before COMMIT
            batch = original(self, entries, documents)
            print("written", flush=True)
            time.sleep(60)
            return batch
        backend._Transaction.add = add
        sys.argv = ["dedup", *{args!r}]
        main()
    """)
    p = subprocess.Popen([sys.executable, "-c", child], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline().strip() == b"written"
    assert Path(f"{db}-wal").stat().st_size > 0  # part of the batch is on disk, uncommitted
    p.send_signal(signal.SIGKILL)
    p.communicate()


def test_sqlite_killed_inside_the_write_transaction_rolls_back(batches, tmp_path):
    """Deterministic: the child has written part of its batch to the WAL, not committed."""
    db = tmp_path / "a.db"
    add_all(str(db), batches[:1])
    before = sqlite_state(db)
    batch = write_jsonl(tmp_path / "batch.jsonl", batches[1])
    _kill_inside_the_write(db, ["index", "add", str(db), str(batch), "-q"])
    assert sqlite_state(db) == before
    add_all(str(db), batches[1:2])
    assert len(sqlite_state(db)[2]) > len(before[2])


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_concurrent_adds_lose_nothing(backend, batches, tmp_path, request):
    docs = sum(batches[:6], [])
    random.Random(1).shuffle(docs)
    parts = [docs[k::3] for k in range(3)]
    if backend == "sqlite":
        location, replay, state = str(tmp_path / "shared.db"), str(tmp_path / "replay.db"), sqlite_state
        open_index(location, Config()).close()  # all three start on an existing index
    else:
        import redis

        url = request.getfixturevalue("redis_url")
        location, replay, state = url, url.replace("/0", "/1"), redis_state
        for u in (location, replay):
            redis.Redis.from_url(u).flushdb()
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=_child, args=(location, [part], start)) for part in parts]
    for p in procs:
        p.start()
    start.set()  # all three query and write at the same moment
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    got = state(location)
    with open_index(location, create=False) as store:
        numbers = []
        for part in parts:
            with store.transaction(batch_key(part)) as txn:
                assert txn.prior is not None, "a batch was lost"
                numbers.append(txn.prior.number)
    assert sorted(numbers) == [1, 2, 3]
    add_all(replay, [parts[k] for k in sorted(range(3), key=numbers.__getitem__)])
    assert state(replay) == got


def test_scan_killed_inside_the_write_transaction_leaves_index_and_out(batches, tmp_path):
    """`dedup scan --index --out` killed with part of its batch in the WAL: the index is
    as before the batch and --out was never written (the output is staged while the batch
    is added and moved into place after the commit); the next run clears the staging."""
    db, out = tmp_path / "a.db", tmp_path / "out"
    add_all(str(db), batches[:1])
    before = sqlite_state(db)
    batch = write_jsonl(tmp_path / "batch.jsonl", batches[1])
    _kill_inside_the_write(db, ["scan", str(batch), "--index", str(db), "--out", str(out), "-q"])
    assert sqlite_state(db) == before
    assert not out.exists()
    run("scan", str(batch), "--index", str(db), "--out", str(out), "-q")  # the batch goes in whole afterwards
    assert len(sqlite_state(db)[2]) > len(before[2]) and (out / "clusters.jsonl").exists()
    assert not list(tmp_path.glob(".out.dedup-tmp-*"))
