"""Unit decisions applied to spans: which spans are dropped against which, and the clusters."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..outcome import ClusterTable, Drop, DropTable, PartTable
from . import decide, verify
from .units import best_members


def member_partners(unit_of: np.ndarray, best: np.ndarray, keeper: np.ndarray) -> np.ndarray:
    """Per member (eligible span): the member it is dropped against, -1 kept, by the unit
    decisions: a kept unit's best member (`best`) stays, its other members are exact
    copies of it, and a dropped unit's members go against the best member of its keeper."""
    keeper_of = keeper[unit_of]
    out = np.where(keeper_of >= 0, best[np.maximum(keeper_of, 0)], best[unit_of])
    out[out == np.arange(len(unit_of))] = -1
    return out


def span_drops(
    unit_of: np.ndarray, span_rank: np.ndarray, sizes: np.ndarray, keeper: np.ndarray,
    pairs: np.ndarray, inter: np.ndarray, span_ids: np.ndarray, covered: np.ndarray | None = None,
    partner: np.ndarray | None = None,
) -> DropTable:
    """Unit decisions applied to spans.

    `partner`: per member, the member it is dropped against (-1 kept); by default
    member_partners (judge may place some otherwise, see context.py). A member dropped
    against one of its own unit is an exact copy. `span_ids` maps eligible spans to
    global span indices. `covered`: units dropped because kept text of several spans
    holds every sentence (reason "covered", see runs.py).
    """
    n_units = len(sizes)
    if partner is None:
        partner = member_partners(unit_of, best_members(unit_of, span_rank, n_units), keeper)
    k = np.flatnonzero(partner >= 0)
    u = unit_of[k]
    ku = unit_of[partner[k]]
    exact = ku == u
    # The verified edge of each dropped unit and its keeper: look its code up among the pairs'.
    n = max(n_units, 1)
    codes = pairs[:, 0].astype(np.int64) * n + pairs[:, 1]
    near = np.flatnonzero(~exact)
    want = np.minimum(u[near], ku[near]) * n + np.maximum(u[near], ku[near])
    shared = sizes[u].astype(np.int64)
    if len(codes) > 1 and not (codes[1:] >= codes[:-1]).all():  # proposals come sorted; hand-made pairs may not
        by_code = np.argsort(codes, kind="stable")
        shared[near] = inter[by_code[np.searchsorted(codes[by_code], want)]]
    else:
        shared[near] = inter[np.searchsorted(codes, want)]
    jac, c_x, c_k = verify.similarities(shared, sizes[u], sizes[ku])
    contained = decide.fuller(sizes[ku], sizes[u], sizes[u] + sizes[ku] - shared)
    reason = np.where(exact, 0, np.where(contained, 1, 2))  # outcome.REASONS
    if covered is not None and len(covered):
        reason[~exact & np.isin(u, covered)] = 3
    return DropTable(span_ids[k], span_ids[partner[k]], jac, c_x, c_k, reason)


def clusters_of(drops: Mapping[int, Drop], parts: PartTable | None = None) -> ClusterTable:
    """Star clusters: each kept span with the spans (and sentence runs) dropped against it, in span order."""
    return ClusterTable.of(drops if isinstance(drops, DropTable) else DropTable.from_dict(drops), parts)

