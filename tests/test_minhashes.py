"""dedup.minhashes: spans as datasketch LeanMinHash objects, equal to datasketch's own."""

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from dedup import Config, Document, scan
from dedup.minhashes import lean_minhashes, span_minhashes
from dedup.stages.mapping import shingle_spans
from dedup.stages.normalize import token_bytes
from dedup.stages.sketch import minhash_input

from sample_corpus import paragraphs

P = paragraphs()


def test_lean_minhashes_are_datasketchs_minhash_of_the_shingles():
    config = Config()
    for text, lean in zip(P[:5], span_minhashes(P[:5], config)):
        values, _ = shingle_spans([token_bytes(text)], config)
        m = MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=lambda v: v)
        m.update_batch(minhash_input(values).tolist())
        assert isinstance(lean, LeanMinHash)
        assert np.array_equal(lean.hashvalues, m.hashvalues) and lean.seed == config.seed


def test_a_scans_spans_go_into_datasketchs_lsh():
    docs = [Document("a", P[0] + "\n\n" + P[1] + "\n"), Document("b", P[0] + "\n")]
    result = scan(docs)
    hashes = lean_minhashes(result)
    assert set(hashes) == {0, 1, 2}  # every span is long enough to be judged
    lsh = MinHashLSH(threshold=0.8, num_perm=Config().num_perm)
    for i, m in hashes.items():
        lsh.insert(str(i), m)
    assert set(lsh.query(hashes[2])) == {"0", "2"}  # b's paragraph is a's first
