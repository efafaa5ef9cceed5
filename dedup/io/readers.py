"""Find and read inputs: text files, JSONL, Parquet (parquet.py), gzip or zstd
compressed (compressed.py), directories, globs, stdin, URLs (remote.py).

The only module besides writers.py that touches files. Inputs are opened read-only.
"""

from __future__ import annotations

import errno
import fnmatch
import gzip
import io
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from ..errors import ConfigError, InputError
from ..records import Document
from . import compressed, parquet, remote

try:
    import orjson as _orjson
except ImportError:  # a dependency, but the reader needs none: json parses every line then (tests set None too)
    _orjson = None

STDIN = "-"
# Output names of standard input; a file of the same name would collide with it.
STDIN_NAMES = ("stdin", "stdin.txt", "stdin.jsonl")
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_MAGIC = set("*?[")
# An input larger than this (after gzip decompression) is skipped, so a small
# gzip bomb cannot fill memory. Scanning needs several times the input in RAM.
MAX_INPUT_BYTES = 4 << 30
# JSONL records nested deeper than this are refused: the json module would hit
# Python's recursion limit somewhere near 1000, at a depth that depends on the caller.
MAX_JSON_DEPTH = 200
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Source:
    """One input file. `rel` is its path under the output root; `path` is '-' for stdin.
    `follow`: a symbolic link at `path` is read through (a path named by the user, or
    --follow); `problem`: why it cannot be read, known when it was found (a link loop)."""

    path: str  # a local path, a URL (remote.is_url) or '-'
    rel: str
    kind: str  # "text", "jsonl", "parquet" (or "sniff": standard input, not yet read)
    compression: str | None = None  # compressed.GZIP or ZSTD: read so, and the clean copy written so
    follow: bool = True
    problem: str | None = None

    @property
    def gz(self) -> bool:
        return self.compression == compressed.GZIP

    @property
    def label(self) -> str:
        return "<stdin>" if self.path == STDIN else self.path


@dataclass(frozen=True)
class Skipped:
    """An input (or one JSONL record) left out, and why."""

    path: str
    reason: str
    line: int | None = None
    whole_file: bool = True  # False: one JSONL record was skipped, the rest of the file read

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class ReadOptions:
    text_field: str = "text"
    id_field: str = "id"
    input_format: str = "auto"  # auto | text | jsonl | parquet
    skip_bad_records: bool = False
    max_bytes: int = MAX_INPUT_BYTES  # larger inputs (after decompression) are skipped
    # Globs over the files found in a folder input (see selected); files named directly are always read.
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    follow_links: bool = False  # read symbolic links found inside folders and globs (--follow)

    def __post_init__(self) -> None:
        if isinstance(self.max_bytes, bool) or not isinstance(self.max_bytes, int) or self.max_bytes < 1:
            raise ConfigError(f"max_bytes must be an integer >= 1, got {self.max_bytes!r}", "max_input_size")


_SIZE = re.compile(r"\s*(\d+)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes in '4G', '512M', '1000' (powers of 1024)."""
    m = _SIZE.fullmatch(text)
    if not m or int(m.group(1)) < 1:
        raise ConfigError(f"size must be a positive number with an optional K, M, G or T suffix, got {text!r}", "max_input_size")
    return int(m.group(1)) << (10 * " kmgt".index(m.group(2).lower() or " "))


def input_kind(name: str, fmt: str) -> tuple[str, str | None]:
    """(kind, compression) that a file's name says, under --format `fmt`."""
    stem, compression = compressed.by_name(name)
    if fmt != "auto":
        return fmt, compression
    if stem.endswith(parquet.SUFFIX) and compression is None:
        return "parquet", None
    return ("jsonl" if stem.endswith(_JSONL_SUFFIXES) else "text"), compression


def _sniffed(path: str, kind: str, compression: str | None, fmt: str, follow: bool = True) -> tuple[str, str | None]:
    """(kind, compression) of a file whose name says neither compression nor Parquet,
    from its magic numbers: gzip's and zstd's first bytes, or PAR1 at both ends
    (Parquet; with --format auto). Left as the name says when the file cannot be read
    (reading it later says why), is not a regular file (a FIFO is never opened here)
    or is a symbolic link not to be followed (`follow`)."""
    if compression is not None or kind == "parquet" or (not follow and os.path.islink(path)):
        return kind, compression
    n = compressed.HEAD
    try:
        if remote.is_url(path):
            head, tail = remote.head_and_tail(path, n)
        else:
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_size == 0:  # /proc files say 0 and may never end
                return kind, compression
            with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC), "rb") as f:
                head = f.read(n) or b""
                tail = b""
                if head == parquet.MAGIC and f.seek(0, os.SEEK_END) >= 3 * n:
                    f.seek(-n, os.SEEK_END)
                    tail = f.read(n)
    except OSError:
        return kind, compression
    found = compressed.sniff(head)
    if found is not None:
        return kind, found
    if fmt == "auto" and head == tail == parquet.MAGIC:
        return "parquet", None
    return kind, compression


def _unlistable(e: OSError) -> None:
    # os.walk would silently leave out a folder it cannot list: a whole subtree lost.
    raise InputError(e.filename or "?", f"cannot list this folder: {_os_reason(e)}")


def selected(rel: str, opts: ReadOptions) -> bool:
    """Whether a file at `rel` (its path below a folder input) passes --include/--exclude:
    it matches some include (when any is given) and no exclude. A pattern with a `/` is
    matched against the whole of `rel` (`**` spans folders), one without against the
    file name alone, so `*.jsonl` takes JSONL files at any depth."""
    parts = tuple(rel.split("/"))

    def match(pattern: str) -> bool:
        if "/" in pattern:
            return _glob_match(tuple(p for p in pattern.split("/") if p), parts)
        return fnmatch.fnmatchcase(parts[-1], pattern)

    return (not opts.include or any(map(match, opts.include))) and not any(map(match, opts.exclude))


def _walk(root: Path, follow: bool) -> Iterator[tuple[Path, str | None]]:
    """Files under root in sorted order, each with None or why it cannot be read;
    hidden entries are left out. A symbolic link is an entry of its own (read only
    with `follow`, see _read_bytes); with `follow` a link to a folder is entered,
    unless it leads back to a folder it lies in (a loop, reported instead)."""
    above = {str(root): {_folder_id(root)}}  # per folder being walked: the folders it lies in, itself too
    for dirpath, dirnames, filenames in os.walk(root, onerror=_unlistable, followlinks=follow):
        chain = above.pop(dirpath)
        entered, entries = [], [(n, None) for n in filenames]
        for name in sorted(d for d in dirnames if not d.startswith(".")):
            path = os.path.join(dirpath, name)
            folder = _folder_id(path)
            if not os.path.islink(path) or (follow and folder not in chain):
                entered.append(name)
                above[path] = chain | {folder}
            else:
                entries.append((name, "symbolic link loop (it leads back to a folder it lies in)" if follow else None))
        dirnames[:] = entered
        for name, problem in sorted(entries):
            if not name.startswith("."):
                yield Path(dirpath) / name, problem


def _folder_id(path: str | Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def discover(inputs: list[str], opts: ReadOptions = ReadOptions()) -> list[Source]:
    """Expand the inputs into sources sorted by output path.

    A directory contributes its files under their path relative to it; a file
    or a glob match its name (or its path below the glob's fixed prefix).
    Sorting makes the result independent of the order inputs were listed in.
    """
    found: dict[str, Source] = {}

    def add(path: str, rel: str, walked: bool = False, problem: str | None = None) -> None:
        follow = not walked or opts.follow_links
        kind, compression = input_kind(rel, opts.input_format)
        if problem is None:
            kind, compression = _sniffed(path, kind, compression, opts.input_format, follow)
        src = Source(path, Path(rel).as_posix(), kind, compression, follow, problem)
        other = found.get(src.rel)
        if other is not None and _same_file(other.path) != _same_file(path):
            raise InputError(path, f"maps to the same output path {src.rel!r} as {other.path}; pass their common folder instead")
        found[src.rel] = src

    stdin = None
    for arg in inputs:
        if arg == STDIN:
            kind = opts.input_format if opts.input_format != "auto" else "sniff"
            stdin = Source(STDIN, "stdin", kind)
            continue
        if "\x00" in arg:
            raise InputError(repr(arg), "a path cannot contain a NUL character")
        if remote.is_url(arg):
            for url, rel in remote.list_inputs(arg):
                add(url, rel)
            continue
        p = Path(arg)
        if p.is_dir():
            files = list(_walk(p, opts.follow_links))
            if not files:
                raise InputError(arg, "folder holds no files (hidden ones are not read)")
            if opts.include or opts.exclude:
                files = [(f, why) for f, why in files if selected(f.relative_to(p).as_posix(), opts)]
                if not files:
                    raise InputError(arg, "no file in this folder passes --include/--exclude")
            for f, problem in files:
                add(str(f), str(f.relative_to(p)), True, problem)
        elif p.exists():
            add(arg, p.name)
        elif p.is_symlink():
            raise InputError(arg, _link_problem(arg))
        elif _MAGIC & set(arg):
            files = glob_files(arg)
            if not files:
                raise InputError(arg, "no file matches this pattern")
            for path, rel in files:
                add(path, rel, True)
        else:
            raise InputError(arg, "no such file or directory")
    if stdin is not None:
        for name in STDIN_NAMES:
            if name in found:
                raise InputError(found[name].path, "its output name would collide with standard input's (-); rename it")
        found["stdin"] = stdin
    return [found[k] for k in sorted(found)]


def _same_file(path: str) -> str:
    return path if remote.is_url(path) else os.path.realpath(path)


def _link_problem(path: str) -> str:
    try:
        os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symbolic link loop"
    return "broken symbolic link"


def _fixed_prefix(pattern: str) -> list[str]:
    parts = Path(pattern).parts
    fixed = []
    for part in parts[:-1]:
        if _MAGIC & set(part):
            break
        fixed.append(part)
    return fixed


def glob_files(pattern: str) -> list[tuple[str, str]]:
    """(path, path below the pattern's fixed prefix) of the files matching a shell glob.

    Like `glob.glob(pattern, recursive=True)` for files, but symbolic links to
    folders are not entered (as in folder inputs): the standard glob follows
    them and loops through `a -> ..` links for an exponential time.
    """
    fixed = _fixed_prefix(pattern)
    root = os.path.join(*fixed) if fixed else "."
    rest = Path(pattern).parts[len(fixed) :]
    found: list[tuple[str, str]] = []
    if not os.path.isdir(root):
        return found
    for dirpath, dirnames, filenames in os.walk(root, onerror=_unlistable, followlinks=False):
        below = () if dirpath == root else Path(os.path.relpath(dirpath, root)).parts
        dirnames[:] = sorted(d for d in dirnames if _glob_prefix(rest, below + (d,)))
        for name in sorted(filenames):
            if _glob_match(rest, below + (name,)):
                path = os.path.join(dirpath, name)
                found.append((path[2:] if root == "." else path, "/".join(below + (name,))))
    return found


def glob_could_match(pattern: str, path: Path) -> bool:
    """Whether a glob pattern could match `path` (a real path) or a file below it."""
    if not (_MAGIC & set(pattern)) or os.path.exists(pattern):
        return False
    fixed = _fixed_prefix(pattern)
    root = os.path.realpath(os.path.join(*fixed) if fixed else ".")
    rel = os.path.relpath(path, root)
    if rel == "." or rel.startswith(".." + os.sep) or rel == "..":
        return rel == "."
    parts, rest = Path(rel).parts, Path(pattern).parts[len(fixed) :]
    return _glob_match(rest, parts) or _glob_prefix(rest, parts)


def _glob_part(pattern: str, name: str) -> bool:
    # As in shell globs, a wildcard does not match a leading dot.
    return (pattern.startswith(".") or not name.startswith(".")) and fnmatch.fnmatchcase(name, pattern)


@lru_cache(maxsize=4096)
def _glob_match(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Whether path components match pattern components; '**' matches zero or more folders."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        if _glob_match(pattern[1:], parts):
            return True
        return bool(parts) and not parts[0].startswith(".") and _glob_match(pattern, parts[1:])
    return bool(parts) and _glob_part(pattern[0], parts[0]) and _glob_match(pattern[1:], parts[1:])


@lru_cache(maxsize=4096)
def _glob_prefix(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Whether a folder's components can begin a path that matches the pattern."""
    if not parts:
        return bool(pattern)
    if not pattern:
        return False
    if pattern[0] == "**":
        if _glob_prefix(pattern[1:], parts):
            return True
        return not parts[0].startswith(".") and _glob_prefix(pattern, parts[1:])
    return _glob_part(pattern[0], parts[0]) and _glob_prefix(pattern[1:], parts[1:])


def _read_bytes(src: Source, stdin: BinaryIO | None, limit: int) -> bytes:
    """The bytes of a regular file (checked on the open file: nothing else is read),
    opened without blocking: a FIFO or a file that never ends (/proc/kmsg) cannot
    hang the scan. A link is not read through unless `src.follow`."""
    if src.path == STDIN:
        return _read_limited(stdin or _stdin(), limit)
    try:
        with _opened(src, limit) as f:
            if src.compression:
                return _decompressed(f, src, limit)
            return _read_limited(f, limit, (remote.size(src.path) or 0) if remote.is_url(src.path) else os.fstat(f.fileno()).st_size)
    except OSError as e:
        raise _Skip(_os_reason(e)) from None


def _opened(src: Source, limit: int) -> BinaryIO:
    """A (local or URL) input opened for reading, once it is known to be a regular file
    within the limit (compressed inputs: checked as they are decompressed)."""
    if not remote.is_url(src.path):
        return _open_regular(src, limit)
    size = remote.size(src.path) or 0
    if not src.compression and size > limit:
        raise _Skip(f"larger than {_size(limit)} (--max-input-size)")
    return remote.open_input(src.path)


def _open_regular(src: Source, limit: int) -> BinaryIO:
    """src's file opened for reading, once it is known to be a regular file within the limit."""
    if src.problem:
        raise _Skip(src.problem)
    nofollow = 0 if src.follow else os.O_NOFOLLOW
    try:
        fd = os.open(src.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | nofollow)
    except OSError as e:
        raise _Skip(_link_reason(src.path) if nofollow and e.errno == errno.ELOOP else _os_reason(e)) from None
    f = open(fd, "rb", buffering=_CHUNK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Skip("not a regular file (folder, FIFO, device or socket)")
        if not src.compression and info.st_size > limit:
            raise _Skip(f"larger than {_size(limit)} (--max-input-size)")
    except BaseException:
        f.close()
        raise
    return f


def _link_reason(path: str) -> str:
    """Why a symbolic link found inside a folder was not read."""
    try:
        os.stat(path)
    except OSError as e:
        return _os_reason(e)
    return "symbolic link, not followed (--follow reads links inside folders)"


def _os_reason(e: OSError) -> str:
    if e.errno == errno.ENOENT:
        return "vanished, or a broken symbolic link"
    if e.errno == errno.ELOOP:
        return "symbolic link loop"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if e.errno == errno.EAGAIN:
        return "cannot be read without waiting (a file that never ends, such as /proc/kmsg)"
    return e.strerror or str(e)


def _size(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"


def _read_limited(f: BinaryIO, limit: int, size: int = 0) -> bytes:
    """All of f, or _Skip once more than `limit` bytes came (a file may grow while read).
    `size`: the bytes expected (a regular file's size), read at once: no chunks to join."""
    chunks, total = [], 0
    if size:
        chunks.append(_read_now(f, min(size, limit) + 1))
        total = len(chunks[0])
        if total > limit:
            raise _Skip(f"larger than {_size(limit)} (--max-input-size)")
        if total <= size:  # all there (the extra byte asked for did not come)
            return chunks[0]
    while chunk := _read_now(f, _CHUNK):
        total += len(chunk)
        if total > limit:
            raise _Skip(f"larger than {_size(limit)} (--max-input-size)")
        chunks.append(chunk)
    return b"".join(chunks)


def _read_now(f: BinaryIO, n: int) -> bytes:
    """f.read(n) of a file opened without blocking: None means it would wait."""
    chunk = f.read(n)
    if chunk is None:
        raise _Skip(_os_reason(OSError(errno.EAGAIN, "")))
    return chunk


def _decompressed(f: BinaryIO, src: Source, limit: int, compression: str | None = None) -> bytes:
    kind = compression or src.compression
    try:
        return compressed.decompress(f, kind, limit, src.label)
    except compressed.TooLarge:
        raise _Skip(f"decompresses to more than {_size(limit)} (--max-input-size); refused as a possible {kind} bomb") from None
    except compressed.Broken as e:
        raise _Skip(str(e)) from None


def _stdin() -> BinaryIO:
    import sys

    return sys.stdin.buffer


class _Skip(Exception):
    """The whole input is unusable; it is skipped with this reason."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.line = line


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a text file, keeping any BOM as a character so writing back is byte-exact.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read; UTF-32 and
    anything holding NUL characters (binary files) are refused.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise _Skip("UTF-32 text is not supported; convert it to UTF-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as e:
            raise _Skip(f"invalid UTF-16 at byte offset {e.start}") from None
        if "\x00" in text:
            raise _Skip("binary file (NUL character in UTF-16 text)")
        return text, enc
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _Skip(f"binary file (NUL byte at byte offset {nul})")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        bad = data[e.start : e.start + 1]
        raise _Skip(f"not valid UTF-8 ({bad!r} at byte offset {e.start})", data.count(b"\n", 0, e.start) + 1) from None


def output_name(src: Source, kind: str | None = None) -> str:
    """Path of a source's clean copy under the output folder (standard input: stdin.txt or stdin.jsonl)."""
    if src.path != STDIN:
        return src.rel
    return "stdin.txt" if (kind or src.kind) == "text" else "stdin.jsonl"


def read_source(
    src: Source, opts: ReadOptions = ReadOptions(), stdin: BinaryIO | None = None
) -> tuple[list[Document], list[Skipped]]:
    """Documents of one source, and what was skipped. Raises InputError on a bad record
    unless `skip_bad_records`; an unreadable or binary file is skipped, never fatal."""
    lost: list[Skipped] = []
    return list(source_documents(src, opts, stdin, lost)), lost


def source_documents(
    src: Source, opts: ReadOptions, stdin: BinaryIO | None, lost: list[Skipped]
) -> Iterator[Document]:
    """read_source's documents as they are parsed; what is skipped is added to `lost`.
    A plain local JSONL file is read line by line: its bytes are never all in memory
    beside the texts parsed from them while the map stage runs (the scan's peak, later,
    at candidates and verification, is not lowered by it: measured on news-500)."""
    if src.kind == "parquet" and src.path != STDIN:
        yield from _parquet_documents(src, opts, lost)
        return
    try:
        if src.kind == "jsonl" and not src.compression and src.path != STDIN and not remote.is_url(src.path):
            f = _open_regular(src, opts.max_bytes)
        else:
            f, data = None, _read_bytes(src, stdin, opts.max_bytes)
    except _Skip as e:
        lost.append(Skipped(src.label, str(e), e.line))
        return
    except OSError as e:
        lost.append(Skipped(src.label, _os_reason(e)))
        return
    if f is None:
        yield from _decoded(src, data, opts, lost)
        return
    with f:
        yield from _jsonl_documents(_file_lines(f, src, opts.max_bytes), src, src.rel, opts, lost)


def _file_lines(f: BinaryIO, src: Source, limit: int) -> Iterator[bytes]:
    """lines() of an open file's bytes (a first UTF-8 BOM left out), read as they come."""
    def counted() -> Iterator[bytes]:
        total = 0
        for n, line in enumerate(f):
            total += len(line)
            if total > limit:  # it was within the limit when opened
                raise InputError(src.label, f"grew past {_size(limit)} (--max-input-size) while it was read")
            yield line.removeprefix(_UTF8_BOM) if n == 0 else line

    try:
        yield from lines(counted())
    except OSError as e:
        raise InputError(src.label, f"cannot be read: {_os_reason(e)}") from None


def decode_source(
    src: Source, data: bytes, opts: ReadOptions = ReadOptions(), *, raw: bool = False
) -> tuple[list[Document], list[Skipped]]:
    """Documents of one source from its bytes, wherever they were read. `raw`: the
    file's bytes as stored (a Spark task's), so gzip and --max-input-size still apply."""
    lost: list[Skipped] = []
    return list(_decoded(src, data, opts, lost, raw=raw)), lost


def _decoded(src: Source, data: bytes, opts: ReadOptions, lost: list[Skipped], *, raw: bool = False) -> Iterator[Document]:
    """decode_source's documents, a JSONL file's one line at a time."""
    try:
        # Standard input and a Spark task's bytes are told compressed by their magic
        # numbers here; a file was told by discover().
        found = src.compression or (compressed.sniff(data[: compressed.HEAD]) if raw or src.path == STDIN else None)
        if found is not None and (raw or src.path == STDIN):
            data = _decompressed(io.BytesIO(data), src, opts.max_bytes, found)
        elif raw:
            data = _read_limited(io.BytesIO(data), opts.max_bytes)
        kind = src.kind
        if kind == "parquet" or (kind == "sniff" and data.startswith(parquet.MAGIC) and data.endswith(parquet.MAGIC)):
            raise _Skip("a Parquet file, which is read from its end (its footer): pass its path instead of standard input")
        if kind == "sniff":
            kind = "jsonl" if data.removeprefix(_UTF8_BOM).lstrip()[:1] == b"{" else "text"
        rel = output_name(src, kind)
        text = decode_text(data) if kind == "text" else None
    except _Skip as e:
        lost.append(Skipped(src.label, str(e), e.line))
        return
    if text is not None:
        yield Document(rel, text[0], rel, None, None, text[1])
    else:
        yield from _jsonl_documents(lines(data.removeprefix(_UTF8_BOM)), src, rel, opts, lost)


def _parquet_documents(src: Source, opts: ReadOptions, lost: list[Skipped]) -> Iterator[Document]:
    """A Parquet file's documents, streamed (parquet.documents); a file that cannot be
    read is skipped as a whole, as an unreadable text file is."""
    try:
        if src.compression is not None:
            raise _Skip(f"a {src.compression}-compressed Parquet file; decompress it (Parquet compresses its pages itself)")
        with _opened(src, opts.max_bytes) as f:
            yield from parquet.documents(
                f, src.label, src.rel, opts.text_field, opts.id_field, opts.skip_bad_records,
                lambda row, reason: lost.append(Skipped(src.label, reason, row, whole_file=False)),
            )
    except (_Skip, parquet.Broken) as e:
        lost.append(Skipped(src.label, str(e)))
    except OSError as e:
        lost.append(Skipped(src.label, _os_reason(e)))


def open_input(src: Source) -> BinaryIO:
    """A (local or URL) input file opened for reading."""
    return remote.open_input(src.path) if remote.is_url(src.path) else open(src.path, "rb")


def read_sources(
    sources: list[Source], opts: ReadOptions = ReadOptions(), stdin: BinaryIO | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[Document], list[Skipped], list[Source]]:
    """Documents of all sources in order, what was skipped, and the sources that were read
    (a source skipped as a whole has no clean output)."""
    stream = DocumentStream(sources, opts, stdin, progress)
    docs = list(stream)
    return docs, stream.skipped, stream.read


class DocumentStream:
    """Documents of all sources in order, parsed as they are consumed, so a scan can map
    the first ones while the rest are read. Once exhausted, `skipped` lists what was
    skipped and `read` the sources that were read (as read_sources returns them)."""

    def __init__(
        self, sources: list[Source], opts: ReadOptions = ReadOptions(), stdin: BinaryIO | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        self.sources, self.opts, self.stdin, self.progress = sources, opts, stdin, progress
        self.skipped: list[Skipped] = []
        self.read: list[Source] = []

    def __iter__(self) -> Iterator[Document]:
        for n, src in enumerate(self.sources, 1):
            lost: list[Skipped] = []
            first = None
            for doc in source_documents(src, self.opts, self.stdin, lost):
                first = first or doc
                yield doc
            self.skipped += lost
            if not any(s.whole_file for s in lost):
                if src.kind == "sniff":  # standard input: a text file is always one record-less document
                    src = replace(src, kind="text" if first is not None and first.record is None else "jsonl")
                self.read.append(src)
            if self.progress:
                self.progress("read", n, len(self.sources))


_UTF8_BOM = b"\xef\xbb\xbf"


def _jsonl_documents(
    raw_lines: Iterable[bytes], src: Source, rel: str, opts: ReadOptions, skipped: list[Skipped]
) -> Iterator[Document]:
    """The documents of a JSONL file's lines, one at a time; bad lines raise
    InputError, or are added to `skipped` with --skip-bad-records."""
    for lineno, raw in enumerate(raw_lines, 1):
        if not raw.strip():
            continue
        try:
            record = _parse_record(raw, opts)
        except ValueError as e:
            if not opts.skip_bad_records:
                raise InputError(src.label, f"{e} (use --skip-bad-records to skip such lines)", lineno) from None
            skipped.append(Skipped(src.label, str(e), lineno, whole_file=False))
            continue
        rid = record.get(opts.id_field)
        if isinstance(rid, bool) or not isinstance(rid, (str, int)):
            rid = f"{rel}:{lineno}"
        yield Document(str(rid), record[opts.text_field], rel, lineno, record, frame=text_frame(raw, opts.text_field, record[opts.text_field]))


def json_text(text: str) -> bytes | None:
    """json.dumps(text, ensure_ascii=False) in UTF-8, several times faster (orjson
    escapes a str exactly as json does; tested over every code point); None for a
    lone surrogate, which only the json module writes (as a \\u escape)."""
    if _orjson is None:
        try:
            return json.dumps(text, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            return None
    try:
        return _orjson.dumps(text)
    except _orjson.JSONEncodeError:
        return None


# A JSON string token or a bracket. The string is the unrolled loop with possessive
# repeats: one linear pass in C over a long text, never backtracking.
_JSON_TOKEN = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"|[{}\[\]]', re.DOTALL)
_COLON = re.compile(rb"[ \t\r\n]*:[ \t\r\n]*")


def text_frame(raw: bytes, field: str, text: str) -> tuple[bytes, bytes] | None:
    """The bytes of a valid JSON object line before and after the string value of its
    top-level key `field` (the last such key: the one a parser keeps), so the clean
    line can keep every other byte as it came (number spellings, spacing, escapes,
    key order, repeated keys); None where there is none. `text` is the parsed value.

    Most lines end with the text field spelled as json spells it: that is checked by
    comparing bytes (an unescaped quote before the key can only open a string in
    valid JSON, so the last `}` closes the key's object, the line's own). Other lines
    are walked token by token."""
    key, usual = _key_token(field), json_text(text)
    if usual is not None and raw.endswith(b"}") and raw.endswith(usual, 0, len(raw) - 1):
        at = len(raw) - 1 - len(usual)
        if _key_before(key).search(raw, max(0, at - len(key) - 16), at):
            return raw[:at], b"}"
    depth, value, want, at = 0, None, False, 0
    while (m := _JSON_TOKEN.search(raw, at)) is not None:
        at = m.end()
        first = raw[m.start()]
        if first == 0x22:  # a string: a key at depth 1 is followed by a colon
            if depth != 1:
                continue
            if want:
                value, want = m.span(), False
                continue
            colon = _COLON.match(raw, at)
            if colon is not None and raw[colon.end() : colon.end() + 1] == b'"':
                token = m.group()
                if token == key or (b"\\" in token and json.loads(token) == field):
                    at = colon.end()
                    if usual is not None and raw.startswith(usual, at):  # the value, skipped in one step
                        value = (at, at + len(usual))
                        at += len(usual)
                    else:
                        want = True
        elif first in b"{[":
            depth += 1
        else:
            depth -= 1
    return None if value is None else (raw[: value[0]], raw[value[1] :])


@lru_cache(maxsize=64)
def _key_token(field: str) -> bytes:
    return json.dumps(field, ensure_ascii=False).encode()


@lru_cache(maxsize=64)
def _key_before(key: bytes) -> re.Pattern:
    """The key `key` opening a member, its colon, up to where its value starts."""
    return re.compile(rb"[{,][ \t\r\n]*" + re.escape(key) + rb"[ \t\r\n]*:[ \t\r\n]*\Z")


def lines(data: bytes | Iterable[bytes]) -> Iterator[bytes]:
    """`data.splitlines()` one line at a time: the list of a big file's lines would
    hold a second copy of it while its records are parsed. `data` may also be bytes
    already cut after each \n (an open file's lines)."""
    for line in io.BytesIO(data) if isinstance(data, bytes) else data:  # cut after each \n
        if b"\r" in line:  # \r and \r\n end lines too
            yield from line.splitlines()
        else:
            yield line[:-1] if line.endswith(b"\n") else line


def _fast_record(raw: bytes) -> dict | None:
    """The record of a JSONL line parsed by orjson (2-3 times faster than json on
    news text), or None where json must parse it to be sure of the same value: orjson
    missing, a line orjson refuses (lone surrogates, NaN, infinities, bad UTF-8, deep
    nesting: json judges those as before), nested values, or any float (orjson turns
    integers beyond 64 bits into floats, json keeps them exact)."""
    if _orjson is None:
        return None
    try:
        record = _orjson.loads(raw)
    except _orjson.JSONDecodeError:
        return None
    if type(record) is not dict or any(type(v) in (float, dict, list) for v in record.values()):
        return None
    return record


def _parse_record(raw: bytes, opts: ReadOptions) -> dict:
    record = _fast_record(raw)
    if record is not None:
        return _checked(record, opts)
    try:
        record = json.loads(raw.decode("utf-8"), parse_int=_json_int)
    except UnicodeDecodeError as e:
        raise ValueError(f"not valid UTF-8 ({raw[e.start:e.start + 1]!r} at byte offset {e.start})") from None
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg}: column {e.colno})") from None
    # A flat record (the usual) is shallow; otherwise counting brackets is cheap and bounds
    # the depth, and only a record that might be too deep is walked.
    nested = not isinstance(record, dict) or any(isinstance(v, (dict, list)) for v in record.values())
    if nested and raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _depth(record) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if not isinstance(record, dict):
        raise ValueError(f"a JSON {type(record).__name__}, not an object")
    return _checked(record, opts)


def _json_int(digits: str) -> int | Decimal:
    """An integer as json reads it, but one too long for int() (Python refuses over
    4,300 digits: converting is quadratic) as a Decimal: the record is still valid,
    and its clean line keeps the digits as they came (text_frame)."""
    return int(digits) if len(digits) <= _INT_DIGITS else Decimal(digits)


_INT_DIGITS = sys.get_int_max_str_digits() or 1 << 62


def _checked(record: dict, opts: ReadOptions) -> dict:
    if opts.text_field not in record:
        raise ValueError(f"no {opts.text_field!r} field (set --text-field)")
    if not isinstance(record[opts.text_field], str):
        raise ValueError(f"field {opts.text_field!r} is {type(record[opts.text_field]).__name__}, not a string")
    return record


def _depth(value) -> int:
    """Nesting depth of a parsed JSON value (a scalar has depth 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return deepest


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
    if "size" in rec and (type(rec["size"]) is not int or rec["size"] < 0):
        return "'size' is not a count"
    for m in rec["members"]:
        if not isinstance(m, dict):
            return "a member is not an object"
        for name, kind in _MEMBER_FIELDS.items():
            if not isinstance(m.get(name), kind) or (kind != bool and isinstance(m.get(name), bool)):
                return f"a member lacks a valid {name!r}"
        if not all(0 <= m[name] <= 1 for name in ("jaccard", "containment", "kept_containment")):  # NaN fails too
            return "a member's jaccard or containment is not between 0 and 1"
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
