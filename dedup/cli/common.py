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
from typer.core import TyperArgument, TyperCommand
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..errors import ConfigError, DedupError
from ..io.readers import Skipped
from ..shown import shown

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SKIPPED, EXIT_MEMORY, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 3, 4, 130, 143
# Skipped inputs listed one by one on stderr; the rest are counted (all are in --stats).
MAX_WARNINGS = 20

err = Console(stderr=True)
# -h as well as --help on every command (subcommands inherit it from the app's context).
CONTEXT = {"help_option_names": ["-h", "--help"]}


class _PlainArgument(TyperArgument):
    """An argument shown by its metavar alone: `INPUT...` and `[FILE]`, not `{inputs}...`
    and `<list[str]>` (typer's own placeholders)."""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    def _rich_display_name(self) -> str:
        return self.display_name_raw + ("..." if self.nargs != 1 else "")

    def display_type_rich(self, ctx) -> str | None:
        return None if self.metavar is not None else super().display_type_rich(ctx)


class Command(TyperCommand):
    """Every dedup command: its arguments shown plainly (see _PlainArgument)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:  # typer builds them; only their display changes
                param.__class__ = _PlainArgument


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
    parquet = "parquet"




def say(label: str, message: str) -> None:
    """One line on stderr: a coloured label, then the message shown literally.

    soft_wrap: one message per line, so file names are never folded and stay greppable.
    Control characters (terminal escapes), bidi overrides and bytes of file names that
    are not UTF-8 are shown escaped (shown.py), and `:smile:` stays text (emoji=False).
    """
    err.print(f"{label} {escape(shown(message))}", highlight=False, soft_wrap=True, emoji=False)


# The share of a scan's time each stage takes (20 MB of news from benchmarks/corpora.py:
# shingle 2.3 s, candidates and verification 1.3 s, decide 0.13 s, stats and writing
# 1.8 s of 5.5 s; with --sentences decide took 9.8 s of 14.8 s), so that one bar covers
# the whole run and its ETA means something.
STAGE_SHARES = {
    False: {"shingle": 0.42, "units": 0.01, "candidates_verify": 0.24, "decide": 0.03, "write": 0.30},
    True: {"shingle": 0.16, "units": 0.01, "candidates_verify": 0.07, "decide": 0.65, "write": 0.11},
}
_LABELS = {"shingle": "reading", "units": "grouping", "candidates_verify": "verifying", "decide": "deciding", "write": "writing"}
_STEPS = 1000  # the bar's resolution


class _Bar:
    """One bar over every stage of a scan: a stage's share of the bar is its share of the
    time (STAGE_SHARES); mapping advances by the characters mapped over the input's bytes."""

    def __init__(self, bar: Progress, shares: dict[str, float]) -> None:
        self.bar, self.shares = bar, shares
        self.size = 0  # input bytes; 0: not known
        self.ended: set[str] = set()
        self.mapped = 0.0  # share of the mapping done
        self.task = bar.add_task(_LABELS["shingle"], total=_STEPS, size="")

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "input":
            self.size = total
            self.bar.update(self.task, size=_megabytes(total) if total else "")
            return
        if stage == "shingle" and total == 0:
            self.mapped = min(done / self.size, 1.0) if self.size else 0.0
        elif total and done >= total:
            self.ended.add(stage)
        shares = self.shares
        share = sum(shares.get(s, 0.0) for s in self.ended)
        if "shingle" not in self.ended:
            share += shares["shingle"] * self.mapped
        now = next((s for s in shares if s not in self.ended), "write")
        self.bar.update(self.task, completed=round(_STEPS * min(share, 1.0)), description=_LABELS[now])


def _megabytes(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


@contextmanager
def progress(enabled: bool, sentences: bool = False):
    """A progress callback (see stages.mapping.Progress) drawing one bar with an ETA on
    stderr, or None when not `enabled` (the caller checks that stderr is a terminal)."""
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("{task.description:<10}"), BarColumn(), TaskProgressColumn(), TextColumn("{task.fields[size]}"),
        TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=err, transient=True,
    ) as bar:
        yield _Bar(bar, STAGE_SHARES[sentences])


def warn_skipped(skipped: list[Skipped]) -> None:
    for s in skipped[:MAX_WARNINGS]:
        say("[yellow]warning:[/] skipped", str(s))
    if len(skipped) > MAX_WARNINGS:
        say("[yellow]warning:[/]", f"... and {len(skipped) - MAX_WARNINGS} more skipped (all listed in --stats)")


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
    return "--" + option.replace("_", "-")
