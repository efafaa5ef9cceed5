"""engines/spark_batches: decide_batch (many components per Arrow batch, a component cut by a
batch boundary still decided whole, the same drops as each component decided alone) and
key_pairs (a partition's keys paired as the local engine pairs them, keys cut by batch boundaries)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from dedup import Config
from dedup.engines.spark_batches import ANCHOR, DECIDE_IN, LSH, PAIRS, decide_batch, decide_component, key_pairs
from dedup.stages import candidates


def _component(comp: int, n: int) -> list[dict]:
    """`n` spans, pairwise near-equal along a chain, span ids sparse (doc << 23 | index)."""
    ids = [((comp * 1000 + k) << 23) | 3 for k in range(n)]
    units = ids  # each its own unit (the unit id is its first span's)
    rows = [dict(comp=comp, span_id=s, unit=u, size=20 + k, length=100 + k) for k, (s, u) in enumerate(zip(ids, units))]
    rows += [dict(comp=comp, i=units[k], j=units[k + 1], inter=19 + k) for k in range(n - 1)]
    return rows


def _batches(rows: list[dict], size: int) -> list[pa.RecordBatch]:
    full = [{name: r.get(name) for name in DECIDE_IN.names} for r in rows]
    return [pa.RecordBatch.from_pylist(full[k : k + size], schema=DECIDE_IN) for k in range(0, len(full), size)]


def test_decide_batch_equals_each_component_decided_alone():
    config = Config(sentences=False)
    comps = [_component(c, n) for c, n in ((5, 2), (9, 7), (12, 3), (40, 11))]
    expected = {}
    for rows in comps:
        sp = [r for r in rows if "span_id" in r]
        ed = [r for r in rows if "i" in r]
        arr = lambda rs, k: np.array([r[k] for r in rs], dtype=np.int64)  # noqa: E731
        d = decide_component(arr(sp, "span_id"), arr(sp, "unit"), arr(sp, "size"), arr(sp, "length"),
                             arr(ed, "i"), arr(ed, "j"), arr(ed, "inter"), config)
        expected.update({s: (d[s].kept, d[s].reason) for s in d})
    assert len(expected) >= 10  # chains: most spans dropped against a neighbour
    flat = [r for rows in comps for r in rows]
    for size in (1, 3, 8, len(flat)):  # boundaries inside components, and one batch for all
        got = {}
        for out in decide_batch(_batches(flat, size), config):
            for row in out.to_pylist():
                assert row["span_id"] not in got
                got[row["span_id"]] = (row["kept"], row["reason"])
        assert got == expected, size


def test_key_pairs_pairs_a_partition_as_the_local_engine_does(monkeypatch):
    """Keys of both kinds, one hot key above max_bucket (paired to its first unit only and
    counted), sparse 64-bit unit ids, sorted rows cut into batches of every size (a key's
    rows, the hot key's too, going on across batches; pairs handed on in runs of every size)."""
    from dedup.engines import spark_batches

    rng = np.random.default_rng(7)
    units = (rng.choice(10**6, 60, replace=False).astype(np.int64) << 23) | 5
    rows = [(LSH, int(k), int(u)) for u in units for k in rng.choice(12, 3, replace=False)]
    rows += [(ANCHOR, 99, int(u)) for u in units[:40]]  # hot: 40 units share it
    rows += [(ANCHOR, -3, int(units[0])), (ANCHOR, -3, int(units[1])), (LSH, 12345, int(units[2]))]
    rows.sort()  # as the partition comes: sorted by kind, key, unit
    max_bucket = 10
    expected = []
    for kind in (LSH, ANCHOR):
        mine = [r for r in rows if r[0] == kind]
        pairs, over = candidates.group_pairs(np.array([r[1] for r in mine], dtype=np.int64),
                                             np.array([r[2] for r in mine], dtype=np.int64), max_bucket)
        expected += [(kind, int(i), int(j)) for i, j in pairs] + ([(kind, -1, over)] if over else [])
    assert (ANCHOR, -1, 1) in expected and len(expected) > 100
    schema = pa.schema([("kind", pa.int8()), ("key", pa.int64()), ("unit", pa.int64())])
    for size, step in ((1, 5), (2, 1 << 20), (7, 1), (11, 37), (50, 200), (len(rows), 1 << 20)):
        monkeypatch.setattr(spark_batches._PairsOut, "STEP", step)  # pairs handed on in runs of every size
        batches = [pa.RecordBatch.from_pylist([dict(zip(("kind", "key", "unit"), r)) for r in rows[k : k + size]], schema=schema)
                   for k in range(0, len(rows), size)]
        out = [b for b in key_pairs(batches, max_bucket)]
        assert all(b.num_rows <= max(step, 1) for b in out)
        assert all(b.schema == PAIRS for b in out)
        got = [(k, i, j) for b in out for k, i, j in zip(*(b.column(c).to_pylist() for c in ("kind", "i", "j")))]
        assert sorted(got) == sorted(expected)
    assert sum(b.num_rows for b in key_pairs([], max_bucket)) == 0
