"""Which letters OCR reads for which: one word is another's misreading by a glyph confusion.

The confusions of print OCR (rn for m, cl for d, li for h, vv for w, l 1 I i for one another,
o 0 c e a, s 5, b 8, g q, u n), a character lost or a speck read as one. Used where a name
that one text lacks must be told from another name (`Woles` for `Wales` is a misreading,
`Iraq` for `Iran` is another country: a single edit either way, so edits alone cannot tell;
templates.py), and for short words, which misread.py's edit bound leaves alone (`tlie`,
`cf`, `i5` for the, of, is: heavy OCR's errors fall on them as often as on long words).
"""

from __future__ import annotations

from ..accel.diff import opcodes

_GROUPS = ((b"rn", b"m"), (b"cl", b"d"), (b"li", b"h"), (b"vv", b"w"), (b"l", b"1", b"i", b"I", b"!"),
           (b"o", b"0", b"c", b"e", b"a", b"O"), (b"s", b"5", b"S"), (b"b", b"8", b"B"), (b"g", b"q"), (b"u", b"n"))
CONFUSED = frozenset((x, y) for group in _GROUPS for x in group for y in group if x != y)
# A lost character is a misreading only in a word at least this long (`Ira` is no misread `Iran`,
# `Unied` is `United`).
LOST_MIN = 5


def ocr_alike(a: bytes, b: bytes) -> bool:
    """Whether `a` is `b` read with one glyph confusion or one character lost or added."""
    if a == b:
        return False
    ops = [op for op in opcodes(a, b) if op[0] != "equal"]
    if len(ops) != 1:
        return False
    tag, i1, i2, j1, j2 = ops[0]
    if tag == "replace":
        return (a[i1:i2], b[j1:j2]) in CONFUSED
    return (i2 - i1) + (j2 - j1) == 1 and max(len(a), len(b)) >= LOST_MIN


_FOLD_MULTI = ((b"rn", b"m"), (b"cl", b"d"), (b"li", b"h"), (b"vv", b"w"))
_FOLD = bytes.maketrans(b"1i!0cea58qu", b"llloooosbgn")
_SEP = "\x1f\x1e\x1f"  # control characters between texts folded at once


def fold(text: str) -> str:
    """`text` with every glyph OCR confuses written as one of its group (lower case): a word
    and its misreadings by confusion fold alike (tlie, thc: tho; so do then and than). On UTF-8
    bytes: ASCII's rules only, and an ASCII byte never stands inside another character's."""
    t = text.encode("utf-8", "surrogatepass").lower()
    for a, b in _FOLD_MULTI:
        t = t.replace(a, b)
    return t.translate(_FOLD).decode("utf-8", "surrogatepass")


def fold_all(texts: list[str]) -> list[str]:
    """[fold(t) for t in texts], folded as one string."""
    out = fold(_SEP.join(texts)).split(_SEP)
    return out if len(out) == len(texts) else [fold(t) for t in texts]  # a text held the separator
