"""stages/pairs.py: verified candidate pairs, the neighbours of a partial copy paired too, and
scanned copies found through folded glyphs."""

import numpy as np

from dedup import Config, Document, scan
from dedup.stages import candidates
from dedup.stages.pairs import Pairs, neighbour_pairs


def sets(*members: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = [np.array(sorted(set(m)), dtype=np.uint64) for m in members]
    sizes = np.array([len(v) for v in values], dtype=np.int64)
    return np.concatenate(values), np.concatenate(([0], np.cumsum(sizes))), sizes


def found(pairs: list[tuple[int, int]], values, offsets) -> Pairs:
    p = np.array(pairs, dtype=np.int32).reshape(-1, 2)
    inter = np.array([len(np.intersect1d(values[offsets[a] : offsets[a + 1]], values[offsets[b] : offsets[b + 1]]))
                      for a, b in p.tolist()], dtype=np.int64)
    return Pairs(p, inter, candidates.Proposals(p, len(p), 0, 0))


def test_the_neighbours_of_a_set_shared_in_part_are_paired_and_verified():
    # Document 0: units 0, 1, 2 in order; document 1: unit 3 holds the end of 0 and all of 1.
    values, offsets, sizes = sets(range(0, 40), range(40, 70), range(70, 100), [*range(25, 40), *range(40, 70)])
    prev, next_, doc = np.array([-1, 0, 1, -1]), np.array([1, 2, -1, -1]), np.array([0, 0, 0, 1])
    got = neighbour_pairs(found([(1, 3)], values, offsets), prev, next_, doc, sizes, values, offsets, 4)
    # 3 holds 30 more shingles than it shares with 1: 1's neighbours 0 and 2 are paired with it;
    # 1 holds nothing more than it shares with 3, so 3's neighbours (none) would not be.
    assert got.pairs.tolist() == [[0, 3], [1, 3]] and got.inter.tolist() == [15, 30]
    assert got.pairs.dtype == np.int32 and got.proposals.pairs is got.pairs


def test_no_neighbours_within_one_document_or_for_a_set_with_nothing_more():
    values, offsets, sizes = sets(range(0, 40), range(40, 70), range(40, 70))
    prev, next_ = np.array([-1, 0, -1]), np.array([1, -1, -1])
    same = neighbour_pairs(found([(1, 2)], values, offsets), prev, next_, np.array([0, 0, 1]), sizes, values, offsets, 4)
    assert same.pairs.tolist() == [[1, 2]], "an exact copy holds nothing more: no neighbour pairs"
    one_doc = neighbour_pairs(found([(1, 2)], values, offsets), prev, next_, np.array([0, 0, 0]), sizes, values, offsets, 4)
    assert one_doc.pairs.tolist() == [[1, 2]]


def test_a_scanned_copy_no_anchor_proposes_is_found_through_folded_anchors():
    # syndicated_ocr, accuracy benchmark seed 1: 17 of 36 shingles shared, too few anchors and no
    # band in common, so neither LSH nor the anchors proposed the pair (`dedup explain`).
    source = ("The department estimates the damage bill from fire-related incidents at Woomera has reached more "
              "than $1.5 million since November 20.  Last night, three accommodation blocks were destroyed, as well "
              "as a mess hall and a computing facility.")
    scanned = ("The department estimates the damage bill from fire-related incldents at Woomera has reached mcre "
               "than $1.5 million since November 20.  Last night, thrce accommodation bocks werc destroyed, as well "
               "as a mess hall ond a computing facility.")
    result = scan([Document("source", source), Document("scan", scanned)], Config(sentences=True))
    assert result.clean_text(0) == source and result.clean_text(1) == ""
