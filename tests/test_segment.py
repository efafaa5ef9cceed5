"""segment.py: paragraph spans with exact offsets, removal ranges and cutting."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages.segment import WRAP_WIDTH, cut, removal_ranges, removal_ranges_many, segment

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
NBSP = "\u00a0"
BOM = "\ufeff"
LONG_A = "Alpha " * 30  # one long line (> WRAP_WIDTH)
LONG_B = "Beta " * 30
LONG_C = "Gamma " * 30


def texts(text: str, mode: str = "auto") -> list[str]:
    return [text[s:e] for s, e in segment(text, mode)]


CASES = {
    "blank-lines": ("One para.\n\nTwo para.\n", ["One para.", "Two para."]),
    "several-blank-lines": ("One.\n\n\n\nTwo.", ["One.", "Two."]),
    "whitespace-only-line": ("One.\n  \t \nTwo.\n", ["One.", "Two."]),
    "nbsp-only-line": (f"One.\n\n{NBSP}\n\nTwo.\n", ["One.", "Two."]),
    "nbsp-line-no-blank-around": (f"One.\n{NBSP}\nTwo.\n", ["One.", "Two."]),
    "nbsp-and-space-line": (f"One.\n {NBSP} {NBSP}\nTwo.\n", ["One.", "Two."]),
    "trailing-nbsp-trimmed": (f"One.{NBSP} \n\nTwo.", ["One.", "Two."]),
    "crlf": ("One.\r\n\r\nTwo.\r\n", ["One.", "Two."]),
    "crlf-nbsp-separator": (f"One.\r\n{NBSP}\r\nTwo.\r\n", ["One.", "Two."]),
    "bom": (f"{BOM}One.\n\nTwo.\n", ["One.", "Two."]),
    "bom-crlf-leading-blank": (f"{BOM}\r\n\r\nOne.\r\n\r\nTwo.", ["One.", "Two."]),
    "leading-blank-lines": ("\n\n\n\nOne.\n\nTwo.\n\n\n", ["One.", "Two."]),
    "leading-indent": ("   One.\n\n\tTwo.", ["One.", "Two."]),
    "no-final-newline": ("One.\n\nTwo.", ["One.", "Two."]),
    "empty": ("", []),
    "only-whitespace": (f"\n \n{NBSP}\r\n\n", []),
}


@pytest.mark.parametrize("text,expected", CASES.values(), ids=CASES.keys())
def test_named_cases(text, expected):
    assert texts(text) == expected


@pytest.mark.parametrize("text", [c[0] for c in CASES.values()], ids=CASES.keys())
@pytest.mark.parametrize("mode", ["auto", "paragraph", "line"])
def test_spans_ordered_disjoint_and_trimmed(text, mode):
    spans = segment(text, mode)
    for s, e in spans:
        assert 0 <= s < e <= len(text)
        piece = text[s:e]
        assert piece == piece.strip().strip(BOM), "spans are trimmed of whitespace and BOM"
        assert "\n\n" not in piece.replace("\r", "")
    for (_, e1), (s2, _) in zip(spans, spans[1:]):
        assert e1 < s2


def test_crlf_offsets_exclude_carriage_return():
    text = "First paragraph line one\r\nline two\r\n\r\nSecond.\r\n"
    spans = segment(text, "paragraph")
    assert spans == [(0, 34), (38, 45)]
    assert text[0:34] == "First paragraph line one\r\nline two"


def test_bom_and_leading_blank_lines_offsets_exact():
    text = f"{BOM}\n\n\nHeadline here\n\nBody text.\n"
    assert segment(text) == [(4, 17), (19, 29)]


def test_single_newline_paragraphs_auto_splits_long_lines():
    text = f"{LONG_A.strip()}\n{LONG_B.strip()}\n{LONG_C.strip()}\n"
    assert texts(text, "auto") == [LONG_A.strip(), LONG_B.strip(), LONG_C.strip()]
    assert texts(text, "line") == texts(text, "auto")
    assert texts(text, "paragraph") == [text.strip()]


def test_hard_wrapped_paragraph_auto_keeps_one_span():
    lines = ["This paragraph is hard wrapped at a narrow width", "so every line is short and the block", "is one paragraph."]
    assert all(len(x) <= WRAP_WIDTH for x in lines)
    text = "\n".join(lines) + "\n\nNext one.\n"
    assert texts(text, "auto") == ["\n".join(lines), "Next one."]
    assert texts(text, "paragraph") == texts(text, "auto")
    assert texts(text, "line") == lines + ["Next one."]


def test_auto_decides_per_block():
    wrapped = "short line one\nshort line two"
    text = f"{wrapped}\n\n{LONG_A.strip()}\n{LONG_B.strip()}\n"
    assert texts(text, "auto") == [wrapped, LONG_A.strip(), LONG_B.strip()]


WRAPPED = "This paragraph is hard wrapped at a\nnarrow width so every line is short\nand the block is one paragraph."


def test_auto_hard_wrapped_paragraph_glued_to_long_line_stays_whole():
    text = f"{LONG_A.strip()}\n{WRAPPED}\n{LONG_B.strip()}\n"
    assert texts(text, "auto") == [LONG_A.strip(), WRAPPED, LONG_B.strip()]


def test_auto_short_headline_above_long_line_is_its_own_span():
    text = f"Short headline\n{LONG_A.strip()}\n"
    assert texts(text, "auto") == ["Short headline", LONG_A.strip()]


def test_auto_cutting_a_long_line_keeps_the_other_spans():
    # found by test_properties: with a per-block decision, cutting the long line
    # turned the wrapped lines left behind into one new span on the next scan
    text = f"{LONG_A.strip()}\n{WRAPPED}\n"
    spans = segment(text)
    cleaned = cut(text, removal_ranges(spans, {0}, len(text)))
    assert texts(cleaned) == [WRAPPED]
    assert texts(text)[1:] == [WRAPPED]


def test_sample_002_one_paragraph_per_line():
    text = (SAMPLES / "002_15b4f7d72c558c23.txt").read_text(encoding="utf-8")
    lines = [line for line in text.split("\n") if line.strip()]
    assert len(lines) == 12
    assert texts(text, "auto") == lines


def test_sample_004_nbsp_lines_separate():
    text = (SAMPLES / "004_571803df5c3c6925.txt").read_text(encoding="utf-8")
    assert f"\n{NBSP}\n" in text
    got = texts(text, "auto")
    assert all(NBSP + "\n" not in t and t.strip(NBSP) == t for t in got)
    assert got[1] == "03 March 2021"
    assert got[2].startswith("Ismail Demir, head of Turkey") and got[2].endswith("from the United States.")
    assert got[3] == '"Our work on the second [regiment] of S-400 systems continues," he stressed in an interview with NTV.'
    # paragraph mode treats the no-break-space lines as blank lines too
    assert texts(text, "paragraph") == got


def test_sample_003_leading_blank_lines():
    text = (SAMPLES / "003_15fa05f4d3cf0d4f.txt").read_text(encoding="utf-8")
    spans = segment(text)
    assert len(spans) == 3
    assert spans[0][0] == 4 and text[:4] == "\n\n\n\n"
    assert text[spans[0][0] : spans[0][1]].startswith("Turkish President Recep")


# --- removal_ranges and cut -------------------------------------------------

THREE = "\n\nA first.\n\nB second.\n\nC third.\n"


def clean(text: str, dropped: set[int]) -> str:
    spans = segment(text)
    return cut(text, removal_ranges(spans, dropped, len(text)))


REMOVALS = {
    "none": (set(), THREE),
    "first": ({0}, "\n\nB second.\n\nC third.\n"),
    "middle": ({1}, "\n\nA first.\n\nC third.\n"),
    "last-keeps-final-newline": ({2}, "\n\nA first.\n\nB second.\n"),
    "first-two": ({0, 1}, "\n\nC third.\n"),
    "last-two-no-blank-lines-left": ({1, 2}, "\n\nA first.\n"),
    "first-and-last": ({0, 2}, "\n\nB second.\n"),
    "all": ({0, 1, 2}, "\n\n\n"),
}


@pytest.mark.parametrize("dropped,expected", REMOVALS.values(), ids=REMOVALS.keys())
def test_removal_named_cases(dropped, expected):
    assert clean(THREE, dropped) == expected


def test_removal_only_span_keeps_surroundings():
    assert clean("\nOnly one.\n", {0}) == "\n\n"


def test_removal_crlf_last_span_keeps_final_crlf():
    text = "One.\r\n\r\nTwo.\r\n"
    assert clean(text, {1}) == "One.\r\n"
    assert clean(text, {0}) == "Two.\r\n"


def test_removal_ranges_sorted_and_merged():
    spans = [(0, 2), (4, 6), (8, 10), (12, 14)]
    assert removal_ranges(spans, {1, 2}, 15) == [(4, 12)]
    assert removal_ranges(spans, {3, 0}, 15) == [(0, 4), (10, 14)]
    assert removal_ranges(spans, {2, 3}, 15) == [(6, 14)]


def test_cut_keeps_every_kept_span_in_order():
    text = (SAMPLES / "004_571803df5c3c6925.txt").read_text(encoding="utf-8") + "\n"
    spans = segment(text)
    dropped = {0, 3, 5, len(spans) - 1}
    out = cut(text, removal_ranges(spans, dropped, len(text)))
    pos = 0
    for i, (s, e) in enumerate(spans):
        if i in dropped:
            continue
        found = out.find(text[s:e], pos)
        assert found >= 0
        pos = found + (e - s)
    assert out.endswith("\n") and text.endswith("\n")
    assert len(out) == len(text) - sum(e - s for s, e in removal_ranges(spans, dropped, len(text)))


# Texts as lists of (gap before, span length, dropped) with a trailing gap; some texts have no spans.
_TEXTS = st.lists(
    st.tuples(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 5), st.booleans()), max_size=6), st.integers(0, 2)),
    min_size=1, max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_removal_ranges_many_equals_one_text_at_a_time(texts):
    """removal_ranges_many (ScanResult.clean_text's) gives each text's removal_ranges."""
    doc, starts, ends, dropped, expected = [], [], [], [], []
    for t, (spans, tail) in enumerate(texts):
        pos, mine = 0, []
        for gap, length, gone in spans:
            mine.append((pos + gap, pos + gap + length))
            pos += gap + length
            doc.append(t)
            dropped.append(gone)
        starts += [s for s, _ in mine]
        ends += [e for _, e in mine]
        gone = {i for i, (_, _, g) in enumerate(spans) if g}
        expected += [(t, s, e) for s, e in removal_ranges(mine, gone, pos + tail)] if mine else []
    got = removal_ranges_many(*(np.array(x, dtype=np.int64) for x in (doc, starts, ends)), np.array(dropped, dtype=bool))
    assert list(zip(*(x.tolist() for x in got))) == expected


def test_a_lone_cr_is_not_a_line_break():
    # Decided and documented (README, segment): lines end at \n only, so an old Mac
    # file (CR-only) is one paragraph and \r\r does not split paragraphs.
    text = "First paragraph of an old Mac file.\r\rSecond paragraph of it.\r"
    assert segment(text, "paragraph") == segment(text, "line") == [(0, len(text) - 1)]
    assert segment(text.replace("\r", "\r\n")) == [(0, 35), (39, 62)]
