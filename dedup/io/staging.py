"""Where outputs go: the checks that an output never overwrites or lands in an input,
and writing through a staging folder or temporary file renamed into place, so an
output is complete or absent, never partial."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputError
from .readers import STDIN, Source, glob_could_match

CLUSTERS = "clusters.jsonl"


def _public(path: Path, mode: int) -> None:
    """Give a mkstemp/mkdtemp result the mode a plain create would have had (they make it private)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


def atomic_write(path: Path, data: bytes) -> None:
    """Write a single file via a temporary sibling and rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        _public(Path(tmp), 0o666)
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
    if out.is_dir() and any(out.iterdir()) and not (out / CLUSTERS).is_file():
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


def recover(out: Path) -> None:
    """Undo what a run killed mid-swap left: restore the previous output, drop staging folders."""
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        return
    olds = sorted(parent.glob(f".{out.name}.dedup-old-*"))
    if not out.exists() and olds:
        os.rename(olds[-1], out)
        olds = olds[:-1]
    for stale in [*olds, *parent.glob(f".{out.name}.dedup-tmp-*")]:
        shutil.rmtree(stale, ignore_errors=True)


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
        stage = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.dedup-tmp-"))
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
        old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.dedup-old-"))
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

