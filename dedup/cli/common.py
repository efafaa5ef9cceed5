"""What the command families share: the stderr console, exit codes, error wording,
progress bar, skip warnings and the option types used by more than one command.

Exit codes: 0 done; 1 unexpected failure; 2 usage, missing input, bad record or
unsafe output; 3 done, but some inputs, records or ids were skipped (see stderr);
130 interrupted (Ctrl-C): nothing partial was written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import ConfigError, DedupError
from ..io.readers import ReadOptions, Skipped, read_sources

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SKIPPED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
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


# Control characters (terminal escapes) and bidi overrides in file names or ids
# are shown escaped, so an input cannot rewrite the user's terminal.
_UNPRINTABLE = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_UNPRINTABLE.update({c: f"\\u{c:04x}" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def say(label: str, message: str) -> None:
    """One line on stderr: a coloured label, then the message shown literally.

    soft_wrap: one message per line, so file names are never folded and stay greppable.
    """
    err.print(f"{label} {escape(message.translate(_UNPRINTABLE))}", highlight=False, soft_wrap=True)


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
    return "--" + option.replace("_", "-")
