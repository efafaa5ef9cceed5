"""The Spark engine's place in its environment: the session, the executors' Python,
checkpoints, and Spark's failures as one-line errors.

A session already running (a notebook, `spark-submit`) is used as it is; a new
one takes its master and confs from Spark's usual sources (`spark-submit`,
`PYSPARK_SUBMIT_ARGS`, `spark-defaults.conf`) and `--conf`, and falls back to
`local[*]` only when none names a master.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, DedupError, SparkJobError

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

# What executors' Python must import (dedup itself is shipped as a zip to non-local masters).
EXECUTOR_MODULES = ("numpy", "pyarrow", "pandas", "xxhash", "datasketch", "orjson", "dedup")

# In local mode the driver is the only executor, and Spark's default heap of 1 GB failed the first
# stage of a 1 GB corpus in shards of 100 MB (`OutOfMemoryError: Java heap space`: each task
# holds a whole file); so, where nobody chose a driver heap, a local driver gets this share of
# the memory this process may use (dedup.budget.limit), at least Spark's 1 GB.
LOCAL_HEAP_SHARE = 0.5

LOCAL_CONF = {
    # Workers fork from a daemon that has already imported the engine's modules.
    "spark.python.daemon.module": "dedup.engines.spark_daemon",
}

# log4j2 at ERROR for a quiet run (-q): Spark's default profile logs WARN lines at start;
# the repl logger at the same level stops the "Setting default log level" notice.
QUIET_LOG4J = """\
rootLogger.level = error
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
"""


def parse_confs(pairs: list[str]) -> dict[str, str]:
    """`--conf key=value` options as a dict (the last of a repeated key wins, as spark-submit's)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--conf takes key=value, got {pair!r}")
        out[key.strip()] = value
    return out


def session(conf: dict[str, str] | None = None, quiet: bool = True) -> "SparkSession":
    """The active SparkSession (with `conf` set on it), or a new one.

    A new session's master is `spark.master` from `conf`, else the one Spark's
    launcher was given (spark-submit, PYSPARK_SUBMIT_ARGS, spark-defaults.conf),
    else local[*]. Confs the user set are never replaced.
    """
    try:
        from pyspark import SparkConf
        from pyspark.sql import SparkSession
    except ImportError:
        raise DedupError("--engine spark needs pyspark: pip install 'dedup[spark]'") from None
    conf = dict(conf or {})
    active = SparkSession.getActiveSession()
    if active is not None:
        for key, value in conf.items():
            if active.conf.get(key, None) != value:
                try:
                    active.conf.set(key, value)
                except Exception as e:  # a static conf of a running session
                    raise ConfigError(f"--conf {key}: cannot be changed on the running Spark session ({_first_line(e)})") from None
        return active
    with spark_errors("starting Spark"):
        _start_jvm(quiet, local_driver_memory(conf, os.environ, _spark_defaults()))
        launched = SparkConf()  # spark-submit's, PYSPARK_SUBMIT_ARGS' and spark-defaults' settings
        conf.setdefault("spark.master", launched.get("spark.master", "local[*]"))
        if not launched.contains("spark.app.name"):
            conf.setdefault("spark.app.name", "dedup")
        if quiet:  # -q wins over the launcher's default for a pyspark shell (progress bars on)
            conf.setdefault("spark.ui.showConsoleProgress", "false")
        elif not launched.contains("spark.ui.showConsoleProgress"):
            conf.setdefault("spark.ui.showConsoleProgress", "true")
        local = conf["spark.master"].startswith("local")
        if local:
            for key, value in LOCAL_CONF.items():
                if not launched.contains(key):
                    conf.setdefault(key, value)
        builder = SparkSession.builder
        for key, value in conf.items():
            builder = builder.config(key, value)
        spark = with_python_workers(builder.getOrCreate) if local else builder.getOrCreate()
        if not local:
            spark.sparkContext.addPyFile(package_zip())
    return spark


def with_python_workers(create):
    """Run `create` with local Python workers on this interpreter (its venv has dedup),
    unless PYSPARK_PYTHON says otherwise; SparkContext reads it once, at start."""
    if "PYSPARK_PYTHON" in os.environ:
        return create()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    try:
        return create()
    finally:
        del os.environ["PYSPARK_PYTHON"]


def local_driver_memory(conf: dict[str, str], environ, defaults: dict[str, str]) -> str | None:
    """The heap to start the driver's JVM with: `--conf spark.driver.memory` (else read too late:
    the JVM starts before confs are applied); else, for a local master where nobody chose one
    (SPARK_DRIVER_MEMORY, PYSPARK_SUBMIT_ARGS, spark-defaults.conf), LOCAL_HEAP_SHARE of the
    memory this process may use; None: Spark's own choice."""
    if conf.get("spark.driver.memory"):
        return conf["spark.driver.memory"]
    args = environ.get("PYSPARK_SUBMIT_ARGS", "").split()
    if environ.get("SPARK_DRIVER_MEMORY") or "--driver-memory" in args or "spark.driver.memory" in defaults \
            or any(a.startswith("spark.driver.memory=") for a in args):
        return None
    master = conf.get("spark.master") or (args[args.index("--master") + 1] if "--master" in args[:-1] else None) \
        or defaults.get("spark.master", "local[*]")
    if not master.startswith("local"):
        return None
    from ..budget import limit

    found = limit()
    if found is None:
        return None
    return f"{max(1 << 10, int(found[0] * LOCAL_HEAP_SHARE) >> 20)}m"


_PROPERTY = re.compile(r"\s*([^\s=#][^\s=]*)(?:\s*=\s*|\s+)(.*)")  # `key value` or `key=value`; # comments


def _spark_defaults() -> dict[str, str]:
    """spark-defaults.conf of the Spark that pyspark starts (SPARK_CONF_DIR, else SPARK_HOME/conf)."""
    folder = os.environ.get("SPARK_CONF_DIR")
    if not folder:
        import pyspark  # a pip-installed pyspark is its own Spark home

        folder = os.path.join(os.environ.get("SPARK_HOME") or os.path.dirname(pyspark.__file__), "conf")
    out = {}
    try:
        with open(os.path.join(folder, "spark-defaults.conf"), encoding="utf-8") as f:
            for line in f:
                m = _PROPERTY.match(line)
                if m:
                    out[m.group(1)] = m.group(2).strip()
    except OSError:
        pass
    return out


def _start_jvm(quiet: bool, driver_memory: str | None = None) -> None:
    """Start Spark's JVM (as pyspark would on the first session) so its launcher's settings can
    be read; quiet: with log4j2 at ERROR unless the user configured log4j2 (LOG4J_CONFIGURATION_FILE);
    `driver_memory`: its heap (local_driver_memory)."""
    from pyspark import SparkContext

    if SparkContext._jvm is not None:
        return
    env = {}
    if driver_memory:
        env["SPARK_DRIVER_MEMORY"] = driver_memory  # the launcher reads it where no conf names a heap
    path = None
    if quiet and "LOG4J_CONFIGURATION_FILE" not in os.environ:
        fd, path = tempfile.mkstemp(prefix="dedup-log4j2-", suffix=".properties")
        with os.fdopen(fd, "w") as f:
            f.write(QUIET_LOG4J)
        env["LOG4J_CONFIGURATION_FILE"] = path  # log4j2 reads its properties from LOG4J_* variables
    os.environ.update(env)
    try:
        SparkContext._ensure_initialized()
    finally:
        for key in env:
            del os.environ[key]
        if path is not None:
            os.unlink(path)  # read at the JVM's start


def package_zip() -> str:
    """This dedup package as a zip for executors (their Python still needs EXECUTOR_MODULES but dedup;
    a zip cannot hold the compiled kernels, so they load an installed dedup's, see kernels.load, or run numpy)."""
    root = Path(__file__).resolve().parents[1]
    fd, path = tempfile.mkstemp(prefix="dedup-", suffix=".zip")
    os.close(fd)
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted(root.rglob("*.py")):
            z.write(f, Path("dedup") / f.relative_to(root))
    return path


def _probe(_rows):
    import importlib

    missing = []
    for name in EXECUTOR_MODULES:
        try:
            importlib.import_module(name)
        except Exception as e:  # noqa: BLE001  (any failure to import is reported)
            missing.append(f"{name} ({type(e).__name__}: {e})")
    yield sys.executable, tuple(missing)


def check_executors(spark: "SparkSession") -> None:
    """Import the engine's dependencies on executors (one small task per core) before the
    scan starts; raise one clear error listing what is missing where."""
    sc = spark.sparkContext
    if sc.master.startswith("local"):
        return  # local workers are this interpreter (or PYSPARK_PYTHON), checked by the first stage anyway
    n = max(sc.defaultParallelism, 1)
    with spark_errors("checking the executors' Python"):
        found = set(sc.parallelize(range(n), n).mapPartitions(_probe).collect())
    missing = sorted((python, m) for python, m in found if m)
    if missing:
        where = "; ".join(f"{python}: {', '.join(m)}" for python, m in missing)
        raise SparkJobError(f"executors cannot run dedup, missing modules: {where} "
                            f"(install {', '.join(EXECUTOR_MODULES[:-1])} there, or set PYSPARK_PYTHON / "
                            "spark.pyspark.python to a Python that has them)")


@contextmanager
def checkpoints(spark: "SparkSession", base: str) -> Iterator[str]:
    """A fresh checkpoint folder under `base` (a path or URI every executor reaches) set as
    the session's, removed afterwards. A session that already has one keeps using it."""
    sc = spark.sparkContext
    if sc.getCheckpointDir() is not None:
        yield sc.getCheckpointDir()
        return
    folder = f"{base.rstrip('/')}/.dedup-checkpoints-{uuid.uuid4().hex[:12]}"
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(folder)
    fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
    sc.setCheckpointDir(folder)
    try:
        yield folder
    finally:
        try:
            fs.delete(path, True)
        except Exception:  # noqa: BLE001  (a failed clean-up must not hide the run's own error)
            pass


_PY_ERROR = re.compile(r"^([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt))(: .*)?$")


def _first_line(e: BaseException) -> str:
    try:
        text = str(e)
    except Exception:  # noqa: BLE001  (py4j's str() can itself fail)
        text = ""
    return next((line.strip() for line in text.splitlines() if line.strip()), type(e).__name__)


def describe_failure(e: BaseException) -> str:
    """One line for a Spark failure: a Python worker's exception line, else the root Java cause."""
    try:
        text = str(e)
    except Exception:  # noqa: BLE001
        text = ""
    if "Traceback (most recent call last)" in text:
        tail = text.split("Traceback (most recent call last)", 1)[1].splitlines()
        hits = [line.strip() for line in tail if _PY_ERROR.match(line.strip())]
        if hits:
            return hits[0] if len(hits) == 1 else hits[-1]
    java = getattr(e, "java_exception", None) or getattr(e, "_origin", None)
    if java is not None:
        try:
            while java.getCause() is not None and java.getCause() != java:
                java = java.getCause()
            line = str(java.toString()).splitlines()[0]
            if line:
                return line[:500]
        except Exception:  # noqa: BLE001
            pass
    return _first_line(e)[:500]


@contextmanager
def spark_errors(doing: str) -> Iterator[None]:
    """Spark's and py4j's exceptions (Java or a Python worker's) as a SparkJobError of one line."""
    try:
        yield
    except DedupError:
        raise
    except Exception as e:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException

        if isinstance(e, (Py4JError, PySparkException)) or type(e).__module__.startswith(("pyspark", "py4j")):
            raise SparkJobError(f"Spark failed while {doing}: {describe_failure(e)}") from e
        raise
