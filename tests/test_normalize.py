"""normalize.py: matching keys only (NFKC, casefold, quotes, spaces, tokens)."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages.normalize import normalize, tokens

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


NORMALIZE = {
    "nfkc-fullwidth": ("ＡＢＣ １２３", "abc 123"),
    "nfkc-ligature": ("ﬁnance", "finance"),
    "casefold-sharp-s": ("STRASSE Straße", "strasse strasse"),
    "casefold-greek-sigma": ("ΣΊΣΥΦΟΣ", "σίσυφοσ"),
    "curly-single": ("Ankara\u2019s \u2018word\u2019", "ankara's 'word'"),
    "curly-double": ("\u201canother set\u201d", '"another set"'),
    "guillemets": ("\u00abquote\u00bb", '"quote"'),
    "whitespace-collapsed": ("  a \t\n b\u00a0\u00a0c\u2003d\u200be  ", "a b c d e"),
    "bom-dropped": ("\ufeffText", "text"),
}


@pytest.mark.parametrize("raw,expected", NORMALIZE.values(), ids=NORMALIZE.keys())
def test_normalize_named_cases(raw, expected):
    assert normalize(raw) == expected


EQUAL_TOKENS = {
    "curly-vs-straight-single": ("Ankara\u2019s decision", "Ankara's decision"),
    "curly-vs-straight-double": ("\u201cno doubts\u201d about it", '"no doubts" about it'),
    "dollar-space": ("a $ 2.5 billion contract", "a $2.5 billion contract"),
    "case": ("TURKISH President", "turkish president"),
    "nbsp-vs-space": ("S-400\u00a0missile  systems", "S-400 missile systems"),
    "fullwidth": ("ＮＡＴＯ ally", "NATO ally"),
    "glued-sentence": ("Washington.Erdogan insisted", "Washington. Erdogan insisted"),
}


@pytest.mark.parametrize("a,b", EQUAL_TOKENS.values(), ids=EQUAL_TOKENS.keys())
def test_variants_give_equal_tokens(a, b):
    assert tokens(a) == tokens(b)


TOKENS = {
    "glued-sentences-two-words": ("Ankara.Erdogan", ["ankara", "erdogan"]),
    "glued-after-quote": ('said "yes".Then', ["said", "yes", "then"]),
    "hyphen-splits": ("S-400 F-35", ["s", "400", "f", "35"]),
    "decimal": ("$ 2.5", ["2", "5"]),
    "url-one-token": (
        "see https://sputniknews.com/20210926/turkish-president-reveals-ankara.html now",
        ["see", "https://sputniknews.com/20210926/turkish-president-reveals-ankara.html", "now"],
    ),
    "url-trailing-period": ("at https://example.org/a-b-c.", ["at", "https://example.org/a-b-c"]),
    "url-in-parentheses": ("(www.example.com/x)", ["www.example.com/x"]),
    "email-one-token": ("write to press.office@mod.gov.tr today", ["write", "to", "press.office@mod.gov.tr", "today"]),
    "cjk-one-char-each": ("土耳其导弹", ["土", "耳", "其", "导", "弹"]),
    "japanese-kana": ("ミサイル", ["ミ", "サ", "イ", "ル"]),
    "thai-one-char-each": ("ขีปนาวุธ", list("ขีปนาวุธ")),
    "mixed-latin-cjk": ("S400导弹", ["s400", "导", "弹"]),
    "underscore-separates": ("snake_case", ["snake", "case"]),
    "punctuation-only": ("-- ... !!! $", []),
}


@pytest.mark.parametrize("raw,expected", TOKENS.values(), ids=TOKENS.keys())
def test_tokens_named_cases(raw, expected):
    assert tokens(raw) == expected


def test_url_slug_does_not_repeat_headline_tokens():
    text = (SAMPLES / "001_42e2df97611246d8.txt").read_text(encoding="utf-8")
    url_line, headline = [line for line in text.splitlines() if line.strip()][:2]
    url_tokens, head_tokens = tokens(url_line), tokens(headline)
    assert sum(t.startswith("https://") for t in url_tokens) == 1
    # the slug's words reach the matcher only inside the URL token
    assert set(url_tokens) & set(head_tokens) == set()


def test_normalize_never_changes_the_input_string():
    raw = "Ankara\u2019s \u201cS-400\u201d"
    copy = str(raw)
    normalize(raw)
    tokens(raw)
    assert raw == copy


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
    assert tokens(once) == tokens(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs", "Sc"])))
def test_tokens_stable_when_rejoined(text):
    toks = tokens(text)
    assert tokens(" ".join(toks)) == toks
    assert all(t and " " not in t for t in toks)
