"""The `dedup` command (Typer): the app, its commands, and the process entry point.

Exit codes: see cli.common.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__
from . import inspect, process, scan
from .common import CONTEXT, Command
from .index import index_app

app = typer.Typer(
    add_completion=False,
    # Plain help: rich panels cut long option names (--omit-duplicate-docs) short at 80 columns.
    rich_markup_mode=None,
    no_args_is_help=True,
    context_settings=CONTEXT,
    help="Find near-duplicate paragraphs within and across articles; write clean articles and clusters.",
    epilog="Example: dedup scan samples/ --out cleaned/",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dedup {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """Near-duplicate text detector: MinHash/LSH proposes, exact containment decides."""


app.command("scan", epilog=scan.EPILOG, cls=Command)(scan.scan)
app.command("report", epilog=inspect.REPORT_EPILOG, cls=Command)(inspect.report_cmd)
app.command("explain", epilog=inspect.EXPLAIN_EPILOG, cls=Command)(inspect.explain_cmd)
app.add_typer(index_app, name="index")


def main() -> None:
    """The `dedup` command: tunes its own process (see process.tune), runs the app, and
    leaves without Python's teardown (process.leave)."""
    process.tune()
    try:
        app()
        code = 0
    except SystemExit as e:
        code = e.code
    if code is not None and not isinstance(code, int):  # sys.exit("message"): print it, as Python would
        print(code, file=sys.stderr)
        code = 1
    process.leave(code)
