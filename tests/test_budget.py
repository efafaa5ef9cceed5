"""dedup.budget: the memory a scan may use (cgroup limits, available memory), the
estimate of its need, and the decision to spill on its own or stop before reading."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli
from sample_corpus import SAMPLES

import dedup.run as run_module
from dedup import budget
from dedup.errors import ResourceError
from dedup.io.readers import discover


def _own_cgroup_paths() -> dict[str, list[str]]:
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        paths["v2" if controllers == "" else controllers] = [p for p in path.split("/") if p]
    return paths


def test_limit_is_the_smallest_cgroup_limit_above_this_process(tmp_path):
    paths = _own_cgroup_paths()
    v1 = next((parts for name, parts in paths.items() if "memory" in name.split(",")), None)
    if v1 is None and "v2" not in paths:
        pytest.skip("no memory cgroup line in /proc/self/cgroup")
    if v1 is not None:
        here = tmp_path.joinpath("memory", *v1)
        here.mkdir(parents=True)
        (here / "memory.limit_in_bytes").write_text("1610612736\n")
        (tmp_path / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # v1's "no limit"
        if v1:
            (tmp_path.joinpath("memory", v1[0]) / "memory.limit_in_bytes").write_text("3221225472\n")
        assert budget.limit(str(tmp_path)) == (1610612736, "the memory cgroup's limit (memory.limit_in_bytes)")
    else:
        here = tmp_path.joinpath(*paths["v2"])
        here.mkdir(parents=True, exist_ok=True)
        (tmp_path / "cgroup.controllers").write_text("memory\n")
        (here / "memory.max").write_text("1610612736\n")
        assert budget.limit(str(tmp_path)) == (1610612736, "the memory cgroup's limit (memory.max)")


def test_without_cgroup_limits_the_available_memory_counts(tmp_path):
    cap, why = budget.limit(str(tmp_path))  # nothing under this root
    assert why == "the memory available on this machine" and cap > 0


def test_a_scan_that_would_not_fit_spills_and_one_that_could_not_is_refused(tmp_path, monkeypatch):
    sources = discover([str(SAMPLES)])
    size = budget.input_bytes(sources)
    assert size == sum(p.stat().st_size for p in SAMPLES.glob("*.txt"))
    notes = []
    fits, spilled = budget.need(size, False), budget.need(size, True)
    monkeypatch.setattr(budget, "limit", lambda: (fits, "a test limit"))
    assert budget.plan_spill(sources, None, tmp_path, notes.append) is None and notes == []
    monkeypatch.setattr(budget, "limit", lambda: (spilled, "a test limit"))
    assert budget.plan_spill(sources, None, tmp_path, notes.append) == tmp_path
    assert "their shingle sets and texts are spilled to" in notes[0] and "a test limit" in notes[0]
    monkeypatch.setattr(budget, "limit", lambda: (spilled - 1, "a test limit"))
    with pytest.raises(ResourceError, match="even with their shingle sets and texts spilled"):
        budget.plan_spill(sources, None, tmp_path, notes.append)


def test_the_command_spills_on_its_own_with_the_same_output(tmp_path, monkeypatch):
    # Fails on the code before: nothing looked at the memory limit (a 500 MB corpus under a
    # 1.5 GB cgroup was OOM-killed with no message); here a limit is set for the samples.
    assert cli("scan", str(SAMPLES), "--out", str(tmp_path / "free"), "-q").exit_code == 0
    size = budget.input_bytes(discover([str(SAMPLES)]))
    monkeypatch.setattr(budget, "limit", lambda: (budget.need(size, True), "a test limit"))
    spilled = []
    real_scan = run_module.scan

    def watched(*args, **kwargs):
        spilled.append(kwargs.get("spill"))
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(run_module, "scan", watched)
    r = cli("scan", str(SAMPLES), "--out", str(tmp_path / "tight"))
    assert r.exit_code == 0, r.stderr
    assert f"note: the inputs ({size / 1e9:.2f} GB of text) need about" in r.stderr and f"spilled to {tmp_path}" in r.stderr
    assert spilled == [tmp_path]
    files = lambda d: {p.name: p.read_bytes() for p in d.iterdir()}  # noqa: E731
    assert files(tmp_path / "tight") == files(tmp_path / "free")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["free", "tight"]  # the spill folder went too
    monkeypatch.setattr(budget, "limit", lambda: (budget.need(size, True) - 1, "a test limit"))
    r = cli("scan", str(SAMPLES), "--out", str(tmp_path / "none"), "-q")
    assert r.exit_code == 4
    assert "even with their shingle sets and texts spilled to disk, and a test limit is" in r.stderr
    assert not (tmp_path / "none").exists()
