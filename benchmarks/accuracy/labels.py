"""A labelled corpus: documents and, for every sentence-sized content unit in them,
its offsets, its content label (same label = same content), and how it got there."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

# Kinds of unit occurrences. ORIGINAL_KINDS are first occurrences of content;
# every other kind is a planted copy of an earlier unit (`src`).
ORIGINAL_KINDS = (
    "original", "same_story", "shared_phrase", "subheading", "inserted", "glued_host", "header", "footer",
    # events.py
    "subpara_new", "subpara_rest", "list_item", "quote_source", "quote_para", "quote_own", "template_report", "table_rows",
    "release_headers", "release_notes", "env_vars", "copyright_stanza",
)
COPY_KINDS = (
    "doubled_edited", "doubled_inserted", "doubled_removed", "doubled_glued",
    "syndicated_quotes", "syndicated_whitespace", "syndicated_words", "syndicated_ocr",
    "reprint_block", "reprint_lines", "footer_copy",
    # events.py
    "subpara_copy", "subpara_middle", "recut", "glued_reprint", "heavy_ocr", "abridged", "reordered", "list_copy",
)
# Planted unique content that a tool must keep (hard negatives); quote_para (the quotation
# itself) is reported apart: removing a one-sentence quotation is wrong, but less so.
HARD_NEGATIVE_KINDS = (
    "shared_phrase", "subheading", "subpara_new", "subpara_rest", "quote_own", "template_report", "table_rows",
    "release_headers", "release_notes", "env_vars", "copyright_stanza",
)


@dataclass(frozen=True)
class Unit:
    doc: int
    start: int
    end: int
    label: int  # content id: units with one label say the same thing
    kind: str
    src: int  # for copies: index of the unit copied; else -1


@dataclass
class Corpus:
    seed: int
    ids: list[str]
    texts: list[str]
    units: list[Unit]
    meta: dict = field(default_factory=dict)

    def doc_units(self) -> list[list[int]]:
        """Unit indices of each document, in text order."""
        out: list[list[int]] = [[] for _ in self.ids]
        for k, u in enumerate(self.units):
            out[u.doc].append(k)
        for lst in out:
            lst.sort(key=lambda k: self.units[k].start)
        return out

    def unit_text(self, k: int) -> str:
        u = self.units[k]
        return self.texts[u.doc][u.start : u.end]

    def groups(self) -> dict[int, list[int]]:
        """Unit indices per label."""
        out: dict[int, list[int]] = {}
        for k, u in enumerate(self.units):
            out.setdefault(u.label, []).append(k)
        return out

    def check(self) -> None:
        """Units are stripped, disjoint, and cover every non-space character."""
        for d, text in enumerate(self.texts):
            covered = bytearray(len(text))
            for k in self.doc_units()[d]:
                u = self.units[k]
                piece = text[u.start : u.end]
                assert piece and piece == piece.strip(), (self.ids[d], piece)
                assert not any(covered[u.start : u.end]), (self.ids[d], piece)
                covered[u.start : u.end] = b"\x01" * (u.end - u.start)
            rest = "".join(c for c, cov in zip(text, covered) if not cov)
            assert not rest.strip(), (self.ids[d], rest.strip()[:80])

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "corpus.jsonl", "w", encoding="utf-8") as f:
            for i, t in zip(self.ids, self.texts):
                f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
        with open(folder / "labels.jsonl", "w", encoding="utf-8") as f:
            f.write(json.dumps({"seed": self.seed, "meta": self.meta}) + "\n")
            for u in self.units:
                f.write(json.dumps([u.doc, u.start, u.end, u.label, u.kind, u.src]) + "\n")

    @classmethod
    def load(cls, folder: Path) -> "Corpus":
        ids, texts = [], []
        with open(folder / "corpus.jsonl", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                ids.append(rec["id"])
                texts.append(rec["text"])
        with open(folder / "labels.jsonl", encoding="utf-8") as f:
            head = json.loads(f.readline())
            units = [Unit(*json.loads(line)) for line in f]
        return cls(head["seed"], ids, texts, units, head["meta"])
