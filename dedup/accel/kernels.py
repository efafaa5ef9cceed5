"""Which inner loops run compiled.

The hot loops (MinHash over shingles, exact intersections, per-span sorting, the
tokenizer) have a compiled version in the C extension `dedup.accel._native`
(dedup/accel/native/_native.c, built with the package) beside their numpy version
in the module that uses them. Both give identical results (tests run both); the
compiled one runs when the extension was built, the work is large enough to be
worth leaving numpy, and the environment variable DEDUP_NUMBA (a name kept from
when the loops were numba's) is not `0`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType

import numpy as np

NATIVE = "dedup.accel._native"

# Elements of work below which numpy is used: small jobs are quick either way.
MIN_WORK = 200_000


def compiled(work: int) -> ModuleType | None:
    """The compiled kernels module for a job of `work` elements, or None for numpy."""
    if work < min_work() or os.environ.get("DEDUP_NUMBA", "1") == "0":
        return None
    try:
        return load()
    except ImportError:  # built without a C compiler: numpy it is
        return None


def load() -> ModuleType:
    """The compiled kernels module; ImportError where the package was built without it."""
    return importlib.import_module(NATIVE)


def available() -> bool:
    """Whether the compiled kernels can be used for large work."""
    return os.environ.get("DEDUP_NUMBA", "1") != "0" and importlib.util.find_spec(NATIVE) is not None


def in_ranges(fn: Callable[[int, int], object], n: int, parts: int) -> None:
    """fn(lo, hi) over `parts` contiguous ranges that cover range(n), in that many
    threads: the compiled loops release the GIL, so the ranges run at once."""
    cuts = np.linspace(0, n, max(1, parts) + 1).astype(np.int64).tolist()
    if len(cuts) == 2:
        fn(0, n)
        return
    with ThreadPoolExecutor(len(cuts) - 1) as pool:
        list(pool.map(fn, cuts[:-1], cuts[1:]))


def min_work() -> int:
    """MIN_WORK, or DEDUP_NUMBA_MIN_WORK when set (tests use 0 to compare both paths)."""
    return int(os.environ.get("DEDUP_NUMBA_MIN_WORK", MIN_WORK))


def warm_up() -> None:
    """Load the compiled kernels now (a few milliseconds: there is nothing to compile
    at run time), so a caller can do it in a background thread."""
    compiled(min_work())
