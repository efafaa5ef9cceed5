"""Sketch, propose and verify: the verified candidate pairs of distinct sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..config import Config
from . import candidates, sketch, verify


@dataclass
class Pairs:
    """Verified candidate pairs of units, with what was proposed."""

    pairs: np.ndarray
    inter: np.ndarray
    proposals: candidates.Proposals


def need_cap(config: Config) -> float:
    """The most shared anchors a pair needs to be proposed: with sentence runs, a
    sentence's worth (candidates.SENTENCE_ANCHORS); else only its sets' sizes decide."""
    return candidates.SENTENCE_ANCHORS if config.sentence_runs else np.inf


def find_pairs(
    values: np.ndarray, offsets: np.ndarray, config: Config, *, threads: int = 1, between: Callable[[], None] | None = None,
) -> Pairs:
    """Sketch, propose (LSH bands and anchors) and verify pairs of distinct sets
    (LSH bands and verification in `threads` threads; `between`: see candidates.propose)."""
    bands, rows = config.band_rows
    perms = sketch.permutations(config.num_perm, config.seed)
    prop = candidates.propose(
        None, values, offsets, bands=bands, rows=rows, anchor_rate=config.anchor_rate,
        containment=config.threshold, max_bucket=config.max_bucket,
        keys=candidates.set_band_keys(values, offsets, perms, bands, rows, threads=threads), threads=threads, between=between,
        need_cap=need_cap(config),
    )
    return Pairs(prop.pairs, verify.intersections(prop.pairs, values, offsets, threads=threads), prop)

