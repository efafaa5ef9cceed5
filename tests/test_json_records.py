"""readers._parse_record with orjson must read every JSONL line exactly as json does."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.io import readers
from dedup.io.readers import ReadOptions

pytestmark = pytest.mark.skipif(readers._orjson is None, reason="orjson missing: json parses every line")

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.one_of(st.characters(), st.sampled_from(["\ud800", "\udfff", '"', "\\", "\x00", "\t"])), max_size=12),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=8)
_RECORDS = st.dictionaries(st.sampled_from(["id", "text", "a", "b", "\u00e9"]), _VALUES, max_size=4)


def outcome(raw: bytes, fast: bool, monkeypatch) -> tuple:
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(readers, "_orjson", None)
        try:
            record = readers._parse_record(raw, ReadOptions())
        except ValueError as e:
            return ("error", str(e))
    return ("ok", json.dumps(record, ensure_ascii=True), [type(v).__name__ for v in record.values()])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_RECORDS, st.booleans(), st.data())
def test_fast_and_json_parsing_agree(monkeypatch, record, ascii_only, data):
    record.setdefault("text", "some text")
    try:
        raw = json.dumps(record, ensure_ascii=ascii_only).encode()
    except UnicodeEncodeError:  # a lone surrogate written raw: not UTF-8
        raw = json.dumps(record, ensure_ascii=True).encode()
    if data.draw(st.booleans()):  # a damaged line: both must refuse it with the same words, or read the same
        at = data.draw(st.integers(0, len(raw)))
        raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=3)) + raw[at:]
    assert outcome(raw, True, monkeypatch) == outcome(raw, False, monkeypatch)


@pytest.mark.parametrize("line", [
    b'{"text": "a", "id": 123456789012345678901234567890}', b'{"text": "a", "id": -9223372036854775809}',
    b'{"text": "\\ud800"}', b'{"text": "a", "x": NaN}', b'{"text": "a", "x": 1e400}', b'{"text": "a", "a": 1, "a": 2}',
])
def test_lines_orjson_reads_differently_are_read_by_json(monkeypatch, line):
    assert outcome(line, True, monkeypatch) == outcome(line, False, monkeypatch)


def test_flat_records_take_the_fast_path():
    assert readers._fast_record(b'{"id": 7, "text": "caf\\u00e9 \xc3\xa9", "ok": true, "n": null}') == {
        "id": 7, "text": "café é", "ok": True, "n": None,
    }
    assert readers._fast_record(b'{"text": "a", "score": 0.5}') is None  # a float: json decides
