"""dedup.clean and dedup.inputs: every input form the API takes, with the real pandas,
pyarrow, polars and datasets objects, gives the same keep mask and clean texts."""

from __future__ import annotations

import numpy as np
import pytest

from dedup import Config, Document, InputError, clean, scan
from dedup.inputs import as_documents

from sample_corpus import article, paragraphs

P = paragraphs()
# b repeats a's second paragraph; c is a's two paragraphs again (a duplicate article); d is new
TEXTS = [article(P[0], P[1]), article(P[2], P[1]), article(P[0], P[1]), article(P[3], P[4])]
IDS = ["a", "b", "c", "d"]
CLEAN = [article(P[0], P[1]), article(P[2]), "\n", article(P[3], P[4])]
KEEP = [True, True, False, True]


def check(cleaned, ids=IDS) -> None:
    assert cleaned.keep.dtype == bool and cleaned.keep.tolist() == KEEP
    assert cleaned.text == CLEAN
    assert [d.id for d in cleaned.result.documents] == ids


def test_texts_pairs_mappings_and_documents_agree():
    check(clean(TEXTS), ids=["0", "1", "2", "3"])
    check(clean(list(zip(IDS, TEXTS))))
    check(clean([{"id": i, "body": t, "other": 1} for i, t in zip(IDS, TEXTS)], text_key="body"))
    check(clean([{"key": i, "text": t} for i, t in zip(IDS, TEXTS)], id_key="key"))
    check(clean([Document(i, t) for i, t in zip(IDS, TEXTS)]))
    check(clean(iter(TEXTS)), ids=["0", "1", "2", "3"])  # a one-shot iterator


def test_scan_takes_the_same_inputs():
    """The issue's `scan(list_of_str)` AttributeError: scan() normalises through as_documents too."""
    by_text = scan(TEXTS)
    by_doc = scan([Document(str(i), t) for i, t in enumerate(TEXTS)])
    assert by_text.stats["dropped_spans"] == by_doc.stats["dropped_spans"] == 3
    assert [by_text.clean_text(d) for d in range(4)] == CLEAN


def test_pandas_dataframe_and_series():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": IDS, "text": TEXTS, "n": range(4)})
    cleaned = clean(df)
    check(cleaned)
    out = df.assign(text=cleaned.text)[cleaned.keep]
    assert out["id"].tolist() == ["a", "b", "d"] and out["text"].tolist() == [CLEAN[0], CLEAN[1], CLEAN[3]]
    assert out["n"].tolist() == [0, 1, 3]
    series = pd.Series(TEXTS, index=IDS)
    check(clean(series))  # ids from the index
    check(clean(df.set_index("id")["text"]))


def test_pyarrow_array_table_and_polars():
    pa = pytest.importorskip("pyarrow")
    check(clean(pa.table({"id": IDS, "text": TEXTS})))
    check(clean(pa.chunked_array([TEXTS[:2], TEXTS[2:]], type=pa.large_string())), ids=["0", "1", "2", "3"])
    check(clean(pa.array(TEXTS)), ids=["0", "1", "2", "3"])
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"id": IDS, "text": TEXTS})
    cleaned = clean(frame)
    check(cleaned)
    kept = frame.with_columns(pl.Series("text", cleaned.text)).filter(pl.Series(cleaned.keep))
    assert kept["id"].to_list() == ["a", "b", "d"]
    check(clean(frame["text"]), ids=["0", "1", "2", "3"])


def test_datasets_dataset_add_column_and_filter():
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"id": IDS, "text": TEXTS})
    cleaned = clean(ds)
    check(cleaned)
    out = ds.add_column("clean", cleaned.text).filter(lambda _, i: cleaned.keep[i], with_indices=True)
    assert out["id"] == ["a", "b", "d"] and out["clean"] == [CLEAN[0], CLEAN[1], CLEAN[3]]
    # A selection (an indices mapping over the same Arrow table) is read in its own order.
    picked = ds.select([3, 0, 1, 2])
    assert [d.id for d in as_documents(picked)] == ["d", "a", "b", "c"]


def test_bad_rows_are_named():
    with pytest.raises(InputError, match="row 1: its text is missing"):
        clean(["a text", None])
    with pytest.raises(InputError, match="row 0: its text is of type int, not a string"):
        clean([("x", 3)])
    with pytest.raises(InputError, match="row 0: no 'body' key"):
        clean([{"text": "x"}], text_key="body")
    with pytest.raises(InputError, match="row 0: float is not a text"):
        clean([1.5])
    pd = pytest.importorskip("pandas")
    with pytest.raises(InputError, match="no 'body' column"):
        clean(pd.DataFrame({"text": ["x"]}), text_key="body")
    with pytest.raises(InputError, match="row 1: its text is missing"):
        clean(pd.Series(["x", None]))
    with pytest.raises(TypeError, match="not one str"):
        clean("one text")


def test_config_and_annotations_pass_through():
    cleaned = clean(TEXTS, Config(threshold=0.9), annotate=True)
    assert cleaned.result.config.threshold == 0.9
    assert [a["duplicate"] for a in cleaned.annotations] == [not k for k in KEEP]
    assert clean(TEXTS).annotations is None


def test_lazy_imports():
    """dedup never imports the dataframe libraries itself."""
    import subprocess
    import sys

    code = "import sys, dedup; dedup.clean(['a b c d e f g h i j']); print(sorted({'pandas', 'polars', 'pyarrow', 'datasets'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
