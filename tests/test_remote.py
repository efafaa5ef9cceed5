"""URL inputs and --out through fsspec (dedup/io/remote.py): fsspec's memory and local
file systems, through the CLI runner and the library; no network."""

import gzip
import importlib.util
import json
import sys
import uuid
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.cli.common import EXIT_OK, EXIT_USAGE
from dedup.errors import InputError, OutputError
from dedup.io import remote
from dedup.io.staging import MARKER
from dedup.run import scan_paths

from sample_corpus import article, curly, paragraphs

P = paragraphs()
RECORDS = [
    {"id": "r0", "text": article(P[2], P[3])},
    {"id": "r1", "text": article(P[4], P[5])},
    {"id": "r2", "text": article(P[6], curly(P[3]))},
]
PLAIN = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS).encode()


def invoke(*args, input=None):
    result = CliRunner().invoke(app, [str(a) for a in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def mem():
    """fsspec's memory file system and a fresh root in it (the store is shared process-wide)."""
    fs = fsspec.filesystem("memory")
    root = f"/t-{uuid.uuid4().hex[:8]}"
    yield fs, root
    if fs.exists(root):
        fs.rm(root, recursive=True)


def corpus(folder: Path) -> Path:
    """A folder of every input kind: JSONL, gzipped JSONL in a subfolder, text, Parquet."""
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jsonl").write_bytes(PLAIN)
    (folder / "sub" / "b.jsonl.gz").write_bytes(gzip.compress(PLAIN[: PLAIN.index(b"\n") + 1], mtime=0))
    (folder / "c.txt").write_text(article(P[7], curly(P[5])), encoding="utf-8")
    pq.write_table(pa.table({"id": ["p0", "p1"], "text": [article(P[8], P[2]), article(P[9])], "n": [1, 2]}), folder / "d.parquet")
    (folder / ".hidden.txt").write_text("not read")
    return folder


def upload(fs, local: Path, root: str) -> None:
    for p in sorted(local.rglob("*")):
        if p.is_file():
            fs.pipe(f"{root}/{p.relative_to(local).as_posix()}", p.read_bytes())


def local_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def mem_files(fs, root: str) -> dict[str, bytes]:
    return {p[len(root) + 1 :]: fs.cat(p) for p in sorted(fs.find(root))}


def test_memory_folder_in_and_out_equals_the_local_run(tmp_path, mem):
    fs, root = mem
    upload(fs, corpus(tmp_path / "in"), f"{root}/in")
    run = invoke("scan", tmp_path / "in", "--out", tmp_path / "out", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    run = invoke("scan", f"memory://{root}/in", "--out", f"memory://{root}/out", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    got = mem_files(fs, f"{root}/out")
    assert got == local_files(tmp_path / "out")
    assert sorted(got) == [MARKER, "a.jsonl", "c.txt", "clusters.jsonl", "d.parquet", "sub/b.jsonl.gz"]
    assert json.loads(got["clusters.jsonl"].splitlines()[0])["members"][0]["source"] == "a.jsonl"


def test_file_urls_give_the_local_bytes(tmp_path):
    corpus(tmp_path / "in")
    assert scan_paths([str(tmp_path / "in")], tmp_path / "local").result.stats["dropped_spans"] > 0
    scan_paths([f"file://{tmp_path / 'in'}"], f"file://{tmp_path / 'remote'}")
    assert local_files(tmp_path / "remote") == local_files(tmp_path / "local")


def test_file_url_out_inside_a_local_input_is_refused(tmp_path):
    corpus(tmp_path / "in")
    with pytest.raises(OutputError, match="lies inside the input folder"):
        scan_paths([str(tmp_path / "in")], f"file://{tmp_path / 'in' / 'clean'}")
    assert not (tmp_path / "in" / "clean").exists()


def test_url_file_and_glob_inputs_to_standard_output(tmp_path, mem):
    fs, root = mem
    fs.pipe(f"{root}/x/a.jsonl", PLAIN)
    fs.pipe(f"{root}/x/b.txt", b"not matched\n")
    (tmp_path / "a.jsonl").write_bytes(PLAIN)
    want = invoke("scan", tmp_path / "a.jsonl", "--out", "-", "-q").stdout
    for url in (f"memory://{root}/x/a.jsonl", f"memory://{root}/x/*.jsonl"):
        run = invoke("scan", url, "--out", "-", "-q")
        assert run.exit_code == EXIT_OK, run.stderr
        assert run.stdout == want


def test_remote_inputs_are_told_by_magic_bytes(mem):
    fs, root = mem
    fs.pipe(f"{root}/shard-0", gzip.compress(PLAIN))
    run = invoke("scan", f"memory://{root}/shard-0", "--format", "jsonl", "--out", f"memory://{root}/out", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    assert gzip.decompress(fs.cat(f"{root}/out/shard-0")).count(b"\n") == 3


def test_rerun_replaces_an_earlier_output_and_drops_its_stale_files(tmp_path, mem):
    fs, root = mem
    fs.pipe(f"{root}/in/a.jsonl", PLAIN)
    fs.pipe(f"{root}/in/b.txt", article(P[7]).encode())
    assert invoke("scan", f"memory://{root}/in", "--out", f"memory://{root}/out", "-q").exit_code == EXIT_OK
    fs.rm(f"{root}/in/b.txt")
    assert invoke("scan", f"memory://{root}/in", "--out", f"memory://{root}/out", "-q").exit_code == EXIT_OK
    assert sorted(mem_files(fs, f"{root}/out")) == [MARKER, "a.jsonl", "clusters.jsonl"]


def test_remote_out_that_is_not_a_dedup_output_is_refused(mem):
    fs, root = mem
    fs.pipe(f"{root}/in/a.jsonl", PLAIN)
    fs.pipe(f"{root}/mine/notes.txt", b"mine")
    run = invoke("scan", f"memory://{root}/in", "--out", f"memory://{root}/mine")
    assert run.exit_code == EXIT_USAGE
    assert f"--out memory://{root}/mine is a non-empty folder that is not a dedup output" in run.stderr
    assert mem_files(fs, f"{root}/mine") == {"notes.txt": b"mine"}
    run = invoke("scan", f"memory://{root}/in", "--out", f"memory://{root}/in/clean")
    assert run.exit_code == EXIT_USAGE and "would overwrite, replace or lie in the input" in run.stderr


def test_a_failed_upload_leaves_no_partial_file(tmp_path, mem, monkeypatch):
    """Files go up under a hidden temporary name and are moved to their names complete:
    an upload that fails leaves no file under its final name and no temporary one."""
    fs, root = mem
    fs.pipe(f"{root}/in/a.jsonl", PLAIN)
    real = type(fs).put_file

    def failing(self, lpath, rpath, **kw):
        if "clusters.jsonl" in rpath:
            fs.pipe(rpath, b'{"cluster": 0, "size"')  # the cut-off start of an upload
            raise OSError("connection reset")
        return real(self, lpath, rpath, **kw)

    monkeypatch.setattr(type(fs), "put_file", failing)
    run = invoke("scan", f"memory://{root}/in", "--out", f"memory://{root}/out")
    assert run.exit_code == EXIT_USAGE
    assert f"cannot write --out memory://{root}/out: connection reset" in run.stderr
    names = sorted(mem_files(fs, f"{root}/out"))
    assert "clusters.jsonl" not in names and MARKER not in names  # the marker goes last
    assert not [n for n in names if "dedup-tmp" in n]


def test_missing_protocol_implementation_is_named(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(PLAIN)
    if importlib.util.find_spec("s3fs") is None:
        run = invoke("scan", "s3://bucket/crawl.jsonl", "--out", tmp_path / "out")
        assert run.exit_code == EXIT_USAGE
        assert "error: s3://bucket/crawl.jsonl: the s3:// protocol needs an fsspec implementation that is not installed: pip install s3fs" in run.stderr
        run = invoke("scan", tmp_path / "a.jsonl", "--out", "s3://bucket/clean")
        assert run.exit_code == EXIT_USAGE
        assert "--out s3://bucket/clean: the s3:// protocol needs an fsspec implementation that is not installed: pip install s3fs" in run.stderr
    run = invoke("scan", "nosuchproto://x/a.jsonl", "--out", tmp_path / "out")
    assert run.exit_code == EXIT_USAGE and "unknown protocol nosuchproto://" in run.stderr


def test_without_fsspec_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fsspec", None)
    with pytest.raises(InputError, match=r"memory://x/a.jsonl: URLs are read and written through fsspec: pip install 'dedup\[remote\]'"):
        scan_paths(["memory://x/a.jsonl"], tmp_path / "out")
    (tmp_path / "a.jsonl").write_bytes(PLAIN)
    with pytest.raises(OutputError, match=r"--out memory://y: URLs are read and written through fsspec"):
        scan_paths([str(tmp_path / "a.jsonl")], "memory://y")


def test_missing_remote_input_is_an_error(mem):
    fs, root = mem
    with pytest.raises(InputError, match="no such file or directory"):
        scan_paths([f"memory://{root}/nothing.jsonl"], "-")
    with pytest.raises(InputError, match="no file matches this pattern"):
        scan_paths([f"memory://{root}/*.jsonl"], "-")


def test_local_paths_do_not_go_through_fsspec(tmp_path, monkeypatch):
    corpus(tmp_path / "in")
    monkeypatch.setitem(sys.modules, "fsspec", None)  # any use would fail
    assert scan_paths([str(tmp_path / "in")], tmp_path / "out").result.stats["documents"] == 7
    assert remote.is_url("s3://b/k") and remote.is_url("simplecache::s3://b/k") and not remote.is_url(str(tmp_path))


def test_clean_copies_of_url_inputs_get_the_usual_modes_locally(tmp_path, mem):
    # A URL has no local mode bits: its copy is made as a stdin input's is (0o666 less the
    # umask), not 0o600 as for a local input that vanished (writers.input_mode).
    fs, root = mem
    upload(fs, corpus(tmp_path / "in"), f"{root}/in")
    assert invoke("scan", tmp_path / "in", "--out", tmp_path / "local", "-q").exit_code == EXIT_OK
    assert invoke("scan", f"memory://{root}/in", "--out", tmp_path / "out", "-q").exit_code == EXIT_OK
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "out").rglob("*") if p.is_file()}
    want = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "local").rglob("*") if p.is_file()}
    assert modes == want and modes["a.jsonl"] != 0o600
