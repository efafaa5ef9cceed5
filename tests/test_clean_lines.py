"""writers.clean_lines: the clean JSONL lines, made faster than json.dumps, must be its bytes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Config, Document, scan
from dedup.io.writers import json_text, with_text, clean_lines, cluster_lines, cluster_records, json_line

# Characters the fast path must treat exactly as json.dumps does: quotes, backslashes,
# every control character, DEL, line and paragraph separators, non-BMP, lone surrogates.
_CHARS = st.one_of(
    st.sampled_from(['"', "\\", "/", "\x7f", "\u2028", "\u2029", "\ud800", "\udfff", "\U0001f600", "é", " "]),
    st.characters(max_codepoint=0x1F),
    st.characters(categories=("L", "N", "P", "Z")),
)
TEXTS = st.text(_CHARS, max_size=40)


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_json_text_is_json_dumps_or_declines(text):
    got = json_text(text)
    try:
        expected = json.dumps(text, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate: only json_line's escaped form can carry it
        assert got is None
        return
    assert got == expected


def test_json_text_escapes_every_code_point_as_json_does():
    # Escaping is per character, so one string of every code point but the surrogates covers them all.
    every = "".join(map(chr, [*range(0xD800), *range(0xE000, 0x110000)]))
    assert json_text(every) == json.dumps(every, ensure_ascii=False).encode()


@st.composite
def records(draw):
    """A JSONL record: a few fields in any order, the text field among them or not."""
    names = draw(st.lists(st.sampled_from(["id", "text", "body", "outlet", "n"]), unique=True, max_size=4))
    values = st.one_of(TEXTS, st.integers(-5, 10**20), st.floats(allow_nan=True), st.none(), st.lists(st.integers(), max_size=2))
    return {name: draw(values) for name in names}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(records(), st.lists(st.sampled_from(["One two three four five six.", "Other words here now.", "x\ty"]), max_size=3)), min_size=1, max_size=4), st.sampled_from(["text", "body"]))
def test_clean_lines_are_the_json_lines_of_the_clean_records(docs, field):
    documents = [
        Document(f"d{i}", "\n\n".join(paras) + "\n", "in.jsonl", i + 1, record=record) if i % 3 else Document(f"d{i}", "\n\n".join(paras))
        for i, (record, paras) in enumerate(docs)
    ]
    result = scan(documents, Config(min_tokens=2))
    picked = list(range(len(documents)))
    expected = [json_line(with_text(documents[d], field, result.clean_text(d))) for d in picked]
    assert list(clean_lines(result, picked, field)) == expected


PARAS = [
    "The council approved the budget for the new school building on Tuesday evening.",
    "Residents asked whether the road works would finish before the winter storms.",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(TEXTS, TEXTS, st.integers(0, 1)), min_size=2, max_size=6))
def test_cluster_lines_are_the_json_lines_of_the_cluster_records(parts):
    # Near-copies of a paragraph with odd characters (quotes, control characters, lone
    # surrogates) in their text and ids: every cluster line must be json_line's bytes.
    documents = [
        Document(f"id{a}", f"{PARAS[k]} {a}\n\n{b} {PARAS[1 - k]}\n", "in.jsonl", i + 1, record={"id": f"id{a}", "text": ""})
        for i, (a, b, k) in enumerate(parts)
    ]
    result = scan(documents, Config(min_tokens=2))
    assert len(result.clusters) > 0
    expected = [json_line(r) for r in cluster_records(result)]
    assert list(cluster_lines(result)) == expected
    half = len(result.clusters) // 2
    assert list(cluster_lines(result, range(half, len(result.clusters)))) == expected[half:]
