"""`dedup explain`: spans resolved with the normal readers, measured and decided as a scan does."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from dedup import Config, Document, InputError, scan
from dedup.report import align
from dedup.cli import app
from dedup.report.explain import STYLE_ALONE, STYLE_SHARED, styled, covered, explain, parse_spec, render, resolve
from dedup.stages.normalize import tokens
from dedup.stages.shingle import shingle_sets

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
S003 = str(SAMPLES / "003_15fa05f4d3cf0d4f.txt")


def run(*args: str):
    res = CliRunner().invoke(app, ["explain", *args])
    return res, " ".join(res.output.split())  # rich wraps lines; compare flat text


def test_003_doubled_paragraph_cli():
    # the GUIDE's numbers are 5-gram ones, judged at the threshold they were read against
    res, out = run(f"{S003}:0", f"{S003}:2", "--ngram", "5", "--threshold", "0.7")
    assert res.exit_code == 0, res.output
    assert "|A| = 286, |B| = 461, shared |A∩B| = 207" in out
    assert "Jaccard 0.3833" in out and "C(A→B) 0.7238" in out and "C(B→A) 0.4490" in out
    assert "A is dropped, B kept (contained: C(A→B) = 0.724 ≥ 0.7; B is fuller" in out
    assert "proposed by anchors" in out
    res, out = run(f"{S003}:2", f"{S003}:0", "--ngram", "5", "--threshold", "0.7")
    assert "B is dropped, A kept (contained" in out


def test_explain_agrees_with_scan_on_samples():
    docs = [Document(p.name, p.read_text(encoding="utf-8"), p.name) for p in sorted(SAMPLES.glob("*.txt"))]
    result = scan(docs, Config())
    (cluster,) = result.clusters
    (dropped,) = cluster.dropped
    drop = result.drops[dropped]
    a, b = resolve(f"{S003}:{result.spans[dropped].index}", f"{S003}:{result.spans[cluster.kept].index}", Config())
    ex = explain(a, b, Config())
    assert (ex.jaccard, ex.a_in_b, ex.b_in_a) == (drop.jaccard, drop.containment, drop.kept_containment)
    assert (ex.dropped, ex.reason) == ("A", drop.reason)


def test_para_left_out_finds_the_most_similar_pair():
    a, b = resolve(S003, S003, Config())
    assert (a.span, b.span) == (0, 2)
    a, b = resolve(f"{S003}:2", S003, Config())
    assert (a.span, b.span) == (2, 0)


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


BASE = (
    "the committee met on tuesday to discuss the budget for next year and agreed on most points after a long "
    "debate about schools roads and the new library that the town has wanted for a decade now"
)


def test_keep_policy_decides_near_equal(tmp_path):
    a = write(tmp_path, "a.txt", BASE + ".\n")
    b = write(tmp_path, "b.txt", BASE.replace("tuesday", "wednesday") + " today.\n")  # longer, not fuller
    _, out = run(a, b)
    assert "B is dropped, A kept (near-equal" in out and "--keep first keeps the earlier in input order" in out
    _, out = run(b, a)  # order on the command line does not change input order
    assert "A is dropped, B kept (near-equal" in out
    _, out = run(a, b, "--keep", "longest")
    assert "A is dropped, B kept (near-equal" in out and "keeps the longer" in out


def test_exact_copy_and_short_spans(tmp_path):
    a = write(tmp_path, "a.txt", "Byline here\n\n" + BASE + "\n")
    b = write(tmp_path, "b.txt", BASE.upper().replace(" ", "  ") + "\n")
    _, out = run(f"{a}:1", b)
    assert "B is dropped (exact: the same shingle set)" in out
    _, out = run(f"{a}:0", b)
    assert "not judged: A has fewer than --min-tokens 8 words" in out


def test_below_threshold_verdict(tmp_path):
    a = write(tmp_path, "a.txt", BASE + "\n")
    b = write(tmp_path, "b.txt", "the committee met on tuesday and then everyone went home for a long weekend away\n")
    res, out = run(a, b)
    assert res.exit_code == 0
    assert "both kept: the larger containment" in out and f"is below --threshold {Config().threshold}" in out


def test_jsonl_spans(tmp_path):
    recs = [{"id": "x", "text": "Intro line of x.\n\n" + BASE}, {"id": "y", "text": BASE + " again"}]
    f = write(tmp_path, "c.jsonl", "".join(json.dumps(r) + "\n" for r in recs))
    res, out = run(f"{f}:1:1", f"{f}:2:0")
    assert res.exit_code == 0, res.output
    assert "doc x, span 1" in out and "doc y, span 0" in out
    assert parse_spec(f"{f}:2:0").line == 2
    res, out = run(f, f"{f}:2:0")
    assert res.exit_code == 2 and "holds 2 records; name one as FILE:LINE[:PARA]" in out


def test_errors_name_the_file(tmp_path):
    res, out = run(f"{S003}:9", S003)
    assert res.exit_code == 2 and f"{S003}: has 3 spans (0 to 2); no span 9" in out
    res, out = run(str(tmp_path / "nope.txt"), S003)
    assert res.exit_code == 2 and "nope.txt: no such file or directory" in out
    short = write(tmp_path, "s.txt", "tiny\n")
    res, out = run(short, short)
    assert res.exit_code == 2 and "s.txt: no pair of spans to compare" in out
    with pytest.raises(InputError):
        resolve("-", S003, Config())
    res, out = run(f"{S003}:0", f"{S003}:2", "--threshold", "2")
    assert res.exit_code == 2 and "--threshold: threshold must be a number in (0, 1], got 2.0" in out


def test_shared_shingle_highlight():
    a = "one two three four five six seven eight nine ten"
    b = "zero one two three four five six eleven twelve"
    sa, sb = tokens(a), tokens(b)
    values, offsets = shingle_sets([sa, sb], 5)
    shared = np.intersect1d(values[offsets[0] : offsets[1]], values[offsets[1] : offsets[2]])
    assert len(shared) == 2  # "one..five", "two..six"
    assert covered(sa, shared, 5) == [True] * 6 + [False] * 4
    ws = align.words(a)
    text = styled(a, ws, covered(sa, shared, 5), range(len(ws)))
    styles = {text.plain[s.start : s.end]: str(s.style) for s in text.spans}
    assert styles["six"] == STYLE_SHARED and styles["seven"] == STYLE_ALONE


def test_rendered_output_has_both_columns():
    a, b = resolve(f"{S003}:0", f"{S003}:2", Config())
    console = Console(record=True, width=160, force_terminal=True, color_system="truecolor")
    render(explain(a, b, Config()), console)
    text = console.export_text(styles=False, clear=False)
    assert "Erdogan tells Biden turkeys’ position on S-400 remains unchanged" in text  # B-only row
    assert "verdict" in text and "A is dropped" in text
    assert "\x1b[" in console.export_text(styles=True)  # highlighted


@pytest.mark.parametrize(
    "config", [Config(), Config(shingle="char", ngram=5, threshold=0.5)], ids=["word", "char"]
)
def test_explain_agrees_with_the_scan(config):
    """explain measures a pair through the scan's own map stage: for each span the scan
    drops, explain drops the same one, for the same reason, with the same measures."""
    files = sorted(SAMPLES.iterdir())
    docs = [Document(p.name, p.read_text(encoding="utf-8")) for p in files]
    result = scan(docs, config)
    assert len(result.drops) >= 1
    for i, drop in list(result.drops.items())[:8]:
        s, k = result.spans[i], result.spans[drop.kept]
        ex = explain(*resolve(f"{SAMPLES / docs[s.doc].id}:{s.index}", f"{SAMPLES / docs[k.doc].id}:{k.index}", config), config)
        assert (ex.dropped, ex.reason) == ("A", drop.reason)
        assert (ex.jaccard, ex.a_in_b, ex.b_in_a) == pytest.approx((drop.jaccard, drop.containment, drop.kept_containment))


def test_sentences_verdict_is_the_scans(tmp_path):
    # --sentences: the verdict comes from judge, as the scan decides these two spans.
    from test_misread import SCANNED, SOURCE

    (tmp_path / "a.txt").write_text(SOURCE + "\n")
    (tmp_path / "b.txt").write_text(SCANNED + "\n")
    res, out = run(str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--sentences")
    assert res.exit_code == 0, res.output
    assert "B is dropped, A kept" in out and "read through OCR misreadings" in out
    result = scan([Document("a", SOURCE), Document("b", SCANNED)], Config(sentences=True))
    assert result.clean_text(1) == ""  # the scan drops B as well
    res, out = run(str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert "both kept" in out  # whole spans: under the threshold
    from test_runs import NEW, SOURCE

    source = " ".join(SOURCE[:3])
    story = " ".join([NEW[0], *SOURCE[:2], NEW[1]])  # the source's first two sentences inside a new paragraph
    (tmp_path / "c.txt").write_text(source + "\n")
    (tmp_path / "d.txt").write_text(story + "\n")
    res, out = run(str(tmp_path / "c.txt"), str(tmp_path / "d.txt"), "--sentences")
    assert "sentences 2–3 of B dropped as a sentence run" in out and "the rest of B stays" in out
    result = scan([Document("c", source), Document("d", story)], Config(sentences=True))
    assert result.clean_text(0) == source and len(result.clean_text(1)) < len(story)
