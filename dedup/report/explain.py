"""`dedup explain`: why two spans are (or are not) duplicates, measured as a scan measures them.

Both spans go through the pipeline's own helpers: mapping.shingle_spans (the map
stage's tokens and shingles, word or character as the config says),
pairs.find_pairs (sketch, candidates, verify), decide.decide and decide.reason (with
`--sentences`, judge.judge: misreadings, templates, sentence runs), so what is printed
is what a scan would compute for this pair alone.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..config import Config
from ..errors import InputError
from ..io.readers import ReadOptions, discover, read_source
from ..records import Document
from ..shown import shown
from ..stages import decide, judge, segment, shingle, verify
from ..stages.mapping import shingle_spans
from ..stages.normalize import token_bytes
from ..stages.pairs import find_pairs
from ..stages.units import rank_spans
from . import align

_SPEC = re.compile(r"(?P<path>.+?)(?::(?P<n1>\d+))?(?::(?P<n2>\d+))?\Z", re.S)


@dataclass(frozen=True)
class SpanSpec:
    """`FILE[:PARA]` for a text file, `FILE:LINE[:PARA]` for JSONL (LINE: the record's line)."""

    path: str
    line: int | None
    para: int | None
    raw: str


@dataclass(frozen=True)
class Side:
    label: str  # file[:line]:span, as a user would type it
    path: str
    doc: Document
    span: int
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.doc.text[self.start : self.end]


@dataclass(frozen=True)
class Explanation:
    a: Side
    b: Side
    config: Config
    tokens_a: int
    tokens_b: int
    size_a: int  # |A|: distinct shingles
    size_b: int
    shared: int  # |A ∩ B|
    jaccard: float
    a_in_b: float  # C(A -> B)
    b_in_a: float
    proposed_by: tuple[str, ...]  # "LSH", "anchors": what would propose the pair in a scan
    dropped: str | None  # "A", "B" or None
    reason: str  # exact | contained | near-equal | apart | short
    verdict: str
    shared_shingles: np.ndarray  # sorted hashes both sets hold


def parse_spec(spec: str) -> SpanSpec:
    """Split `FILE[:N[:M]]`; a path that exists as written wins over a numeric suffix."""
    if os.path.exists(spec):
        return SpanSpec(spec, None, None, spec)
    m = _SPEC.match(spec)
    assert m is not None  # the pattern matches any non-empty string
    n1, n2 = m["n1"], m["n2"]
    if n2 is not None:
        return SpanSpec(m["path"], int(n1), int(n2), spec)
    return SpanSpec(m["path"], None, int(n1) if n1 is not None else None, spec)


def load_document(spec: SpanSpec, opts: ReadOptions) -> tuple[Document, SpanSpec]:
    """The document a spec names, read with the normal readers."""
    if spec.path == "-":
        raise InputError("-", "explain reads files, not standard input")
    sources = discover([spec.path], opts)
    if len(sources) != 1 or os.path.isdir(spec.path):
        raise InputError(spec.path, "name one file, not a folder or pattern")
    docs, skipped = read_source(sources[0], opts)
    if skipped:
        raise InputError(spec.path, f"cannot be read: {skipped[0].reason}")
    if sources[0].kind == "text":
        if spec.line is not None:
            raise InputError(spec.path, f"{spec.raw}: a text file takes FILE[:PARA], not FILE:LINE:PARA")
        return docs[0], spec
    # JSONL: the first number is the record's line; FILE:LINE means any span of it.
    line, para = (spec.line, spec.para) if spec.line is not None else (spec.para, None)
    if line is None:
        if len(docs) != 1:
            raise InputError(spec.path, f"holds {len(docs)} records; name one as FILE:LINE[:PARA]")
        line = docs[0].line
    for doc in docs:
        if doc.line == line:
            return doc, SpanSpec(spec.path, line, para, spec.raw)
    raise InputError(spec.path, "no JSONL record on this line", line)


def _label(spec: SpanSpec, doc: Document, span: int) -> str:
    return f"{spec.path}:{doc.line}:{span}" if doc.line is not None else f"{spec.path}:{span}"


def _side(spec: SpanSpec, doc: Document, spans: list[tuple[int, int]], k: int) -> Side:
    if not 0 <= k < len(spans):
        raise InputError(spec.path, f"has {len(spans)} spans (0 to {len(spans) - 1}); no span {k}", doc.line)
    return Side(_label(spec, doc, k), spec.path, doc, k, *spans[k])


def best_pair(
    spans_a: list[tuple[int, int]], spans_b: list[tuple[int, int]], doc_a: Document, doc_b: Document,
    fixed_a: int | None, fixed_b: int | None, config: Config, label: str = "",
) -> tuple[int, int]:
    """The span pair with the highest containment (then Jaccard, then order), trying every
    span of a side whose PARA was left out; pairs of spans long enough to be judged come first."""
    same = doc_a is doc_b
    texts = [doc_a.text[s:e] for s, e in spans_a] + ([] if same else [doc_b.text[s:e] for s, e in spans_b])
    toks = [token_bytes(t) for t in texts]
    values, offsets = shingle_spans(toks, config)
    shift = 0 if same else len(spans_a)
    cands = [
        (i, j + shift)
        for i in ([fixed_a] if fixed_a is not None else range(len(spans_a)))
        for j in ([fixed_b] if fixed_b is not None else range(len(spans_b)))
        if not (same and i == j)
    ]
    if not cands:
        raise InputError(label or doc_a.id, "no pair of spans to compare")
    inter = verify.intersections(np.array(cands, dtype=np.int64).reshape(-1, 2), values, offsets)
    sizes = np.diff(offsets)

    def score(k: int) -> tuple:
        i, j = cands[k]
        jac, c_ij, c_ji = verify.similarity(int(inter[k]), int(sizes[i]), int(sizes[j]))
        judged = len(toks[i]) >= config.min_tokens and len(toks[j]) >= config.min_tokens
        return (judged, max(c_ij, c_ji), jac, -k)

    i, j = cands[max(range(len(cands)), key=score)]
    return i, j - shift


def resolve(spec_a: str, spec_b: str, config: Config, opts: ReadOptions = ReadOptions()) -> tuple[Side, Side]:
    """Read both files and pick the two spans (the most similar pair where PARA is left out)."""
    sa, sb = parse_spec(spec_a), parse_spec(spec_b)
    doc_a, sa = load_document(sa, opts)
    doc_b, sb = load_document(sb, opts)
    if os.path.realpath(sa.path) == os.path.realpath(sb.path) and doc_a.line == doc_b.line:
        doc_b = doc_a
    spans_a = segment.segment(doc_a.text, config.segment)
    spans_b = segment.segment(doc_b.text, config.segment)
    for spec, doc, spans in ((sa, doc_a, spans_a), (sb, doc_b, spans_b)):
        if spec.para is not None:
            _side(spec, doc, spans, spec.para)  # range check before any search
    ka, kb = sa.para, sb.para
    if ka is None or kb is None:
        ka, kb = best_pair(spans_a, spans_b, doc_a, doc_b, ka, kb, config, sa.path)
    return _side(sa, doc_a, spans_a, ka), _side(sb, doc_b, spans_b, kb)


def _a_first(a: Side, b: Side) -> bool:
    """Input order as a scan of their common folder sees it: path, then line, then span."""
    def key(s: Side) -> tuple:
        return os.path.normpath(s.path), s.doc.line or 0, s.span

    return key(a) <= key(b)


def explain(a: Side, b: Side, config: Config) -> Explanation:
    """Measure the pair exactly and decide it as a scan would, these two spans alone."""
    toks = [token_bytes(a.text), token_bytes(b.text)]
    values, offsets = shingle_spans(toks, config)
    set_a, set_b = values[offsets[0] : offsets[1]], values[offsets[1] : offsets[2]]
    size_a, size_b = len(set_a), len(set_b)
    shared_shingles = np.intersect1d(set_a, set_b)
    shared = len(shared_shingles)
    jac, a_in_b, b_in_a = verify.similarity(shared, size_a, size_b)

    short = [name for name, t in (("A", toks[0]), ("B", toks[1])) if len(t) < config.min_tokens]
    proposed: tuple[str, ...] = ()
    if not short:
        prop = find_pairs(values, offsets, config).proposals
        proposed = tuple(name for name, n in (("LSH", prop.lsh), ("anchors", prop.anchors)) if n)

    a_first = _a_first(a, b)
    lengths = np.array([a.end - a.start, b.end - b.start] if a_first else [b.end - b.start, a.end - a.start])
    rank = rank_spans(lengths, config.keep)
    rank = rank if a_first else rank[::-1]
    policy = "the earlier in input order" if config.keep == "first" else "the longer"

    dropped, reason = None, "apart"
    if short:
        reason = "short"
        verdict = (
            f"not judged: {' and '.join(short)} has fewer than --min-tokens {config.min_tokens} words; "
            "such spans are never dropped and never drop others"
        )
    elif shared == size_a == size_b:
        dropped, reason = ("B" if rank[0] < rank[1] else "A"), "exact"
        verdict = f"{dropped} is dropped (exact: the same shingle set); keep policy --keep {config.keep} keeps {policy}"
    elif config.sentence_runs:
        dropped, reason, verdict = _judged(a, b, values, offsets, rank, shared, (a_in_b, b_in_a), config)
    else:
        keeper = decide.decide(
            np.array([size_a, size_b]), rank, np.array([[0, 1]]), np.array([shared]), config.threshold
        )
        if keeper[0] == 1 or keeper[1] == 0:
            x, k = (0, 1) if keeper[0] == 1 else (1, 0)
            sizes = (size_a, size_b)
            dropped, reason = "AB"[x], decide.reason(sizes[k], sizes[x], shared)
            c = (a_in_b, b_in_a)[x]
            why = (
                f"{'AB'[k]} is fuller, so it is kept whatever the keep policy"
                if reason == "contained"
                else f"neither is clearly fuller; --keep {config.keep} keeps {policy}"
            )
            verdict = f"{dropped} is dropped, {'AB'[k]} kept ({reason}: C({dropped}→{'AB'[k]}) = {c:.3f} ≥ {config.threshold}; {why})"
        else:
            verdict = (
                f"both kept: the larger containment, {max(a_in_b, b_in_a):.3f}, is below --threshold {config.threshold}"
            )
    if dropped and not proposed:
        verdict += (
            "; but neither LSH nor the anchor probe proposes this pair, so a scan never verifies it and keeps both"
        )
    return Explanation(
        a, b, config, len(toks[0]), len(toks[1]), size_a, size_b, shared, jac, a_in_b, b_in_a,
        proposed, dropped, reason, verdict, shared_shingles,
    )


def _judged(
    a: Side, b: Side, values: np.ndarray, offsets: np.ndarray, rank: np.ndarray, shared: int,
    containment: tuple[float, float], config: Config,
) -> tuple[str | None, str, str]:
    """(dropped side, reason, verdict) of the pair under `--sentences`: judge.judge, the
    scan's own decision (misreadings read through, templates refused, decide, sentence
    runs), on these two spans alone."""
    sizes = np.diff(offsets)
    pairs, inter = np.array([[0, 1]]), np.array([shared])
    texts = (a.text, b.text)
    verdict = judge.judge(sizes, values, offsets, rank, pairs, inter, config, lambda u: texts[u])
    read = int(verdict.inter[0])  # the shingles shared as the decision read them (misreadings read through)
    note = f"; read through OCR misreadings, {read} shingles shared, not {shared}" if read > shared else ""
    if verdict.templates:
        return None, "template", (
            "both kept: a filled-in template of the other (the words each misses are mostly numbers, "
            f"identifiers and names, or each names something the other does not){note}"
        )
    runs = verdict.refined.runs if verdict.refined is not None else []
    for x in (0, 1):
        if verdict.keeper[x] >= 0:
            k = int(verdict.keeper[x])
            reason = "covered" if x in verdict.covered.tolist() else decide.reason(int(sizes[k]), int(sizes[x]), read)
            return "AB"[x], reason, (
                f"{'AB'[x]} is dropped, {'AB'[k]} kept ({reason}: C({'AB'[x]}→{'AB'[k]}) = "
                f"{max(containment[x], read / max(1, sizes[x])):.3f} ≥ {config.threshold}){note}"
            )
    for r in runs:
        first, stop = r.first + 1, r.stop
        which = f"sentence {first}" if stop == first else f"sentences {first}–{stop}"
        return "AB"[r.unit], "sentence-run", (
            f"{which} of {'AB'[r.unit]} dropped as a sentence run ({r.covered:.0%} of their shingles in "
            f"{'AB'[r.partner]}); the rest of {'AB'[r.unit]} stays{note}"
        )
    lifted = verdict.refined.lifted.tolist() if verdict.refined is not None else []
    if lifted:
        return None, "own sentence", (
            f"both kept: {'AB'[lifted[0]]} would be dropped, but holds a sentence of its own ({config.min_tokens}+ "
            "words mostly not in the other), so it stays whole"
        )
    return None, "apart", (
        f"both kept: the larger containment, {max(containment):.3f}, is below --threshold {config.threshold}, "
        f"and no run of two or more sentences is covered{note}"
    )


def covered(word_tokens: list[str], shared_shingles: np.ndarray, n: int) -> list[bool]:
    """Per token: whether it lies in a shingle both spans hold (same hashing as shingle.py)."""
    if not word_tokens or not len(shared_shingles):
        return [False] * len(word_tokens)
    windows = [word_tokens[i : i + n] for i in range(max(1, len(word_tokens) - n + 1))]
    hashes, _ = shingle.shingle_sets(windows, n)  # one shingle per window, in window order
    hit = np.isin(hashes, shared_shingles)
    out = [False] * len(word_tokens)
    for i in np.flatnonzero(hit):
        for t in range(i, min(i + n, len(word_tokens))):
            out[t] = True
    return out


STYLE_SHARED = "black on pale_green3"
STYLE_ALONE = "bold red"


def styled(text: str, ws: list[align.Word], flags: list[bool], rng: range) -> Text:
    """Words `rng` of `text`, each styled by whether its tokens lie in shared shingles."""
    out = Text()
    if not rng:
        return Text("—", style="dim")
    t = sum(len(w.tokens) for w in ws[: rng.start])
    for k in rng:
        w = ws[k]
        if k > rng.start:
            out.append(" ")
        style = ""
        if w.tokens:
            style = STYLE_SHARED if all(flags[t : t + len(w.tokens)]) else STYLE_ALONE
        out.append(text[w.start : w.end], style=style)
        t += len(w.tokens)
    return out


def render(ex: Explanation, console: Console) -> None:
    """Print the explanation: the aligned spans with shared shingles highlighted, measures, verdict."""
    n = ex.config.ngram
    unit = "character" if ex.config.shingle == "char" else "word"
    for name, side, ntok, size in (("A", ex.a, ex.tokens_a, ex.size_a), ("B", ex.b, ex.tokens_b, ex.size_b)):
        console.print(
            Text.assemble((f"{name} ", "bold"), (shown(side.label), "cyan"),
                          f"  doc {shown(side.doc.id)}, span {side.span}, chars [{side.start}, {side.end}), "
                          f"{ntok} words, {size} shingles")
        )
    ws_a, ws_b = align.words(ex.a.text), align.words(ex.b.text)
    flags_a = covered(align.flat_tokens(ws_a), ex.shared_shingles, n)
    flags_b = covered(align.flat_tokens(ws_b), ex.shared_shingles, n)
    table = Table(show_header=True, header_style="bold", expand=True, show_lines=True)
    table.add_column("A", ratio=1)
    table.add_column("B", ratio=1)
    for _tag, ra, rb in align.rows(ws_a, ws_b, min_equal=n):
        table.add_row(styled(ex.a.text, ws_a, flags_a, ra), styled(ex.b.text, ws_b, flags_b, rb))
    legend = Text.assemble(
        ("shared", STYLE_SHARED), f": in a {n}-{unit} shingle both spans hold   ", ("alone", STYLE_ALONE),
        ": in no shared shingle (edited, inserted or removed)",
    )
    measures = Table(show_header=False, box=None, padding=(0, 2))
    measures.add_column(style="bold")
    measures.add_column()
    for key, value in (
        ("shingles", f"|A| = {ex.size_a}, |B| = {ex.size_b}, shared |A∩B| = {ex.shared}  ({n}-{unit} shingles)"),
        ("Jaccard", f"{ex.jaccard:.4f}"),
        ("C(A→B)", f"{ex.a_in_b:.4f}   share of A found in B"),
        ("C(B→A)", f"{ex.b_in_a:.4f}   share of B found in A"),
        ("threshold", f"{ex.config.threshold}  (containment; --keep {ex.config.keep}, --min-tokens {ex.config.min_tokens})"),
        ("proposed by", ", ".join(ex.proposed_by) or "nothing (LSH and anchors both miss it)"),
        ("verdict", ex.verdict),
    ):
        measures.add_row(key, value)
    console.print(Group(table, legend, measures))
    console.print(
        Text("(These two spans alone; in a full scan a span may be dropped against, or kept for, a third span.)", style="dim")
    )
