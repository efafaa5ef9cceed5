"""The decision rule on distinct shingle sets, start to end, for every engine: OCR
misreadings read through (misread.py), filled-in templates and quotations refused as pairs (templates.py, quotes.py), keep or drop whole sets (decide.py), then
sentence runs (runs.py), then short value lines placed among their unit's spans
(context.py). The one-shot scan and the index scan both call `judge`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..config import Config
from ..outcome import PartTable
from . import context, decide, misread, quotes, runs, templates
from .drops import member_partners
from .units import best_members


@dataclass
class Judgement:
    keeper: np.ndarray  # per unit: -1 kept, else the unit it is dropped against
    refined: runs.Refined | None  # sentence runs (None unless config.sentence_runs)
    templates: int  # verified pairs refused as filled-in templates
    covered: np.ndarray  # units dropped whole because kept text before them holds every sentence
    inter: np.ndarray  # per pair: the shared shingles the decision read (OCR misreadings read through)
    partner: np.ndarray | None = None  # per member, the member it is dropped against (context.py); None: by unit
    placed: int = 0  # members the unit decision drops that context.py keeps (no copy in their place)


def judge(
    sizes: np.ndarray, values: np.ndarray, offsets: np.ndarray, u_rank: np.ndarray, pairs: np.ndarray,
    inter: np.ndarray, config: Config, unit_text: Callable[[int], str], *, usable: np.ndarray | None = None,
    layout: runs.Layout | None = None, members: context.Members | None = None,
) -> Judgement:
    """Keep or drop each unit. `usable`: a bool per pair, the pairs decide may use
    (the index leaves out some, see index/incremental.py); `unit_text(u)`: the text of
    one span holding set u (read only for units that share text with others);
    `layout`: where units sit in their documents (runs.layout; sentence runs across
    paragraph breaks need it); `members`: the spans of the units, in document order
    (short value lines are placed by them, context.py)."""
    use = np.ones(len(pairs), dtype=bool) if usable is None else usable.copy()
    n = len(sizes)
    if not config.sentence_runs:
        keeper = decide.decide(sizes, u_rank, pairs[use], inter[use], config.threshold)
        return Judgement(keeper, None, 0, np.zeros(0, np.int64), inter)
    texts = templates.UnitTexts(unit_text)
    inter = misread.read_through(pairs, inter, sizes, values, offsets, config.threshold, texts, config.ngram)
    refused = templates.template_pairs(pairs, inter, sizes, values, offsets, config.threshold, texts, config.ngram)
    refused |= templates.named_apart(pairs, inter, sizes, texts)
    # Refused like templates (neither drops nor covers the other), but not counted as templates.
    apart = refused | quotes.quoting_pairs(pairs, inter, sizes, values, offsets, config.threshold, texts, config.ngram)
    use &= ~apart
    keeper = decide.decide(sizes, u_rank, pairs[use], inter[use], config.threshold)
    refined = runs.refine(
        sizes, values, offsets, pairs, inter, keeper, u_rank, texts, ngram=config.ngram,
        containment=config.threshold, min_tokens=config.min_tokens, layout=layout,
        templated=_codes(pairs[apart], n), unusable=_codes(pairs[~use & ~apart], n),
    )
    keeper[refined.lifted] = -1
    keeper[refined.first] = -1
    for u, v in refined.whole.items():
        keeper[u] = v
    lifted = set(refined.lifted.tolist()) | set(refined.first.tolist())
    for u, v in refined.moved.items():  # dropped against other kept text than decide chose (runs.refine)
        if u not in lifted:
            keeper[u] = v
    covered = np.array(sorted(set(refined.whole) | (refined.covered_moves - lifted)), dtype=np.int64)
    partner, placed = None, 0
    if members is not None:
        best = best_members(members.unit_of, members.rank, n)
        by_unit = member_partners(members.unit_of, best, keeper)
        partner = context.partners(by_unit, keeper, sizes, members, best, texts, config.ngram, alike=(pairs[refused], inter[refused]))
        placed = int(((by_unit >= 0) & (partner < 0)).sum())
    return Judgement(keeper, refined, int(refused.sum()), covered, inter, partner, placed)


def _codes(pairs: np.ndarray, n: int) -> set[int]:
    """Pairs of units as lower * n + higher (how runs.refine looks them up)."""
    return set((np.minimum(pairs[:, 0], pairs[:, 1]).astype(np.int64) * n + np.maximum(pairs[:, 0], pairs[:, 1])).tolist())


def part_table(
    j: Judgement, unit_of: np.ndarray, span_rank: np.ndarray, span_ids: np.ndarray, span_start: Callable[[int], int],
    partner_size: Callable[[int], int],
) -> PartTable:
    """The sentence runs as spans' parts: each unit's runs go to its kept (best-ranked)
    member; `span_ids` maps eligible spans to span numbers; `span_start(i)`: span i's offset."""
    if j.refined is None or not j.refined.runs:
        return PartTable.empty()
    best = best_members(unit_of, span_rank, len(j.keeper))
    cols: dict[str, list] = {f: [] for f in PartTable.FIELDS}
    for r in j.refined.runs:
        span = int(span_ids[best[r.unit]])
        base = span_start(span)
        sent = j.refined.sentenced[r.unit]
        lo, hi = runs.run_range(sent, r.first, r.stop)
        k_size = partner_size(r.partner)
        union = r.size + k_size - r.shared
        row = {
            "span": span, "start": base + sent.bounds[r.first][0], "end": base + sent.bounds[r.stop - 1][1],
            "first": r.first, "stop": r.stop, "kept": int(span_ids[best[r.partner]]),
            "jaccard": r.shared / union if union else 1.0, "containment": r.shared / r.size if r.size else 1.0,
            "kept_containment": r.shared / k_size if k_size else 1.0, "covered": r.covered,
            "cut_start": base + lo, "cut_end": base + hi,
        }
        for f in PartTable.FIELDS:
            cols[f].append(row[f])
    return PartTable(**cols)
