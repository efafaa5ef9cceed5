"""Process-wide tuning for a process that is the `dedup` command's own: malloc, the
garbage collector, numba's first load, and leaving without teardown. The library
never does these by itself (they change the whole process); a caller that owns its
process may opt in with tune(). The measurements are on the debian-docs benchmark."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import NoReturn

from ..accel import kernels, memory


def tune() -> None:
    """What the dedup command sets up before it runs (each measured, see the comments)."""
    # Reuse freed blocks of up to 32 MB: fresh blocks cost page faults and zeroing, about 1 s of 3.4 s system time.
    memory.reuse_freed()
    # Young-generation gc at 50k allocations, not 700: 360 -> 70 collections, 0.15 s less of the GIL the map threads need.
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    # Numba's BLAS probe imports scipy.linalg on its first load (0.25 s of the GIL, an OpenBLAS pool); no kernel uses BLAS.
    kernels.before_first_load(skip_blas_probe)


def skip_blas_probe() -> None:
    """Import numba's array maths (where its BLAS probe runs, once) with scipy's BLAS
    made to look absent, so the probe finds none. The block is lifted at once:
    scipy.linalg can still be imported after."""
    if "numba.np.arraymath" in sys.modules:
        return
    blas = "scipy.linalg.cython_blas"
    block = blas not in sys.modules
    if block:
        sys.modules[blas] = None  # importing it now fails as if scipy were not installed
    try:
        importlib.import_module("numba.np.arraymath")
    finally:
        if block and blas in sys.modules and sys.modules[blas] is None:
            del sys.modules[blas]


def leave(code: int | None) -> NoReturn:
    """Flush and end the process without Python's teardown: once outputs are written,
    renamed into place and flushed, unloading numba's compiled code alone takes about
    a quarter of a second, a few percent of a 200 MB scan."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError):  # `dedup scan ... --out - | head`: nothing left to say
            code = code or 1
    os._exit(code or 0)
