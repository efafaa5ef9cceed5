"""dedup.io.spilled_texts: with --spill, documents' texts wait in a file, not in memory,
and come back as the very strings they were."""

from __future__ import annotations

import gc
import tracemalloc

from dedup import Config, Document, scan
from dedup.io import spilled_texts
from dedup.io.spilled_texts import SpilledDocuments

from sample_corpus import paragraphs


def spilled(tmp_path, docs: list[Document]) -> SpilledDocuments:
    store, held = SpilledDocuments(tmp_path), list(docs)
    store.take(held, min(2, len(held)))
    store.take(held, len(held))
    assert all(d.text == "" for d in held), "the list given keeps only the shells"
    return store.close_writing()


def test_texts_come_back_as_they_were(tmp_path):
    texts = ["plain words", "", "curly \u201cquotes\u201d and \u00e9", "astral \U0001f600 and CJK \u4e2d\u6587",
             "a lone surrogate \udcff, a pair written apart \ud83d\ude00", "x" * 100_000]
    docs = [Document(f"d{i}", t, "f.jsonl", i + 1, {"id": f"d{i}", "text": t, "n": i}, frame=(b"{", b"}"))
            for i, t in enumerate(texts)]
    store = spilled(tmp_path, docs)
    assert len(store) == len(docs) and store == docs and list(store) == docs
    for doc, back in zip(docs, store):
        assert back.text == doc.text and len(back.text) == len(doc.text)
        assert back.record == doc.record and list(back.record) == ["id", "text", "n"], "the record's text is back in its place"
        assert (back.id, back.source, back.line, back.frame) == (doc.id, doc.source, doc.line, doc.frame)
    assert store[-1].text == texts[-1] and [d.id for d in store[1:3]] == ["d1", "d2"]


def test_a_record_without_the_text_is_left_alone(tmp_path):
    doc = Document("a", "some text", record={"id": "a", "body": "other"})
    back = spilled(tmp_path, [doc])[0]
    assert back.record == {"id": "a", "body": "other"} and back.text == "some text"


def test_texts_outlive_the_spill_folder_and_the_cache_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(spilled_texts, "CACHE_CHARS", 25)
    docs = [Document(str(i), f"text number {i:04d}") for i in range(50)]
    store = spilled(tmp_path, docs)
    for p in tmp_path.iterdir():
        p.unlink()
    assert [d.text for d in store] == [d.text for d in docs]
    assert [store[i].text for i in (49, 3, 49, 0)] == [docs[i].text for i in (49, 3, 49, 0)]
    assert store._cached_chars <= 25 + len(docs[0].text) and len(store._cache) <= 2


def test_a_spilled_scan_holds_no_texts_and_gives_the_same_result(tmp_path, monkeypatch):
    # The decoded texts kept for reuse are bounded (CACHE_CHARS, 32 M characters): smaller
    # here than this corpus, so what the scan holds beyond that bound shows.
    monkeypatch.setattr(spilled_texts, "CACHE_CHARS", 100_000)
    paras = paragraphs()
    pad = " ".join(f"filler{k}" for k in range(4000))  # 40 KB of text per document, unique by its last word
    rows = [(f"d{i}", "\n\n".join(paras[(3 * i + j) % len(paras)] for j in range(4))) for i in range(60)]

    def documents():  # made as read, so only the scan can hold them
        return (Document(i, f"{text}\n\n{pad} {i}") for i, text in rows)

    def held_after(**kw):
        gc.collect()
        tracemalloc.start()
        try:
            result = scan(documents(), config, **kw)
            gc.collect()
            return result, tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    for config in (Config(), Config(sentences=True)):
        plain, held_plain = held_after()
        result, held = held_after(spill=tmp_path)
        text_bytes = sum(len(d.text) for d in plain.documents)
        assert text_bytes > 2_000_000 and held_plain - held > 0.9 * text_bytes, (held_plain, held, text_bytes)
        assert (result.drops, result.clusters) == (plain.drops, plain.clusters) and plain.drops
        assert list(result.clean_texts(range(len(rows)))) == list(plain.clean_texts(range(len(rows))))
        assert list(tmp_path.iterdir()) == []
