"""dedup.run.scan_paths: the library call behind `dedup scan INPUTS --out DIR`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup import Config, OutputError
from dedup.cli import app
from dedup.run import scan_paths

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_scan_paths_writes_what_the_command_writes(tmp_path):
    run = scan_paths([str(SAMPLES)], tmp_path / "lib", Config(), stats=tmp_path / "lib.json", jobs=1)
    cli = CliRunner().invoke(app, ["scan", str(SAMPLES), "--out", str(tmp_path / "cli"), "--stats", str(tmp_path / "cli.json"), "-j", "1", "-q"])
    assert cli.exit_code == 0, cli.output
    assert _files(tmp_path / "lib") == _files(tmp_path / "cli")
    lib, cmd = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("lib", "cli"))
    for stats in (lib, cmd):
        stats.pop("seconds"), stats.pop("elapsed_seconds")
    assert lib == cmd and run.skipped == [] and run.result.stats["dropped_spans"] == lib["dropped_spans"] >= 1


def test_scan_paths_checks_outputs_before_reading(tmp_path):
    with pytest.raises(OutputError, match="inside the input folder"):
        scan_paths([str(SAMPLES)], SAMPLES / "out")


def test_index_added_while_a_child_writes_gives_the_sequential_outputs_and_index(tmp_path):
    """With --jobs 2 a forked child writes the output while this process adds the batch
    to the index (write_out_dir's `meanwhile`); with 1 one after the other: the same
    output folders and the same index, batch after batch."""
    import random

    from index_support import planted_docs, sqlite_state, write_jsonl

    docs = planted_docs(random.Random(9), 80)
    batches = [write_jsonl(tmp_path / f"b{k}.jsonl", docs[k::2]) for k in range(2)]
    states, outs = {}, {}
    for jobs in (1, 2):
        db = tmp_path / f"j{jobs}.db"
        for k, batch in enumerate(batches):
            out = tmp_path / f"out-{jobs}-{k}"
            scan_paths([str(batch)], out, index=str(db), jobs=jobs)
            outs[jobs, k] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
        states[jobs] = sqlite_state(db)
    assert all(outs[1, k] == outs[2, k] for k in range(2)) and states[1] == states[2]
    assert len(outs[2, 1]["clusters.jsonl"]) > 0 and len(states[2][2]) > 0
