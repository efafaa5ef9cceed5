"""The records that flow through the pipeline."""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

import numpy as np


@dataclass(frozen=True)
class Document:
    """One article.

    `source` is the path of its file relative to the output root (it names the
    clean output file); `line` is its 1-based line in a JSONL file, None for a
    text file. `record` holds the other JSONL fields so the clean record keeps
    them; `frame` is the record's line as read, cut around its text value (the bytes
    before it and after it), so the clean line keeps every other byte; `encoding` is
    how a text file's bytes are written back.
    """

    id: str
    text: str
    source: str = ""
    line: int | None = None
    record: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    encoding: str = "utf-8"
    frame: tuple[bytes, bytes] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Span:
    """A paragraph of a document: characters `[start, end)` of its text."""

    doc: int  # index of the document in canonical input order
    index: int  # position of the span within its document
    start: int
    end: int


T = TypeVar("T")


class Columns(Sequence[T]):
    """A read-only list whose items are built on access from numpy columns (see
    SpanTable): millions of rows cost a few arrays instead of millions of objects.
    Subclasses give __len__, item(i) for 0 <= i < len, and __iter__."""

    __slots__ = ()
    noun = "rows"

    def item(self, i: int) -> T:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.item(k) for k in range(*i.indices(len(self)))]
        i = operator.index(i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"{type(self).__name__} index {i} out of range")
        return self.item(i + len(self) if i < 0 else i)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Columns, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} {self.noun})"


class SpanTable(Columns[Span]):
    """The spans of a scan as four integer columns; a Span is built on access."""

    __slots__ = ("doc", "index", "start", "end")
    noun = "spans"

    def __init__(self, doc: np.ndarray, index: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        self.doc, self.index, self.start, self.end = doc, index, start, end

    def __len__(self) -> int:
        return len(self.start)

    def item(self, i: int) -> Span:
        # ndarray.item: a Python int straight away
        return Span(self.doc.item(i), self.index.item(i), self.start.item(i), self.end.item(i))

    def offsets(self, r: range) -> list[tuple[int, int]]:
        """(start, end) of the spans in range r (a document's doc_spans), without building Spans."""
        return list(zip(self.start[r.start : r.stop].tolist(), self.end[r.start : r.stop].tolist()))

    def __iter__(self) -> Iterator[Span]:
        return map(Span, self.doc.tolist(), self.index.tolist(), self.start.tolist(), self.end.tolist())


def span_offsets(spans: Sequence[Span], r: range) -> list[tuple[int, int]]:
    """(start, end) of spans[i] for i in r."""
    if isinstance(spans, SpanTable):
        return spans.offsets(r)
    return [(spans[i].start, spans[i].end) for i in r]


def span_lengths(spans: Sequence[Span]) -> np.ndarray:
    """end - start of each span, as an int64 array."""
    if isinstance(spans, SpanTable):
        return spans.end - spans.start
    return np.fromiter((s.end - s.start for s in spans), dtype=np.int64, count=len(spans))


@dataclass(frozen=True)
class IndexedSpan:
    """A kept span from an earlier batch, read back from an index (see dedup.index)."""

    doc: str  # document id
    source: str
    line: int | None
    index: int  # position of the span within its document
    start: int
    end: int
    text: str
