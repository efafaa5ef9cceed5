"""A persistent index of kept spans: clean each new batch against every earlier one.

    from dedup.index import open_index, scan_incremental
    with open_index("archive.db", Config()) as store:       # or "redis://localhost:6379/0"
        result = scan_incremental(documents, store)         # checks against, then adds to, the index
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import Config
from ..errors import OutputError
from ..records import Document
from ..result import ScanResult
from ..stages.mapping import Progress
from .base import Batch, Conflict, Entries, IndexStoreError, Store, batch_key
from .incremental import Scanned, scan_incremental, scanning

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def open_index(location: str, config: Config | None = None, *, create: bool = True) -> Store:
    """An index by path (SQLite) or redis:// URL. With `config`, refuses an index
    built with other parameters; without, uses the index's own. `create`: make a
    new, empty index when there is none."""
    if location.startswith(REDIS_SCHEMES):
        from .redis import RedisStore

        return RedisStore(location, config, create=create)
    from .sqlite import SqliteStore

    return SqliteStore(location, config, create=create)


def check_index_outside(location: str, out: Path) -> None:
    """Refuse an index file inside --out: replacing the output folder would delete it."""
    if location.startswith(REDIS_SCHEMES):
        return
    index, out_real = Path(os.path.realpath(location)), Path(os.path.realpath(out))
    if index == out_real or out_real in index.parents:
        raise OutputError(f"--index {location} lies inside --out {out}: replacing the output would delete it")


@contextmanager
def scanning_with_index(
    documents: Iterable[Document], location: str, config: Config | None = None, progress: Progress | None = None,
    *, jobs: int = 1, spill: str | os.PathLike | None = None, sample_pairs: bool = True,
) -> Iterator[Scanned]:
    """Open the index and scan the batch against it; the batch's kept spans are added
    by the Scanned's `add`, at the latest when the block ends; see incremental.scanning."""
    store = open_index(location, config)
    try:
        with scanning(documents, store, progress, jobs=jobs, spill=spill, sample_pairs=sample_pairs) as scanned:
            yield scanned
    finally:
        store.close()


def scan_with_index(
    documents: Iterable[Document], location: str, config: Config | None = None, progress: Progress | None = None,
    *, jobs: int = 1, spill: str | os.PathLike | None = None, sample_pairs: bool = True,
) -> ScanResult:
    """Open the index, scan the batch against it and add its kept spans; see scan_incremental."""
    with scanning_with_index(documents, location, config, progress, jobs=jobs, spill=spill, sample_pairs=sample_pairs) as scanned:
        scanned.add()
    return scanned.result


__all__ = [
    "Batch", "Conflict", "Entries", "IndexStoreError", "Store", "batch_key",
    "Scanned", "check_index_outside", "open_index", "scan_incremental", "scan_with_index", "scanning", "scanning_with_index",
]
