"""The Spark engine as a library call on a DataFrame you already have.

    from dedup import Config
    from dedup.engines.spark_api import dedupe

    clean, clusters = dedupe(spark, df, text="body", id="url", config=Config())
    clean.write.parquet("s3a://bucket/clean/")
    clusters.select("value").write.text("s3a://bucket/clusters/")

The same stages as `dedup scan --engine spark` (spark.py's SparkJob: shingle, group,
sketch, propose, verify, connect, decide, render), on rows instead of files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Config
from ..errors import ConfigError
from ..io.readers import ReadOptions
from .spark_env import spark_errors

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

DOC_NO = "_dedup_doc_no"


def number_rows(df: "DataFrame", order: list[str], cache) -> "DataFrame":
    """`df` with DOC_NO = each row's rank in `order` (0, 1, ...): a range-partitioned sort
    (cached by `cache`, so the partitions counted are the ones numbered), then offsets from
    one count per partition (never a window over the whole frame)."""
    from pyspark.sql import functions as F

    spark = df.sparkSession
    part, mid = "_dedup_part", "_dedup_mid"
    ordered = cache(df.orderBy(*order).withColumn(part, F.spark_partition_id()).withColumn(mid, F.monotonically_increasing_id()))
    counts = {r[part]: r["count"] for r in ordered.groupBy(part).count().collect()}
    offsets, total = [], 0
    for p in sorted(counts):
        offsets.append((p, total))
        total += counts[p]
    table = spark.createDataFrame(offsets or [(0, 0)], f"{part} int, _dedup_offset long")
    # monotonically_increasing_id is (partition << 33) + row within the partition.
    return ordered.join(F.broadcast(table), part).select(
        *[F.col(f"`{c}`") for c in df.columns],
        (F.col("_dedup_offset") + F.col(mid) - F.shiftleft(F.col(part).cast("long"), 33)).alias(DOC_NO),
    )


def dedupe(
    spark: "SparkSession", df: "DataFrame", text: str = "text", id: str = "id", config: Config | None = None, *,
    order_by: list[str] | None = None, omit_duplicates: bool = False, checkpoint_dir: str | None = None,
) -> tuple["DataFrame", "DataFrame"]:
    """Near-duplicate paragraphs removed from `df`'s `text` column, on `spark`.

    Returns (clean, clusters): `clean` has `df`'s columns and rows in document order,
    `text` holding the clean text (rows all of whose judged paragraphs were dropped
    are left out with `omit_duplicates`); `clusters` has one row per cluster,
    `cluster` (its number) and `value` (its clusters.jsonl line, members naming
    documents by `id`). Document order (which keep="first" ranks by) is `order_by`,
    default the `id` column: ids should be unique, or give columns that are.

    Connected components checkpoint to the session's checkpoint folder, or to
    `checkpoint_dir` (set as the session's); the scan's intermediate frames stay
    cached (MEMORY_AND_DISK) for the returned frames: `spark.catalog.clearCache()`
    frees them.
    """
    from pyspark.sql import functions as F

    from .spark import SparkJob

    config = (config or Config()).replace(sentences=False)  # Spark decides whole paragraphs only
    for col in (text, id, *(order_by or [])):
        if col not in df.columns:
            raise ConfigError(f"the DataFrame has no column {col!r} (columns: {', '.join(df.columns)})")
    if dict(df.dtypes)[text] != "string":
        raise ConfigError(f"column {text!r} must be a string, not {dict(df.dtypes)[text]}")
    sc = spark.sparkContext
    if checkpoint_dir is not None:
        sc.setCheckpointDir(checkpoint_dir)
    elif sc.getCheckpointDir() is None:
        raise ConfigError("dedupe needs a checkpoint folder: pass checkpoint_dir= or call spark.sparkContext.setCheckpointDir()")
    with spark_errors("deduplicating a DataFrame"):
        job = SparkJob(spark, config, ReadOptions(text_field=text, id_field=id))
        numbered = number_rows(df, order_by or [id], job.cache)
        job.files = []
        job.docs = job.cache(numbered.select(
            F.col(DOC_NO).alias("doc_no"), F.col(f"`{id}`").cast("string").alias("id"), F.lit("").alias("rel"),
            F.lit(None).cast("long").alias("line"), F.col(f"`{text}`").alias("text"), F.lit(None).cast("string").alias("record"),
        ).where(F.col("text").isNotNull()))
        job.scan()
        rendered = job.render(omit_duplicates).where(F.col("json").isNotNull()).select(
            "doc_no", F.from_json("json", "text string")["text"].alias("_dedup_clean")
        )
        clean = numbered.join(rendered, F.col(DOC_NO) == F.col("doc_no")).orderBy(DOC_NO).select(
            *[(F.col("_dedup_clean") if c == text else F.col(f"`{c}`")).alias(c) for c in df.columns]
        )
        clusters = job.clusters().select("cluster", "value")
        spark.sparkContext.setJobDescription(None)  # the returned frames' jobs are the caller's
    return clean, clusters
