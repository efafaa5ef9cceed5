"""Matching keys: normalised text and its tokens. Never applied to output text."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u2039": "'", "\u203a": "'", "`": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
    }
)
_SPACE = re.compile(r"[\s\ufeff\u200b\u200c\u200d\u2060]+")

# Scripts written without spaces between words: each letter is a token, so
# n-gram shingles over them are character n-grams.
_NO_SPACE_SCRIPTS = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\uac00-\ud7af"  # Hangul syllables (spaced, but short words: letters keep recall)
    "\U00020000-\U0002ffff"
)
_TOKEN = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]}']"  # URL: one token
    # e-mail: one token. Tried only where a run of its local part begins (inside a
    # run it would fail again as at the run's start: retrying there made long runs
    # like `a-b-c-...` quadratic), with possessive groups so a failed try costs one pass.
    r"|(?<![^\W_])(?<![^\W_][.+-])[^\W_]++(?:[.+-][^\W_]++)*+@[^\W_]++(?:(?:-[^\W_]++)*+\.[^\W_]++)++"
    rf"|[{_NO_SPACE_SCRIPTS}]"  # one letter of a script without spaces
    rf"|[^\W_{_NO_SPACE_SCRIPTS}]+"  # a run of letters and digits
)


def normalize(text: str) -> str:
    """NFKC, case-folded, quotes unified, whitespace collapsed to single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKC", text.casefold())
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def tokens(text: str) -> list[str]:
    """Word tokens of raw text, for matching.

    Punctuation separates words even without a space (`Ankara.Erdogan` is two
    words), while URLs and e-mail addresses stay single tokens, so a URL slug
    never matches the headline it repeats.
    """
    return _TOKEN.findall(normalize(text))
