"""Golden checks on the five seed articles (GUIDE section 4)."""

from pathlib import Path

from dedup import Config, Document, scan

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
    result = scan(load(), Config(ngram=5, containment=0.7))
    assert len(result.clusters) == 1
    drop = result.drops[result.clusters[0].dropped[0]]
    assert 0.35 < drop.jaccard < 0.42 and 0.70 <= drop.containment < 0.76
    assert drop.reason == "contained"
