"""The incremental index through the library, on both backends (SQLite file, real redis-server)."""

from __future__ import annotations

import random

import numpy as np

import pytest
from index_support import (  # noqa: F401  (fixtures: redis_url, index_location)
    EDITS, decisions, equivalence_limits, index_location, planted_docs, redis_url,
)

from dedup import Config, Document, scan
from dedup.index import IndexStoreError, open_index, scan_incremental
from dedup.index.incremental import with_neighbours

# Copies never fuller than their source: the case where batches through the index
# and one scan over everything must agree exactly.
NOT_FULLER = ("exact", "substitute", "delete")


@pytest.fixture
def location(index_location):
    """An empty index on each backend."""
    return index_location


def run_batches(location: str, batches: list[list[Document]], config: Config) -> list:
    results = []
    for batch in batches:
        with open_index(location, config) as store:
            results.append(scan_incremental(batch, store))
    return results


def merged(results) -> dict:
    out = {}
    for r in results:
        out.update(decisions(r))
    return out


def cut(docs: list[Document], sizes: list[int]) -> list[list[Document]]:
    out, i = [], 0
    for n in sizes:
        out.append(docs[i : i + n])
        i += n
    return out


def test_batches_equal_one_scan_when_copies_are_never_fuller(location):
    config = Config()
    docs = planted_docs(random.Random(11), 60, NOT_FULLER)
    batches = cut(docs, [17, 1, 25, 17])
    batch_of = {d.id: b for b, batch in enumerate(batches) for d in batch}
    reasons, exempt = equivalence_limits(docs, batch_of, config)
    assert reasons == []
    one = decisions(scan(docs, config))
    inc = merged(run_batches(location, batches, config))
    assert sum(v is not None for v in one.values()) > 30  # the corpus has plenty of copies
    assert {k for k, v in inc.items() if v} == {k for k, v in one.items() if v}
    assert {k: v for k, v in inc.items() if k not in exempt} == {k: v for k, v in one.items() if k not in exempt}


def test_fuller_later_copy_is_kept_and_the_published_one_stays(location):
    """The documented difference: one scan keeps the fuller copy and drops the earlier
    one; through the index the earlier one is already published, so both are kept."""
    rnd = random.Random(3)
    from index_support import edited, paragraph, vocabulary

    vocab = vocabulary()
    base = paragraph(rnd, vocab, 50)
    fuller = edited(rnd, vocab, base, "insert")
    docs = [Document("old", base), Document("new", fuller)]
    one = decisions(scan(docs, Config()))
    assert one == {("old", 0): ("new", 0), ("new", 0): None}
    inc = merged(run_batches(location, [[docs[0]], [docs[1]]], Config()))
    assert inc == {("old", 0): None, ("new", 0): None}
    # A third batch repeating the shorter text is dropped against the index.
    third = run_batches(location, [[Document("again", base)]], Config())[0]
    assert decisions(third) == {("again", 0): ("old", 0)}
    assert third.stats["index"]["dropped_against_index"] == 1


def test_keep_longest_never_revises_earlier_batches(location):
    rnd = random.Random(5)
    from index_support import paragraph, vocabulary

    vocab = vocabulary()
    text = paragraph(rnd, vocab, 50)
    short, longer = Document("a", text), Document("b", text.replace(".", " ."))  # same words, more characters
    config = Config(keep="longest")
    assert decisions(scan([short, longer], config)) == {("a", 0): ("b", 0), ("b", 0): None}
    inc = merged(run_batches(location, [[short], [longer]], config))
    assert inc == {("a", 0): None, ("b", 0): ("a", 0)}


def test_rerun_of_a_batch_gives_the_same_result_and_adds_nothing(location):
    docs = planted_docs(random.Random(8), 30)
    first, second = run_batches(location, [docs[:15], docs[15:]], Config())
    with open_index(location, Config()) as store:
        before = store.stats()
        again = scan_incremental(docs[15:], store)
        after = store.stats()
    assert again.stats["index"]["rerun"] and again.stats["index"]["added_spans"] == 0
    assert decisions(again) == decisions(second)
    assert [again.clean_text(d) for d in range(15)] == [second.clean_text(d) for d in range(15)]
    assert (after["spans"], after["batches"]) == (before["spans"], before["batches"])


def test_holds_spans_says_whether_anything_before_the_batch_can_match(location):
    """A new index holds nothing (find_candidates then looks nothing up); after a batch, the next
    one sees its spans; a re-run of that first batch sees nothing before it, as the first time."""
    from dedup.index.base import batch_key

    docs = planted_docs(random.Random(5), 8, copy_rate=0.0)
    with open_index(location, Config()) as store:
        with store.transaction(batch_key(docs)) as txn:
            assert not txn.holds_spans()
    run_batches(location, [docs], Config())
    with open_index(location, Config()) as store:
        with store.transaction(batch_key(docs[:1])) as txn:
            assert txn.holds_spans()
        with store.transaction(batch_key(docs)) as txn:
            assert txn.prior is not None and not txn.holds_spans()


def test_exact_copy_of_indexed_span_is_dropped_as_exact(location):
    docs = planted_docs(random.Random(2), 10, copy_rate=0.0)
    run_batches(location, [docs], Config())
    copy = Document("copy", docs[4].text, "copy.txt")
    r = run_batches(location, [[copy]], Config())[0]
    judged = [i for i in range(len(r.spans)) if r.eligible[i]]
    assert judged and all(r.drops[i].reason == "exact" for i in judged)
    assert all(r.span_text(r.drops[i].kept) == r.span_text(i) for i in judged)  # text read back from the index
    assert {r.indexed[r.drops[i].kept - len(r.spans)].doc for i in judged} == {docs[4].id}
    assert r.stats["index"]["added_spans"] == 0


def test_remove_forgets_documents(location):
    docs = planted_docs(random.Random(4), 12, copy_rate=0.0)
    run_batches(location, [docs], Config())
    with open_index(location, Config()) as store:
        n_before = store.stats()["spans"]
        spans, found = store.remove([docs[0].id, docs[1].id, "no-such-doc"])
        stats = store.stats()
    assert found == sorted([docs[0].id, docs[1].id]) and spans > 0
    assert stats["spans"] == n_before - spans
    assert stats["documents"] == 10
    # The removed text is new again; the kept ones are still known.
    r = run_batches(location, [[Document("x0", docs[0].text), Document("x2", docs[2].text)]], Config())[0]
    dropped_docs = {r.documents[r.spans[i].doc].id for i in r.drops}
    assert dropped_docs == {"x2"}
    assert r.stats["index"]["added_spans"] > 0


def test_index_refuses_other_parameters(location):
    run_batches(location, [planted_docs(random.Random(1), 3)], Config())
    n = Config().ngram
    with pytest.raises(IndexStoreError, match=rf"other parameters \(ngram: index {n}, here {n + 1}\)"):
        open_index(location, Config(ngram=n + 1))
    with open_index(location) as store:  # without a config: the index's own
        assert store.config.params() == Config().params()


def test_missing_index_is_not_created_when_asked_not_to(location):
    with pytest.raises(IndexStoreError, match="no"):
        open_index(location, create=False)


def test_empty_batch_and_short_spans(location):
    r = run_batches(location, [[], [Document("s", "Too short.\n\nAlso short.")]], Config())
    assert r[0].drops == {} and r[1].drops == {}
    with open_index(location) as store:
        assert store.stats()["spans"] == 0 and store.stats()["batches"] == 2


def test_clusters_name_indexed_members(location, tmp_path):
    from dedup.io.writers import cluster_records

    docs = planted_docs(random.Random(9), 6, copy_rate=0.0)
    run_batches(location, [docs], Config())
    r = run_batches(location, [[Document("dup", docs[0].text, "dup.txt")]], Config())[0]
    recs = list(cluster_records(r))
    assert recs
    for rec in recs:
        kept = rec["members"][0]
        assert kept["kept"] and kept["indexed"] and kept["doc"] == docs[0].id
        assert all(m["doc"] == "dup" and not m["kept"] and "indexed" not in m for m in rec["members"][1:])
        assert kept["text"] == docs[0].text[kept["start"] : kept["end"]]


def test_redis_batch_recomputed_when_another_writer_commits_first(redis_url):
    """Optimistic concurrency: a batch whose reads were overtaken by another commit
    fails on EXEC, is retried, and then sees the other batch's spans."""
    from contextlib import contextmanager

    import numpy as np
    import redis
    from index_support import paragraph, vocabulary

    from dedup.index import Conflict

    redis.Redis.from_url(redis_url).flushdb()
    rnd = random.Random(6)
    text = paragraph(rnd, vocabulary(), 50)
    store, other = open_index(redis_url, Config()), open_index(redis_url, Config())

    with pytest.raises(Conflict):
        with store.transaction("some batch") as txn:
            scan_incremental([Document("first", paragraph(rnd, vocabulary(), 40))], other)
            txn.add(txn.fetch(np.zeros(0, dtype=np.int64)), 1)

    real, attempts = store.transaction, []

    @contextmanager
    def overtaken(key):
        with real(key) as txn:  # WATCH is set
            if not attempts:
                scan_incremental([Document("theirs", text)], other)
            attempts.append(key)
            yield txn

    store.transaction = overtaken
    r = scan_incremental([Document("ours", text)], store)
    assert len(attempts) == 2
    assert decisions(r) == {("ours", 0): ("theirs", 0)}
    with open_index(redis_url) as s:
        assert s.stats()["batches"] == 3  # first, theirs, ours
        with s.transaction("some batch") as txn:
            assert txn.prior is None  # the overtaken write never landed
    store.close()
    other.close()


def test_redis_open_while_another_process_creates_the_index(redis_url, monkeypatch):
    """Open saw no header, then a concurrent creator wrote header and keys before the key scan:
    that is a dedup index, not foreign keys (was: 'keys ... but no dedup index header')."""
    import redis

    from dedup.index.redis import RedisStore

    redis.Redis.from_url(redis_url).flushdb()
    RedisStore(redis_url, Config()).close()  # the "other process" created the index
    real_meta = RedisStore._meta
    calls = []

    def meta_missing_on_first_read(self):
        calls.append(1)
        return {} if len(calls) == 1 else real_meta(self)

    monkeypatch.setattr(RedisStore, "_meta", meta_missing_on_first_read)
    store = RedisStore(redis_url, Config())
    try:
        assert store.config.fingerprint == Config().fingerprint and len(calls) >= 2
    finally:
        store.close()


def test_index_made_before_the_threshold_rename_still_opens():
    """Indexes record params() when created; before the rename the threshold was "containment"."""
    import json as _json
    import warnings

    from dedup.index.base import check_header, header

    meta = header(Config(threshold=0.7))
    params = _json.loads(meta["params"])
    params["containment"] = params.pop("threshold")
    meta["params"] = _json.dumps(params, sort_keys=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the old key is read quietly, not through the deprecated keyword
        assert check_header(meta, Config(threshold=0.7), "old.db").params() == Config(threshold=0.7).params()


def test_a_block_that_raises_adds_nothing_and_one_that_adds_early_is_committed(location):
    """incremental.scanning: on SQLite the batch's spans go in when the block calls `add`
    (while the caller writes its output) or at its end, and a block that raises adds
    nothing; on Redis (a commit may lose to another writer's) before the block starts."""
    from dedup.index import scanning

    docs = planted_docs(random.Random(4), 30)
    with open_index(location, Config()) as store:
        with pytest.raises(KeyboardInterrupt):
            with scanning(docs, store) as scanned:
                assert scanned.result.drops  # decided, not added
                raise KeyboardInterrupt
        if not store.serialises_writers:
            assert store.stats()["batches"] == 1 and scanned.added
            return
        assert store.stats()["batches"] == 0 and store.stats()["spans"] == 0
        with scanning(docs, store) as scanned:
            scanned.add()
            assert store.stats()["batches"] == 1  # committed before the block ends
            scanned.add()  # once only
        assert store.stats()["batches"] == 1 and scanned.result.stats["index"]["added_spans"] == store.stats()["spans"] > 0


def test_neighbours_of_found_spans_come_with_them_within_their_document(location):
    """The sentence mode pairs a batch span with an indexed span's neighbours two away
    (stages.pairs.neighbour_pairs), so the index hands them over with the spans it found:
    those of the same document only, however close the ids of the next document's."""
    def para(doc: int, k: int) -> str:
        return " ".join(f"w{doc}x{k}y{j}" for j in range(12)) + "."

    docs = [Document(f"d{d}", "\n\n".join(para(d, k) for k in range(5))) for d in range(2)]
    config = Config(sentences=True)
    with open_index(location, config) as store:
        scan_incremental(docs, store)
        with store.transaction("another batch") as txn:
            every = txn.fetch(np.arange(0, 10_000), strict=False)  # ids not stored are left out
            assert [(r.doc, r.index) for r in every.refs] == [(f"d{d}", k) for d in range(2) for k in range(5)]
            ids = {(r.doc, r.index): int(i) for r, i in zip(every.refs, every.ids)}
            with pytest.raises(IndexStoreError, match="missing"):
                txn.fetch(np.array([max(ids.values()) + 1]))

            def near(*found: tuple[str, int]) -> list[tuple[str, int]]:
                got = with_neighbours(txn, np.array(sorted(ids[f] for f in found), dtype=np.int64))
                return [(r.doc, r.index) for r in got.refs]

            assert near(("d0", 2)) == [("d0", k) for k in range(5)]
            assert near(("d0", 4)) == [("d0", 2), ("d0", 3), ("d0", 4)], "d1's first spans have the next ids"
            assert near(("d0", 4), ("d1", 0)) == [("d0", 2), ("d0", 3), ("d0", 4), ("d1", 0), ("d1", 1), ("d1", 2)]
