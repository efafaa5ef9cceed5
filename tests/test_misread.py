"""stages/misread.py: an OCR-misread copy is a copy; other words are not misreadings."""

from dedup import Config, Document, scan
from dedup.stages.misread import misread, read_as
import numpy as np

SOURCE = ("The council would govern Afghanistan for six months, at which time a traditional Afghan assembly, "
          "called a loya jirga, would be convened to decide on a more permanent structure. The four factions "
          "have approved a plan for a ruling council composed of a chairman and five deputy chairmen.")
# About one word in five misread, as a scan of a reprint reads it: confusions, a dropped
# letter, words split and merged. Word 4-grams shared: under the 0.55 threshold.
SCANNED = ("The council would govern Afghanistan fcr six months, at which time a traditioal Afghan assembly, "
           "colled a loya jirga,would be convened to decide on a more permanent s tructure. The four factions "
           "have approvecl a plan for a ruling council composed of a chairrnan and five deputy chairmen.")


def kept_texts(texts: list[str], config: Config = Config(sentences=True)) -> list[str]:
    result = scan([Document(str(i), t) for i, t in enumerate(texts)], config)
    return [result.clean_text(i) for i in range(len(texts))]


def test_a_heavily_misread_reprint_is_dropped_against_its_source():
    assert kept_texts([SOURCE, SCANNED]) == [SOURCE, ""]


def test_the_drop_reports_the_similarity_it_was_decided_on():
    # clusters.jsonl must not say a span was dropped at a containment under the threshold.
    result = scan([Document("0", SOURCE), Document("1", SCANNED)], Config(sentences=True))
    (drop,) = result.drops.values()
    assert drop.containment >= 0.55


def test_without_reading_through_the_same_pair_stays_both():
    # The whole-span rule (no misread stage) keeps both: the reprint shares too few 4-grams.
    assert kept_texts([SOURCE, SCANNED], Config(sentences=False)) == [SOURCE, SCANNED]


def test_other_words_are_not_misreadings():
    # The reprint's seven changes made with other words instead: an edit, not a misreading.
    # It shares as few 4-grams as the scan does, and nothing reads it up to the threshold.
    other = SOURCE
    for a, b in [("for six", "over six"), ("traditional", "national"), ("called", "named"), ("jirga, would", "jirga, will"),
                 ("structure", "settlement"), ("approved", "rejected"), ("chairman and", "president and")]:
        other = other.replace(a, b, 1)
    assert kept_texts([SOURCE, other]) == [SOURCE, other]


def test_misread_words():
    assert misread(b"fcr", b"for") and misread(b"chairrnan", b"chairman") and misread(b"traditioal", b"traditional")
    assert not misread(b"for", b"for")  # the same word is no misreading
    assert not misread(b"in", b"is")  # too short to tell by edits, and n is no glyph of s
    # Short words by one glyph confusion (glyphs.py): li for h, c for o, 5 for s, l for i.
    assert misread(b"tlie", b"the") and misread(b"cf", b"of") and misread(b"i5", b"is") and misread(b"ln", b"in")
    assert not misread(b"months", b"years") and not misread(b"north", b"south")


def test_split_and_merged_words_are_read_as_the_others():
    none = np.zeros(8, dtype=bool)
    assert read_as([b"a", b"s", b"tructure"], [b"a", b"structure"], none, none) == [b"a", b"structure"]
    assert read_as([b"jirga", b"would"], [b"jirgawould"], none, none) == [b"jirgawould"]
    assert read_as([b"the", b"qantashad", b"sought"], [b"the", b"qantas", b"had", b"sought"], none, none) == [
        b"the", b"qantas", b"had", b"sought"]


def test_values_are_never_read_as_other_values():
    a = [b"version", b"2", b"15", b"1", b"released"]
    b = [b"version", b"2", b"16", b"1", b"released"]
    flags = np.array([False, True, True, True, False])
    assert read_as(a, b, flags, flags) == a


def test_a_misread_sentence_is_not_a_sentence_of_its_own():
    # The second sentence misread in most words: almost none of its own 4-grams are in the
    # source, as a quoting paragraph's own sentence would not be; read through, it is the source's.
    scanned = SOURCE.replace(
        "The four factions have approved a plan for a ruling council composed of a chairman and five deputy chairmen.",
        "Tlie fonr factions liave approvecl a plau for a ruliug council composecl of a chairrnan aud five depnty chairmen.")
    assert kept_texts([SOURCE, scanned]) == [SOURCE, ""]


def test_code_and_values_are_not_misreadings():
    assert not misread(b"exp5", b"exp1")  # a digit that is no letter's look-alike: a value
    assert not misread(b"unifb5b", b"unifbab")  # 5 read for s would give unifbsb
    assert misread(b"5eekers", b"seekers") and misread(b"to1d", b"told")
    assert not misread(b"https://dev.gnupg.org/t5641", b"https://dev.gnupg.org/t5601")



def test_of_two_copies_of_one_size_either_side_may_be_the_misread_one():
    # Fails on the code before: only the side first in the pair was read when the sizes were
    # equal, so a source listed first was "read" through the scan's words and nothing changed
    # (a heavy-OCR copy of the accuracy benchmark's seed 1 was left twice so).
    from dedup.stages.mapping import shingle_spans
    from dedup.stages.misread import read_through
    from dedup.stages.normalize import token_bytes
    from dedup.stages.templates import UnitTexts

    source = "The council would govern the country for six months, after which time a traditional assembly would decide on a more permanent structure."
    # Letters read as digits: the scan's words are misreadings of the source's, not the other way.
    scanned = "The council would govern the country f0r six months, after which time a traditional a5sembly would decide on a m0re permanent structure."
    texts = [source, scanned]
    values, offsets = shingle_spans([token_bytes(t) for t in texts], Config())
    sizes = np.diff(offsets)
    assert sizes[0] == sizes[1]
    inter = len(np.intersect1d(values[offsets[0] : offsets[1]], values[offsets[1] : offsets[2]]))
    assert inter < 0.55 * sizes[0], "the copy shares too few shingles as read"
    for pairs in ([[0, 1]], [[1, 0]]):
        got = read_through(np.array(pairs), np.array([inter]), sizes, values, offsets, 0.55, UnitTexts(texts.__getitem__), 4)
        assert got[0] >= 0.55 * sizes[0], pairs


def test_an_earlier_misread_copy_with_merged_words_takes_its_source():
    # Fails on the code before: the scan merged two words, so it is the smaller set; it shares
    # 16 of its 29 shingles with the source, an edge by the smaller side (0.55), but covers only
    # 16 of the source's 30, under the threshold decide drops the later one at, and an edge was
    # never read through its misreadings: both stayed (accuracy benchmark, heavy_ocr, seed 2).
    scanned = ("The suicide bombing follows a wave of Israeli air strikes against Palestinian security installaticns "
               "in the West Bank andGaza Strip after 25 pcople were killed at the weekend in several suicide bombing5.")
    source = ("The suicide bombing follows a wave of Israeli air strikes against Palestinian security installations "
              "in the West Bank and Gaza Strip after 25 people were killed at the weekend in several suicide bombings.")
    assert kept_texts([scanned, source]) == [scanned, ""]


def test_missing_words_counts_as_the_words_are_read():
    """_Words.missing: per side, x's words (as often as they occur) that y lacks, and of
    those the rare ones (held by at most RARE_UNITS units), as the per-side Python rule reads them."""
    from dedup.stages import misread as m
    from dedup.stages.templates import UnitTexts

    lines = ["the cat sat on the mat", "the dog sat on the log", "a cat a cat a hat", "",
             "Thc cat sat 0n the mat", "the the the", "zebra"] + ["the common word"] * (m.RARE_UNITS + 1)
    texts = UnitTexts(lambda u: lines[u])
    units = np.arange(len(lines))
    words = m._Words(texts, units)
    held = {}
    for u in units.tolist():
        for t in set(texts.tokens(u)):
            held[t] = held.get(t, 0) + 1
    xs, ys = np.array([0, 1, 2, 4, 5, 3, 6, 0]), np.array([1, 0, 0, 0, 2, 0, 5, 7])
    missing, rare_missing = words.missing(xs, ys)
    for x, y, got, got_rare in zip(xs.tolist(), ys.tolist(), missing.tolist(), rare_missing.tolist()):
        lacked = [t for t in texts.tokens(x) if t not in set(texts.tokens(y))]
        assert got == len(lacked)
        assert got_rare == sum(held[t] <= m.RARE_UNITS for t in lacked)
    assert b"common" not in words.rare() and b"zebra" in words.rare()


def test_a_copy_misread_mostly_in_short_words_is_dropped():
    # heavy_ocr of the accuracy benchmark: the errors fall on the, of, is (th, tlie, thc, cf, i5),
    # which reading by edits left alone (too short), so the copy stayed beside its source.
    source = ("It is thought the Australian arrested in Afghanistan for fighting alongside the Taliban is from "
              "Adelaide's northern suburbs but the Salisbury Park family of 26-year-old David Hicks is remaining silent.")
    scanned = ("It is thought th Australian arrested in Afghanistan for fighting alongside tlie Taliban is from "
               "Adelaide's northern suburbs but thc Salisbury Park family cf 26-year-old David Hicks i5 remaining silent.")
    assert kept_texts([source, scanned]) == [source, ""]
