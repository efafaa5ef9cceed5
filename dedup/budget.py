"""How much memory a scan may use, and how much one will need: so that a corpus too
big for the memory it is given spills its shingle sets and texts to disk (or is refused, with a
message) instead of being killed by the kernel halfway, with no word and no output.

The limit is the smallest of the memory cgroup limits this process lies under (v2
`memory.max`, v1 `memory.limit_in_bytes`, each ancestor's too) and the memory the
machine has available (MemAvailable) plus what this process already holds. An
address-space limit (`ulimit -v`) is not counted: it limits mapped files too, so
spilling would not help, and running out there is a MemoryError the command reports.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import ResourceError
from .io.readers import STDIN, Source

# Peak resident memory of a scan per byte of input, plus the interpreter and libraries,
# measured on news-500 (benchmarks/corpora.py, 500 MB of prose): 1.98 GB in memory, at
# candidates and verification (3.4 bytes per byte; 3.9 leaves room). Spilled (shingle sets
# and texts on disk, io/spilled_texts.py), 0.64 GB stays anonymous and the peak resident,
# file pages included, is 1.26 GB: under a 1.5 GiB cgroup it finished in 18 s (with only the
# sets spilled, 1.36 GB stayed anonymous and it thrashed). 2.0 takes that peak as the need.
# Corpora of many short paragraphs need more per byte (see README, Resources).
BASE = 250 << 20
PER_BYTE = 3.9
PER_BYTE_SPILLED = 2.0


# A gzipped input's text is taken as this many times its size (text compresses 3-4 times).
GZ_RATIO = 4


def plan_spill(
    sources: Sequence[Source], spill: str | os.PathLike | None, beside: Path | None, note: Callable[[str], None],
) -> str | os.PathLike | None:
    """The spill folder a scan of `sources` should use: `spill` if it fits the memory
    limit (or none is known), else, if spilling makes it fit, `beside` (the folder
    the output goes to; the temporary folder for standard output), said through
    `note`. Raises ResourceError, before anything is read, where even that would not fit."""
    size, allowed = input_bytes(sources), limit()
    if allowed is None or not size or need(size, spill is not None) <= allowed[0]:
        return spill
    cap, why = allowed
    if need(size, True) > cap:
        raise ResourceError(
            f"the inputs ({_gb(size)} of text) need about {_gb(need(size, True))} of memory even with their shingle "
            f"sets and texts spilled to disk, and {why} is {_gb(cap)}: clean them in batches against an index (--index), "
            "or give the scan more memory"
        )
    folder = beside if beside is not None else Path(tempfile.gettempdir())
    note(f"the inputs ({_gb(size)} of text) need about {_gb(need(size, False))} of memory and {why} is {_gb(cap)}: "
         f"their shingle sets and texts are spilled to {folder} (as --spill does; the output is the same)")
    return folder


def input_bytes(sources: Sequence[Source]) -> int:
    """Bytes of text the sources hold, as far as sizes tell (standard input: 0)."""
    total = 0
    for src in sources:
        if src.path != STDIN:
            try:
                total += os.stat(src.path).st_size * (GZ_RATIO if src.compression else 1)
            except OSError:
                pass
    return total


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f} GB"


def need(input_bytes: int, spilled: bool) -> int:
    """Estimated peak resident bytes of a scan of `input_bytes` of text."""
    return BASE + int(input_bytes * (PER_BYTE_SPILLED if spilled else PER_BYTE))


def limit(cgroup_root: str = "/sys/fs/cgroup") -> tuple[int, str] | None:
    """(bytes this process may use, what sets it), or None where nothing can tell."""
    found: list[tuple[int, str]] = []
    for path, name in _cgroup_limit_files(Path(cgroup_root)):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # v1 says "no limit" with a huge number, v2 with "max"
            found.append((int(text), "the memory cgroup's limit" + name))
    available = _meminfo("MemAvailable")
    if available is not None:
        found.append((available + _own_rss(), "the memory available on this machine"))
    return min(found) if found else None


def _cgroup_limit_files(root: Path) -> list[tuple[Path, str]]:
    """The limit file of this process's memory cgroup and of each ancestor, v1 and v2."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    files = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # v2: one hierarchy
            base, name = root if (root / "cgroup.controllers").exists() else root / "unified", "memory.max"
        elif "memory" in controllers.split(","):
            base, name = root / "memory", "memory.limit_in_bytes"
        else:
            continue
        parts = [p for p in path.split("/") if p]
        for k in range(len(parts), -1, -1):
            files.append((base.joinpath(*parts[:k]) / name, f" ({name})"))
    return files


def _meminfo(key: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) << 10
    except (OSError, ValueError, IndexError):
        pass
    return None


def _own_rss() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
