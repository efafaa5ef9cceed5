"""scan(): the stages run in turn (map, units, pairs, decide, drops), documents in, a
ScanResult out. Its only files: with `spill`, the distinct shingle sets as .npy files
and the documents' texts (io/spilled_texts.py) in a temporary folder."""

from __future__ import annotations

import copy
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .accel import kernels, memory
from .config import Config
from .inputs import as_documents
from .io.spilled_texts import SpilledDocuments
from .records import Document
from .report import borderline
from .result import ScanResult
from .stages import candidates, context, decide, runs, sketch
from .stages.drops import clusters_of, span_drops
from .stages.judge import Judgement, judge, part_table
from .stages.mapping import Progress, Shingled, map_documents, merge
from .stages.misread import MAX_SHINGLES as OCR_MAX_SHINGLES
from .stages.pairs import Pairs, band_keys, find_pairs, neighbour_pairs, ocr_pairs
from .stages.units import UnitBuilder, Units, group_units, rank_spans, set_keys, unit_ranks
from .stats import Laps, sentence_stats, summarize

if TYPE_CHECKING:
    from .index.base import Entries


def _prepare(config: Config) -> None:
    sketch.permutations(config.num_perm, config.seed)
    kernels.warm_up()


def scan(
    documents: Iterable[Document] | Any, config: Config | None = None, progress: Progress | None = None, *,
    jobs: int = 1, spill: str | os.PathLike | None = None, sample_pairs: bool = True,
    text_key: str = "text", id_key: str = "id",
) -> ScanResult:
    """Find near-duplicate spans within and across `documents`, in the order given.

    `documents`: Documents, or anything dedup.inputs.as_documents takes (texts, (id, text)
    pairs, mappings with `text_key`/`id_key`, a dataframe column); see also dedup.clean.

    Input order matters only for `keep="first"`: the earlier of two near-equal
    copies is kept. The CLI passes documents in a canonical order (sorted paths,
    then line), so the order files are listed in does not matter. `jobs`:
    threads (or processes, see map_pool) for the map stage (segment, shingle,
    key sets) and threads for the reduce stage; `spill`: a folder for the
    distinct shingle sets (see UnitBuilder) instead of memory. Results depend
    on neither. `sample_pairs`: measure the borderline pairs the HTML
    report shows (result.pairs). `documents` may be a stream (readers.DocumentStream): the
    map stage starts on the first ones while the rest are read.
    """
    config = config or Config()
    documents = as_documents(documents, text_key=text_key, id_key=id_key)
    with spill_folder(spill) as folder:
        return _scan(documents, config, progress, jobs, folder, sample_pairs)


@contextmanager
def spill_folder(spill: str | os.PathLike | None) -> Iterator[Path | None]:
    """A private temporary folder inside `spill` (None: no spilling), removed afterwards."""
    if spill is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="dedup-spill-", dir=spill, ignore_cleanup_errors=True) as folder:
        yield Path(folder)


def _scan(
    documents: Iterable[Document], config: Config, progress: Progress | None, jobs: int, spill: Path | None,
    sample_pairs: bool,
) -> ScanResult:
    lap = Laps(progress)
    mapped = map_stage(documents, config, progress, jobs, spill)
    lap("shingle")
    result, _ = reduce_stage(mapped, config, lap, jobs=jobs, sample_pairs=sample_pairs)
    result.stats["seconds"] = lap.timings
    return result


@dataclass
class Mapped:
    """The map stage's output over a whole batch: documents, spans, distinct shingle sets."""

    docs: Sequence[Document]  # with spill, a SpilledDocuments
    sh: Shingled  # its values are dropped: the units hold each distinct set once
    units: Units  # over the eligible spans


def map_stage(
    documents: Iterable[Document], config: Config, progress: Progress | None, jobs: int, spill: Path | None,
) -> Mapped:
    """Segment, shingle and key the documents as they stream in, keeping only the
    distinct shingle sets (UnitBuilder); documents are kept for the output (with `spill`,
    their texts in a file there: SpilledDocuments)."""
    docs: list[Document] = []
    warm: list[threading.Thread] = []

    def taken() -> Iterator[Document]:
        """The documents, kept in `docs` as the map stage takes them. Once they hold
        about as many shingles as kernels.min_work, the compiled kernels the reduce
        stages need are loaded in a thread while the map stage runs."""
        chars = 0
        for doc in documents:
            docs.append(doc)
            chars += len(doc.text)
            if not warm and chars >= 8 * kernels.min_work():
                warm.append(threading.Thread(target=_prepare, args=(config,), name="dedup-warm-up", daemon=True))
                warm[0].start()
            yield doc

    builder, parts, done = UnitBuilder(spill), [], 0
    texts = SpilledDocuments(spill) if spill is not None else None
    try:
        for part in map_documents(taken(), config, progress, jobs=jobs):
            builder.add(part.values, part.offsets, part.set_keys)
            part.values = np.zeros(0, dtype=np.uint64)  # the builder keeps distinct sets only (a [:0] view would pin them)
            parts.append(part)
            done += len(part.counts)
            if texts is not None:  # the parts come in input order: these documents' texts are no longer needed here
                texts.take(docs, done)
    except BaseException:
        if texts is not None:
            texts.close()
        raise
    sh = merge(parts, len(docs), 0)
    del parts
    for thread in warm:
        thread.join()
    memory.release()  # the chunks' arrays are gone: their memory must not swell the reduce stage's peak
    return Mapped(docs if texts is None else texts.close_writing(), sh, builder.units())


def reduce_stage(
    mapped: Mapped, config: Config, lap: Laps, *, jobs: int, sample_pairs: bool, known: Entries | None = None,
    keys: np.ndarray | None = None,
) -> tuple[ScanResult, Judgement]:
    """Rank, pair, judge and cut: the decision over the batch's distinct sets.

    `known`: spans already kept (an index's, see index/incremental.py), judged with
    the batch: they rank before every span of it, are never paired together nor
    dropped, and a batch span fuller than one of them is not dropped against it.
    Their span numbers follow the batch's (len(spans) + i). `keys`: the batch
    units' band keys, if already computed.
    """
    docs, sh, units = mapped.docs, mapped.sh, mapped.units
    if known is not None and not len(known):
        # nothing indexed could pair: the batch's own units stand (regrouping them cost 0.1 s per
        # 20 MB), copied, so the sets stay in `mapped` for the index to store
        known, units = None, copy.copy(units)
    spans = sh.spans
    elig_idx = np.flatnonzero(sh.eligible)
    span_rank = rank_spans((spans.end - spans.start)[elig_idx], config.keep)
    m = 0 if known is None else len(known)
    if known is not None:
        units, keys = _with_known(known, units, keys, config)
        span_rank = np.concatenate((np.arange(m, dtype=np.int64), m + span_rank))
        span_ids = np.concatenate((len(spans) + np.arange(m, dtype=np.int64), elig_idx))
    else:
        span_ids = elig_idx
    u_rank = unit_ranks(units.unit_of, span_rank, len(units.sizes))
    place = members = None
    if config.sentence_runs:  # documents as keys: the batch's by number, the known spans' below zero
        earlier: dict[tuple, int] = {}
        known_doc = [] if known is None else [-1 - earlier.setdefault((r.doc, r.source, r.line), len(earlier)) for r in known.refs]
        member_doc = np.concatenate((np.asarray(known_doc, dtype=np.int64), spans.doc[elig_idx].astype(np.int64)))
        prev, next_ = context.neighbours(member_doc)
        at = np.concatenate((np.fromiter((r.index for r in known.refs), dtype=np.int64, count=m) if m else np.zeros(0, np.int64),
                             spans.index[elig_idx].astype(np.int64)))
        touching = (prev >= 0) & (at - at[np.maximum(prev, 0)] == 1)
        members = context.Members(units.unit_of, span_rank, prev, next_, known=m, touching=touching)
        place = runs.layout(members, member_doc, len(units.sizes))
    lap("units")
    found = find_pairs(units.values, units.offsets, config, threads=jobs, between=memory.release, keys=keys)
    del keys
    if place is not None:
        found = neighbour_pairs(found, place.prev, place.next, place.doc, units.sizes, units.values, units.offsets,
                                config.ngram, threads=jobs)
    if config.sentence_runs:  # the texts of the units the misread stage may read, at once
        read = np.flatnonzero(units.sizes <= OCR_MAX_SHINGLES)
        first = units.first_member[read].astype(np.int64)
        texts: list[str] = [known.refs[e].text for e in first[first < m].tolist()] if m else []
        at = span_ids[first[first >= m]]
        texts += [docs[d].text[a:b] for d, a, b in zip(spans.doc[at].tolist(), spans.start[at].tolist(), spans.end[at].tolist())]
        order = np.concatenate((np.flatnonzero(first < m), np.flatnonzero(first >= m)))  # where each text goes
        read = read[order]
        found = ocr_pairs(found, units.sizes, units.values, units.offsets, read, texts, config, threads=jobs)
    usable = None
    if known is not None:
        indexed = np.zeros(len(units.sizes), dtype=bool)
        indexed[units.unit_of[:m]] = True
        found, usable = _against_known(found, units.sizes, indexed)
    lap("candidates_verify")

    def unit_text(u: int) -> str:
        e = int(units.first_member[u])
        if e < m:
            return known.refs[e].text
        span = spans[int(span_ids[e])]
        return docs[span.doc].text[span.start : span.end]

    verdict = judge(
        units.sizes, units.values, units.offsets, u_rank, found.pairs, found.inter, config, unit_text, usable=usable,
        layout=place, members=members,
    )
    if known is not None:
        assert (verdict.keeper[indexed] == -1).all(), "known spans rank first and are never paired together"
    units.values = np.zeros(0, dtype=np.uint64)  # decided: from here on only the sizes count
    memory.release()
    # The similarities reported are those the decision read (a misread copy's, read through).
    drops = span_drops(
        units.unit_of, span_rank, units.sizes, verdict.keeper, found.pairs, verdict.inter, span_ids, verdict.covered,
        verdict.partner,
    )
    if known is not None:
        drops = drops.below(len(spans))  # known spans are never dropped
    parts = part_table(verdict, units.unit_of, span_rank, span_ids, lambda i: int(spans.start[i]), lambda u: int(units.sizes[u]))
    clusters = clusters_of(drops, parts)
    lap("decide")

    result = ScanResult(
        config, docs, spans, sh.doc_spans, drops, clusters, indexed=known.refs if m else [], eligible=sh.eligible,
        parts=parts,
    )
    if sample_pairs:
        reps = borderline.representatives(units.unit_of, span_rank, span_ids)
        result.pairs = borderline.sample(found.pairs, found.inter, units.sizes, reps, config.threshold)
    result.stats = summarize(result, units, found, config)
    result.stats["distinct_spans"] = len(mapped.units.sizes)  # the batch's own
    if verdict.refined is not None:
        result.stats["sentences"] = sentence_stats(result, verdict)
    return result, verdict


def _with_known(known: Entries, units: Units, keys: np.ndarray | None, config: Config) -> tuple[Units, np.ndarray]:
    """Units over the known entries, then the batch's units (exact copies of a known
    set join its unit), with their band keys; members are the known entries, then
    the eligible spans."""
    m = len(known)
    values = np.concatenate((known.values, units.values))
    offsets = np.concatenate((known.offsets, known.offsets[-1] + units.offsets[1:]))
    set_keys_ = np.concatenate((known.set_keys, set_keys(units.values, units.offsets)))
    both = group_units(values, offsets, set_keys_)
    if keys is None:
        keys = band_keys(units.values, units.offsets, config)
    all_keys = np.concatenate((band_keys(known.values, known.offsets, config), keys))[both.first_member]
    first = both.first_member
    first = np.where(first < m, first, m + units.first_member[np.maximum(first - m, 0)])
    unit_of = np.concatenate((both.unit_of[:m], both.unit_of[m:][units.unit_of]))
    return Units(unit_of, both.values, both.offsets, both.sizes, first), all_keys


def _against_known(found: Pairs, sizes: np.ndarray, indexed: np.ndarray) -> tuple[Pairs, np.ndarray]:
    """The pairs without those of two known units, and which of them decide may use:
    not those where a batch unit is fuller than the known one (the published copy
    stays; the fuller new one must stay too)."""
    keep = ~(indexed[found.pairs[:, 0]] & indexed[found.pairs[:, 1]])
    pairs, inter = found.pairs[keep], found.inter[keep]
    a, b = pairs[:, 0], pairs[:, 1]
    known_a = indexed[a]
    x, y = np.where(known_a, a, b), np.where(known_a, b, a)  # x the known one, where one is
    sx, sy = sizes[x].astype(np.int64), sizes[y].astype(np.int64)
    usable = ~((known_a != indexed[b]) & decide.fuller(sy, sx, sx + sy - inter.astype(np.int64)))
    p = found.proposals
    return Pairs(pairs, inter, candidates.Proposals(pairs, p.lsh, p.anchors, p.oversized)), usable
