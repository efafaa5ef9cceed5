"""The Spark engine's place in its environment: the session, the executors' Python,
checkpoints, and Spark's failures as one-line errors.

A session already running (a notebook, `spark-submit`) is used as it is; a new
one takes its master and confs from Spark's usual sources (`spark-submit`,
`PYSPARK_SUBMIT_ARGS`, `spark-defaults.conf`) and `--conf`, and falls back to
`local[*]` only when none names a master.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
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

# log4j2 at ERROR for a quiet run (-q): Spark's default profile logs WARN lines at start; the
# logger of pyspark's gateway (Spark names the shell's level after it) at the same level stops
# the "Setting default log level" notice (Spark prints it where the two differ).
QUIET_LOG4J = """\
rootLogger.level = error
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
"""

# Not log4j's: the JVM's module system prints it, unconditionally, for the `--add-modules`
# that Spark 4's launcher always passes; a quiet run drops this line alone from the JVM's stderr.
JVM_NOTICE = re.compile(rb"WARNING: Using incubator modules: [\w.,]+\r?\n?")

# SparkExitCode.OOM: Spark's handler of uncaught errors exits with it on an OutOfMemoryError
# (measured: a local task's `java.lang.OutOfMemoryError: Java heap space` stopped the JVM so).
SPARK_OOM_EXIT = 52

# The thread copying a quiet JVM's stderr to ours (_start_jvm): process-wide state, as the JVM is
# (pyspark keeps its gateway on SparkContext, one per process); lost_jvm joins it for the last lines.
_forwarder: threading.Thread | None = None


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
        _quiet_hangups(spark.sparkContext)
        if not local:
            spark.sparkContext.addPyFile(package_zip())
    return spark


def _quiet_hangups(sc) -> None:
    """Keep a JVM that hangs up (it died: spark_errors says so in one line) from printing
    tracebacks: py4j's log record of the network error, pyspark's accumulator server's EOFError.
    Their other errors print as before."""
    root = logging.getLogger()  # py4j logs that record through logging.info, the root logger's
    if _py4j_hangup not in root.filters:  # once per process, however many sessions
        root.addFilter(_py4j_hangup)
    server = getattr(sc, "_accumulatorServer", None)
    if server is None:
        return
    default = server.handle_error

    def handle_error(request, address):
        if not isinstance(sys.exc_info()[1], EOFError):
            default(request, address)

    server.handle_error = handle_error


def _py4j_hangup(record: logging.LogRecord) -> bool:
    """False for py4j's record of a network error while sending a command (a JVM gone)."""
    from py4j.protocol import Py4JNetworkError

    return not (record.msg == "Exception while sending command." and record.exc_info
                and isinstance(record.exc_info[1], Py4JNetworkError))


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
        # Our gateway filters the JVM's stderr: -q left 3 JVM lines, 1 (JVM_NOTICE) with log4j fixed, 0 so.
        SparkContext._ensure_initialized(gateway=_launch_forwarded() if quiet else None)
    finally:
        for key in env:
            del os.environ[key]
        if path is not None:
            os.unlink(path)  # read at the JVM's start


def _launch_forwarded():
    """pyspark's gateway (launch_gateway, as SparkContext starts it) with the JVM's stderr
    copied to ours by forward_jvm_stderr, which drops JVM_NOTICE."""
    from pyspark.java_gateway import launch_gateway

    global _forwarder
    read, write = os.pipe()
    _forwarder = threading.Thread(target=forward_jvm_stderr, args=(os.fdopen(read, "rb"),), daemon=True)
    _forwarder.start()  # before the JVM: a pipe nobody reads would block its start once full
    try:
        return launch_gateway(popen_kwargs={"stderr": write})
    except BaseException:
        _forwarder.join(5)  # the dead JVM's last lines before our error
        raise
    finally:
        os.close(write)  # the JVM has its copy


def forward_jvm_stderr(lines, out=None) -> None:
    """Copy the JVM's stderr `lines` (bytes) to `out` (default: our fd 2, where the JVM would
    write), all but JVM_NOTICE."""
    with nullcontext(out) if out is not None else open(2, "wb", closefd=False) as out:
        for line in lines:
            if not JVM_NOTICE.fullmatch(line):
                out.write(line)
                out.flush()


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


def _chain(e: BaseException | None) -> Iterator[BaseException]:
    while e is not None:
        yield e
        e = e.__cause__ or e.__context__


def lost_jvm(e: BaseException) -> str | None:
    """`e` as a driver JVM gone away, else None: a connection error or py4j's own error (not a
    Java exception) once the JVM this process started has exited; else py4j's network error."""
    from py4j.protocol import Py4JError, Py4JJavaError, Py4JNetworkError
    from pyspark import SparkContext

    if not isinstance(e, (ConnectionError, Py4JError)) or isinstance(e, Py4JJavaError):
        return None  # not about the connection, or Java answered
    proc = getattr(SparkContext._gateway, "proc", None)  # None: a JVM this process did not start
    if proc is not None:
        waited = time.monotonic() + 2  # a JVM whose sockets just closed may not have exited yet (measured on a kill -9)
        while proc.poll() is None and time.monotonic() < waited:
            time.sleep(0.05)
    if proc is not None and proc.returncode is not None:
        if _forwarder is not None:
            _forwarder.join(2)  # its last lines before our error
        rc = proc.returncode
        if rc == SPARK_OOM_EXIT:
            return (f"its JVM stopped on an OutOfMemoryError (exit status {rc}; where its last lines above say "
                    "'Java heap space', it needs a larger heap, e.g. --conf spark.driver.memory=8g)")
        return f"its JVM stopped ({f'killed by signal {-rc}' if rc < 0 else f'exit status {rc}'}; see its last lines above)"
    if any(isinstance(x, Py4JNetworkError) for x in _chain(e)):
        return f"its connection to the JVM broke ({_first_line(e)})"
    return None


@contextmanager
def spark_errors(doing: str) -> Iterator[None]:
    """Spark's and py4j's exceptions (Java or a Python worker's), and a driver JVM gone away
    (lost_jvm), as a SparkJobError of one line."""
    try:
        yield
    except DedupError:
        raise
    except Exception as e:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException

        lost = lost_jvm(e)
        if lost:
            raise SparkJobError(f"Spark failed while {doing}: {lost}") from e
        if isinstance(e, (Py4JError, PySparkException)) or type(e).__module__.startswith(("pyspark", "py4j")):
            raise SparkJobError(f"Spark failed while {doing}: {describe_failure(e)}") from e
        raise
