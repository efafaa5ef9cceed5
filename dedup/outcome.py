"""What a scan decided: why each dropped span was dropped (Drop), which sentence
runs were dropped inside kept spans (Part), and the star clusters (Cluster),
stored as columns so a corpus with a million dropped spans costs a few arrays
instead of a million objects; items are built on access."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .records import Columns

# "covered": every sentence of the span lies in kept text of spans before it (stages/runs.py).
REASONS = ("exact", "contained", "near-equal", "covered")
PART_REASON = "sentence-run"


@dataclass(frozen=True)
class Drop:
    """Why a span was dropped: the kept span covering it and how well."""

    kept: int  # index of the kept span in ScanResult.spans
    jaccard: float
    containment: float  # C(dropped -> kept): share of this span found in the kept one
    kept_containment: float  # C(kept -> dropped)
    reason: str  # "exact", "contained", "near-equal" or "covered"


@dataclass(frozen=True)
class Cluster:
    kept: int
    dropped: tuple[int, ...]
    parts: tuple[int, ...] = ()  # rows of ScanResult.parts: sentence runs dropped against `kept`


@dataclass(frozen=True)
class Part:
    """A run of sentences dropped inside span `span` that stays: characters
    [start, end) of its document (the sentences, trimmed), sentences [first, stop)
    of the span, covered by kept text before it (share `covered`), most of it by
    span `kept` (with these measures of the run against it)."""

    span: int
    start: int
    end: int
    first: int
    stop: int
    kept: int
    jaccard: float
    containment: float
    kept_containment: float
    covered: float
    cut_start: int  # what the clean text loses: the run and the white space beside it
    cut_end: int


class PartTable(Sequence[Part]):
    """Parts as columns, sorted by (span, start)."""

    FIELDS = ("span", "start", "end", "first", "stop", "kept", "jaccard", "containment", "kept_containment",
              "covered", "cut_start", "cut_end")

    def __init__(self, **cols) -> None:
        n = len(cols.get("span", ()))
        for name in self.FIELDS:
            kind = np.float64 if name in ("jaccard", "containment", "kept_containment", "covered") else np.int64
            setattr(self, name, np.asarray(cols.get(name, np.zeros(n)), dtype=kind))
        order = np.lexsort((self.start, self.span))
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name)[order])

    @classmethod
    def empty(cls) -> PartTable:
        return cls(span=[])

    def __len__(self) -> int:
        return len(self.span)

    def __getitem__(self, r):  # type: ignore[override]
        if isinstance(r, slice):
            return [self[k] for k in range(*r.indices(len(self)))]
        return Part(*(getattr(self, f)[r].item() for f in self.FIELDS))

    def __repr__(self) -> str:
        return f"PartTable({len(self)} sentence runs)"


class DropTable(Mapping[int, Drop]):
    """Dropped span -> Drop, in increasing span order, as columns.

    `span` (distinct; stored sorted), `kept`, `jaccard`, `containment`, `kept_containment`:
    one entry per dropped span; `reason`: an index into REASONS.
    """

    __slots__ = ("span", "kept", "jaccard", "containment", "kept_containment", "reason", "_mask")
    # A membership bitmap is kept only while it is no larger than this many bits per
    # dropped span (plus a floor): span ids may be sparse (the Spark engine's are
    # document number << 23 | index), and a bitmap over them would grow with the id
    # space rather than with the spans held; then membership is a binary search.
    MASK_BITS_PER_SPAN = 64
    MASK_FLOOR = 1 << 20

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
        self._mask = None
        if len(self.span) and self.span[0] >= 0 and self.span[-1] < self.MASK_BITS_PER_SPAN * len(self.span) + self.MASK_FLOOR:
            self._mask = np.zeros(int(self.span[-1]) + 1, dtype=bool)
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
            if self._mask is not None:
                return 0 <= i < len(self._mask) and bool(self._mask[i])  # type: ignore[operator]
            r = int(np.searchsorted(self.span, i))  # type: ignore[arg-type]
            return r < len(self.span) and self.span.item(r) == i
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

    def below(self, n: int) -> DropTable:
        """The drops of spans 0..n-1 only."""
        k = int(np.searchsorted(self.span, n))
        return DropTable(self.span[:k], self.kept[:k], self.jaccard[:k], self.containment[:k], self.kept_containment[:k], self.reason[:k])

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

    __slots__ = ("kept", "members", "bounds", "parts", "part_bounds")
    noun = "clusters"

    def __init__(self, kept: np.ndarray, members: np.ndarray, bounds: np.ndarray,
                 parts: np.ndarray | None = None, part_bounds: np.ndarray | None = None) -> None:
        self.kept, self.members, self.bounds = kept, members, bounds
        self.parts = np.zeros(0, np.int64) if parts is None else parts
        self.part_bounds = np.zeros(len(kept) + 1, np.int64) if part_bounds is None else part_bounds

    @classmethod
    def of(cls, drops: DropTable, parts: PartTable | None = None) -> ClusterTable:
        """Each kept span with the spans (and sentence runs) dropped against it; clusters in kept-span order."""
        p_kept = parts.kept if parts is not None else np.zeros(0, np.int64)
        kept = np.union1d(drops.kept, p_kept).astype(np.int64)
        order = np.lexsort((drops.span, drops.kept))
        span = drops.span[order]
        bounds = np.searchsorted(drops.kept[order], kept, side="left")
        bounds = np.append(bounds, len(span)).astype(np.int64)
        p_order = np.lexsort((np.arange(len(p_kept)), p_kept))
        p_bounds = np.append(np.searchsorted(p_kept[p_order], kept, side="left"), len(p_kept)).astype(np.int64)
        return cls(kept, span, bounds, p_order.astype(np.int64), p_bounds)

    def __len__(self) -> int:
        return len(self.kept)

    def item(self, c: int) -> Cluster:
        a, b = self.bounds.item(c), self.bounds.item(c + 1)
        pa, pb = self.part_bounds.item(c), self.part_bounds.item(c + 1)
        return Cluster(self.kept.item(c), tuple(self.members[a:b].tolist()), tuple(self.parts[pa:pb].tolist()))

    def __iter__(self) -> Iterator[Cluster]:
        members, bounds = self.members.tolist(), self.bounds.tolist()
        parts, p_bounds = self.parts.tolist(), self.part_bounds.tolist()
        for c, kept in enumerate(self.kept.tolist()):
            yield Cluster(kept, tuple(members[bounds[c] : bounds[c + 1]]), tuple(parts[p_bounds[c] : p_bounds[c + 1]]))
