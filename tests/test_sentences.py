"""stages/sentences.py: sentence offsets inside a span, and the tokens dealt out to them."""

import pytest
from hypothesis import given, settings, strategies as st

from dedup.stages.normalize import ascii_token_starts, token_bytes
from dedup.stages.runs import _split_tokens
from dedup.stages.sentences import sentences


def split(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences(text)]


@pytest.mark.parametrize("text, expected", [
    ("One here. Two there.", ["One here.", "Two there."]),
    ("Mr. Smith met Dr. Jones in the U.S. Army. They talked.", ["Mr. Smith met Dr. Jones in the U.S. Army.", "They talked."]),
    ("It cost $2.5 billion in Jan. 2021. Prices rose.", ["It cost $2.5 billion in Jan. 2021.", "Prices rose."]),
    ("Erdogan said Ankara.Erdogan added more.", ["Erdogan said Ankara.", "Erdogan added more."]),
    ('He said "we will go." Then he left.', ['He said "we will go."', "Then he left."]),
    ("Really? Yes! 3 more came.", ["Really?", "Yes!", "3 more came."]),
    ("J. R. R. Tolkien wrote it. Fine.", ["J. R. R. Tolkien wrote it.", "Fine."]),
    ("They will defeat ISIS-K. Let's go.", ["They will defeat ISIS-K.", "Let's go."]),
    ("see e.g. this one. And that.", ["see e.g. this one.", "And that."]),
    ("no punctuation at all here", ["no punctuation at all here"]),
])
def test_sentence_boundaries(text, expected):
    assert split(text) == expected


def test_lines_without_sentence_ends_are_units():
    table = "U+057d uni057D 2.3 (Sans, Sans Bold)\nU+04af uni04AF 2.2 (Sans)\nU+04b0 uni04B0 2.2 (Sans)"
    assert split(table) == table.split("\n")


def test_hard_wrapped_prose_is_not_cut_at_line_breaks():
    prose = "This is hard wrapped prose that\ngoes on over lines. And a second sentence\nthat wraps too. Third one here."
    assert split(prose) == ["This is hard wrapped prose that\ngoes on over lines.", "And a second sentence\nthat wraps too.", "Third one here."]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcXY. \n!?\"'1@:/w-")), max_size=120))
def test_sentences_are_ordered_trimmed_and_cover_every_word(text):
    bounds = sentences(text)
    assert all(s < e for s, e in bounds) and all(a[1] <= b[0] for a, b in zip(bounds, bounds[1:]))
    for s, e in bounds:
        assert text[s:e] == text[s:e].strip()
    rest = list(text)
    for s, e in bounds:
        rest[s:e] = [" "] * (e - s)
    assert "".join(rest).strip() == ""


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcAB1 .\n@:/w-")), max_size=150))
def test_ascii_token_starts_gives_token_bytes(text):
    tokens, starts = ascii_token_starts(text)
    assert tokens == token_bytes(text)
    assert starts == sorted(starts) and all(0 <= s < max(1, len(text)) for s in starts)


def test_tokens_dealt_to_sentences_are_each_sentences_tokens():
    text = "First one has words. Mail me@example.org now! Then http://x.org/a b c.\nU+057d uni057D 2.3"
    bounds = sentences(text)
    assert _split_tokens(text, bounds) == [token_bytes(text[s:e]) for s, e in bounds]
