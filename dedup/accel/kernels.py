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
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
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


_FOUND: list[ModuleType | None] = []  # load()'s answer, once known


def load() -> ModuleType:
    """The compiled kernels module; ImportError where the package was built without it."""
    if not _FOUND:
        try:
            _FOUND.append(importlib.import_module(NATIVE))
        except ImportError:
            _FOUND.append(_installed())
    if _FOUND[0] is None:
        raise ImportError(f"{NATIVE} is not built: dedup runs its numpy loops")
    return _FOUND[0]


def _installed() -> ModuleType | None:
    """The extension of a dedup installed on sys.path, for a dedup imported from a zip
    (the Spark engine ships one to its executors), which cannot hold an extension."""
    for entry in sys.path:
        folder = Path(entry or ".") / "dedup" / "accel"
        for suffix in importlib.machinery.EXTENSION_SUFFIXES if folder.is_dir() else ():
            if (folder / f"_native{suffix}").is_file():
                spec = importlib.util.spec_from_file_location(NATIVE, folder / f"_native{suffix}")
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                sys.modules[NATIVE] = module
                return module
    return None


def available() -> bool:
    """Whether the compiled kernels can be used for large work."""
    if os.environ.get("DEDUP_NUMBA", "1") == "0":
        return False
    try:
        load()
    except ImportError:
        return False
    return True


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
