"""stages/quotes.py: a paragraph that another quotes stays; a copy of a quoting paragraph goes."""

import numpy as np

from dedup import Config, Document, scan
from dedup.stages import quotes
from dedup.stages.normalize import token_bytes
from dedup.stages.shingle import byte_token_hashes, fold_shingles

SENTENCE = ("Mr Arafat has closed dozens of Hamas and Islamic Jihad offices in response to punishing Israeli air "
            "attacks and massive international pressure to jail Islamic extremists.")
QUOTING = (f'As one witness put it, "{SENTENCE}" Israeli army spokesman Brigadier General Ron Kitrey said Mr Arafat '
           "was not targeted in the strikes on the compound that night.")
SOURCE = f"{SENTENCE} But the violence has continued."


def shingles(text: str) -> np.ndarray:
    return np.unique(fold_shingles(byte_token_hashes(token_bytes(text)), 4))


def test_quotation_marks_are_paired_by_where_they_stand():
    # An unclosed quotation ("I mean ... code.) must not make the text between two others a quotation.
    text = ('to bat," he said. "I mean there is no code. "These days we work hard." Meanwhile, Waugh says his side '
            'will need to guard against complacency. "It is only one Test match," he said.')
    found = [m.group(1) for m in quotes._QUOTED.finditer(text)]
    assert found == ["These days we work hard.", "It is only one Test match,"]


def test_what_a_quotation_holds_is_quoted():
    shared = np.intersect1d(shingles(QUOTING), shingles(SOURCE))
    assert quotes.quotes(QUOTING, SOURCE, shared, 4)
    assert not quotes.quotes(QUOTING, f'"{SENTENCE}" he said.', shared, 4), "a span quoting it too is a copy"
    unquoted = QUOTING.replace('"', "")
    assert not quotes.quotes(unquoted, SOURCE, np.intersect1d(shingles(unquoted), shingles(SOURCE)), 4)


def test_a_source_quoted_by_an_earlier_paragraph_stays():
    # Fails on the code before: the source, smaller and later, went whole against the fuller
    # paragraph quoting it, and its own short sentence with it (the accuracy benchmark's
    # quote_source, seed 4).
    result = scan([Document("q", QUOTING), Document("s", SOURCE)], Config(sentences=True))
    assert [result.clean_text(0), result.clean_text(1)] == [QUOTING, SOURCE]
    copy = scan([Document("q", QUOTING), Document("c", QUOTING)], Config(sentences=True))
    assert copy.clean_text(1) == "", "a copy of the quoting paragraph still goes"


def test_a_line_quoted_whole_by_a_later_one_stays():
    # Fails on the code before: the subject line lies whole inside the line quoting it, so it
    # had no room for a sentence of its own and was never read, and went against the revert
    # (real docs: 49 such drops in 2,000 Debian files, most `Revert "<subject>"`).
    subject = "build: Explicitly link the threaded test programs to libpthread on every platform"
    log = (f"commit 1a2b3c\n\n    {subject}\n\n    Needed on older systems.\n\n"
           f'commit 4d5e6f\n\n    Revert "{subject}"\n\n    It broke the build on the other systems.\n')
    result = scan([Document("log", log)], Config(sentences=True))
    assert result.clean_text(0) == log
