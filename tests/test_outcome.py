"""outcome.py: drops and clusters stored as columns behave as the dict and list they replace."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.outcome import REASONS, Cluster, ClusterTable, Drop, DropTable
from dedup.stages.drops import clusters_of

DROPS = {
    7: Drop(2, 0.5, 0.9, 0.4, "contained"),
    3: Drop(2, 1.0, 1.0, 1.0, "exact"),
    9: Drop(5, 0.8, 0.85, 0.9, "near-equal"),
}


def test_drop_table_is_the_mapping_it_was_built_from():
    table = DropTable.from_dict(DROPS)
    assert table == DROPS and dict(table) == DROPS
    assert list(table) == [3, 7, 9], "span order, whatever the dict's order"
    assert table[7] == DROPS[7] and table.get(4) is None
    assert 3 in table and np.int64(9) in table and 4 not in table and -1 not in table and 100 not in table
    assert "3" not in table and None not in table
    with pytest.raises(KeyError):
        table[8]
    assert table.values() == [DROPS[3], DROPS[7], DROPS[9]]
    assert table.dropped_mask(8).tolist() == [False, False, False, True, False, False, False, True]


def test_drop_table_sorts_its_rows_and_refuses_a_span_dropped_twice():
    table = DropTable([9, 3], [5, 2], [0.8, 1.0], [0.85, 1.0], [0.9, 1.0], [REASONS.index("near-equal"), 0])
    assert table.span.tolist() == [3, 9] and table[9] == DROPS[9] and table[3] == DROPS[3]
    with pytest.raises(ValueError):
        DropTable([3, 3], [1, 1], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [0, 0])


def test_cluster_table_is_the_list_of_star_clusters():
    clusters = clusters_of(DROPS)
    assert isinstance(clusters, ClusterTable)
    assert clusters == [Cluster(2, (3, 7)), Cluster(5, (9,))]
    assert list(clusters) == clusters[:] == [clusters[0], clusters[1]]
    assert clusters[-1] == Cluster(5, (9,)) and len(clusters) == 2
    with pytest.raises(IndexError):
        clusters[2]
    assert clusters_of(DropTable.from_dict(DROPS)) == clusters
    assert clusters_of({}) == [] and repr(clusters_of({})) == "ClusterTable(0 clusters)"


def test_drop_table_with_sparse_ids_holds_no_bitmap_over_the_id_space():
    """The Spark engine's span ids are document number << 23 | index: a bitmap sized by the
    largest id took 31 GiB for 4,000 small records. Membership must not depend on it."""
    big = [(4000 << 23) | 1, (4000 << 23) | 5, (1 << 62) + 3]
    table = DropTable(big[::-1], [0, 0, 0], [1.0] * 3, [1.0] * 3, [1.0] * 3, [0, 0, 0])
    assert table.span.tolist() == big and len(table) == 3
    assert all(s in table for s in big) and np.int64(big[1]) in table
    assert big[0] + 1 not in table and 0 not in table and -1 not in table and (1 << 63) - 1 not in table
    assert "3" not in table and None not in table
    assert table[big[2]] == Drop(0, 1.0, 1.0, 1.0, "exact")
    with pytest.raises(KeyError):
        table[big[0] + 2]
    assert table.dropped_mask(8).tolist() == [False] * 8
