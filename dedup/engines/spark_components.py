"""Connected components of a graph held as a Spark DataFrame of edges.

Large-star / small-star alternation (Kiveris et al., "Connected Components in
MapReduce and Beyond", SoCC 2014): each round is a few joins and group-bys, the
edge set never grows, and it converges in O(log^2 n) rounds to a forest of stars
centred on each component's smallest node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DedupError

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

MAX_ROUNDS = 64


def _large_star(edges: "DataFrame") -> "DataFrame":
    """Link every neighbour larger than a node to the smallest of the node's neighbourhood."""
    from pyspark.sql import functions as F

    both = edges.select(F.col("a").alias("u"), F.col("b").alias("v")).union(edges.select(F.col("b").alias("u"), F.col("a").alias("v")))
    low = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return both.join(low, "u").where(F.col("v") > F.col("u")).select(F.col("v").alias("a"), F.col("m").alias("b")).distinct()


def _small_star(edges: "DataFrame") -> "DataFrame":
    """Link a node and its smaller neighbours to the smallest of them."""
    from pyspark.sql import functions as F

    down = edges.select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v"))
    low = down.groupBy("u").agg(F.min("v").alias("m"))
    moved = down.join(low, "u").where(F.col("v") != F.col("m")).select(F.col("v").alias("a"), F.col("m").alias("b"))
    return moved.union(low.select(F.col("u").alias("a"), F.col("m").alias("b"))).distinct()


def _is_star_forest(edges: "DataFrame") -> bool:
    """Every edge a -> b (a > b) ends at a centre that points nowhere, and each leaf has one centre."""
    from pyspark.sql import functions as F

    roles = edges.select(F.col("a").alias("node"), F.col("b").alias("centre")).union(
        edges.select(F.col("b").alias("node"), F.lit(None).cast("long").alias("centre"))
    )
    bad = roles.groupBy("node").agg(
        F.count("centre").alias("points_to"), F.count(F.when(F.col("centre").isNull(), 1)).alias("pointed_at")
    ).where((F.col("points_to") > 1) | ((F.col("points_to") > 0) & (F.col("pointed_at") > 0)))
    return bad.limit(1).count() == 0


def connected_components(edges: "DataFrame", max_rounds: int = MAX_ROUNDS) -> tuple["DataFrame", int]:
    """(node, comp) for every node of an edge (columns a, b), comp being the smallest
    node of its component; and the number of rounds it took.

    Each round is checkpointed to the session's checkpoint folder (reliable storage:
    an executor lost later does not lose it), so the plan does not grow with the rounds.
    """
    from pyspark.sql import functions as F

    e = edges.select(F.least("a", "b").alias("a"), F.greatest("a", "b").alias("b")).where(F.col("a") != F.col("b")).distinct()
    for rounds in range(1, max_rounds + 1):
        step = _small_star(_large_star(e)).persist()  # the checkpoint's write reads it, not a recomputation
        e = step.checkpoint(eager=True)
        step.unpersist()
        if _is_star_forest(e):
            leaves = e.select(F.col("a").alias("node"), F.col("b").alias("comp"))
            centres = e.select(F.col("b").alias("node"), F.col("b").alias("comp")).distinct()
            return leaves.union(centres), rounds
    raise DedupError(f"connected components did not converge in {max_rounds} rounds")
