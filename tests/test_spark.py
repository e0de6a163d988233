"""The Spark session helper, in a subprocess so each test gets a fresh JVM."""

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.spark


def run(code, **env):
    import os

    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_session_is_small_quiet_and_checkpointed():
    done = run(
        """
        from paper2prod.spark import get_spark
        spark = get_spark("t")
        conf = spark.sparkContext.getConf()
        assert get_spark("again") is spark, "one session per process"
        assert spark.conf.get("spark.sql.shuffle.partitions") == "4"
        assert conf.get("spark.ui.enabled") == "false"
        assert conf.get("spark.ui.showConsoleProgress") == "false"
        assert conf.get("spark.driver.memory") == "1g"
        assert spark.sparkContext.getCheckpointDir()
        assert spark.sparkContext.master == "local[1]"
        # The JVM's temp files (blockmgr-*, artifacts-*) go to the kernel's scratch folder, removed with it.
        from pathlib import Path
        from paper2prod.spark import session_folder
        jvm_temp = Path(spark.sparkContext._jvm.System.getProperty("java.io.tmpdir"))
        assert jvm_temp.parent == session_folder() and jvm_temp.name.startswith("jvm-"), jvm_temp
        print(spark.range(10).count())
        """,
        PAPER2PROD_TEST="1",
        PAPER2PROD_DRIVER_MEMORY="1g",
        PAPER2PROD_SPARK_MASTER="local[1]",
    )
    assert done.stdout.strip() == "10"
    assert "incubator" not in done.stderr and "WARN" not in done.stderr, "JVM noise should go to the log"


def test_missing_java_gives_advice_not_a_py4j_trace():
    import os

    done = subprocess.run(
        [sys.executable, "-c", "from paper2prod.spark import get_spark; get_spark()"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "JAVA_HOME": "/nonexistent", "PATH": os.path.dirname(sys.executable)},
    )
    assert done.returncode != 0
    assert "PreflightError: Java was not found" in done.stderr and "py4j" not in done.stderr.lower()


def test_spark_loaders_use_explicit_schemas():
    run("""
        from paper2prod.spark import get_spark
        from paper2prod import data
        spark = get_spark("t")
        ratings = data.spark_ratings(spark)
        assert ratings.schema == data.ratings_schema() or [f.name for f in ratings.schema] == data.RATING_COLUMNS
        assert ratings.count() == 100836
        movies = data.spark_movies(spark)
        assert movies.count() == 9742
        assert movies.filter("movieId = 11").first().title == "American President, The (1995)"
        assert data.spark_ratings(spark, "ml-100k").count() == 100000
        train, test = data.spark_split(spark, "u2")
        assert train.count() + test.count() == 100000
        assert data.spark_movies(spark, "ml-100k").count() == 1682
        """)


def test_checkpoints_of_dead_sessions_are_removed(tmp_path, monkeypatch):
    import tempfile

    from paper2prod import spark

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / "paper2prod-checkpoints-999999999-abc"
    mine = tmp_path / f"paper2prod-checkpoints-{__import__('os').getpid()}-abc"
    dead.mkdir()
    mine.mkdir()
    spark._remove_leftovers()
    assert not dead.exists() and mine.exists()


def test_kernel_files_live_in_one_folder_and_dead_kernels_files_go(tmp_path, monkeypatch):
    import os
    import tempfile
    import time

    from paper2prod import spark

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("PAPER2PROD_SPARK_LOG", raising=False)
    folder = spark.session_folder()
    assert folder.parent == tmp_path and spark.spark_log_path() == folder / f"kernel-{os.getpid()}.log"
    hour_ago = time.time() - spark.KEEP_DEAD_LOGS - 60
    old_dead, new_dead = folder / "kernel-999999998.log", folder / "kernel-999999999.log"
    old_legacy, mine = tmp_path / "paper2prod-spark-999999997.log", folder / f"kernel-{os.getpid()}.log"
    for log in (old_dead, new_dead, old_legacy, mine):
        log.write_text("JVM output")
    for log in (old_dead, old_legacy, mine):
        os.utime(log, (hour_ago, hour_ago))
    dead_checkpoints, dead_scratch = folder / "checkpoints-999999999-abc", folder / "jvm-999999999-abc"
    mine_scratch = folder / f"jvm-{os.getpid()}-abc"
    for made in (dead_checkpoints, dead_scratch, mine_scratch):
        made.mkdir()
    spark._remove_leftovers()
    assert not old_dead.exists() and not old_legacy.exists() and not dead_checkpoints.exists()
    assert not dead_scratch.exists() and mine_scratch.exists()
    assert new_dead.exists(), "a crash just now stays readable"
    assert mine.exists(), "a live kernel's log stays"


def test_short_lived_jvm_options_only_under_test(monkeypatch, tmp_path):
    """Students' JVMs keep Java's defaults; under test a JVM gets SHORT_LIVED_JVM, and the class archive
    only once it exists."""
    from paper2prod import spark as course_spark

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("PAPER2PROD_DUMP_CLASS_ARCHIVE", raising=False)
    monkeypatch.setenv("PAPER2PROD_TEST", "0")
    assert course_spark.java_options() == f"-Dlog4j2.configurationFile=file:{course_spark.LOG_CONFIG}"
    monkeypatch.setenv("PAPER2PROD_TEST", "1")
    archive = tmp_path / "spark-classes.jsa"
    monkeypatch.setattr(course_spark, "class_archive", lambda: archive)
    assert course_spark.SHORT_LIVED_JVM in course_spark.java_options()
    assert "SharedArchiveFile" not in course_spark.java_options(), "no archive yet: the JVM must run without one"
    archive.write_bytes(b"")
    assert f"-XX:SharedArchiveFile={archive}" in course_spark.java_options()
    monkeypatch.setenv("PAPER2PROD_DUMP_CLASS_ARCHIVE", str(tmp_path / "new.jsa"))
    assert f"-XX:ArchiveClassesAtExit={tmp_path / 'new.jsa'}" in course_spark.java_options()
