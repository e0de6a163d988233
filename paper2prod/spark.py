"""One configured Spark session per notebook.

Environment variables (all optional):

    PAPER2PROD_SPARK_MASTER   master URL; default "local[*]" (spark://host:7077 for a cluster)
    PAPER2PROD_DRIVER_MEMORY  driver memory, default "2g" (applied before the JVM starts)
    PAPER2PROD_TEST           set to 1 by the test suite and the grader: UI and progress bars off
    PAPER2PROD_SPARK_LOG      file that receives the JVM's own output (default: kernel-PID.log in
                              the session folder; `spark_log_path()` tells which)

Each kernel's Spark files (its JVM log, and a scratch folder with its ALS checkpoints and everything
the JVM writes to its temp folder: block manager files, artifacts) live in one folder per user,
<temp>/paper2prod-spark-USER/ (`session_folder()`). A killed kernel never cleans up after itself (nor
does a JVM killed with it), so every new session removes what kernels that are gone left there:
scratch folders at once, logs once they are an hour old (a crash just now stays readable).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from paper2prod import preflight
from paper2prod.processes import alive
from paper2prod.scratch import user_temp_folder

LOOPBACK = "127.0.0.1"  # Spark binds to, and advertises, this address only

DEFAULT_MASTER = "local[*]"
SHUFFLE_PARTITIONS = 4  # Spark's default of 200 is for clusters; tiny tasks dominate on a laptop
ALS_BLOCKS = 2  # numUserBlocks / numItemBlocks: 2-4 beats the default 10 on a few cores
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
KEEP_DEAD_LOGS = 3600  # seconds a gone kernel's log stays, to read why it died
# Under test every notebook is run again and again (solutions, blank release, wrong answers), each in
# a JVM that lives a minute. There the JIT's optimising compiler and parallel GC threads cost more CPU
# than they save: the C1 compiler alone and the serial collector cut lesson 00's CPU by 40%, lesson
# 03's by 25%, at the same wall time (python -m tools.bench). C1's code is less inlined, so deep
# lineages need a bigger thread stack (lesson 05 overflowed the default). C1 alone gets a 48 MB code
# cache, which Spark's generated classes fill within one run of lesson 07's job: the JVM then flushes
# and recompiles the same methods for the rest of its life, so the cache is as large as tiered Java's.
# Students keep the defaults.
SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m -XX:+UseSerialGC -Xss16m"


def under_test() -> bool:
    return os.environ.get("PAPER2PROD_TEST", "") not in ("", "0") or os.environ.get("CI") == "true"


def java_options() -> str:
    """Options for the JVMs a notebook or job starts: the quiet log set-up; under test, SHORT_LIVED_JVM
    and the class archive (`make test` builds it) when there is one."""
    options = [f"-Dlog4j2.configurationFile=file:{LOG_CONFIG}"]
    if under_test():
        options.append(SHORT_LIVED_JVM)
        if os.environ.get(_DUMP_ARCHIVE_TO):
            options.append(f"-XX:ArchiveClassesAtExit={os.environ[_DUMP_ARCHIVE_TO]}")
        elif (archive := class_archive()).exists():
            # A JVM that cannot use it (another Java) runs without it; say so in the log, not the notebook.
            options.append(f"-XX:SharedArchiveFile={archive} -Xlog:cds*=off")
    return " ".join(options)


# ---------------------------------------------------------------- class-data sharing, under test
# Every Spark start loads and verifies the same ~10,000 classes; the suite starts Spark about 80
# times. A class-data-sharing archive of them, written once by a JVM as it exits, cuts each start's
# CPU by about a third (4-5 CPU seconds; python -m tools.bench).
_DUMP_ARCHIVE_TO = "PAPER2PROD_DUMP_CLASS_ARCHIVE"
_ARCHIVE_WORKLOAD = """
import pandas as pd
from pyspark.ml.recommendation import ALS
from paper2prod.spark import get_spark
spark = get_spark("class-archive")
frame = spark.createDataFrame(pd.DataFrame({"userId": [1, 1, 2, 2, 3], "movieId": [1, 2, 1, 3, 2],
                                            "rating": [4.0, 3.0, 5.0, 2.0, 1.0]}))
model = ALS(userCol="userId", itemCol="movieId", ratingCol="rating", rank=2, maxIter=2, seed=0).fit(frame)
model.transform(frame).groupBy("userId").count().toPandas()
model.recommendForAllUsers(2).collect()
spark.stop()
"""


def class_archive() -> Path:
    """Where the class archive of this Java and this Spark lives (it may not exist)."""
    import pyspark

    java = Path(preflight.find_java() or "java").resolve()
    made = java.stat().st_mtime_ns if java.exists() else 0
    # A JVM refuses an archive made with another class path: the jars of another pyspark install.
    jars = Path(pyspark.__file__).parent
    key = hashlib.sha256(f"{java}:{made}:{pyspark.__version__}:{jars}".encode()).hexdigest()[:12]
    return session_folder() / f"spark-classes-{key}.jsa"


def build_class_archive() -> Path:
    """Run a little of everything the lessons do in a JVM that writes its classes to the archive as it
    exits; keep the archive only once it is complete. Does nothing when it exists."""
    target = class_archive()
    if target.exists():
        return target
    partial = target.with_name(f"{target.stem}-{os.getpid()}.partial")
    env = {**os.environ, "PAPER2PROD_TEST": "1", _DUMP_ARCHIVE_TO: str(partial)}
    subprocess.run([sys.executable, "-c", _ARCHIVE_WORKLOAD], env=env, check=True, capture_output=True, timeout=600)
    partial.replace(target)  # atomic: a JVM never maps half an archive
    return target


def master_url() -> str:
    return os.environ.get("PAPER2PROD_SPARK_MASTER") or DEFAULT_MASTER


def _prepare_environment() -> None:
    # Workers must run the same Python as the notebook, and a laptop on a
    # strange network should not make Spark bind to an unreachable address.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", LOOPBACK)


def session_folder() -> Path:
    """<temp>/paper2prod-spark-USER: every kernel's JVM log and checkpoints, in one place."""
    return user_temp_folder("spark")


def spark_log_path() -> Path:
    default = session_folder() / f"kernel-{os.getpid()}.log"
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
    # The JVM's own temp files go here too: in the temp folder, those of a JVM killed with its kernel
    # (blockmgr-*, artifacts-*, spark-*) would stay for good.
    scratch = Path(tempfile.mkdtemp(prefix=f"jvm-{os.getpid()}-", dir=session_folder()))
    builder = (
        SparkSession.builder.appName(app_name)
        .master(master_url())
        .config("spark.driver.memory", os.environ.get("PAPER2PROD_DRIVER_MEMORY", "2g"))
        .config("spark.sql.shuffle.partitions", str(SHUFFLE_PARTITIONS))
        .config("spark.default.parallelism", str(SHUFFLE_PARTITIONS))
        .config("spark.ui.enabled", "false" if quiet else "true")
        .config("spark.ui.showConsoleProgress", "false" if quiet else "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.local.dir", str(scratch))
        .config("spark.driver.extraJavaOptions", f"{java_options()} -Djava.io.tmpdir={scratch}")
    )
    if quiet:  # executors are JVMs of their own on a cluster
        builder = builder.config("spark.executor.extraJavaOptions", SHORT_LIVED_JVM)
    for key, value in (conf or {}).items():
        builder = builder.config(key, str(value))
    with _jvm_output_to_log():
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # Without a checkpoint directory ALS ignores checkpointInterval and long runs
    # die with StackOverflowError on their ever-growing lineage.
    spark.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
    atexit.register(shutil.rmtree, scratch, True)
    return spark


# What a kernel leaves, with its process id: in the session folder, and (before there was one) in
# the temp folder itself.
_LEFT_BY_A_KERNEL = re.compile(
    r"^(?:paper2prod-)?(?:(?:jvm|checkpoints)-(?P<ckpt>\d+)-.*|(?:kernel|spark)-(?P<log>\d+)\.log)$"
)


def _remove_leftovers() -> None:
    """Delete what sessions whose process is gone left behind: scratch folders (ALS checkpoints add
    up) at once, JVM logs once they are KEEP_DEAD_LOGS old."""
    now = time.time()
    for place in (session_folder(), Path(tempfile.gettempdir())):
        for path in place.iterdir():
            match = _LEFT_BY_A_KERNEL.match(path.name)
            if not match or (place != session_folder() and not path.name.startswith("paper2prod-")):
                continue
            pid = int(match.group("ckpt") or match.group("log"))
            if alive(pid):
                continue
            with contextlib.suppress(OSError):
                if match.group("ckpt"):
                    shutil.rmtree(path, ignore_errors=True)
                elif now - path.stat().st_mtime > KEEP_DEAD_LOGS:
                    path.unlink()


if __name__ == "__main__":  # python -m paper2prod.spark archive   (`make test` runs it beside pytest)
    if sys.argv[1:] != ["archive"]:
        sys.exit("usage: python -m paper2prod.spark archive")
    print(f"Spark class archive: {build_class_archive()}")
