"""Real prose to build corpora from: news text nobody on this project wrote.

- The Lee corpus (Lee, Pincombe & Welsh 2005): 350 short news articles from the
  Australian Broadcasting Corporation's news mail service, shipped as test data
  inside the gensim wheel (gensim/test/test_data/lee_background.cor and lee.cor,
  one article per line). We fetch that wheel with pip (no install, no
  dependencies) into benchmarks/data/ and read the two files out of the zip.
- samples/*.txt: the five seed articles (one story told by five outlets).

Articles are split into sentences, the content units the labels speak about.
Sentences that already repeat (most of) an earlier sentence in the pool are
removed, so every duplicate in a generated corpus is one we planted.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
SAMPLES = ROOT / "samples"

GENSIM = "gensim==4.4.0"
# sha256 of the text files we read: a different wheel must carry the same text.
LEE_FILES = {
    "gensim/test/test_data/lee_background.cor": (
        "5d78d6dafd953bbf65797bef09a9ffb9ec430583381be705f8fd460000f370fb", "utf-8"),
    "gensim/test/test_data/lee.cor": (
        "a878f9a58f6743c32985c56c2f2f75988386216b38a4023a01fd3bcf7884d93e", "cp1252"),
}

# A sentence ends at . ! ? (maybe followed by a closing quote) before a space and
# a capital, digit or opening quote. Good enough for news copy; a wrong split only
# makes two smaller units.
_SENT_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019]?\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")
# ... but not after a title, a month, an initial or a dotted abbreviation (`on Sept. 6`,
# `U.S. Defense Secretary`, `George W. Bush`): cut there, one sentence was planted as two units.
_NOT_AN_END = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|St|Jr|Sr|Jan|Feb|Aug|Sept|Sep|Oct|Nov|Dec|No|vs)"
    r"|(?<![\w.])[A-Z]|(?:\b[A-Za-z]\.)+[A-Za-z])\.[\"'\u201d\u2019]?$"
)
_WORD = re.compile(r"\w+")
_SAMPLE_BLANK = re.compile(r"\n[\s\u00a0]*\n")
MIN_SENTENCE_WORDS = 4


@dataclass(frozen=True)
class SourceArticle:
    name: str  # e.g. "lee_background:17" or "sample:003_15fa05f4d3cf0d4f"
    paragraphs: tuple[tuple[str, ...], ...]  # sentences grouped as the source had them (one group if unknown)

    @property
    def sentences(self) -> list[str]:
        return [s for p in self.paragraphs for s in p]


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph; pieces under MIN_SENTENCE_WORDS words join the previous one."""
    text = re.sub(r"[ \t\u00a0]+", " ", text).strip()
    out: list[str] = []
    pos = 0
    for m in _SENT_END.finditer(text):
        if _NOT_AN_END.search(text, max(0, m.start() - 12), m.start()):
            continue
        end = m.start() + len(m.group(0).rstrip())
        out.append(text[pos:end].strip())
        pos = m.end()
    out.append(text[pos:].strip())
    merged: list[str] = []
    for s in out:
        if not s:
            continue
        if merged and len(_WORD.findall(s)) < MIN_SENTENCE_WORDS:
            merged[-1] = f"{merged[-1]} {s}"
        else:
            merged.append(s)
    if len(merged) > 1 and len(_WORD.findall(merged[0])) < MIN_SENTENCE_WORDS:
        merged[0:2] = [f"{merged[0]} {merged[1]}"]
    return merged


def gensim_wheel(cache: Path = DATA / "sources") -> Path:
    """The gensim wheel holding the Lee corpus, downloaded once with pip (no deps)."""
    found = sorted(cache.glob("gensim-4.4.0-*.whl"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(cache), GENSIM]
    subprocess.run(cmd, check=True)
    found = sorted(cache.glob("gensim-4.4.0-*.whl"))
    if not found:
        raise RuntimeError(f"pip did not leave a gensim wheel in {cache}")
    return found[0]


def lee_articles(wheel: Path | None = None) -> list[SourceArticle]:
    wheel = wheel or gensim_wheel()
    out = []
    with zipfile.ZipFile(wheel) as z:
        for member, (sha, encoding) in LEE_FILES.items():
            raw = z.read(member)
            if hashlib.sha256(raw).hexdigest() != sha:
                raise RuntimeError(f"{wheel.name}:{member} is not the text this benchmark was built on")
            stem = Path(member).stem
            for k, line in enumerate(raw.decode(encoding).splitlines()):
                if line.strip():
                    out.append(SourceArticle(f"{stem}:{k}", (tuple(split_sentences(line)),)))
    return out


def sample_articles(folder: Path = SAMPLES) -> list[SourceArticle]:
    """The seed articles, paragraph by paragraph (blank lines, or single lines in 002/003)."""
    out = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        blocks = [b for b in _SAMPLE_BLANK.split(text) if b.strip()]
        paras = []
        for block in blocks:
            lines = [ln for ln in block.split("\n") if ln.strip(" \t\u00a0")]
            pieces = lines if any(len(ln) > 100 for ln in lines[:-1]) else [" ".join(lines)]
            paras += [tuple(split_sentences(p)) for p in pieces if p.strip()]
        out.append(SourceArticle(f"sample:{path.stem}", tuple(p for p in paras if p)))
    return out


def _grams(sentence: str, n: int = 3) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD.findall(sentence)]
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def without_repeats(articles: list[SourceArticle], share: float = 0.5) -> list[SourceArticle]:
    """Drop each sentence whose word 3-grams lie (at least `share`) in one earlier sentence.

    The sources repeat themselves a little (003 doubles a paragraph; follow-up
    stories reuse a line): such text would be an unlabelled duplicate.
    """
    index: dict[tuple[str, ...], list[int]] = {}
    kept_grams: list[set] = []
    out = []
    for art in articles:
        paras = []
        for para in art.paragraphs:
            keep = []
            for s in para:
                g = _grams(s)
                hits: dict[int, int] = {}
                for x in g:
                    for j in index.get(x, ()):
                        hits[j] = hits.get(j, 0) + 1
                if any(h >= share * min(len(g), len(kept_grams[j])) for j, h in hits.items()):
                    continue
                for x in g:
                    index.setdefault(x, []).append(len(kept_grams))
                kept_grams.append(g)
                keep.append(s)
            if keep:
                paras.append(tuple(keep))
        out.append(SourceArticle(art.name, tuple(paras)))
    return out


def load_pool(min_sentences: int = 3) -> list[SourceArticle]:
    """Samples first, then the Lee articles; repeats removed; articles too short dropped."""
    pool = without_repeats(sample_articles() + lee_articles())
    return [a for a in pool if len(a.sentences) >= min_sentences]
