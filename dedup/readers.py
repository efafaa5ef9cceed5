"""Find and read inputs: text files, JSONL (optionally gzipped), directories, globs, stdin.

The only module besides writers.py that touches files. Inputs are opened read-only.
"""

from __future__ import annotations

import glob
import gzip
import io
import json
import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import InputError
from .records import Document

STDIN = "-"
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_MAGIC = set("*?[")
# A decompressed .gz larger than this is refused: a small bomb cannot fill memory.
MAX_DECOMPRESSED = 8 << 30


@dataclass(frozen=True)
class Source:
    """One input file. `rel` is its path under the output root; `path` is '-' for stdin."""

    path: str
    rel: str
    kind: str  # "text" or "jsonl"
    gz: bool = False

    @property
    def label(self) -> str:
        return "<stdin>" if self.path == STDIN else self.path


@dataclass(frozen=True)
class Skipped:
    """An input (or one JSONL record) left out, and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class ReadOptions:
    text_field: str = "text"
    id_field: str = "id"
    input_format: str = "auto"  # auto | text | jsonl
    skip_bad_records: bool = False


def _kind(name: str, fmt: str) -> tuple[str, bool]:
    gz = name.endswith(".gz")
    stem = name[:-3] if gz else name
    if fmt != "auto":
        return fmt, gz
    return ("jsonl" if stem.endswith(_JSONL_SUFFIXES) else "text"), gz


def _walk(root: Path) -> Iterator[Path]:
    """Files under root in sorted order; hidden entries and symlinked directories are not entered."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def discover(inputs: list[str], opts: ReadOptions = ReadOptions()) -> list[Source]:
    """Expand the inputs into sources sorted by output path.

    A directory contributes its files under their path relative to it; a file
    or a glob match its name (or its path below the glob's fixed prefix).
    Sorting makes the result independent of the order inputs were listed in.
    """
    found: dict[str, Source] = {}

    def add(path: str, rel: str) -> None:
        kind, gz = _kind(rel, opts.input_format)
        src = Source(path, Path(rel).as_posix(), kind, gz)
        other = found.get(src.rel)
        if other is not None and os.path.realpath(other.path) != os.path.realpath(path):
            raise InputError(path, f"maps to the same output path {src.rel!r} as {other.path}; pass their common folder instead")
        found[src.rel] = src

    for arg in inputs:
        if arg == STDIN:
            kind = opts.input_format if opts.input_format != "auto" else "sniff"
            found["stdin"] = Source(STDIN, "stdin", kind)
            continue
        p = Path(arg)
        if p.is_dir():
            for f in _walk(p):
                add(str(f), str(f.relative_to(p)))
        elif p.exists() or p.is_symlink():
            add(arg, p.name)
        elif _MAGIC & set(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            prefix = Path(*[part for part in _fixed_prefix(arg)]) if _fixed_prefix(arg) else Path(".")
            files = [m for m in matches if not Path(m).is_dir()]
            if not files:
                raise InputError(arg, "no file matches this pattern")
            for m in files:
                add(m, os.path.relpath(m, prefix))
        else:
            raise InputError(arg, "no such file or directory")
    return [found[k] for k in sorted(found)]


def _fixed_prefix(pattern: str) -> list[str]:
    parts = Path(pattern).parts
    fixed = []
    for part in parts[:-1]:
        if _MAGIC & set(part):
            break
        fixed.append(part)
    return fixed


def _read_bytes(src: Source, stdin: BinaryIO | None) -> bytes:
    if src.path == STDIN:
        return (stdin or _stdin()).read()
    try:
        mode = os.stat(src.path).st_mode
    except FileNotFoundError:
        raise InputError(src.label, "no such file (a broken link?)") from None
    if not stat.S_ISREG(mode):
        raise _Skip("not a regular file (FIFO, device or socket)")
    try:
        with open(src.path, "rb") as f:
            if not src.gz:
                return f.read()
            return _gunzip(f, src.label)
    except PermissionError:
        raise _Skip("permission denied") from None
    except IsADirectoryError:
        raise _Skip("is a directory") from None


def _gunzip(f: BinaryIO, label: str) -> bytes:
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=f) as gz:
            while chunk := gz.read(1 << 20):
                out.write(chunk)
                if out.tell() > MAX_DECOMPRESSED:
                    raise _Skip(f"decompresses to more than {MAX_DECOMPRESSED >> 30} GiB; refused as a possible gzip bomb")
    except (OSError, EOFError, zlib.error) as e:
        raise _Skip(f"broken gzip data ({e})") from None
    return out.getvalue()


def _stdin() -> BinaryIO:
    import sys

    return sys.stdin.buffer


class _Skip(Exception):
    """The whole input is unusable; it is skipped with this reason."""


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a text file, keeping any BOM as a character so writing back is byte-exact."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as e:
            raise _Skip(f"invalid UTF-16 at byte {e.start}") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _Skip(f"binary file (NUL byte at offset {nul})")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        raise _Skip(f"not valid UTF-8 (byte {e.start}: {data[e.start:e.start + 1]!r})") from None


def read_source(
    src: Source, opts: ReadOptions = ReadOptions(), stdin: BinaryIO | None = None
) -> tuple[list[Document], list[Skipped]]:
    """Documents of one source, and what was skipped. Raises InputError on a bad record
    unless `skip_bad_records`; an unreadable or binary file is skipped, never fatal."""
    try:
        data = _read_bytes(src, stdin)
        kind = src.kind
        if kind == "sniff":
            kind = "jsonl" if data.lstrip()[:1] == b"{" else "text"
        if kind == "text":
            text, enc = decode_text(data)
            rel = src.rel if src.path != STDIN else "stdin.txt"
            return [Document(rel, text, rel, None, None, enc)], []
        rel = src.rel if src.path != STDIN else "stdin.jsonl"
        return _read_jsonl(data, src, rel, opts)
    except _Skip as e:
        return [], [Skipped(src.label, str(e))]


def _read_jsonl(data: bytes, src: Source, rel: str, opts: ReadOptions) -> tuple[list[Document], list[Skipped]]:
    docs, skipped = [], []
    for lineno, raw in enumerate(data.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            record = _parse_record(raw, opts)
        except ValueError as e:
            if not opts.skip_bad_records:
                raise InputError(src.label, f"{e} (use --skip-bad-records to skip such lines)", lineno) from None
            skipped.append(Skipped(src.label, str(e), lineno))
            continue
        rid = record.get(opts.id_field)
        if isinstance(rid, bool) or not isinstance(rid, (str, int)):
            rid = f"{rel}:{lineno}"
        docs.append(Document(str(rid), record[opts.text_field], rel, lineno, record))
    return docs, skipped


def _parse_record(raw: bytes, opts: ReadOptions) -> dict:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ValueError(f"not valid UTF-8 (byte {e.start})") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(record, dict):
        raise ValueError(f"a JSON {type(record).__name__}, not an object")
    if opts.text_field not in record:
        raise ValueError(f"no {opts.text_field!r} field (set --text-field)")
    if not isinstance(record[opts.text_field], str):
        raise ValueError(f"field {opts.text_field!r} is {type(record[opts.text_field]).__name__}, not a string")
    return record


# dedup's own outputs, read back (for `dedup report`).

_MEMBER_FIELDS = {"doc": (str, int), "span": int, "start": int, "end": int, "kept": bool, "reason": str,
                  "jaccard": (int, float), "containment": (int, float), "kept_containment": (int, float), "text": str}


def read_cluster_records(path: str) -> list[dict]:
    """The records of a clusters.jsonl written by `dedup scan`; InputError names file and line."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (IsADirectoryError, PermissionError) as e:
        raise InputError(path, f"cannot be read ({e.strerror})") from None
    if path.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(path, f"broken gzip data ({e})") from None
    records = []
    for lineno, raw in enumerate(data.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise InputError(path, "not a JSON line; expected a clusters.jsonl written by dedup scan", lineno) from None
        problem = _cluster_problem(rec)
        if problem:
            raise InputError(path, f"not a dedup cluster record: {problem}", lineno)
        rec.setdefault("size", len(rec["members"]))
        records.append(rec)
    return records


def _cluster_problem(rec) -> str | None:
    if not isinstance(rec, dict):
        return "not a JSON object"
    if not isinstance(rec.get("cluster"), int) or not isinstance(rec.get("members"), list) or not rec["members"]:
        return "needs 'cluster' (a number) and 'members' (a non-empty list)"
    for m in rec["members"]:
        if not isinstance(m, dict):
            return "a member is not an object"
        for name, kind in _MEMBER_FIELDS.items():
            if not isinstance(m.get(name), kind) or (kind != bool and isinstance(m.get(name), bool)):
                return f"a member lacks a valid {name!r}"
    return None


def read_stats(path: str) -> dict:
    """A --stats JSON file written by `dedup scan`."""
    try:
        with open(path, "rb") as f:
            stats = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(path, f"not a JSON stats file ({e})") from None
    if not isinstance(stats, dict) or not isinstance(stats.get("parameters"), dict):
        raise InputError(path, "not a dedup stats file (no 'parameters')")
    return stats
