"""dedup.accel.memory: how the `dedup` command tunes glibc's malloc (a no-op elsewhere)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dedup.accel import memory

# In a fresh interpreter: resident memory (MB) after freeing a 24 MB array, then after release().
PROBE = """
import sys
import numpy as np
from dedup.accel import memory
if sys.argv[1] == "reuse":
    memory.reuse_freed()
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 >> 20
block = np.ones(3 << 20)  # 24 MB, every page touched
before = rss()
del block
freed = rss()
memory.release()
print(before, freed, rss())
"""


@pytest.mark.skipif(memory._libc() is None, reason="not glibc: reuse_freed and release are no-ops")
def test_freed_blocks_stay_for_reuse_until_released():
    def probe(mode: str) -> list[int]:
        out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
        return [int(x) for x in out.stdout.split()]

    before, freed, released = probe("default")
    assert before - freed >= 20, "by default glibc hands a 24 MB block back to the OS when freed"
    before, freed, released = probe("reuse")
    assert before - freed < 4, "with reuse_freed the block stays in the heap"
    assert freed - released >= 20, "and release() hands it back"
