"""Benchmark corpora, generated on demand into benchmarks/data/ (git-ignored).

- `debian-docs`: the documentation text files Debian packages installed on this
  machine (/usr/share/doc, `.gz` decompressed, binary and non-UTF-8 files left
  out), one JSONL record per file in sorted path order, cut at the target size.
  Real, unlabelled text nobody here wrote: changelogs, licences, READMEs, HTML.
  If the machine holds less than the target, files are repeated (ids get a
  `~2`, `~3` suffix) and the corpus info says so.
- `news-<MB>`: news-like articles built from the seed articles' paragraphs and
  the prose paragraphs of the same documentation, with planted copies of the
  kinds the GUIDE lists (exact, quotes and whitespace changed, words edited, a
  sentence inserted or removed, glued onto another paragraph, a whole article
  re-flowed into one block, outlet boilerplate). When the prose runs out, it is
  reused with its words renamed by a seeded bijection of the vocabulary, so
  larger corpora stay new text with the same statistics, not copies.

Every build is deterministic (fixed seeds, sorted inputs) and writes
`<name>.jsonl` plus `<name>.json` (its size, source and planted share).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import zlib
from collections import deque
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
SAMPLES = ROOT.parent / "samples"
DOC_ROOT = Path("/usr/share/doc")
MB = 1_000_000
NEWS_SIZES = (20, 80, 200)  # MB: 1x, 4x, 10x
_PARA = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")
_WORD = re.compile(r"[A-Za-z]{3,}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def doc_texts(root: Path = DOC_ROOT) -> Iterator[tuple[str, str]]:
    """(path relative to root, text) of each readable UTF-8 text file under root, sorted."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not path.is_file():
                continue
            try:
                data = path.read_bytes()
                if name.endswith(".gz"):
                    data = gzip.decompress(data)
                text = data.decode("utf-8")
            except (OSError, EOFError, zlib.error, UnicodeDecodeError):
                continue
            if "\x00" in text or not text.strip():
                continue
            yield str(path.relative_to(root)), text


def _line(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode()


def build_debian(path: Path, target_mb: float, root: Path = DOC_ROOT) -> dict:
    """Write the Debian documentation corpus; return its info."""
    target = int(target_mb * MB)
    files = list(doc_texts(root))
    available = sum(len(_line({"id": rel, "text": text})) for rel, text in files)
    written = records = 0
    repeats = 1
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        while written < target and files:
            for rel, text in files:
                if written >= target:
                    break
                rid = rel if repeats == 1 else f"{rel}~{repeats}"
                line = _line({"id": rid, "text": text})
                out.write(line)
                written += len(line)
                records += 1
            else:
                repeats += 1
    os.replace(tmp, path)
    return {
        "name": path.stem, "bytes": written, "records": records, "source": str(root),
        "source_files": len(files), "source_bytes": available,
        "repeated": written > available,
        "note": (f"{root} holds {available / MB:.0f} MB as JSONL; files repeated to reach the target"
                 if written > available else f"first {records} of {len(files)} text files in path order"),
    }


def _prose(text: str) -> list[str]:
    """Blank-line paragraphs that read like prose: enough words, mostly letters."""
    out = []
    for p in _PARA.split(text):
        p = " ".join(p.split())
        if len(p) < 120 or len(p) > 3000:
            continue
        letters = sum(c.isalpha() or c == " " for c in p)
        if letters >= 0.85 * len(p) and p.count(" ") >= 15:
            out.append(p)
    return out


def news_pool(root: Path = DOC_ROOT) -> list[str]:
    """Distinct prose paragraphs: the seed articles', then the documentation's."""
    seen: set[str] = set()
    pool = []
    sources = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    for text in sources + [t for _, t in doc_texts(root)]:
        for p in _prose(text):
            if p not in seen:
                seen.add(p)
                pool.append(p)
    return pool


class _Renamer:
    """Cycle k > 0 renames every word of 3+ letters by a seeded bijection of the vocabulary."""

    def __init__(self, pool: list[str]) -> None:
        self.vocab = sorted({w.lower() for p in pool for w in _WORD.findall(p)})
        self.maps: dict[int, dict[str, str]] = {}

    def __call__(self, text: str, cycle: int) -> str:
        if cycle == 0:
            return text
        if cycle not in self.maps:
            shuffled = self.vocab[:]
            random.Random(cycle).shuffle(shuffled)
            self.maps[cycle] = dict(zip(self.vocab, shuffled))
        table = self.maps[cycle]

        def swap(m: re.Match) -> str:
            w = m.group(0)
            new = table.get(w.lower(), w)
            return new.capitalize() if w[0].isupper() else new

        return _WORD.sub(swap, text)


_BOILERPLATE = [
    "Follow us on social media for the latest updates and subscribe to our newsletter to get the top stories delivered to your inbox every morning.",
    "This article was produced with the help of wire services. Reproduction in whole or in part without written permission is prohibited by law.",
    "Do you have a story to share with our newsroom? Contact our editors by e-mail and we will get back to you as soon as possible.",
    "The views expressed in this article are those of the author alone and do not necessarily reflect the editorial position of this publication.",
    "Sign up for our daily briefing to receive the most important news of the day, curated by our editors, straight to your phone or computer.",
]


def _variant(p: str, kind: str, rng: random.Random, other: str) -> str:
    """A planted copy of paragraph p (other: a paragraph to glue it to)."""
    if kind == "quotes":
        return p.replace("'", "\u2019").replace('"', "\u201c").replace(" ", "  ", 3)
    words = p.split(" ")
    if kind == "edit":
        for _ in range(max(1, len(words) // 40)):
            words[rng.randrange(len(words))] = rng.choice(words)
        return " ".join(words)
    sentences = _SENTENCE.split(p)
    if kind == "insert":
        sentences.insert(rng.randrange(len(sentences) + 1), other.split(". ")[0].rstrip(".") + ".")
        return " ".join(sentences)
    if kind == "remove" and len(sentences) > 2:
        del sentences[rng.randrange(len(sentences))]
        return " ".join(sentences)
    if kind == "glued":
        return p + " " + other
    return p  # exact


_KINDS = ("exact", "quotes", "edit", "insert", "remove", "glued")


def build_news(path: Path, target_mb: float, seed: int = 7, root: Path = DOC_ROOT) -> dict:
    """Write a news-like corpus with planted copies; return its info (planted share in bytes)."""
    rng = random.Random(seed)
    pool = news_pool(root)
    order = list(range(len(pool)))
    rng.shuffle(order)
    rename = _Renamer(pool)
    target = int(target_mb * MB)
    recent: deque[list[str]] = deque(maxlen=5000)  # earlier articles that copies are taken from
    stream = 0
    written = articles = planted = text_bytes = 0

    def fresh() -> str:
        nonlocal stream
        cycle, k = divmod(stream, len(order))
        stream += 1
        return rename(pool[order[k]], cycle)

    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        while written < target:
            copies: list[str] = []
            if recent and rng.random() < 0.03:  # a reprint, re-flowed into one block
                paras = [" ".join(rng.choice(recent))]
                copies = paras[:]
            else:
                paras = [fresh() for _ in range(rng.randint(3, 12))]
                if recent and rng.random() < 0.3:  # copied paragraphs from earlier articles
                    for _ in range(rng.randint(1, 3)):
                        src = rng.choice(recent)
                        copy = _variant(rng.choice(src), rng.choice(_KINDS), rng, rng.choice(paras))
                        paras.insert(rng.randrange(len(paras) + 1), copy)
                        copies.append(copy)
                if rng.random() < 0.05:  # a paragraph doubled within the article, edited
                    copy = _variant(rng.choice(paras), rng.choice(_KINDS[1:4]), rng, rng.choice(paras))
                    paras.append(copy)
                    copies.append(copy)
                recent.append(paras)
            if rng.random() < 0.5:
                paras.append(rng.choice(_BOILERPLATE))
                copies.append(paras[-1])
            text = "\n\n".join(paras) + "\n"
            line = _line({"id": f"news-{articles:07d}", "outlet": f"outlet-{rng.randrange(40)}", "text": text})
            out.write(line)
            written += len(line)
            articles += 1
            text_bytes += len(text.encode())
            planted += sum(len(c.encode()) for c in copies)
    os.replace(tmp, path)
    return {
        "name": path.stem, "bytes": written, "records": articles, "source": f"samples/ + prose of {root}",
        "pool_paragraphs": len(pool), "pool_cycles": stream // len(order) + 1,
        "planted_share": round(planted / text_bytes, 4),
        "note": "planted_share: bytes of planted copies (boilerplate included) over all text bytes; approximate "
                "target for the dropped share, since where a copy is the fuller one (sentence inserted, glued) "
                "the original is dropped instead",
    }


def ensure(name: str) -> tuple[Path, dict]:
    """Path and info of a corpus (`debian-docs` or `news-<MB>`), building it if missing."""
    DATA.mkdir(parents=True, exist_ok=True)
    path, meta = DATA / f"{name}.jsonl", DATA / f"{name}.json"
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())
    if name == "debian-docs":
        info = build_debian(path, 200)
    elif name.startswith("news-"):
        info = build_news(path, float(name.split("-", 1)[1]))
    else:
        raise ValueError(f"unknown corpus {name!r}")
    meta.write_text(json.dumps(info, indent=2) + "\n")
    return path, info


if __name__ == "__main__":
    import sys

    for n in sys.argv[1:] or ["debian-docs", *(f"news-{s}" for s in NEWS_SIZES)]:
        p, i = ensure(n)
        print(p, json.dumps(i))
