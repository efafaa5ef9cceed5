"""Compressed inputs (dedup/io/compressed.py): gzip and zstd told by their magic bytes
or names, on files and standard input; clean copies compressed as their inputs were."""

import gzip
import json
import sys

import pytest
import zstandard
from typer.testing import CliRunner

from dedup.cli import app
from dedup.cli.common import EXIT_OK, EXIT_SKIPPED, EXIT_USAGE
from dedup.io.readers import discover
from dedup.run import scan_paths

from sample_corpus import article, curly, paragraphs

P = paragraphs()
RECORDS = [
    {"id": "r0", "text": article(P[2], P[3]), "n": 0},
    {"id": "r1", "text": article(P[4], P[5]), "n": 1},
    {"id": "r2", "text": article(P[6], curly(P[3])), "n": 2},
]
PLAIN = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS).encode()
# r2's copy of r0's second paragraph goes.
CLEAN = "".join(json.dumps({**r, "text": t}, ensure_ascii=False) + "\n" for r, t in zip(
    RECORDS, [article(P[2], P[3]), article(P[4], P[5]), article(P[6])])).encode()


def invoke(*args, input=None):
    result = CliRunner().invoke(app, [str(a) for a in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def unzstd(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True).read()


def test_plain_run_is_what_the_compressed_runs_are_checked_against(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(PLAIN)
    run = invoke("scan", tmp_path / "a.jsonl", "--out", "-", "-q")
    assert run.exit_code == EXIT_OK and run.stdout_bytes == CLEAN


@pytest.mark.parametrize("name", ["a.jsonl.zst", "a.jsonl.zstd"])
def test_zstd_file_by_name_is_read_and_written_back_in_zstd(tmp_path, name):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(zstd(PLAIN))
    run = invoke("scan", tmp_path / "in", "--out", tmp_path / "out", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    written = (tmp_path / "out" / name).read_bytes()
    assert written[:4] == b"\x28\xb5\x2f\xfd" and unzstd(written) == CLEAN


@pytest.mark.parametrize("pack,magic", [(gzip.compress, b"\x1f\x8b"), (zstd, b"\x28\xb5\x2f\xfd")])
def test_compression_told_by_magic_bytes_whatever_the_name(tmp_path, pack, magic):
    """A file named .jsonl holding compressed bytes is read, and its clean copy (same
    name) is compressed the same way, so name and content still agree with the input's."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_bytes(pack(PLAIN))
    (tmp_path / "in" / "b.txt").write_bytes(pack(article(P[7], P[8]).encode()))
    assert [s.compression for s in discover([str(tmp_path / "in")])] == [("gzip" if magic == b"\x1f\x8b" else "zstd")] * 2
    run = invoke("scan", tmp_path / "in", "--out", tmp_path / "out", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    for name, want in (("a.jsonl", CLEAN), ("b.txt", article(P[7], P[8]).encode())):
        written = (tmp_path / "out" / name).read_bytes()
        assert written.startswith(magic)
        assert (gzip.decompress(written) if magic == b"\x1f\x8b" else unzstd(written)) == want


@pytest.mark.parametrize("pack", [gzip.compress, zstd], ids=["gzip", "zstd"])
@pytest.mark.parametrize("fmt", [[], ["--format", "jsonl"]], ids=["sniffed", "jsonl"])
def test_compressed_standard_input(pack, fmt):
    run = invoke("scan", "-", "--out", "-", "-q", *fmt, input=pack(PLAIN))
    assert run.exit_code == EXIT_OK, run.stderr
    assert run.stdout_bytes == CLEAN


def test_compressed_standard_input_into_a_folder_is_written_plain(tmp_path):
    run = invoke("scan", "-", "--out", tmp_path / "out", "-q", input=gzip.compress(PLAIN))
    assert run.exit_code == EXIT_OK, run.stderr
    assert (tmp_path / "out" / "stdin.jsonl").read_bytes() == CLEAN  # the name says plain JSONL


def test_compressed_text_on_standard_input():
    text = article(P[2], P[3], curly(P[3])).encode()
    run = invoke("scan", "-", "--out", "-", "-q", input=zstd(text))
    assert run.exit_code == EXIT_OK, run.stderr
    assert json.loads(run.stdout) == {"id": "stdin.txt", "text": article(P[2], P[3])}


def test_concatenated_zstd_frames_are_one_stream(tmp_path):
    half = len(RECORDS[0]["text"])  # cut inside the first record: frames need not end at lines
    (tmp_path / "a.jsonl.zst").write_bytes(zstd(PLAIN[:half]) + zstd(PLAIN[half:]))
    run = invoke("scan", tmp_path / "a.jsonl.zst", "--out", "-", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    assert run.stdout_bytes == CLEAN


def test_broken_zstd_is_skipped(tmp_path):
    data = zstd(PLAIN * 20)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "cut.jsonl.zst").write_bytes(data[: len(data) // 2])
    (tmp_path / "in" / "ok.txt").write_text(article(P[2]))
    run = invoke("scan", tmp_path / "in", "--out", tmp_path / "out")
    assert run.exit_code == EXIT_SKIPPED
    assert f"skipped {tmp_path / 'in' / 'cut.jsonl.zst'}: broken zstd data" in run.stderr
    assert not (tmp_path / "out" / "cut.jsonl.zst").exists()


def test_zstd_bomb_is_bounded(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bomb.txt.zst").write_bytes(zstd(b"a\n" * (8 << 20)))  # 16 MiB in a few hundred bytes
    (tmp_path / "in" / "ok.txt").write_text(article(P[2]))
    run = invoke("scan", tmp_path / "in", "--max-input-size", "1M", "--out", tmp_path / "out")
    assert run.exit_code == EXIT_SKIPPED
    assert f"skipped {tmp_path / 'in' / 'bomb.txt.zst'}: decompresses to more than 1 MiB (--max-input-size); refused as a possible zstd bomb" in run.stderr


def test_gzip_bomb_on_standard_input_is_bounded():
    run = invoke("scan", "-", "--max-input-size", "1M", "--out", "-", input=gzip.compress(b"a\n" * (8 << 20)))
    assert run.exit_code == EXIT_SKIPPED
    assert "skipped <stdin>: decompresses to more than 1 MiB (--max-input-size); refused as a possible gzip bomb" in run.stderr


def test_without_zstandard_the_error_names_the_extra(tmp_path, monkeypatch):
    (tmp_path / "a.jsonl.zst").write_bytes(zstd(PLAIN))
    monkeypatch.setitem(sys.modules, "zstandard", None)
    run = invoke("scan", tmp_path / "a.jsonl.zst", "--out", tmp_path / "out")
    assert run.exit_code == EXIT_USAGE
    assert f"error: {tmp_path / 'a.jsonl.zst'}: zstd-compressed; reading it needs the zstandard package: pip install 'dedup[zstd]'" in run.stderr
    run = invoke("scan", "-", "--out", "-", input=zstd(PLAIN))
    assert run.exit_code == EXIT_USAGE and "<stdin>: zstd-compressed; reading it needs" in run.stderr


def test_zstd_output_is_deterministic(tmp_path):
    (tmp_path / "a.jsonl.zst").write_bytes(zstd(PLAIN))
    scan_paths([str(tmp_path / "a.jsonl.zst")], tmp_path / "o1", jobs=1)
    scan_paths([str(tmp_path / "a.jsonl.zst")], tmp_path / "o2", jobs=2)
    assert (tmp_path / "o1" / "a.jsonl.zst").read_bytes() == (tmp_path / "o2" / "a.jsonl.zst").read_bytes()
