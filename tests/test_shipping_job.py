"""Lesson 07's nightly job (the reference answer of Exercise 2), its serving module and its plumbing.

The job runs the way a scheduler runs it where that matters (a new process, judged by exit code, log
and output folder: `python` here, `spark-submit` in tests/test_spark_cluster.py, which runs it in local
mode and on a cluster); everything else calls `main` in this process with one shared Spark session,
which keeps the bad-input tests to a few seconds each.
"""

import ast
import json
import logging
import os
import subprocess
import sys
from dataclasses import replace

import nbformat
import pandas as pd
import pytest
from shipping_reference import NOTEBOOK, reference_job

from paper2prod import scratch, shipping
from paper2prod.decision import Decision

REFERENCE_DECISION = NOTEBOOK.parent / shipping.REFERENCE_DECISION
LESSON_06 = NOTEBOOK.parents[1] / "06-done-is-done" / "06-done-is-done.ipynb"


@pytest.fixture(scope="module")
def job_file(tmp_path_factory):
    return reference_job(tmp_path_factory.mktemp("job"))


@pytest.fixture(scope="module")
def job(job_file):
    return shipping.load_module(job_file, "nightly_recs")


@pytest.fixture(scope="module")
def spark():
    from paper2prod.spark import get_spark

    return get_spark("test-shipping")


@pytest.fixture(scope="module")
def world(tmp_path_factory, job, spark):
    """Good ratings, a small decision, and an output folder whose version v1 is served.

    Who rates what follows taste (shipping.taste_groups), so the decision's model meets the brief. Two
    users test the rules of the decision: user 2 rated only below the signal's floor (the model has no
    factors for them), and ten users' newest ratings are of film 9996, which only the refit can learn.
    """
    folder = tmp_path_factory.mktemp("world")
    ratings = shipping.taste_groups(3, 15, 25, 15, seed=9)
    below_floor = pd.DataFrame(
        {
            "userId": 2,
            "movieId": [7, 14, 21, 182, 189, 196],
            "rating": [1.0, 2.0, 3.0] * 2,
            "timestamp": 1_300_000_000 + pd.RangeIndex(6),
        }
    )
    first_users = sorted(ratings["userId"].unique())[:10]
    newest = pd.DataFrame({"userId": first_users, "movieId": 9996, "rating": 5.0, "timestamp": 1_500_000_000})
    ratings = pd.concat([ratings, below_floor, newest], ignore_index=True)
    ratings.to_csv(folder / "ratings.csv", index=False)
    # The floor signal leaves user 2 without factors, whatever signal lesson 06 chose.
    decision = replace(
        Decision.load(REFERENCE_DECISION),
        rank=4,
        max_iter=3,
        min_ratings=5,
        k=4,
        signal="ratings at or above the floor",
        rating_floor=3.5,
    )
    decision.save(folder / "decision.json")
    code = job.main(arguments(folder, "ratings.csv", "v1"), spark=spark)
    assert code == job.EXIT_OK
    return folder, ratings


def arguments(folder, input_name, version, output="out"):
    return [
        "--input",
        str(folder / input_name),
        "--output",
        str(folder / output),
        "--model-version",
        version,
        "--decision",
        str(folder / "decision.json"),
    ]


def run(job_file, *args):
    """`python nightly_recs.py ARGS` as a scheduler would run it (no Spark is needed for early exits)."""
    return subprocess.run(
        [sys.executable, str(job_file), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=shipping.job_environment(),
    )


def test_usage_errors_exit_with_2(job_file, tmp_path):
    base = ["--output", str(tmp_path), "--model-version", "v", "--decision", "d.json"]
    assert run(job_file, *base).returncode == 2, "--input is required"
    bad = run(job_file, "--input", "x.csv", *base, "--max-bad-share", "2")
    assert bad.returncode == 2 and "max-bad-share" in bad.stderr


def test_missing_input_and_existing_version_exit_early(job_file, tmp_path):
    args = [
        "--input",
        str(tmp_path / "none.csv"),
        "--output",
        str(tmp_path),
        "--model-version",
        "v",
        "--decision",
        str(REFERENCE_DECISION),
    ]
    missing = run(job_file, *args)
    assert missing.returncode == 3
    assert "ERROR nightly_recs: input" in missing.stderr and "does not exist" in missing.stderr
    assert not (tmp_path / "v").exists()
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "run.json").write_text("{}")
    again = run(job_file, *args)
    assert again.returncode == 4 and "already exists" in again.stderr and "--model-version" in again.stderr
    assert (tmp_path / "v" / "run.json").read_text() == "{}", "an existing version is never touched"


@pytest.mark.spark
def test_a_good_run_ships_the_decision_and_records_ranking_quality(world):
    folder, ratings = world
    version = folder / "out" / "v1"
    assert shipping.serving_version(folder / "out") == "v1", "the first version is served"
    recs = shipping.read_recommendations(version / "recommendations")
    assert list(recs.columns) == ["userId", "rank", "movieId", "score"]
    assert (recs.groupby("userId").size() == 4).all() and set(recs["userId"]) == set(ratings["userId"])
    assert recs.groupby("userId")["movieId"].nunique().eq(4).all(), "k different films each"
    rated = set(zip(ratings["userId"], ratings["movieId"]))
    assert not any(pair in rated for pair in zip(recs["userId"], recs["movieId"])), "never a film the user rated"
    counts = ratings["movieId"].value_counts()
    assert (counts.reindex(recs["movieId"]).fillna(0) >= 5).all(), "only eligible films"
    run_info = json.loads((version / "run.json").read_text())
    ndcg = run_info["ranking"]["ndcg@4"]
    assert ndcg["low"] <= ndcg["mean"] <= ndcg["high"] and ndcg["users"] == run_info["holdout"]["users"] > 0
    assert run_info["decision"]["min_ratings"] == 5 and run_info["decision"]["implicit"] is True
    assert run_info["contract"] == {"rows": len(ratings), "quarantined": 0, "reasons": {}}
    assert run_info["promotion"]["promoted"] is True and run_info["promotion"]["serving_before"] is None
    assert all(check["passed"] for name, check in run_info["brief"].items() if name != "on time"), run_info["brief"]
    assert "meets every criterion of the brief" in run_info["promotion"]["reason"]
    assert len(run_info["fallback"]) == 4 and all(counts[m] >= 5 for m in run_info["fallback"])
    assert Decision.load(version / "decision.json") == Decision.load(folder / "decision.json")


def bad_files(ratings):
    """name -> (file content, expected exit code, a phrase of the reason)."""
    good = ratings.to_csv(index=False)
    lines = good.splitlines()
    return {
        "wrong column": (ratings.rename(columns={"rating": "stars"}).to_csv(index=False), 3, "lacks column"),
        "every line malformed": (
            "\n".join([lines[0]] + [line.replace(",", ";") for line in lines[1:]]),
            3,
            "break the data contract",
        ),
        "no rows": (lines[0] + "\n", 3, "holds no ratings"),
        "duplicated batch": ("\n".join(lines + lines[1:]), 3, "unique pairs"),
        "0-10 scale": (ratings.assign(rating=(ratings["rating"] * 2).round()).to_csv(index=False), 3, "rating range"),
    }


@pytest.mark.spark
@pytest.mark.parametrize("case", ["wrong column", "every line malformed", "no rows", "duplicated batch", "0-10 scale"])
def test_bad_input_stops_with_one_line_and_changes_nothing(case, world, job, spark, capsys):
    folder, ratings = world
    content, expected, phrase = bad_files(ratings)[case]
    name = case.replace(" ", "-") + ".csv"
    (folder / name).write_text(content)
    before = sorted(p.name for p in (folder / "out").iterdir())
    capsys.readouterr()
    code = job.main(arguments(folder, name, "bad"), spark=spark)
    errors = [line for line in capsys.readouterr().err.splitlines() if " ERROR " in line]
    assert code == expected, f"{case}: exit code {code}"
    assert len(errors) == 1 and phrase in errors[0] and "serving v1 unchanged" in errors[0], errors
    assert sorted(p.name for p in (folder / "out").iterdir()) == before, "nothing half-written"
    assert shipping.serving_version(folder / "out") == "v1"


@pytest.mark.spark
def test_one_malformed_line_is_quarantined_and_the_run_goes_on(world, job, spark, capsys):
    folder, ratings = world
    lines = ratings.to_csv(index=False).splitlines()
    (folder / "one-bad.csv").write_text("\n".join(lines[:100] + ["12,oops"] + lines[100:]) + "\n")
    capsys.readouterr()
    assert job.main(arguments(folder, "one-bad.csv", "v1", output="other"), spark=spark) == job.EXIT_OK
    warnings = [line for line in capsys.readouterr().err.splitlines() if " WARNING " in line]
    assert len(warnings) == 1 and f"1 of {len(ratings) + 1} rows quarantined" in warnings[0], warnings
    version = folder / "other" / "v1"
    assert json.loads((version / "run.json").read_text())["contract"]["reasons"] == {"malformed line": 1}
    quarantine = pd.concat(pd.read_csv(p) for p in (version / "quarantine").glob("*.csv"))
    assert list(quarantine["reason"]) == ["malformed line"]


@pytest.mark.spark
def test_every_served_list_honours_every_rule_of_the_decision(world):
    """User 2 has no factors (every rating below the floor): the fallback ranking, minus what they rated."""
    from paper2prod.acceptance import (
        Brief,
        Delivery,
        check_every_user_served,
        check_nothing_already_rated,
        check_only_well_known,
    )

    folder, ratings = world
    version = folder / "out" / "v1"
    recs = shipping.read_recommendations(version / "recommendations")
    delivery = Delivery(recs[["userId", "movieId", "rank"]], json.loads((version / "run.json").read_text())["fallback"])
    brief = Brief(k=4, min_ratings=5)
    for check in (check_every_user_served, check_nothing_already_rated, check_only_well_known):
        assert check(delivery, ratings, brief) is None, check.__name__
    user_2 = recs[recs["userId"] == 2]
    assert len(user_2) == 4 and user_2["score"].isna().all(), "user 2's list comes from the fallback (no score)"
    assert not set(user_2["movieId"]) & set(ratings.loc[ratings["userId"] == 2, "movieId"])


@pytest.mark.spark
def test_a_promoted_model_is_refit_on_all_the_ratings(world):
    """Film 9996 is only in ten users' newest ratings (the holdout): the measured model cannot know it."""
    from pyspark.ml.recommendation import ALSModel

    folder, _ = world
    version = folder / "out" / "v1"
    served = set(ALSModel.load(str(version / "model")).itemFactors.toPandas()["id"])
    measured = set(ALSModel.load(str(version / "measured_model")).itemFactors.toPandas()["id"])
    assert 9996 in served and 9996 not in measured
    assert "refit on all the ratings" in json.loads((version / "run.json").read_text())["model"]


@pytest.mark.spark
def test_a_model_that_breaks_the_brief_is_not_served(world, job, spark, capsys):
    folder, _ = world
    narrow = replace(Decision.load(folder / "decision.json"), min_ratings=60)  # no film has 60 ratings
    narrow.save(folder / "narrow.json")
    argv = arguments(folder, "ratings.csv", "narrow")[:-1] + [str(folder / "narrow.json")]
    capsys.readouterr()
    assert job.main(argv, spark=spark) == job.EXIT_OK
    run_info = json.loads((folder / "out" / "narrow" / "run.json").read_text())
    assert run_info["promotion"]["promoted"] is False and "breaks the brief" in run_info["promotion"]["reason"]
    assert not run_info["brief"]["every user served"]["passed"]
    assert not (folder / "out" / "narrow" / "measured_model").exists(), "no refit for a model that was refused"
    assert "not promoted, v1 keeps serving" in capsys.readouterr().err
    assert shipping.serving_version(folder / "out") == "v1"


@pytest.mark.spark
def test_a_worse_challenger_is_refused_and_rollback_is_one_command(world, job, job_file, spark, capsys):
    folder, _ = world
    worse = replace(Decision.load(folder / "decision.json"), rank=1, max_iter=1)  # one factor cannot tell tastes
    worse.save(folder / "worse.json")
    argv = arguments(folder, "ratings.csv", "worse")[:-1] + [str(folder / "worse.json")]
    capsys.readouterr()
    assert job.main(argv, spark=spark) == job.EXIT_OK
    log_text = capsys.readouterr().err
    promotion = json.loads((folder / "out" / "worse" / "run.json").read_text())["promotion"]
    assert promotion["promoted"] is False and (
        "beyond the interval" in promotion["reason"] or "breaks the brief" in promotion["reason"]
    ), promotion
    assert "not promoted, v1 keeps serving" in log_text
    assert shipping.serving_version(folder / "out") == "v1"
    back = subprocess.run(
        [sys.executable, str(job_file.with_name("serving.py")), "--output", str(folder / "out"), "rollback", "worse"],
        capture_output=True,
        text=True,
        env=shipping.job_environment(),
    )
    assert back.returncode == 0 and shipping.serving_version(folder / "out") == "worse"
    missing = subprocess.run(
        [sys.executable, str(job_file.with_name("serving.py")), "--output", str(folder / "out"), "rollback", "v9"],
        capture_output=True,
        text=True,
        env=shipping.job_environment(),
    )
    assert missing.returncode == 3 and "v9" in missing.stderr
    assert {p.name for p in (folder / "out").iterdir()} >= {"v1", "worse"}, "rollback deletes nothing"


@pytest.mark.spark
def test_lost_cluster_is_a_failure_with_a_traceback(world, job):
    folder, _ = world

    class Lost:
        def __getattr__(self, name):
            raise RuntimeError("lost connection to the cluster")

    with shipping.capture_logs("nightly_recs") as records:
        assert job.main(arguments(folder, "ratings.csv", "lost"), spark=Lost()) == job.EXIT_FAILED
    assert any(r.exc_info for r in records if r.levelno >= logging.ERROR)
    assert not (folder / "out" / "lost").exists()


def test_reference_decision_is_lesson_06s_solution():
    """The reference decision released with 07 must say what lesson 06's solution decides."""
    reference = Decision.load(REFERENCE_DECISION)
    calls = [
        node
        for cell in nbformat.read(LESSON_06, as_version=4).cells
        if cell.cell_type == "code" and "Decision(" in cell.source
        for node in ast.walk(ast.parse(_python_only(cell.source)))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Decision"
    ]
    if not calls:
        pytest.skip("lesson 06's solution does not write a Decision yet")
    literal = {}
    for keyword in calls[-1].keywords:
        try:
            literal[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            pass  # computed in the notebook (a chosen rank, say): checked by running lesson 06
    differ = {
        name: (value, getattr(reference, name))
        for name, value in literal.items()
        if name != "source" and getattr(reference, name) != value
    }
    assert not differ, f"the reference decision drifted from lesson 06's solution: {differ}"
    # The computed settings (rank, signal, alpha) are compared with what a run of 06's solution wrote,
    # when one ran in this checkout (nbval and `make bench` run it).
    written = LESSON_06.parent / "decision.json"
    if written.is_file():
        ran = Decision.load(written)
        differ = {
            name: (getattr(ran, name), getattr(reference, name))
            for name in vars(reference)
            if name != "source" and getattr(ran, name) != getattr(reference, name)
        }
        assert not differ, f"lesson 06's solution decided otherwise than the reference decision: {differ}"


def _python_only(source):
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


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


def test_decision_file_prefers_lesson_06s(tmp_path):
    lesson_07 = tmp_path / "07-shipping"
    lesson_07.mkdir()
    assert shipping.decision_file(lesson_07) == lesson_07 / "reference_decision.json"
    Decision().save(tmp_path / "06-done-is-done" / "decision.json")
    assert shipping.decision_file(lesson_07) == tmp_path / "06-done-is-done" / "decision.json"


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
    third = shipping.work_dir("t")
    assert not stale.exists() and first.is_dir(), "only runs of processes that are gone are removed"
    for run in (first, second, third):  # the last removal takes the empty parent with it
        shipping.remove_work_dir(run)
    assert not first.parent.exists()


def test_a_dead_runs_folder_is_handed_to_before_removal_first():
    """Lesson 07 stops a cluster a dead run left; lesson 05 has nothing to stop (paper2prod/scratch.py)."""
    seen = []
    stale = scratch.user_temp_folder("t-tidy") / "run-999999999-abc"
    stale.mkdir()
    run = scratch.work_dir("t-tidy", seen.append)
    assert seen == [stale] and not stale.exists()
    scratch.remove_work_dir(run, seen.append)
    assert seen == [stale, run] and not run.parent.exists()


def test_remove_work_dir_removes_the_run_and_an_empty_parent():
    first, second = shipping.work_dir("t-remove"), shipping.work_dir("t-remove")
    (first / "out").mkdir()
    shipping.remove_work_dir(first)
    assert not first.exists() and second.is_dir(), "another run of the same notebook stays"
    shipping.remove_work_dir(second)
    assert not second.parent.exists(), "the last run removes the notebook's folder too"


def test_taste_groups_are_deterministic_and_follow_taste():
    ratings = shipping.taste_groups(3, 10, 20, 12, seed=4)
    assert ratings.equals(shipping.taste_groups(3, 10, 20, 12, seed=4))
    assert len(ratings) == 3 * 10 * 12 and not ratings.duplicated(["userId", "movieId"]).any()
    assert (ratings["userId"] % 3 == 0).all() and (ratings["movieId"] % 7 == 0).all(), "ids are not contiguous"
    group = (ratings["userId"] // 3 - 1) // 10
    own = (ratings["movieId"] // 7 - 1) // 20 == group
    assert (ratings.loc[own, "rating"] >= 3.5).all() and (ratings.loc[~own, "rating"] <= 3.0).all()
    assert 0.6 < own.mean() < 0.95
    with pytest.raises(ValueError):
        shipping.taste_groups(1)


def test_cluster_helper_runs_the_package_command_from_any_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no course repository needed: the cluster ships with the package
    done = shipping.cluster("status", tmp_path)
    assert done.returncode == 1 and "not running" in done.stdout
