"""Where outputs go: the checks that an output never overwrites or lands in an input,
and writing through a staging folder or temporary file renamed into place, so an
output is complete or absent, never partial."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None

from ..errors import OutputError
from .readers import STDIN, Source, glob_could_match

CLUSTERS = "clusters.jsonl"
# Written into every --out folder; only a folder holding it is replaced as an earlier output.
MARKER = ".dedup-output"


def marker_bytes(fingerprint: str | None) -> bytes:
    """The marker file's content: what wrote the folder (dedup, its version, the options' fingerprint)."""
    from .. import __version__

    return (json.dumps({"dedup": "output", "version": __version__, "fingerprint": fingerprint}) + "\n").encode()


def _short(name: str) -> str:
    """An output's name as its hidden helper files (staging folder, lock, temporary
    file) carry it: whole, or, when the name is so long that theirs would pass the
    255-byte limit on a name, cut and made unique by a hash of the whole name."""
    raw = os.fsencode(name)
    if len(raw) <= 200:
        return name
    return name[:40] + "~" + hashlib.sha256(raw).hexdigest()[:16]  # 40 characters: at most 160 bytes


def _public(path: Path, mode: int) -> None:
    """Give a mkstemp/mkdtemp result the mode a plain create would have had (they make it private)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


def atomic_write(path: Path, data: bytes, option: str | None = None, mode: int = 0o666) -> None:
    """Write a single file (permission bits `mode`, less the umask) via a temporary
    sibling and rename. A FIFO or character
    device (/dev/null, a terminal), or a symbolic link to one (/dev/stdout), is
    written into instead: a rename would replace it with a regular file. Anything
    else that is not a regular file is refused (see writes_into), naming `option`."""
    if writes_into(path, option) and _write_into(path, data):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{_short(path.name)}.", suffix=".tmp")
        _public(Path(tmp), mode)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def writes_into(path: Path, option: str | None = None) -> bool:
    """Whether the output file `path` is written into rather than replaced by rename:
    a FIFO or character device, or a symbolic link to one. False for a regular file or
    none. Raises OutputError (naming `option`) for a folder, a symbolic link to anything
    else (a rename would replace the link, writing through it would not be atomic), a
    block device or a socket."""
    name = f"{option} {path}" if option else str(path)
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            try:
                mode = os.stat(path).st_mode
            except OSError:
                mode = 0
            if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
                raise OutputError(
                    f"{name} is a symbolic link; name the file itself (a link is written through only "
                    "to a FIFO or character device; use - for standard output)"
                )
    except FileNotFoundError:
        return False
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    if stat.S_ISREG(mode):
        return False
    if stat.S_ISDIR(mode):
        raise OutputError(f"{name} is a folder; name a file")
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return True
    raise OutputError(f"{name} is not a regular file, FIFO or character device")


def _write_into(path: Path, data: bytes) -> bool:
    """Write `data` into the FIFO or device at `path` (no rename, no truncation, no
    fsync); False, having written nothing, if it has become a regular file since."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(fd, "wb") as f:
            if stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return False
            f.write(data)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    return True


def safe_join(root: Path, rel: str) -> Path:
    """root/rel, refusing any rel that would leave root (absolute, '..', NUL)."""
    if "\x00" in rel or not rel or Path(rel).is_absolute() or ".." in Path(rel).parts:
        raise OutputError(f"refusing output path {rel!r}: it would leave the output folder")
    return root / rel


def check_out_dir(out: Path, sources: list[Source]) -> None:
    """Refuse an --out that is, or lies inside, an input, or that would replace one;
    and inputs whose clean copies could not all be written under it."""
    if out.name in ("", ".."):
        raise OutputError(f"--out {out} does not name a folder; give a folder name such as cleaned/")
    if out.is_symlink():
        raise OutputError(f"--out {out} is a symbolic link; give the folder itself")
    out_real = Path(os.path.realpath(out))
    rels = {src.rel for src in sources}
    for src in sources:
        safe_join(out, src.rel)
        if src.rel == CLUSTERS:
            raise OutputError(f"the input {src.path} would be written as {CLUSTERS}, which --out reserves for clusters")
        if src.rel == MARKER:
            raise OutputError(f"the input {src.path} would be written as {MARKER}, which --out reserves for its marker")
        for parent in Path(src.rel).parents:
            if parent.as_posix() in rels:
                raise OutputError(f"the input {src.path} needs a folder {parent} where another input's clean copy goes")
        if src.path == STDIN:
            continue
        p = Path(os.path.realpath(src.path))
        if p == out_real or out_real in p.parents:
            raise OutputError(f"--out {out} would overwrite or replace the input {src.path}")
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} exists and is not a folder")
    if out.is_dir() and os.path.ismount(out):
        raise OutputError(
            f"--out {out} is a mount point, which cannot be replaced: dedup writes a new output beside --out and "
            "renames it into place; give a folder inside it"
        )
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        if (out / CLUSTERS).is_file():  # written before the marker existed, or a look-alike
            raise OutputError(
                f"--out {out} holds {CLUSTERS} but no {MARKER} marker, so it is not known to be a dedup output "
                "(outputs written before dedup added the marker have none); remove it or choose a new or empty folder"
            )
        raise OutputError(f"--out {out} is a non-empty folder that is not a dedup output; choose a new or empty folder")


def check_out_not_in_inputs(out: Path, inputs: list[str], option: str = "--out") -> None:
    """Refuse an --out inside a folder given as input (its output would be read next time)."""
    out_real = Path(os.path.realpath(out))
    for arg in inputs:
        if arg != STDIN and Path(arg).is_dir():
            root = Path(os.path.realpath(arg))
            if out_real == root or root in out_real.parents:
                raise OutputError(f"{option} {out} lies inside the input folder {arg}")
        elif arg != STDIN and glob_could_match(arg, out_real):
            raise OutputError(f"{option} {out} lies where the pattern {arg} would read it next time")


def check_file_out(path: Path, inputs: list[str], sources: list[Source], option: str) -> None:
    """Refuse an output file that is an input or lies in an input folder."""
    check_out_not_in_inputs(path, inputs, option)
    real = os.path.realpath(path)
    for src in sources:
        if src.path != STDIN and os.path.realpath(src.path) == real:
            raise OutputError(f"{option} {path} would overwrite the input {src.path}")
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; name a file")
    writes_into(path, option)


_HELD: set[int] = set()  # this process's OutLock descriptors


def _drop_inherited_locks() -> None:
    """In a forked child (the parallel writer): close the --out lock descriptors it
    inherited. flock belongs to the open file, so the parent keeps its lock; without this,
    a child still dying after its parent was killed held it, and a rerun at once was
    refused as "being written by another dedup run" (seen in CI under load)."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


class OutLock:
    """An exclusive lock on --out `out` for a whole run: flock on `.NAME.dedup-lock` in
    its parent, holding the owner's pid. A second run with the same --out is refused at
    once (OutputError) instead of writing beside the first or removing its staging
    folder. release() removes the file while still holding the lock; a killed run's
    file stays, and its lock went with the process."""

    def __init__(self, out: Path) -> None:
        self._fd = None
        if fcntl is None:  # no flock on this platform: runs are not guarded
            return
        full = Path(os.path.abspath(out))
        self.path = full.parent / f".{_short(full.name)}.dedup-lock"
        fd = None
        try:
            full.parent.mkdir(parents=True, exist_ok=True)
            while True:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                    raise OutputError(f"--out {out} is being written by another dedup run (pid {pid})") from None
                try:  # the previous owner may have removed the file after we opened it
                    if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                        break
                except FileNotFoundError:
                    pass
                os.close(fd)
                fd = None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as e:
            if fd is not None:
                os.close(fd)
            raise OutputError(f"cannot write {self.path}: {e.strerror or e}") from None
        except BaseException:
            if fd is not None:
                os.close(fd)
            raise
        self._fd = fd
        _HELD.add(fd)

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            _HELD.discard(self._fd)
            os.close(self._fd)
            self._fd = None


def recover(out: Path) -> None:
    """Undo what a run killed mid-swap left: restore the previous output, drop staging folders."""
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        return
    # Found by exact name, never by a glob built from out.name: a name holding * ? or [
    # would match other outputs' folders. mkdtemp adds 8 characters of [a-z0-9_].
    names = os.listdir(parent)
    olds = sorted(parent / n for n in names if _leftover(n, out.name, "old"))
    if not out.exists() and olds:
        os.rename(olds[-1], out)
        olds = olds[:-1]
    for stale in [*olds, *(parent / n for n in names if _leftover(n, out.name, "tmp"))]:
        shutil.rmtree(stale, ignore_errors=True)


def _leftover(name: str, out_name: str, kind: str) -> bool:
    """Whether `name` is a staging ("tmp") or pending-restore ("old") folder of --out `out_name`."""
    prefix = f".{_short(out_name)}.dedup-{kind}-"
    return name.startswith(prefix) and re.fullmatch(r"[a-z0-9_]{8}", name[len(prefix):]) is not None


def worded(e: BaseException, path: Path) -> str:
    """A failure to write `path` (an OSError names its own file when it has one), in
    the words every writer here uses, in this process or the forked one."""
    if isinstance(e, OSError):
        return f"cannot write {e.filename if e.filename is not None else path}: {e.strerror or e}"
    return str(e) if isinstance(e, OutputError) else f"{type(e).__name__}: {e}"


@contextmanager
def staged_dir(out: Path) -> Iterator[Path]:
    """A fresh staging folder beside `out` to write an output into; when the block
    ends without error it replaces `out` (_swap_in), otherwise it is removed.
    Raises OutputError naming the path on a failed write."""
    out = Path(os.path.abspath(out))
    parent = out.parent
    stage = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        recover(out)
        stage = Path(tempfile.mkdtemp(dir=parent, prefix=f".{_short(out.name)}.dedup-tmp-"))
        _public(stage, 0o777)
        yield stage
        _swap_in(stage, out)
        stage = None
    except OSError as e:
        raise OutputError(worded(e, out)) from None
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)


def _swap_in(stage: Path, out: Path) -> None:
    """Replace `out` by the complete `stage` with two renames. Between them `out` is
    briefly absent: an exception puts the previous output back; after SIGKILL,
    recover() does so on the next run."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{_short(out.name)}.dedup-old-"))
        os.rmdir(old)
        os.rename(out, old)
    try:
        os.rename(stage, out)
    except BaseException:
        if old is not None and not out.exists():
            os.rename(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

