"""Output safety faults of issue 18: what `dedup scan` may touch beside and instead of
its outputs (other outputs' staging folders, links, FIFOs and devices, a live run's
output, folders that are not dedup outputs)."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT, cli

ARTICLE = (
    "The committee met on Tuesday to discuss the annual budget and the new harbour bridge plans.\n\n"
    "Rain is expected over the northern hills tonight, with snow above a thousand metres by morning.\n"
)


def corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


# --- 1. an --out name with glob characters ----------------------------------------


def test_out_name_with_glob_characters_leaves_other_outputs_leftovers_alone(tmp_path):
    # `.out[1].dedup-tmp-*` as a glob matches `.out1.dedup-tmp-...`: another output's
    # staging folder and its pending restore must survive a scan with --out 'out[1]'.
    for other in ("out1", "outx", "out"):
        for kind in ("tmp", "old"):
            leftover = tmp_path / f".{other}.dedup-{kind}-abcd1234"
            leftover.mkdir()
            (leftover / "clusters.jsonl").write_text("theirs\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    for name in ("out[1]", "out?", "out*", "out[!a]"):
        r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(tmp_path / name), "-q")
        assert r.exit_code == 0, r.stderr
        assert (tmp_path / name / "a.txt").read_text(encoding="utf-8") == ARTICLE
    after = sorted(p.name for p in tmp_path.iterdir())
    assert [n for n in before if n not in after] == []
    for other in ("out1", "outx", "out"):
        for kind in ("tmp", "old"):
            assert (tmp_path / f".{other}.dedup-{kind}-abcd1234" / "clusters.jsonl").read_text() == "theirs\n"


def test_own_leftovers_of_a_glob_named_out_are_still_cleaned(tmp_path):
    name = "out[1]"
    stale = tmp_path / f".{name}.dedup-tmp-abcd1234"
    stale.mkdir()
    old = tmp_path / f".{name}.dedup-old-abcd1234"
    old.mkdir()
    (old / "clusters.jsonl").write_text("")
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(tmp_path / name), "-q")
    assert r.exit_code == 0, r.stderr
    assert not stale.exists() and not old.exists()
    assert (tmp_path / name / "a.txt").exists()


# --- 2. --stats, --report, --clusters over links, FIFOs and devices ----------------


def read_fifo_in_thread(fifo: Path):
    """A thread reading `fifo` to its end; returns (thread, chunks, keep). `keep` is a
    write end held open so that the reader's open never blocks for ever; close it
    once the writer is done and the reader sees end of file."""
    keep = os.open(fifo, os.O_RDWR)
    chunks: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            chunks.append(f.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, chunks, keep


def finish_fifo(thread, chunks, keep) -> bytes:
    os.close(keep)
    thread.join(10)
    assert not thread.is_alive()
    return b"".join(chunks)


@pytest.mark.parametrize("option", ["--stats", "--report", "--clusters"])
def test_output_file_that_is_a_fifo_is_written_into(tmp_path, option):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (corpus(tmp_path / "in") / "b.txt").write_text(ARTICLE, encoding="utf-8")
    reader = read_fifo_in_thread(fifo)
    out = "-" if option == "--clusters" else str(tmp_path / "out")
    r = cli("scan", str(tmp_path / "in"), "--out", out, option, str(fifo), "-q")
    data = finish_fifo(*reader)
    assert r.exit_code == 0, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced"
    if option == "--stats":
        assert json.loads(data)["documents"] == 2
    elif option == "--report":
        assert data.startswith(b"<!DOCTYPE html>") or b"<html" in data[:200]
    else:
        assert [json.loads(line)["size"] for line in data.splitlines()] == [2, 2]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".fifo")] == []


def test_report_command_writes_into_a_fifo(tmp_path):
    src = tmp_path / "in"
    corpus(src)
    (src / "b.txt").write_text(ARTICLE, encoding="utf-8")
    assert cli("scan", str(src), "--out", str(tmp_path / "out"), "-q").exit_code == 0
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    reader = read_fifo_in_thread(fifo)
    r = cli("report", str(tmp_path / "out" / "clusters.jsonl"), "--out", str(fifo))
    data = finish_fifo(*reader)
    assert r.exit_code == 0, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and b"<html" in data


@pytest.mark.parametrize("option", ["--stats", "--report", "--clusters"])
def test_output_file_that_is_a_symlink_is_refused(tmp_path, option):
    target = tmp_path / "target.txt"
    target.write_text("precious\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    out = "-" if option == "--clusters" else str(tmp_path / "out")
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", out, option, str(link), "-q")
    assert r.exit_code == 2, r.stderr
    assert f"{option} {link} is a symbolic link" in r.stderr
    assert link.is_symlink() and target.read_text() == "precious\n"
    assert not (tmp_path / "out").exists()


def test_report_command_refuses_a_symlink(tmp_path):
    corpus(tmp_path / "in")
    assert cli("scan", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q").exit_code == 0
    (tmp_path / "target.html").write_text("precious\n")
    (tmp_path / "link.html").symlink_to(tmp_path / "target.html")
    r = cli("report", str(tmp_path / "out" / "clusters.jsonl"), "--out", str(tmp_path / "link.html"))
    assert r.exit_code == 2 and "is a symbolic link" in r.stderr
    assert (tmp_path / "link.html").is_symlink() and (tmp_path / "target.html").read_text() == "precious\n"


def test_symlink_to_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "link").symlink_to(fifo)
    reader = read_fifo_in_thread(fifo)
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(tmp_path / "out"), "--stats", str(tmp_path / "link"), "-q")
    data = finish_fifo(*reader)
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "link").is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(data)["documents"] == 1


def make_null_device(path: Path) -> Path:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is on Linux
    except (OSError, AttributeError) as e:
        pytest.skip(f"cannot make a device node here: {e}")
    return path


@pytest.mark.parametrize("option", ["--stats", "--report"])
def test_output_file_that_is_a_device_node_stays_one(tmp_path, option):
    null = make_null_device(tmp_path / "null")
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(tmp_path / "out"), option, str(null), "-q")
    assert r.exit_code == 0, r.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode), "the device node was replaced"


def test_dev_null_as_stats_stays_a_device(tmp_path):
    # Never run this against a dedup that renames over its targets: as root it replaces /dev/null.
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(tmp_path / "out"), "--stats", "/dev/null", "--report", "/dev/null", "-q")
    assert r.exit_code == 0, r.stderr
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_stats_dash_goes_to_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(tmp_path / "out"), "--stats", "-", "-q")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout_bytes)["documents"] == 1
    assert not (tmp_path / "-").exists()
    assert (tmp_path / "out" / "a.txt").exists()


def test_report_dash_goes_to_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(tmp_path / "out"), "--report", "-", "-q")
    assert r.exit_code == 0, r.stderr
    assert b"<html" in r.stdout_bytes and not (tmp_path / "-").exists()


@pytest.mark.parametrize("option", ["--stats", "--report", "--clusters"])
def test_dash_for_a_file_and_out_dash_are_refused(tmp_path, monkeypatch, option):
    monkeypatch.chdir(tmp_path)
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", "-", option, "-", "-q")
    assert r.exit_code == 2
    assert f"{option} - and --out - would both write to standard output" in r.stderr
    assert r.stdout_bytes == b"" and not (tmp_path / "-").exists()


def test_two_files_on_stdout_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(tmp_path / "out"), "--stats", "-", "--report", "-", "-q")
    assert r.exit_code == 2 and "--stats and --report would all write to standard output" in r.stderr
    assert not (tmp_path / "out").exists()


# --- 3. two runs with the same --out at once ----------------------------------------


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_second_run_on_a_locked_out_is_refused_at_once(tmp_path):
    out = tmp_path / "out"
    assert cli("scan", str(corpus(tmp_path / "in")), "--out", str(out), "-q").exit_code == 0
    first = files_of(out)
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.txt").write_text("Something else entirely, written by nobody in particular today.\n")
    live_stage = tmp_path / ".out.dedup-tmp-abcd1234"  # the live run's staging folder
    live_stage.mkdir()
    (live_stage / "clusters.jsonl").write_text("")
    with open(tmp_path / ".out.dedup-lock", "w") as held:  # a live run holds the lock
        held.write("4242\n")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX)
        r = cli("scan", str(other), "--out", str(out), "-q")
        assert r.exit_code == 2
        assert f"error: --out {out} is being written by another dedup run (pid 4242)" in r.stderr
        assert files_of(out) == first and live_stage.is_dir()
    r = cli("scan", str(other), "--out", str(out), "-q")  # the lock is free again
    assert r.exit_code == 0, r.stderr
    assert sorted(files_of(out)) == [".dedup-output", "b.txt", "clusters.jsonl"] and not live_stage.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []


def test_run_is_refused_while_another_process_holds_out(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from dedup.io.staging import OutLock; "
         f"lock = OutLock(Path({str(out)!r})); print('locked', flush=True); sys.stdin.read(); lock.release()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(out), "-q")
        assert r.exit_code == 2
        assert f"--out {out} is being written by another dedup run (pid {holder.pid})" in r.stderr
        assert not out.exists()
    finally:
        holder.communicate("", timeout=30)
    assert holder.returncode == 0
    assert cli("scan", str(tmp_path / "in"), "--out", str(out), "-q").exit_code == 0
    assert not (tmp_path / ".out.dedup-lock").exists()


def test_a_child_forked_by_a_run_does_not_hold_its_lock(tmp_path):
    # The parallel writer is a forked child. When its parent is killed it dies too, but
    # not at once: it held the inherited --out lock meanwhile, and a rerun right after
    # the kill was refused as "being written by another dedup run" (CI, under load).
    out = tmp_path / "out"
    script = (
        "import os, sys, time; from pathlib import Path; from dedup.io.staging import OutLock\n"
        f"lock = OutLock(Path({str(out)!r}))\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    os.close(1); os.close(2); time.sleep(30); os._exit(0)\n"
        "print(child, flush=True); os._exit(0)  # the parent dies holding the lock; its child lives on\n"
    )
    parent = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    child = int(parent.stdout)
    try:
        r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(out), "-q")
        assert r.exit_code == 0, r.stderr
    finally:
        os.kill(child, signal.SIGKILL)


# --- 4. what counts as an earlier output ---------------------------------------------


def test_folder_with_a_clusters_file_but_no_marker_is_not_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "clusters.jsonl").write_text("my own notes, not dedup's\n")
    (out / "thesis.txt").write_text("keep me")
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(out), "-q")
    assert r.exit_code == 2
    assert "holds clusters.jsonl but no .dedup-output marker" in r.stderr
    assert files_of(out) == {"clusters.jsonl": b"my own notes, not dedup's\n", "thesis.txt": b"keep me"}


def test_every_output_carries_the_marker_and_is_replaced_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    assert cli("scan", str(corpus(tmp_path / "in")), "--out", str(out), "-q").exit_code == 0
    marker = json.loads((out / ".dedup-output").read_text())
    assert marker["dedup"] == "output" and marker["version"] and len(marker["fingerprint"]) == 16
    (tmp_path / "in" / "b.txt").write_text(ARTICLE, encoding="utf-8")
    r = cli("scan", str(tmp_path / "in"), "--out", str(out), "-q")
    assert r.exit_code == 0, r.stderr
    assert sorted(files_of(out)) == [".dedup-output", "a.txt", "b.txt", "clusters.jsonl"]


def test_input_named_like_the_marker_is_refused(tmp_path):
    (tmp_path / ".dedup-output").write_text(ARTICLE)
    r = cli("scan", str(tmp_path / ".dedup-output"), "--out", str(tmp_path / "out"), "-q")
    assert r.exit_code == 2 and "reserves for its marker" in r.stderr
    assert not (tmp_path / "out").exists()


# --- 5. the low list: full disks, failing side outputs, names, mounts, crafted records --


def _mounted_tmpfs(path: Path, size: str) -> None:
    """A small tmpfs at `path` (needs root and a kernel that lets this container mount)."""
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "none", str(path)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode(errors='replace').strip()}")


@pytest.fixture
def tmpfs(tmp_path):
    mounts = []

    def make(name: str, size: str) -> Path:
        _mounted_tmpfs(tmp_path / name, size)
        mounts.append(tmp_path / name)
        return tmp_path / name

    yield make
    busy = [m for m in mounts if subprocess.run(["umount", str(m)], capture_output=True).returncode != 0]
    # A scan that failed must let go of what it had open there (a spill folder's files).
    assert not busy, f"still in use after the test: {busy}"


def test_out_dash_to_a_full_disk_says_so(tmp_path):
    # Fails on the code before: a traceback (OSError: No space left on device), exit 1.
    with open("/dev/full", "wb") as full:
        r = subprocess.run([sys.executable, "-m", "dedup", "scan", str(corpus(tmp_path / "in")), "--out", "-", "-q"],
                           stdout=full, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    stderr = r.stderr.decode()
    assert r.returncode == 2, stderr
    assert "error: cannot write standard output: No space left on device; the clean records on it are incomplete" in stderr
    assert "Traceback" not in stderr


def test_a_failing_side_output_names_what_was_written(tmp_path):
    # Fails on the code before: "cannot write /dev/full" alone, after --out and --stats were written.
    out, stats = tmp_path / "out", tmp_path / "stats.json"
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(out), "--stats", str(stats), "--report", "/dev/full", "-q")
    assert r.exit_code == 2, r.stderr
    assert (f"error: cannot write /dev/full: No space left on device (written completely: --out {out}, "
            f"--stats {stats}; not written: --report)") in r.stderr
    assert (out / "a.txt").read_text(encoding="utf-8") == ARTICLE and json.loads(stats.read_text())["documents"] == 1


def test_full_spill_folder_is_a_clear_error(tmp_path, tmpfs):
    # Fails on the code before: a traceback (OSError from numpy's save), exit 1.
    spill = tmpfs("spill", "64k")
    folder = tmp_path / "in"
    folder.mkdir()
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma".split()
    for k in range(60):
        text = "\n\n".join(" ".join(words[(k * 7 + i * 3 + j) % len(words)] + str(k * 100 + i * 10 + j) for j in range(40)) for i in range(20))
        (folder / f"{k:03d}.txt").write_text(text + "\n", encoding="utf-8")
    r = cli("scan", str(folder), "--out", str(tmp_path / "out"), "--spill", str(spill), "-q")
    assert r.exit_code == 2, r.stderr
    assert f"error: cannot write to the --spill folder {spill}/dedup-spill-" in r.stderr
    assert not (tmp_path / "out").exists() and os.listdir(spill) == []


def test_out_at_a_mount_point_is_refused_clearly(tmp_path, tmpfs):
    # Fails on the code before: "cannot write DIR: Device or resource busy" from the rename.
    mnt = tmpfs("mnt", "1m")
    r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(mnt), "-q")
    assert r.exit_code == 2, r.stderr
    assert f"--out {mnt} is a mount point, which cannot be replaced" in r.stderr
    assert os.listdir(mnt) == []


def test_a_long_out_name_works(tmp_path):
    # Fails on the code before: the staging folder's name (.NAME.dedup-tmp-XXXXXXXX) passed 255 bytes.
    out, stats = tmp_path / ("o" * 250), tmp_path / ("s" * 252)
    for _ in range(2):  # the second run replaces the first
        r = cli("scan", str(corpus(tmp_path / "in")), "--out", str(out), "--stats", str(stats), "-q")
        assert r.exit_code == 0, r.stderr
    assert (out / "a.txt").read_text(encoding="utf-8") == ARTICLE and stats.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in", out.name, stats.name])


def test_index_inside_an_input_folder_is_refused(tmp_path):
    # Fails on the code before: accepted, after which every scan of the folder read the index file too.
    folder = corpus(tmp_path / "in")
    r = cli("scan", str(folder), "--out", str(tmp_path / "out"), "--index", str(folder / "archive.db"), "-q")
    assert r.exit_code == 2, r.stderr
    assert f"--index {folder / 'archive.db'} lies inside the input folder {folder}" in r.stderr
    assert sorted(os.listdir(folder)) == ["a.txt"]


_MEMBER = {"doc": "a", "span": 0, "start": 0, "end": 5, "kept": True, "reason": "kept", "jaccard": 1.0,
           "containment": 1.0, "kept_containment": 1.0, "text": "hello"}


@pytest.mark.parametrize("crafted, problem", [
    ({"size": "x"}, "'size' is not a count"),
    ({"members": [_MEMBER, {**_MEMBER, "kept": False, "containment": float("nan")}]}, "is not between 0 and 1"),
    ({"members": [_MEMBER, {**_MEMBER, "kept": False, "jaccard": -3}]}, "is not between 0 and 1"),
])
def test_crafted_cluster_records_are_refused(tmp_path, crafted, problem):
    # Fails on the code before: tracebacks (TypeError, ValueError), exit 1.
    path = tmp_path / "clusters.jsonl"
    path.write_text(json.dumps({"cluster": 0, "members": [_MEMBER, {**_MEMBER, "kept": False}], **crafted}) + "\n")
    r = cli("report", str(path), "--out", str(tmp_path / "r.html"))
    assert r.exit_code == 2, r.stderr
    assert f"{path}:1: not a dedup cluster record: " in r.stderr and problem in r.stderr
