"""What a scan decided: why each dropped span was dropped (Drop) and the star
clusters (Cluster), stored as columns so a corpus with a million dropped spans
costs a few arrays instead of a million objects; items are built on access."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from .records import Columns

REASONS = ("exact", "contained", "near-equal")


@dataclass(frozen=True)
class Drop:
    """Why a span was dropped: the kept span covering it and how well."""

    kept: int  # index of the kept span in ScanResult.spans
    jaccard: float
    containment: float  # C(dropped -> kept): share of this span found in the kept one
    kept_containment: float  # C(kept -> dropped)
    reason: str  # "exact", "contained" or "near-equal"


@dataclass(frozen=True)
class Cluster:
    kept: int
    dropped: tuple[int, ...]


class DropTable(Mapping[int, Drop]):
    """Dropped span -> Drop, in increasing span order, as columns.

    `span` (distinct; stored sorted), `kept`, `jaccard`, `containment`, `kept_containment`:
    one entry per dropped span; `reason`: an index into REASONS.
    """

    __slots__ = ("span", "kept", "jaccard", "containment", "kept_containment", "reason", "_mask")

    def __init__(self, span, kept, jaccard, containment, kept_containment, reason) -> None:
        self.span = np.asarray(span, dtype=np.int64)
        self.kept = np.asarray(kept, dtype=np.int64)
        self.jaccard = np.asarray(jaccard, dtype=np.float64)
        self.containment = np.asarray(containment, dtype=np.float64)
        self.kept_containment = np.asarray(kept_containment, dtype=np.float64)
        self.reason = np.asarray(reason, dtype=np.int8)
        if len(self.span) > 1 and not (np.diff(self.span) > 0).all():
            order = np.argsort(self.span, kind="stable")
            if (np.diff(self.span[order]) == 0).any():
                raise ValueError("a span is dropped twice")
            for name in ("span", "kept", "jaccard", "containment", "kept_containment", "reason"):
                setattr(self, name, getattr(self, name)[order])
        # Membership is asked once per span when writing: a bit per span answers it.
        self._mask = np.zeros(int(self.span[-1]) + 1 if len(self.span) else 0, dtype=bool)
        self._mask[self.span] = True

    @classmethod
    def from_dict(cls, drops: Mapping[int, Drop]) -> DropTable:
        order = sorted(drops)
        rows = [drops[i] for i in order]
        return cls(
            order, [d.kept for d in rows], [d.jaccard for d in rows], [d.containment for d in rows],
            [d.kept_containment for d in rows], [REASONS.index(d.reason) for d in rows],
        )

    def __len__(self) -> int:
        return len(self.span)

    def __contains__(self, i: object) -> bool:
        try:
            return 0 <= i < len(self._mask) and bool(self._mask[i])  # type: ignore[operator]
        except TypeError:
            return False

    def __getitem__(self, i: int) -> Drop:
        if i not in self:
            raise KeyError(i)
        r = int(np.searchsorted(self.span, i))
        return self._row(r)

    def _row(self, r: int) -> Drop:
        return Drop(
            self.kept.item(r), self.jaccard.item(r), self.containment.item(r),
            self.kept_containment.item(r), REASONS[self.reason.item(r)],
        )

    def __iter__(self) -> Iterator[int]:
        return iter(self.span.tolist())

    def values(self):  # type: ignore[override]
        return [self._row(r) for r in range(len(self))]

    def items(self):  # type: ignore[override]
        return list(zip(self.span.tolist(), self.values()))

    def dropped_mask(self, n: int) -> np.ndarray:
        """A bool per span 0..n-1: dropped or not."""
        out = np.zeros(n, dtype=bool)
        out[self.span[self.span < n]] = True
        return out

    def __repr__(self) -> str:
        return f"DropTable({len(self)} dropped spans)"


class ClusterTable(Columns[Cluster]):
    """Star clusters as columns: cluster c is kept span `kept[c]` with dropped spans
    `members[bounds[c]:bounds[c + 1]]` (in span order)."""

    __slots__ = ("kept", "members", "bounds")
    noun = "clusters"

    def __init__(self, kept: np.ndarray, members: np.ndarray, bounds: np.ndarray) -> None:
        self.kept, self.members, self.bounds = kept, members, bounds

    @classmethod
    def of(cls, drops: DropTable) -> ClusterTable:
        """Each kept span with the spans dropped against it; clusters in kept-span order."""
        order = np.lexsort((drops.span, drops.kept))
        span, kept = drops.span[order], drops.kept[order]
        starts = np.flatnonzero(np.concatenate(([True], kept[1:] != kept[:-1]))) if len(kept) else np.zeros(0, np.int64)
        return cls(kept[starts], span, np.append(starts, len(kept)).astype(np.int64))

    def __len__(self) -> int:
        return len(self.kept)

    def item(self, c: int) -> Cluster:
        a, b = self.bounds.item(c), self.bounds.item(c + 1)
        return Cluster(self.kept.item(c), tuple(self.members[a:b].tolist()))

    def __iter__(self) -> Iterator[Cluster]:
        members, bounds = self.members.tolist(), self.bounds.tolist()
        for c, kept in enumerate(self.kept.tolist()):
            yield Cluster(kept, tuple(members[bounds[c] : bounds[c + 1]]))
