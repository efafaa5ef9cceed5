"""--engine spark on a standalone cluster of separate processes on 127.0.0.1: a master and two
workers started from pyspark's own distribution (bin/spark-class), executors on this venv's
Python. The output equals the local engine's byte for byte, also with a worker killed mid-job;
executors without dedup's dependencies are named before the job starts.

Every process started here is killed at the end (each in its own process group).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, cli
from test_spark import many_small_records, planted_records, write_corpus

pytestmark = pytest.mark.spark


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Standalone:
    """A Spark standalone master and workers, each a process group of its own."""

    def __init__(self, work: Path) -> None:
        import pyspark

        self.home = Path(pyspark.__file__).parent
        self.work = work
        self.port, self.ui = _free_port(), _free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SPARK_HOME": str(self.home), "SPARK_LOCAL_IP": "127.0.0.1",
                    "SPARK_DAEMON_MEMORY": "256m", "PYSPARK_PYTHON": sys.executable}
        self.procs: dict[str, subprocess.Popen] = {}

    def _start(self, name: str, *args: str) -> None:
        log = open(self.work / f"{name}.log", "wb")
        self.procs[name] = subprocess.Popen(
            [str(self.home / "bin" / "spark-class"), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self, workers: int = 2) -> None:
        self._start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", str(self.port), "--webui-port", str(self.ui))
        for k in range(workers):
            (self.work / f"worker{k}").mkdir()
            self._start(f"worker{k}", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                        "--memory", "1g", "--webui-port", "0", "--work-dir", str(self.work / f"worker{k}"), self.url)
        self.wait(lambda s: s.get("aliveworkers", 0) >= workers, "workers to register")

    def state(self) -> dict:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ui}/json/", timeout=5) as r:
                return json.load(r)
        except OSError:
            return {}

    def wait(self, ready, what: str, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if ready(self.state()):
                return
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited: {(self.work / f'{name}.log').read_text()[-2000:]}")
            time.sleep(0.5)
        raise TimeoutError(f"waited {timeout} s for {what}")

    def kill(self, name: str) -> None:
        """SIGKILL a process group (a worker takes its executor with it)."""
        p = self.procs[name]
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(timeout=30)

    def stop(self) -> None:
        for name in list(self.procs):
            self.kill(name)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import shutil

    if shutil.which("java") is None:
        pytest.skip("no java on PATH") if os.environ.get("CI") != "true" else pytest.fail("no java in CI")
    pytest.importorskip("pyspark")
    c = Standalone(tmp_path_factory.mktemp("standalone"))
    try:
        c.start()
        yield c
    finally:
        c.stop()


def _spark_scan(cluster: Standalone, corpus: Path, out: Path, python: str = sys.executable, **popen) -> subprocess.Popen:
    """`dedup scan --engine spark -q` in a child process whose master comes from PYSPARK_SUBMIT_ARGS
    (as under spark-submit), executors on `python`."""
    env = {**cluster.env, "PYTHONPATH": str(ROOT), "PYSPARK_PYTHON": python,
           "PYSPARK_SUBMIT_ARGS": f"--master {cluster.url} --conf spark.executor.memory=640m "
                                  "--conf spark.ui.enabled=false --driver-memory 1g pyspark-shell"}
    return subprocess.Popen(
        [sys.executable, "-m", "dedup", "scan", str(corpus), "--out", str(out), "--engine", "spark", "-q",
         "--skip-bad-records", "--stats", str(out) + ".stats.json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen,
    )


def _corpus(folder: Path) -> Path:
    write_corpus(folder, planted_records())
    (folder / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in many_small_records(600)), encoding="utf-8")
    return folder


def _local_reference(corpus: Path, out: Path) -> None:
    r = cli("scan", str(corpus), "--out", str(out), "--whole-spans", "--skip-bad-records", "-q")
    assert r.exit_code == 3, r.stderr


def _same_bytes(local: Path, spark_out: Path) -> None:
    assert (spark_out / "clusters.jsonl").read_bytes() == (local / "clusters.jsonl").read_bytes()
    import gzip

    ref = b"".join(gzip.decompress(p.read_bytes()) if p.name.endswith(".gz") else p.read_bytes()
                   for p in (local / "a.jsonl", local / "b.jsonl.gz", local / "c.jsonl"))
    assert b"".join(p.read_bytes() for p in sorted((spark_out / "clean").glob("part-*.jsonl"))) == ref


def test_standalone_cluster_same_bytes_and_survives_a_killed_worker(cluster, tmp_path):
    corpus = _corpus(tmp_path / "in")
    _local_reference(corpus, tmp_path / "local")

    run = _spark_scan(cluster, corpus, tmp_path / "spark")
    out, err = run.communicate(timeout=900)
    assert run.returncode == 3, err  # 3: the planted bad line was skipped
    _same_bytes(tmp_path / "local", tmp_path / "spark")
    stats = json.loads((tmp_path / "spark.stats.json").read_text())
    assert stats["engine"]["master"] == cluster.url  # the launcher's master, not local[*]
    assert " WARN " not in err and "log4j" not in err, err  # -q: log4j at ERROR

    # Again, one worker killed (with its executor) once connected components have checkpointed.
    run = _spark_scan(cluster, corpus, tmp_path / "killed")
    deadline = time.monotonic() + 600
    while not any(tmp_path.glob(".dedup-checkpoints-*/*/rdd-*")) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert run.poll() is None, "the job ended before a worker could be killed"
    cluster.kill("worker1")
    out, err = run.communicate(timeout=900)
    assert run.returncode == 3, err
    _same_bytes(tmp_path / "local", tmp_path / "killed")
    assert not list(tmp_path.glob(".dedup-checkpoints-*"))  # removed afterwards


def test_executors_without_dependencies_are_named_before_the_job(cluster, tmp_path):
    """Executors on a bare venv (no numpy, xxhash, ...): exit 4 and one line naming what is missing."""
    bare = tmp_path / "bare"
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(bare)], check=True)
    corpus = write_corpus(tmp_path / "in", planted_records()[:6], bad_line=False)
    run = _spark_scan(cluster, corpus, tmp_path / "out", python=str(bare / "bin" / "python"))
    out, err = run.communicate(timeout=600)
    assert run.returncode == 4, err
    said = " ".join(err.split())
    # pyspark's own worker needs numpy before the probe runs: the first missing module is named.
    assert "error: Spark failed while checking the executors' Python: ModuleNotFoundError: No module named 'numpy'" in said, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
