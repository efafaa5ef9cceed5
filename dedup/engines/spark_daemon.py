"""Spark's Python worker daemon, with the engine's imports done once before it forks.

Every Python worker Spark starts is forked from this daemon, so numpy, pyarrow,
pandas, datasketch and dedup are imported once per run instead of once per
worker (about two seconds each). Used for local masters
(`spark.python.daemon.module`), where this package is importable by the daemon.
"""

from pyspark import daemon

from . import spark_batches  # noqa: F401  (the imports are the point)

if __name__ == "__main__":
    daemon.manager()
