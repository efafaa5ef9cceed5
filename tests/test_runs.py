"""stages/runs.py through scan(): copied sentence runs inside new paragraphs are dropped,
quotations and a paragraph's own sentence are kept, every kept byte is unchanged."""

import json

from dedup import Config, Document
from dedup import scan as _scan
from dedup.io.writers import cluster_records

SENTENCES = Config(sentences=True)  # the mode under test (opt-in)


def scan(docs, config=SENTENCES):
    return _scan(docs, config)

SOURCE = [
    "The regional council approved the new water plan after a long debate on Tuesday evening.",
    "Farmers in the valley had asked for the change for more than three years, citing the drought.",
    "The plan caps the amount each property may draw from the river during the summer months.",
    "Critics said the caps would hurt small growers most and called for a review within a year.",
]
NEW = [
    "Residents packed the town hall to hear the mayor describe what the decision means locally.",
    "She promised that the first meters would be installed before the end of the coming winter.",
]


def source_doc() -> Document:
    return Document("src", " ".join(SOURCE) + "\n\nAn unrelated closing paragraph about the weather in the hills today.\n")


def test_a_copied_run_inside_a_new_paragraph_is_dropped_and_the_rest_kept():
    para = " ".join([NEW[0], SOURCE[1], SOURCE[2], NEW[1]])
    copy = Document("copy", "A headline that is long enough to be judged as a span.\n\n" + para + "\n")
    result = scan([source_doc(), copy])
    clean = result.clean_text(1)
    assert SOURCE[1] not in clean and SOURCE[2] not in clean
    assert NEW[0] in clean and NEW[1] in clean
    assert clean == copy.text.replace(SOURCE[1] + " " + SOURCE[2] + " ", "")  # kept bytes unchanged
    assert result.clean_text(0) == source_doc().text
    assert len(result.parts) == 1
    part = result.parts[0]
    assert (part.first, part.stop) == (1, 3) and part.kept == 0
    assert copy.text[part.start : part.end] == SOURCE[1] + " " + SOURCE[2]


def test_clusters_jsonl_says_which_part_and_why():
    para = " ".join([NEW[0], SOURCE[1], SOURCE[2], NEW[1]])
    docs = [source_doc(), Document("copy", para + "\n")]
    result = scan(docs)
    (record,) = json.loads(json.dumps(list(cluster_records(result))))
    kept, run = record["members"]
    assert kept["kept"] and kept["doc"] == "src"
    assert run["reason"] == "sentence-run" and run["sentences"] == [1, 3]
    assert docs[1].text[run["start"] : run["end"]] == run["text"] == SOURCE[1] + " " + SOURCE[2]
    assert (run["span_start"], run["span_end"]) == (0, len(para))
    assert run["containment"] == 1.0 and run["covered"] == 1.0


def test_one_quoted_sentence_is_a_quotation_not_a_copy():
    quoting = "As the council put it, " + SOURCE[2] + " Growers in the east said they would appeal."
    result = scan([source_doc(), Document("q", quoting + "\n")])
    assert result.clean_text(1) == quoting + "\n"


def test_a_short_paragraph_that_mostly_quotes_keeps_its_own_sentence():
    quoting = " ".join(SOURCE[:3]) + " Our reporter found the meters already stacked in a depot near the bridge."
    result = scan([source_doc(), Document("q", quoting + "\n")])
    clean = result.clean_text(1)
    assert "Our reporter found the meters already stacked" in clean
    assert SOURCE[0] not in clean  # the copied run still goes
    assert result.stats["sentences"]["lifted_spans"] == 1


def test_a_paragraph_recut_from_two_kept_ones_is_dropped_whole():
    first, second = " ".join(SOURCE[:2]), " ".join(SOURCE[2:])
    src = Document("src", first + "\n\n" + second + "\n\n" + "A closing line that is long enough to be judged here.\n")
    recut = Document("re", SOURCE[1] + " " + SOURCE[2] + "\n")
    result = scan([src, recut])
    assert result.clean_text(1).strip() == ""
    assert result.drops[3].reason == "covered"


def test_whole_spans_mode_is_the_old_rule():
    para = " ".join([NEW[0], SOURCE[1], SOURCE[2], NEW[1]])
    result = scan([source_doc(), Document("copy", para + "\n")], Config(sentences=False))
    assert len(result.parts) == 0 and result.clean_text(1) == para + "\n"


def test_cleaning_the_clean_output_again_drops_nothing():
    para = " ".join([NEW[0], SOURCE[1], SOURCE[2], NEW[1]])
    docs = [source_doc(), Document("copy", para + "\n")]
    first = scan(docs)
    again = scan([Document(d.id, first.clean_text(i)) for i, d in enumerate(docs)])
    assert len(again.drops) == 0 and len(again.parts) == 0


def test_cluster_lines_with_sentence_runs_are_the_records_bytes():
    from dedup.io.writers import cluster_lines, json_line

    para = " ".join([NEW[0], SOURCE[1], SOURCE[2], NEW[1]])
    docs = [source_doc(), Document("copy", para + "\n"), Document("dup", source_doc().text)]
    result = scan(docs)
    assert len(result.parts) == 1 and len(result.drops) >= 1  # one cluster with a run, one without
    assert b"".join(cluster_lines(result)) == b"".join(map(json_line, cluster_records(result)))


def test_sentenced_many_compiled_equals_numpy(monkeypatch):
    """The batch's compiled tokenizing gives the sentences, counts and shingles of the Python one."""
    from dedup.stages.runs import sentenced_many
    texts = ["Mr. Smith went to Washington. He met the U.S. team.\nSee https://x.org/a.b now.",
             "Ankara.Erdogan said 2.5 % more. Straße und Café. Второе предложение здесь!", "", "one two"]
    monkeypatch.setenv("DEDUP_NUMBA_MIN_WORK", "0")
    fast = sentenced_many(texts, 3)
    monkeypatch.setenv("DEDUP_NUMBA", "0")
    slow = sentenced_many(texts, 3)
    for f, s in zip(fast, slow):
        assert (f.bounds, f.n_tokens, f.shingles) == (s.bounds, s.n_tokens, s.shingles)
        assert f.flat.tolist() == [h for sh in s.shingles for h in sh]
    assert fast[0].shingles[0]
