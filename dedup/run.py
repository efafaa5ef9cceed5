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
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from . import budget
from .config import Config
from .errors import ConfigError, OutputError
from .annotate import annotations
from .index import REDIS_SCHEMES, check_index_outside, scanning_with_index
from .io import remote
from .io.readers import STDIN, DocumentStream, ReadOptions, Skipped, discover
from .io.staging import MARKER, OutLock, atomic_write, check_file_out, check_out_dir, check_out_not_in_inputs
from .io.writers import FULL_TEXT, clean_lines, cluster_lines, input_mode, kept_documents, stats_bytes, write_out_dir
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
    annotate: bool = False, cluster_text: int | None = FULL_TEXT, stdout_taken: str | None = None,
    on_note: Callable[[str], None] | None = None,
) -> Run:
    """Scan files, folders, globs, URLs or `-` (stdin) and write the clean articles and
    clusters.jsonl to the folder `out` (replaced atomically; a URL: see remote.publish),
    or the clean records as JSONL to stdout when `out` is `-`; `clusters` names a file
    for (another copy of) clusters.jsonl. `-` or /dev/stdout for any output is standard
    output, which one output at most may take (`stdout_taken`: the caller's own, such as
    "--json"). `annotate`: each clean record also says what was removed (dedup.annotate);
    `cluster_text`: the members' text in clusters.jsonl (writers.FULL_TEXT).

    Every output is checked before anything is read: none may overwrite or lie in an
    input (OutputError otherwise). `index`: also clean against this index of earlier
    batches and add this batch's kept spans. `stats`, `report`: files for the JSON
    stats and the HTML report. `jobs`: threads or processes (0: every core the
    process may use); results do not depend on it. `on_read(skipped, repeated_ids)`
    is called once the inputs are read, before anything is written.

    Memory: when the inputs' estimated need passes the memory this process may use
    (dedup.budget), the shingle sets and texts are spilled to the output's parent folder (or
    the temporary folder) as `spill` would, and `on_note` is told; where even that
    would not fit, ResourceError is raised before anything is read.
    """
    started = time.perf_counter()
    config = config or Config()
    read = read or ReadOptions()
    inputs = list(inputs)
    sources = discover(inputs, read)
    out_url = os.fspath(out) if remote.is_url(os.fspath(out)) else None
    with ExitStack() as cleanup:
        if out_url is not None:  # the output is written in a local folder in full, then published
            remote.check_out(out_url, MARKER, [p for p in [*inputs, *(s.path for s in sources)] if remote.is_url(p)])
            if (here := remote.local_path(out_url)) is not None:  # file://: the local inputs' rules too
                check_out_not_in_inputs(here, inputs)
                check_out_dir(here, sources)
            out = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="dedup-out-"))) / "out"
        job = _Job(
            inputs, sources, config, read, jobs, spill, index, stats, clusters, report, omit_duplicates,
            progress, on_read, on_note, annotate, cluster_text, stdout_taken, started,
        )
        return _checked_scan(job, out, out_url)


@dataclass
class _Job:
    """scan_paths' arguments, with the sources they name, as the steps below share them."""

    inputs: list[str]
    sources: list
    config: Config
    read: ReadOptions
    jobs: int
    spill: str | os.PathLike | None
    index: str | None
    stats: str | os.PathLike | None
    clusters: str | os.PathLike | None
    report: str | os.PathLike | None
    omit_duplicates: bool
    progress: Progress | None
    on_read: Callable[[list[Skipped], list[str]], None] | None
    on_note: Callable[[str], None] | None
    annotate: bool
    cluster_text: int | None
    stdout_taken: str | None
    started: float


def _checked_scan(job: _Job, out: str | os.PathLike, publish: str | None) -> Run:
    """Check every output against the inputs and each other, then scan and write
    (`publish`: the URL the local `out` folder goes to once complete)."""
    inputs, sources, index, stats, clusters, report = job.inputs, job.sources, job.index, job.stats, job.clusters, job.report
    out_dir = None if os.fspath(out) == STDIN else Path(out)
    if out_dir is not None:
        check_out_not_in_inputs(out_dir, inputs)
        check_out_dir(out_dir, sources)
    side = ((stats, "--stats"), (clusters, "--clusters"), (report, "--report"))
    to_stdout = [option for path, option in side if is_stdout(path)] + [job.stdout_taken] * bool(job.stdout_taken)
    if to_stdout and out_dir is None:
        raise ConfigError(f"{to_stdout[0]} - and --out - would both write to standard output; name a file for {to_stdout[0]}")
    if len(to_stdout) > 1:
        raise ConfigError(f"{' and '.join(to_stdout)} would all write to standard output; name files for all but one")
    for path, option in side:
        if path is not None and not is_stdout(path):
            check_file_out(Path(path), inputs, sources, option)
    if index is not None and out_dir is not None:
        check_index_outside(index, out_dir)
    if index is not None and not index.startswith(REDIS_SCHEMES):  # it would be read as an input next time
        check_out_not_in_inputs(Path(index), inputs, "--index")
    job.jobs = job.jobs or default_jobs()
    if job.spill is not None and not Path(job.spill).is_dir():
        raise OutputError(f"--spill {job.spill} is not a folder")
    if index is None:  # spill on its own, or stop now, rather than be killed by the kernel halfway
        beside = None if out_dir is None else Path(os.path.abspath(out_dir)).parent
        job.spill = budget.plan_spill(sources, job.spill, beside, job.on_note or _quiet)
    lock = OutLock(out_dir) if out_dir is not None else None  # a second run with this --out is refused
    try:
        return _scan_and_write(job, out_dir, publish)
    finally:
        if lock is not None:
            lock.release()


def input_bytes(sources) -> int:
    """The inputs' text in bytes as the progress bar counts it (budget.input_bytes);
    0, not known, when standard input is one of them."""
    return 0 if any(src.path == STDIN for src in sources) else budget.input_bytes(sources)


def _quiet(_message: str) -> None:
    pass


def is_stdout(path) -> bool:
    """`-`, or /dev/stdout: the same stream (renaming over /dev/stdout's target, or
    writing into it at offset 0 when it is a file, would both go wrong)."""
    return path is not None and os.fspath(path) in (STDIN, "/dev/stdout")


def write_file(path, data: bytes, option: str, mode: int = 0o666) -> None:
    """--stats, --clusters or --report: `-` is standard output, else atomic_write
    (which writes into a FIFO or device instead of renaming over it)."""
    if is_stdout(path):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        atomic_write(Path(path), data, option, mode)


def _scan_and_write(job: _Job, out_dir: Path | None, publish: str | None) -> Run:
    sources, config, read, jobs, spill, index, progress = job.sources, job.config, job.read, job.jobs, job.spill, job.index, job.progress
    report = job.report
    if progress:
        progress("input", *(2 * [input_bytes(sources)]))
    stream = DocumentStream(sources, read, progress=progress)
    with ExitStack() as batch:
        if index is None:  # read while mapping
            result, add = scan(stream, config, progress, jobs=jobs, spill=spill, sample_pairs=report is not None), None
        else:  # added to the index while the output is written (write_out_dir's `meanwhile`)
            scanned = batch.enter_context(
                scanning_with_index(stream, index, config, progress, jobs=jobs, spill=spill, sample_pairs=report is not None)
            )
            result, add = scanned.result, scanned.add
        return _write(job, stream, result, add, out_dir, publish)


def _write(job: _Job, stream: DocumentStream, result: ScanResult, add: Callable[[], None] | None, out_dir: Path | None,
           publish: str | None) -> Run:
    """Write the outputs of a scan; `add`: add the batch to its index, before any side output."""
    sources, read, jobs, clusters, stats, report = job.sources, job.read, job.jobs, job.clusters, job.stats, job.report
    omit_duplicates, cluster_text, progress = job.omit_duplicates, job.cluster_text, job.progress
    skipped = stream.skipped
    repeated = repeated_ids(result.documents)
    if job.on_read is not None:
        job.on_read(skipped, repeated)
    result.stats["inputs"] = {"files": len(sources), "skipped": [str(s) for s in skipped], "repeated_ids": len(repeated)}
    notes = annotations(result) if job.annotate else None
    if progress:
        progress("write", 0, 1)
    written: list[str] = []  # what is complete, for the message if a later output fails
    mode = input_mode(stream.read)
    if out_dir is None:
        if add is not None:
            add()
        try:
            sys.stdout.buffer.writelines(clean_lines(result, kept_documents(result, omit_duplicates), read.text_field, notes))
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise OutputError(f"cannot write standard output: {e.strerror or e}; the clean records on it are incomplete") from None
        written.append("the clean records on standard output")
    else:
        write_out_dir(
            result, stream.read, out_dir, text_field=read.text_field, omit_duplicates=omit_duplicates, parallel=jobs > 1,
            notes=notes, cluster_text=cluster_text, meanwhile=add,
        )
        if publish is not None:
            remote.publish(out_dir, publish, MARKER)
        written.append(f"--out {publish or out_dir}")
    if clusters is not None:
        _side_output(clusters, lambda: b"".join(cluster_lines(result, text=cluster_text)), "--clusters", mode, written)
    if progress:
        progress("write", 1, 1)
    result.stats["elapsed_seconds"] = round(time.perf_counter() - job.started, 3)
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
        write_file(path, data(), option, mode)
    except OutputError as e:
        raise OutputError(f"{e} (written completely: {', '.join(written)}; not written: {option})") from None
    written.append(f"{option} {path}")
