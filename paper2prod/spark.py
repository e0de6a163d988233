"""One configured Spark session per notebook.

Environment variables (all optional):

    PAPER2PROD_SPARK_MASTER   master URL; default "local[*]" (spark://host:7077 for a cluster)
    PAPER2PROD_DRIVER_MEMORY  driver memory, default "2g" (applied before the JVM starts)
    PAPER2PROD_TEST           set to 1 by the test suite and the grader: UI and progress bars off
    PAPER2PROD_SPARK_LOG      file that receives the JVM's own output (default: a file in the
                              temp folder; `spark_log_path()` tells which)
"""
from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from paper2prod import preflight

DEFAULT_MASTER = "local[*]"
SHUFFLE_PARTITIONS = 4  # Spark's default of 200 is for clusters; tiny tasks dominate on a laptop
ALS_BLOCKS = 2  # numUserBlocks / numItemBlocks: 2-4 beats the default 10 on a few cores
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")


def under_test() -> bool:
    return os.environ.get("PAPER2PROD_TEST", "") not in ("", "0") or os.environ.get("CI") == "true"


def master_url() -> str:
    return os.environ.get("PAPER2PROD_SPARK_MASTER") or DEFAULT_MASTER


def _prepare_environment() -> None:
    # Workers must run the same Python as the notebook, and a laptop on a
    # strange network should not make Spark bind to an unreachable address.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def spark_log_path() -> Path:
    default = Path(tempfile.gettempdir()) / f"paper2prod-spark-{os.getpid()}.log"
    return Path(os.environ.get("PAPER2PROD_SPARK_LOG") or default)


@contextlib.contextmanager
def _jvm_output_to_log():
    """Send what the starting JVM writes to stderr into a log file, not the notebook.

    The JVM inherits file descriptor 2 when it starts; swapping it for a moment
    keeps start-up banners ("Using incubator modules", log-level notes) out of
    cell outputs for the life of the session, while Python errors still show.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with open(spark_log_path(), "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def get_spark(app_name: str = "paper2prod", conf: dict[str, object] | None = None):
    """Return the notebook's Spark session, creating it on first call.

    Java is checked first so a missing runtime gives advice, not a Py4J trace.
    `conf` adds or overrides Spark settings, e.g. {"spark.executor.memory": "1g"}.
    """
    preflight.check_java()
    _prepare_environment()
    from pyspark.sql import SparkSession

    quiet = under_test()
    _remove_leftovers()
    checkpoints = tempfile.mkdtemp(prefix=f"paper2prod-checkpoints-{os.getpid()}-")
    builder = (
        SparkSession.builder.appName(app_name)
        .master(master_url())
        .config("spark.driver.memory", os.environ.get("PAPER2PROD_DRIVER_MEMORY", "2g"))
        .config("spark.sql.shuffle.partitions", str(SHUFFLE_PARTITIONS))
        .config("spark.default.parallelism", str(SHUFFLE_PARTITIONS))
        .config("spark.ui.enabled", "false" if quiet else "true")
        .config("spark.ui.showConsoleProgress", "false" if quiet else "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{LOG_CONFIG}")
    )
    for key, value in (conf or {}).items():
        builder = builder.config(key, str(value))
    with _jvm_output_to_log():
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # Without a checkpoint directory ALS ignores checkpointInterval and long runs
    # die with StackOverflowError on their ever-growing lineage.
    spark.sparkContext.setCheckpointDir(checkpoints)
    atexit.register(shutil.rmtree, checkpoints, True)
    return spark


def _remove_leftovers() -> None:
    """Delete checkpoint folders of sessions whose process is gone (a killed kernel
    never runs its clean-up, and ALS checkpoints add up)."""
    for folder in Path(tempfile.gettempdir()).glob("paper2prod-checkpoints-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_spark() -> None:
    """Stop the active session, if any (the next get_spark starts a fresh one)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
