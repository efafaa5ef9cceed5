"""Output safety faults of issue 18: what `dedup scan` may touch beside and instead of
its outputs (other outputs' staging folders, links, FIFOs and devices, a live run's
output, folders that are not dedup outputs)."""

from __future__ import annotations

from pathlib import Path

from conftest import cli

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
