"""Seeded text noise of the kinds news copies carry. Each function maps one
sentence to its noisy copy and never adds or removes a sentence."""

from __future__ import annotations

import random
import re

_DOUBLE = re.compile(r'"')
_SINGLE = re.compile(r"'")
_CURLY = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_MONEY = re.compile(r"([$\u00a3\u20ac]) ?(\d)")
_NUMBER = re.compile(r"\d+")

# Character confusions an OCR engine makes on newsprint (multi-letter ones first).
OCR_CONFUSIONS = {
    "rn": "m", "m": "rn", "cl": "d", "d": "cl", "li": "h", "h": "li", "vv": "w", "w": "vv",
    "l": "1", "1": "l", "I": "l", "O": "0", "0": "O", "o": "c", "c": "e", "e": "c",
    "i": "l", "a": "o", "s": "5", "S": "5", "5": "S", "B": "8", "g": "q", "u": "n", "n": "u",
    ",": ".", ".": ",",
}
# Words a desk editor swaps when rewriting wire copy.
REWORDS = {
    "said": "says", "says": "said", "told": "said", "has": "had", "had": "has",
    "the": "a", "a": "the", "about": "around", "around": "about", "more": "over",
    "people": "residents", "also": "too", "but": "however", "will": "would", "would": "will",
    "today": "on Tuesday", "yesterday": "on Monday", "after": "following", "before": "ahead of",
}


def quotes(text: str, rng: random.Random) -> str:
    """Straight quotes become curly ones (or curly become straight); dashes and `$ 2` spacing vary."""
    if any(c in text for c in "\u201c\u201d\u2018\u2019"):
        text = text.translate(_CURLY)
    else:
        out, double_open = [], True
        for i, c in enumerate(text):
            if c == '"':
                out.append("\u201c" if double_open else "\u201d")
                double_open = not double_open
            elif c == "'":
                before = text[i - 1] if i else " "
                out.append("\u2018" if before.isspace() or before in "(\u201c" else "\u2019")
            else:
                out.append(c)
        text = "".join(out)
    text = text.replace(" - ", " \u2014 ") if rng.random() < 0.5 else text.replace(" \u2014 ", " - ")
    if rng.random() < 0.5:
        text = _MONEY.sub(lambda m: m.group(1) + (" " if rng.random() < 0.5 else "") + m.group(2), text)
    return text


def whitespace(text: str, rng: random.Random) -> str:
    """Some spaces doubled, made no-break, or tabs; the words are untouched."""
    parts = text.split(" ")
    out = [parts[0]]
    for p in parts[1:]:
        r = rng.random()
        out.append(("  " if r < 0.04 else "\u00a0" if r < 0.07 else " \t" if r < 0.08 else " ") + p)
    return "".join(out)


def wrap(text: str, width: int) -> str:
    """Hard-wrap at `width` by turning spaces into newlines (same length, same offsets)."""
    chars = list(text)
    line_start, last_space = 0, -1
    for i, c in enumerate(chars):
        if c == " ":
            last_space = i
        if i - line_start >= width and last_space > line_start:
            chars[last_space] = "\n"
            line_start, last_space = last_space + 1, -1
    return "".join(chars)


def words(text: str, rng: random.Random, per_words: float, pool: list[str]) -> str:
    """About one edit per `per_words` words (at least one): reword, delete, repeat,
    swap two neighbours, replace with a word from `pool`, or change a number."""
    toks = text.split(" ")
    n_edits = max(1, round(len(toks) / per_words * rng.uniform(0.6, 1.4)))
    for _ in range(n_edits):
        if len(toks) < 3:
            break
        k = rng.randrange(1, len(toks) - 1)  # keep the first and last word: sentence edges stay put
        word = toks[k]
        op = rng.random()
        core = word.strip(".,;:\"'\u201c\u201d\u2018\u2019()")
        if core.lower() in REWORDS and op < 0.5:
            toks[k] = word.replace(core, REWORDS[core.lower()], 1)
        elif _NUMBER.search(word) and op < 0.7:
            toks[k] = _NUMBER.sub(lambda m: str(int(m.group(0)) + rng.randint(1, 9)), word, count=1)
        elif op < 0.35:
            del toks[k]
        elif op < 0.5:
            toks.insert(k, word)
        elif op < 0.65:
            toks[k], toks[k + 1] = toks[k + 1], toks[k]
        else:
            toks[k] = rng.choice(pool) if pool else word
    return " ".join(toks)


def ocr(text: str, rng: random.Random, rate: float) -> str:
    """Character errors at about `rate` per character: confusions, drops, split or merged words."""
    out, i = [], 0
    while i < len(text):
        if rng.random() >= rate:
            out.append(text[i])
            i += 1
            continue
        two = text[i : i + 2]
        r = rng.random()
        if two in OCR_CONFUSIONS and r < 0.5:
            out.append(OCR_CONFUSIONS[two])
            i += 2
        elif text[i] in OCR_CONFUSIONS and r < 0.75:
            out.append(OCR_CONFUSIONS[text[i]])
            i += 1
        elif r < 0.85:
            i += 1  # character dropped
        elif text[i] == " " and r < 0.95:
            i += 1  # two words merged
        else:
            out.append(text[i] + (" " if text[i].isalpha() and rng.random() < 0.5 else ""))
            i += 1
    noisy = "".join(out).strip()
    return noisy or text


def ocr_words(text: str, rng: random.Random, count: int) -> tuple[str, int]:
    """A character error in `count` of the words: a confusion (OCR_CONFUSIONS), a dropped
    character, a word split in two, or two words merged. Returns (text, words changed)."""
    toks = text.split(" ")
    slots = [k for k, t in enumerate(toks) if any(c.isalnum() for c in t)]
    if not slots or count <= 0:
        return text, 0
    chosen = sorted(rng.sample(slots, min(len(slots), count)))
    merged: set[int] = set()
    changed = 0
    for k in chosen:
        if k in merged:
            continue
        word = toks[k]
        r = rng.random()
        spots = [(i, w) for i in range(len(word)) for w in (word[i : i + 2], word[i]) if w in OCR_CONFUSIONS]
        if r < 0.55 and spots:
            i, w = rng.choice(spots)
            new = word[:i] + OCR_CONFUSIONS[w] + word[i + len(w) :]
        elif r < 0.75 and len(word) >= 3:
            i = rng.randrange(len(word))
            new = word[:i] + word[i + 1 :]
        elif r < 0.9 and k + 1 < len(toks) and k + 1 not in chosen:
            new = word + toks[k + 1]
            merged.add(k + 1)
        elif len(word) >= 4:
            i = rng.randrange(1, len(word) - 1)
            new = word[:i] + " " + word[i:]
        elif spots:
            i, w = rng.choice(spots)
            new = word[:i] + OCR_CONFUSIONS[w] + word[i + len(w) :]
        elif k + 1 < len(toks) and k + 1 not in chosen:
            new = word + toks[k + 1]
            merged.add(k + 1)
        else:  # a short word without a confusable character: a speck read as a mark
            new = word + rng.choice(".,'")
        if new != word:
            toks[k] = new
            changed += 1
    out = " ".join(t for k, t in enumerate(toks) if k not in merged)
    return out.strip() or text, changed
