"""What `dedup scan INPUTS --out DIR` does, as one library call: find the inputs,
check the outputs, scan, write.

    from dedup import Config
    from dedup.run import scan_paths
    run = scan_paths(["crawl/"], "cleaned/", Config(keep="longest"), stats="stats.json")
    run.result.stats, run.skipped
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import budget
from .config import Config
from .errors import ConfigError, OutputError
from .index import REDIS_SCHEMES, check_index_outside, scan_with_index
from .io.readers import STDIN, DocumentStream, ReadOptions, Skipped, discover
from .io.staging import OutLock, atomic_write, check_file_out, check_out_dir, check_out_not_in_inputs
from .io.writers import clean_lines, cluster_lines, input_mode, kept_documents, stats_bytes, write_out_dir
from .pipeline import scan
from .records import Document
from .report.html import page_bytes, render_result
from .result import ScanResult
from .stages.mapping import Progress, default_jobs


@dataclass
class Run:
    """A finished scan_paths: the scan's result and the inputs or records it skipped."""

    result: ScanResult
    skipped: list[Skipped]


def repeated_ids(docs: Sequence[Document]) -> list[str]:
    """Ids used by more than one article (allowed: clusters.jsonl tells the articles apart
    by source and line; but they often mean a corpus was concatenated twice)."""
    counts = Counter(d.id for d in docs)
    return [i for i, n in counts.items() if n > 1]


def scan_paths(
    inputs: Sequence[str], out: str | os.PathLike, config: Config | None = None, *,
    read: ReadOptions | None = None, jobs: int = 0, spill: str | os.PathLike | None = None,
    index: str | None = None, stats: str | os.PathLike | None = None, clusters: str | os.PathLike | None = None,
    report: str | os.PathLike | None = None, omit_duplicates: bool = False,
    progress: Progress | None = None, on_read: Callable[[list[Skipped], list[str]], None] | None = None,
    on_note: Callable[[str], None] | None = None,
) -> Run:
    """Scan files, folders, globs or `-` (stdin) and write the clean articles and
    clusters.jsonl to the folder `out` (replaced atomically), or the clean records as
    JSONL to stdout when `out` is `-` (then `clusters` names a file for clusters.jsonl).

    Every output is checked before anything is read: none may overwrite or lie in an
    input (OutputError otherwise). `index`: also clean against this index of earlier
    batches and add this batch's kept spans. `stats`, `report`: files for the JSON
    stats and the HTML report. `jobs`: threads or processes (0: every core the
    process may use); results do not depend on it. `on_read(skipped, repeated_ids)`
    is called once the inputs are read, before anything is written.

    Memory: when the inputs' estimated need passes the memory this process may use
    (dedup.budget), the shingle sets are spilled to the output's parent folder (or
    the temporary folder) as `spill` would, and `on_note` is told; where even that
    would not fit, ResourceError is raised before anything is read.
    """
    started = time.perf_counter()
    config = config or Config()
    read = read or ReadOptions()
    inputs = list(inputs)
    sources = discover(inputs, read)
    out_dir = None if os.fspath(out) == STDIN else Path(out)
    if out_dir is not None:
        check_out_not_in_inputs(out_dir, inputs)
        check_out_dir(out_dir, sources)
    side = ((stats, "--stats"), (clusters, "--clusters"), (report, "--report"))
    to_stdout = [option for path, option in side if _is_stdout(path)]
    if to_stdout and out_dir is None:
        raise ConfigError(f"{to_stdout[0]} - and --out - would both write to standard output; name a file for {to_stdout[0]}")
    if len(to_stdout) > 1:
        raise ConfigError(f"{' and '.join(to_stdout)} would all write to standard output; name files for all but one")
    for path, option in side:
        if path is not None and not _is_stdout(path):
            check_file_out(Path(path), inputs, sources, option)
    if index is not None and out_dir is not None:
        check_index_outside(index, out_dir)
    if index is not None and not index.startswith(REDIS_SCHEMES):  # it would be read as an input next time
        check_out_not_in_inputs(Path(index), inputs, "--index")
    jobs = jobs or default_jobs()
    if spill is not None and not Path(spill).is_dir():
        raise OutputError(f"--spill {spill} is not a folder")
    if index is None:  # spill on its own, or stop now, rather than be killed by the kernel halfway
        spill = budget.plan_spill(sources, spill, None if out_dir is None else Path(os.path.abspath(out_dir)).parent, on_note or _quiet)
    lock = OutLock(out_dir) if out_dir is not None else None  # a second run with this --out is refused
    try:
        return _scan_and_write(
            inputs, sources, out_dir, config, read, jobs, spill, index, stats, clusters, report, omit_duplicates,
            progress, on_read, started,
        )
    finally:
        if lock is not None:
            lock.release()


def _quiet(_message: str) -> None:
    pass


def _is_stdout(path) -> bool:
    return path is not None and os.fspath(path) == STDIN


def _write_file(path, data: bytes, option: str, mode: int = 0o666) -> None:
    """--stats, --clusters or --report: `-` is standard output, else atomic_write
    (which writes into a FIFO or device instead of renaming over it)."""
    if _is_stdout(path):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        atomic_write(Path(path), data, option, mode)


def _scan_and_write(
    inputs, sources, out_dir, config, read, jobs, spill, index, stats, clusters, report, omit_duplicates,
    progress, on_read, started,
) -> Run:
    stream = DocumentStream(sources, read, progress=progress)
    if index is None:  # read while mapping
        result = scan(stream, config, progress, jobs=jobs, spill=spill, sample_pairs=report is not None)
    else:
        result = scan_with_index(list(stream), index, config, progress, jobs=jobs)
    skipped = stream.skipped
    repeated = repeated_ids(result.documents)
    if on_read is not None:
        on_read(skipped, repeated)
    result.stats["inputs"] = {"files": len(sources), "skipped": [str(s) for s in skipped], "repeated_ids": len(repeated)}
    written: list[str] = []  # what is complete, for the message if a later output fails
    mode = input_mode(stream.read)
    if out_dir is None:
        try:
            sys.stdout.buffer.writelines(clean_lines(result, kept_documents(result, omit_duplicates), read.text_field))
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise OutputError(f"cannot write standard output: {e.strerror or e}; the clean records on it are incomplete") from None
        written.append("the clean records on standard output")
        if clusters is not None:
            _side_output(clusters, lambda: b"".join(cluster_lines(result)), "--clusters", mode, written)
    else:
        write_out_dir(result, stream.read, out_dir, text_field=read.text_field, omit_duplicates=omit_duplicates, parallel=jobs > 1)
        written.append(f"--out {out_dir}")
    result.stats["elapsed_seconds"] = round(time.perf_counter() - started, 3)
    if stats is not None:
        _side_output(stats, lambda: stats_bytes(result.stats), "--stats", 0o666, written)
    if report is not None:
        _side_output(report, lambda: page_bytes(render_result(result)), "--report", mode, written)
    return Run(result, skipped)


def _side_output(path, data: Callable[[], bytes], option: str, mode: int, written: list[str]) -> None:
    """Write --clusters, --stats or --report after the main output; a failure says what
    was already written completely (and stays so), so no output is taken for whole
    that is not, and none is thought lost that is there."""
    try:
        _write_file(path, data(), option, mode)
    except OutputError as e:
        raise OutputError(f"{e} (written completely: {', '.join(written)}; not written: {option})") from None
    written.append(f"{option} {path}")
