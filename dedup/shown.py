"""How names and ids from inputs are shown to a person: characters that would act on
a terminal (control characters, bidi overrides) or that no UTF-8 output can hold
(lone surrogates: a file name that is not UTF-8, as Python reads it, or a JSON
`"\\ud83d"`) are written as escapes. A name byte that is not UTF-8 shows as `\\xff`."""

from __future__ import annotations

import codecs

_SURROGATES = range(0xD800, 0xE000)


def _escape(c: int) -> str:
    if 0xDC80 <= c <= 0xDCFF:  # a byte of a non-UTF-8 file name (surrogateescape)
        return f"\\x{c - 0xDC00:02x}"
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


# str.translate table: control characters and DEL, C1 controls, bidi overrides and isolates, surrogates.
UNPRINTABLE = {c: _escape(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F),
                                       *range(0x2066, 0x206A), *_SURROGATES]}


def shown(text: str) -> str:
    """`text` with every UNPRINTABLE character written as its escape."""
    return text.translate(UNPRINTABLE)


def _surrogates_shown(e: UnicodeError) -> tuple[str, int]:
    if not isinstance(e, UnicodeEncodeError):
        raise e
    return "".join(_escape(ord(c)) for c in e.object[e.start : e.end]), e.end


# An encoding error handler: text.encode("utf-8", SHOWN) writes lone surrogates as
# their escapes and costs nothing for text without them.
SHOWN = "dedup-shown"
codecs.register_error(SHOWN, _surrogates_shown)
