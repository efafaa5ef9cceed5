"""Parquet inputs in the local engine (dedup/io/parquet.py): real pyarrow files through
the CLI runner and the library; the clean copy keeps schema, types and row groups."""

import datetime as dt
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.cli.common import EXIT_OK, EXIT_SKIPPED, EXIT_USAGE
from dedup.errors import InputError, OutputError
from dedup.io import parquet
from dedup.io.readers import ReadOptions, discover, read_source
from dedup.records import Document
from dedup.run import scan_paths

from sample_corpus import article, curly, paragraphs

P = paragraphs()
# r2 repeats r0's second paragraph with curly quotes (dropped); r3 is all copies of r1.
TEXTS = [article(P[2], P[3]), article(P[4], P[5]), article(P[6], curly(P[3])), article(P[4], P[5])]
CLEAN = [article(P[2], P[3]), article(P[4], P[5]), article(P[6]), "\n"]


def invoke(*args, input=None):
    result = CliRunner().invoke(app, [str(a) for a in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def table(texts=TEXTS) -> pa.Table:
    """Articles with columns of several types around the text, and pandas-style metadata."""
    n = len(texts)
    t = pa.table({
        "id": [f"r{i}" for i in range(n)],
        "n": pa.array(range(n), pa.int16()),
        "text": texts,
        "when": pa.array([dt.datetime(2024, 5, 1 + i, 12, 0) for i in range(n)], pa.timestamp("ms", tz="UTC")),
        "tags": pa.array([["a", str(i)] for i in range(n)], pa.list_(pa.string())),
        "meta": pa.array([{"lang": "en", "score": i / 2} for i in range(n)]),
        "price": pa.array([None, 1.5, 2.25, None], pa.float32()),
    })
    return t.replace_schema_metadata({b"origin": b"test"})


def write(path: Path, t: pa.Table, row_group_size: int = 2) -> Path:
    pq.write_table(t, path, row_group_size=row_group_size)
    return path


def jsonl(path: Path, t: pa.Table, fields=("id", "text")) -> Path:
    rows = t.select(list(fields)).to_pylist()
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_round_trip_keeps_schema_types_and_row_groups(tmp_path):
    src = write(tmp_path / "a.parquet", table())
    before = src.read_bytes()
    run = invoke("scan", src, "--out", tmp_path / "out", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    out = tmp_path / "out" / "a.parquet"
    got, want = pq.read_table(out), pq.read_table(src)
    assert got.schema.equals(want.schema, check_metadata=True) and got.schema.metadata[b"origin"] == b"test"
    assert got.column("text").to_pylist() == CLEAN
    assert got.drop_columns(["text"]).equals(want.drop_columns(["text"]))
    assert got.column("when").to_pylist()[0] == dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert pq.ParquetFile(out).metadata.num_row_groups == pq.ParquetFile(src).metadata.num_row_groups == 2
    assert src.read_bytes() == before  # inputs are never modified
    members = [m for line in (tmp_path / "out" / "clusters.jsonl").read_text().splitlines() for m in json.loads(line)["members"]]
    assert {(m["doc"], m["source"], m["line"], m["kept"]) for m in members} >= {("r0", "a.parquet", 1, True), ("r2", "a.parquet", 3, False)}


def test_same_clean_text_and_clusters_as_the_same_rows_as_jsonl(tmp_path):
    t = table()
    (tmp_path / "p").mkdir()
    (tmp_path / "j").mkdir()
    write(tmp_path / "p" / "corpus.parquet", t, row_group_size=3)
    jsonl(tmp_path / "j" / "corpus.jsonl", t)
    assert invoke("scan", tmp_path / "p", "--out", tmp_path / "op", "-q").exit_code == EXIT_OK
    assert invoke("scan", tmp_path / "j", "--out", tmp_path / "oj", "-q").exit_code == EXIT_OK
    clean_j = [json.loads(line)["text"] for line in (tmp_path / "oj" / "corpus.jsonl").read_text().splitlines()]
    assert pq.read_table(tmp_path / "op" / "corpus.parquet").column("text").to_pylist() == clean_j == CLEAN
    clusters_p = (tmp_path / "op" / "clusters.jsonl").read_text().replace('"corpus.parquet"', '"corpus.jsonl"')
    assert clusters_p == (tmp_path / "oj" / "clusters.jsonl").read_text()
    # To standard output a row is the JSONL record of its id and text: the same bytes as the JSONL input's.
    to_stdout = invoke("scan", tmp_path / "p" / "corpus.parquet", "--out", "-", "-q")
    assert to_stdout.stdout == invoke("scan", tmp_path / "j" / "corpus.jsonl", "--out", "-", "-q").stdout
    assert [json.loads(x)["text"] for x in to_stdout.stdout.splitlines()] == CLEAN


def test_detected_by_magic_bytes_and_by_format_option(tmp_path):
    write(tmp_path / "shard-0001", table())
    src = discover([str(tmp_path / "shard-0001")])
    assert [s.kind for s in src] == ["parquet"]
    run = invoke("scan", tmp_path / "shard-0001", "--out", tmp_path / "out", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    assert pq.read_table(tmp_path / "out" / "shard-0001").column("text").to_pylist() == CLEAN
    assert discover([str(tmp_path / "shard-0001")], ReadOptions(input_format="parquet"))[0].kind == "parquet"
    run = invoke("scan", tmp_path / "shard-0001", "--format", "parquet", "--out", tmp_path / "out2", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    # A text file that merely starts with PAR1 stays text.
    (tmp_path / "note.txt").write_text("PAR1 is the name of the first paragraph.\n")
    assert discover([str(tmp_path / "note.txt")])[0].kind == "text"


def test_text_and_id_columns_are_chosen_as_for_jsonl(tmp_path):
    t = pa.table({"key": pa.array([10, 11, 12, 13], pa.int64()), "body": TEXTS})
    write(tmp_path / "a.parquet", t)
    docs, lost = read_source(discover([str(tmp_path / "a.parquet")], ReadOptions("body", "key"))[0], ReadOptions("body", "key"))
    assert ([d.id for d in docs], [d.line for d in docs], lost) == (["10", "11", "12", "13"], [1, 2, 3, 4], [])
    docs, _ = read_source(discover([str(tmp_path / "a.parquet")])[0], ReadOptions("body"))
    assert [d.id for d in docs] == ["a.parquet:1", "a.parquet:2", "a.parquet:3", "a.parquet:4"]  # no 'id' column
    run = invoke("scan", tmp_path / "a.parquet", "--text-field", "body", "--id-field", "key", "--out", tmp_path / "out", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    got = pq.read_table(tmp_path / "out" / "a.parquet")
    assert got.column("body").to_pylist() == CLEAN and got.column("key").to_pylist() == [10, 11, 12, 13]


def test_missing_text_column_is_an_error_naming_the_file(tmp_path):
    write(tmp_path / "a.parquet", pa.table({"id": ["x"], "body": ["words"]}))
    run = invoke("scan", tmp_path / "a.parquet", "--out", tmp_path / "out")
    assert run.exit_code == EXIT_USAGE
    assert f"error: {tmp_path / 'a.parquet'}: no 'text' column (set --text-field); its columns: 'id', 'body'" in run.stderr
    assert not (tmp_path / "out").exists()


def test_non_string_text_column_is_an_error_naming_the_file(tmp_path):
    write(tmp_path / "a.parquet", pa.table({"text": pa.array([1, 2], pa.int32())}))
    run = invoke("scan", tmp_path / "a.parquet", "--out", tmp_path / "out")
    assert run.exit_code == EXIT_USAGE
    assert f"{tmp_path / 'a.parquet'}: column 'text' holds int32, not strings" in run.stderr
    assert not (tmp_path / "out").exists()


def test_null_text_stops_or_is_skipped_and_left_out(tmp_path):
    texts = [TEXTS[0], None, TEXTS[2], TEXTS[3]]
    write(tmp_path / "a.parquet", pa.table({"id": ["r0", "r1", "r2", "r3"], "text": texts}))
    run = invoke("scan", tmp_path / "a.parquet", "--out", tmp_path / "out")
    assert run.exit_code == EXIT_USAGE
    assert f"{tmp_path / 'a.parquet'}:2: null in the 'text' column, not a string (use --skip-bad-records" in run.stderr
    run = invoke("scan", tmp_path / "a.parquet", "--skip-bad-records", "--out", tmp_path / "out")
    assert run.exit_code == EXIT_SKIPPED
    assert f"skipped {tmp_path / 'a.parquet'}:2: null in the 'text' column" in run.stderr
    got = pq.read_table(tmp_path / "out" / "a.parquet")
    assert got.column("id").to_pylist() == ["r0", "r2", "r3"]
    # r1's text is gone, so r3 (r1's copy) keeps its first paragraph and only r2's copy of r0 goes.
    assert got.column("text").to_pylist() == [TEXTS[0], article(P[6]), TEXTS[3]]


def test_omitted_duplicate_articles_are_left_out_of_the_parquet_copy(tmp_path):
    write(tmp_path / "a.parquet", table())
    run = invoke("scan", tmp_path / "a.parquet", "--omit-duplicate-docs", "--out", tmp_path / "out", "-q")
    assert run.exit_code == EXIT_OK
    got = pq.read_table(tmp_path / "out" / "a.parquet")
    assert got.column("id").to_pylist() == ["r0", "r1", "r2"]
    assert got.column("text").to_pylist() == CLEAN[:3]


def test_large_string_and_string_view_columns_keep_their_type(tmp_path):
    for kind in (pa.large_string(), pa.string_view()):
        t = pa.table({"text": pa.array(TEXTS, kind)})
        write(tmp_path / "a.parquet", t)
        run = scan_paths([str(tmp_path / "a.parquet")], tmp_path / "out")
        got = pq.read_table(tmp_path / "out" / "a.parquet")
        assert got.schema.field("text").type == pq.read_schema(tmp_path / "a.parquet").field("text").type
        assert got.column("text").to_pylist() == CLEAN
        assert run.result.stats["dropped_spans"] == 3


def test_damaged_file_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.parquet").write_bytes(b"PAR1" + b"\x00garbage" * 10 + b"PAR1")
    (tmp_path / "in" / "ok.txt").write_text(TEXTS[0])
    run = invoke("scan", tmp_path / "in", "--out", tmp_path / "out")
    assert run.exit_code == EXIT_SKIPPED
    assert f"skipped {tmp_path / 'in' / 'bad.parquet'}: not a readable Parquet file" in run.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".dedup-output", "clusters.jsonl", "ok.txt"]


def test_reading_streams_a_batch_at_a_time(tmp_path):
    """Arrow memory while reading stays within about one row group, far below the file."""
    texts = [f"Article {i}. " + " ".join(f"word{i}x{j}" for j in range(400)) + "\n" for i in range(6000)]
    write(tmp_path / "big.parquet", pa.table({"text": texts}), row_group_size=1000)  # 5 MB each
    total = sum(len(t) for t in texts)  # ~ 27 MB
    base, peak, n = pa.total_allocated_bytes(), 0, 0
    with open(tmp_path / "big.parquet", "rb") as f:
        for _ in parquet.documents(f, "big.parquet", "big.parquet", "text", "id", False, None):
            n += 1
            if n % 100 == 0:
                peak = max(peak, pa.total_allocated_bytes() - base)
    assert n == len(texts)
    group = pq.ParquetFile(tmp_path / "big.parquet").metadata.row_group(0).total_byte_size
    assert peak < 1.5 * group and peak < total / 4, (peak, group, total)


def test_clean_copy_refuses_an_input_that_changed(tmp_path):
    write(tmp_path / "a.parquet", table())
    docs = [Document(f"r{i}", t, "a.parquet", i + 1) for i, t in enumerate(TEXTS)]
    changed = [*docs[:2], Document("r2", "another text\n", "a.parquet", 3)]
    with open(tmp_path / "a.parquet", "rb") as f, pytest.raises(OutputError, match="changed while it was scanned"):
        parquet.write_clean(f, "a.parquet", tmp_path / "o.parquet", "text", changed, lambda ds: (TEXTS[d] for d in ds), [0, 1, 2])
    more = [*docs, Document("r4", "x", "a.parquet", 5)]
    with open(tmp_path / "a.parquet", "rb") as f, pytest.raises(OutputError, match="changed while it was scanned"):
        parquet.write_clean(f, "a.parquet", tmp_path / "o2.parquet", "text", more, lambda ds: ((TEXTS + ["x"])[d] for d in ds), range(5))


def test_without_pyarrow_the_error_names_the_extra(tmp_path, monkeypatch):
    write(tmp_path / "a.parquet", table())
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    run = invoke("scan", tmp_path / "a.parquet", "--out", tmp_path / "out")
    assert run.exit_code == EXIT_USAGE
    assert f"{tmp_path / 'a.parquet'}: a Parquet file; reading it needs pyarrow: pip install 'dedup[parquet]'" in run.stderr
    with pytest.raises(InputError, match=r"dedup\[parquet\]"):
        read_source(discover([str(tmp_path / "a.parquet")])[0])


def test_parquet_on_standard_input_is_refused_clearly(tmp_path):
    write(tmp_path / "a.parquet", table())
    for fmt in ([], ["--format", "parquet"]):
        run = invoke("scan", "-", *fmt, "--out", "-", input=(tmp_path / "a.parquet").read_bytes())
        assert run.exit_code == EXIT_SKIPPED and run.stdout == ""
        assert "skipped <stdin>: a Parquet file, which is read from its end (its footer): pass its path" in run.stderr


def test_output_is_deterministic(tmp_path):
    write(tmp_path / "a.parquet", table())
    scan_paths([str(tmp_path / "a.parquet")], tmp_path / "o1", jobs=1)
    scan_paths([str(tmp_path / "a.parquet")], tmp_path / "o2", jobs=2)
    assert (tmp_path / "o1" / "a.parquet").read_bytes() == (tmp_path / "o2" / "a.parquet").read_bytes()


def test_annotate_adds_the_same_annotations_as_jsonl_in_a_struct_column(tmp_path):
    t = table()
    (tmp_path / "p").mkdir()
    (tmp_path / "j").mkdir()
    write(tmp_path / "p" / "corpus.parquet", t)
    jsonl(tmp_path / "j" / "corpus.jsonl", t)
    assert invoke("scan", tmp_path / "p", "--out", tmp_path / "op", "--annotate", "-q").exit_code == EXIT_OK
    assert invoke("scan", tmp_path / "j", "--out", tmp_path / "oj", "--annotate", "-q").exit_code == EXIT_OK
    got = pq.read_table(tmp_path / "op" / "corpus.parquet")
    assert got.schema.names == [*t.schema.names, "dedup"] and pa.types.is_struct(got.schema.field("dedup").type)
    want = [json.loads(line)["dedup"] for line in (tmp_path / "oj" / "corpus.jsonl").read_text().splitlines()]
    assert got.column("dedup").to_pylist() == want
    # r2 lost its second paragraph (curly-quoted copy of r0's), r3 is all copies of r1.
    assert [n["duplicate"] for n in want] == [False, False, False, True] and want[2]["dropped_spans"] == 1
    assert want[2]["dropped_chars"] == len(curly(P[3]))  # the paragraph, not the blank line before it


def test_annotate_refuses_a_parquet_input_with_a_dedup_column(tmp_path):
    src = write(tmp_path / "a.parquet", table().append_column("dedup", pa.array(["x"] * 4)))
    run = invoke("scan", src, "--out", tmp_path / "out", "--annotate", "-q")
    assert run.exit_code != EXIT_OK and "a.parquet" in run.stderr and "'dedup'" in run.stderr
    assert not (tmp_path / "out").exists()
