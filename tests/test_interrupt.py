"""Crash and interrupt safety of `dedup scan --out DIR`.

A forked child running `dedup` is killed (SIGKILL) or interrupted (SIGINT, as Ctrl-C) at
chosen moments: while reading, while scanning, halfway through writing a staged
file, between the two renames that swap the new output in, and before the old
output is removed. Afterwards DIR must hold the previous complete output or none,
never a partial one; a re-run must give output byte-identical to an undisturbed run.
The moments are hit exactly by patching the child's functions to signal
themselves; a last test also kills an unpatched run at a few points in time.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, cli

from dedup.errors import OutputError

WORDS = "budget harbour bridge council voted against plan minister said growth rain snow north hills data".split()


def make_corpus(folder: Path, n_articles: int, seed: int) -> Path:
    """Articles of random sentences, a third of them sharing a paragraph with another."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    shared = [" ".join(rng.choices(WORDS, k=30)) for _ in range(5)]
    for k in range(n_articles):
        paras = [" ".join(rng.choices(WORDS, k=rng.randint(10, 40))) for _ in range(rng.randint(1, 6))]
        if k % 3 == 0:
            paras.insert(rng.randint(0, len(paras)), rng.choice(shared))
        (folder / f"a{k:04d}.txt").write_text("\n\n".join(paras) + "\n")
    return folder


def snapshot(folder: Path) -> dict[str, bytes] | None:
    if not folder.exists():
        return None
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _patch(moment: str, sig: int) -> None:
    """In the child: make the chosen moment signal this very process."""
    import dedup.io.readers as readers
    import dedup.io.writers as writers
    import dedup.pipeline as scan_module


    die = lambda: os.kill(os.getpid(), sig)  # noqa: E731
    calls = {"n": 0}

    def nth(fn, n):
        def wrapper(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == n:
                die()
            return fn(*args, **kwargs)

        return wrapper

    if moment == "reading":
        readers._read_bytes = nth(readers._read_bytes, 3)  # the third input file
    elif moment == "scanning":
        scan_module.find_pairs = nth(scan_module.find_pairs, 1)
    elif moment == "half-written-file":
        real_write = writers._write_lines  # output files are streamed line by line

        def half(path, lines, gz, mode=0o666):
            calls["n"] += 1
            if calls["n"] == 3:
                data = b"".join(lines)
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "xb") as f:
                    f.write(data[: len(data) // 2])
                die()
            real_write(path, lines, gz, mode)

        writers._write_lines = half
    elif moment == "between-renames":
        os.rename = nth(os.rename, 2)  # 1: old output set aside; 2: new output into place
    elif moment == "before-old-removed":
        shutil.rmtree = nth(shutil.rmtree, 1)


MOMENTS = ["reading", "scanning", "half-written-file", "between-renames", "before-old-removed"]


def run_child(moment: str, sig: str, *args: str, log: Path) -> tuple[int, str]:
    """Fork (no start-up cost), patch, run `dedup ARGS`; (exit code, negative if signalled; stderr)."""
    from dedup import cli as cli_module

    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        code = 99
        try:
            sys.stderr = open(log, "w")
            _patch(moment, getattr(signal, sig))
            sys.argv = ["dedup", *args]
            cli_module.main()
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), log.read_text()


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    """Two versions of a corpus, and the undisturbed output of each (the references)."""
    base = tmp_path_factory.mktemp("corpora")
    old = make_corpus(base / "old", 12, seed=1)
    new = make_corpus(base / "new", 12, seed=2)
    refs = {}
    for name, folder in (("old", old), ("new", new)):
        r = cli("scan", str(folder), "--out", str(base / f"ref-{name}"), "-q")
        assert r.exit_code == 0, r.stderr
        refs[name] = snapshot(base / f"ref-{name}")
    assert refs["old"] != refs["new"]
    return old, new, refs


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGINT", "SIGTERM"])  # SIGTERM: exit 143 and a traceback-free
@pytest.mark.parametrize("moment", MOMENTS)                       # message (it failed on the code before)
def test_interrupted_run_leaves_previous_output_and_rerun_is_identical(tmp_path, corpora, moment, sig):
    old, new, refs = corpora
    out = tmp_path / "out"
    assert cli("scan", str(old), "--out", str(out), "-q").exit_code == 0  # the previous output
    assert snapshot(out) == refs["old"]

    code, stderr = run_child(moment, sig, "scan", str(new), "--out", str(out), "-q", log=tmp_path / "log")
    if sig == "SIGKILL":
        assert code == -signal.SIGKILL, stderr
    else:
        word, expected = ("terminated", 143) if sig == "SIGTERM" else ("interrupted", 130)
        assert code == expected, stderr
        assert f"{word}: nothing partial was written" in stderr and "Traceback" not in stderr

    state = snapshot(out)
    if moment == "before-old-removed":
        assert state == refs["new"]  # the swap had happened: the new output is complete
    elif sig == "SIGKILL" and moment == "between-renames":
        assert state is None  # killed between the renames: none, the previous is kept aside
    else:
        assert state == refs["old"], f"{moment}/{sig}: DIR is neither the previous output nor absent"

    r = cli("scan", str(new), "--out", str(out), "-q")
    assert r.exit_code == 0, r.stderr
    assert snapshot(out) == refs["new"]
    assert leftovers(out) == [], "staging or old folders left behind after a complete run"


def test_killed_first_run_leaves_no_output(tmp_path, corpora):
    _, new, refs = corpora
    out = tmp_path / "out"
    code, _ = run_child("half-written-file", "SIGKILL", "scan", str(new), "--out", str(out), "-q", log=tmp_path / "log")
    assert code == -signal.SIGKILL
    assert not out.exists()
    assert cli("scan", str(new), "--out", str(out), "-q").exit_code == 0
    assert snapshot(out) == refs["new"] and leftovers(out) == []


def test_killed_mid_swap_previous_output_comes_back(tmp_path, corpora):
    """After a kill between the renames, the next run restores the previous output
    before it starts, so a failing next run still leaves the previous one."""
    old, new, refs = corpora
    out = tmp_path / "out"
    assert cli("scan", str(old), "--out", str(out), "-q").exit_code == 0
    run_child("between-renames", "SIGKILL", "scan", str(new), "--out", str(out), "-q", log=tmp_path / "log")
    assert not out.exists()
    r = cli("scan", str(new), "--out", str(out), "--threshold", "7")  # refused: bad option value
    assert r.exit_code == 2
    assert not out.exists()  # refused before touching anything
    r = cli("scan", str(old), "--out", str(out), "-q")
    assert r.exit_code == 0 and snapshot(out) == refs["old"] and leftovers(out) == []


def test_sigkill_at_arbitrary_times(tmp_path):
    """Unpatched `dedup` processes killed at fractions of an undisturbed run's time:
    whatever the moment, DIR is the previous or the new output, whole, or absent."""
    old = make_corpus(tmp_path / "old", 40, seed=3)
    new = make_corpus(tmp_path / "new", 40, seed=4)
    out, ref = tmp_path / "out", tmp_path / "ref"
    assert cli("scan", str(old), "--out", str(out), "-q").exit_code == 0
    previous = snapshot(out)
    command = [sys.executable, "-m", "dedup", "scan", str(new), "--out", str(ref), "-q"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    whole_run = time.monotonic() - started
    expected = snapshot(ref)
    command[command.index(str(ref))] = str(out)
    for fraction in (0.7, 0.95):
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(fraction * whole_run)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        state = snapshot(out)
        assert state in (previous, expected, None), f"partial output after a kill at {fraction:.0%} of a run"
        r = cli("scan", str(old), "--out", str(out), "-q")  # back to the previous output
        assert r.exit_code == 0 and snapshot(out) == previous and leftovers(out) == []
    assert cli("scan", str(new), "--out", str(out), "-q").exit_code == 0
    assert snapshot(out) == expected


# --- clusters.jsonl written by a forked child beside the clean files (writers._beside)


def _scanned():
    from dedup import Config, scan
    from dedup.io.readers import DocumentStream, ReadOptions, discover

    stream = DocumentStream(discover([str(ROOT / "samples")], ReadOptions()))
    return scan(stream, Config()), stream.read


@pytest.mark.parametrize(
    "error, message",
    [
        (lambda: OutputError("cannot write clusters.jsonl: quota exceeded"), "quota exceeded"),
        (lambda: OSError(errno.ENOSPC, "No space left on device"), r"cannot write .*clusters\.jsonl: No space left on device"),
    ],
    ids=["output-error", "disk-full"],
)
def test_a_failure_in_the_forked_writer_is_raised_and_nothing_is_written(tmp_path, monkeypatch, error, message):
    """The child's failure comes back as OutputError naming the file; no output, no staging folder."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork here: clusters.jsonl is written in this process")
    from dedup.io import writers

    result, read = _scanned()

    def broken(_result, _part=None, _text=None):  # fails in the child, and in this process if it takes a block
        yield b"{}\n"
        raise error()

    monkeypatch.setattr(writers, "cluster_lines", broken)  # the child inherits it
    with pytest.raises(OutputError, match=message):
        writers.write_out_dir(result, read, tmp_path / "out", text_field="text", omit_duplicates=False, parallel=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_failure_beside_the_forked_writer_stops_it_at_once(tmp_path, monkeypatch):
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    from dedup.io import writers

    result, read = _scanned()

    def slow(_result, _part=None, _text=None):
        yield b"{}\n"
        time.sleep(60)  # the child would sit here: the parent must not wait for it

    def failing(*_args, **_kwargs):
        raise OutputError("cannot write out/a.txt: Permission denied")

    monkeypatch.setattr(writers, "cluster_lines", slow)
    monkeypatch.setattr(writers, "_clean_file_lines", failing)
    started = time.monotonic()
    with pytest.raises(OutputError, match="Permission denied"):
        writers.write_out_dir(result, read, tmp_path / "out", text_field="text", omit_duplicates=False, parallel=True)
    assert time.monotonic() - started < 30, "the child was killed, not waited for"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


_ORPHAN = """
import os, signal, sys, time
from pathlib import Path
from dedup.io import writers

def work():
    Path(sys.argv[1]).write_text(str(os.getpid()))
    time.sleep(60)

with writers._beside(Path(sys.argv[1]), work, parallel=True):
    while not Path(sys.argv[1]).exists():
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_forked_writer_dies_with_its_parent(tmp_path):
    # Fails on the code before: the forked clusters.jsonl writer went on for its whole
    # run after its parent was killed with SIGKILL.
    pidfile = tmp_path / "child.pid"
    r = subprocess.run([sys.executable, "-c", _ORPHAN, str(pidfile)], env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert r.returncode == -signal.SIGKILL
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child), "the forked writer outlived its parent"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][:1] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False
