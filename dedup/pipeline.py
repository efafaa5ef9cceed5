"""scan(): the stages run in turn (map, units, pairs, decide, drops), documents in, a
ScanResult out. Its only files: with `spill`, the distinct shingle sets as .npy files
in a temporary folder."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .accel import kernels, memory
from .config import Config
from .inputs import as_documents
from .records import Document
from .report import borderline
from .result import ScanResult
from .stages import runs, sketch
from .stages.drops import clusters_of, span_drops
from .stages.judge import judge, part_table
from .stages.mapping import Progress, map_documents, merge
from .stages.pairs import find_pairs
from .stages.units import UnitBuilder, rank_spans, unit_ranks
from .stats import Laps, sentence_stats, summarize


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
    if spill is None:
        return _scan(documents, config, progress, jobs, None, sample_pairs)
    with tempfile.TemporaryDirectory(prefix="dedup-spill-", dir=spill, ignore_cleanup_errors=True) as folder:
        return _scan(documents, config, progress, jobs, Path(folder), sample_pairs)


def _scan(
    documents: Iterable[Document], config: Config, progress: Progress | None, jobs: int, spill: Path | None,
    sample_pairs: bool,
) -> ScanResult:
    laps = Laps()

    def lap(stage: str) -> None:
        laps(stage)
        if progress:
            progress(stage, 1, 1)

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

    builder, parts = UnitBuilder(spill), []
    for part in map_documents(taken(), config, progress, jobs=jobs):
        builder.add(part.values, part.offsets, part.set_keys)
        part.values = np.zeros(0, dtype=np.uint64)  # the builder keeps distinct sets only (a [:0] view would pin them)
        parts.append(part)
    sh = merge(parts, len(docs), 0)
    del parts
    for thread in warm:
        thread.join()
    memory.release()  # the chunks' arrays are gone: their memory must not swell the reduce stage's peak
    lap("shingle")
    units = builder.units()
    del builder
    elig_idx = np.flatnonzero(sh.eligible)
    lengths = (sh.spans.end - sh.spans.start)[elig_idx]
    span_rank = rank_spans(lengths, config.keep)
    u_rank = unit_ranks(units.unit_of, span_rank, len(units.sizes))
    lap("units")
    found = find_pairs(units.values, units.offsets, config, threads=jobs, between=memory.release)
    lap("candidates_verify")
    spans = sh.spans

    def unit_text(u: int) -> str:
        span = spans[int(elig_idx[units.first_member[u]])]
        return docs[span.doc].text[span.start : span.end]

    place = runs.layout(units.unit_of, span_rank, spans.doc[elig_idx], len(units.sizes)) if config.sentence_runs else None
    verdict = judge(units.sizes, units.values, units.offsets, u_rank, found.pairs, found.inter, config, unit_text, layout=place)
    units.values = np.zeros(0, dtype=np.uint64)  # decided: from here on only the sizes count
    memory.release()
    drops = span_drops(units.unit_of, span_rank, units.sizes, verdict.keeper, found.pairs, found.inter, elig_idx, verdict.covered)
    parts = part_table(verdict, units.unit_of, span_rank, elig_idx, lambda i: int(spans.start[i]), lambda u: int(units.sizes[u]))
    clusters = clusters_of(drops, parts)
    lap("decide")

    result = ScanResult(config, docs, sh.spans, sh.doc_spans, drops, clusters, eligible=sh.eligible, parts=parts)
    if sample_pairs:
        reps = borderline.representatives(units.unit_of, span_rank, elig_idx)
        result.pairs = borderline.sample(found.pairs, found.inter, units.sizes, reps, config.threshold)
    result.stats = summarize(result, units, found, config)
    if verdict.refined is not None:
        result.stats["sentences"] = sentence_stats(result, verdict)
    result.stats["seconds"] = laps.timings
    return result

