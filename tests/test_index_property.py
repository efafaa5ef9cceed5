"""Property: batches scanned one after another through an index decide like one scan over all.

Exactly equal (every span's kept/dropped decision and the span it was dropped
against) whenever the documented limits do not apply; otherwise still safe: every
dropped span is covered, at the containment threshold, by a span that was kept.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from index_support import EDITS, decisions, equivalence_limits, planted_docs

from dedup import Config, scan
from dedup.index import open_index, scan_incremental
from dedup.stages.normalize import tokens
from dedup.stages.shingle import shingle_sets


def containment(a: str, b: str, n: int) -> float:
    """C(a -> b) on word n-gram shingle sets, computed here from the raw texts."""
    values, offsets = shingle_sets([tokens(a), tokens(b)], n)
    sa, sb = values[offsets[0] : offsets[1]], values[offsets[1] : offsets[2]]
    return len(np.intersect1d(sa, sb)) / len(sa)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_docs=st.integers(1, 30),
    sizes=st.lists(st.integers(1, 12), min_size=1, max_size=5),
    kinds=st.sets(st.sampled_from(EDITS), min_size=1),
    copy_rate=st.floats(0.1, 0.9),
    keep=st.sampled_from(["first", "first", "longest"]),
)
def test_batches_through_index_decide_like_one_scan(seed, n_docs, sizes, kinds, copy_rate, keep):
    config = Config(keep=keep)
    docs = planted_docs(random.Random(seed), n_docs, tuple(sorted(kinds)), copy_rate)
    batches, i = [], 0
    for n in sizes:
        if i < len(docs):
            batches.append(docs[i : i + n])
            i += n
    if i < len(docs):
        batches.append(docs[i:])
    batch_of = {d.id: b for b, batch in enumerate(batches) for d in batch}

    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for batch in batches:
            with open_index(str(Path(tmp) / "archive.db"), config) as store:
                results.append(scan_incremental(batch, store))
    inc: dict = {}
    for r in results:
        inc.update(decisions(r))
    one = decisions(scan(docs, config))
    assert inc.keys() == one.keys()

    reasons, exempt = equivalence_limits(docs, batch_of, config)
    if keep != "first":
        reasons.append("keep=longest")
    event("exact equivalence promised" if not reasons else "limits: " + ", ".join(reasons))
    if not reasons:
        assert {k for k, v in inc.items() if v} == {k for k, v in one.items() if v}
        assert {k: v for k, v in inc.items() if k not in exempt} == {k: v for k, v in one.items() if k not in exempt}

    # Always: each dropped span is covered by a span kept in its own or an earlier batch.
    text = {(d.id, k): d.text[s:e] for d in docs for k, (s, e) in enumerate(_segments(d, config))}
    for span, kept in inc.items():
        if kept is None:
            continue
        assert inc[kept] is None, f"{span} dropped against {kept}, which was itself dropped"
        assert batch_of[kept[0]] <= batch_of[span[0]]
        assert containment(text[span], text[kept], config.ngram) >= config.threshold


def _segments(doc, config):
    from dedup.stages.segment import segment

    return segment(doc.text, config.segment)
