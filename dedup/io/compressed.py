"""Compressed inputs and outputs: gzip (standard library) and zstd (the optional
`zstandard` package), told apart by their first bytes or by the file name.

An input is decompressed with a cap (--max-input-size), so a small bomb cannot
fill memory; a clean copy is compressed as its input was, deterministically (the
same content gives the same bytes).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from ..errors import InputError

GZIP, ZSTD = "gzip", "zstd"
_MAGIC = {b"\x1f\x8b": GZIP, b"\x28\xb5\x2f\xfd": ZSTD}  # RFC 1952; RFC 8878 frame magic
_SUFFIXES = {".gz": GZIP, ".zst": ZSTD, ".zstd": ZSTD}
HEAD = 4  # bytes that sniff() needs
_CHUNK = 1 << 20
_ZSTD_IN = 4 << 10  # compressed bytes decoded at a time (see _unzstd)
ZSTD_LEVEL = 3  # zstd's own default


class TooLarge(Exception):
    """More than the cap came out of a decompressor (or a plain stream)."""


class Broken(Exception):
    """Compressed data that does not decompress; the message says how."""


def by_name(name: str) -> tuple[str, str | None]:
    """(name without its compression suffix, the compression it names or None)."""
    for suffix, kind in _SUFFIXES.items():
        if name.endswith(suffix):
            return name[: -len(suffix)], kind
    return name, None


def sniff(head: bytes) -> str | None:
    """The compression whose magic number `head` starts with, or None."""
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def _zstandard(label: str):
    try:
        import zstandard
    except ImportError:
        raise InputError(label, "zstd-compressed; reading it needs the zstandard package: pip install 'dedup[zstd]'") from None
    return zstandard


def decompress(f: BinaryIO, kind: str, limit: int, label: str) -> bytes:
    """All of f decompressed; TooLarge past `limit` bytes, Broken for bad or cut data."""
    if kind == ZSTD:
        return _unzstd(f, limit, label)
    chunks, total = [], 0
    try:
        with gzip.GzipFile(fileobj=f) as reader:
            while chunk := reader.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise TooLarge
                chunks.append(chunk)
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise Broken(f"broken gzip data ({e})") from None
    return b"".join(chunks)


def _unzstd(f: BinaryIO, limit: int, label: str) -> bytes:
    """zstd frames one after another (as `zstd` and `cat a.zst b.zst` make), as one stream.

    zstandard's stream_reader stops quietly at the end of cut data, so frames are
    decoded with decompressobj, whose `eof` tells a frame that ended. It has no
    output cap, so input goes in small blocks: one block's output is bounded by
    zstd's largest ratio over _ZSTD_IN bytes before the cap is checked.
    """
    zstandard = _zstandard(label)
    dctx = zstandard.ZstdDecompressor()
    frame, fed, chunks, total = dctx.decompressobj(), False, [], 0
    try:
        while block := f.read(_ZSTD_IN):
            while block:
                out = frame.decompress(block)
                fed = True
                total += len(out)
                if total > limit:
                    raise TooLarge
                chunks.append(out)
                block = b""
                if frame.eof:  # the rest belongs to the next frame
                    block, frame, fed = frame.unused_data, dctx.decompressobj(), False
    except zstandard.ZstdError as e:
        raise Broken(f"broken zstd data ({e})") from None
    if fed and not frame.eof:
        raise Broken("broken zstd data (cut short: the last frame does not end)")
    return b"".join(chunks)


@contextmanager
def compressing(f: BinaryIO, kind: str | None) -> Iterator[BinaryIO]:
    """A writer into f that compresses as `kind` says (None: f itself)."""
    if kind is None:
        yield f
    elif kind == GZIP:
        # mtime=0 and no file name in gzip output: the same content gives the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as out:
            yield out
    else:
        cctx = _zstandard(getattr(f, "name", "output")).ZstdCompressor(level=ZSTD_LEVEL)
        with cctx.stream_writer(f, closefd=False) as out:
            yield out

