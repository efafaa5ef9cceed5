"""How the process's freed memory goes back to the operating system.

glibc's malloc keeps freed blocks below its mmap threshold (which grows up to
32 MB as large arrays are freed) in its heaps for reuse; between the stages of a
scan, where tens of MB of per-chunk arrays have just been freed and the next
stage allocates arrays of other sizes, that retained memory adds 100 MB or more
to the peak (measured on debian-docs). `release` returns it (`malloc_trim`);
`reuse_freed` lets the `dedup` command keep freed blocks within a stage. Both
are no-ops where malloc is not glibc's.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018 - glibc's, or not glibc (musl has neither)
        return libc
    except (OSError, AttributeError):
        return None


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


def reuse_freed() -> None:
    """Let malloc reuse freed blocks of up to 32 MB instead of handing them back to the
    OS at once: per-chunk arrays are allocated and freed hundreds of times a scan, and
    every fresh block costs page faults and zeroing in the kernel (on debian-docs
    about 1 s of the scan's 3.4 s of system time). release() still returns them
    between stages. Process-wide, so only the `dedup` command calls it; elsewhere a no-op.
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's largest: blocks up to it come from the heaps
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)  # free() does not trim; release() does


def release() -> None:
    """Return freed heap memory to the OS (glibc's malloc_trim), where possible."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
