"""The bad-input matrix: every case gives a clear message naming the file (and line),
the documented exit code, and no partial output.

Exit codes (dedup/cli/common.py): 2 = refused, nothing written; 3 = done, but some inputs
or records were skipped (they have no clean copy; everything else is complete).
"""

from __future__ import annotations

import gzip
import json
import os
import stat
from pathlib import Path

import pytest
from conftest import cli, run_dedup

from dedup.errors import OutputError
from dedup.io.staging import safe_join

PARA_A = "The committee met on Tuesday to discuss the annual budget and the new harbour bridge plans."
PARA_B = "Rain is expected over the northern hills tonight, with snow above a thousand metres by morning."
ARTICLE = f"{PARA_A}\n\n{PARA_B}\n"


def files_under(root: Path) -> dict[str, bytes]:
    """Every file below root (hidden ones too), by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def assert_nothing_written(out: Path) -> None:
    assert not out.exists(), f"{out} was created although the run was refused"
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    assert not leftovers, leftovers


def assert_refused(*args: str, out: Path, message: str) -> None:
    """`dedup scan ARGS --out OUT` stops with exit 2, says `message`, and writes nothing."""
    r = cli("scan", *args, "--out", str(out))
    assert r.exit_code == 2, r.stderr
    assert message in r.stderr
    assert_nothing_written(out)


def good_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


def scan_skipping(folder: Path, out: Path, *extra: str):
    """Scan a folder that holds good.txt plus one bad file; expect exit 3 and good.txt intact."""
    r = cli("scan", str(folder), "--out", str(out), "-q", *extra)
    assert r.exit_code == 3, r.stderr
    assert (out / "good.txt").read_text(encoding="utf-8") == ARTICLE
    return r


# --- paths -------------------------------------------------------------------------


def test_missing_path_is_refused(tmp_path):
    missing = tmp_path / "no-such-file.txt"
    good = good_corpus(tmp_path / "in")
    assert_refused(str(good), str(missing), out=tmp_path / "out", message=f"{missing}: no such file or directory")


def test_glob_matching_nothing_is_refused(tmp_path):
    assert_refused(str(tmp_path / "*.nothing"), out=tmp_path / "out", message="no file matches this pattern")


def test_empty_folder_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / ".hidden").write_text("not read")
    assert_refused(str(tmp_path / "in"), out=tmp_path / "out", message=f"{tmp_path / 'in'}: folder holds no files")


def test_path_with_nul_is_refused(tmp_path):
    r = cli("scan", "a\x00b.txt", "--out", str(tmp_path / "out"))
    assert r.exit_code == 2 and "cannot contain a NUL" in r.stderr


# --- permissions ----------------------------------------------------------------------
# Root reads any file whatever its mode bits, so as root the real-permission tests are
# skipped and the same failure is simulated by making the OS call fail with EACCES.

as_root = pytest.mark.skipif(os.geteuid() == 0, reason="root ignores mode bits; see the simulated twin")


def _deny(monkeypatch, module, name: str, denied: Path) -> None:
    """Make module.name(path, ...) raise EACCES for `denied`, as the kernel would."""
    real = getattr(module, name)

    def fake(path, *args, **kwargs):
        if os.fspath(path) == os.fspath(denied):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, name, fake)


def _unreadable_case(tmp_path: Path) -> tuple[Path, Path]:
    folder = good_corpus(tmp_path / "in")
    secret = folder / "secret.txt"
    secret.write_text(ARTICLE)
    return folder, secret


def _check_unreadable(r_code: int, stderr: str, secret: Path, out: Path) -> None:
    assert r_code == 3, stderr
    assert f"skipped {secret}: permission denied" in stderr
    assert sorted(files_under(out)) == [".dedup-output", "clusters.jsonl", "good.txt"]


@as_root
def test_unreadable_file_is_skipped_and_named(tmp_path):
    folder, secret = _unreadable_case(tmp_path)
    secret.chmod(0)
    r = cli("scan", str(folder), "--out", str(tmp_path / "out"), "-q")
    _check_unreadable(r.exit_code, r.stderr, secret, tmp_path / "out")


def test_unreadable_file_is_skipped_and_named_simulated(tmp_path, monkeypatch):
    folder, secret = _unreadable_case(tmp_path)
    _deny(monkeypatch, os, "open", secret)  # inputs are opened by os.open (without blocking)
    r = cli("scan", str(folder), "--out", str(tmp_path / "out"), "-q")
    _check_unreadable(r.exit_code, r.stderr, secret, tmp_path / "out")


def _unlistable_case(tmp_path: Path) -> tuple[Path, Path]:
    folder = good_corpus(tmp_path / "in")
    (folder / "locked").mkdir()
    (folder / "locked" / "a.txt").write_text(ARTICLE)
    return folder, folder / "locked"


def _check_unlistable(r_code: int, stderr: str, locked: Path, out: Path) -> None:
    # Leaving a whole subtree out silently (what os.walk does) would lose articles unseen.
    assert r_code == 2, stderr
    assert f"{locked}: cannot list this folder: permission denied" in stderr
    assert_nothing_written(out)


@as_root
def test_unlistable_subfolder_is_refused(tmp_path):
    folder, locked = _unlistable_case(tmp_path)
    locked.chmod(0)
    try:
        r = cli("scan", str(folder), "--out", str(tmp_path / "out"), "-q")
    finally:
        locked.chmod(0o755)
    _check_unlistable(r.exit_code, r.stderr, locked, tmp_path / "out")


def test_unlistable_subfolder_is_refused_simulated(tmp_path, monkeypatch):
    folder, locked = _unlistable_case(tmp_path)
    _deny(monkeypatch, os, "scandir", locked)  # what os.walk lists folders with
    r = cli("scan", str(folder), "--out", str(tmp_path / "out"), "-q")
    _check_unlistable(r.exit_code, r.stderr, locked, tmp_path / "out")


@as_root
def test_unwritable_output_location_is_a_clear_error(tmp_path):
    folder = good_corpus(tmp_path / "in")
    parent = tmp_path / "readonly"
    parent.mkdir()
    parent.chmod(0o555)
    r = cli("scan", str(folder), "--out", str(parent / "out"), "-q")
    assert r.exit_code == 2, r.stderr
    assert f"cannot write {parent}" in r.stderr and "Permission denied" in r.stderr
    assert list(parent.iterdir()) == []


# --- links, FIFOs, devices ------------------------------------------------------------


def test_folder_loop_through_symlinks_is_not_followed(tmp_path):
    folder = good_corpus(tmp_path / "in")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..")
    (folder / "sub" / "root").symlink_to(folder.resolve())
    out = tmp_path / "out"
    r = scan_skipping(folder, out)
    for link in ("up", "root"):
        assert f"skipped {folder / 'sub' / link}: symbolic link, not followed (--follow reads links inside folders)" in r.stderr
    assert sorted(files_under(out)) == [".dedup-output", "clusters.jsonl", "good.txt"]
    r = scan_skipping(folder, out, "--follow")  # followed, they lead back up: loops
    for link in ("up", "root"):
        assert f"skipped {folder / 'sub' / link}: symbolic link loop (it leads back to a folder it lies in)" in r.stderr
    assert sorted(files_under(out)) == [".dedup-output", "clusters.jsonl", "good.txt"]


def test_links_inside_folders_are_skipped_unless_followed(tmp_path):
    # Fails on the code before --follow: in/secret -> a private file outside the tree was
    # copied to the output (readable by all), the folder link was dropped without a word.
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(f"{PARA_B} The password is swordfish.\n", encoding="utf-8")
    secret.chmod(0o600)
    (tmp_path / "elsewhere" / "more.txt").write_text(f"{PARA_A} And something else entirely.\n", encoding="utf-8")
    folder = good_corpus(tmp_path / "in")
    (folder / "secret.txt").symlink_to(secret)
    (folder / "linked").symlink_to(secret.parent, target_is_directory=True)
    out = tmp_path / "out"
    r = scan_skipping(folder, out)
    for name in ("secret.txt", "linked"):
        assert f"skipped {folder / name}: symbolic link, not followed (--follow reads links inside folders)" in r.stderr
    assert sorted(files_under(out)) == [".dedup-output", "clusters.jsonl", "good.txt"]
    r = cli("scan", str(folder), "--out", str(out), "-q", "--follow")
    assert r.exit_code == 0, r.stderr
    assert sorted(files_under(out)) == [".dedup-output", "clusters.jsonl", "good.txt", "linked/more.txt", "linked/secret.txt", "secret.txt"]
    assert "swordfish" in (out / "linked" / "secret.txt").read_text(encoding="utf-8")  # read twice: the second is a copy
    # The input's permissions are kept: a private file's copy, and clusters.jsonl, which quotes it, stay private.
    assert stat.S_IMODE(os.stat(out / "secret.txt").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(out / "clusters.jsonl").st_mode) == 0o600


def test_output_files_keep_their_inputs_permissions(tmp_path):
    # Fails on the code before: every output file was 0644 whatever its input's mode.
    folder = good_corpus(tmp_path / "in")
    (folder / "private.txt").write_text(f"{PARA_A}\n\nA private note nobody else should read, kept here.\n", encoding="utf-8")
    (folder / "private.txt").chmod(0o600)
    (folder / "group.txt").write_text("Another file, readable by its group only, with a few words.\n", encoding="utf-8")
    (folder / "group.txt").chmod(0o640)
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        r = cli("scan", str(folder), "--out", str(out), "-q", "--report", str(tmp_path / "r.html"))
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.stderr
    modes = {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in [*out.iterdir(), tmp_path / "r.html"]}
    assert modes == {"good.txt": 0o644, "private.txt": 0o600, "group.txt": 0o640, "clusters.jsonl": 0o600,
                     ".dedup-output": 0o644, "r.html": 0o600}


def test_a_file_that_never_ends_cannot_hang_the_scan(tmp_path):
    # Fails on the code before: in/k.txt -> /proc/kmsg blocked the scan forever (killed
    # here by the timeout); now inputs are opened without blocking.
    if not os.path.exists("/proc/kmsg") or not os.access("/proc/kmsg", os.R_OK):
        pytest.skip("no readable /proc/kmsg here")
    folder = good_corpus(tmp_path / "in")
    (folder / "k.txt").symlink_to("/proc/kmsg")
    r = run_dedup("scan", str(folder), "--out", str(tmp_path / "out"), "-q", "--follow", timeout=60)
    assert r.returncode == 3, r.stderr
    assert f"skipped {folder / 'k.txt'}: " in r.stderr


def test_glob_through_symlink_loops_terminates(tmp_path):
    # Two `..` links make the standard library's recursive glob exponential (it hangs);
    # run in a child process so a regression fails on the timeout instead of hanging CI.
    folder = good_corpus(tmp_path / "in")
    (folder / "d").mkdir()
    (folder / "d" / "up").symlink_to("..")
    (folder / "d" / "up2").symlink_to("../..")
    out = tmp_path / "out"
    r = run_dedup("scan", str(folder / "**" / "*.txt"), "--out", str(out), "-q", timeout=60)
    assert r.returncode == 0, r.stderr
    assert sorted(files_under(out)) == [".dedup-output", "clusters.jsonl", "good.txt"]


def test_symlink_loop_inside_folder_is_skipped(tmp_path):
    folder = good_corpus(tmp_path / "in")
    (folder / "x.txt").symlink_to("y.txt")
    (folder / "y.txt").symlink_to("x.txt")
    r = scan_skipping(folder, tmp_path / "out")
    assert f"skipped {folder / 'x.txt'}: symbolic link loop" in r.stderr
    assert sorted(files_under(tmp_path / "out")) == [".dedup-output", "clusters.jsonl", "good.txt"]


def test_named_symlink_loop_is_refused(tmp_path):
    (tmp_path / "x.txt").symlink_to("y.txt")
    (tmp_path / "y.txt").symlink_to("x.txt")
    assert_refused(str(tmp_path / "x.txt"), out=tmp_path / "out", message=f"{tmp_path / 'x.txt'}: symbolic link loop")


def test_broken_symlink_named_is_refused_and_in_folder_skipped(tmp_path):
    folder = good_corpus(tmp_path / "in")
    (folder / "gone.txt").symlink_to("nowhere.txt")
    assert_refused(str(folder / "gone.txt"), out=tmp_path / "o1", message=f"{folder / 'gone.txt'}: broken symbolic link")
    r = scan_skipping(folder, tmp_path / "o2")
    assert f"skipped {folder / 'gone.txt'}: vanished, or a broken symbolic link" in r.stderr


def test_fifo_is_skipped_without_hanging(tmp_path):
    folder = good_corpus(tmp_path / "in")
    os.mkfifo(folder / "pipe.txt")  # nobody writes to it: opening it would block forever
    out = tmp_path / "out"
    r = run_dedup("scan", str(folder), "--out", str(out), "-q", timeout=60)
    assert r.returncode == 3, r.stderr
    assert f"skipped {folder / 'pipe.txt'}: not a regular file" in r.stderr
    assert sorted(files_under(out)) == [".dedup-output", "clusters.jsonl", "good.txt"]


def test_device_is_skipped(tmp_path):
    r = cli("scan", "/dev/zero", str(good_corpus(tmp_path / "in") / "good.txt"), "--out", str(tmp_path / "out"), "-q")
    assert r.exit_code == 3 and "skipped /dev/zero: not a regular file" in r.stderr
    assert sorted(files_under(tmp_path / "out")) == [".dedup-output", "clusters.jsonl", "good.txt"]


# --- encodings and binary data ----------------------------------------------------------


def test_binary_file_with_nul_at_start_is_skipped(tmp_path):
    folder = good_corpus(tmp_path / "in")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    r = scan_skipping(folder, tmp_path / "out")
    assert f"skipped {folder / 'image.txt'}: binary file (NUL byte at byte offset 8)" in r.stderr
    assert "image.txt" not in files_under(tmp_path / "out")


def test_binary_nul_beyond_first_64k_is_found(tmp_path):
    folder = good_corpus(tmp_path / "in")
    head = (ARTICLE * 2000).encode()  # ~380 KB of clean text first
    assert len(head) > 3 * 65536
    (folder / "late.txt").write_bytes(head + b"\x00tail")
    r = scan_skipping(folder, tmp_path / "out")
    assert f"skipped {folder / 'late.txt'}: binary file (NUL byte at byte offset {len(head)})" in r.stderr
    assert "late.txt" not in files_under(tmp_path / "out")


def test_invalid_utf8_is_skipped_naming_line(tmp_path):
    folder = good_corpus(tmp_path / "in")
    (folder / "latin1.txt").write_bytes("first line\nsecond line caf\u00e9\n".encode("latin-1"))
    r = scan_skipping(folder, tmp_path / "out")
    assert f"skipped {folder / 'latin1.txt'}:2: not valid UTF-8 (b'\\xe9' at byte offset 26)" in r.stderr


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_read_and_written_back_byte_exact(tmp_path, encoding):
    # Decision: UTF-16 with a BOM is supported; kept text is written back in the same
    # encoding, BOM included, byte for byte.
    folder = tmp_path / "in"
    folder.mkdir()
    unique = "\ufeffA unique note with an astral character \U0001f600 and curly \u201cquotes\u201d.\r\n\r\n"
    doubled = f"{PARA_A}\r\n\r\n{PARA_B}\r\n\r\n{PARA_A}\r\n"
    (folder / "a.txt").write_bytes((unique + doubled).encode(encoding))
    out = tmp_path / "out"
    r = cli("scan", str(folder), "--out", str(out), "-q")
    assert r.exit_code == 0, r.stderr
    expected = unique + f"{PARA_A}\r\n\r\n{PARA_B}\r\n"  # the second copy of PARA_A dropped
    assert (out / "a.txt").read_bytes() == expected.encode(encoding)
    # Nothing to drop: identical bytes.
    (folder / "a.txt").write_bytes(unique.encode(encoding))
    assert cli("scan", str(folder), "--out", str(out), "-q").exit_code == 0
    assert (out / "a.txt").read_bytes() == (folder / "a.txt").read_bytes()


def test_utf16_odd_length_is_skipped(tmp_path):
    folder = good_corpus(tmp_path / "in")
    (folder / "cut.txt").write_bytes("\ufeffhello".encode("utf-16-le") + b"\x00")
    r = scan_skipping(folder, tmp_path / "out")
    assert f"skipped {folder / 'cut.txt'}: invalid UTF-16 at byte offset 12" in r.stderr


def test_utf32_is_refused_clearly(tmp_path):
    folder = good_corpus(tmp_path / "in")
    (folder / "wide.txt").write_bytes("\ufeffhello".encode("utf-32-le"))
    r = scan_skipping(folder, tmp_path / "out")
    assert f"skipped {folder / 'wide.txt'}: UTF-32 text is not supported" in r.stderr


def test_utf8_bom_and_crlf_are_kept_byte_exact(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    data = f"\ufeff{PARA_A}\r\n\r\n{PARA_B}\r\n".encode()
    (folder / "a.txt").write_bytes(data)
    assert cli("scan", str(folder), "--out", str(tmp_path / "out"), "-q").exit_code == 0
    assert (tmp_path / "out" / "a.txt").read_bytes() == data


# --- degenerate texts -------------------------------------------------------------------


def test_empty_files_give_empty_outputs(tmp_path):
    folder = good_corpus(tmp_path / "in")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "empty.jsonl").write_bytes(b"")
    out = tmp_path / "out"
    r = cli("scan", str(folder), "--out", str(out), "-q")
    assert r.exit_code == 0, r.stderr
    got = files_under(out)
    assert got["empty.txt"] == b"" and got["empty.jsonl"] == b""


def test_whitespace_only_file_is_written_back_unchanged(tmp_path):
    folder = good_corpus(tmp_path / "in")
    blank = " \n\t\n\u00a0\u00a0\r\n\u200b\n\n".encode()
    (folder / "blank.txt").write_bytes(blank)
    out = tmp_path / "out"
    assert cli("scan", str(folder), "--out", str(out), "-q").exit_code == 0
    assert (out / "blank.txt").read_bytes() == blank


def test_very_long_single_line_round_trips(tmp_path):
    # 4 MB without a line break keeps the test quick; memory growth with the
    # length of one line is measured in test_resources.py, the 200 MB case in
    # benchmarks/pathological.py.
    folder = tmp_path / "in"
    folder.mkdir()
    words = [f"w{i % 9973}x{i % 7}" for i in range(600_000)]
    line = " ".join(words)
    assert len(line) > 4_000_000 and "\n" not in line
    (folder / "long.txt").write_text(line)
    out = tmp_path / "out"
    assert cli("scan", str(folder), "--out", str(out), "-q").exit_code == 0
    assert (out / "long.txt").read_text() == line


def test_oversized_input_is_skipped(tmp_path):
    folder = good_corpus(tmp_path / "in")
    (folder / "big.txt").write_text("x" * 5000)
    r = scan_skipping(folder, tmp_path / "out", "--max-input-size", "4K")
    assert f"skipped {folder / 'big.txt'}: larger than 4 KiB (--max-input-size)" in r.stderr


def test_bad_max_input_size_is_a_usage_error(tmp_path):
    good = good_corpus(tmp_path / "in")
    message = "--max-input-size: size must be a positive number"
    assert_refused(str(good), "--max-input-size", "lots", out=tmp_path / "out", message=message)


# --- JSONL ------------------------------------------------------------------------------


def write_jsonl(path: Path, lines: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


GOOD_RECORDS = [{"id": "r1", "text": PARA_A}, {"id": "r2", "text": PARA_B}]


def test_jsonl_broken_line_is_refused_naming_line(tmp_path):
    src = write_jsonl(tmp_path / "in" / "a.jsonl", [*GOOD_RECORDS, '{"id": "r3", "text": "unterminated'])
    message = f"{src}:3: not valid JSON (Unterminated string starting at: column 22)"
    assert_refused(str(src), out=tmp_path / "out", message=message)


def test_jsonl_broken_line_skipped_on_request(tmp_path):
    src = write_jsonl(tmp_path / "in" / "a.jsonl", [GOOD_RECORDS[0], "{not json", GOOD_RECORDS[1], "[1, 2]"])
    out = tmp_path / "out"
    r = cli("scan", str(src), "--out", str(out), "-q", "--skip-bad-records")
    assert r.exit_code == 3, r.stderr
    assert f"skipped {src}:2: not valid JSON" in r.stderr
    assert f"skipped {src}:4: a JSON list, not an object" in r.stderr
    records = [json.loads(x) for x in (out / "a.jsonl").read_text().splitlines()]
    assert records == GOOD_RECORDS


@pytest.mark.parametrize(
    "record, reason",
    [
        ({"id": "x", "body": "text in another field"}, "no 'text' field (set --text-field)"),
        ({"id": "x", "text": None}, "field 'text' is NoneType, not a string"),
        ({"id": "x", "text": 42}, "field 'text' is int, not a string"),
        ({"id": "x", "text": ["a", "list"]}, "field 'text' is list, not a string"),
        ("42", "a JSON int, not an object"),
    ],
    ids=["missing", "null", "number", "list", "not-an-object"],
)
def test_jsonl_missing_or_non_string_text_is_refused(tmp_path, record, reason):
    src = write_jsonl(tmp_path / "in" / "a.jsonl", [GOOD_RECORDS[0], record])
    assert_refused(str(src), out=tmp_path / "out", message=f"{src}:2: {reason}")


def test_jsonl_invalid_utf8_line_is_refused_naming_line(tmp_path):
    src = tmp_path / "a.jsonl"
    src.write_bytes(b'{"text": "fine"}\n{"text": "caf\xe9"}\n')
    assert_refused(str(src), out=tmp_path / "out", message=f"{src}:2: not valid UTF-8 (b'\\xe9' at byte offset 13)")


def test_jsonl_with_utf8_bom_and_crlf_is_read(tmp_path):
    src = tmp_path / "in" / "a.jsonl"
    src.parent.mkdir()
    src.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(json.dumps(r).encode() for r in GOOD_RECORDS) + b"\r\n")
    out = tmp_path / "out"
    r = cli("scan", str(src), "--out", str(out), "-q")
    assert r.exit_code == 0, r.stderr
    assert [json.loads(x) for x in (out / "a.jsonl").read_text().splitlines()] == GOOD_RECORDS


def test_duplicate_ids_are_allowed_counted_and_told_apart(tmp_path):
    # Decision: repeated ids are allowed (merged corpora have them); a warning says so,
    # --stats counts them, and clusters.jsonl tells the articles apart by source and line.
    src = write_jsonl(
        tmp_path / "in" / "a.jsonl",
        [{"id": "same", "text": ARTICLE}, {"id": "same", "text": ARTICLE}, {"id": "other", "text": "Short."}],
    )
    out, stats = tmp_path / "out", tmp_path / "stats.json"
    r = cli("scan", str(src), "--out", str(out), "-q", "--stats", str(stats))
    assert r.exit_code == 0, r.stderr
    assert "1 article id(s) used more than once, e.g. 'same'" in r.stderr
    assert json.loads(stats.read_text())["inputs"]["repeated_ids"] == 1
    clusters = [json.loads(x) for x in (out / "clusters.jsonl").read_text().splitlines()]
    members = {(m["doc"], m["line"], m["span"], m["kept"]) for c in clusters for m in c["members"]}
    assert members == {("same", 1, 0, True), ("same", 2, 0, False), ("same", 1, 1, True), ("same", 2, 1, False)}
    records = [json.loads(x) for x in (out / "a.jsonl").read_text().splitlines()]
    # All of the second copy's spans are dropped; its final line break stays (segment.removal_ranges).
    assert [r["id"] for r in records] == ["same", "same", "other"] and records[1]["text"] == "\n"


def test_deeply_nested_json_is_refused_naming_line(tmp_path):
    bomb = '{"text": "hi", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    over = '{"text": "hi", "x": ' + "[" * 200 + "]" * 200 + "}"  # depth 201 with the outer object
    src = write_jsonl(tmp_path / "in" / "a.jsonl", [GOOD_RECORDS[0], bomb, over])
    r = cli("scan", str(src), "--out", str(tmp_path / "out"), "-q", "--skip-bad-records")
    assert r.exit_code == 3, r.stderr
    assert f"skipped {src}:2: JSON nested deeper than 200 levels" in r.stderr
    assert f"skipped {src}:3: JSON nested deeper than 200 levels" in r.stderr


def test_nesting_within_the_limit_is_written_back(tmp_path):
    nested = {"text": PARA_A, "meta": json.loads("[" * 150 + "]" * 150)}
    src = write_jsonl(tmp_path / "in" / "a.jsonl", [nested])
    out = tmp_path / "out"
    assert cli("scan", str(src), "--out", str(out), "-q").exit_code == 0
    assert json.loads((out / "a.jsonl").read_text()) == nested


def test_lone_surrogate_in_jsonl_is_written_as_valid_utf8(tmp_path):
    # JSON may escape half a surrogate pair; such a string has no UTF-8 form.
    src = tmp_path / "in" / "a.jsonl"
    src.parent.mkdir()
    src.write_text('{"id": "s\\ud83d", "text": "broken \\ud83d emoji https://x.org/\\udc00y ' + PARA_A + '"}\n')
    out = tmp_path / "out"
    r = cli("scan", str(src), "--out", str(out), "-q")
    assert r.exit_code == 0, r.stderr
    raw = (out / "a.jsonl").read_bytes()
    raw.decode("utf-8")  # strict: valid UTF-8
    assert json.loads(raw) == json.loads(src.read_text())
    r = cli("scan", str(src), "--out", "-", "-q")
    assert r.exit_code == 0 and json.loads(r.stdout_bytes) == json.loads(src.read_text())


# --- gzip -------------------------------------------------------------------------------


def test_truncated_gzip_is_skipped(tmp_path):
    folder = good_corpus(tmp_path / "in")
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in GOOD_RECORDS * 50).encode())
    (folder / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    r = scan_skipping(folder, tmp_path / "out")
    assert f"skipped {folder / 'cut.jsonl.gz'}: broken gzip data" in r.stderr
    assert "cut.jsonl.gz" not in files_under(tmp_path / "out")


def test_not_gzip_data_in_gz_file_is_skipped(tmp_path):
    folder = good_corpus(tmp_path / "in")
    (folder / "fake.txt.gz").write_text("plain text, not gzip")
    r = scan_skipping(folder, tmp_path / "out")
    assert f"skipped {folder / 'fake.txt.gz'}: broken gzip data" in r.stderr


def test_gzip_bomb_is_bounded(tmp_path):
    folder = good_corpus(tmp_path / "in")
    bomb = gzip.compress(b"a\n" * (8 << 20))  # 16 MiB of text in ~16 KiB
    assert len(bomb) < 100_000
    (folder / "bomb.txt.gz").write_bytes(bomb)
    r = scan_skipping(folder, tmp_path / "out", "--max-input-size", "1M")
    assert f"skipped {folder / 'bomb.txt.gz'}: decompresses to more than 1 MiB (--max-input-size)" in r.stderr


def test_gzip_within_limit_round_trips(tmp_path):
    src = tmp_path / "in" / "a.jsonl.gz"
    src.parent.mkdir()
    src.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in GOOD_RECORDS).encode()))
    out = tmp_path / "out"
    assert cli("scan", str(src.parent), "--out", str(out), "-q").exit_code == 0
    got = gzip.decompress((out / "a.jsonl.gz").read_bytes()).decode()
    assert [json.loads(x) for x in got.splitlines()] == GOOD_RECORDS


# --- hostile ids and names: outputs always stay inside --out ------------------------------


def test_path_traversal_ids_never_leave_out(tmp_path):
    # ids are data, never file names: clean files mirror the input paths.
    hostile = ["../../etc/passwd", "/etc/passwd", "a\u0000b", "..", "C:\\windows\\system.ini", "~/.ssh/id_rsa"]
    src = write_jsonl(tmp_path / "in" / "a.jsonl", [{"id": h, "text": ARTICLE} for h in hostile])
    before = {p for p in tmp_path.parent.rglob("*")}
    out = tmp_path / "out"
    r = cli("scan", str(src), "--out", str(out), "-q", "--stats", str(tmp_path / "stats.json"))
    assert r.exit_code == 0, r.stderr
    created = {p for p in tmp_path.parent.rglob("*")} - before
    assert all(p == tmp_path / "stats.json" or out in [p, *p.parents] for p in created), created
    assert sorted(files_under(out)) == [".dedup-output", "a.jsonl", "clusters.jsonl"]
    assert [json.loads(x)["id"] for x in (out / "a.jsonl").read_text().splitlines()] == hostile


@pytest.mark.parametrize("rel", ["../x.txt", "a/../../x.txt", "/etc/passwd", "a\x00b", "", "..", "a/.."])
def test_safe_join_refuses_paths_leaving_root(tmp_path, rel):
    with pytest.raises(OutputError, match="would leave the output folder"):
        safe_join(tmp_path, rel)


def test_safe_join_accepts_nested_relative_paths(tmp_path):
    assert safe_join(tmp_path, "a/b/c.txt") == tmp_path / "a" / "b" / "c.txt"


def test_input_named_like_clusters_file_is_refused(tmp_path):
    folder = good_corpus(tmp_path / "in")
    write_jsonl(folder / "clusters.jsonl", GOOD_RECORDS)
    assert_refused(str(folder), out=tmp_path / "out", message="would be written as clusters.jsonl")


def test_file_and_folder_with_one_output_name_are_refused(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "x").write_text(ARTICLE)
    (tmp_path / "two" / "x").mkdir(parents=True)
    (tmp_path / "two" / "x" / "y.txt").write_text(ARTICLE)
    message = "needs a folder x where another input's clean copy goes"
    assert_refused(str(tmp_path / "one"), str(tmp_path / "two"), out=tmp_path / "out", message=message)


def test_stdin_and_a_file_named_stdin_are_refused(tmp_path):
    (tmp_path / "stdin.txt").write_text(ARTICLE)
    r = cli("scan", "-", str(tmp_path / "stdin.txt"), "--out", str(tmp_path / "out"), input=ARTICLE)
    assert r.exit_code == 2 and "collide with standard input" in r.stderr
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize("option", ["--stats", "--clusters"])
def test_stats_or_clusters_file_over_an_input_is_refused(tmp_path, option):
    src = good_corpus(tmp_path / "in") / "good.txt"
    r = cli("scan", str(src), "--out", "-", option, str(src))
    assert r.exit_code == 2 and f"{option} {src} would overwrite the input" in r.stderr
    assert src.read_text() == ARTICLE and r.stdout_bytes == b""


def test_out_inside_input_or_over_it_is_refused(tmp_path):
    folder = good_corpus(tmp_path / "in")
    r = cli("scan", str(folder), "--out", str(folder / "clean"))
    assert r.exit_code == 2 and "lies inside the input folder" in r.stderr
    r = cli("scan", str(folder / "good.txt"), "--out", str(folder))
    assert r.exit_code == 2 and "would overwrite or replace the input" in r.stderr
    assert files_under(folder) == {"good.txt": ARTICLE.encode()}


def test_out_where_a_recursive_glob_would_read_it_is_refused(tmp_path):
    folder = good_corpus(tmp_path / "data")
    r = cli("scan", str(folder / "**" / "*.txt"), "--out", str(folder / "clean"))
    assert r.exit_code == 2 and f"lies where the pattern {folder / '**' / '*.txt'} would read it next time" in r.stderr
    assert_nothing_written(folder / "clean")
    # A flat pattern cannot reach into data/clean/: allowed.
    r = cli("scan", str(folder / "*.txt"), "--out", str(folder / "clean"), "-q")
    assert r.exit_code == 0, r.stderr
    r = cli("scan", str(folder / "*.txt"), "--out", "-", "--stats", str(folder / "stats.txt"))
    assert r.exit_code == 2 and "--stats" in r.stderr and not (folder / "stats.txt").exists()


def test_binary_on_stdin_is_skipped(tmp_path):
    r = cli("scan", "-", "--out", str(tmp_path / "out"), "-q", input=b"\x00\x01binary")
    assert r.exit_code == 3 and "skipped <stdin>: binary file" in r.stderr
    assert sorted(files_under(tmp_path / "out")) == [".dedup-output", "clusters.jsonl"]


@pytest.mark.parametrize("out", [".", "..", "/"])
def test_out_that_names_no_folder_is_refused(tmp_path, out):
    r = cli("scan", str(good_corpus(tmp_path / "in")), "--out", out)
    assert r.exit_code == 2 and "does not name a folder" in r.stderr


def test_out_that_is_a_symlink_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    r = cli("scan", str(good_corpus(tmp_path / "in")), "--out", str(tmp_path / "link"))
    assert r.exit_code == 2 and "is a symbolic link" in r.stderr
    assert list((tmp_path / "real").iterdir()) == []


def test_non_empty_foreign_folder_is_not_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    r = cli("scan", str(good_corpus(tmp_path / "in")), "--out", str(out))
    assert r.exit_code == 2 and "not a dedup output" in r.stderr
    assert files_under(out) == {"notes.txt": b"keep me"}


def test_markup_and_terminal_escapes_in_names_are_shown_literally(tmp_path):
    # Rich markup in a name used to crash the error printer (MarkupError); control
    # characters must not reach the terminal raw.
    name = tmp_path / "[/bold][red]x\x1b[2J\u202e.txt"
    r = cli("scan", str(name), "--out", str(tmp_path / "out"))
    assert r.exit_code == 2
    # The name holds '[' and does not exist, so it is taken as a glob pattern.
    assert "[/bold][red]x\\x1b[2J\\u202e.txt: no file matches this pattern" in r.stderr
    assert "\x1b" not in r.stderr and "\u202e" not in r.stderr


def test_every_failure_is_reported_without_traceback(tmp_path):
    # One run per refusal above already asserts its message; this guards the
    # catch-all: an OSError on the way out is an error message, not a traceback.
    folder = good_corpus(tmp_path / "in")
    blocker = tmp_path / "file"
    blocker.write_text("a file where the output's parent folder should be")
    r = cli("scan", str(folder), "--out", str(blocker / "out"))
    assert r.exit_code == 2, r.stderr
    assert "cannot write" in r.stderr and str(blocker) in r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_device_as_stdin_name_is_a_regular_skip(tmp_path):
    # `/dev/stdin` is a link to a pipe or terminal: skipped like any FIFO (use `-`).
    r = run_dedup("scan", "/dev/stdin", "--out", str(tmp_path / "out"), "-q", input=b"text", timeout=60)
    assert r.returncode == 3 and "not a regular file" in r.stderr


def test_mode_bits_of_output_follow_umask(tmp_path):
    out = tmp_path / "out"
    assert cli("scan", str(good_corpus(tmp_path / "in")), "--out", str(out), "-q").exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask


def test_a_file_read_at_its_size_still_gets_what_came_after_and_stays_limited():
    """readers._read_limited reads a regular file's st_size bytes at once; a file that grew
    since is read to its end, and one that grew past --max-input-size is refused."""
    import io

    from dedup.io import readers

    data = bytes(range(256)) * 4
    assert readers._read_limited(io.BytesIO(data), 10_000, len(data)) == data
    assert readers._read_limited(io.BytesIO(data), 10_000, 100) == data  # grew after stat
    assert readers._read_limited(io.BytesIO(data), 10_000) == data
    with pytest.raises(readers._Skip, match="larger than"):
        readers._read_limited(io.BytesIO(data), 500, 100)
    with pytest.raises(readers._Skip, match="larger than"):
        readers._read_limited(io.BytesIO(data), 500, 600)
