"""A clean JSONL line is its input line with only the text value replaced
(readers.text_frame, writers.clean_lines): every other byte as it came."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.io import readers
from dedup.io.readers import ReadOptions, _parse_record
from tests.conftest import cli

_SCALAR_SPELLINGS = st.sampled_from(
    ["1.0e3", "1E5", "-0.0", "0", "1e400", "-1e-400", "12345678901234567890123", "9" * 5000, "true", "null",
     '"\\u00e9\\/\\ud83d\\ude00"', '"text"', '"\\"text\\": \\"x\\""', '"}"', '"é"', "[]", "{}"]
)
_VALUES = st.recursive(
    _SCALAR_SPELLINGS,
    lambda inner: st.lists(inner, max_size=3).map(lambda v: "[" + ",".join(v) + "]")
    | st.lists(st.tuples(st.sampled_from(['"text"', '"a"', '"\\u0074ext"']), inner), max_size=3).map(
        lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
    ),
    max_leaves=6,
)
_KEYS = st.sampled_from(['"id"', '"a"', '"text"', '"\\u0074ext"', '"t\\"ext"', '"é"'])
_SPACE = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def lines(draw) -> bytes:
    """A JSON object line spelled oddly: spacing, repeated keys (the text key too),
    escaped keys, number spellings json would not write back, nested text keys."""
    members = draw(st.lists(st.tuples(_KEYS, _VALUES), max_size=5))
    text = json.dumps(draw(st.text(max_size=20)), ensure_ascii=draw(st.booleans()))
    members.insert(draw(st.integers(0, len(members))), (draw(st.sampled_from(['"text"', '"\\u0074ext"'])), text))
    if draw(st.booleans()):  # the parser keeps the last text value: make it a string
        members.append(('"text"', text))
    members = [(k, v) for k, v in members if k not in ('"text"', '"\\u0074ext"') or v.startswith('"')]
    sp = [draw(_SPACE) for _ in range(4)]
    body = f",{sp[0]}".join(f"{k}{sp[1]}:{sp[2]}{v}" for k, v in members)
    return f"{sp[3]}{{{sp[0]}{body}{sp[1]}}}{sp[3]}".encode()


def pairs(raw: bytes) -> list:
    """The line's top-level members as a parser sees them, repeated keys and all."""
    return json.loads(raw, object_pairs_hook=lambda kv: kv, parse_int=str, parse_float=str, parse_constant=str)


@settings(max_examples=400, deadline=None)
@given(lines(), st.text(max_size=20))
def test_the_frame_holds_every_byte_but_the_text_value(raw, new):
    record = _parse_record(raw, ReadOptions())
    head, tail = readers.text_frame(raw, "text", record["text"])
    spliced = head + json.dumps(new, ensure_ascii=False).encode() + tail
    before, after = pairs(raw), pairs(spliced)
    last = max(i for i, (k, _) in enumerate(before) if k == "text")
    assert after == [(k, new if i == last else v) for i, (k, v) in enumerate(before)]
    assert head + json.dumps(record["text"], ensure_ascii=False).encode() + tail == raw or "\\" in raw.decode()


ODD = [
    b'{"id":1,"n":1.0e3,"z":-0.0,"big":' + b"7" * 5000 + b',"inf":1e400,"e":"\\u00e9\\/","text":"A","text":"%s"}',
    b'{ "text" : "%s" , "id" : 12345678901234567890123456789, "f": 1E5, "nested": {"text": 1} }   ',
    b'{"a": [1.50, {"text": "not this"}], "\\u0074ext": "%s", "id": "x"}',
]


def test_odd_lines_come_out_with_every_other_byte_unchanged(tmp_path):
    # Fails on the code before text_frame: 1e400 became Infinity (invalid JSON), 1E5
    # 100000.0, the first "text" vanished, the 5,000-digit integer failed the record.
    para = "Officials in both capitals declined to say when the remaining batteries would be delivered or paid for."
    other = "A different paragraph about the weather in the mountains, which stayed mild for most of the week."
    corpus = tmp_path / "in.jsonl"
    third = "Nothing in this record is found anywhere else in the corpus, so all of it stays as written here."
    texts = [f"{para}\n\n{other}", para, third]  # the second is a copy of the first's first paragraph
    lines = [line % json.dumps(t)[1:-1].encode() for line, t in zip(ODD, texts)]
    corpus.write_bytes(b"\n".join(lines) + b"\n")
    res = cli("scan", str(corpus), "--out", str(tmp_path / "out"), "-q", "--min-tokens", "3")
    assert res.exit_code == 0, res.stderr
    out = (tmp_path / "out" / "in.jsonl").read_bytes().splitlines()
    assert out[0] == lines[0]  # nothing of it dropped: the whole line as it came
    assert out[2] == lines[2]
    kept_head, kept_tail = lines[1].split(b'"%s"' % json.dumps(para)[1:-1].encode())
    assert out[1].startswith(kept_head) and out[1].endswith(kept_tail)
    assert json.loads(out[1][len(kept_head):-len(kept_tail)]) == ""  # its only paragraph went
