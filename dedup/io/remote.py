"""Inputs and --out given as URLs (`s3://`, `gs://`, `memory://`, `file://`, ...),
through fsspec (the optional `dedup[remote]` extra) and the implementation for
each protocol (s3fs, gcsfs, ...). Local paths never come here.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ..errors import DedupError, InputError, OutputError

# A URL: a scheme of two or more characters then ://, or fsspec's chained form (simplecache::s3://...).
_MAGIC = set("*?[")
_URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]+::)*[A-Za-z][A-Za-z0-9+.-]+://")


def is_url(path: str) -> bool:
    return isinstance(path, str) and _URL.match(path) is not None


def filesystem(url: str, error: type[DedupError] = InputError):
    """(fsspec file system, path within it) of a URL; a clear `error` naming the URL when
    fsspec or the protocol's implementation is not installed, or the protocol is unknown."""
    name = url if error is InputError else f"--out {url}"

    def fail(reason: str) -> DedupError:
        return error(name, reason) if error is InputError else error(f"{name}: {reason}")

    try:
        import fsspec
        from fsspec.registry import known_implementations
    except ImportError:
        raise fail("URLs are read and written through fsspec: pip install 'dedup[remote]'") from None
    protocol = url.split("://", 1)[0].split("::")[-1]
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError:
        hint = known_implementations.get(protocol, {}).get("err", "")
        package = re.search(r"[Ii]nstall (\S+)", hint)
        extra = f": pip install {package.group(1)}" if package else (f" ({hint})" if hint else "")
        raise fail(f"the {protocol}:// protocol needs an fsspec implementation that is not installed{extra}") from None
    except ValueError as e:
        raise fail(f"unknown protocol {protocol}:// ({e})") from None


def url_of(fs, path: str) -> str:
    """The URL of `path` on fs, as the user would write it."""
    return fs.unstrip_protocol(path)


def list_inputs(url: str) -> list[tuple[str, str]]:
    """(URL, path under the output root) of the files a URL input names: a file (its
    name), a folder (every file below it, hidden ones left out) or a glob (the path
    below its fixed prefix). Sorted; InputError when nothing is there."""
    fs, path = filesystem(url)
    try:
        if _MAGIC & set(path):
            fixed = path[: min(path.find(c) for c in _MAGIC if c in path)].rpartition("/")[0]
            found = sorted(p for p in fs.glob(path) if fs.isfile(p))
            if not found:
                raise InputError(url, "no file matches this pattern")
            return [(url_of(fs, p), _below(p, fixed)) for p in found if not _hidden(_below(p, fixed))]
        if fs.isdir(path):
            root = path.rstrip("/")
            files = [(url_of(fs, p), _below(p, root)) for p in sorted(fs.find(path)) if not _hidden(_below(p, root))]
            if not files:
                raise InputError(url, "folder holds no files (hidden ones are not read)")
            return files
        if fs.isfile(path):
            return [(url, PurePosixPath(path).name)]
    except (OSError, ValueError) as e:
        raise InputError(url, f"cannot be listed ({e})") from None
    raise InputError(url, "no such file or directory")


def _below(path: str, root: str) -> str:
    return path[len(root) :].lstrip("/") if root and path.startswith(root) else path.lstrip("/")


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in rel.split("/"))


def open_input(url: str) -> BinaryIO:
    """An input opened for reading (OSError as from open())."""
    fs, path = filesystem(url)
    return fs.open(path, "rb")


def size(url: str) -> int | None:
    fs, path = filesystem(url)
    return fs.size(path)


def head_and_tail(url: str, n: int) -> tuple[bytes, bytes]:
    """The first and last `n` bytes of a file (for magic numbers)."""
    fs, path = filesystem(url)
    with fs.open(path, "rb") as f:
        head = f.read(n)
        total = fs.size(path) or 0
        if total < 2 * n:
            return head, b""
        f.seek(total - n)
        return head, f.read(n)


def check_out(url: str, marker: str, input_urls: list[str]) -> None:
    """Refuse a URL --out that is, holds or lies in an input (`input_urls`: the URL
    arguments and files found), or that exists and is not an earlier dedup output (a
    folder holding `marker`)."""
    fs, path = filesystem(url, OutputError)
    root = path.rstrip("/")
    for src in input_urls:
        other = filesystem(src)[1]
        if _MAGIC & set(other):  # a glob: its fixed folder
            other = other[: min(other.find(c) for c in _MAGIC if c in other)].rpartition("/")[0]
        other = other.rstrip("/")
        if other == root or other.startswith(root + "/") or root.startswith(other + "/"):
            raise OutputError(f"--out {url} would overwrite, replace or lie in the input {src}")
    try:
        if fs.isfile(root):
            raise OutputError(f"--out {url} exists and is not a folder")
        if fs.isdir(root) and fs.ls(root) and not fs.isfile(f"{root}/{marker}"):
            raise OutputError(f"--out {url} is a non-empty folder that is not a dedup output; choose a new or empty folder")
    except OSError as e:
        raise OutputError(f"--out {url}: cannot be checked ({e})") from None


def local_path(url: str) -> Path | None:
    """The local path a URL names when its file system is this machine's (file://), else None."""
    fs, path = filesystem(url, OutputError)
    from fsspec.implementations.local import LocalFileSystem

    return Path(path) if isinstance(fs, LocalFileSystem) else None


def publish(local: Path, url: str, marker: str) -> None:
    """Copy the complete output folder `local` to the URL --out, replacing an earlier
    output there.

    Each file is uploaded under a hidden temporary name beside its final one and then
    moved to it (fs.mv), so a file under its final name is always complete: on a local
    or memory file system mv is a rename, and on object stores the object is created by
    one copy only when the upload is complete. fsspec's transaction API is not used:
    its local implementation stages files in the system temporary folder and moves
    them across file systems by copying, which would show a half-written file. The
    marker goes last, and files of the earlier output that the new one lacks are
    removed at the end. An object store has no atomic swap of a whole folder: a run
    stopped while publishing leaves complete files, some old and some new (a rerun
    replaces them).
    """
    fs, root = filesystem(url, OutputError)
    root = root.rstrip("/")
    files = sorted(p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file())
    files.sort(key=lambda rel: rel == marker)
    try:
        old = set()
        if fs.isdir(root):
            old = {_below(p, root) for p in fs.find(root)}
        for rel in files:
            target = f"{root}/{rel}"
            parent, _, name = target.rpartition("/")
            tmp = f"{parent}/.{name}.dedup-tmp-{secrets.token_hex(4)}"
            fs.makedirs(parent, exist_ok=True)
            try:
                fs.put_file(os.fspath(local / rel), tmp)
                fs.mv(tmp, target)
            except BaseException:
                if fs.exists(tmp):
                    fs.rm_file(tmp)
                raise
        for rel in sorted(old - set(files)):
            fs.rm_file(f"{root}/{rel}")
    except OSError as e:
        raise OutputError(f"cannot write --out {url}: {e}") from None
