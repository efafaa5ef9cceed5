"""Test helpers: the seed articles in samples/ and duplicate variants made from their paragraphs."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from dedup.stages.normalize import tokens
from dedup.stages.segment import segment

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
# Not in any sample: inserting it makes a copy fuller than the original.
NEW_SENTENCE = "Officials in both capitals declined to say when the remaining batteries would be delivered or paid for."


@cache
def sample_texts() -> dict[str, str]:
    """File name -> text of each seed article."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))}


def sample_text(prefix: str) -> str:
    """The text of the sample whose file name starts with `prefix` ("003")."""
    (text,) = [t for name, t in sample_texts().items() if name.startswith(prefix)]
    return text


@cache
def paragraphs(min_words: int = 20, max_words: int = 120) -> tuple[str, ...]:
    """Distinct sample paragraphs of moderate length, in file order (003's doubled one left out)."""
    out = []
    for name, text in sample_texts().items():
        for s, e in segment(text):
            p = text[s:e]
            if min_words <= len(tokens(p)) <= max_words and not (name.startswith("003") and s < 10):
                out.append(p)
    return tuple(out)


def curly(p: str) -> str:
    """Straight quotes made typographic, `$2.5` spaced as in 003."""
    out, opening = [], True
    for ch in p:
        if ch == '"':
            out.append("\u201c" if opening else "\u201d")
            opening = not opening
        else:
            out.append("\u2019" if ch == "'" else ch)
    return re.sub(r"\$(\d)", r"$ \1", "".join(out))


def respace(p: str) -> str:
    """Every other space doubled or made a no-break space; line breaks inside."""
    words = p.split(" ")
    seps = ["  ", "\u00a0", " \n"]
    return words[0] + "".join(seps[k % 3] + w for k, w in enumerate(words[1:]))


def edit_word(p: str, at: float = 0.5) -> str:
    """One word (the one at share `at` of the paragraph) replaced."""
    words = p.split(" ")
    k = max(1, min(len(words) - 2, int(len(words) * at)))
    words[k] = "reportedly"
    return " ".join(words)


def insert_sentence(p: str, sentence: str = NEW_SENTENCE) -> str:
    """`sentence` inserted after the paragraph's first sentence (or in the middle)."""
    m = re.search(r"[.!?][\"\u201d]? ", p)
    if m and 20 < m.end() < len(p) - 20:
        cut = m.end()
    else:
        cut = p.find(" ", len(p) // 2) + 1
    return p[:cut] + sentence + " " + p[cut:]


def head(p: str, share: float = 0.6) -> str:
    """The first `share` of the paragraph's words: a shorter copy contained in it."""
    words = p.split(" ")
    return " ".join(words[: max(1, int(len(words) * share))])


def article(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"
