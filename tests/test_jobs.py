"""Same input, same output: whatever --jobs, and with or without the compiled kernels."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup import Config, Document, scan
from dedup.accel import kernels
from dedup.cli import app

from dedup.stages import mapping
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def corpus(n_docs: int = 240, seed: int = 3) -> list[dict]:
    """Articles from the seed paragraphs and random words, with copies planted across them."""
    rng = random.Random(seed)
    words = [w for p in SAMPLES.glob("*.txt") for w in p.read_text(encoding="utf-8").split()]
    paragraphs = [" ".join(rng.choices(words, k=rng.randint(12, 60))) for _ in range(n_docs * 3)]
    docs = []
    for i in range(n_docs):
        paras = paragraphs[3 * i : 3 * i + 3]
        if i and rng.random() < 0.5:  # a copy of an earlier paragraph, sometimes edited
            copy = rng.choice(docs)["text"].split("\n\n")[0]
            if rng.random() < 0.5:
                copy = copy.replace(" ", "  ", 2) + " And one more sentence here."
            paras.insert(rng.randrange(len(paras) + 1), copy)
        docs.append({"id": f"a{i}", "text": "\n\n".join(paras) + "\n"})
    return docs


def outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("pool", ["threads", "processes"])
def test_jobs_give_byte_identical_output(tmp_path, monkeypatch, pool):
    """The map stage runs in threads where it is compiled, in processes otherwise (scan._map_pool)."""
    if pool == "processes":
        monkeypatch.setattr(mapping.kernels, "available", lambda: False)
    elif not mapping.kernels.available():
        pytest.fail("the compiled kernels are missing (dedup.accel._native was not built)")
    with mapping.map_pool(2, Config()) as executor:
        assert type(executor).__name__ == {"threads": "ThreadPoolExecutor", "processes": "ProcessPoolExecutor"}[pool]
    src = tmp_path / "in" / "articles.jsonl"
    src.parent.mkdir()
    src.write_text("".join(json.dumps(d) + "\n" for d in corpus()), encoding="utf-8")
    (tmp_path / "in" / "seed.txt").write_text((SAMPLES / "003_15fa05f4d3cf0d4f.txt").read_text(encoding="utf-8"))
    monkeypatch.setattr(mapping, "CHUNK_CHARS", 20_000)  # many chunks, so the pool really splits the work
    runner = CliRunner()
    results = {}
    for jobs in (1, 2, 3):
        out = tmp_path / f"out{jobs}"
        res = runner.invoke(app, ["scan", str(tmp_path / "in"), "--out", str(out), "--quiet", "--jobs", str(jobs)])
        assert res.exit_code == 0, res.output
        results[jobs] = outputs(out)
    assert results[1] == results[2] == results[3]
    clusters = results[1]["clusters.jsonl"].decode().splitlines()
    assert len(clusters) > 20, "the corpus has planted copies, so there is something to agree on"


def test_jobs_option_is_validated():
    res = CliRunner().invoke(app, ["scan", str(SAMPLES), "--out", "-", "--jobs", "-1"])
    assert res.exit_code == 2


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_compiled_and_numpy_scans_agree(monkeypatch):
    kernels.load()
    docs = [Document(d["id"], d["text"]) for d in corpus(160, seed=9)]

    def run(numba: str):
        monkeypatch.setenv("DEDUP_NUMBA", numba)
        monkeypatch.setenv("DEDUP_NUMBA_MIN_WORK", "0")
        result = scan(docs, Config())
        result.stats.pop("seconds")
        return result.drops, result.clusters, result.stats

    assert run("1") == run("0")


def test_spilled_shingle_sets_give_the_same_result(tmp_path, monkeypatch):
    monkeypatch.setenv("DEDUP_NUMBA_MIN_WORK", "0")  # the compiled kernels read the memory map too
    docs = [Document(d["id"], d["text"]) for d in corpus(120, seed=5)]
    plain = scan(docs, Config())
    spilled = scan(docs, Config(), spill=tmp_path)
    assert (plain.drops, plain.clusters) == (spilled.drops, spilled.clusters)
    assert plain.drops, "the corpus has copies to drop"
    assert list(tmp_path.iterdir()) == [], "the spill files are removed after the scan"


def test_spill_option_needs_a_folder(tmp_path):
    res = CliRunner().invoke(app, ["scan", str(SAMPLES), "--out", str(tmp_path / "o"), "--spill", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "--spill" in res.output


def test_a_stream_of_documents_gives_the_same_result(monkeypatch):
    """scan() maps the first runs while later documents are still being read: a
    one-pass iterator must give what the list gives, with or without the pool."""
    docs = [Document(d["id"], d["text"]) for d in corpus(120, seed=5)]
    monkeypatch.setattr(mapping, "CHUNK_CHARS", 5_000)

    def run(documents, jobs):
        result = scan(documents, Config(), jobs=jobs)
        result.stats.pop("seconds")
        return result.documents, result.drops, result.clusters, result.stats

    listed = run(docs, 1)
    assert len(listed[1]) > 10
    assert run(iter(docs), 1) == listed
    assert run((d for d in docs), 2) == listed


def test_a_bad_record_late_in_a_stream_stops_the_pool_and_writes_nothing(tmp_path, monkeypatch):
    """Mapping starts before the file is read to its end: a broken line found then
    still stops the run with the file and line named, and no output."""
    records = corpus(200, seed=7)
    src = tmp_path / "in.jsonl"
    lines = [json.dumps(d) for d in records]
    lines[180] = '{"id": "broken", "text": '
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(mapping, "CHUNK_CHARS", 5_000)  # many runs mapped before line 181 is parsed
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["scan", str(src), "--out", str(out), "--quiet", "--jobs", "2"])
    assert res.exit_code == 2, res.output
    assert f"{src}:181: not valid JSON" in res.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.jsonl"]  # no staging folder left either


def test_the_command_flushes_its_output_and_keeps_its_exit_code(tmp_path):
    """`dedup` leaves without Python's teardown (cli.main): what it printed must all be
    there, and the exit code must be the app's."""
    from conftest import run_dedup

    ok = run_dedup("scan", str(SAMPLES), "--out", "-", "--jobs", "2")
    assert ok.returncode == 0, ok.stderr
    lines = ok.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(list(SAMPLES.glob("*.txt"))) and all(json.loads(x)["text"] for x in lines)
    bad = run_dedup("scan", str(tmp_path / "missing"), "--out", str(tmp_path / "out"))
    assert bad.returncode == 2 and "no such file or directory" in bad.stderr
    big = tmp_path / "big.jsonl"  # enough for the pool, the forked writer and a resource tracker
    big.write_text("".join(json.dumps(d) + "\n" for d in corpus(6000, seed=4)), encoding="utf-8")
    assert big.stat().st_size > 2 * mapping.CHUNK_CHARS
    done = run_dedup("scan", str(big), "--out", str(tmp_path / "o"), "--jobs", "2", "--quiet")
    assert done.returncode == 0 and done.stderr == "", done.stderr  # no leaked-resource warnings either
    assert (tmp_path / "o" / "clusters.jsonl").stat().st_size > 0


def test_clusters_written_by_two_processes_are_the_same_bytes(tmp_path, monkeypatch):
    """With `parallel`, a forked child formats clusters.jsonl blocks from the front and this
    process from the back (writers.write_out_dir); the file must not tell."""
    import os
    import time

    from dedup.io import writers
    from dedup.io.readers import DocumentStream, ReadOptions, discover

    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(d) + "\n" for d in corpus(400, seed=8)), encoding="utf-8")
    stream = DocumentStream(discover([str(src)], ReadOptions()))
    result = scan(stream, Config())
    blocks = writers.cluster_blocks(result, 16)
    assert len(blocks) > 8 and [b.start for b in blocks[1:]] == [b.stop for b in blocks[:-1]]
    assert blocks[0].start == 0 and blocks[-1].stop == len(result.clusters)
    whole = writers.cluster_lines
    parent, taken = os.getpid(), []

    def lines(res, part=None, text=None):
        if os.getpid() != parent:
            time.sleep(0.05)  # a slow child: this process takes blocks from the back
        else:
            taken.append(part)
        return whole(res, part, text)

    monkeypatch.setattr(writers, "CLUSTER_BLOCKS", 16)
    monkeypatch.setattr(writers, "cluster_lines", lines)
    writers.write_out_dir(result, stream.read, tmp_path / "two", text_field="text", omit_duplicates=False, parallel=True)
    assert len(taken) >= 2, "the parent took blocks"
    writers.write_out_dir(result, stream.read, tmp_path / "one", text_field="text", omit_duplicates=False, parallel=False)
    assert outputs(tmp_path / "two") == outputs(tmp_path / "one")
    expected = b"".join(writers.json_line(r) for r in writers.cluster_records(result))
    assert (tmp_path / "one" / "clusters.jsonl").read_bytes() == expected
