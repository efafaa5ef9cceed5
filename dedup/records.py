"""The records that flow through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One article.

    `source` is the path of its file relative to the output root (it names the
    clean output file); `line` is its 1-based line in a JSONL file, None for a
    text file. `record` holds the other JSONL fields so the clean record keeps
    them; `encoding` is how a text file's bytes are written back.
    """

    id: str
    text: str
    source: str = ""
    line: int | None = None
    record: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Span:
    """A paragraph of a document: characters `[start, end)` of its text."""

    doc: int  # index of the document in canonical input order
    index: int  # position of the span within its document
    start: int
    end: int


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
