"""`dedup` through Typer's CliRunner: exit codes, stdout data only, stderr messages, mirrors."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup import Config
from dedup.cli.common import EXIT_OK, EXIT_SKIPPED, EXIT_USAGE
from dedup.cli import app
from dedup.io.staging import CLUSTERS, MARKER

from sample_corpus import SAMPLES, article, curly, paragraphs

P = paragraphs()
ROOT = Path(__file__).resolve().parent.parent


def invoke(*args, input=None):
    result = CliRunner().invoke(app, [str(a) for a in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def read_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


# records: r2 repeats r0's second paragraph with curly quotes; r3 is all copies
RECORDS = [
    {"id": "r0", "text": article(P[2], P[3]), "url": "https://a.example/0", "tags": ["x", "y"], "n": 0},
    {"id": "r1", "text": article(P[4], P[5]), "url": "https://b.example/1", "meta": {"lang": "en"}, "n": 1},
    {"id": "r2", "text": article(P[6], curly(P[3])), "url": None, "n": 2.5},
    {"id": "r3", "text": article(P[4], P[5]), "flag": True},
]


def expected_texts() -> dict[str, str]:
    return {"r0": article(P[2], P[3]), "r1": article(P[4], P[5]), "r2": article(P[6]), "r3": "\n"}


# --- exit codes and messages ---------------------------------------------------------


def test_ok_exit_and_summary_on_stderr(tmp_path):
    run = invoke("scan", SAMPLES, "--out", tmp_path / "out")
    assert run.exit_code == EXIT_OK
    assert run.stdout == ""
    assert "spans dropped" in run.stderr and "clusters" in run.stderr


def test_quiet_prints_nothing(tmp_path):
    run = invoke("scan", SAMPLES, "--out", tmp_path / "out", "--quiet")
    assert run.exit_code == EXIT_OK
    assert run.stdout == "" and run.stderr == ""


def test_missing_input_exit_2_names_it(tmp_path):
    missing = tmp_path / "nope.txt"
    run = invoke("scan", SAMPLES, missing, "--out", tmp_path / "out")
    assert run.exit_code == EXIT_USAGE
    assert str(missing) in run.stderr
    assert run.stdout == ""
    assert not (tmp_path / "out").exists()


def test_bad_jsonl_line_exit_2_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n" + json.dumps(RECORDS[1]) + "\n{not json\n", encoding="utf-8")
    run = invoke("scan", path, "--out", tmp_path / "out")
    assert run.exit_code == EXIT_USAGE
    assert f"{path}:3" in run.stderr and "not valid JSON" in run.stderr
    assert not (tmp_path / "out").exists()


def test_jsonl_line_without_text_field_names_file_and_line(tmp_path):
    path = jsonl(tmp_path / "a.jsonl", [RECORDS[0], {"id": "x", "body": "no text field"}])
    run = invoke("scan", path, "--out", "-")
    assert run.exit_code == EXIT_USAGE
    assert f"{path}:2" in run.stderr and "'text'" in run.stderr
    assert run.stdout == ""


def test_skip_bad_records_exit_3(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n[1, 2]\n", encoding="utf-8")
    run = invoke("scan", path, "--out", "-", "--skip-bad-records")
    assert run.exit_code == EXIT_SKIPPED
    assert [r["id"] for r in read_jsonl(run.stdout)] == ["r0"]
    assert f"{path}:2" in run.stderr


def test_out_inside_input_folder_refused(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(article(P[0]), encoding="utf-8")
    run = invoke("scan", src, "--out", src / "cleaned")
    assert run.exit_code == EXIT_USAGE
    assert "inside the input folder" in run.stderr
    assert sorted(p.name for p in src.iterdir()) == ["a.txt"]


def test_out_over_input_file_refused(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text(article(P[0]), encoding="utf-8")
    run = invoke("scan", src, "--out", src)
    assert run.exit_code == EXIT_USAGE
    assert "a.txt" in run.stderr
    assert src.read_text(encoding="utf-8") == article(P[0])


def test_out_same_as_input_folder_refused(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(article(P[0]), encoding="utf-8")
    run = invoke("scan", src, "--out", src)
    assert run.exit_code == EXIT_USAGE
    assert sorted(p.name for p in src.iterdir()) == ["a.txt"]


def test_binary_file_skipped_exit_3_with_warning(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(article(P[0], P[1]), encoding="utf-8")
    (src / "image.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    run = invoke("scan", src, "--out", tmp_path / "out", "--stats", tmp_path / "stats.json")
    assert run.exit_code == EXIT_SKIPPED
    assert "warning" in run.stderr and "image.bin" in run.stderr and "binary" in run.stderr
    assert (tmp_path / "out" / "a.txt").read_text(encoding="utf-8") == article(P[0], P[1])
    assert not (tmp_path / "out" / "image.bin").exists()
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert len(stats["inputs"]["skipped"]) == 1 and "image.bin" in stats["inputs"]["skipped"][0]


BAD_FLAGS = {
    "threshold": (["--threshold", "2"], "--threshold"),
    "ngram": (["--ngram", "0"], "--ngram"),
    "lsh-threshold": (["--lsh-threshold", "0"], "--lsh-threshold"),
    "num-perm": (["--num-perm", "0"], "--num-perm"),
    "min-tokens": (["--min-tokens", "0"], "--min-tokens"),
    "anchor-rate": (["--anchor-rate", "0"], "--anchor-rate"),
    "seed": (["--seed", "-1"], "--seed"),
    "bands-alone": (["--bands", "3"], "--bands"),
    "bands-times-rows": (["--bands", "64", "--rows", "4"], "--bands"),
}


@pytest.mark.parametrize("args,flag", BAD_FLAGS.values(), ids=BAD_FLAGS.keys())
def test_bad_option_value_exit_2_names_the_flag(args, flag):
    run = invoke("scan", SAMPLES, "--out", "-", *args)
    assert run.exit_code == EXIT_USAGE
    assert run.stderr.startswith(f"error: {flag}: ")
    assert run.stdout == ""


# --- stdin / stdout -----------------------------------------------------------------------


def test_stdin_jsonl_to_stdout_keeps_every_field():
    data = "".join(json.dumps(r) + "\n" for r in RECORDS)
    run = invoke("scan", "-", "--out", "-", input=data)
    assert run.exit_code == EXIT_OK
    out = read_jsonl(run.stdout)  # nothing but JSON lines on stdout
    assert [r["id"] for r in out] == ["r0", "r1", "r2", "r3"]
    expect = expected_texts()
    for original, cleaned in zip(RECORDS, out):
        assert cleaned == {**original, "text": expect[original["id"]]}
        assert list(cleaned) == list(original)  # field order kept too
    assert "spans dropped" in run.stderr


def test_stdout_is_data_only_with_summary_and_clusters(tmp_path):
    data = "".join(json.dumps(r) + "\n" for r in RECORDS)
    run = invoke("scan", "-", "--out", "-", "--clusters", tmp_path / "c.jsonl", input=data)
    assert run.exit_code == EXIT_OK
    assert all(line.startswith("{") for line in run.stdout.splitlines())
    assert len(run.stdout.splitlines()) == len(RECORDS)
    clusters = read_jsonl((tmp_path / "c.jsonl").read_text(encoding="utf-8"))
    assert len(clusters) == 3  # P[3] in r2, P[4] and P[5] in r3


def test_stdin_text_to_stdout():
    run = invoke("scan", "-", "--out", "-", input=article(P[0], P[1], P[0]))
    assert run.exit_code == EXIT_OK
    (record,) = read_jsonl(run.stdout)
    assert record["text"] == article(P[0], P[1])


def test_stdin_jsonl_custom_fields():
    records = [{"key": "k1", "body": article(P[7], P[8])}, {"key": "k2", "body": article(P[8])}]
    data = "".join(json.dumps(r) + "\n" for r in records)
    run = invoke("scan", "-", "--out", "-", "--text-field", "body", "--id-field", "key", "-q", input=data)
    assert run.exit_code == EXIT_OK
    assert read_jsonl(run.stdout) == [records[0], {"key": "k2", "body": "\n"}]


# --- stats, help, version ----------------------------------------------------------------


def test_stats_has_every_parameter_and_fingerprint(tmp_path):
    stats_path = tmp_path / "stats.json"
    run = invoke("scan", SAMPLES, "--out", tmp_path / "out", "--stats", stats_path, "--keep", "longest", "--ngram", "4", "-q")
    assert run.exit_code == EXIT_OK
    stats = json.loads(stats_path.read_text(encoding="utf-8"))
    config = Config(keep="longest", ngram=4)
    assert stats["parameters"] == config.params()
    assert stats["fingerprint"] == config.fingerprint
    assert stats["documents"] == 5 and stats["inputs"]["files"] == 5


def test_help_shows_example_and_whole_option_names():
    root = invoke("--help")
    assert root.exit_code == 0 and "scan" in root.stdout and "Example" in root.stdout
    sub = invoke("scan", "--help")  # CliRunner renders at 80 columns
    assert sub.exit_code == 0
    assert "Example" in sub.stdout and "dedup scan samples/ --out cleaned/" in sub.stdout
    assert "cat articles.jsonl | dedup scan - --out - > clean.jsonl" in sub.stdout
    for option in ("--out", "--keep", "--threshold", "--stats", "--text-field", "--skip-bad-records", "--omit-duplicate-docs", "--quiet"):
        assert option in sub.stdout
    assert "\u2026" not in sub.stdout  # nothing cut short with an ellipsis


def test_python_m_dedup_version():
    run = subprocess.run([sys.executable, "-m", "dedup", "--version"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0
    from dedup import __version__

    assert run.stdout.strip() == f"dedup {__version__}"


# --- mirrors ------------------------------------------------------------------------------


def test_text_folder_mirrored(tmp_path):
    src = tmp_path / "in"
    (src / "nested" / "deeper").mkdir(parents=True)
    (src / "a.txt").write_text(article(P[0], P[1]), encoding="utf-8")
    (src / "nested" / "b.txt").write_bytes(article(P[9], P[1]).replace("\n", "\r\n").encode())
    (src / "nested" / "deeper" / "c.md").write_text(article(P[10]), encoding="utf-8")
    out = tmp_path / "out"
    run = invoke("scan", src, "--out", out, "-q")
    assert run.exit_code == EXIT_OK
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted([MARKER, CLUSTERS, "a.txt", "nested/b.txt", "nested/deeper/c.md"])
    assert (out / "a.txt").read_bytes() == (src / "a.txt").read_bytes()
    assert (out / "nested" / "b.txt").read_bytes() == article(P[9]).replace("\n", "\r\n").encode()
    assert (out / "nested" / "deeper" / "c.md").read_bytes() == (src / "nested" / "deeper" / "c.md").read_bytes()


def test_jsonl_and_gz_mirrored(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    jsonl(src / "one.jsonl", RECORDS[:2])
    with gzip.open(src / "two.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("".join(json.dumps(r) + "\n" for r in RECORDS[2:]))
    out = tmp_path / "out"
    run = invoke("scan", src, "--out", out, "-q")
    assert run.exit_code == EXIT_OK
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, CLUSTERS, "one.jsonl", "two.jsonl.gz"])
    expect = expected_texts()
    one = read_jsonl((out / "one.jsonl").read_text(encoding="utf-8"))
    with gzip.open(out / "two.jsonl.gz", "rt", encoding="utf-8") as f:
        two = read_jsonl(f.read())
    assert one + two == [{**r, "text": expect[r["id"]]} for r in RECORDS]


def test_omit_duplicate_docs(tmp_path):
    src = jsonl(tmp_path / "a.jsonl", RECORDS)
    kept_all = invoke("scan", src, "--out", "-", "-q")
    omitted = invoke("scan", src, "--out", "-", "-q", "--omit-duplicate-docs")
    assert kept_all.exit_code == omitted.exit_code == EXIT_OK
    assert [r["id"] for r in read_jsonl(kept_all.stdout)] == ["r0", "r1", "r2", "r3"]
    assert [r["id"] for r in read_jsonl(omitted.stdout)] == ["r0", "r1", "r2"]


def test_omit_duplicate_docs_text_folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(article(P[0], P[1]), encoding="utf-8")
    (src / "b.txt").write_text(article(P[1], curly(P[0])), encoding="utf-8")
    run = invoke("scan", src, "--out", tmp_path / "out", "-q", "--omit-duplicate-docs")
    assert run.exit_code == EXIT_OK
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([MARKER, CLUSTERS, "a.txt"])
    run = invoke("scan", src, "--out", tmp_path / "out2", "-q")
    assert (tmp_path / "out2" / "b.txt").read_text(encoding="utf-8") == "\n"


@pytest.mark.parametrize("order", [0, 1])
def test_listing_order_does_not_change_outputs(tmp_path, order):
    files = sorted(SAMPLES.glob("*.txt"))
    listed = files if order == 0 else files[::-1]
    out = tmp_path / "out"
    run = invoke("scan", *listed, "--out", out, "-q")
    assert run.exit_code == EXIT_OK
    reference = tmp_path / "ref"
    invoke("scan", SAMPLES, "--out", reference, "-q")
    for p in reference.iterdir():
        assert (out / p.name).read_bytes() == p.read_bytes(), p.name



def test_file_names_with_brackets_shown_verbatim(tmp_path):
    binary = tmp_path / "notes[draft].txt"
    binary.write_bytes(b"\x00\x01")
    run = invoke("scan", binary, jsonl(tmp_path / "ok.jsonl", RECORDS[:1]), "--out", "-", "-q")
    assert run.exit_code == EXIT_SKIPPED
    assert "notes[draft].txt" in run.stderr
    missing = tmp_path / "missing[/i].txt"
    run = invoke("scan", missing, "--out", "-", "-q")
    assert run.exit_code == EXIT_USAGE  # not a crash in the message printer
    assert "missing[/i].txt" in run.stderr


def test_messages_never_wrapped_so_long_paths_stay_whole(tmp_path):
    deep = tmp_path / ("long-folder-name-" * 4) / "and-a-file-name-that-is-long-too.jsonl"
    deep.parent.mkdir(parents=True)
    deep.write_text(json.dumps(RECORDS[0]) + "\n{oops\n", encoding="utf-8")
    run = invoke("scan", deep, "--out", "-")
    assert run.exit_code == EXIT_USAGE
    assert len(str(deep)) > 100
    (line,) = run.stderr.splitlines()
    assert line.startswith(f"error: {deep}:2: ")
    binary = tmp_path / ("another-long-folder-name-" * 4) / "binary-file.txt"
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"\x00\x01\x02")
    run = invoke("scan", binary, jsonl(tmp_path / "ok.jsonl", RECORDS[:1]), "--out", "-", "-q")
    assert run.exit_code == EXIT_SKIPPED
    assert f"warning: skipped {binary}: binary file" in run.stderr.splitlines()[0]


def test_stats_and_output_folder_get_umask_permissions_not_private(tmp_path):
    """mkstemp/mkdtemp create 0600/0700; outputs must be readable like any file the user creates."""
    import os
    import stat

    from typer.testing import CliRunner

    from dedup.cli import app

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("one two three four five six seven eight nine ten\n")
    old = os.umask(0o022)
    try:
        res = CliRunner().invoke(app, ["scan", str(src), "--out", str(tmp_path / "out"), "--stats", str(tmp_path / "s.json"), "-q"])
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE((tmp_path / "s.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755
