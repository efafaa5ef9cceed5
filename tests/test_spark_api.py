"""engines/spark_api.dedupe: a DataFrame in an existing SparkSession -> (clean, clusters),
equal to the local engine's results on the same documents in the same order."""

from __future__ import annotations

import pytest

from dedup import Config, Document, scan
from dedup.errors import ConfigError
from dedup.io.writers import cluster_lines

from test_spark import planted_records

pytestmark = pytest.mark.spark


def test_dedupe_a_dataframe_equals_the_local_engine(spark, tmp_path):
    from dedup.engines.spark_api import dedupe

    records = planted_records()
    for n, r in enumerate(records):
        r["id"] = f"u{(n * 7) % len(records):03d}"  # unique, but not in list order: the id orders them
        r["extra"] = n
    df = spark.createDataFrame(records[::-1], "id string, lang string, text string, n long, extra long")
    clean, clusters = dedupe(spark, df, text="text", id="id", checkpoint_dir=str(tmp_path / "ck"))

    ordered = sorted(records, key=lambda r: r["id"])
    result = scan([Document(r["id"], r["text"]) for r in ordered], Config(sentences=False))
    rows = clean.collect()
    assert clean.columns == df.columns
    assert [r["id"] for r in rows] == [r["id"] for r in ordered]
    assert [r["extra"] for r in rows] == [r["extra"] for r in ordered]  # other columns carried
    assert [r["text"] for r in rows] == [result.clean_text(d) for d in range(len(ordered))]
    got = [r.value for r in clusters.orderBy("cluster").collect()]
    assert got == [line.decode().rstrip("\n") for line in cluster_lines(result)]
    assert len(got) >= 8


def test_dedupe_names_a_missing_column(spark, tmp_path):
    from dedup.engines.spark_api import dedupe

    df = spark.createDataFrame([("a", "x")], "id string, body string")
    with pytest.raises(ConfigError, match="no column 'text'"):
        dedupe(spark, df, checkpoint_dir=str(tmp_path))
