"""Distinct shingle sets (units): exact copies are judged once; keep preference of spans and units."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xxhash

from ..accel import kernels
from ..arrays import run_starts
from ..errors import OutputError


@dataclass
class Units:
    """Distinct shingle sets: exact copies share a unit and are judged once."""

    unit_of: np.ndarray  # unit of each eligible span
    values: np.ndarray
    offsets: np.ndarray
    sizes: np.ndarray
    first_member: np.ndarray | None = None  # the eligible span each unit was copied from


def set_keys(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A 64-bit key per shingle set (uint64); equal sets, equal keys: xxh3-64 of the
    set's bytes (an index stores these, so they never change)."""
    fast = kernels.compiled(len(values))
    if fast is not None:
        out = np.empty(len(offsets) - 1, dtype=np.uint64)
        data = np.ascontiguousarray(values, dtype=np.uint64).view(np.uint8)
        fast.set_keys(data, np.asarray(offsets, dtype=np.int64), np.uint64(xxhash.xxh3_64_intdigest(b"")), out)
        return out
    digest = xxhash.xxh3_64_intdigest
    return np.fromiter(
        (digest(values[offsets[i] : offsets[i + 1]].tobytes()) for i in range(len(offsets) - 1)),
        dtype=np.uint64, count=len(offsets) - 1,
    )


class UnitBuilder:
    """Distinct shingle sets in order of first occurrence, fed a run of sets at a
    time, so a scan holds each distinct set once instead of every copy.

    With `spill`, a folder, the distinct sets go to numpy files there as they
    come and the units' values are a read-only memory map of one .npy file: the
    operating system pages them in and out as needed.
    """

    def __init__(self, spill: str | os.PathLike | None = None) -> None:
        self._spill = Path(spill) if spill is not None else None
        # Keys of the units so far, sorted, and each one's unit number.
        self._keys = np.zeros(0, dtype=np.uint64)
        self._key_unit = np.zeros(0, dtype=np.int64)
        self._unit_of: list[np.ndarray] = []
        self._values: list[Path] = []  # with spill: the runs' files
        # Without: one buffer the runs' new sets are copied into, grown by doubling
        # (the copying happens while the map threads work, not after them).
        self._buffer, self._used = np.zeros(0, dtype=np.uint64), 0
        self._sizes: list[np.ndarray] = []
        self._first: list[np.ndarray] = []
        self._fed = 0

    def add(self, values: np.ndarray, offsets: np.ndarray, keys: np.ndarray) -> None:
        """The next sets (`values[offsets[i]:offsets[i + 1]]`, with their set_keys)."""
        known = len(self._keys)
        distinct, first_at, inverse = np.unique(keys, return_index=True, return_inverse=True)
        at = np.searchsorted(self._keys, distinct)
        seen = at < known
        seen[seen] = self._keys[at[seen]] == distinct[seen]
        unit = np.empty(len(distinct), dtype=np.int64)
        unit[seen] = self._key_unit[at[seen]]
        # New units are numbered in order of first occurrence, as a dict filled in input order would.
        new = np.flatnonzero(~seen)
        new = new[np.argsort(first_at[new], kind="stable")]
        unit[new] = known + np.arange(len(new))
        unit_of = unit[inverse.reshape(-1)]
        if len(new):
            ins = np.argsort(distinct[new], kind="stable")
            self._keys = np.insert(self._keys, at[new][ins], distinct[new][ins])
            self._key_unit = np.insert(self._key_unit, at[new][ins], unit[new][ins])
        # A new unit's first member: its first occurrence in this run.
        first = first_at[new]  # ascending, so the new sets' values are in place order
        sizes = offsets[first + 1] - offsets[first]
        pick = np.zeros(len(keys), dtype=bool)
        pick[first] = True
        fresh = values[offsets[0] : offsets[-1]][np.repeat(pick, np.diff(offsets))]
        if self._spill is not None:
            path = self._spill / f"units-{len(self._values):06d}.npy"
            with self._spilling():
                np.save(path, fresh, allow_pickle=False)
            self._values.append(path)
        else:
            self._append(fresh)
        self._unit_of.append(unit_of)
        self._sizes.append(sizes)
        self._first.append(first + self._fed)
        self._fed += len(keys)

    def units(self) -> Units:
        def cat(parts: list[np.ndarray], dtype) -> np.ndarray:
            out = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
            parts.clear()
            return out

        sizes = cat(self._sizes, np.int64)
        self._keys, self._key_unit = self._keys[:0], self._key_unit[:0]
        if self._spill is None:  # a view: the buffer's unused tail was never written, so takes no memory
            values, self._buffer, self._used = self._buffer[: self._used], self._buffer[:0], 0
        else:
            with self._spilling():
                values = self._spill_values(int(sizes.sum()))
        return Units(cat(self._unit_of, np.int64), values, run_starts(sizes), sizes, cat(self._first, np.int64))

    def _append(self, fresh: np.ndarray) -> None:
        need = self._used + len(fresh)
        if need > len(self._buffer):
            grown = np.empty(max(need, 2 * len(self._buffer)), dtype=np.uint64)
            grown[: self._used] = self._buffer[: self._used]
            self._buffer = grown
        self._buffer[self._used : need] = fresh
        self._used = need

    @contextmanager
    def _spilling(self) -> Iterator[None]:
        """A failed write to the spill folder (a full disk) as an OutputError naming it."""
        try:
            yield
        except OSError as e:
            raise OutputError(f"cannot write to the --spill folder {self._spill}: {e.strerror or e}") from None

    def _spill_values(self, total: int) -> np.ndarray:
        path = self._spill / "units.npy"
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint64, shape=(total,))
        # Its blocks are taken now: a memory map written where the disk is full gets SIGBUS, not an error.
        with open(path, "r+b") as f:
            os.posix_fallocate(f.fileno(), 0, os.fstat(f.fileno()).st_size)
        at = 0
        for part in self._values:
            block = np.load(part, mmap_mode="r", allow_pickle=False)
            out[at : at + len(block)] = block
            at += len(block)
            del block
            part.unlink()
        out.flush()
        del out
        self._values.clear()
        return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))


def group_units(values: np.ndarray, offsets: np.ndarray, keys: np.ndarray | None = None) -> Units:
    """Collapse identical shingle sets, so LSH and anchor buckets never fill up with
    copies of one boilerplate paragraph. Units are numbered by first occurrence.
    `keys`: the sets' set_keys, if already computed."""
    builder = UnitBuilder()
    builder.add(values, offsets, set_keys(values, offsets) if keys is None else keys)
    return builder.units()


def rank_spans(lengths: np.ndarray, keep: str) -> np.ndarray:
    """Keep preference of each span (0 = most preferred): input order, or longest first."""
    position = np.arange(len(lengths))
    order = np.lexsort((position, -lengths)) if keep == "longest" else position
    rank = np.empty(len(lengths), dtype=np.int64)
    rank[order] = position
    return rank


def best_members(unit_of: np.ndarray, span_rank: np.ndarray, n_units: int) -> np.ndarray:
    """The best-ranked member (an eligible span) of each unit; -1 for a unit without members."""
    best_rank = np.full(n_units, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best_rank, unit_of, span_rank)
    member_of_rank = np.empty(len(span_rank), dtype=np.int64)
    member_of_rank[span_rank] = np.arange(len(span_rank))
    out = np.full(n_units, -1, dtype=np.int64)
    present = best_rank < len(span_rank)
    out[present] = member_of_rank[best_rank[present]]
    return out


def unit_ranks(unit_of: np.ndarray, span_rank: np.ndarray, n_units: int) -> np.ndarray:
    """A unit's keep preference: that of its best-ranked member span."""
    u_rank = np.full(n_units, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(u_rank, unit_of, span_rank)
    return u_rank

