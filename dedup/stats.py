"""The counts of a finished scan (its stats), and per-stage timings."""

from __future__ import annotations

import time

import numpy as np

from .config import Config
from .records import span_lengths
from .result import ScanResult
from .stages import verify
from .stages.pairs import Pairs
from .stages.units import Units


class Laps:
    """Seconds spent per stage: call with a stage's name when it ends. `progress`
    (mapping.Progress), if given, hears each stage end as (stage, 1, 1)."""

    def __init__(self, progress=None) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()
        self._progress = progress

    def restart(self) -> None:
        """The next stage starts now (the time since the last one ended was nobody's stage)."""
        self._clock = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(now - self._clock, 4)
        self._clock = now
        if self._progress:
            self._progress(stage, 1, 1)


def summarize(result: ScanResult, units: Units, found: Pairs, config: Config) -> dict:
    """Counts of a finished scan; everything but timings is deterministic."""
    spans = result.spans
    lengths = span_lengths(spans)
    span_chars = int(lengths.sum())
    parts = result.parts
    dropped_chars = int(lengths[result.dropped_mask()].sum()) + (int((parts.end - parts.start).sum()) if len(parts) else 0)
    sizes = units.sizes
    verified = verify.count_verified(found.pairs, found.inter, sizes, config.threshold) if len(found.inter) else 0
    prop = found.proposals
    return {
        "documents": len(result.documents),
        "spans": len(spans),
        "short_spans": int(np.count_nonzero(~result.eligible)),
        "distinct_spans": len(sizes),
        "clusters": len(result.clusters),
        "dropped_spans": len(result.drops),
        "duplicate_documents": int(np.count_nonzero(result.duplicate_documents())),
        "span_chars": span_chars,
        "dropped_chars": dropped_chars,
        "duplicate_ratio": round(dropped_chars / span_chars, 6) if span_chars else 0.0,
        "candidates": {
            "lsh": prop.lsh,
            "anchors": prop.anchors,
            "total": len(prop.pairs),
            "verified": verified,
            "false_positives": len(prop.pairs) - verified,
            "oversized_buckets": prop.oversized,
        },
        "parameters": config.params(),
        "fingerprint": config.fingerprint,
    }



def sentence_stats(result, verdict) -> dict:
    """What the sentence-level rule changed (stages/judge.py): runs dropped inside kept
    spans and their characters, spans kept for a sentence of their own, spans kept
    before the later, fuller span decide dropped them against, spans dropped as
    covered by several, pairs refused as filled-in templates, short value lines kept
    because no copy stands in their place (stages/context.py)."""
    parts = result.parts
    refined = verdict.refined
    return {
        "runs_dropped": len(parts),
        "run_chars": int((parts.end - parts.start).sum()) if len(parts) else 0,
        "lifted_spans": 0 if refined is None else len(refined.lifted),
        "first_spans": 0 if refined is None else len(refined.first),
        "covered_spans": len(verdict.covered),
        "template_pairs": verdict.templates,
        "placed_lines": verdict.placed,
    }
