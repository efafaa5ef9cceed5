"""Parquet inputs and their clean copies (pyarrow, the optional `dedup[parquet]` extra).

A row is an article, as a JSONL line is: its text in the --text-field column,
its id in the --id-field column (a string or an integer; otherwise, or null,
`file:row`), its row number from 1 where JSONL has a line number. The clean copy
has the input's schema (columns, types, metadata) and row groups, with the text
column holding the clean text. Both sides stream: reading holds a batch of the
text and id columns, writing one row group, never the whole file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from ..errors import InputError, OutputError
from ..annotate import FIELD as NOTE_FIELD
from ..records import Document

MAGIC = b"PAR1"  # a Parquet file starts and ends with it
SUFFIX = ".parquet"
BATCH_ROWS = 1024  # rows turned into Python strings at a time


def _pyarrow(label: str):
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(label, "a Parquet file; reading it needs pyarrow: pip install 'dedup[parquet]'") from None
    return pa, pq


class Broken(Exception):
    """Not a readable Parquet file; the message says why (the input is skipped)."""


def _is_string(pa, t) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _id_usable(pa, t) -> bool:
    """The JSONL rule for ids: a string or an integer (never a boolean) names the row."""
    return _is_string(pa, t) or pa.types.is_integer(t)


def _open(pq, file: str | BinaryIO):
    try:
        # pre_buffer off: with it pyarrow reads column chunks ahead of the row group asked for.
        return pq.ParquetFile(file, pre_buffer=False)
    except Exception as e:  # pyarrow raises ArrowInvalid, OSError and others for a bad file
        raise Broken(f"not a readable Parquet file ({e})") from None


def _columns(pa, pf, label: str, text_field: str, id_field: str) -> tuple[str, str | None]:
    """The text column (checked) and the id column, when it can give ids."""
    schema = pf.schema_arrow
    if text_field not in schema.names:
        shown = ", ".join(repr(n) for n in schema.names[:10]) + (", ..." if len(schema.names) > 10 else "")
        raise InputError(label, f"no {text_field!r} column (set --text-field); its columns: {shown}")
    kind = schema.field(text_field).type
    if not _is_string(pa, kind):
        raise InputError(label, f"column {text_field!r} holds {kind}, not strings (set --text-field)")
    if id_field in schema.names and id_field != text_field and _id_usable(pa, schema.field(id_field).type):
        return text_field, id_field
    return text_field, None


def documents(
    file: str | BinaryIO, label: str, rel: str, text_field: str, id_field: str, skip_bad_records: bool,
    on_bad: Callable[[int, str], None],
) -> Iterator[Document]:
    """The articles of a Parquet file, a row group at a time: Arrow memory holds one
    row group's text and id columns (ParquetFile.iter_batches was measured holding two
    or three row groups at once: it reads ahead). A null text is a bad record:
    InputError naming file and row, or `on_bad(row, reason)` with skip_bad_records.
    Raises Broken for a file pyarrow cannot open (the input is skipped), InputError for
    damaged data further on (rows before it were read already)."""
    pa, pq = _pyarrow(label)
    pf = _open(pq, file)
    text_col, id_col = _columns(pa, pf, label, text_field, id_field)
    row = 0
    try:
        for g in range(pf.num_row_groups):
            group = pf.read_row_group(g, columns=[text_col] + ([id_col] if id_col else []), use_threads=False)
            yield from _rows(group, row, id_col is not None, label, rel, text_field, id_field, skip_bad_records, on_bad)
            row += group.num_rows
            del group
    except InputError:
        raise
    except Exception as e:  # a damaged page or column chunk; its first rows are in the scan already
        raise InputError(label, f"damaged Parquet data after row {row} ({e})") from None


def _rows(group, row: int, with_ids: bool, label, rel, text_field, id_field, skip_bad_records, on_bad) -> Iterator[Document]:
    """The documents of one row group (its first row is `row` + 1), a batch at a time."""
    for batch in group.to_batches(max_chunksize=BATCH_ROWS):
        texts = batch.column(0).to_pylist()
        ids = batch.column(1).to_pylist() if with_ids else [None] * len(texts)
        for text, rid in zip(texts, ids):
            row += 1
            if text is None:
                reason = f"null in the {text_field!r} column, not a string"
                if not skip_bad_records:
                    raise InputError(label, f"{reason} (use --skip-bad-records to skip such rows)", row)
                on_bad(row, reason)
                continue
            # The record is what a JSONL line of the same row would hold (for --out -).
            record = {text_field: text} if rid is None else {id_field: rid, text_field: text}
            yield Document(str(rid) if rid is not None else f"{rel}:{row}", text, rel, row, record)


def write_clean(
    file: str | BinaryIO, label: str, target: BinaryIO, text_field: str, docs: Sequence[Document],
    clean: Callable[[list[int]], Iterator[str]], numbers: Sequence[int], notes: Sequence[dict] | None = None,
) -> None:
    """Write the clean copy of a Parquet input into the file `target`: the input read again row
    group by row group, each row that is an article in `docs` (in row order;
    `numbers[k]` is docs[k]'s index for `clean`) with its text replaced by its clean
    text, the other rows (bad records skipped, articles left out) left out. With `notes`
    (dedup.annotate.annotations, by document index) each row gets them in a struct
    column named annotate.FIELD, last. Raises OutputError if the input changed since
    it was read."""
    pa, pq = _pyarrow(label)
    try:
        pf = _open(pq, file)
    except Broken as e:
        raise OutputError(f"cannot write the clean copy of {label}: it {e} any more") from None
    schema = pf.schema_arrow
    at = schema.get_field_index(text_field)
    field = schema.field(at)
    changed = OutputError(f"{label} changed while it was scanned; nothing was written, run the scan again")
    if notes is not None:
        if schema.get_field_index(NOTE_FIELD) >= 0:
            raise InputError(label, f"already has a column {NOTE_FIELD!r}, which --annotate would replace")
        note_type = _note_type(pa)
        schema = schema.append(pa.field(NOTE_FIELD, note_type))
    k, first = 0, 0  # next article; first row of the row group, from 0
    with pq.ParquetWriter(target, schema) as writer:
        for g in range(pf.num_row_groups):
            table = pf.read_row_group(g, use_threads=False)
            n = table.num_rows
            keep, picked = [False] * n, []
            while k < len(docs) and docs[k].line <= first + n:
                keep[docs[k].line - 1 - first] = True
                picked.append(k)
                k += 1
            texts = table.column(at).to_pylist()
            if any(texts[docs[j].line - 1 - first] != docs[j].text for j in picked):
                raise changed
            table = table.filter(pa.array(keep, type=pa.bool_())) if not all(keep) else table
            column = pa.array(list(clean([numbers[j] for j in picked])), type=field.type)
            table = table.set_column(at, field, column)
            if notes is not None:
                table = table.append_column(
                    pa.field(NOTE_FIELD, note_type), pa.array([notes[numbers[j]] for j in picked], type=note_type),
                )
            writer.write_table(table, row_group_size=max(len(picked), 1))
            first += n
    if k != len(docs) or first != pf.metadata.num_rows:
        raise changed


def _note_type(pa):
    """The Arrow type of an annotation (dedup.annotate: the README's output contract)."""
    return pa.struct([
        ("dropped_chars", pa.int64()), ("dropped_spans", pa.int64()), ("dropped_runs", pa.int64()),
        ("dropped", pa.list_(pa.list_(pa.int64(), 2))), ("duplicate", pa.bool_()), ("clusters", pa.list_(pa.int64())),
    ])
