"""What the Python API takes as documents, turned into Documents in one place.

    as_documents(["text a", "text b"])                 # ids "0", "1"
    as_documents([("a", "text a"), ("b", "text b")])   # (id, text) pairs
    as_documents([{"id": "a", "body": "..."}], text_key="body")
    as_documents(dataframe)   # pandas/polars DataFrame or Series, Arrow Table/Array, datasets.Dataset

Columnar inputs are recognised by the module of their type, so pandas, polars,
pyarrow and datasets are never imported here (none is a dependency).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .errors import InputError
from .records import Document

# An item is named "row N" in errors: the API has no file or line to name.
_WHERE = "row"


def as_documents(data: Any, *, text_key: str = "text", id_key: str = "id") -> Iterable[Document]:
    """`data` as Documents, in its order. `data` is an iterable of `Document`s, `str`s,
    `(id, text)` pairs or mappings (text under `text_key`, id under `id_key`, else the
    row number), or a column or frame: pandas/polars Series or DataFrame, a pyarrow
    Array, ChunkedArray, Table or RecordBatch, a `datasets.Dataset`. A frame's text is
    its `text_key` column, its ids the `id_key` column when it has one (else the pandas
    index, or the row number). Ids are strings. A text that is not a string (a missing
    value, a number) raises InputError naming the row. An iterator is consumed lazily."""
    columns = _columns(data, text_key, id_key)
    if columns is not None:
        texts, ids = columns
        return (_document(n, text, ids[n] if ids is not None else n) for n, text in enumerate(texts))
    if isinstance(data, (str, bytes, Mapping)):
        raise TypeError(f"documents must be an iterable of texts, pairs, mappings or Documents, not one {type(data).__name__}")
    return _items(data, text_key, id_key)


def _items(data: Iterable, text_key: str, id_key: str) -> Iterator[Document]:
    for n, item in enumerate(data):
        if isinstance(item, Document):
            yield item
        elif isinstance(item, str) or item is None:
            yield _document(n, item, n)
        elif isinstance(item, Mapping):
            if text_key not in item:
                raise InputError(f"{_WHERE} {n}", f"no {text_key!r} key (text_key)")
            yield _document(n, item[text_key], item.get(id_key, n))
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            yield _document(n, item[1], item[0])
        else:
            raise InputError(f"{_WHERE} {n}", f"{type(item).__name__} is not a text, an (id, text) pair, a mapping or a Document")


def _document(n: int, text: Any, ident: Any) -> Document:
    if not isinstance(text, str):
        what = "missing" if text is None else f"of type {type(text).__name__}, not a string"
        raise InputError(f"{_WHERE} {n}", f"its text is {what}")
    return Document(str(ident), text)


def _columns(data: Any, text_key: str, id_key: str) -> tuple[list, list | None] | None:
    """(texts, ids or None) of a columnar `data`, None for anything else."""
    library = type(data).__module__.partition(".")[0]
    kind = type(data).__name__
    if library == "pandas":
        if kind == "Series":
            return data.tolist(), data.index.tolist()
        if kind == "DataFrame":
            _need(text_key, data.columns, "DataFrame")
            ids = data[id_key] if id_key in data.columns else data.index
            return data[text_key].tolist(), ids.tolist()
    elif library == "polars":
        if kind == "Series":
            return data.to_list(), None
        if kind == "DataFrame":
            _need(text_key, data.columns, "DataFrame")
            return data[text_key].to_list(), data[id_key].to_list() if id_key in data.columns else None
    elif library == "pyarrow":
        if kind in ("Table", "RecordBatch"):
            _need(text_key, data.column_names, kind)
            ids = data.column(id_key).to_pylist() if id_key in data.column_names else None
            return data.column(text_key).to_pylist(), ids
        if hasattr(data, "to_pylist"):  # an Array (of any string type) or ChunkedArray
            return data.to_pylist(), None
    elif library == "datasets" and kind == "Dataset":
        _need(text_key, data.column_names, "Dataset")
        # Through the Dataset, not its Arrow table: a select() or shuffle() keeps the table and maps indices.
        ids = list(data[id_key]) if id_key in data.column_names else None
        return list(data[text_key]), ids
    return None


def _need(key: str, columns, kind: str) -> None:
    if key not in list(columns):
        raise InputError(kind, f"no {key!r} column (text_key); columns: {', '.join(map(str, columns))}")
