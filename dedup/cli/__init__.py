"""The `dedup` command (Typer): the app, its commands, and the process entry point.

Exit codes: see cli.common.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Annotated

import typer

from .. import __version__
from ..accel import kernels, memory
from . import inspect, scan
from .common import EXIT_FAIL
from .index import index_app

app = typer.Typer(
    add_completion=False,
    # Plain help: rich panels cut long option names (--omit-duplicate-docs) short at 80 columns.
    rich_markup_mode=None,
    no_args_is_help=True,
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


app.command("scan", epilog=scan.EPILOG)(scan.scan)
app.command("report", epilog=inspect.REPORT_EPILOG)(inspect.report_cmd)
app.command("explain", epilog=inspect.EXPLAIN_EPILOG)(inspect.explain_cmd)
app.add_typer(index_app, name="index")


def main() -> None:
    """The `dedup` command. Once the app is done (outputs written, renamed into place and
    flushed), the process leaves without Python's teardown: unloading numba's compiled
    code alone takes about a quarter of a second, a few percent of a 200 MB scan."""
    memory.reuse_freed()  # the process is the command's own: its malloc may be tuned (see there)
    # A scan makes few reference cycles but millions of lists and tuples: at the default
    # threshold the young-generation collector ran some 360 times (0.15 s of the GIL the
    # map threads need on a 200 MB corpus); at this one about 70 times.
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    kernels.OWN_PROCESS = True  # numba's BLAS probe may be skipped (see kernels._load)
    try:
        app()
        code = 0
    except SystemExit as e:
        code = e.code
    if code is not None and not isinstance(code, int):  # sys.exit("message"): print it, as Python would
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError):  # `dedup scan ... --out - | head`: nothing left to say
            code = code or EXIT_FAIL
    os._exit(code or 0)
