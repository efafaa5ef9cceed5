"""Give memory the process has freed back to the operating system.

glibc's malloc keeps freed blocks below its mmap threshold (which grows up to
32 MB as large arrays are freed) in its heaps for reuse; between the stages of a
scan, where tens of MB of per-chunk arrays have just been freed and the next
stage allocates arrays of other sizes, that retained memory adds 100 MB or more
to the peak (measured on debian-docs). `malloc_trim` returns it; elsewhere this
is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None


def release() -> None:
    """Return freed heap memory to the OS (glibc's malloc_trim), where possible."""
    trim = _trim()
    if trim is not None:
        trim(0)
