"""Lesson 07's nightly job (the reference answer of Exercise 1) and its plumbing in paper2prod.shipping.

The job is run the way a scheduler runs it: in a new process, with `python` or `spark-submit`,
judged by its exit code, its log and its output folder.
"""
import json
import logging
import os
import subprocess
import sys

import pandas as pd
import pytest

from paper2prod import shipping
from paper2prod.synthetic import make_ratings
from shipping_reference import reference_job


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return reference_job(tmp_path_factory.mktemp("job"))


def run(job, *args):
    """`python nightly_recs.py ARGS` as a scheduler would run it (no Spark is needed for early exits)."""
    return subprocess.run([sys.executable, str(job), *args], capture_output=True, text=True, timeout=600,
                          env=shipping.job_environment())


def test_usage_errors_exit_with_2(job, tmp_path):
    assert run(job, "--output", str(tmp_path), "--model-version", "v").returncode == 2, "--input is required"
    bad = run(job, "--input", "x.csv", "--output", str(tmp_path), "--model-version", "v", "--top-n", "0")
    assert bad.returncode == 2 and "top-n" in bad.stderr


def test_missing_input_and_existing_version_exit_early(job, tmp_path):
    missing = run(job, "--input", str(tmp_path / "none.csv"), "--output", str(tmp_path), "--model-version", "v")
    assert missing.returncode == 3
    assert "ERROR nightly_recs: input" in missing.stderr and "does not exist" in missing.stderr
    assert not (tmp_path / "v").exists()
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "run.json").write_text("{}")
    again = run(job, "--input", str(tmp_path / "none.csv"), "--output", str(tmp_path), "--model-version", "v")
    assert again.returncode == 4 and "already exists" in again.stderr
    assert (tmp_path / "v" / "run.json").read_text() == "{}", "an existing version is never touched"


@pytest.mark.spark
def test_spark_submit_writes_a_complete_version(job, tmp_path):
    ratings = make_ratings(3000, n_users=40, n_items=200, seed=9)
    ratings.to_csv(tmp_path / "ratings.csv", index=False)
    done = shipping.submit(job, ["--input", str(tmp_path / "ratings.csv"), "--output", str(tmp_path / "out"),
                                 "--model-version", "v1", "--top-n", "4", "--rank", "5", "--max-iter", "4"],
                           master="local[2]", log_file=tmp_path / "job.log")
    assert done.returncode == 0, shipping.job_log(done)[-3000:]
    assert "INFO nightly_recs: model version v1" in shipping.job_log(done, "nightly_recs")
    version = tmp_path / "out" / "v1"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["v1"], "no scratch folder is left"
    recs = shipping.read_recommendations(version / "recommendations")
    assert list(recs.columns) == ["userId", "rank", "movieId", "score"]
    assert (recs.groupby("userId").size() == 4).all()
    assert all(list(g["rank"]) == [1, 2, 3, 4] for _, g in recs.groupby("userId"))
    assert recs.groupby("userId")["score"].apply(lambda s: s.is_monotonic_decreasing).all()
    counts = ratings["movieId"].value_counts()
    assert (counts.reindex(recs["movieId"]).fillna(0) >= 5).all(), "only films with >= --min-ratings ratings"
    run_info = json.loads((version / "run.json").read_text())
    assert run_info["model_version"] == "v1" and run_info["master"] == "local[2]"
    assert run_info["ratings_read"] == len(ratings) and run_info["users"] == recs["userId"].nunique()
    assert 0.3 < run_info["rmse"] < 1.5 and run_info["params"]["top_n"] == 4
    assert len(run_info["fallback"]) == 4 and all(counts[m] >= 5 for m in run_info["fallback"])


@pytest.mark.spark
def test_bad_columns_and_lost_cluster_inside_one_session(job, tmp_path):
    """main() with a shared session, as the notebook calls it: bad input is 3, a lost cluster is 1."""
    pd.DataFrame({"user": [1], "film": [2], "stars": [4.0]}).to_csv(tmp_path / "wrong.csv", index=False)
    script = f"""
import json, logging
from paper2prod import shipping
from paper2prod.spark import get_spark
job = shipping.load_module({str(job)!r})
spark = get_spark("test")
class Lost:
    def __getattr__(self, name):
        raise RuntimeError("lost connection to the cluster")
base = ["--input", {str(tmp_path / 'wrong.csv')!r}, "--output", {str(tmp_path / 'out')!r}, "--model-version"]
with shipping.capture_logs("nightly_recs") as records:
    codes = [job.main(base + ["a"], spark=spark), job.main(base + ["b"], spark=Lost())]
    alive = spark.range(2).count()
print(json.dumps({{"codes": codes, "alive": alive,
                  "traceback": any(r.exc_info for r in records if r.levelno >= logging.ERROR)}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                          env=shipping.job_environment())
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"codes": [3, 1], "alive": 2, "traceback": True}
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_load_module_is_fresh_and_capture_logs_collects_quietly(tmp_path, capsys):
    module_file = tmp_path / "fresh_module.py"
    module_file.write_text("VALUE = 1\n")
    assert shipping.load_module(module_file).VALUE == 1
    module_file.write_text("VALUE = 2\n")  # same second, same size: a cached bytecode would be stale
    assert shipping.load_module(module_file).VALUE == 2
    assert sys.modules["fresh_module"].VALUE == 2
    logger = logging.getLogger("paper2prod-test")
    own = logging.StreamHandler(sys.stderr)
    logger.addHandler(own)
    try:
        with shipping.capture_logs("paper2prod-test") as records:
            logger.warning("hello %s", "there")
        assert [r.getMessage() for r in records] == ["hello there"]
        assert capsys.readouterr().err == "", "captured records must not reach stderr (nbgrader would fail the cell)"
        assert logger.handlers == [own] and logger.propagate, "the logger is restored afterwards"
    finally:
        logger.removeHandler(own)


def test_job_environment_is_loopback_only():
    env = shipping.job_environment("spark://127.0.0.1:7077")
    assert env["SPARK_LOCAL_IP"] == "127.0.0.1" and env["PAPER2PROD_SPARK_MASTER"] == "spark://127.0.0.1:7077"
    assert env["PYSPARK_PYTHON"] == sys.executable and "SPARK_HOME" not in env
    assert shipping.spark_submit().is_file()


def test_work_dir_is_fresh_and_removes_runs_of_dead_processes():
    first, second = shipping.work_dir("t"), shipping.work_dir("t")
    assert first != second and first.is_dir() and not any(first.iterdir())
    assert first.parent == second.parent and first.name.startswith(f"run-{os.getpid()}-")
    stale = first.parent / "run-999999999-abc"  # no such process
    (stale / "out").mkdir(parents=True)
    shipping.work_dir("t")
    assert not stale.exists() and first.is_dir(), "only runs of processes that are gone are removed"


def test_cluster_helper_reports_a_missing_tool(monkeypatch, tmp_path):
    monkeypatch.setattr(shipping, "CLUSTER_TOOL", tmp_path / "absent.py")
    done = shipping.cluster("start", tmp_path)
    assert done.returncode == 1 and "not found" in done.stderr
