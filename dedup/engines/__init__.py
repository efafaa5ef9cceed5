"""Engines: how the same stage functions are scheduled.

- local: `dedup.pipeline.scan`, one process (the default).
- spark: `dedup.engines.spark.run`, on Apache Spark (`pip install 'dedup[spark]'`);
  pyspark is imported only when that engine runs.
"""

ENGINES = ("local", "spark")
