"""--engine spark gives the local engine's results: same clusters.jsonl, same clean records, same counts.

Spark runs in local mode (local[2], 4 shuffle partitions, UI off), one session for
the whole run. Deselect locally with `-m "not spark"`; in CI (CI=true) a missing
pyspark or Java fails these tests instead of skipping them.
"""

from __future__ import annotations

import gzip
import json
import os
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app

pytestmark = pytest.mark.spark

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
runner = CliRunner()


# --- a planted corpus ---------------------------------------------------------

def _sentence(rng: random.Random, n: int = 12) -> str:
    words = [rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou") + rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou")
             + rng.choice("nrst") for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def planted_records() -> list[dict]:
    """~40 articles: unique text plus planted exact, edited, expanded, contained,
    chained and boilerplate copies, within and across articles."""
    rng = random.Random(7)
    docs = [[_paragraph(rng) for _ in range(rng.randint(2, 4))] for _ in range(40)]
    source = docs[0][0]
    docs[5].append(source)  # exact copy
    docs[9].insert(0, source.replace(".", " .", 1).replace(" ", "  ", 3))  # whitespace variant
    words = docs[1][1].split()
    words[3] = "changed"
    docs[12].append(" ".join(words))  # one word edited
    docs[14].append(docs[2][0] + " " + _sentence(rng))  # expanded copy: the fuller one must be kept
    docs[3].append(docs[16][0] + " " + docs[17][1])  # two paragraphs glued into one
    docs[18].append(docs[18][0])  # doubled within one article
    chain = [_sentence(rng) for _ in range(14)]
    for k in range(9):  # a chain of overlapping windows: one component, no chained drops
        docs[20 + k].append(" ".join(chain[k : k + 6]))
    boiler = _paragraph(rng, 3)
    for k in range(8):  # near-equal boilerplate in 8 articles: buckets above max_bucket=4
        docs[30 + k].append(boiler.replace(boiler.split()[k + 1], f"v{k}"))
    for d in docs[:10]:
        d.insert(0, "By Staff Writer")  # short span: never dropped
    records = []
    for n, paras in enumerate(docs):
        rec = {"id": f"doc{n:03d}", "lang": "xx", "text": "\n\n".join(paras), "n": n}
        if n % 11 == 3:
            del rec["id"]  # falls back to file:line
        records.append(rec)
    return records


def write_corpus(folder: Path, records: list[dict], bad_line: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    half = len(records) // 2
    lines = [json.dumps(r, ensure_ascii=False) for r in records[:half]]
    if bad_line:
        lines.insert(3, "{not json")
    (folder / "a.jsonl").write_text("\n".join(lines[:6]) + "\n\n" + "\n".join(lines[6:]) + "\n", encoding="utf-8")
    with gzip.open(folder / "b.jsonl.gz", "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records[half:])
    return folder


def _scan(args: list[str]):
    # Spark decides whole spans only (engines/spark.py): the local engine is compared with --whole-spans.
    return runner.invoke(app, ["scan", *args, "--quiet", "--whole-spans"], catch_exceptions=False)


def _said(output: str) -> str:
    """Terminal output with rich's line wrapping undone."""
    return " ".join(output.split())


def _local_clean_bytes(out: Path, rels: list[str]) -> bytes:
    data = b""
    for rel in rels:
        raw = (out / rel).read_bytes()
        data += gzip.decompress(raw) if rel.endswith(".gz") else raw
    return data


def _spark_clean_bytes(out: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((out / "clean").glob("part-*.jsonl")))


def _same_stats(local: dict, spark: dict) -> None:
    engine = spark.pop("engine")
    for s in (local, spark):
        s.pop("seconds"), s.pop("elapsed_seconds")
    assert spark == local
    return engine


# --- same results -------------------------------------------------------------

def test_samples_same_clusters_and_texts(spark, tmp_path):
    local, sp = tmp_path / "local", tmp_path / "spark"
    assert _scan([str(SAMPLES), "--out", str(local), "--stats", str(tmp_path / "l.json")]).exit_code == 0
    res = _scan([str(SAMPLES), "--out", str(sp), "--engine", "spark", "--stats", str(tmp_path / "s.json")])
    assert res.exit_code == 0, res.output
    assert (sp / "clusters.jsonl").read_bytes() == (local / "clusters.jsonl").read_bytes()
    records = [json.loads(line) for line in _spark_clean_bytes(sp).decode().splitlines()]
    assert [r["id"] for r in records] == sorted(p.name for p in SAMPLES.glob("*.txt"))
    for r in records:
        assert r["text"] == (local / r["id"]).read_text(encoding="utf-8")
    engine = _same_stats(json.loads((tmp_path / "l.json").read_text()), json.loads((tmp_path / "s.json").read_text()))
    assert engine["name"] == "spark" and engine["components"] == 1
    assert sorted(os.listdir(tmp_path)) == ["l.json", "local", "s.json", "spark"]  # no staging or checkpoints left
    names = sorted(p.relative_to(sp).as_posix() for p in sp.rglob("*"))
    parts = [f"clean/part-{n:05d}.jsonl" for n in range(len(names) - 3)]
    assert names == [".dedup-output", "clean", *parts, "clusters.jsonl"]  # no .crc, no _SUCCESS


def test_planted_jsonl_same_as_local(spark, tmp_path):
    """Byte-identical clusters.jsonl and clean records (concatenated in input order), same stats,
    on a corpus that exercises exact units, anchors, LSH and a chain of near-copies."""
    corpus = write_corpus(tmp_path / "in", planted_records())
    opts = ["--skip-bad-records"]
    local, sp = tmp_path / "local", tmp_path / "spark"
    r1 = _scan([str(corpus), "--out", str(local), "--stats", str(tmp_path / "l.json"), *opts])
    r2 = _scan([str(corpus), "--out", str(sp), "--engine", "spark", "--stats", str(tmp_path / "s.json"), *opts])
    assert r1.exit_code == r2.exit_code == 3  # the bad line was skipped, and said so
    assert "a.jsonl:4" in r2.output
    assert (sp / "clusters.jsonl").read_bytes() == (local / "clusters.jsonl").read_bytes()
    assert _spark_clean_bytes(sp) == _local_clean_bytes(local, ["a.jsonl", "b.jsonl.gz"])
    local_stats = json.loads((tmp_path / "l.json").read_text())
    engine = _same_stats(local_stats, json.loads((tmp_path / "s.json").read_text()))
    # The corpus really exercises the paths compared above.
    assert local_stats["clusters"] >= 8 and local_stats["candidates"]["anchors"] > 0
    assert local_stats["candidates"]["lsh"] > 0
    assert engine["largest_component"] >= 9  # the chain
    reasons = {m["reason"] for line in (sp / "clusters.jsonl").read_text().splitlines() for m in json.loads(line)["members"]}
    assert reasons == {"kept", "exact", "contained", "near-equal"}


def test_planted_keep_longest_and_oversized_buckets_same_as_local(spark, tmp_path):
    """Library call: keep=longest ranks by length, and max_bucket=4 takes the oversized-bucket path."""
    from dedup import Config, scan
    from dedup.engines.spark import run
    from dedup.io.readers import ReadOptions, discover, read_source
    from dedup.io.writers import write_out_dir

    corpus = write_corpus(tmp_path / "in", planted_records(), bad_line=False)
    config = Config(keep="longest", max_bucket=4, sentences=False)  # Spark decides whole spans only
    sources = discover([str(corpus)])
    docs = [d for s in sources for d in read_source(s)[0]]
    result = scan(docs, config)
    write_out_dir(result, sources, tmp_path / "local", text_field="text", omit_duplicates=True)
    got = run([str(corpus)], str(tmp_path / "spark"), config, ReadOptions(), omit_duplicates=True, spark=spark)
    assert result.stats["candidates"]["oversized_buckets"] > 0
    assert got.stats["candidates"] == result.stats["candidates"]
    assert got.stats["duplicate_documents"] == result.stats["duplicate_documents"]
    assert (tmp_path / "spark" / "clusters.jsonl").read_bytes() == (tmp_path / "local" / "clusters.jsonl").read_bytes()
    assert _spark_clean_bytes(tmp_path / "spark") == _local_clean_bytes(tmp_path / "local", ["a.jsonl", "b.jsonl.gz"])


def test_parquet_in_parquet_out_through_uris(spark, tmp_path):
    """Parquet input, Parquet output, both named as file:// URIs (the path taken for s3a:// or hdfs://)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dedup import Config, Document, scan

    records = planted_records()
    for r in records:
        r.setdefault("id", None)
    (tmp_path / "in" / "part").mkdir(parents=True)
    for name, chunk in (("x.parquet", records[:25]), ("part/y.parquet", records[25:])):
        pq.write_table(pa.Table.from_pylist(chunk), tmp_path / "in" / name)
    out = f"file://{tmp_path}/out"
    res = _scan([f"file://{tmp_path}/in", "--out", out, "--engine", "spark", "--out-format", "parquet"])
    assert res.exit_code == 0, res.output
    table = pq.read_table(tmp_path / "out" / "clean")
    assert table.schema.field("n").type == pa.int64()  # columns keep their types
    rows = table.to_pylist()
    # Expected: the local engine on the same records in the same order (part/y.parquet sorts first).
    ordered = [(f"part/y.parquet:{i + 1}", r) for i, r in enumerate(records[25:])] + [(f"x.parquet:{i + 1}", r) for i, r in enumerate(records[:25])]
    result = scan([Document(r["id"] or rid, r["text"]) for rid, r in ordered], Config(sentences=False))
    assert [r["n"] for r in rows] == [r["n"] for _, r in ordered]
    assert [r["text"] for r in rows] == [result.clean_text(d) for d in range(len(ordered))]
    assert sum(1 for _ in (tmp_path / "out" / "clusters.jsonl").open()) == len(result.clusters)
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*"))
    assert not [n for n in names if n.endswith(".crc") or "c000" in n or ".parts" in n], names
    assert "clean/_SUCCESS" in names and all(n in ("clean", "clean/_SUCCESS", "clusters.jsonl") or
                                             (n.startswith("clean/part-") and n.endswith(".parquet")) for n in names)


def many_small_records(n: int, seed: int = 11) -> list[dict]:
    """`n` short records (one or two paragraphs), one in five carrying a copy of an earlier paragraph."""
    rng = random.Random(seed)
    paras: list[str] = []
    records = []
    for k in range(n):
        own = [_paragraph(rng, 2) for _ in range(rng.randint(1, 2))]
        if paras and k % 5 == 0:
            own.append(rng.choice(paras))
        paras.extend(own[:1])
        records.append({"id": f"r{k:05d}", "text": "\n\n".join(own)})
    return records


def test_many_small_records_same_as_local(spark, tmp_path):
    """10,000 records: span ids (document number << 23 | index) reach 2^36; anything sized by the
    largest id (a 31 GiB bitmap for 4,000 records) fails here."""
    corpus = tmp_path / "in"
    corpus.mkdir()
    records = many_small_records(10_000)
    for part in range(2):
        (corpus / f"{part}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[part::2]), encoding="utf-8")
    local, sp = tmp_path / "local", tmp_path / "spark"
    assert _scan([str(corpus), "--out", str(local), "--stats", str(tmp_path / "l.json")]).exit_code == 0
    res = _scan([str(corpus), "--out", str(sp), "--engine", "spark", "--stats", str(tmp_path / "s.json")])
    assert res.exit_code == 0, res.output
    assert (sp / "clusters.jsonl").read_bytes() == (local / "clusters.jsonl").read_bytes()
    assert _spark_clean_bytes(sp) == _local_clean_bytes(local, ["0.jsonl", "1.jsonl"])
    local_stats = json.loads((tmp_path / "l.json").read_text())
    _same_stats(local_stats, json.loads((tmp_path / "s.json").read_text()))
    assert local_stats["documents"] == 10_000 and local_stats["clusters"] > 500


# --- errors and output safety ---------------------------------------------------

def test_bad_record_names_file_and_line_like_local(spark, tmp_path):
    corpus = write_corpus(tmp_path / "in", planted_records()[:6])
    r1 = _scan([str(corpus), "--out", str(tmp_path / "local")])
    r2 = _scan([str(corpus), "--out", str(tmp_path / "spark"), "--engine", "spark"])
    assert r1.exit_code == r2.exit_code == 2
    assert "a.jsonl:4: not valid JSON" in _said(r2.output)
    assert r2.output.split() == r1.output.split()
    assert not (tmp_path / "spark").exists()


def test_spark_refuses_out_inside_input_and_stdout(spark, tmp_path):
    corpus = write_corpus(tmp_path / "in", planted_records()[:4], bad_line=False)
    r = _scan([str(corpus), "--out", str(corpus / "clean"), "--engine", "spark"])
    assert r.exit_code == 2 and "lies inside the input folder" in _said(r.output)
    r = _scan([str(corpus), "--out", "-", "--engine", "spark"])
    assert r.exit_code == 2 and "not -" in _said(r.output)


def test_spark_options_need_spark_engine(tmp_path):
    r = _scan([str(SAMPLES), "--out", str(tmp_path / "o"), "--out-format", "parquet"])
    assert r.exit_code == 2 and "--engine spark" in _said(r.output)


@pytest.mark.parametrize("option", [["--report", "r.html"], ["--clusters", "c.jsonl"], ["--jobs", "2"],
                                    ["--spill", "sp"], ["--sentences"], ["--index", "i.db"]])
def test_spark_refuses_options_it_does_not_implement(tmp_path, option):
    r = runner.invoke(app, ["scan", str(SAMPLES), "--out", str(tmp_path / "o"), "--engine", "spark", "-q", *option])
    assert r.exit_code == 2, r.output
    assert "not supported with --engine spark" in _said(r.output) and option[0] in r.output
    assert not (tmp_path / "o").exists()


def test_spark_conf_needs_key_value_and_spark_engine(tmp_path):
    r = _scan([str(SAMPLES), "--out", str(tmp_path / "o"), "--engine", "spark", "--conf", "novalue"])
    assert r.exit_code == 2 and "key=value" in _said(r.output)
    r = _scan([str(SAMPLES), "--out", str(tmp_path / "o"), "--conf", "spark.x=1"])
    assert r.exit_code == 2 and "need --engine spark" in _said(r.output)


def test_uri_inputs_with_the_same_file_name_are_refused(spark, tmp_path):
    """Two URI inputs holding x.jsonl: one would replace the other (it kept 21 of 86 documents)."""
    for folder, recs in (("a", planted_records()[:5]), ("b", planted_records()[5:9])):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    r = _scan([f"file://{tmp_path}/a", f"file://{tmp_path}/b", "--out", str(tmp_path / "o"), "--engine", "spark"])
    assert r.exit_code == 2, r.output
    assert "maps to the same output path 'x.jsonl'" in _said(r.output)
    assert not (tmp_path / "o").exists()


def test_user_confs_are_kept_and_conf_passes_through(spark, tmp_path):
    """The running session's shuffle partitions (a notebook's spark.conf.set) are used and left as
    they were; --conf sets one on it."""
    spark.conf.set("spark.sql.shuffle.partitions", "3")
    try:
        r = _scan([str(SAMPLES), "--out", str(tmp_path / "a"), "--engine", "spark", "--stats", str(tmp_path / "a.json")])
        assert r.exit_code == 0, r.output
        assert json.loads((tmp_path / "a.json").read_text())["engine"]["shuffle_partitions"] == 3
        assert spark.conf.get("spark.sql.shuffle.partitions") == "3"
        r = _scan([str(SAMPLES), "--out", str(tmp_path / "b"), "--engine", "spark", "--stats", str(tmp_path / "b.json"),
                   "--conf", "spark.sql.shuffle.partitions=5"])
        assert r.exit_code == 0, r.output
        assert json.loads((tmp_path / "b.json").read_text())["engine"]["shuffle_partitions"] == 5
        assert (tmp_path / "a" / "clusters.jsonl").read_bytes() == (tmp_path / "b" / "clusters.jsonl").read_bytes()
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", "4")


def test_a_spark_failure_is_one_line_with_exit_code_4(spark, tmp_path):
    """A file named .parquet that is not Parquet fails inside Spark: one line, exit 4, nothing written."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.parquet").write_bytes(b"not parquet at all\n" * 10)
    r = _scan([str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--engine", "spark"])
    assert r.exit_code == 4, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert lines[0].startswith("error: Spark failed while scanning:"), r.output
    assert "Traceback" not in r.output and "Py4J" not in r.output
    assert not (tmp_path / "o").exists()


def test_describe_failure_gives_the_python_workers_exception_line(spark):
    from dedup.engines.spark_env import describe_failure

    def boom(batches):
        for _ in batches:
            raise ValueError("a bad batch")
        yield from ()

    with pytest.raises(Exception) as caught:
        spark.range(3).mapInArrow(boom, "id long").collect()
    assert describe_failure(caught.value) == "ValueError: a bad batch"


# --- connected components -----------------------------------------------------

def test_large_star_small_star_matches_union_find(spark, tmp_path):
    from dedup.engines.spark_components import connected_components
    from dedup.engines.spark_env import checkpoints

    rng = random.Random(3)
    edges = [(rng.randrange(400), rng.randrange(400)) for _ in range(300)]
    edges += [(1000 + k, 1001 + k) for k in range(40)][::-1]  # a long path: several rounds
    edges += [(2000, 2000 + k) for k in range(1, 30)]  # a star around its smallest node
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    expected = {x: find(x) for a, b in edges if a != b for x in (a, b)}
    df = spark.createDataFrame(edges, "a long, b long")
    with checkpoints(spark, str(tmp_path)) as folder:
        comps, rounds = connected_components(df)
        got = {r.node: r.comp for r in comps.collect()}
        assert any(Path(folder.split(":", 1)[-1]).rglob("part-*"))  # reliable checkpoints, on disk
    assert not any(tmp_path.iterdir())  # removed afterwards
    assert got == expected
    assert rounds >= 2


def test_a_local_driver_gets_a_heap_nobody_chose_and_a_chosen_one_is_kept(tmp_path, monkeypatch):
    """local_driver_memory: --conf spark.driver.memory is the heap the JVM starts with; a local
    master without any choice gets LOCAL_HEAP_SHARE of budget.limit(); any other choice
    (SPARK_DRIVER_MEMORY, PYSPARK_SUBMIT_ARGS, spark-defaults.conf) or another master: Spark's own."""
    from dedup import budget
    from dedup.engines import spark_env

    monkeypatch.setattr(budget, "limit", lambda: (10 << 30, "test"))
    pick = spark_env.local_driver_memory
    assert pick({}, {}, {}) == f"{int((10 << 30) * spark_env.LOCAL_HEAP_SHARE) >> 20}m"
    assert pick({"spark.master": "local[2]"}, {}, {}) == pick({}, {}, {"spark.master": "local"}) == pick({}, {}, {})
    assert pick({"spark.driver.memory": "3g", "spark.master": "spark://h:7077"}, {}, {}) == "3g"
    for conf, env, defaults in (
        ({}, {"SPARK_DRIVER_MEMORY": "2g"}, {}),
        ({}, {"PYSPARK_SUBMIT_ARGS": "--driver-memory 2g pyspark-shell"}, {}),
        ({}, {"PYSPARK_SUBMIT_ARGS": "--conf spark.driver.memory=2g pyspark-shell"}, {}),
        ({}, {}, {"spark.driver.memory": "2g"}),
        ({"spark.master": "spark://h:7077"}, {}, {}),
        ({}, {"PYSPARK_SUBMIT_ARGS": "--master yarn pyspark-shell"}, {}),
        ({}, {}, {"spark.master": "yarn"}),
    ):
        assert pick(conf, env, defaults) is None, (conf, env, defaults)
    monkeypatch.setattr(budget, "limit", lambda: (1 << 30, "test"))
    assert pick({}, {}, {}) == "1024m"  # never below Spark's own default
    (tmp_path / "spark-defaults.conf").write_text("# a comment\nspark.master  local[3]\nspark.driver.memory=5g\n")
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    assert spark_env._spark_defaults() == {"spark.master": "local[3]", "spark.driver.memory": "5g"}


def fresh_python(*argv: str):
    """This Python run with `argv` in a new process (its own JVM), with no heap set by the
    environment; its output as text."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_DRIVER_MEMORY", "PYSPARK_SUBMIT_ARGS")}
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, timeout=300)


def test_a_new_local_session_starts_with_that_heap(spark, tmp_path):
    """In a fresh process, dedup's session starts the JVM with local_driver_memory's heap
    (`--conf spark.driver.memory` reaches the launcher; Spark's 1 GB default is not used), and a
    quiet one draws no progress bars (the launcher's default for a pyspark shell turns them on)."""
    code = ("from dedup.engines.spark_env import session\n"
            "s = session({'spark.driver.memory': '1536m', 'spark.ui.enabled': 'false'})\n"
            "c = s.sparkContext.getConf()\n"
            "print(c.get('spark.ui.showConsoleProgress'), c.get('spark.driver.memory'), s._jvm.java.lang.Runtime.getRuntime().maxMemory())\n"
            "s.stop()\n")
    out = fresh_python("-c", code)
    assert out.returncode == 0, out.stderr[-2000:]
    progress, conf, heap = out.stdout.split()[-3:]
    assert progress == "false" and conf == "1536m" and 1.2 * (1 << 30) < int(heap) <= 1536 << 20


# Start-up lines of the JVM that a quiet run must not print (Spark 4.3, Java 17).
JVM_START_LINES = ("WARNING: Using incubator modules", 'Setting default log level to "WARN".',
                   "To adjust logging level use sc.setLogLevel")


def test_a_quiet_scan_prints_no_jvm_lines_and_a_loud_session_still_does(spark, tmp_path):
    """In a fresh process, `-q` keeps the JVM's start-up lines off stderr; without -q they stay."""
    out = fresh_python("-m", "dedup", "scan", str(SAMPLES), "--engine", "spark", "-q", "--out", str(tmp_path / "o"),
                       "--conf", "spark.ui.enabled=false")
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "o" / "clusters.jsonl").exists()
    assert not [line for line in JVM_START_LINES if line in out.stderr], out.stderr
    code = ("from dedup.engines.spark_env import session\n"
            "s = session({'spark.ui.enabled': 'false'}, quiet=False)\n"
            "print(s.range(3).count())\n")
    out = fresh_python("-c", code)
    assert out.returncode == 0 and out.stdout.split()[-1] == "3", out.stderr[-2000:]
    assert all(line in out.stderr for line in JVM_START_LINES), out.stderr


def test_the_jvm_stderr_forwarder_drops_only_the_incubator_notice():
    """Spark's WARN and ERROR lines, a Java error, a progress bar: all but the notice pass."""
    from io import BytesIO

    from dedup.engines.spark_env import forward_jvm_stderr

    kept = [b"26/12/04 21:36:38 WARN Utils: Your hostname resolves to a loopback address\n",
            b"26/12/04 21:40:52 ERROR SparkUncaughtExceptionHandler: Uncaught exception\n",
            b"java.lang.OutOfMemoryError: Java heap space\n", b"WARNING: Using incubator modules\n",
            b"\r[Stage 0:>   (0 + 2) / 2]"]
    out = BytesIO()
    forward_jvm_stderr([b"WARNING: Using incubator modules: jdk.incubator.vector\n", *kept], out)
    assert out.getvalue() == b"".join(kept)


def test_a_jvm_that_dies_mid_scan_is_one_error_line(spark, tmp_path):
    """A driver JVM killed under a scan (in a fresh process, whose JVM is its own) fails it with
    one SparkJobError line, exit code 4, and no traceback (py4j's ConnectionRefusedError, or
    pyspark's accumulator server's EOFError)."""
    code = ("import time\n"
            "from pyspark import SparkContext\n"
            "from dedup.engines import spark as engine\n"
            "from dedup.engines.spark_env import session\n"
            "from dedup.errors import SparkJobError\n"
            "s = session({'spark.master': 'local[1]', 'spark.ui.enabled': 'false'})\n"
            "s.sparkContext.parallelize([1], 1).map(str).collect()  # the JVM connects to the accumulator server\n"
            "SparkContext._gateway.proc.kill()  # not waited for: sockets may close before the JVM exits\n"
            "try:\n"
            f"    engine.run([{str(SAMPLES)!r}], {str(tmp_path / 'o')!r}, spark=s)\n"
            "except SparkJobError as e:\n"
            "    print(e.exit_code, e)\n"
            "time.sleep(1)  # time for pyspark's threads to report the hang-up\n")
    out = fresh_python("-c", code)
    assert out.returncode == 0, out.stderr[-3000:]
    said = "4 Spark failed while scanning: its JVM stopped (killed by signal 9; see its last lines above)"
    assert out.stdout.splitlines() == [said], out.stdout
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
