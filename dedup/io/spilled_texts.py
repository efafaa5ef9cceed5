"""Documents whose texts wait on disk: with `--spill`, once the map stage is done with a
document its text goes to a file in the spill folder, and the scan holds the rest of the
document only. The texts were about 40 % of a spilled scan's resident memory (news-500:
600 MB of Python strings out of a 1.46 GB peak); the file's pages are the page cache's,
which the kernel takes back under a memory limit instead of killing the scan."""

from __future__ import annotations

import copy
import mmap
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from ..errors import OutputError
from ..records import Columns, Document

# Decoded texts kept for reuse, by characters: the writers read a document's spans one by
# one (clusters.jsonl in cluster order, so documents come back at random).
CACHE_CHARS = 32 << 20


class SpilledDocuments(Columns[Document]):
    """A read-only list of documents: each is its shell (the document with an empty text)
    and its text, decoded on access from the file; equal to the documents spilled.

    Texts are UTF-8 with lone surrogates kept (JSON can carry them), so each decodes to
    the very string it was. The file is read through a memory map, which outlives the
    spill folder: a scan's result is written out after its folder is gone.
    """

    noun = "documents"

    def __init__(self, folder: Path) -> None:
        self._path = folder / "texts.bin"
        self._file = open(self._path, "w+b")
        self._shells: list[Document] = []
        self._keys: list[str | None] = []  # the record's key that held the text, if any
        self._ends: list[int] = [0]  # byte offsets of the texts in the file
        self._map: mmap.mmap | bytes = b""
        self._cache: OrderedDict[int, Document] = OrderedDict()
        self._cached_chars = 0
        self._lock = threading.Lock()

    def take(self, docs: list[Document], upto: int) -> None:
        """Spill the texts of docs[len(self):upto], leaving their shells in `docs`."""
        try:
            for i in range(len(self._shells), upto):
                doc = docs[i]
                data = doc.text.encode("utf-8", "surrogatepass")
                self._file.write(data)
                self._ends.append(self._ends[-1] + len(data))
                shell = copy.copy(doc)  # a frozen dataclass: its fields are set as its __init__ does
                object.__setattr__(shell, "text", "")
                key = None
                if doc.record is not None:  # a JSONL record holds the text too, under its text field
                    key = next((k for k, v in doc.record.items() if v is doc.text), None)
                    if key is not None:
                        object.__setattr__(shell, "record", {**doc.record, key: None})
                docs[i] = shell
                self._shells.append(shell)
                self._keys.append(key)
        except OSError as e:
            self.close()
            raise OutputError(f"cannot write to the --spill folder {self._path.parent}: {e.strerror or e}") from None

    def close(self) -> None:
        """Give up the file (a scan that failed): the spill folder, perhaps a mount, is let go at once."""
        self._file.close()
        if isinstance(self._map, mmap.mmap):
            self._map.close()
        self._map = b""

    def close_writing(self) -> SpilledDocuments:
        """Done spilling: texts are read back from here on."""
        try:
            self._file.flush()
            if self._ends[-1]:
                self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        except OSError as e:
            raise OutputError(f"cannot read back the --spill folder {self._path.parent}: {e.strerror or e}") from None
        finally:
            self._file.close()  # the map holds the file open, even once the folder is removed
        return self

    def __len__(self) -> int:
        return len(self._shells)

    def item(self, i: int) -> Document:
        with self._lock:
            doc = self._cache.get(i)
            if doc is not None:
                self._cache.move_to_end(i)
                return doc
        doc = copy.copy(self._shells[i])
        text = self._map[self._ends[i] : self._ends[i + 1]].decode("utf-8", "surrogatepass")
        object.__setattr__(doc, "text", text)
        if (key := self._keys[i]) is not None:
            object.__setattr__(doc, "record", {**doc.record, key: text})
        with self._lock:
            if i not in self._cache:
                self._cache[i] = doc
                self._cached_chars += len(text)
                while self._cached_chars > CACHE_CHARS and len(self._cache) > 1:
                    _, old = self._cache.popitem(last=False)
                    self._cached_chars -= len(old.text)
        return doc

    def __iter__(self) -> Iterator[Document]:
        return map(self.item, range(len(self)))
