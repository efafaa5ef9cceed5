"""Judge a tool by its clean output (and, for dedup, its clusters.jsonl), never by its claims.

A unit (sentence, header or footer line) counts as kept when its exact text is
still in the clean article. Units of one label form a group; ideally exactly one
member of each group survives.

- removal precision: removed units that still had a kept copy elsewhere, over all
  removed units (a group removed entirely counts one of its units as wrong);
- removal recall: correctly removed units over the redundant ones, sum(|group| - 1);
- unique content lost: removed units with no other copy at all (share of units and of characters);
- duplicate content lost entirely: groups of two or more with no member left;
- byte-identical: the clean article is the input with whole units and some of
  the whitespace around them cut out: no kept character changed, moved or added;
- clusters: pairwise recall over same-label unit pairs (both in one cluster) and
  precision over kept/dropped member pairs (most of the dropped span's content is
  in the kept span).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .labels import COPY_KINDS, Corpus


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(c in it for c in small)


def align(pieces: list[str], gaps: list[str] | None, clean: str) -> list[bool] | None:
    """Which pieces survive, if `clean` is some of `pieces` in order with whitespace between.

    With `gaps` (the whitespace before, between and after the pieces in the
    input, len(pieces) + 1 of them), the whitespace between two kept pieces must
    also be a subsequence of the input's whitespace between them: then `clean` is
    the input with whole pieces and some whitespace cut out, byte for byte.
    Without `gaps`, any whitespace will do (a tool that re-joins paragraphs).
    Returns the reading that keeps the most pieces, or None if there is none.
    """
    # state: (position in clean, index of the last kept piece) -> pieces kept so far
    states: dict[tuple[int, int], int] = {(0, -1): 0}
    back: list[dict[tuple[int, int], tuple[int, int]]] = []

    def spacing_ok(pos: int, q: int, last: int, upto: int) -> bool:
        return gaps is None or _is_subsequence(clean[pos:q], "".join(gaps[last + 1 : upto + 1]))

    for i, piece in enumerate(pieces):
        new: dict[tuple[int, int], int] = {}
        step: dict[tuple[int, int], tuple[int, int]] = {}
        for (pos, last), kept in states.items():
            if new.get((pos, last), -1) < kept:
                new[(pos, last)], step[(pos, last)] = kept, (pos, last)
            q = _skip_ws(clean, pos)
            if clean.startswith(piece, q) and spacing_ok(pos, q, last, i):
                key = (q + len(piece), i)
                if new.get(key, -1) < kept + 1:
                    new[key], step[key] = kept + 1, (pos, last)
        states = new
        back.append(step)
    ends = [(p, last) for (p, last) in states if _skip_ws(clean, p) == len(clean)
            and spacing_ok(p, len(clean), last, len(pieces))]
    if not ends:
        return None
    key = max(ends, key=lambda k: (states[k], -k[0]))
    out = []
    for i in range(len(pieces) - 1, -1, -1):
        prev = back[i][key]
        out.append(prev != key)
        key = prev
    return out[::-1]


def greedy_alive(pieces: list[str], clean: str) -> list[bool]:
    """Fallback when `align` fails: a piece is kept if found after the previous one found."""
    out, pos = [], 0
    for piece in pieces:
        at = clean.find(piece, pos)
        out.append(at >= 0)
        if at >= 0:
            pos = at + len(piece)
    return out


# Where a clean line may join two pieces of the input: after a sentence end and its white space
# (a sentence run removed from the middle of a line).
_PIECE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+")


def line_identical(original: str, clean: str) -> bool:
    """Weaker check where units were cut into: each clean line's sentences appear, in order
    and whole, in the input (a unit of the labels may hold two sentences where the tool cut
    one of them out, so the unit is neither kept nor removed)."""
    if not _is_subsequence(clean, original):
        return False
    pos = 0
    for line in clean.splitlines():
        for piece in _PIECE_END.split(line.strip()):
            if piece:
                at = original.find(piece, pos)
                if at < 0:
                    return False
                pos = at + len(piece)
    return True


@dataclass
class Score:
    removal_precision: float
    removal_recall: float
    f1: float
    removed: int
    redundant: int
    unique_units: int
    unique_lost: int
    unique_lost_share: float
    unique_lost_chars_share: float
    dup_groups: int
    dup_groups_lost: int
    documents: int
    byte_identical_docs: int
    unaligned_docs: int
    kinds: dict = field(default_factory=dict)  # kind -> {"planted", "resolved", "kept_both", "lost"}
    cluster_precision: float | None = None
    cluster_recall: float | None = None
    examples: dict = field(default_factory=dict)  # failure kind -> [(copy text, source text), ...]

    @property
    def byte_identical(self) -> bool:
        return self.byte_identical_docs == self.documents

    def row(self) -> dict:
        return {
            "f1": self.f1, "precision": self.removal_precision, "recall": self.removal_recall,
            "unique_lost": self.unique_lost_share, "unique_lost_chars": self.unique_lost_chars_share,
            "dup_lost": self.dup_groups_lost, "byte_identical": self.byte_identical,
            "cluster_precision": self.cluster_precision, "cluster_recall": self.cluster_recall,
        }


def alive_units(corpus: Corpus, clean: dict[str, str]) -> tuple[list[bool], int, int]:
    """Whether each unit survived; (alive, byte-identical documents, unaligned documents).

    A document missing from `clean` counts as emptied (all its units removed).
    """
    alive = [False] * len(corpus.units)
    identical = unaligned = 0
    for d, units in enumerate(corpus.doc_units()):
        text, out = corpus.texts[d], clean.get(corpus.ids[d], "")
        pieces = [corpus.unit_text(k) for k in units]
        bounds = [0] + [x for k in units for x in (corpus.units[k].start, corpus.units[k].end)] + [len(text)]
        gaps = [text[bounds[2 * j] : bounds[2 * j + 1]] for j in range(len(units) + 1)]
        kept = align(pieces, gaps, out)
        if kept is not None:
            identical += 1
        else:
            kept = align(pieces, None, out)
            if kept is None:
                unaligned += 1
                identical += line_identical(text, out)
                kept = greedy_alive(pieces, out)
        for k, ok in zip(units, kept):
            alive[k] = ok
    return alive, identical, unaligned


def score(corpus: Corpus, clean: dict[str, str], clusters: list[dict] | None = None, n_examples: int = 3) -> Score:
    alive, identical, unaligned = alive_units(corpus, clean)
    units = corpus.units
    groups = corpus.groups()
    removed = wrong = redundant = 0
    unique = unique_lost = dup_groups = dup_lost = 0
    unique_chars = unique_lost_chars = 0
    examples: dict[str, list] = defaultdict(list)
    for members in groups.values():
        gone = [k for k in members if not alive[k]]
        removed += len(gone)
        if len(members) == 1:
            k = members[0]
            unique += 1
            unique_chars += units[k].end - units[k].start
            if gone:
                wrong += 1
                unique_lost += 1
                unique_lost_chars += units[k].end - units[k].start
                if len(examples["unique_lost"]) < n_examples:
                    examples["unique_lost"].append((units[k].kind, corpus.unit_text(k)))
            continue
        dup_groups += 1
        redundant += len(members) - 1
        if len(gone) == len(members):
            wrong += 1
            dup_lost += 1
            if len(examples["dup_lost"]) < n_examples:
                examples["dup_lost"].append(tuple(corpus.unit_text(k) for k in members[:2]))
    correct = removed - wrong
    precision = correct / removed if removed else 1.0
    recall = correct / redundant if redundant else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    kinds: dict[str, Counter] = defaultdict(Counter)
    for k, u in enumerate(units):
        if u.kind in COPY_KINDS:
            c = kinds[u.kind]
            c["planted"] += 1
            both = alive[k] and alive[u.src]
            c["kept_both"] += both
            c["resolved"] += not both
            if not any(alive[m] for m in groups[u.label]):
                c["lost"] += 1
            if both and len(examples[u.kind]) < n_examples:
                examples[u.kind].append((corpus.unit_text(k), corpus.unit_text(u.src)))
        elif len(groups[u.label]) == 1:
            c = kinds[u.kind]
            c["planted"] += 1
            c["lost"] += not alive[k]

    result = Score(
        removal_precision=precision, removal_recall=recall, f1=f1, removed=removed, redundant=redundant,
        unique_units=unique, unique_lost=unique_lost, unique_lost_share=unique_lost / unique if unique else 0.0,
        unique_lost_chars_share=unique_lost_chars / unique_chars if unique_chars else 0.0,
        dup_groups=dup_groups, dup_groups_lost=dup_lost, documents=len(corpus.ids),
        byte_identical_docs=identical, unaligned_docs=unaligned,
        kinds={k: dict(v) for k, v in sorted(kinds.items())}, examples=dict(examples),
    )
    if clusters is not None:
        result.cluster_precision, result.cluster_recall = cluster_scores(corpus, clusters)
    return result


def _units_in(corpus: Corpus, by_doc: dict[str, list[int]], doc: str, start: int, end: int) -> list[int]:
    return [k for k in by_doc.get(doc, ()) if corpus.units[k].start < end and corpus.units[k].end > start]


def cluster_scores(corpus: Corpus, clusters: list[dict]) -> tuple[float, float]:
    """(pairwise precision, pairwise recall) of clusters.jsonl records against the labels."""
    doc_units = corpus.doc_units()
    by_doc = {corpus.ids[d]: lst for d, lst in enumerate(doc_units)}
    cluster_of: dict[int, int] = {}
    good = edges = 0
    for c, rec in enumerate(clusters):
        members = rec["members"]
        spans = [_units_in(corpus, by_doc, m["doc"], m["start"], m["end"]) for m in members]
        for units in spans:
            for k in units:
                cluster_of[k] = c
        kept = [s for s, m in zip(spans, members) if m["kept"]]
        kept_labels = {corpus.units[k].label for s in kept for k in s}
        for s, m in zip(spans, members):
            if m["kept"]:
                continue
            edges += 1
            total = sum(corpus.units[k].end - corpus.units[k].start for k in s)
            shared = sum(corpus.units[k].end - corpus.units[k].start for k in s if corpus.units[k].label in kept_labels)
            good += total > 0 and shared >= 0.5 * total
    found = truth = 0
    for members in corpus.groups().values():
        n = len(members)
        truth += n * (n - 1) // 2
        per = Counter(cluster_of[k] for k in members if k in cluster_of)
        found += sum(v * (v - 1) // 2 for v in per.values())
    return (good / edges if edges else 1.0), (found / truth if truth else 1.0)
