"""Why dedup kept both a planted copy and its source: one reason per such copy."""

from __future__ import annotations

from collections import Counter

from dedup import Config, scan
from dedup.stages import shingle
from dedup.stages.normalize import tokens

from .labels import Corpus
from .runner import documents
from .score import alive_units

SHORT_SOURCE = "source's span shorter than min_tokens"
SHORT_COPY = "copy's span shorter than min_tokens"
CUT = "unit split across spans"
BELOW = "containment below the threshold"
UNPROPOSED = "covered, but never proposed (anchor sampling, LSH)"


def missed_copies(corpus: Corpus, config: Config) -> tuple[Counter, dict]:
    """Counter of (kind, reason) over copies kept with their source, and one example each."""
    result = scan(documents(corpus), config)
    clean = {corpus.ids[d]: result.clean_text(d) for d in range(len(corpus.ids))}
    alive, _, _ = alive_units(corpus, clean)
    by_doc: dict[int, list[int]] = {}
    for i, s in enumerate(result.spans):
        by_doc.setdefault(s.doc, []).append(i)

    def span_of(k: int) -> int | None:
        u = corpus.units[k]
        return next((i for i in by_doc.get(u.doc, ()) if result.spans[i].start <= u.start and u.end <= result.spans[i].end), None)

    def shingles(i: int) -> set[int]:
        toks = tokens(result.span_text(i))
        if config.shingle == "char":
            toks = shingle.char_tokens(toks)
        return set(shingle.shingle_sets([toks], config.ngram)[0].tolist())

    reasons: Counter = Counter()
    examples: dict = {}
    for k, u in enumerate(corpus.units):
        if u.src < 0 or not (alive[k] and alive[u.src]):
            continue
        sc, ss = span_of(k), span_of(u.src)
        if sc is None or ss is None:
            why = CUT
        elif len(tokens(result.span_text(ss))) < config.min_tokens:
            why = SHORT_SOURCE
        elif len(tokens(result.span_text(sc))) < config.min_tokens:
            why = SHORT_COPY
        else:
            a, b = shingles(sc), shingles(ss)
            share = len(a & b) / min(len(a), len(b))
            why = BELOW if share < config.threshold else UNPROPOSED
        reasons[(u.kind, why)] += 1
        if (u.kind, why) not in examples and sc is not None and ss is not None:
            examples[(u.kind, why)] = (result.span_text(sc), result.span_text(ss))
    return reasons, examples
