"""The course's Spark standalone cluster (paper2prod/cluster.py): start it, run the nightly job of
lesson 07 on it, compare with local mode, stop it, and check that no process is left behind.

Every test starts its own cluster in a temporary state folder, so it never touches a cluster that a
person or a notebook started. When a cluster cannot start on this machine (no Java, a sandbox that
forbids listening sockets, far too slow), the tests skip with the reason instead of failing.
"""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from shipping_reference import reference_job

from paper2prod import cluster as spark_cluster
from paper2prod import shipping
from paper2prod.decision import Decision
from paper2prod.processes import alive
from paper2prod.synthetic import make_ratings

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.cluster  # required in CI: a skip fails there (conftest.py)


def start_or_skip(state_dir):
    try:
        return spark_cluster.start(state_dir)
    except spark_cluster.ClusterError as error:
        pytest.skip(f"a Spark standalone cluster cannot start here: {str(error)[:800]}")


def cli(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "paper2prod.cluster", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def gone(pid):
    """True when pid no longer runs (a zombie waiting for its parent to reap it counts as gone)."""
    return not alive(pid)


def assert_nothing_left(state_dir, pids):
    deadline = time.monotonic() + 10  # the kernel may need a moment to tear down a killed process
    while time.monotonic() < deadline and not all(gone(pid) for pid in pids):
        time.sleep(0.2)
    assert all(gone(pid) for pid in pids), f"daemons still running: {[p for p in pids if not gone(p)]}"
    assert spark_cluster.marked_processes(state_dir) == [], "a process of the cluster (an executor?) survived"


def assert_quiet(done):
    """The job's own log comes first, and no Spark INFO/WARN line anywhere: before the job's first line at
    most the JVM's own notice ("WARNING: Using incubator modules"), which Java prints before any logging
    is set up."""
    lines = shipping.job_log(done).splitlines()
    first = next((i for i, line in enumerate(lines) if "nightly_recs" in line), len(lines))
    spark_lines = [line for line in lines if (" INFO " in line or " WARN " in line) and "nightly_recs" not in line]
    assert first <= 1 and not spark_lines, (
        "the job's own log comes first, without Spark's start-up lines:\n" + "\n".join(lines[:10])
    )


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("paper2prod-cluster")
    assert script.is_file(), "pip install -e . installs the paper2prod-cluster command"
    done = subprocess.run(
        [str(script), "status", "--state-dir", "/nonexistent/cluster"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1 and "not running" in done.stdout


def test_status_of_nothing_and_usage_errors(tmp_path):
    done = cli("status", "--state-dir", str(tmp_path))
    assert done.returncode == 1 and "not running" in done.stdout
    assert cli("stop", "--state-dir", str(tmp_path)).returncode == 0, "stopping nothing is fine"
    assert cli("launch").returncode == 2
    assert spark_cluster.is_loopback("127.0.0.1") and spark_cluster.is_loopback("::ffff:127.0.0.1")
    assert not spark_cluster.is_loopback("0.0.0.0") and not spark_cluster.is_loopback("::")


def test_command_line_start_status_stop_on_loopback_only(tmp_path):
    state = tmp_path / "cluster"
    started = cli("start", "--state-dir", str(state))
    if started.returncode != 0:
        pytest.skip(f"a Spark standalone cluster cannot start here: {started.stderr[-800:]}")
    try:
        url = started.stdout.strip()
        assert re.fullmatch(r"spark://127\.0\.0\.1:\d+", url), url
        cluster = spark_cluster.read_state(state)
        assert cluster.master_url == url and set(cluster.pids) == {"master", "worker-1", "worker-2"}
        now = spark_cluster.status(state)
        assert now["running"] and now["alive_workers"] == 2, now
        assert now["listening"], "the daemons should listen on some ports"
        outside = [(a, p) for a, p in now["listening"] if not spark_cluster.is_loopback(a)]
        assert not outside, f"the cluster listens beyond 127.0.0.1: {outside}"
        report = cli("status", "--state-dir", str(state))
        assert report.returncode == 0 and "2 of 2 workers" in report.stdout, report.stdout
        again = cli("start", "--state-dir", str(state))
        assert again.returncode == 0 and again.stdout.strip() == url, "a second start returns the running cluster"
    finally:
        stopped = cli("stop", "--state-dir", str(state))
    assert stopped.returncode == 0 and "stopped 3 process(es)" in stopped.stdout, stopped.stdout + stopped.stderr
    assert cli("status", "--state-dir", str(state)).returncode == 1
    assert_nothing_left(state, list(cluster.pids.values()))
    assert (state / "logs" / "master.log").is_file(), "logs stay for a post-mortem"


def test_failed_start_leaves_nothing_behind(tmp_path):
    state = tmp_path / "cluster"
    with pytest.raises(spark_cluster.ClusterError, match="timed out"):
        spark_cluster.start(state, timeout=0.5, attempts=1)  # no JVM is ready within half a second
    assert spark_cluster.marked_processes(state) == []
    assert spark_cluster.read_state(state) is None


def test_job_on_the_cluster_gives_the_same_recommendations_as_local_mode(tmp_path):
    job = reference_job(tmp_path)
    ratings = tmp_path / "ratings.csv"
    make_ratings(3000, seed=5).to_csv(ratings, index=False)
    Decision(rank=6, min_ratings=5).save(tmp_path / "decision.json")  # lesson 07's job ships a decision file
    arguments = [
        "--input",
        str(ratings),
        "--output",
        str(tmp_path / "recs"),
        "--decision",
        str(tmp_path / "decision.json"),
        "--model-version",
    ]

    # Local mode first: spark-submit as a scheduler runs it, which must also be quiet (this is the suite's
    # one spark-submit of the job in local mode: every spark-submit costs a JVM and a whole job).
    local = shipping.submit(job, arguments + ["local"], master="local[2]", log_file=tmp_path / "local.log")
    assert local.returncode == 0, shipping.job_log(local)[-3000:]
    assert_quiet(local)
    assert "--driver-java-options" in local.command_line

    cluster = start_or_skip(tmp_path / "cluster")
    try:
        # Only the master URL changes: PAPER2PROD_SPARK_MASTER, which the job reads.
        on_cluster = shipping.submit(
            job, arguments + ["cluster"], master=cluster.master_url, log_file=tmp_path / "cluster.log"
        )
        seen_by_master = spark_cluster.master_json(cluster.web_ui) or {}
    finally:
        spark_cluster.stop(cluster.state_dir)
    assert_nothing_left(cluster.state_dir, list(cluster.pids.values()))
    assert on_cluster.returncode == 0, shipping.job_log(on_cluster)[-3000:]
    apps = seen_by_master.get("completedapps", []) + seen_by_master.get("activeapps", [])
    assert any(app.get("name") == "nightly-recs" for app in apps), "the master never saw the job"

    import json

    runs = {name: json.loads((tmp_path / "recs" / name / "run.json").read_text()) for name in ("cluster", "local")}
    assert runs["cluster"]["master"] == cluster.master_url and runs["local"]["master"] == "local[2]"
    for metric, local in runs["local"]["ranking"].items():
        assert runs["cluster"]["ranking"][metric] == pytest.approx(local, abs=1e-9), metric
    by_cluster = shipping.read_recommendations(tmp_path / "recs" / "cluster" / "recommendations")
    by_local = shipping.read_recommendations(tmp_path / "recs" / "local" / "recommendations")
    assert len(by_local) > 0
    assert by_cluster[["userId", "rank", "movieId"]].equals(by_local[["userId", "rank", "movieId"]]), (
        "same data and seed should give the same top-N on the cluster as in local mode"
    )
    assert (by_cluster["score"] - by_local["score"]).abs().max() < 1e-6
