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
