"""Per-partition work of the Spark engine: Arrow record batches in, Arrow record batches out.

Each function wraps the core's stage functions (readers, scan, sketch,
candidates, verify, decide, writers) on one batch; Spark only partitions,
shuffles and joins. Needs pyarrow and numpy, never
pyspark, so every function runs and is tested without a cluster.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

import numpy as np
import pyarrow as pa

from ..config import Config
from ..errors import InputError
from ..io import readers, writers
from ..io.readers import ReadOptions, Source
from ..outcome import REASONS, Drop
from ..records import Document, Span
from ..result import is_duplicate
from ..stages import candidates, sketch, verify
from ..stages.drops import span_drops
from ..stages.judge import judge
from ..stages.mapping import shingle_documents
from ..stages.units import rank_spans, set_keys, unit_ranks

# A span's id is its document's number in canonical input order, then its
# index in the document: id order is input order, which keep="first" ranks by,
# and the id of a unit (a distinct shingle set) is that of its first span.
SPAN_BITS = 23
SPAN_MASK = (1 << SPAN_BITS) - 1
MAX_DOCS = 1 << (63 - SPAN_BITS)

LSH, ANCHOR = 0, 1  # kinds of grouping key: LSH band key, anchor shingle

Batches = Iterable[pa.RecordBatch]

_DDL = {pa.int8(): "byte", pa.int32(): "int", pa.int64(): "long", pa.bool_(): "boolean",
        pa.string(): "string", pa.float64(): "double"}


def ddl(schema: pa.Schema) -> str:
    """The Spark DDL string of an Arrow schema, so each schema is written once."""
    def one(t: pa.DataType) -> str:
        return f"array<{one(t.value_type)}>" if pa.types.is_list(t) else _DDL[t]
    return ", ".join(f"{f.name} {one(f.type)}" for f in schema)


def _lists(col: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(flat values, offsets starting at 0) of an Arrow list column without nulls."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    offsets = col.offsets.to_numpy().astype(np.int64)
    values = col.values.to_numpy(zero_copy_only=False)[offsets[0] : offsets[-1]]
    return values, offsets - offsets[0]


def _list_array(offsets: np.ndarray, values: pa.Array | np.ndarray) -> pa.ListArray:
    return pa.ListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int32)), values)


def _col(batch: pa.RecordBatch, name: str) -> np.ndarray:
    return batch.column(name).to_numpy(zero_copy_only=False)


def _line(rec: dict) -> str:
    """A record as its JSONL line (writers.json_line), without the newline: Spark's text writer adds it."""
    return writers.json_line(rec).decode()[:-1]


def _rows(schema: pa.Schema) -> dict[str, list]:
    return {f.name: [] for f in schema}


# --- read -------------------------------------------------------------------

READ = pa.schema([
    ("rank", pa.int32()), ("idx", pa.int64()), ("line", pa.int64()), ("id", pa.string()),
    ("text", pa.string()), ("record", pa.string()), ("problem", pa.string()), ("fatal", pa.bool_()),
])


def record_json(record: dict | None, text_field: str) -> str | None:
    """A JSONL record with its text left out (kept in place as null, so the clean
    record has its fields in the original order)."""
    return None if record is None else json.dumps({**record, text_field: None}, ensure_ascii=False)


def read_files(batches: Batches, files: dict[str, tuple], opts: ReadOptions) -> Iterator[pa.RecordBatch]:
    """Rows of (path, content) from Spark's binaryFile source -> one row per document,
    skipped input or bad record, via readers.decode_source (the local engine's parser).

    `files` maps a path as Spark reports it to (rank, label, rel, kind, compression).
    A bad record is a `fatal` row; the driver raises it as the local engine would.
    """
    for batch in batches:
        rows = _rows(READ)

        def add(**row) -> None:
            for name, values in rows.items():
                values.append(row.get(name))

        for path, content in zip(batch.column("path").to_pylist(), batch.column("content").to_pylist()):
            rank, label, rel, kind, gz = files[path]
            try:
                docs, skipped = readers.decode_source(Source(label, rel, kind, gz), content, opts, raw=True)
            except InputError as e:
                add(rank=rank, line=e.line, problem=e.reason, fatal=True)
                continue
            for idx, doc in enumerate(docs):
                add(rank=rank, idx=idx, line=doc.line, id=doc.id, text=doc.text,
                    record=record_json(doc.record, opts.text_field))
            for s in skipped:
                add(rank=rank, line=s.line, problem=s.reason, fatal=False)
        yield pa.RecordBatch.from_pydict(rows, schema=READ)


def read_parquet_rows(batches: Batches, files: dict[str, tuple], opts: ReadOptions) -> Iterator[pa.RecordBatch]:
    """Parquet rows (file_path, row_index, text, id, record) -> the same rows as read_files.

    The id is used when it is a string or an integer (the JSONL rule), else
    `rel:line` with line = row_index + 1. A null text is a bad record.
    """
    for batch in batches:
        rows = _rows(READ)
        for path, row, text, rid, record in zip(*(batch.column(c).to_pylist() for c in ("file_path", "row_index", "text", "id", "record"))):
            rank, _, rel, _, _ = files[unquote(path)]
            line = row + 1
            ok = isinstance(text, str)
            values = {
                "rank": rank, "idx": row, "line": line, "id": (rid if rid is not None else f"{rel}:{line}") if ok else None,
                "text": text if ok else None, "record": record if ok else None,
                "problem": None if ok else f"field {opts.text_field!r} is null, not a string",
                "fatal": None if ok else not opts.skip_bad_records,
            }
            for name, col in rows.items():
                col.append(values[name])
        yield pa.RecordBatch.from_pydict(rows, schema=READ)


# --- shingle ----------------------------------------------------------------

SHINGLED = pa.schema([
    ("doc_no", pa.int64()), ("starts", pa.list_(pa.int64())), ("ends", pa.list_(pa.int64())),
    ("eligible", pa.list_(pa.bool_())), ("e_index", pa.list_(pa.int32())), ("e_len", pa.list_(pa.int64())),
    ("keys", pa.list_(pa.int64())), ("sets", pa.list_(pa.list_(pa.int64()))),
])


def shingle_batch(batches: Batches, config: Config) -> Iterator[pa.RecordBatch]:
    """(doc_no, text) -> per document: all span offsets, which are judged, and the
    judged spans' set keys and shingle sets (mapping.shingle_documents)."""
    for batch in batches:
        texts = batch.column("text").to_pylist()
        sh = shingle_documents([Document("", t) for t in texts], config)
        n_spans = np.array([len(r) for r in sh.doc_spans], dtype=np.int64)
        if len(n_spans) and n_spans.max() > SPAN_MASK:
            raise ValueError(f"a document has {n_spans.max()} spans; the Spark engine handles at most {SPAN_MASK}")
        doc_off = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(n_spans, out=doc_off[1:])
        starts = np.array([s.start for s in sh.spans], dtype=np.int64)
        ends = np.array([s.end for s in sh.spans], dtype=np.int64)
        index = np.array([s.index for s in sh.spans], dtype=np.int32)
        elig = np.asarray(sh.eligible, dtype=bool)
        e_cum = np.zeros(len(elig) + 1, dtype=np.int64)
        np.cumsum(elig, out=e_cum[1:])
        e_off = e_cum[doc_off]
        keys = np.array(set_keys(sh.values, sh.offsets), dtype=np.uint64).view(np.int64)
        sets = _list_array(sh.offsets, pa.array(sh.values.view(np.int64)))
        yield pa.RecordBatch.from_arrays([
            batch.column("doc_no"),
            _list_array(doc_off, pa.array(starts)),
            _list_array(doc_off, pa.array(ends)),
            _list_array(doc_off, pa.array(elig)),
            _list_array(e_off, pa.array(index[elig])),
            _list_array(e_off, pa.array((ends - starts)[elig])),
            _list_array(e_off, pa.array(keys)),
            _list_array(e_off, sets),
        ], schema=SHINGLED)


# --- sketch and candidates ----------------------------------------------------

SKETCHED = pa.schema([
    ("unit", pa.int64()), ("n_anchors", pa.int64()), ("bkeys", pa.list_(pa.int64())), ("akeys", pa.list_(pa.int64())),
])


def sketch_batch(batches: Batches, config: Config) -> Iterator[pa.RecordBatch]:
    """(unit, set) -> the unit's LSH band keys and anchor shingles
    (sketch.signatures, candidates.band_keys, candidates.anchor_mask)."""
    perms = sketch.permutations(config.num_perm, config.seed)
    bands, rows = config.band_rows
    for batch in batches:
        values, offsets = _lists(batch.column("set"))
        values = values.view(np.uint64)
        n = len(offsets) - 1
        keys = candidates.band_keys(sketch.signatures(values, offsets, perms), bands, rows)
        mask = candidates.anchor_mask(values, config.anchor_rate)
        a_cum = np.zeros(len(mask) + 1, dtype=np.int64)
        np.cumsum(mask, out=a_cum[1:])
        a_off = a_cum[offsets]
        yield pa.RecordBatch.from_arrays([
            batch.column("unit"),
            pa.array(np.diff(a_off)),
            _list_array(np.arange(n + 1, dtype=np.int64) * bands, pa.array(keys.reshape(-1).view(np.int64))),
            _list_array(a_off, pa.array(values[mask].view(np.int64))),
        ], schema=SKETCHED)


PAIRS = pa.schema([("kind", pa.int8()), ("i", pa.int64()), ("j", pa.int64())])


def key_pairs(batches: Batches, max_bucket: int) -> Iterator[pa.RecordBatch]:
    """(kind, key, unit) rows of a partition, sorted by them, every row of a key in this
    partition -> pairs, one row per shared key, by the local engine's rule
    (candidates.group_pairs): a group above max_bucket is paired to its first unit only.
    Such groups are counted in rows with i = -1 and j = the count. Streamed: a key's rows
    may go on into the next batch, and at most max_bucket of them are held (a hotter key's
    first unit only); pairs are handed on once _PairsOut.STEP rows wait. So memory is a batch,
    a bucket and the pairs of a batch or STEP, whichever is more, however hot a key or large
    a partition."""
    out = _PairsOut()
    carry = None  # the last key's rows, at most max_bucket: it may go on in the next batch
    hot = None  # (kind, key, first unit) of a key past max_bucket that may go on
    for batch in batches:
        rows = _col(batch, "kind"), _col(batch, "key"), _col(batch, "unit").astype(np.int64)
        if hot is not None:
            same = (rows[0] == hot[0]) & (rows[1] == hot[1])  # sorted: a run of the hot key's rows first
            lead = len(same) if same.all() else int(np.argmin(same))
            out.add(hot[0], np.full(lead, hot[2]), rows[2][:lead])
            rows = tuple(r[lead:] for r in rows)
            if not len(rows[0]):
                yield from out.ready()
                continue
            hot = None
        if carry is not None:
            rows = tuple(np.concatenate((c, r)) for c, r in zip(carry, rows))
            carry = None
        kinds, keys, units = rows
        if len(kinds):
            new = np.flatnonzero((kinds[1:] != kinds[:-1]) | (keys[1:] != keys[:-1])) + 1
            last = int(new[-1]) if len(new) else 0  # the last key's first row
            out.groups(kinds[:last], keys[:last], units[:last], max_bucket)
            if len(kinds) - last > max_bucket:  # a hot key, which may go on: its first unit with each other one
                out.add(kinds[last], np.full(len(kinds) - last - 1, units[last]), units[last + 1 :])
                out.oversized[int(kinds[last])] += 1
                hot = (kinds[last], keys[last], units[last])
            else:
                carry = kinds[last:], keys[last:], units[last:]
        yield from out.ready()
    if carry is not None:
        out.groups(*carry, max_bucket)
    yield from out.ready(final=True)


class _PairsOut:
    """key_pairs' output: pair rows by kind, handed on every STEP rows, and the count of keys
    over max_bucket per kind."""

    STEP = 1 << 20  # rows per Arrow batch out

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.pending = 0  # rows in parts
        self.oversized = {LSH: 0, ANCHOR: 0}

    def add(self, kind, i: np.ndarray, j: np.ndarray) -> None:
        if len(i):
            self.parts.append((np.full(len(i), kind, dtype=np.int8), np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)))
            self.pending += len(i)

    def groups(self, kinds: np.ndarray, keys: np.ndarray, units: np.ndarray, max_bucket: int) -> None:
        """The pairs of whole keys (candidates.group_pairs per kind)."""
        for kind in (LSH, ANCHOR):
            sel = kinds == kind
            if sel.any():
                pairs, oversized = candidates.group_pairs(keys[sel], units[sel], max_bucket)
                self.add(kind, pairs[:, 0], pairs[:, 1])
                self.oversized[kind] += oversized

    def ready(self, final: bool = False) -> Iterator[pa.RecordBatch]:
        """The pair rows so far, once STEP of them are waiting (so that a partition's pairs are
        not all held), and at the end every one left, with the counts of keys over max_bucket."""
        if final:
            for kind, n in self.oversized.items():
                if n:
                    self.add(kind, np.array([-1]), np.array([n]))
        elif self.pending < self.STEP:
            return
        if self.parts:
            cols = [np.concatenate(c) for c in zip(*self.parts)]
        else:
            cols = [np.empty(0, np.int8), np.empty(0, np.int64), np.empty(0, np.int64)]
        self.parts, self.pending = [], 0
        for lo in range(0, len(cols[0]), self.STEP):
            yield pa.RecordBatch.from_arrays([pa.array(c[lo : lo + self.STEP]) for c in cols], schema=PAIRS)


PROPOSED = pa.schema([("i", pa.int64()), ("j", pa.int64()), ("lsh", pa.bool_()), ("anchor", pa.bool_())])


def propose_batch(batches: Batches, containment: float) -> Iterator[pa.RecordBatch]:
    """(i, j, lsh, shared, na_i, na_j) -> the pairs proposed by LSH or by enough
    shared anchors (candidates.anchor_need)."""
    for batch in batches:
        lsh = _col(batch, "lsh").astype(bool)
        anchor = _col(batch, "shared") >= candidates.anchor_need(_col(batch, "na_i"), _col(batch, "na_j"), containment)
        keep = lsh | anchor
        yield pa.RecordBatch.from_arrays(
            [pa.array(_col(batch, "i")[keep]), pa.array(_col(batch, "j")[keep]), pa.array(lsh[keep]), pa.array(anchor[keep])],
            schema=PROPOSED,
        )


VERIFIED = pa.schema([
    ("i", pa.int64()), ("j", pa.int64()), ("lsh", pa.bool_()), ("anchor", pa.bool_()),
    ("inter", pa.int64()), ("size_i", pa.int64()), ("size_j", pa.int64()), ("edge", pa.bool_()),
])


def verify_batch(batches: Batches, containment: float) -> Iterator[pa.RecordBatch]:
    """(i, j, lsh, anchor, set_i, set_j) -> exact intersections (verify.intersections);
    `edge` when the smaller set is covered at the containment threshold."""
    for batch in batches:
        a, a_off = _lists(batch.column("set_i"))
        b, b_off = _lists(batch.column("set_j"))
        n = len(a_off) - 1
        values = np.concatenate((a, b)).view(np.uint64)
        offsets = np.concatenate((a_off, a_off[-1] + b_off[1:]))
        pairs = np.stack((np.arange(n), n + np.arange(n)), axis=1)
        inter = verify.intersections(pairs, values, offsets)
        size_i, size_j = np.diff(a_off), np.diff(b_off)
        edge = verify.is_edge(inter, size_i, size_j, containment)
        yield pa.RecordBatch.from_arrays(
            [batch.column("i"), batch.column("j"), batch.column("lsh"), batch.column("anchor"),
             pa.array(inter), pa.array(size_i), pa.array(size_j), pa.array(edge)],
            schema=VERIFIED,
        )


# --- decide -----------------------------------------------------------------

DROPS = pa.schema([
    ("span_id", pa.int64()), ("kept", pa.int64()), ("jaccard", pa.float64()), ("containment", pa.float64()),
    ("kept_containment", pa.float64()), ("reason", pa.string()),
])


def decide_component(span_id, unit, size, length, ei, ej, inter, config: Config):
    """One connected component: its spans (span_id, unit, size, length) and verified
    edges (ei, ej, inter) -> its DropTable (judge.judge, the local engine's decision,
    then drops.span_drops).

    Ranks are taken over the component's spans in span-id order, which is their
    global input order, so the decisions equal the local engine's: decide never
    looks beyond a component.
    """
    order = np.argsort(span_id, kind="stable")
    span_id, unit, size, length = span_id[order], unit[order], size[order], length[order]
    units, first = np.unique(unit, return_index=True)
    unit_of = np.searchsorted(units, unit)
    sizes = size[first]
    span_rank = rank_spans(length, config.keep)
    u_rank = unit_ranks(unit_of, span_rank, len(units))
    pairs = np.stack((np.searchsorted(units, ei), np.searchsorted(units, ej)), axis=1).reshape(-1, 2)
    verdict = judge(sizes, _NO_SETS, _NO_OFFSETS, u_rank, pairs, inter, config, _no_text)
    return span_drops(unit_of, span_rank, sizes, verdict.keeper, pairs, verdict.inter, span_id, verdict.covered)


# The engine refuses --sentences (run.py), so judge decides on the edges alone and never
# reads shingle sets or texts, which a component's task does not hold.
_NO_SETS, _NO_OFFSETS = np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)


def _no_text(unit: int) -> str:
    raise AssertionError("the Spark engine decides without sentence runs")


DECIDE_IN = pa.schema([
    ("comp", pa.int64()), ("span_id", pa.int64()), ("unit", pa.int64()), ("size", pa.int64()), ("length", pa.int64()),
    ("i", pa.int64()), ("j", pa.int64()), ("inter", pa.int64()),
])


def decide_batch(batches: Batches, config: Config) -> Iterator[pa.RecordBatch]:
    """Rows sorted by component (a span row has span_id, an edge row i and j; the rest null)
    -> the dropped spans of every component, many components per batch. A component
    running past a batch's end waits for the next batch, so each is decided whole."""
    pending = None
    for batch in batches:
        table = pa.Table.from_batches([batch]) if pending is None else pa.concat_tables([pending, pa.Table.from_batches([batch])])
        if not len(table):
            continue
        comp = table.column("comp").to_numpy()
        cut = int(np.searchsorted(comp, comp[-1], side="left"))  # the last component may go on
        pending = table.slice(cut)
        if cut:
            yield _decide_rows(table.slice(0, cut), config)
    if pending is not None and len(pending):
        yield _decide_rows(pending, config)


def _decide_rows(table: pa.Table, config: Config) -> pa.RecordBatch:
    col = {name: table.column(name) for name in DECIDE_IN.names}
    comp = col["comp"].to_numpy()
    is_span = col["span_id"].is_valid().to_numpy(zero_copy_only=False)
    fill = {name: col[name].fill_null(0).to_numpy() for name in DECIDE_IN.names[1:]}
    bounds = np.flatnonzero(np.diff(comp)) + 1
    starts, ends = np.concatenate(([0], bounds)), np.concatenate((bounds, [len(comp)]))
    out: dict[str, list] = {f.name: [] for f in DROPS}
    for a, b in zip(starts.tolist(), ends.tolist()):
        sp = a + np.flatnonzero(is_span[a:b])
        ed = a + np.flatnonzero(~is_span[a:b])
        drops = decide_component(fill["span_id"][sp], fill["unit"][sp], fill["size"][sp], fill["length"][sp],
                                 fill["i"][ed], fill["j"][ed], fill["inter"][ed], config)
        for name in ("span", "kept", "jaccard", "containment", "kept_containment"):
            out["span_id" if name == "span" else name].append(getattr(drops, name))
        out["reason"].append(drops.reason)
    cat = {name: np.concatenate(parts) if parts else np.empty(0) for name, parts in out.items()}
    reasons = np.array(REASONS, dtype=object)[cat["reason"].astype(np.int64)] if len(cat["reason"]) else np.empty(0, dtype=object)
    return pa.RecordBatch.from_arrays([
        pa.array(cat["span_id"].astype(np.int64)), pa.array(cat["kept"].astype(np.int64)),
        pa.array(cat["jaccard"].astype(np.float64)), pa.array(cat["containment"].astype(np.float64)),
        pa.array(cat["kept_containment"].astype(np.float64)), pa.array(reasons.tolist(), type=pa.string()),
    ], schema=DROPS)


# --- write ------------------------------------------------------------------

RENDERED = pa.schema([
    ("doc_no", pa.int64()), ("json", pa.string()), ("duplicate", pa.bool_()), ("spans", pa.int64()),
    ("short_spans", pa.int64()), ("span_chars", pa.int64()), ("dropped_spans", pa.int64()), ("dropped_chars", pa.int64()),
])


def _document(row: dict, text_field: str | None = None) -> Document:
    record = json.loads(row["record"]) if row.get("record") is not None else None
    return Document(row["id"], row["text"], row["rel"], row["line"], record)


def render_batch(batches: Batches, config: Config, text_field: str, omit_duplicates: bool) -> Iterator[pa.RecordBatch]:
    """Documents with their spans and dropped span indices -> the clean JSONL line
    (writers.clean_record) and per-document counts."""
    for batch in batches:
        out = _rows(RENDERED)
        for row in batch.to_pylist():
            doc = _document(row)
            spans = [Span(0, k, s, e) for k, (s, e) in enumerate(zip(row["starts"], row["ends"]))]
            dropped = row["dropped"] or []
            eligible = np.array(row["eligible"], dtype=bool)
            mask = np.zeros(len(spans), dtype=bool)
            mask[[k for k in dropped if k < len(spans)]] = True
            duplicate = is_duplicate(mask, eligible if len(eligible) == len(spans) else np.zeros_like(mask))
            offsets = [(s.start, s.end) for s in spans]
            recs = [] if omit_duplicates and duplicate else [writers.clean_record(doc, text_field, offsets, dropped)]
            values = {
                "doc_no": row["doc_no"],
                "json": _line(recs[0]) if recs else None,
                "duplicate": duplicate,
                "spans": len(spans),
                "short_spans": int(np.count_nonzero(~eligible)),
                "span_chars": sum(s.end - s.start for s in spans),
                "dropped_spans": len(dropped),
                "dropped_chars": sum(spans[k].end - spans[k].start for k in dropped),
            }
            for name, col in out.items():
                col.append(values[name])
        yield pa.RecordBatch.from_pydict(out, schema=RENDERED)


MEMBERS = pa.schema([("kept", pa.int64()), ("span_id", pa.int64()), ("json", pa.string())])


def member_batch(batches: Batches) -> Iterator[pa.RecordBatch]:
    """Documents with their cluster members (index, span_id, kept and the drop's
    scores) -> one clusters.jsonl member record each (writers.member_record)."""
    for batch in batches:
        out = _rows(MEMBERS)
        for row in batch.to_pylist():
            doc = _document(row)
            for m in row["members"]:
                k = m["index"]
                span = Span(0, k, row["starts"][k], row["ends"][k])
                drop = None if m["reason"] is None else Drop(m["kept"], m["jaccard"], m["containment"], m["kept_containment"], m["reason"])
                out["kept"].append(m["kept"])
                out["span_id"].append(m["span_id"])
                out["json"].append(_line(writers.member_record(writers.doc_span_ref(doc, span), doc.text[span.start : span.end], drop)))
        yield pa.RecordBatch.from_pydict(out, schema=MEMBERS)


CLUSTER_LINES = pa.schema([("cluster", pa.int64()), ("kept", pa.int64()), ("value", pa.string())])


def cluster_lines(batches: Batches, offsets: dict[int, int]) -> Iterator[pa.RecordBatch]:
    """(kept, members as (span_id, json), part) sorted by kept -> clusters.jsonl line
    (writers.cluster_record) numbered offsets[part] + its row in the partition: the kept
    member first, then the dropped ones in input order."""
    n = None
    for batch in batches:
        out = _rows(CLUSTER_LINES)
        for row in batch.to_pylist():
            if n is None:
                n = offsets[row["part"]]
            ordered = sorted(row["members"], key=lambda m: (m["span_id"] != row["kept"], m["span_id"]))
            out["cluster"].append(n)
            out["kept"].append(row["kept"])
            out["value"].append(_line(writers.cluster_record(n, [json.loads(m["json"]) for m in ordered])))
            n += 1
        yield pa.RecordBatch.from_pydict(out, schema=CLUSTER_LINES)
