"""`dedup scan --engine spark`: the same scan on Apache Spark (DataFrame API).

The map stages run per partition on the core's stage functions (see
spark_batches.py); Spark does the shuffles: exact copies grouped by shingle-set
key, candidate pairs grouped by LSH band and anchor key (the local engine's
max_bucket rule), shingle sets joined to pairs for verification, connected
components of the verified pairs (large-star / small-star), and the keep/drop
decision per component, joined back to the documents. Results equal the local
engine's: same clusters, same clean texts, same counts.

Output under --out: `clean/part-NNNNN.jsonl` (or `.parquet`) holding the clean
records in input order, and `clusters.jsonl`. A local --out is staged and
swapped in atomically like the local engine's; a URI (s3a://, hdfs://, file://)
is written by Spark's output committer as `clean/` and `clusters/` part files.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import DedupError, InputError, OutputError
from ..io import readers, staging
from ..io.readers import ReadOptions, Skipped
from . import spark_batches as B
from .spark_components import connected_components
from .spark_env import check_executors, checkpoints, session, spark_errors

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

OUT_FORMATS = ("jsonl", "parquet")
CLEAN = "clean"
# Input bytes per shuffle partition when the session does not set
# spark.sql.shuffle.partitions (Spark's default of 200 suits no corpus size).
BYTES_PER_PARTITION = 64 << 20
GZ_RATIO = 4  # text per byte of gzip, to size partitions before reading
# A component with more distinct spans than this is decided by one task; it is
# reported (stats and a warning), since it means one chain of near-copies.
LARGE_COMPONENT = 100_000


@dataclass
class SparkRun:
    """What a Spark scan reports back: the stats (the local engine's keys, plus
    `engine`) and the inputs or records skipped."""

    stats: dict
    skipped: list[Skipped]


@dataclass(frozen=True)
class InputFile:
    rank: int  # position in canonical (output path) order
    path: str  # as Spark reports it
    label: str  # as the user named it, for messages
    rel: str
    kind: str  # text, jsonl or parquet
    gz: str | None  # the compression (readers.Source.compression), None for none
    size: int = 0  # bytes on disk


def _is_uri(arg: str) -> bool:
    return "://" in arg


# --- inputs -----------------------------------------------------------------

def discover_files(spark: "SparkSession", inputs: list[str], opts: ReadOptions) -> list[InputFile]:
    """Local paths through readers.discover (the local engine's rules); URIs through
    Hadoop's FileSystem (globs, recursive folders). Sorted by output path."""
    if readers.STDIN in inputs:
        raise InputError(readers.STDIN, "standard input is not supported with --engine spark; pass files")
    found: dict[str, tuple[str, str, str, bool, int]] = {}
    local = [a for a in inputs if not _is_uri(a)]
    for src in readers.discover(local, opts) if local else []:
        size = os.path.getsize(src.path) if os.path.isfile(src.path) else 0
        found[src.rel] = (_qualify(spark, os.path.abspath(src.path)), src.path, src.kind, src.compression, size)
    for arg in (a for a in inputs if _is_uri(a)):
        for path, rel, size in _hadoop_list(spark, arg):
            kind, gz = readers.input_kind(rel, opts.input_format)
            other = found.get(rel)
            if other is not None and other[0] != path:  # the local engine's rule (readers.discover)
                raise InputError(path, f"maps to the same output path {rel!r} as {other[1]}; pass their common folder instead")
            found[rel] = (path, path, kind, gz, size)
    files = []
    for rank, rel in enumerate(sorted(found)):
        path, label, kind, gz, size = found[rel]
        if rel.endswith(".parquet"):
            kind = "parquet"
        files.append(InputFile(rank, path, label, rel, kind, gz, size))
    return files


def shuffle_partitions(spark: "SparkSession", files: list[InputFile]) -> int:
    """The session's spark.sql.shuffle.partitions if it was configured, else one
    partition per BYTES_PER_PARTITION of text, and at least two per core."""
    if spark._jsparkSession.conf().contains("spark.sql.shuffle.partitions"):  # set by the user, at start or since
        return int(spark.conf.get("spark.sql.shuffle.partitions"))
    text = sum(f.size * (GZ_RATIO if f.gz else 1) for f in files)
    return max(2 * spark.sparkContext.defaultParallelism, -(-text // BYTES_PER_PARTITION))


def _qualify(spark: "SparkSession", path: str) -> str:
    """A path as Spark's file sources report it (e.g. file:/abs/path)."""
    jvm = spark._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    return p.getFileSystem(spark._jsc.hadoopConfiguration()).makeQualified(p).toString()


def _exists(spark: "SparkSession", uri: str) -> bool:
    p = spark._jvm.org.apache.hadoop.fs.Path(uri)
    return bool(p.getFileSystem(spark._jsc.hadoopConfiguration()).exists(p))


def _hadoop_list(spark: "SparkSession", arg: str) -> list[tuple[str, str]]:
    """(path, rel, bytes) of the files an input URI names: a file, a folder (recursive), or a glob."""
    jvm = spark._jvm
    pattern = jvm.org.apache.hadoop.fs.Path(arg)
    fs = pattern.getFileSystem(spark._jsc.hadoopConfiguration())
    statuses = fs.globStatus(pattern)
    if not statuses:
        raise InputError(arg, "no file matches this pattern" if set("*?[{") & set(arg) else "no such file or directory")
    is_glob = bool(set("*?[{") & set(arg.split("://", 1)[1]))
    out = []
    for st in statuses:
        path = st.getPath().toString()
        if st.isDirectory():
            it = fs.listFiles(st.getPath(), True)
            while it.hasNext():
                f = it.next()
                name = f.getPath().toString()
                rel = name[len(path.rstrip("/")) + 1 :]
                if not any(part.startswith((".", "_")) for part in rel.split("/")):
                    out.append((name, rel, f.getLen()))
        else:
            out.append((path, _glob_rel(path, arg) if is_glob else path.rsplit("/", 1)[-1], st.getLen()))
    return out


def _glob_rel(path: str, pattern: str) -> str:
    """A glob match's path below the pattern's fixed folder prefix (as readers.discover does)."""
    fixed = []
    for part in pattern.split("://", 1)[1].split("/")[:-1]:
        if set("*?[{") & set(part):
            break
        fixed.append(part)
    prefix = "/".join(fixed).rstrip("/")
    tail = path.split("://", 1)[-1].split(":", 1)[-1] if "://" not in path else path.split("://", 1)[1]
    return tail[len(prefix) + 1 :] if prefix and tail.startswith(prefix + "/") else path.rsplit("/", 1)[-1]


def read_documents(spark: "SparkSession", files: list[InputFile], opts: ReadOptions) -> "DataFrame":
    """All documents, skipped inputs and bad records as READ rows (see spark_batches)."""
    from pyspark.sql import functions as F

    parts = []
    plain = {f.path: (f.rank, f.label, f.rel, f.kind, f.gz) for f in files if f.kind != "parquet"}
    if plain:
        raw = spark.read.format("binaryFile").load(list(plain)).select("path", "content")
        parts.append(raw.mapInArrow(partial(B.read_files, files=plain, opts=opts), B.ddl(B.READ)))
    pq = {f.path: (f.rank, f.label, f.rel, f.kind, f.gz) for f in files if f.kind == "parquet"}
    if pq:
        df = spark.read.option("mergeSchema", "true").parquet(*pq)
        if opts.text_field not in df.columns:
            raise InputError(next(iter(pq.values()))[1], f"no {opts.text_field!r} column (set --text-field)")
        types = dict(df.dtypes)
        id_ok = types.get(opts.id_field, "") in ("string", "tinyint", "smallint", "int", "bigint")
        record = F.to_json(
            F.struct(*[F.lit(None).alias(c) if c == opts.text_field else F.col(f"`{c}`") for c in df.columns]),
            {"ignoreNullFields": "false"},
        )
        rows = df.select(
            F.col("_metadata.file_path").alias("file_path"), F.col("_metadata.row_index").alias("row_index"),
            F.col(f"`{opts.text_field}`").cast("string").alias("text") if types[opts.text_field] == "string" else F.lit(None).cast("string").alias("text"),
            (F.col(f"`{opts.id_field}`").cast("string") if id_ok else F.lit(None).cast("string")).alias("id"),
            record.alias("record"),
        )
        parts.append(rows.mapInArrow(partial(B.read_parquet_rows, files=pq, opts=opts), B.ddl(B.READ)))
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out


# --- the scan ---------------------------------------------------------------

def run(
    inputs: list[str], out: str, config: Config | None = None, opts: ReadOptions = ReadOptions(), *,
    conf: dict[str, str] | None = None, checkpoint_dir: str | None = None, out_format: str = "jsonl",
    omit_duplicates: bool = False, spark: "SparkSession | None" = None, quiet: bool = True,
) -> SparkRun:
    """Scan `inputs` on Spark and write the clean records and clusters.jsonl under `out`.

    `spark`: the session to run on (default: the active one, else a new one, see
    spark_env.session, with `conf`). `checkpoint_dir`: where connected components
    checkpoint each round (a folder every executor reaches; default: a temporary
    folder beside `out`, removed afterwards).
    """
    config = config or Config()
    if out_format not in OUT_FORMATS:
        raise DedupError(f"--out-format must be one of {', '.join(OUT_FORMATS)}, got {out_format!r}")
    if out == readers.STDIN:
        raise OutputError("--engine spark writes part files: give --out a folder or URI, not -")
    if config.sentences:  # not yet on Spark: the CLI refuses it; the fingerprint in the stats says so
        config = config.replace(sentences=False)
    spark = spark or session(conf, quiet)
    with spark_errors("scanning"):
        return _run(spark, inputs, out, config, opts, checkpoint_dir, out_format, omit_duplicates)


def _run(spark, inputs, out, config, opts, checkpoint_dir, out_format, omit_duplicates) -> SparkRun:
    started = time.perf_counter()
    files = discover_files(spark, inputs, opts)
    local_out = None if _is_uri(out) else Path(out)
    if local_out is None and _exists(spark, out):
        raise OutputError(f"--out {out} exists; a URI output is written only to a new location")
    if local_out is not None:
        local_inputs = [a for a in inputs if not _is_uri(a)]
        staging.check_out_not_in_inputs(local_out, local_inputs)
        staging.check_out_dir(local_out, readers.discover(local_inputs, opts) if local_inputs else [])
    check_executors(spark)
    job = SparkJob(spark, config, opts)
    key = "spark.sql.shuffle.partitions"
    user_set = bool(spark._jsparkSession.conf().contains(key))  # the user's value is kept as it is
    job.partitions = shuffle_partitions(spark, files)
    if not user_set:
        spark.conf.set(key, str(job.partitions))
    base = checkpoint_dir or (_qualify(spark, str(local_out.resolve().parent)) if local_out is not None else out.rstrip("/").rsplit("/", 1)[0])
    lock = staging.OutLock(local_out) if local_out is not None else None
    try:
        with checkpoints(spark, base):
            skipped = job.read(files)
            job.scan()
            if local_out is not None:
                with staging.staged_dir(local_out) as stage:
                    (stage / staging.MARKER).write_bytes(staging.marker_bytes(config.fingerprint))
                    job.write(_qualify(spark, str(stage.resolve())), out_format, omit_duplicates)
            else:
                job.write(out.rstrip("/"), out_format, omit_duplicates, committed=True)
            stats = job.stats()
    finally:
        job.release()
        if not user_set:
            spark.conf.unset(key)
        if lock is not None:
            lock.release()
    stats["inputs"] = {"files": len(files), "skipped": [str(s) for s in skipped], "repeated_ids": stats.pop("repeated_ids")}
    stats["seconds"] = {"spark": round(time.perf_counter() - started, 4)}
    return SparkRun(stats, skipped)


def _fs(spark: "SparkSession", path: str):
    """(Hadoop Path, its FileSystem) of a path or URI; a checksummed local file system's raw
    one, so no .crc files are written beside outputs."""
    jvm, hconf = spark._jvm, spark._jsc.hadoopConfiguration()
    p = jvm.org.apache.hadoop.fs.Path(path)
    fs = p.getFileSystem(hconf)
    if fs.getScheme() == "file":
        fs = jvm.org.apache.hadoop.fs.FileSystem.getLocal(hconf).getRawFileSystem()
    return p, fs


def _tidy_parts(spark: "SparkSession", folder: str, ext: str, keep_success: bool) -> list:
    """Spark's part files under `folder` renamed part-00000<ext>, ... in order (their order is
    the rows' order); its checksums removed, and its _SUCCESS marker unless `keep_success`.
    Returns the renamed parts' Paths."""
    path, fs = _fs(spark, folder)
    parts = []
    for st in sorted(fs.listStatus(path), key=lambda st: st.getPath().getName()):
        name = st.getPath().getName()
        if name.startswith(".") or (name.startswith("_") and not (keep_success and name == "_SUCCESS")):
            fs.delete(st.getPath(), False)
        elif name.startswith("part-"):
            parts.append(st.getPath())
    renamed = []
    for n, part in enumerate(parts):
        target = spark._jvm.org.apache.hadoop.fs.Path(path, f"part-{n:05d}{ext}")
        if not fs.rename(part, target):
            raise OutputError(f"could not rename Spark's part file {part.toString()} to {target.toString()}")
        renamed.append(target)
    return renamed


def _concatenate(spark: "SparkSession", parts: list, target: str) -> None:
    """Stream `parts` in order into the one file `target` (in the JVM, never through the driver's
    Python), written under a hidden name and renamed when complete; the parts are removed."""
    jvm = spark._jvm
    path, fs = _fs(spark, target)
    partial_path = jvm.org.apache.hadoop.fs.Path(path.getParent(), f".{path.getName()}.partial")
    stream = fs.create(partial_path, True)
    try:
        for part in parts:
            source = fs.open(part)
            try:
                jvm.org.apache.hadoop.io.IOUtils.copyBytes(source, stream, 1 << 16, False)
            finally:
                source.close()
    finally:
        stream.close()
    if not fs.rename(partial_path, path):
        raise OutputError(f"could not move {partial_path.toString()} to {target}")
    for part in parts:
        fs.delete(part, False)


class SparkJob:
    """The DataFrames of one scan; every cached one is released at the end."""

    def __init__(self, spark: "SparkSession", config: Config, opts: ReadOptions) -> None:
        self.spark, self.config, self.opts = spark, config, opts
        self.cached: list = []
        self.partitions = int(spark.conf.get("spark.sql.shuffle.partitions"))

    def cache(self, df: "DataFrame") -> "DataFrame":
        from pyspark import StorageLevel

        df = df.persist(StorageLevel.MEMORY_AND_DISK)
        self.cached.append(df)
        # Materialised now: a later job reading it from several branches would
        # otherwise compute it once per branch.
        df.count()
        return df

    def step(self, name: str) -> None:
        """Label the Spark jobs that follow (`dedup: <name>` in the UI and event log), so time
        can be read per step; Spark's own call sites say only `count at NativeMethodAccessorImpl`."""
        self.spark.sparkContext.setJobDescription(f"dedup: {name}")

    def release(self) -> None:
        self.spark.sparkContext.setJobDescription(None)  # the user's session: no label left behind
        for df in self.cached:
            df.unpersist()

    def read(self, files: list[InputFile]) -> list[Skipped]:
        """Read every input; raise the first bad record in input order (as the local
        engine does); number documents in canonical order."""
        from pyspark.sql import functions as F

        self.files = files
        self.step("read")
        if not files:
            self.docs = self.spark.createDataFrame([], "doc_no long, id string, rel string, line long, text string, record string")
            return []
        rows = self.cache(read_documents(self.spark, files, self.opts))
        by_rank = {f.rank: f for f in files}
        problem = F.struct("line", "problem", "fatal")
        per_file = rows.groupBy("rank").agg(
            F.max(F.when(F.col("problem").isNull(), F.col("idx") + 1)).alias("n"),
            F.sort_array(F.collect_list(F.when(F.col("problem").isNotNull(), problem))).alias("problems"),
        ).collect()
        sizes = {r.rank: r.n or 0 for r in per_file}
        problems = [(r.rank, p) for r in sorted(per_file) for p in r.problems]
        for rank, p in problems:
            if p.fatal:
                hint = " (use --skip-bad-records to skip such lines)" if by_rank[rank].kind == "parquet" else ""
                raise InputError(by_rank[rank].label, p.problem + hint, p.line)
        skipped = [Skipped(by_rank[rank].label, p.problem, p.line, whole_file=p.line is None) for rank, p in problems]
        good = rows.where(F.col("problem").isNull())
        offset, table = 0, []
        for f in files:
            table.append((f.rank, offset, f.rel))
            offset += sizes.get(f.rank, 0)
        if offset >= B.MAX_DOCS:
            raise DedupError(f"{offset} documents: the Spark engine numbers at most {B.MAX_DOCS}")
        ranks = self.spark.createDataFrame(table, "rank int, offset long, rel string")
        docs = good.join(F.broadcast(ranks), "rank").select(
            (F.col("offset") + F.col("idx")).alias("doc_no"), "id", "rel", "line", "text", "record"
        )
        if rows.rdd.getNumPartitions() < self.partitions:  # few input files: spread the map stages
            docs = docs.repartition(self.partitions, "doc_no")
        self.docs = self.cache(docs)
        return skipped

    def scan(self) -> None:
        """Shingle, group exact copies, sketch, propose, verify, connect, decide."""
        from pyspark.sql import functions as F

        cfg = self.config
        self.step("shingle")
        self.shingled = self.cache(self.docs.select("doc_no", "text").mapInArrow(partial(B.shingle_batch, config=cfg), B.ddl(B.SHINGLED)))
        z = F.explode(F.arrays_zip("e_index", "e_len", "keys", "sets")).alias("s")
        spans = self.shingled.select("doc_no", z).select(
            F.shiftleft("doc_no", B.SPAN_BITS).bitwiseOR(F.col("s.e_index").cast("long")).alias("span_id"),
            F.col("s.e_len").alias("length"), F.col("s.keys").alias("key"), F.col("s.sets").alias("set"),
        )
        # Units: distinct shingle sets, named by their first span (units.group_units).
        self.step("units")
        self.units = self.cache(
            spans.groupBy("key").agg(
                F.min("span_id").alias("unit"), F.count("*").alias("members"), F.min_by("set", "span_id").alias("set")
            ).withColumn("size", F.size("set"))
        )
        self.step("sketch")
        sk = self.cache(self.units.select("unit", "set").mapInArrow(partial(B.sketch_batch, config=cfg), B.ddl(B.SKETCHED)))
        keyed = sk.select(F.lit(B.LSH).cast("byte").alias("kind"), F.explode("bkeys").alias("key"), "unit").union(
            sk.select(F.lit(B.ANCHOR).cast("byte").alias("kind"), F.explode("akeys").alias("key"), "unit")
        )
        # Every row of a key in one partition, sorted, and paired there by the local engine's
        # rule (candidates.group_pairs; a key above max_bucket pairs its first unit with each
        # other one, streamed): one shuffle of the key rows, where counting the keys, joining
        # the counts back and gathering each key's units into a list took three (the pairs
        # step was 63 % of the task time of a 1 GB run: benchmarks/README.md).
        pairs = keyed.repartition(self.partitions, "kind", "key").sortWithinPartitions("kind", "key", "unit").mapInArrow(
            partial(B.key_pairs, max_bucket=cfg.max_bucket), B.ddl(B.PAIRS))
        self.step("pairs")
        self.pair_rows = pair_rows = self.cache(pairs)
        na = sk.select("unit", "n_anchors")
        shared = pair_rows.where(F.col("i") >= 0).groupBy("i", "j").agg(
            F.max(F.col("kind") == B.LSH).alias("lsh"), F.sum((F.col("kind") == B.ANCHOR).cast("long")).alias("shared")
        )
        shared = shared.join(na.withColumnsRenamed({"unit": "i", "n_anchors": "na_i"}), "i").join(
            na.withColumnsRenamed({"unit": "j", "n_anchors": "na_j"}), "j"
        )
        proposed = shared.select("i", "j", "lsh", "shared", "na_i", "na_j").mapInArrow(
            partial(B.propose_batch, containment=cfg.threshold), B.ddl(B.PROPOSED)
        )
        sets = self.units.select("unit", "set")
        joined = proposed.join(sets.withColumnsRenamed({"unit": "i", "set": "set_i"}), "i").join(
            sets.withColumnsRenamed({"unit": "j", "set": "set_j"}), "j"
        )
        self.step("verify")
        self.verified = self.cache(
            joined.select("i", "j", "lsh", "anchor", "set_i", "set_j").mapInArrow(
                partial(B.verify_batch, containment=cfg.threshold), B.ddl(B.VERIFIED)
            )
        )
        edges = self.verified.where("edge").select(F.col("i").alias("a"), F.col("j").alias("b"), "inter")
        self.step("components")
        comps, self.rounds = connected_components(edges.select("a", "b"))
        self.comps = comps = self.cache(comps)
        # Decide per component; a unit on no edge with exact copies is its own group.
        span_units = spans.select("span_id", "length", "key").join(self.units.select("key", "unit", "size", "members"), "key")
        g_spans = span_units.join(comps, span_units.unit == comps.node, "left").where(
            F.col("comp").isNotNull() | (F.col("members") > 1)
        ).select(F.coalesce("comp", "unit").alias("comp"), "span_id", "unit", "size", "length",
                 *[F.lit(None).cast("long").alias(c) for c in ("i", "j", "inter")])
        g_edges = edges.join(comps, edges.a == comps.node).select(
            "comp", *[F.lit(None).cast("long").alias(c) for c in ("span_id", "unit", "size", "length")],
            F.col("a").alias("i"), F.col("b").alias("j"), "inter")
        # Many components per task and per Arrow batch (one pandas group per component cost
        # mostly transfer): rows clustered by component, each component decided whole.
        rows = g_spans.unionByName(g_edges).repartition(self.partitions, "comp").sortWithinPartitions("comp")
        self.step("decide")
        self.drops = self.cache(rows.select(*B.DECIDE_IN.names).mapInArrow(partial(B.decide_batch, config=cfg), B.ddl(B.DROPS)))

    def render(self, omit_duplicates: bool) -> "DataFrame":
        """Per document: its clean JSONL line (null when omitted) and its counts (cached)."""
        from pyspark.sql import functions as F

        self.step("clean")
        per_doc = self.drops.select(
            F.shiftright("span_id", B.SPAN_BITS).alias("doc_no"), F.col("span_id").bitwiseAND(B.SPAN_MASK).cast("int").alias("index")
        ).groupBy("doc_no").agg(F.array_sort(F.collect_list("index")).alias("dropped"))
        layout = self.shingled.select("doc_no", "starts", "ends", "eligible")
        self.rendered = self.cache(
            self.docs.join(layout, "doc_no").join(per_doc, "doc_no", "left").mapInArrow(
                partial(B.render_batch, config=self.config, text_field=self.opts.text_field, omit_duplicates=omit_duplicates),
                B.ddl(B.RENDERED),
            )
        )
        return self.rendered

    def clusters(self) -> "DataFrame":
        """clusters.jsonl as rows (cluster, kept, value), range-partitioned in cluster order.

        A cluster is named by its kept span's id (content-derived, so a retried task
        makes the same rows); its number in the file is that id's rank, counted per
        partition of the sorted clusters (one row per partition reaches the driver).
        """
        from pyspark.sql import functions as F

        self.step("clusters")
        kept = self.drops.select(F.col("kept").alias("span_id")).distinct().select(
            "span_id", F.col("span_id").alias("kept"), *[F.lit(None).cast(t).alias(c) for c, t in
                                                          (("jaccard", "double"), ("containment", "double"),
                                                           ("kept_containment", "double"), ("reason", "string"))]
        )
        members = self.drops.select("span_id", "kept", "jaccard", "containment", "kept_containment", "reason").union(kept)
        by_doc = members.select(
            F.shiftright("span_id", B.SPAN_BITS).alias("doc_no"),
            F.struct(F.col("span_id").bitwiseAND(B.SPAN_MASK).cast("int").alias("index"), "span_id", "kept",
                     "jaccard", "containment", "kept_containment", "reason").alias("m"),
        ).groupBy("doc_no").agg(F.collect_list("m").alias("members"))
        member_rows = self.docs.select("doc_no", "id", "rel", "line", "text").join(
            self.shingled.select("doc_no", "starts", "ends"), "doc_no"
        ).join(by_doc, "doc_no").mapInArrow(B.member_batch, B.ddl(B.MEMBERS))
        grouped = member_rows.groupBy("kept").agg(F.collect_list(F.struct("span_id", "json")).alias("members"))
        ordered = self.cache(grouped.orderBy("kept").withColumn("part", F.spark_partition_id()))
        counts = {r.part: r["count"] for r in ordered.groupBy("part").count().collect()}
        offsets, total = {}, 0
        for part in sorted(counts):
            offsets[part], total = total, total + counts[part]
        return ordered.mapInArrow(partial(B.cluster_lines, offsets=offsets), B.ddl(B.CLUSTER_LINES))

    def write(self, root: str, out_format: str, omit_duplicates: bool, committed: bool = False) -> None:
        """Clean records in input order as part files under `root`/clean; `root`/clusters.jsonl
        concatenated from ordered parts. `committed`: Spark's _SUCCESS marker is kept (a URI output)."""
        from pyspark.sql import functions as F

        clean_path, clusters_path = f"{root}/{CLEAN}", f"{root}/{staging.CLUSTERS}"
        rendered = self.render(omit_duplicates)
        lines = rendered.where(F.col("json").isNotNull()).orderBy("doc_no").select(F.col("json").alias("value"))
        if out_format == "jsonl":
            lines.write.text(clean_path)
        else:
            reader = self.spark.read
            if self.files and all(f.kind == "parquet" for f in self.files):
                reader = reader.schema(self.spark.read.option("mergeSchema", "true").parquet(*[f.path for f in self.files]).schema)
            reader.json(lines.rdd.map(lambda r: r.value)).write.parquet(clean_path)
        _tidy_parts(self.spark, clean_path, ".jsonl" if out_format == "jsonl" else ".parquet", keep_success=committed)
        parts_path = f"{root}/.{staging.CLUSTERS}.parts"
        self.clusters().select("value").write.text(parts_path)
        _concatenate(self.spark, _tidy_parts(self.spark, parts_path, ".jsonl", keep_success=False), clusters_path)
        _fs(self.spark, parts_path)[1].delete(_fs(self.spark, parts_path)[0], True)

    def stats(self) -> dict:
        """The local engine's stats keys (stats.summarize), counted by Spark in one job."""
        from pyspark.sql import functions as F

        self.step("stats")

        def total(col) -> "F.Column":
            return F.coalesce(F.sum(F.col(col).cast("long")), F.lit(0)).alias(col)

        parts = [
            self.rendered.agg(F.count("*").alias("documents"), *map(total, (
                "spans", "short_spans", "span_chars", "dropped_spans", "dropped_chars", "duplicate"))),
            self.verified.agg(F.count("*").alias("total"), *map(total, ("lsh", "anchor", "edge"))),
            self.pair_rows.where(F.col("i") < 0).agg(total("j")),
            self.units.agg(F.count("*").alias("units")),
            self.drops.agg(F.countDistinct("kept").alias("clusters")),
            self.docs.groupBy("id").count().agg(F.count(F.when(F.col("count") > 1, 1)).alias("repeated_ids")),
            self.comps.groupBy("comp").count().agg(F.count("*").alias("components"),
                                                   F.coalesce(F.max("count"), F.lit(0)).alias("largest")),
        ]
        row = parts[0]
        for p in parts[1:]:
            row = row.crossJoin(p)
        c = row.first().asDict()
        if c["largest"] > LARGE_COMPONENT:
            print(f"warning: a chain of near-copies joins {c['largest']} distinct spans; one task decides it", file=sys.stderr)
        cfg = self.config
        return {
            "documents": c["documents"],
            "spans": c["spans"],
            "short_spans": c["short_spans"],
            "distinct_spans": c["units"],
            "clusters": c["clusters"],
            "dropped_spans": c["dropped_spans"],
            "duplicate_documents": c["duplicate"],
            "span_chars": c["span_chars"],
            "dropped_chars": c["dropped_chars"],
            "duplicate_ratio": round(c["dropped_chars"] / c["span_chars"], 6) if c["span_chars"] else 0.0,
            "candidates": {
                "lsh": c["lsh"], "anchors": c["anchor"], "total": c["total"], "verified": c["edge"],
                "false_positives": c["total"] - c["edge"], "oversized_buckets": c["j"],
            },
            "parameters": cfg.params(),
            "fingerprint": cfg.fingerprint,
            "repeated_ids": c["repeated_ids"],  # moved under "inputs" by run()
            "engine": {
                "name": "spark", "master": self.spark.sparkContext.master,
                "shuffle_partitions": self.partitions,
                "components": c["components"], "largest_component": c["largest"], "component_rounds": self.rounds,
            },
        }
