"""Matching keys: normalised text and its tokens. Never applied to output text."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

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
_NO_SPACE = re.compile(rf"[{_NO_SPACE_SCRIPTS}]")
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


# The fast path of token_bytes. No token contains whitespace, and only URLs and
# e-mail addresses need more than "a letter of a script without spaces, or a run
# of other letters and digits"; they need `@`, `://` or `www.`. So a text is cut
# at whitespace into chunks holding those markers (tokenized by _TOKEN) and the
# text between them (tokenized by the simple rule, in ASCII by bytes.translate).
_MARKED = re.compile(r"(?<!\S)\S*?(?:@|://|www\.)\S*")
_PLAIN = re.compile(rf"[{_NO_SPACE_SCRIPTS}]|[^\W_{_NO_SPACE_SCRIPTS}]+")
# ASCII letters and digits kept (upper case lowered), every other byte a space.
_ASCII_WORDS = bytes(
    (c | 0x20 if chr(c).isalpha() else c) if c < 128 and chr(c).isalnum() else 0x20 for c in range(256)
)


def has_marker(text: str) -> bool:
    return "@" in text or "://" in text or "www." in text


def token_bytes(text: str) -> list[bytes]:
    """`[t.encode("utf-8", "surrogatepass") for t in tokens(text)]` (the bytes
    shingle.token_hashes hashes), several times faster on real text."""
    if not text.isascii():
        text = normalize(text)
        if not text.isascii():
            return [t.encode("utf-8", "surrogatepass") for t in _tokens_normalized(text)]
    low = text.lower()
    if not has_marker(low):
        return low.encode().translate(_ASCII_WORDS).split()
    out: list[bytes] = []
    pos = 0
    for m in _MARKED.finditer(low):
        out += low[pos : m.start()].encode().translate(_ASCII_WORDS).split()
        out += [t.encode() for t in _TOKEN.findall(normalize(m.group()))]
        pos = m.end()
    out += low[pos:].encode().translate(_ASCII_WORDS).split()
    return out


_ASCII_RUN = re.compile(rb"[a-z0-9]+")


def ascii_token_starts(text: str) -> tuple[list[bytes], list[int]]:
    """token_bytes of an ASCII `text`, with where each token starts (a URL's or an
    e-mail address's tokens all start where its white-space-delimited chunk does), so
    that pieces of a text cut at white space can take their tokens from one pass."""
    low = text.lower()
    tokens, starts, pos = [], [], 0

    def plain(lo: int, hi: int) -> None:
        for m in _ASCII_RUN.finditer(low.encode(), lo, hi):
            tokens.append(m.group())
            starts.append(m.start())

    for m in _MARKED.finditer(low) if has_marker(low) else ():
        plain(pos, m.start())
        found = [t.encode() for t in _TOKEN.findall(normalize(m.group()))]
        tokens.extend(found)
        starts.extend([m.start()] * len(found))
        pos = m.end()
    plain(pos, len(low))
    return tokens, starts


def _tokens_normalized(text: str) -> list[str]:
    """_TOKEN.findall(text) for normalized text, by chunks (see _MARKED)."""
    if not has_marker(text):
        return _PLAIN.findall(text)
    out: list[str] = []
    pos = 0
    for m in _MARKED.finditer(text):
        out += _PLAIN.findall(text, pos, m.start())
        out += _TOKEN.findall(m.group())
        pos = m.end()
    out += _PLAIN.findall(text, pos)
    return out


# Non-ASCII characters below this code point may be classed by char_table; any
# other non-ASCII character sends its span to token_bytes.
TABLE_LIMIT = 0x3000
SLOW, SEPARATOR, LETTER = 0, 1, 2


@lru_cache(maxsize=1)
def char_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How normalisation treats each non-ASCII character below TABLE_LIMIT on its own,
    for a compiled tokenizer: `(kind, start, data)`.

    Its normal form is the UTF-8 bytes data[start[c]:start[c + 1]]. kind
    SEPARATOR: it only ever separates plain tokens, as its normal form holds no
    letter or digit (curly quotes become ' or ", no-break and other spaces a
    space, dashes stay). kind LETTER: its normal form is all letters and digits
    and joins the token around it (é stays é, É becomes é, ß becomes ss).
    Either way its normal form holds no combining mark, no letter of a script
    without spaces and none of `@ : / . w`, so it cannot combine with its
    neighbours or complete a URL or e-mail marker; such characters keep their
    place in normalize(), so normalize() of a span made of ASCII and table
    characters is the concatenation of their normal forms (ASCII: lower-cased,
    whitespace a space), which a compiled tokenizer can tokenize like tokens()
    does (tested). kind SLOW: anything else.
    """
    kind = np.zeros(TABLE_LIMIT, dtype=np.uint8)
    mapped: list[bytes] = [b""] * TABLE_LIMIT
    for code in range(128, TABLE_LIMIT):
        c = chr(code)
        if unicodedata.category(c)[0] == "M" or _NO_SPACE.match(c) or 0x1100 <= code < 0x1200:
            continue  # combining marks and Hangul jamo compose with their neighbours
        out = normalize(f"a{c}b")[1:-1]  # inside text, so strip() keeps it
        if not out or set(out) & set("@:/.w") or any(
            unicodedata.category(d)[0] == "M" or _NO_SPACE.match(d) for d in out
        ):
            continue
        if not _PLAIN.search(out):
            kind[code] = SEPARATOR
            mapped[code] = out.encode()
        elif _PLAIN.fullmatch(out) and out.isalnum():
            kind[code] = LETTER
            mapped[code] = out.encode()
    start = np.zeros(TABLE_LIMIT + 1, dtype=np.int64)
    np.cumsum([len(m) for m in mapped], out=start[1:])
    return kind, start, np.frombuffer(b"".join(mapped), dtype=np.uint8).copy()
