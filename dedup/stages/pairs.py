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
    keys: np.ndarray | None = None,
) -> Pairs:
    """Sketch, propose (LSH bands and anchors) and verify pairs of distinct sets
    (LSH bands and verification in `threads` threads; `between`: see candidates.propose).
    `keys`: the sets' band keys (set_band_keys) if already computed."""
    bands, rows = config.band_rows
    prop = candidates.propose(
        None, values, offsets, bands=bands, rows=rows, anchor_rate=config.anchor_rate,
        containment=config.threshold, max_bucket=config.max_bucket,
        # computed inline, so that propose can free them before it gathers anchors
        keys=band_keys(values, offsets, config, threads=threads) if keys is None else keys, threads=threads, between=between,
        need_cap=need_cap(config),
    )
    return Pairs(prop.pairs, verify.intersections(prop.pairs, values, offsets, threads=threads), prop)



def band_keys(values: np.ndarray, offsets: np.ndarray, config: Config, *, threads: int = 1) -> np.ndarray:
    """The LSH band keys of distinct sets under `config` (candidates.set_band_keys)."""
    bands, rows = config.band_rows
    perms = sketch.permutations(config.num_perm, config.seed)
    return candidates.set_band_keys(values, offsets, perms, bands, rows, threads=threads)
