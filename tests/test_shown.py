"""File names that are not UTF-8 (bytes names on Linux) through every output: no crash,
the real name on disk, valid UTF-8 JSON, and the name shown escaped (`\\xff`) to people."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import cli

from sample_corpus import SAMPLES

BAD = os.fsdecode(b"bad\xff.txt")  # how Python names the file b"bad\xff.txt": "bad\udcff.txt"
BINARY = os.fsdecode(b"bin\xfe.txt")


def test_shown_escapes_name_bytes_controls_and_bidi():
    from dedup.shown import SHOWN, shown

    assert shown(BAD) == "bad\\xff.txt"
    assert shown("a\x1b[31mb\u202ec\ud83d") == "a\\x1b[31mb\\u202ec\\ud83d"
    assert "é\U0001f600 ok".encode("utf-8", SHOWN) == "é\U0001f600 ok".encode()
    assert ("x" + BAD).encode("utf-8", SHOWN) == b"xbad\\xff.txt"


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for p in SAMPLES.glob("*.txt"):
        shutil.copy(p, folder / p.name)
    shutil.copy(SAMPLES / "003_15fa05f4d3cf0d4f.txt", folder / BAD)  # a copy: in clusters and the report
    (folder / BINARY).write_bytes(b"x\x00y")  # skipped: named in warnings and --stats
    return folder


def test_a_name_that_is_not_utf8_goes_through_every_output(tmp_path, corpus):
    # Fails on the code before: --report and --stats crashed with UnicodeEncodeError (exit 1)
    # after --out was written.
    out, stats, report = tmp_path / "out", tmp_path / "stats.json", tmp_path / "report.html"
    r = cli("scan", str(corpus), "--out", str(out), "--stats", str(stats), "--report", str(report), "-q")
    assert r.exit_code == 3, r.stderr
    assert f"skipped {corpus}/bin\\xfe.txt: binary file" in r.stderr
    assert b"bad\xff.txt" in os.listdir(os.fsencode(out))  # the clean copy has the real name
    assert len((out / BAD).read_bytes()) < len((corpus / BAD).read_bytes())  # and lost its copied paragraphs
    members = [m for line in (out / "clusters.jsonl").read_bytes().splitlines() for m in json.loads(line.decode("utf-8"))["members"]]
    assert {m["source"] for m in members} >= {BAD}  # \udcff in JSON: os.fsencode gives back the bytes
    assert any(BINARY in s for s in json.loads(stats.read_bytes().decode("utf-8"))["inputs"]["skipped"])
    page = report.read_bytes().decode("utf-8")
    assert "bad\\xff.txt" in page
    r = cli("report", str(out / "clusters.jsonl"), "--out", str(tmp_path / "again.html"))
    assert r.exit_code == 0, r.stderr
    assert "bad\\xff.txt" in (tmp_path / "again.html").read_bytes().decode("utf-8")


def test_a_name_that_is_not_utf8_on_stdout_and_in_explain(tmp_path, corpus):
    r = cli("scan", str(corpus), "--out", "-", "--clusters", str(tmp_path / "c.jsonl"), "-q")
    assert r.exit_code == 3, r.stderr
    ids = [json.loads(line.decode("utf-8"))["id"] for line in r.stdout_bytes.splitlines()]
    assert BAD in ids
    json.loads((tmp_path / "c.jsonl").read_bytes().splitlines()[0].decode("utf-8"))
    r = cli("explain", f"{corpus / BAD}:0", f"{corpus}/003_15fa05f4d3cf0d4f.txt:0")
    assert r.exit_code == 0, r.stderr
    assert "bad\\xff.txt:0" in r.stdout and "\udcff" not in r.stdout


def test_emoji_codes_in_names_stay_text(tmp_path):
    # Fails on the code before: the warning showed "😃" for a file named ":smiley:.txt".
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "000_c0c2d4d43d7d85ae.txt", folder / "a.txt")
    (folder / ":smiley:.txt").write_bytes(b"\x00")
    r = cli("scan", str(folder), "--out", str(tmp_path / "out"), "-q")
    assert r.exit_code == 3
    assert ":smiley:.txt: binary file" in r.stderr
