"""dedup.annotate through the command line (--annotate) and the API, and --cluster-text."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dedup import Config, clean, scan
from dedup.annotate import annotations
from dedup.cli import app
from dedup.cli.common import EXIT_OK, EXIT_USAGE

from sample_corpus import SAMPLES, article, paragraphs

P = paragraphs()


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# r1 repeats r0's second paragraph; r2 is r0 again
RECORDS = [
    {"id": "r0", "text": article(P[0], P[1]), "lang": "en"},
    {"id": "r1", "text": article(P[2], P[1]), "lang": "en"},
    {"id": "r2", "text": article(P[0], P[1]), "lang": "de"},
]


def test_annotate_adds_what_was_removed_to_each_record(tmp_path):
    src = jsonl(tmp_path / "in.jsonl", RECORDS)
    run = invoke("scan", src, "--out", tmp_path / "out", "--annotate", "-q")
    assert run.exit_code == EXIT_OK, run.output
    out = [json.loads(line) for line in (tmp_path / "out" / "in.jsonl").read_text().splitlines()]
    clusters = [json.loads(line) for line in (tmp_path / "out" / "clusters.jsonl").read_text().splitlines()]
    # r1's second paragraph (offsets of P[1] in r1's text) and both of r2's are dropped
    r1_start = RECORDS[1]["text"].index(P[1])
    assert out[0]["dedup"] == {"dropped_chars": 0, "dropped_spans": 0, "dropped_runs": 0, "dropped": [],
                               "duplicate": False, "clusters": [0, 1]}
    assert out[1]["dedup"]["dropped"] == [[r1_start, r1_start + len(P[1])]]
    assert out[1]["dedup"]["dropped_chars"] == len(P[1]) and out[1]["dedup"]["duplicate"] is False
    assert out[2]["dedup"]["dropped_spans"] == 2 and out[2]["dedup"]["duplicate"] is True
    assert out[2]["dedup"]["dropped_chars"] == len(P[0]) + len(P[1])
    # the cluster numbers are clusters.jsonl's: each names a cluster with a member in that record
    for rec in out:
        for c in rec["dedup"]["clusters"]:
            assert rec["id"] in {m["doc"] for m in clusters[c]["members"]}
    # every other field is kept, the annotation comes last
    assert [list(r) for r in out] == [["id", "text", "lang", "dedup"]] * 3
    assert [r["lang"] for r in out] == ["en", "en", "de"]


def test_annotations_add_up_to_the_stats():
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.iterdir())]
    for config in (Config(), Config(sentences=True)):
        result = scan(texts + texts[:2], config)
        notes = annotations(result)
        assert sum(n["dropped_chars"] for n in notes) == result.stats["dropped_chars"]
        assert sum(n["dropped_spans"] for n in notes) == result.stats["dropped_spans"]
        assert [n["duplicate"] for n in notes] == result.duplicate_documents().tolist()
        mask = result.dropped_mask()
        for d, note in enumerate(notes):  # the offsets of the document's dropped spans and sentence runs, in order
            whole = [(s.start, s.end) for i, s in enumerate(result.spans) if mask[i] and s.doc == d]
            runs = [(p.start, p.end) for p in result.parts if result.spans[p.span].doc == d]
            assert note["dropped"] == [list(r) for r in sorted(whole + runs)]
            assert note["dropped_runs"] == len(runs)
        assert sum(n["dropped_runs"] for n in notes) == result.stats.get("sentences", {}).get("runs_dropped", 0)


def test_annotate_with_out_dash_and_text_files(tmp_path):
    run = invoke("scan", SAMPLES, "--out", "-", "--annotate", "-q")
    assert run.exit_code == EXIT_OK
    recs = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["dedup"]["dropped_spans"] for r in recs] == [0, 0, 0, 1, 0]
    assert recs[3]["dedup"]["dropped"] == [[4, 1755]]  # README's cluster: span 0 of 003, [4, 1755)


def test_a_record_that_already_has_the_field_is_refused(tmp_path):
    src = jsonl(tmp_path / "in.jsonl", [{"id": "x", "text": "some text", "dedup": 1}])
    run = invoke("scan", src, "--out", tmp_path / "out", "--annotate", "-q")
    assert run.exit_code == EXIT_USAGE
    assert "in.jsonl:1: already has a field 'dedup'" in run.stderr
    assert not (tmp_path / "out").exists()


def test_default_output_has_no_annotation(tmp_path):
    src = jsonl(tmp_path / "in.jsonl", RECORDS)
    assert invoke("scan", src, "--out", tmp_path / "out", "-q").exit_code == EXIT_OK
    assert all("dedup" not in json.loads(line) for line in (tmp_path / "out" / "in.jsonl").read_text().splitlines())


def test_cluster_text_none_and_truncated(tmp_path):
    full = invoke("scan", SAMPLES, "--out", tmp_path / "full", "-q")
    assert full.exit_code == EXIT_OK
    members = json.loads((tmp_path / "full" / "clusters.jsonl").read_text())["members"]
    for mode, jobs in (("none", "1"), ("30", "1"), ("30", "2")):
        out = tmp_path / f"out-{mode}-{jobs}"
        run = invoke("scan", SAMPLES, "--out", out, "--cluster-text", mode, "-j", jobs, "-q")
        assert run.exit_code == EXIT_OK, run.stderr
        got = json.loads((out / "clusters.jsonl").read_text())["members"]
        for g, m in zip(got, members, strict=True):
            rest = {k: v for k, v in m.items() if k != "text"}
            assert {k: v for k, v in g.items() if k != "text"} == rest  # offsets and measures unchanged
            if mode == "none":
                assert "text" not in g
            else:
                assert g["text"] == m["text"][:30] and len(g["text"]) == 30
    bad = invoke("scan", SAMPLES, "--out", tmp_path / "bad", "--cluster-text", "0")
    assert bad.exit_code == EXIT_USAGE and "--cluster-text must be full, none or a number" in bad.stderr


def test_cluster_text_with_sentence_runs_and_clusters_file(tmp_path):
    """Clusters with sentence runs are formatted through dicts: the same limit applies."""
    src = jsonl(tmp_path / "in.jsonl", RECORDS)
    run = invoke("scan", src, "--out", "-", "--sentences", "--cluster-text", "none", "--clusters", tmp_path / "c.jsonl", "-q")
    assert run.exit_code == EXIT_OK
    lines = (tmp_path / "c.jsonl").read_text().splitlines()
    assert lines and all("text" not in m for line in lines for m in json.loads(line)["members"])


def test_api_annotations_equal_the_cli_ones(tmp_path):
    src = jsonl(tmp_path / "in.jsonl", RECORDS)
    run = invoke("scan", src, "--out", "-", "--annotate", "-q")
    assert [json.loads(line)["dedup"] for line in run.stdout.splitlines()] == clean(RECORDS, annotate=True).annotations
