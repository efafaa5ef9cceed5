"""What `dedup` says and where: -h, help placeholders, the summary (table on a terminal,
a plain line otherwise, --json), `-` and /dev/stdout for every output, --include/--exclude."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.cli.common import EXIT_OK, EXIT_USAGE

from sample_corpus import SAMPLES, article, paragraphs

P = paragraphs()
ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [["scan"], ["report"], ["explain"], ["index"], ["index", "add"], ["index", "stats"], ["index", "remove"]]
SUMMARY_KEYS = {"documents", "spans", "clusters", "dropped_spans", "dropped_chars", "duplicate_ratio",
                "duplicate_documents", "false_positives", "skipped", "seconds"}


def invoke(*args, input=None):
    return CliRunner().invoke(app, [str(a) for a in args], input=input)


def dedup(*args, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "dedup", *map(str, args)], env=env, **kwargs)


# --- help ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_dash_h_is_help_on_every_command(command):
    short, long = invoke(*command, "-h"), invoke(*command, "--help")
    assert short.exit_code == long.exit_code == EXIT_OK
    assert short.stdout == long.stdout and "Usage:" in short.stdout


@pytest.mark.parametrize("command", [[], *COMMANDS], ids=lambda c: " ".join(c) or "dedup")
def test_help_placeholders_are_plain(command):
    text = invoke(*command, "--help").stdout
    assert not re.search(r"\{\w+\}|<(list\[|str|int|float|path)", text), text
    if command == ["scan"]:
        assert "Usage: root scan [OPTIONS] INPUT..." in text or "scan [OPTIONS] INPUT..." in text
        assert "--out DIR|-" in text and "--cluster-text full|none|N" in text and "--include GLOB" in text


# --- the summary -----------------------------------------------------------------------


def test_plain_summary_line_when_stderr_is_not_a_terminal(tmp_path):
    run = dedup("scan", SAMPLES, "--out", tmp_path / "out", capture_output=True, text=True)
    assert run.returncode == EXIT_OK
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and "┌" not in run.stderr
    assert lines[0].startswith("dedup scan: articles 5, spans 54, clusters 1, spans dropped 1, duplicate ratio 11.5%")


def test_summary_table_on_a_terminal(tmp_path):
    main, sub = pty.openpty()
    try:
        run = dedup("scan", SAMPLES, "--out", tmp_path / "out", stdout=subprocess.DEVNULL, stderr=sub, timeout=120)
        os.close(sub)
        sub = None
        seen = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if sub is not None:
            os.close(sub)
        os.close(main)
    assert run.returncode == EXIT_OK
    text = seen.decode(errors="replace")
    assert "┌" in text and "spans dropped" in text and "dedup scan:" not in text


def test_json_summary_on_stdout(tmp_path):
    run = invoke("scan", SAMPLES, "--out", tmp_path / "out", "--json", "-q")
    assert run.exit_code == EXIT_OK and run.stderr == ""
    summary = json.loads(run.stdout)
    assert set(summary) == SUMMARY_KEYS
    stats = json.loads(invoke("scan", SAMPLES, "--out", tmp_path / "out", "--stats", "-", "-q").stdout)
    assert {k: summary[k] for k in SUMMARY_KEYS - {"false_positives", "skipped", "seconds"}} == {
        k: stats[k] for k in SUMMARY_KEYS - {"false_positives", "skipped", "seconds"}}
    assert summary["false_positives"] == stats["candidates"]["false_positives"] == 6
    with_table = invoke("scan", SAMPLES, "--out", tmp_path / "out", "--json")
    assert json.loads(with_table.stdout)["clusters"] == 1 and "dedup scan:" in with_table.stderr


def test_json_summary_of_an_index_scan(tmp_path):
    args = ["scan", SAMPLES, "--out", tmp_path / "out", "--index", tmp_path / "ix.db", "--json", "--stats", tmp_path / "s.json", "-q"]
    run = invoke(*args)
    assert run.exit_code == EXIT_OK
    stats = json.loads((tmp_path / "s.json").read_text())["index"]
    assert json.loads(run.stdout)["index"] == {k: stats[k] for k in ("batch", "rerun", "added_spans", "dropped_against_index")}
    assert json.loads(invoke(*args).stdout)["index"]["rerun"] is True


@pytest.mark.parametrize("other", [["--out", "-"], ["--stats", "-"], ["--report", "/dev/stdout"]])
def test_json_and_another_stdout_output_are_refused(tmp_path, other):
    args = ["--out", tmp_path / "out", *other] if other[0] != "--out" else other
    run = invoke("scan", SAMPLES, *args, "--json", "-q")
    assert run.exit_code == EXIT_USAGE and "would" in run.stderr and "standard output" in run.stderr
    assert run.stdout == "" and not (tmp_path / "out").exists()


# --- - and /dev/stdout for every output ------------------------------------------------


OUTPUTS = {
    "--stats": lambda data: json.loads(data)["documents"] == 5,
    "--report": lambda data: b"<html" in data[:300],
    "--clusters": lambda data: json.loads(data)["size"] == 2,
}


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
@pytest.mark.parametrize("option", OUTPUTS)
def test_stdout_outputs_into_a_file_and_a_pipe(tmp_path, option, name):
    """Standard output redirected to a regular file (where /dev/stdout links to that
    file) and to a pipe: the data arrives, nothing is renamed over anything."""
    target = tmp_path / "captured"
    with open(target, "wb") as f:
        run = dedup("scan", SAMPLES, "--out", tmp_path / "out", option, name, "-q", stdout=f, stderr=subprocess.PIPE)
    assert run.returncode == EXIT_OK, run.stderr
    assert OUTPUTS[option](target.read_bytes())
    piped = dedup("scan", SAMPLES, "--out", tmp_path / "out", option, name, "-q", capture_output=True)
    assert piped.returncode == EXIT_OK, piped.stderr
    assert OUTPUTS[option](piped.stdout)
    assert not (tmp_path / "-").exists() and os.path.islink("/dev/stdout")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["captured", "out"]


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_report_command_to_stdout(tmp_path, name):
    assert invoke("scan", SAMPLES, "--out", tmp_path / "out", "-q").exit_code == EXIT_OK
    run = dedup("report", tmp_path / "out" / "clusters.jsonl", "--out", name, capture_output=True)
    assert run.returncode == EXIT_OK, run.stderr
    assert b"<html" in run.stdout[:300] and not (tmp_path / "-").exists()


def test_clusters_into_a_fifo_with_out_dir(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE) as reader:
        run = invoke("scan", SAMPLES, "--out", tmp_path / "out", "--clusters", fifo, "-q")
        data = reader.communicate(timeout=60)[0]
    assert run.exit_code == EXIT_OK and fifo.is_fifo()
    assert data == (tmp_path / "out" / "clusters.jsonl").read_bytes()


def test_dash_out_and_dev_stdout_are_one_stream(tmp_path):
    run = invoke("scan", SAMPLES, "--out", "-", "--stats", "/dev/stdout", "-q")
    assert run.exit_code == EXIT_USAGE and "--stats - and --out - would both write to standard output" in run.stderr


# --- --include / --exclude ---------------------------------------------------------------


def folder(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub" / "deep").mkdir(parents=True)
    (root / "a.txt").write_text(article(P[0], P[1]), encoding="utf-8")
    (root / "notes.csv").write_text("id,value\n1,2\n", encoding="utf-8")
    (root / "sub" / "b.md").write_text(article(P[2]), encoding="utf-8")
    (root / "sub" / "c.txt").write_text(article(P[3], P[1]), encoding="utf-8")
    (root / "sub" / "deep" / "d.txt").write_text(article(P[4]), encoding="utf-8")
    return root


def outputs(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_include_and_exclude_globs(tmp_path):
    src = folder(tmp_path)
    run = invoke("scan", src, "--out", tmp_path / "o1", "--include", "*.txt", "-q")
    assert run.exit_code == EXIT_OK, run.stderr
    assert outputs(tmp_path / "o1") == ["a.txt", "clusters.jsonl", "sub/c.txt", "sub/deep/d.txt"]
    # the second copy of P[1] (in sub/c.txt) is dropped, as with both files alone
    assert (tmp_path / "o1" / "sub" / "c.txt").read_text(encoding="utf-8") == article(P[3])
    run = invoke("scan", src, "--out", tmp_path / "o2", "--include", "*.txt", "--include", "*.md", "--exclude", "sub/deep/**", "-q")
    assert outputs(tmp_path / "o2") == ["a.txt", "clusters.jsonl", "sub/b.md", "sub/c.txt"]
    run = invoke("scan", src, "--out", tmp_path / "o3", "--exclude", "*.csv", "--exclude", "sub/*.md", "-q")
    assert outputs(tmp_path / "o3") == ["a.txt", "clusters.jsonl", "sub/c.txt", "sub/deep/d.txt"]
    assert (tmp_path / "o1" / "clusters.jsonl").read_bytes() == (tmp_path / "o3" / "clusters.jsonl").read_bytes()


def test_include_matching_nothing_is_an_error_naming_the_folder(tmp_path):
    src = folder(tmp_path)
    run = invoke("scan", src, "--out", tmp_path / "out", "--include", "*.jsonl")
    assert run.exit_code == EXIT_USAGE and f"{src}: no file in this folder passes --include/--exclude" in run.stderr


def test_include_leaves_files_named_directly_alone(tmp_path):
    src = folder(tmp_path)
    run = invoke("scan", src / "notes.csv", src / "sub", "--out", tmp_path / "out", "--include", "*.txt", "-q")
    assert run.exit_code == EXIT_OK
    assert outputs(tmp_path / "out") == ["c.txt", "clusters.jsonl", "deep/d.txt", "notes.csv"]


# --- progress ----------------------------------------------------------------------------


def test_progress_reports_every_stage_in_order(tmp_path):
    from dedup.run import scan_paths

    events = []
    scan_paths([str(SAMPLES)], tmp_path / "out", progress=lambda *e: events.append(e))
    size = sum(p.stat().st_size for p in SAMPLES.iterdir())
    assert events[0] == ("input", size, size)
    ends = [stage for stage, done, total in events if total and done >= total and stage != "read"]
    assert ends[1:] == ["shingle", "units", "candidates_verify", "decide", "write"]
    mapped = [done for stage, done, total in events if stage == "shingle" and total == 0]
    assert mapped == sorted(mapped) and mapped[-1] == sum(len(p.read_text(encoding="utf-8")) for p in SAMPLES.iterdir())


def test_the_bar_moves_forward_to_its_end():
    import io

    from rich.console import Console
    from rich.progress import Progress

    from dedup.cli.common import STAGE_SHARES, _Bar

    for sentences, shares in STAGE_SHARES.items():
        assert sum(shares.values()) == pytest.approx(1.0), sentences
        with Progress(console=Console(file=io.StringIO())) as bar:
            tick = _Bar(bar, shares)
            seen = []
            for event in [("input", 1000, 1000), ("read", 1, 1), ("shingle", 300, 0), ("shingle", 990, 0), ("shingle", 1, 1),
                          ("units", 1, 1), ("candidates_verify", 1, 1), ("decide", 1, 1), ("write", 0, 1), ("write", 1, 1)]:
                tick(*event)
                seen.append(bar.tasks[0].completed)
        assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == bar.tasks[0].total
        assert seen[3] == pytest.approx(0.99 * shares["shingle"] * bar.tasks[0].total, abs=1)


def test_progress_bar_with_eta_on_a_terminal(tmp_path):
    # Big enough that the bar is drawn between its first and last state: 3,000 records
    # (2.2 MB) took 0.18 s on a fast day, and the bar went from 0 % straight to 100 %.
    src = tmp_path / "big.jsonl"
    with open(src, "w", encoding="utf-8") as f:
        for n in range(30000):
            f.write(json.dumps({"id": n, "text": article(P[n % len(P)], P[(n * 7) % len(P)], P[(n * 13) % len(P)])}) + "\n")
    main, sub = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    with subprocess.Popen([sys.executable, "-m", "dedup", "scan", str(src), "--out", str(tmp_path / "out")],
                          stdout=subprocess.DEVNULL, stderr=sub, env=env) as proc:
        os.close(sub)
        seen = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    os.close(main)
    assert proc.returncode == EXIT_OK
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode(errors="replace"))
    size = f"{src.stat().st_size / 1e6:.1f} MB"
    assert re.search(rf"reading +\S+ +0% {size} 0:00:\d\d eta", text), text[:2000]
    assert re.search(rf"(verifying|deciding|writing) +\S+ +[1-9]\d% {size} 0:00:\d\d eta \d:\d\d:\d\d", text), text[:2000]
    assert "articles" in text  # the summary table follows the bar
