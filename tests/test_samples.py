"""Golden checks on the five seed articles (GUIDE section 4)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup import Config, Document, scan
from dedup.cli import app
from dedup.io.staging import CLUSTERS, MARKER

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def load():
    return [Document(p.name, p.read_text(encoding="utf-8"), p.name) for p in sorted(SAMPLES.glob("*.txt"))]


def test_samples_one_cluster_003_doubled_paragraph():
    result = scan(load(), Config())
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    kept, dropped = result.spans[cluster.kept], [result.spans[i] for i in cluster.dropped]
    assert result.documents[kept.doc].id.startswith("003_")
    assert [(s.doc, s.index) for s in dropped] == [(kept.doc, 0)]
    assert kept.index == 2
    assert result.drops[cluster.dropped[0]].reason == "contained"


def test_samples_003_guide_numbers_at_5_grams():
    # GUIDE: 5-gram Jaccard ~0.38, but ~0.72 of the short one lies inside the long one.
    result = scan(load(), Config(ngram=5, threshold=0.7))
    assert len(result.clusters) == 1
    drop = result.drops[result.clusters[0].dropped[0]]
    assert 0.35 < drop.jaccard < 0.42 and 0.70 <= drop.containment < 0.76
    assert drop.reason == "contained"


# --- extended golden checks ----------------------------------------------------------

NBSP = "\u00a0"
FIRST_003 = "Turkish President Recep Tayyip Erdogan has confirmed Ankara's willingness"


def doc_index(result, prefix):
    (d,) = [k for k, doc in enumerate(result.documents) if doc.id.startswith(prefix)]
    return d


@pytest.mark.parametrize("segment", ["auto", "paragraph", "line"])
@pytest.mark.parametrize("keep", ["first", "longest"])
def test_samples_one_cluster_in_every_mode(segment, keep):
    result = scan(load(), Config(segment=segment, keep=keep))
    assert [len(c.dropped) + 1 for c in result.clusters] == [2]
    (dropped,) = result.drops
    assert result.span_text(dropped).startswith(FIRST_003)
    # At 5-grams / 0.7 no pair but 003's is even proposed; the 4-gram / 0.55 defaults
    # propose a few more on these five tellings of one story, and verification rejects them.
    assert result.stats["candidates"]["false_positives"] <= 10
    strict = scan(load(), Config(segment=segment, keep=keep, ngram=5, threshold=0.7))
    assert strict.stats["candidates"]["false_positives"] == 0


def test_samples_only_003_first_paragraph_dropped():
    result = scan(load(), Config())
    assert [result.span_text(i)[: len(FIRST_003)] for i in result.drops] == [FIRST_003]
    d = doc_index(result, "003_")
    assert [result.spans[i].doc for i in result.drops] == [d]
    assert not any(result.is_duplicate_document(k) for k in range(len(result.documents)))


def test_samples_clean_text_byte_identical_except_003():
    result = scan(load(), Config())
    for d, doc in enumerate(result.documents):
        clean = result.clean_text(d)
        if doc.id.startswith("003_"):
            first = doc.text[result.spans[result.doc_spans[d][0]].start : result.spans[result.doc_spans[d][0]].end]
            assert first.startswith(FIRST_003)
            assert clean == doc.text.replace(first + "\n\n", "", 1)
            assert clean.startswith("\n\n\n\nOleg Bourunov") and clean.endswith("dismissed the allegations.\n\n")
        else:
            assert clean == doc.text, doc.id


def test_samples_001_headline_and_url_line_survive():
    result = scan(load(), Config())
    d = doc_index(result, "001_")
    text = result.documents[d].text
    url_line, headline = [line for line in text.splitlines() if line.strip()][:2]
    assert "https://sputniknews.com/" in url_line
    assert headline.startswith("Turkish President Reveals Ankara")
    spans = [result.span_text(i) for i in result.doc_spans[d]]
    assert spans[0] == url_line.strip() and spans[1] == headline
    clean = result.clean_text(d)
    assert url_line in clean and headline in clean


def test_samples_004_nbsp_lines_are_separators():
    result = scan(load(), Config())
    d = doc_index(result, "004_")
    spans = [result.span_text(i) for i in result.doc_spans[d]]
    assert len(spans) == 17
    assert all(s.strip() == s and NBSP + "\n" not in s for s in spans)
    text = result.documents[d].text
    # every paragraph boundary in 004 is a no-break-space line or a blank line
    for i, j in zip(result.doc_spans[d][:-1], result.doc_spans[d][1:]):
        gap = text[result.spans[i].end : result.spans[j].start]
        assert gap.strip() == "" and gap.count("\n") >= 2


def test_samples_cli_output_mirrors_byte_for_byte(tmp_path):
    out = tmp_path / "cleaned"
    run = CliRunner().invoke(app, ["scan", str(SAMPLES), "--out", str(out), "--quiet"])
    assert run.exit_code == 0, run.output
    names = sorted(p.name for p in SAMPLES.glob("*.txt"))
    assert sorted(p.name for p in out.iterdir()) == sorted(names + [CLUSTERS, MARKER])
    for name in names:
        original = (SAMPLES / name).read_bytes()
        cleaned = (out / name).read_bytes()
        if name.startswith("003_"):
            assert len(cleaned) < len(original) and original.endswith(cleaned[4:])
            assert cleaned[:4] == original[:4] == b"\n\n\n\n"
        else:
            assert cleaned == original, name
    (line,) = (out / CLUSTERS).read_text(encoding="utf-8").splitlines()
    cluster = json.loads(line)
    assert cluster["size"] == 2
    kept, dropped = cluster["members"]
    assert (kept["kept"], dropped["kept"]) == (True, False)
    assert (kept["span"], dropped["span"]) == (2, 0)
    assert kept["doc"] == dropped["doc"] == [n for n in names if n.startswith("003_")][0]
    text = (SAMPLES / kept["doc"]).read_text(encoding="utf-8")
    assert text[dropped["start"] : dropped["end"]] == dropped["text"] and dropped["text"].startswith(FIRST_003)
    assert text[kept["start"] : kept["end"]] == kept["text"]
    assert dropped["containment"] >= 0.7 > dropped["jaccard"]
