"""What the command families share: the stderr console, exit codes, error wording,
progress bar, skip warnings and the option types used by more than one command.

Exit codes: 0 done; 1 unexpected failure; 2 usage, missing input, bad record or
unsafe output; 3 done, but some inputs, records or ids were skipped (see stderr);
4 not enough memory (refused before reading, or out of memory: nothing partial written);
130 interrupted (Ctrl-C), 143 terminated (SIGTERM): nothing partial was written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import ConfigError, DedupError
from ..io.readers import ReadOptions, Skipped, read_sources
from ..shown import shown

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SKIPPED, EXIT_MEMORY, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 3, 4, 130, 143
# Skipped inputs listed one by one on stderr; the rest are counted (all are in --stats).
MAX_WARNINGS = 20

err = Console(stderr=True)


class Keep(str, Enum):
    first = "first"
    longest = "longest"


class Segment(str, Enum):
    auto = "auto"
    paragraph = "paragraph"
    line = "line"


class Format(str, Enum):
    auto = "auto"
    text = "text"
    jsonl = "jsonl"




def say(label: str, message: str) -> None:
    """One line on stderr: a coloured label, then the message shown literally.

    soft_wrap: one message per line, so file names are never folded and stay greppable.
    Control characters (terminal escapes), bidi overrides and bytes of file names that
    are not UTF-8 are shown escaped (shown.py), and `:smile:` stays text (emoji=False).
    """
    err.print(f"{label} {escape(shown(message))}", highlight=False, soft_wrap=True, emoji=False)


@contextmanager
def progress(enabled: bool):
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def tick(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield tick


def warn_skipped(skipped: list[Skipped]) -> None:
    for s in skipped[:MAX_WARNINGS]:
        say("[yellow]warning:[/] skipped", str(s))
    if len(skipped) > MAX_WARNINGS:
        say("[yellow]warning:[/]", f"... and {len(skipped) - MAX_WARNINGS} more skipped (all listed in --stats)")


def read_all(sources: list, opts: ReadOptions, tick) -> tuple[list, list[Skipped]]:
    """Documents of every source in order, warning on stderr about what was skipped."""
    docs, skipped, _ = read_sources(sources, opts, progress=tick)
    warn_skipped(skipped)
    return docs, skipped


def failed(e: DedupError) -> typer.Exit:
    """Print a library error (naming the flag of a bad option) and return the exit to raise."""
    message = f"{flag(e.option)}: {e}" if isinstance(e, ConfigError) and e.option else str(e)
    say("[red]error:[/]", message)
    return typer.Exit(e.exit_code)


@contextmanager
def reported() -> Iterator[None]:
    """Library errors inside become the CLI's error line and exit code."""
    try:
        yield
    except DedupError as e:
        raise failed(e) from None


def flag(option: str) -> str:
    """The command-line flag that sets a Config field."""
    return "--threshold" if option == "containment" else "--" + option.replace("_", "-")
