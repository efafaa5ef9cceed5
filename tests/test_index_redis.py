"""The Redis backend (dedup/index/redis.py) against a real redis-server: a damaged key space."""

from __future__ import annotations

import pytest
from index_support import ROOT, redis_url  # noqa: F401  (fixture)
from typer.testing import CliRunner

from dedup.cli import app

SAMPLES = ROOT / "samples"


def invoke(*args: str):
    r = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return r, " ".join(r.output.split())


@pytest.mark.parametrize("damage", ["counts not a number", "counts missing a field", "meta of the wrong type"])
def test_damaged_bookkeeping_is_a_clear_error_and_nothing_is_written(damage, redis_url, tmp_path):
    import redis

    r = redis.Redis.from_url(redis_url)
    r.flushdb()
    assert invoke("index", "add", redis_url, str(SAMPLES), "-q")[0].exit_code == 0
    if damage == "counts not a number":
        r.hset(b"dedup:counts", "next_span", b"lots")
    elif damage == "counts missing a field":
        r.hdel(b"dedup:counts", "next_span")
    else:
        r.delete(b"dedup:meta")
        r.set(b"dedup:meta", b"format=dedup-index")
    before = {k: r.dump(k) for k in r.keys(b"*")}
    one = next(SAMPLES.glob("001_*.txt"))
    for args in (
        ("scan", str(one), "--index", redis_url, "--out", str(tmp_path / "out"), "-q"),  # a new batch: not a re-run
        ("index", "add", redis_url, str(one), "-q"),
        ("index", "stats", redis_url),
    ):
        res, said = invoke(*args)
        assert res.exit_code == 2, (args, res.output)
        assert "error:" in said and redis_url in said.replace(" ", "")
        assert ("damaged" in said) if damage.startswith("counts") else ("not a dedup index" in said)
    assert not (tmp_path / "out").exists()
    assert {k: r.dump(k) for k in r.keys(b"*")} == before
