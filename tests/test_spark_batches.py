"""engines/spark_batches.decide_batch: many components per Arrow batch, a component cut by a
batch boundary still decided whole, the same drops as each component decided alone."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from dedup import Config
from dedup.engines.spark_batches import DECIDE_IN, decide_batch, decide_component


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
