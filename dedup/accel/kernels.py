"""Which inner loops run compiled.

The hot loops (MinHash over shingles, exact intersections, per-span sorting)
have a compiled version in `numba_kernels.py` (numba) beside their numpy version in
the module that uses them. Both give identical results (tests run both); the
compiled one runs when numba is installed, the work is large enough to pay for
loading it, and the environment variable DEDUP_NUMBA is not `0`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType

import numpy as np

# Elements of work below which numpy is used: loading the compiled code costs
# about a second once per process (more on the very first run, when it compiles).
MIN_WORK = 200_000


def compiled(work: int) -> ModuleType | None:
    """The compiled kernels module for a job of `work` elements, or None for numpy."""
    if work < min_work() or os.environ.get("DEDUP_NUMBA", "1") == "0":
        return None
    try:
        return _load()
    except ImportError:  # numba missing or unusable on this platform
        return None


_FIRST_LOAD: list[Callable[[], None]] = []  # see before_first_load
_LOADING = threading.Lock()


def before_first_load(hook: Callable[[], None]) -> None:
    """Run `hook` once, just before the compiled kernels are first loaded (the dedup
    command uses it to skip numba's BLAS probe, see cli.process)."""
    _FIRST_LOAD.append(hook)


def _load() -> ModuleType:
    """The compiled kernels module."""
    if _FIRST_LOAD:
        with _LOADING:
            while _FIRST_LOAD:  # taken off once done, so another thread waits for it
                _FIRST_LOAD[0]()
                _FIRST_LOAD.pop(0)
    return importlib.import_module("dedup.accel.numba_kernels")


def available() -> bool:
    """Whether the compiled kernels can be used for large work, without loading them
    (that takes a while; a broken numba install still shows only on import)."""
    return os.environ.get("DEDUP_NUMBA", "1") != "0" and importlib.util.find_spec("numba") is not None


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
    """Load numba and the compiled kernels a scan uses now (from the on-disk cache when
    there), so a caller can do it in a background thread while the map stage runs.
    Each load costs about 25 ms of the GIL, so only the variants of an ordinary scan
    (pairs as int32: fewer than 2**31 sets) are loaded; others load on first use."""
    fast = compiled(min_work())
    if fast is None:
        return
    one = np.array([0, 1], dtype=np.int64)
    band_major = np.zeros((2, 2), np.uint64).T  # set_band_keys' layout: whole (F) and a range of sets (A)
    for keys in (band_major, band_major[:1]):
        fast.minhash_band_keys(np.ones(1, np.uint64), one, np.ones(2, np.uint32), np.ones(2, np.uint32), 2, 1, np.uint64(3), keys)
    pair = np.zeros((1, 2), dtype=np.int32)
    fast.intersections(pair, np.ones(1, np.uint64), one, np.zeros(1, np.int64))
    out = np.zeros(1, np.int64)
    empty = np.zeros(0, np.int64)
    members = np.zeros(2, np.int32)  # candidates._union
    fast.member_index(members, one[:1] * 0, one[1:] * 2, 2, np.zeros(2, np.int64), out.copy(), out.copy(), np.zeros(2, np.int64))
    fast.partners(members, 0, one, out.copy(), out.copy(), empty, 0.5, 0, 1, np.full((1, 2), -1, np.int32), np.zeros(2, np.int32))
    fast.repeated(np.zeros(1, np.uint64), np.uint64(0), 2, np.ones(1, bool))
    fast.anchors(np.ones(1, np.uint64), one, np.uint64(2), np.uint64(3), np.zeros(1, np.uint64), np.zeros(1, np.int32))
    fast.decide_pairs(one + 1, one, one.astype(np.int32).reshape(1, 2), one[1:], 0.5, 3.0, 0.02, np.full(2, -1, np.int64))
    fast.count_verified(pair, np.ones(1, np.int64), np.ones(1, np.int64), 0.5)
    from ..stages.normalize import char_table
    from ..stages.segment import strip_lookup

    for codes in (np.frombuffer(b"ab", dtype=np.uint8), np.frombuffer("ab".encode("utf-32-le"), dtype=np.uint32)):
        fast.segment_spans(codes, one[:1], one[1:] * 2, *strip_lookup(), 2, 100)
        fast.span_token_hashes(codes, one[:1], one[1:] * 2, *char_table(), np.zeros(2, np.uint64), out.copy())
    fast.set_keys(np.zeros(8, np.uint8), one, np.uint64(0), np.zeros(1, np.uint64))
    fast.gather_token_hashes(np.zeros(1, np.uint64), np.zeros(0, np.uint64), one[1:], np.zeros(1, bool), np.zeros(1, np.uint64))
    fast.shingle_sets(np.ones(1, np.uint64), np.ones(1, np.int64), 5, np.uint64(3), np.zeros(1, np.uint64), out.copy())
