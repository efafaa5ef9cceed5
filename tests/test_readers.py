"""readers: a plain JSONL file is read line by line (source_documents), and must give
exactly the documents, skips and errors its bytes give when decoded whole."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.errors import InputError
from dedup.io.readers import ReadOptions, Source, decode_source, read_source

_LINES = st.one_of(
    st.builds(lambda t, i: json.dumps({"id": i, "text": t}), st.text(max_size=30), st.integers(0, 5)),
    st.sampled_from(["", "   ", "not json", "[1, 2]", '{"id": 1}', '{"text": 5}', '{"text": "\\ud83d"}']),
)


def outcome(read):
    try:
        docs, skipped = read()
    except InputError as e:
        return ("error", str(e))
    return [(d.id, d.text, d.line, d.record, d.frame) for d in docs], [str(s) for s in skipped]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_LINES, max_size=8), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(), st.booleans(), st.booleans())
def test_streamed_jsonl_reads_as_its_bytes_do(tmp_path, lines, end, bom, last_end, skip_bad):
    data = (b"\xef\xbb\xbf" if bom else b"") + end.join(lines).encode() + (end.encode() if last_end else b"")
    path = tmp_path / "a.jsonl"
    path.write_bytes(data)
    src, opts = Source(str(path), "a.jsonl", "jsonl"), ReadOptions(skip_bad_records=skip_bad)
    assert outcome(lambda: read_source(src, opts)) == outcome(lambda: decode_source(src, data, opts))
