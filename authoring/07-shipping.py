# %% [markdown]
# # Lesson 07 — Shipping: a nightly job, a real cluster, model versions, top-N on time, drift
#
# **Time:** about 90 minutes. **You need:** lessons 00–06 (ALS in Spark, the rating-count filter,
# the popularity fallback). Everything this notebook uses is built here again, so it runs on its own.
#
# ## Learning objectives
# By the end of this lesson you can:
# 1. turn notebook code into a batch job that `spark-submit` runs: command-line arguments, logging,
#    exit codes that mean something, output that is written completely or not at all;
# 2. run the very same job on a Spark standalone cluster by changing only the master URL, and check
#    that it gives the same recommendations as local mode;
# 3. save a model with its metadata under a versioned path, and refuse to load one that does not
#    match what the serving code expects;
# 4. serve precomputed top-N lists with a popularity fallback, and measure p50 and p99 latency
#    against scoring on demand;
# 5. measure drift month by month with a population stability index, and decide when to retrain;
# 6. write the runbook that lets a colleague keep all of this running.
#
# ## Why this lesson?
# A paper is finished when its table is printed. A recommender is finished... never: new ratings
# arrive every day, people join, films come out, machines fail. The notebook that produced last
# lesson's list becomes a program that runs every night without anybody watching it, on more than
# one machine once the data outgrows one, and it must tell somebody when it goes wrong. The model
# it writes must be traceable to the data that made it, the lists must reach a web page in a few
# milliseconds, and someone must notice when the world has moved on from the model. None of this
# changes the RMSE. All of it decides whether people get recommendations tomorrow.

# %%
import contextlib
import io
import json
import logging
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from pyspark.ml.evaluation import RegressionEvaluator
from pyspark.ml.recommendation import ALS, ALSModel
from pyspark.sql import functions as F
from tqdm.auto import tqdm

from paper2prod import data, shipping
from paper2prod.checks import expect, expect_close, expect_type, passed
from paper2prod.spark import ALS_BLOCKS, get_spark
from paper2prod.synthetic import make_ratings

SEED = 42
spark = get_spark("07-shipping")
WORK = shipping.work_dir("07-shipping")  # scratch space for this run, removed when the kernel stops
JOB_FILE = WORK / "nightly_recs.py"
print("Spark", spark.version, "| scratch folder:", WORK)

# %% [markdown]
# ## 1. From notebook to job
# In a notebook *you* are the scheduler, the logger and the alarm: you run the cells, read what they
# print, and notice when something looks odd. A nightly job has none of that. It is started by a
# scheduler (cron, Airflow, a CI system) at 2 a.m., and four things replace you:
#
# | in the notebook | in the job | why |
# |---|---|---|
# | variables at the top of a cell | **command-line arguments** (`--input`, `--output`, `--model-version`, `--master`) | the same code runs on today's file, tomorrow's file, a test file |
# | `print` | **logging**: timestamp, level, logger name, one line per event | logs are collected, searched and kept; levels separate "did X" from "X failed" |
# | you see the red traceback | **the exit code** | the scheduler reads nothing else: 0 means done, anything else raises an alert, and different codes ask for different actions |
# | you re-run a cell | **versioned, all-or-nothing output** | a half-written folder must never be served; a re-run must never silently overwrite what is already in use |
#
# The job below uses these exit codes. They are the contract with whoever is on call:
#
# | code | name | meaning | what the person on call does |
# |---|---|---|---|
# | 0 | `EXIT_OK` | new version written | nothing |
# | 1 | `EXIT_FAILED` | unexpected error (a bug, Spark died) | read the traceback in the log; retry once |
# | 2 | `EXIT_USAGE` | wrong arguments (argparse's own code) | fix the scheduler's command line |
# | 3 | `EXIT_BAD_INPUT` | input missing, empty, wrong columns | ask the people who deliver the data; do not retry |
# | 4 | `EXIT_OUTPUT_EXISTS` | this model version was already written | nothing was touched; pick a new version if a re-run is wanted |
#
# `spark-submit` runs a Python file as the driver of a Spark application:
# `spark-submit nightly_recs.py --input ... --output ... --model-version 2024-06-01`. Everything
# after the file name goes to the program's own arguments.

# %% [markdown]
# ## Exercise 1 — Write the job (5 points)
# The next cell writes the module `nightly_recs.py` into the scratch folder (that is what
# `%%writefile` does: the cell is not run, it is saved). The pipeline is given: reading the ratings
# (`read_ratings`), the rating-count filter and ALS from lessons 03–04 (`train_and_recommend`), and
# the all-or-nothing writer (`write_outputs`). Complete the two functions that make it a job:
#
# **`parse_args(argv)`** with `argparse`: required `--input`, `--output`, `--model-version`;
# optional `--master` (default: the environment variable `PAPER2PROD_SPARK_MASTER`, or `None` when it
# is not set), `--top-n` (default 10), `--rank` (10), `--max-iter` (10), `--reg-param` (0.1),
# `--min-ratings` (5), `--seed` (42) and `--log-level` (`INFO`). Use the given `positive_int` as the
# `type` of the counts, so that `--top-n 0` is a usage error (argparse then exits with code 2).
#
# **`main(argv=None, spark=None)`** returns an exit code and never raises (the one exception is a usage
# error, for which argparse itself exits with code 2):
# 1. parse the arguments and set up logging (`logging.basicConfig(...)`, then `log.setLevel(...)`);
#    log with `log.info`/`log.error`, never `print`;
# 2. if `OUTPUT/MODEL_VERSION` already exists, log an error and return `EXIT_OUTPUT_EXISTS`
#    **before** touching anything;
# 3. if the input path does not exist, log an error and return `EXIT_BAD_INPUT`;
# 4. use the `spark` session you were given, or start one with `start_spark(args.master)`; stop it
#    at the end **only if you started it** (the notebook passes its own session);
# 5. `read_ratings`, `train_and_recommend`, add `model_version`, `input`, `master` and `seconds` to
#    the summary, `write_outputs` to `OUTPUT/MODEL_VERSION`; log one line saying what was written;
# 6. map `BadInput` to `EXIT_BAD_INPUT`, any other exception to `EXIT_FAILED` (log it with
#    `log.exception`, which keeps the traceback), success to `EXIT_OK`.

# %% tags=["solution"] grade_id="ex1_job"
# %%writefile {JOB_FILE}
"""Nightly recommendations: train ALS on the latest ratings and write every user's top N.

    spark-submit nightly_recs.py --input ratings.csv --output recs --model-version 2024-06-01
    python nightly_recs.py --input ratings.csv --output recs --model-version v2 --master "local[2]"

Writes, all or nothing, OUTPUT/MODEL_VERSION/recommendations/ (parquet: userId, rank, movieId,
score) and OUTPUT/MODEL_VERSION/run.json (what ran, on which data, how well, the fallback list).
The exit code says what happened; see the EXIT_ constants.
"""
import argparse
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1  # anything unexpected (a bug, Spark died): read the log, fix, run again
EXIT_USAGE = 2  # wrong arguments (argparse exits with 2 by itself)
EXIT_BAD_INPUT = 3  # input missing, empty or without the right columns: fix the data, not the code
EXIT_OUTPUT_EXISTS = 4  # this model version was already written: nothing was touched

REQUIRED_COLUMNS = ["userId", "movieId", "rating"]
log = logging.getLogger("nightly_recs")


class BadInput(Exception):
    """The input cannot be used; the message says why."""


def start_spark(master):
    """A Spark session for the job; `master` None means "whatever spark-submit was told"."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("nightly-recs")
    if master:
        builder = builder.master(master)
    spark = builder.config("spark.sql.shuffle.partitions", "4").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def read_ratings(spark, path):
    """The ratings as a DataFrame (userId, movieId, rating); BadInput if unusable."""
    from pyspark.sql import functions as F

    header = spark.read.csv(str(path), header=True).columns
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise BadInput(f"{path} lacks column(s) {missing}; it has {header}")
    ratings = (spark.read.csv(str(path), header=True, mode="FAILFAST",
                              schema="userId INT, movieId INT, rating DOUBLE, timestamp LONG")
               .select(*REQUIRED_COLUMNS).where(F.col("rating").isNotNull()))
    if ratings.isEmpty():
        raise BadInput(f"{path} holds no ratings")
    return ratings


def train_and_recommend(ratings, args):
    """Fit ALS on films with at least args.min_ratings ratings; return (recommendations, summary)."""
    from pyspark.ml.evaluation import RegressionEvaluator
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import functions as F

    # Lesson 04's fix: a film needs min_ratings ratings before it may be recommended.
    counts = ratings.groupBy("movieId").count()
    kept = counts.where(F.col("count") >= args.min_ratings)
    usable = ratings.join(kept.select("movieId"), "movieId")
    train, test = usable.randomSplit([0.9, 0.1], seed=args.seed)
    train, test = train.cache(), test.cache()  # a random split must not be redrawn per action
    als = ALS(rank=args.rank, maxIter=args.max_iter, regParam=args.reg_param, seed=args.seed,
              userCol="userId", itemCol="movieId", ratingCol="rating", coldStartStrategy="drop",
              numUserBlocks=2, numItemBlocks=2)  # 2-4 blocks suit a few cores (ALS_BLOCKS in the course)
    model = als.fit(train)
    rmse = RegressionEvaluator(metricName="rmse", labelCol="rating").evaluate(model.transform(test))
    recommendations = (model.recommendForAllUsers(args.top_n)
                       .select("userId", F.posexplode("recommendations").alias("position", "item"))
                       .select("userId", (F.col("position") + 1).alias("rank"),
                               F.col("item.movieId").alias("movieId"), F.col("item.rating").alias("score")))
    # The fallback for people the model does not know: the most-rated films, as in lesson 04.
    fallback = [row.movieId for row in kept.orderBy(F.desc("count"), "movieId").limit(args.top_n).collect()]
    summary = {"ratings_read": ratings.count(), "ratings_used": train.count() + test.count(),
               "users": train.select("userId").distinct().count(), "films": kept.count(),
               "rmse": rmse, "fallback": fallback,
               "params": {name: getattr(args, name) for name in
                          ("rank", "max_iter", "reg_param", "seed", "min_ratings", "top_n")}}
    return recommendations, summary


def write_outputs(recommendations, summary, target):
    """Write into a scratch folder, then rename it into place: a crash never leaves half a version."""
    target = Path(target)
    scratch = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        recommendations.orderBy("userId", "rank").write.parquet(str(scratch / "recommendations"))
        (scratch / "run.json").write_text(json.dumps(summary, indent=1))
        scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def positive_int(text):
    """argparse type for counts: 1 or more."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def parse_args(argv=None):
    """The job's command line as an argparse.Namespace (argparse exits with code 2 on a mistake)."""
    ### BEGIN SOLUTION
    parser = argparse.ArgumentParser(prog="nightly_recs", description=__doc__.split("\n")[0])
    parser.add_argument("--input", required=True, help="ratings CSV (userId, movieId, rating, ...)")
    parser.add_argument("--output", required=True, help="folder with one subfolder per model version")
    parser.add_argument("--model-version", required=True, help="name of this run's output, e.g. a date")
    parser.add_argument("--master", default=os.environ.get("PAPER2PROD_SPARK_MASTER"),
                        help="Spark master URL (default: $PAPER2PROD_SPARK_MASTER, else spark-submit's)")
    parser.add_argument("--top-n", type=positive_int, default=10, help="recommendations per user")
    parser.add_argument("--rank", type=positive_int, default=10)
    parser.add_argument("--max-iter", type=positive_int, default=10)
    parser.add_argument("--reg-param", type=float, default=0.1)
    parser.add_argument("--min-ratings", type=positive_int, default=5,
                        help="ratings a film needs before it may be recommended")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser.parse_args(argv)
    ### END SOLUTION


def main(argv=None, spark=None):
    """Run the job and return an exit code (EXIT_...); only argparse may exit by itself (code 2)."""
    ### BEGIN SOLUTION
    args = parse_args(argv)
    # Other libraries (py4j, Spark's Python side) stay at WARNING; the job says what it does.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log.setLevel(args.log_level)
    target = Path(args.output) / args.model_version
    if target.exists():
        log.error("model version %s already exists in %s; nothing was changed", args.model_version, args.output)
        return EXIT_OUTPUT_EXISTS
    if not Path(args.input).exists():  # a local path here; on a cluster, ask HDFS or S3 instead
        log.error("input %s does not exist", args.input)
        return EXIT_BAD_INPUT
    started, own_session = time.time(), spark is None
    try:
        spark = spark or start_spark(args.master)
        log.info("model version %s: reading %s on %s", args.model_version, args.input, spark.sparkContext.master)
        ratings = read_ratings(spark, args.input)
        recommendations, summary = train_and_recommend(ratings, args)
        summary.update(model_version=args.model_version, input=str(args.input),
                       master=spark.sparkContext.master, seconds=round(time.time() - started, 1))
        target.parent.mkdir(parents=True, exist_ok=True)
        write_outputs(recommendations, summary, target)
    except BadInput as error:
        log.error("bad input: %s", error)
        return EXIT_BAD_INPUT
    except Exception:
        log.exception("model version %s failed", args.model_version)
        return EXIT_FAILED
    finally:
        if own_session and spark is not None:
            spark.stop()
    log.info("model version %s: %d users, RMSE %.3f, written to %s in %.0f s", args.model_version,
             summary["users"], summary["rmse"], target, summary["seconds"])
    return EXIT_OK
    ### END SOLUTION


if __name__ == "__main__":
    sys.exit(main())

# %% [markdown]
# The next check imports your file (run the cell above again after every edit) and tries the command
# line and the early exits. It passes the notebook's Spark session to `main`, as a test would.

# %% tags=["tests"] grade_id="ex1_cli_check" points=2
_job = shipping.load_module(JOB_FILE)
_args = _job.parse_args(["--input", "r.csv", "--output", "out", "--model-version", "v1"])
expect((_args.input, _args.output, _args.model_version) == ("r.csv", "out", "v1"),
       "parse_args should return an argparse Namespace with input, output and model_version "
       f"(from --input, --output, --model-version); got {vars(_args)}")
expect(_args.top_n == 10 and _args.min_ratings == 5 and _args.seed == 42,
       f"the defaults should be --top-n 10, --min-ratings 5, --seed 42; got {vars(_args)}")


def _usage_exit(argv):
    """The exit code argparse uses for this command line, or None if it is accepted."""
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            _job.parse_args(argv)
    except SystemExit as stop:
        return stop.code
    return None


_good = ["--input", "r.csv", "--output", "out", "--model-version", "v1"]
expect(_usage_exit(_good[2:]) == 2, "--input should be required: without it parse_args must stop with exit "
       "code 2 (argparse does this for you with required=True).")
expect(_usage_exit(_good + ["--top-n", "0"]) == 2, "--top-n 0 should be a usage error (exit code 2): "
       "use type=positive_int for the counts.")
_saved_master = os.environ.get("PAPER2PROD_SPARK_MASTER")
os.environ["PAPER2PROD_SPARK_MASTER"] = "spark://127.0.0.1:7077"
try:
    _from_env = _job.parse_args(_good).master
finally:
    os.environ.pop("PAPER2PROD_SPARK_MASTER")
    if _saved_master is not None:
        os.environ["PAPER2PROD_SPARK_MASTER"] = _saved_master
expect(_from_env == "spark://127.0.0.1:7077", "--master should default to the environment variable "
       f"PAPER2PROD_SPARK_MASTER (read it when parse_args runs); got {_from_env!r}. That is how a scheduler "
       "points the same command at a cluster.")
_missing = WORK / "no-such-ratings.csv"
with shipping.capture_logs("nightly_recs") as _records, contextlib.redirect_stderr(io.StringIO()):
    _code = _job.main(["--input", str(_missing), "--output", str(WORK / "out-missing"), "--model-version", "v1"],
                      spark=spark)
expect(_code == _job.EXIT_BAD_INPUT, f"main returned {_code!r} for an input file that does not exist; expected "
       "EXIT_BAD_INPUT (3), so that the person on call knows to look at the data, not the code.")
expect(any(r.levelno >= logging.ERROR for r in _records), "main should log an ERROR saying which input is missing "
       "(log.error(...)); the log is all the person on call will read.")
passed("arguments, defaults and the missing-input exit code")
### BEGIN HIDDEN TESTS
expect(_job.parse_args(_good + ["--master", "local[1]"]).master == "local[1]", "an explicit --master wins")
expect(_usage_exit(_good + ["--min-ratings", "-3"]) == 2, "--min-ratings must be a positive count")
_plain = _job.parse_args(_good)
expect(_plain.rank == 10 and _plain.max_iter == 10 and abs(_plain.reg_param - 0.1) < 1e-12,
       "defaults --rank 10 --max-iter 10 --reg-param 0.1")
expect(_usage_exit(["--input", "r.csv", "--output", "out"]) == 2, "--model-version should be required")
### END HIDDEN TESTS

# %% tags=["tests"] grade_id="ex1_run_check" points=3
_folder = Path(tempfile.mkdtemp(dir=WORK))
_ratings = make_ratings(2000, n_users=30, n_items=150, seed=21)
_ratings.to_csv(_folder / "ratings.csv", index=False)
_argv = ["--input", str(_folder / "ratings.csv"), "--output", str(_folder / "out"), "--model-version", "t1",
         "--top-n", "5", "--rank", "4", "--max-iter", "3"]
_job = shipping.load_module(JOB_FILE)
with shipping.capture_logs("nightly_recs") as _records, contextlib.redirect_stdout(io.StringIO()) as _printed, \
        contextlib.redirect_stderr(io.StringIO()):
    _code = _job.main(_argv, spark=spark)
_said = "\n".join(r.getMessage() for r in _records)
expect(_code == _job.EXIT_OK, f"main returned {_code!r} on good data; expected EXIT_OK (0). It logged:\n{_said}")
try:
    spark.range(3).count()
except Exception:
    raise AssertionError("main stopped the Spark session it was given: stop only a session main started itself "
                         "(run the first code cell again to get a new one).") from None
expect(_printed.getvalue() == "", f"main printed {_printed.getvalue()[:200]!r}: a job logs (log.info) instead of "
       "printing, so every line has a time and a level and lands in the scheduler's log.")
expect(any(r.levelno == logging.INFO for r in _records), "main should log at least one INFO line saying what it "
       "did (version, users, where it wrote); set the level with log.setLevel(args.log_level).")
_version = _folder / "out" / "t1"
expect((_version / "run.json").is_file() and (_version / "recommendations").is_dir(),
       f"{_version} should hold run.json and recommendations/ (use write_outputs).")
_recs = shipping.read_recommendations(_version / "recommendations")
expect(set(_recs.groupby("userId").size()) == {5}, "every user should get exactly --top-n (5) recommendations")
_run = json.loads((_version / "run.json").read_text())
expect(_run.get("model_version") == "t1" and "master" in _run and "seconds" in _run,
       "run.json should record model_version, master and seconds (add them to the summary before writing)")
_before = sorted((str(p), p.stat().st_mtime_ns) for p in _version.rglob("*"))
with shipping.capture_logs("nightly_recs") as _records, contextlib.redirect_stderr(io.StringIO()):
    _again = _job.main(_argv, spark=spark)
expect(_again == _job.EXIT_OUTPUT_EXISTS, f"a second run with the same --model-version returned {_again!r}: "
       "model version t1 already exists, so main must return EXIT_OUTPUT_EXISTS (4) and leave it untouched.")
expect(sorted((str(p), p.stat().st_mtime_ns) for p in _version.rglob("*")) == _before,
       "the second run changed files of version t1, which already exists: check for it before doing anything.")
pd.DataFrame({"user": [1, 2], "film": [3, 4], "stars": [4.0, 5.0]}).to_csv(_folder / "wrong.csv", index=False)
_wrong = ["--input", str(_folder / "wrong.csv"), "--output", str(_folder / "out"), "--model-version", "t2"]
with shipping.capture_logs("nightly_recs"), contextlib.redirect_stderr(io.StringIO()):
    _bad = _job.main(_wrong, spark=spark)
expect(_bad == _job.EXIT_BAD_INPUT, f"a CSV without userId/movieId/rating columns gave {_bad!r}; read_ratings "
       "raises BadInput, which main should turn into EXIT_BAD_INPUT (3).")
expect(not (_folder / "out" / "t2").exists(), "a failed run must not leave a t2 folder behind")
passed("the job writes its top-N, refuses to overwrite a version, and says what went wrong")
### BEGIN HIDDEN TESTS
_counts = _ratings["movieId"].value_counts()
expect(bool((_counts.reindex(_recs["movieId"]).fillna(0) >= 5).all()), "only films with >= 5 ratings")
expect(set(_recs["userId"]) <= set(_ratings["userId"]), "only known users")
expect(all(list(g["rank"]) == [1, 2, 3, 4, 5] for _, g in _recs.groupby("userId")), "ranks 1..N per user")
expect(bool(_recs.groupby("userId")["score"].apply(lambda s: s.is_monotonic_decreasing).all()), "best first")
expect(_run.get("users") == _recs["userId"].nunique(), "summary users matches the output")
expect(not [p for p in (_folder / "out").iterdir() if p.name.startswith(".")], "no scratch folder left")


class _LostCluster:
    """Stands in for a Spark session whose cluster has gone away."""

    def __getattr__(self, name):
        raise RuntimeError("lost connection to the cluster")


with shipping.capture_logs("nightly_recs") as _records, contextlib.redirect_stderr(io.StringIO()):
    try:
        _lost = _job.main(_argv[:5] + ["t3"], spark=_LostCluster())
    except Exception as _error:
        raise AssertionError(f"main raised {_error!r}; it should return EXIT_FAILED (1)") from None
expect(_lost == _job.EXIT_FAILED, f"an unexpected error should give EXIT_FAILED (1), got {_lost!r}")
expect(any(r.levelno >= logging.ERROR and r.exc_info for r in _records), "log.exception keeps the traceback")
### END HIDDEN TESTS

# %% [markdown]
# ### The job on the lesson's data, and its test
# A small generated data set (6,000 ratings, see `paper2prod.synthetic`) stands in for "today's
# ratings". The job runs here with the notebook's session; the log lines below are what a scheduler
# would keep.

# %%
JOB_DATA = WORK / "ratings.csv"
make_ratings(6000, seed=7).to_csv(JOB_DATA, index=False)
RECS_ROOT = WORK / "recommendations"
JOB_ARGS = ["--input", str(JOB_DATA), "--output", str(RECS_ROOT), "--seed", str(SEED), "--max-iter", "5"]
job = shipping.load_module(JOB_FILE)
local_code = job.main(JOB_ARGS + ["--model-version", "local"], spark=spark)
print("exit code", local_code)
for path in sorted((RECS_ROOT / "local").iterdir()):
    print(" ", path.relative_to(WORK))
print(json.dumps({k: v for k, v in json.loads((RECS_ROOT / "local" / "run.json").read_text()).items()
                  if k in ("ratings_read", "users", "films", "rmse", "seconds")}, indent=1))

# %% [markdown]
# A job also needs a test that runs in the project's continuous integration, so that a change that
# breaks it is caught before 2 a.m. Here is one: it generates data, runs `main` and checks what a
# consumer of the output relies on. `pytest` runs it right here, with this notebook's Spark session.

# %%
# %%writefile {WORK / "test_nightly_recs.py"}
"""CI tests for the nightly job, on generated data (no MovieLens download needed)."""
import pandas as pd
import pytest

import nightly_recs
from paper2prod.spark import get_spark
from paper2prod.synthetic import make_ratings


@pytest.fixture(scope="module")
def spark():
    return get_spark("07-shipping")  # the running session, or a new one when run from a terminal


def test_every_user_gets_top_n_well_rated_films(tmp_path, spark):
    ratings = make_ratings(1500, n_users=25, n_items=120, seed=3)
    ratings.to_csv(tmp_path / "ratings.csv", index=False)
    argv = ["--input", str(tmp_path / "ratings.csv"), "--output", str(tmp_path), "--model-version", "t",
            "--top-n", "3", "--max-iter", "2"]
    assert nightly_recs.main(argv, spark=spark) == nightly_recs.EXIT_OK
    recs = pd.read_parquet(tmp_path / "t" / "recommendations")
    assert (recs.groupby("userId").size() == 3).all()
    assert (ratings["movieId"].value_counts()[recs["movieId"]] >= 5).all(), "a film rated < 5 times slipped in"


def test_missing_input_is_bad_input(tmp_path, spark):
    argv = ["--input", str(tmp_path / "nothing.csv"), "--output", str(tmp_path), "--model-version", "t"]
    assert nightly_recs.main(argv, spark=spark) == nightly_recs.EXIT_BAD_INPUT

# %%
import pytest

(WORK / "pytest.ini").write_text("[pytest]\n")  # this folder is the test's whole project
sys.modules.pop("test_nightly_recs", None)  # a re-run must import the file afresh
with contextlib.redirect_stderr(io.StringIO()):
    outcome = pytest.main(["-q", "-p", "no:cacheprovider", str(WORK / "test_nightly_recs.py")])
print("pytest exit code:", int(outcome), "(0 means every test passed)")

# %% [markdown]
# ## 2. The same job on a real cluster
# Local mode runs everything in one Java process. A **Spark standalone cluster** spreads the work:
# - the **master** keeps the list of workers and hands out their cores and memory to applications;
# - each **worker** offers its machine's cores and memory, and starts **executors** (one Java process
#   per application) that run the tasks;
# - the **driver** is your program (here `nightly_recs.py`): it plans the work and sends tasks to the
#   executors. `spark-submit --master spark://HOST:PORT` (or our `--master` argument, or
#   `PAPER2PROD_SPARK_MASTER`) is all that tells it where the cluster is.
#
# The course ships a script that starts a small cluster on this machine, from the PySpark you have
# installed: one master and two workers with one core and 1 GB each, listening on the loopback
# address 127.0.0.1 only, so nothing outside your machine can reach them. In a terminal, from the
# course folder:
#
# ```
# python -m tools.spark_cluster start     # prints spark://127.0.0.1:PORT once both workers joined
# python -m tools.spark_cluster status
# python -m tools.spark_cluster stop      # stops the daemons and their executors; nothing stays behind
# ```
#
# ## Exercise 2 — Compare two runs (2 points)
# Write `compare_runs(local, cluster)` for two recommendation tables (pandas, columns `userId`,
# `rank`, `movieId`, `score`; rows in any order). Return a dict with
# - `"users"`: the number of distinct users in either table;
# - `"identical_lists"`: the number of users whose films, **in rank order**, are the same in both;
# - `"max_score_difference"`: the largest absolute difference of `score` over the (userId, movieId)
#   pairs present in both tables (0.0 if there are none).

# %% tags=["solution"] grade_id="ex2_compare"
def compare_runs(local, cluster):
    """How far apart two recommendation tables are (see above)."""
    ### BEGIN SOLUTION
    def ranked_lists(table):
        ordered = table.sort_values(["userId", "rank"])
        return {user: list(films) for user, films in ordered.groupby("userId")["movieId"]}

    first, second = ranked_lists(local), ranked_lists(cluster)
    users = set(first) | set(second)
    identical = sum(1 for user in users if first.get(user) == second.get(user))
    both = local.merge(cluster, on=["userId", "movieId"], suffixes=("_local", "_cluster"))
    difference = (both["score_local"] - both["score_cluster"]).abs().max() if len(both) else 0.0
    return {"users": len(users), "identical_lists": identical, "max_score_difference": float(difference)}
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex2_compare_check" points=2
_a = pd.DataFrame({"userId": [1, 1, 2, 2], "rank": [2, 1, 1, 2], "movieId": [20, 10, 30, 40],
                   "score": [4.0, 4.5, 4.2, 4.1]})
_same = compare_runs(_a, _a.sample(frac=1.0, random_state=1))
expect_type(_same, dict, "compare_runs(...)")
expect(_same.get("users") == 2 and _same.get("identical_lists") == 2,
       f"a table compared with itself (rows shuffled) should give users 2 and identical_lists 2; got {_same}. "
       "Sort each user's films by rank before comparing.")
expect_close(_same.get("max_score_difference", -1), 0.0, "max_score_difference of a table with itself")
_b = pd.DataFrame({"userId": [1, 1, 2, 2], "rank": [1, 2, 1, 2], "movieId": [20, 10, 30, 40],
                   "score": [4.5, 4.0, 4.25, 4.1]})
_swapped = compare_runs(_a, _b)
expect(_swapped.get("identical_lists") == 1, "user 1 has the same two films in the other order, which is a "
       f"different list; only user 2 is identical, so identical_lists should be 1; got {_swapped}. "
       "Compare lists in rank order, not sets.")
expect_close(_swapped.get("max_score_difference", -1), 0.5, "max_score_difference",
             hint="Match rows on userId and movieId: film 10 has 4.5 vs 4.0.")
passed("compare_runs")
### BEGIN HIDDEN TESTS
_c = pd.DataFrame({"userId": [3], "rank": [1], "movieId": [99], "score": [1.0]})
_extra = compare_runs(_a, pd.concat([_a, _c]))
assert _extra["users"] == 3 and _extra["identical_lists"] == 2, "a user in one table only is not identical"
_none = compare_runs(_a, _c)
assert _none["users"] == 3 and _none["identical_lists"] == 0 and _none["max_score_difference"] == 0.0
assert isinstance(compare_runs(_a, _b)["max_score_difference"], float)
### END HIDDEN TESTS

# %% [markdown]
# ### Run it on the cluster
# **⏱ Slow part, not counted in the lesson's 90-second budget.** The next cell starts three Java
# processes (master and two workers), then the job starts a driver and two executors: about half a
# minute on an idle two-core laptop, several minutes on a busy one. It is skipped, with the reason
# printed, when a cluster cannot start on this machine, or when the environment variable
# `PAPER2PROD_SKIP_CLUSTER=1` is set. It always stops the cluster it started.
#
# The job is submitted exactly as a scheduler would run it, with `spark-submit` in a new process;
# the only difference from a local run is the master URL.

# %%
cluster_started = time.perf_counter()
CLUSTER_STATE = WORK / "cluster"  # this run's own cluster: ports, process ids, daemon logs


def run_job_on_cluster():
    """Start the cluster, submit the job, always stop the cluster; return (recommendations or None, note)."""
    if os.environ.get("PAPER2PROD_SKIP_CLUSTER", "0") not in ("", "0"):
        return None, "skipped: PAPER2PROD_SKIP_CLUSTER is set"
    up = shipping.cluster("start", CLUSTER_STATE)
    if up.returncode != 0:
        return None, "skipped: a cluster could not start on this machine:\n" + (up.stderr or up.stdout)[-1500:]
    try:
        print(shipping.cluster("status", CLUSTER_STATE).stdout.strip())
        submitted = shipping.submit(JOB_FILE, JOB_ARGS + ["--model-version", "cluster"],  # same arguments
                                    master=up.stdout.strip(), log_file=WORK / "cluster-job.log")
    finally:
        down = shipping.cluster("stop", CLUSTER_STATE)
        print(down.stdout.strip() or down.stderr.strip())
    print("the same from a terminal (while a cluster runs):\n ", submitted.command_line)
    print(shipping.job_log(submitted, "nightly_recs"))
    if submitted.returncode != 0:
        return None, f"the job failed on the cluster with exit code {submitted.returncode}; log: {submitted.log_file}"
    ran_on = json.loads((RECS_ROOT / "cluster" / "run.json").read_text())["master"]
    return shipping.read_recommendations(RECS_ROOT / "cluster" / "recommendations"), f"the job ran on {ran_on}"


try:
    cluster_recs, cluster_note = run_job_on_cluster()
except Exception as error:  # a timeout, a missing tool: the lesson goes on without the cluster
    cluster_recs, cluster_note = None, f"skipped: {type(error).__name__}: {error}"
print(cluster_note)
print(f"cluster section: {time.perf_counter() - cluster_started:.0f} s (outside the lesson's time budget)")

# %%
local_recs = shipping.read_recommendations(RECS_ROOT / "local" / "recommendations")
if cluster_recs is None:
    print("No cluster run to compare with:", cluster_note.splitlines()[0])
else:
    comparison = compare_runs(local_recs, cluster_recs)
    print(comparison)
    print("identical top-N for every user" if comparison["identical_lists"] == comparison["users"]
          else "some lists differ: see the question below")

# %% [markdown]
# With the same data, the same seed and the same number of ALS blocks, the cluster computes the same
# thing as local mode: which rows go to which block depends on the ids and `numUserBlocks`, not on how
# many machines there are, and the random start of the factors depends only on the seed. When results
# do differ, it is usually by a rounding error in the last digits (sums added in a different order),
# which can swap two films whose scores are almost equal.
#
# ## Question — before a real cluster (2 points, graded by your instructor)
# The job worked on a cluster whose master, workers and driver all share one machine, one disk and
# one Python installation. Name **two** things that would break, or need changing, when the same
# command runs on a cluster of five machines, and for each say what you would do about it.

# %% [markdown] tags=["answer"] grade_id="q_real_cluster" points=2
# 1. Paths: `--input` and `--output` are local paths. On five machines each executor reads and writes
#    its own disk, so the input is missing on most of them and the output ends up scattered. Put both on
#    storage every machine sees (HDFS, S3, a shared NFS mount), and make the "does it exist" checks ask
#    that storage.
# 2. Environment: every worker needs the same Python, PySpark version and packages as the driver
#    (pin them, ship a container image or a packed environment with `--archives`), and the executors
#    must reach the driver over the network (so it cannot listen on 127.0.0.1 only).

# %% [markdown]
# ## 3. Model versions
# A recommendation list in production must be explainable weeks later: which model made it, trained on
# which data, with which settings, how good it was when it shipped. The answer is a **version**: a
# folder per model, never overwritten, with a metadata file next to the model. The serving code then
# checks that the model it is about to load is the one it was built for, and refuses a mismatch loudly
# instead of serving nonsense quietly.
#
# The rest of the lesson uses real data. The "production model" is trained on every ml-latest-small
# rating **before 1 January 2016**; the months after that play the future, arriving one by one.

# %%
# NBVAL_CHECK_OUTPUT
CUTOFF = pd.Timestamp("2016-01-01", tz="UTC")
MIN_RATINGS = 5  # lesson 04: a film needs this many ratings before it may be recommended
all_ratings = data.load_ratings("ml-latest-small")
all_ratings["month"] = pd.to_datetime(all_ratings["timestamp"], unit="s", utc=True).dt.strftime("%Y-%m")
history = all_ratings[all_ratings["timestamp"] < CUTOFF.timestamp()]
print(f"{len(history):,} ratings before {CUTOFF:%Y-%m-%d}, {len(all_ratings) - len(history):,} after")

# %%
ratings_sdf = data.spark_ratings(spark, "ml-latest-small")
history_sdf = ratings_sdf.where(F.col("timestamp") < int(CUTOFF.timestamp()))
film_counts = history_sdf.groupBy("movieId").count()
well_rated = film_counts.where(F.col("count") >= MIN_RATINGS)
training = history_sdf.join(well_rated.select("movieId"), "movieId")
fit_part, check_part = training.randomSplit([0.9, 0.1], seed=SEED)
fit_part, check_part = fit_part.cache(), check_part.cache()
PARAMS = {"rank": 10, "maxIter": 10, "regParam": 0.1, "seed": SEED, "min_ratings": MIN_RATINGS}
als = ALS(rank=PARAMS["rank"], maxIter=PARAMS["maxIter"], regParam=PARAMS["regParam"], seed=SEED,
          userCol="userId", itemCol="movieId", ratingCol="rating", coldStartStrategy="drop",
          numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS)
model = als.fit(fit_part)
rmse = RegressionEvaluator(metricName="rmse", labelCol="rating").evaluate(model.transform(check_part))
print(f"production model: RMSE {rmse:.3f} on a held-out 10% of the training period")

# %% [markdown]
# ## Exercise 3a — A fingerprint of the data (1 point)
# Write `fingerprint(ratings)`: the SHA-256 hex digest (64 characters) of a pandas ratings table's
# columns `userId`, `movieId`, `rating`, `timestamp`. The same ratings in another row order, with
# another index or with extra columns must give the same fingerprint; changing any rating must change
# it. *Hint:* keep the four columns, sort the rows by all four, then hash their CSV text
# (`to_csv(index=False).encode()`) with `hashlib.sha256`.

# %% tags=["solution"] grade_id="ex3_fingerprint"
import hashlib


def fingerprint(ratings):
    """SHA-256 (hex) of the ratings' content, independent of row order, index and other columns."""
    ### BEGIN SOLUTION
    columns = ["userId", "movieId", "rating", "timestamp"]
    ordered = ratings[columns].sort_values(columns)  # all four: no ties left for the input order to break
    return hashlib.sha256(ordered.to_csv(index=False).encode()).hexdigest()
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex3_fingerprint_check" points=1
_small = make_ratings(300, n_users=20, n_items=40, seed=5)
_print = fingerprint(_small)
expect(isinstance(_print, str) and len(_print) == 64 and all(c in "0123456789abcdef" for c in _print),
       f"fingerprint should return a 64-character hex string (hashlib.sha256(...).hexdigest()); got {_print!r}")
expect(fingerprint(_small.sample(frac=1.0, random_state=3)) == _print,
       "the same ratings in another row order gave another fingerprint: sort the rows before hashing.")
_changed = _small.copy()
_changed.loc[0, "rating"] = 5.5 - _changed.loc[0, "rating"]
expect(fingerprint(_changed) != _print, "changing one rating did not change the fingerprint: hash the ratings' "
       "content (all four columns).")
passed("fingerprint")
### BEGIN HIDDEN TESTS
_wider = _small.assign(title="x").set_index(np.arange(1000, 1000 + len(_small)))
assert fingerprint(_wider) == _print, "extra columns and another index must not change the fingerprint"
_later = _small.copy()
_later.loc[0, "timestamp"] += 1
assert fingerprint(_later) != _print, "the timestamp is part of the content"
assert fingerprint(history) == fingerprint(history.iloc[::-1]), "row order on real data"
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 3b — Save and load a version (3 points)
# Write two functions; `ModelMismatch` is given.
#
# **`save_model_version(model, root, version, metadata)`**: if the folder `root/version` already
# exists, raise `FileExistsError` (a version is never overwritten). Otherwise save the model into
# `root/version/model` (`model.write().save(path)`), then write `root/version/metadata.json`: the
# `metadata` dict plus `"version"` and `"created_at"` (the current UTC time,
# `datetime.now(timezone.utc).isoformat()`). Write the metadata **last**: its presence then means the
# version is complete. Return the version's folder as a `Path`.
#
# **`load_model_version(root, version, expected)`**: if `root/version/metadata.json` does not exist,
# raise `FileNotFoundError`. Read it; for every key of `expected` whose value differs from the
# metadata (or is missing), collect a line `key: expected ..., found ...`. If there is any, raise
# `ModelMismatch` whose message names the version and every such line. Otherwise return
# `(ALSModel.load(path_of_model), metadata)`.

# %% tags=["solution"] grade_id="ex3_versions"
class ModelMismatch(Exception):
    """The saved model is not the one the serving code expects."""


def save_model_version(model, root, version, metadata):
    """Save model and metadata under root/version; never overwrite. Returns the folder."""
    ### BEGIN SOLUTION
    folder = Path(root) / version
    if folder.exists():
        raise FileExistsError(f"model version {version} already exists in {root}; pick a new version")
    model.write().save(str(folder / "model"))
    record = {**metadata, "version": version, "created_at": datetime.now(timezone.utc).isoformat()}
    (folder / "metadata.json").write_text(json.dumps(record, indent=1, sort_keys=True))
    return folder
    ### END SOLUTION


def load_model_version(root, version, expected):
    """(model, metadata) for root/version, or ModelMismatch if the metadata differs from `expected`."""
    ### BEGIN SOLUTION
    folder = Path(root) / version
    metadata_file = folder / "metadata.json"
    if not metadata_file.is_file():
        raise FileNotFoundError(f"no complete model version {version} in {root} (metadata.json is missing)")
    metadata = json.loads(metadata_file.read_text())
    missing = object()
    problems = [f"{key}: expected {want!r}, found {metadata.get(key, '(missing)')!r}"
                for key, want in expected.items() if metadata.get(key, missing) != want]
    if problems:
        raise ModelMismatch(f"refusing to load model version {version}: " + "; ".join(problems))
    return ALSModel.load(str(folder / "model")), metadata
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex3_versions_check" points=3
_tiny = spark.createDataFrame(make_ratings(300, n_users=20, n_items=40, seed=2)[["userId", "movieId", "rating"]])
_tiny_model = ALS(rank=2, maxIter=2, seed=1, userCol="userId", itemCol="movieId", ratingCol="rating",
                  coldStartStrategy="drop", numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS).fit(_tiny)
_root = Path(tempfile.mkdtemp(dir=WORK))
_meta = {"data_sha256": "abc123", "params": {"rank": 2}, "metrics": {"rmse": 0.9}}
_folder = save_model_version(_tiny_model, _root, "v1", _meta)
expect(Path(_folder) == _root / "v1", f"save_model_version should return the folder root/version; got {_folder!r}")
expect((_root / "v1" / "metadata.json").is_file() and (_root / "v1" / "model").is_dir(),
       "root/v1 should hold model/ (model.write().save(...)) and metadata.json")
_saved = json.loads((_root / "v1" / "metadata.json").read_text())
expect(_saved.get("data_sha256") == "abc123" and _saved.get("params") == {"rank": 2} and _saved.get("version") == "v1",
       f"metadata.json should hold the metadata you were given plus version; got {_saved}")
try:
    _created = datetime.fromisoformat(str(_saved.get("created_at")))
except ValueError:
    raise AssertionError(f"created_at should be an ISO time such as 2024-06-01T02:00:00+00:00; got "
                         f"{_saved.get('created_at')!r}") from None
expect(_created.tzinfo is not None and abs((datetime.now(timezone.utc) - _created).total_seconds()) < 3600,
       f"created_at should be the current time in UTC, with its time zone; got {_created}")
try:
    save_model_version(_tiny_model, _root, "v1", _meta)
    _overwrote = True
except FileExistsError:
    _overwrote = False
expect(not _overwrote, "saving version v1 a second time should raise FileExistsError: never overwrite a version.")
_loaded, _loaded_meta = load_model_version(_root, "v1", {"data_sha256": "abc123", "params": {"rank": 2}})
expect(_loaded.rank == 2 and _loaded.userFactors.count() == _tiny_model.userFactors.count(),
       "load_model_version should return the saved ALSModel (ALSModel.load(root/version/model)) and its metadata")
try:
    load_model_version(_root, "v1", {"data_sha256": "zzz999"})
    _refused = ""
except ModelMismatch as _mismatch:
    _refused = str(_mismatch)
expect(_refused != "", "loading with expected data_sha256 'zzz999' (the model has 'abc123') must refuse: raise "
       "ModelMismatch instead of returning a model trained on other data.")
expect("data_sha256" in _refused and "zzz999" in _refused and "abc123" in _refused,
       f"the ModelMismatch message should name the field, the expected and the found value; got {_refused!r}")
passed("save, load and refuse")
### BEGIN HIDDEN TESTS
try:
    load_model_version(_root, "v1", {"data_sha256": "abc123", "params": {"rank": 3}, "schema": 2})
    raise AssertionError("a different rank and a missing key must be refused")
except ModelMismatch as _mismatch:
    assert "params" in str(_mismatch) and "schema" in str(_mismatch), "every mismatched key is named"
try:
    load_model_version(_root, "v9", {})
    raise AssertionError("a version that does not exist must raise FileNotFoundError")
except FileNotFoundError:
    pass
(_root / "v2" / "model").mkdir(parents=True)  # a crashed save: model folder, no metadata
try:
    load_model_version(_root, "v2", {})
    raise AssertionError("a version without metadata.json is incomplete and must not load")
except (FileNotFoundError, ModelMismatch):
    pass
### END HIDDEN TESTS

# %% [markdown]
# Now version the production model. The serving code carries what it expects (here: the data it was
# validated with and the settings); anything else is refused with a message that says what differs.

# %%
MODELS = WORK / "models"
model_metadata = {"data_sha256": fingerprint(history), "params": PARAMS, "metrics": {"rmse": round(rmse, 4)},
                  "trained_until": f"{CUTOFF:%Y-%m-%d}", "spark_version": spark.version}
save_model_version(model, MODELS, "2016-01-01", model_metadata)
print((MODELS / "2016-01-01" / "metadata.json").read_text())

serving_expects = {"data_sha256": model_metadata["data_sha256"], "params": PARAMS}
served_model, served_metadata = load_model_version(MODELS, "2016-01-01", serving_expects)
print("loaded version", served_metadata["version"], "created", served_metadata["created_at"])

# A serving build validated against the full data set (another fingerprint) must not use this model:
try:
    load_model_version(MODELS, "2016-01-01", {**serving_expects, "data_sha256": fingerprint(all_ratings)})
except ModelMismatch as refusal:
    print("refused, as it should be:\n ", refusal)

# %% [markdown]
# ## 4. Serving top-N within a latency budget
# A web page that shows "recommended for you" has a budget of a few tens of milliseconds for
# everything, so the recommender gets a few milliseconds at most, **for the slowest requests too**:
# one page in a hundred being slow is a page every few seconds on a busy site. That is why latency is
# reported as percentiles: p50 (the median request) and p99 (the slowest 1%).
#
# The cheapest way to be fast is to do the work before anybody asks: compute every user's top N in
# the nightly job and serve it from a plain lookup table (a Python dict here; a key-value store such
# as Redis in production). People the model does not know (new accounts) get the popularity
# fallback from lesson 04.

# %%
TOP_N = 10
top_n_table = (served_model.recommendForAllUsers(TOP_N)
               .select("userId", F.posexplode("recommendations").alias("position", "item"))
               .select("userId", (F.col("position") + 1).alias("rank"), F.col("item.movieId").alias("movieId"),
                       F.col("item.rating").alias("score"))
               .toPandas())
fallback = [row.movieId for row in well_rated.orderBy(F.desc("count"), "movieId").limit(TOP_N).collect()]
print(f"{top_n_table['userId'].nunique()} users x {TOP_N} films precomputed; fallback: {fallback}")

# %% [markdown]
# ## Exercise 4a — The lookup (2 points)
# Write `build_lookup(recommendations)`: from a table with columns `userId`, `rank`, `movieId` (rows
# in any order) return a dict `{userId: [movieId, ...]}` with each user's films **best rank first**.
#
# Write `recommend(lookup, fallback, user_id, n=10)`: the first `n` films of the user's list, or of
# `fallback` when the user is not in `lookup`. Return a **new** list each time: a caller that
# modifies what it got (say, removes a film already shown) must not change the table.

# %% tags=["solution"] grade_id="ex4_lookup"
def build_lookup(recommendations):
    """{userId: [movieId, ...] best first} from a userId, rank, movieId table."""
    ### BEGIN SOLUTION
    ordered = recommendations.sort_values(["userId", "rank"])
    return {int(user): [int(film) for film in films] for user, films in ordered.groupby("userId")["movieId"]}
    ### END SOLUTION


def recommend(lookup, fallback, user_id, n=10):
    """The user's top n films from the lookup, or the fallback's for an unknown user (a new list)."""
    ### BEGIN SOLUTION
    return list(lookup.get(user_id, fallback)[:n])
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex4_lookup_check" points=2
_table = pd.DataFrame({"userId": [7, 7, 7, 8], "rank": [3, 1, 2, 1], "movieId": [30, 10, 20, 40]})
_lookup = build_lookup(_table)
expect_type(_lookup, dict, "build_lookup(...)")
expect(_lookup.get(7) == [10, 20, 30] and _lookup.get(8) == [40],
       f"build_lookup should give {{7: [10, 20, 30], 8: [40]}} (films sorted by rank); got {_lookup}")
expect(recommend(_lookup, [1, 2, 3], 7, n=2) == [10, 20], "recommend(lookup, fallback, 7, n=2) should be the "
       f"user's first two films [10, 20]; got {recommend(_lookup, [1, 2, 3], 7, n=2)}")
expect(recommend(_lookup, [1, 2, 3], 99, n=2) == [1, 2], "an unknown user (99) should get the first n films of "
       f"the fallback, [1, 2]; got {recommend(_lookup, [1, 2, 3], 99, n=2)}. Use the fallback for unknown users.")
_given = recommend(_lookup, [1, 2, 3], 7, n=3)
_given.remove(10)
expect(recommend(_lookup, [1, 2, 3], 7, n=3) == [10, 20, 30], "changing a list that recommend returned changed "
       "the lookup table: return a new list (e.g. list(...)[:n]).")
passed("lookup with fallback")
### BEGIN HIDDEN TESTS
_fb = [1, 2, 3]
_x = recommend(_lookup, _fb, 99, n=3)
_x.append(4)
assert _fb == [1, 2, 3], "the fallback must not be changed through a returned list"
_real = build_lookup(top_n_table)
assert len(_real) == top_n_table["userId"].nunique()
_u = int(top_n_table["userId"].iloc[0])
assert _real[_u] == list(top_n_table[top_n_table["userId"] == _u].sort_values("rank")["movieId"])
assert recommend(_real, fallback, -1) == fallback[:10]
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 4b — p50 and p99 (1 point)
# Write `p50_p99(seconds)`: given the durations of many requests **in seconds**, return the tuple
# `(p50, p99)` **in milliseconds** (`np.percentile` does the work).

# %% tags=["solution"] grade_id="ex4_percentiles"
def p50_p99(seconds):
    """Median and 99th percentile of request durations, seconds in, milliseconds out."""
    ### BEGIN SOLUTION
    p50, p99 = np.percentile(np.asarray(seconds, dtype=float), [50, 99])
    return float(p50 * 1000), float(p99 * 1000)
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex4_percentiles_check" points=1
_durations = np.arange(1, 101) / 1000  # 1 ms, 2 ms, ..., 100 ms
_p = p50_p99(_durations)
expect(isinstance(_p, tuple) and len(_p) == 2, f"p50_p99 should return a tuple (p50, p99); got {_p!r}")
expect(50 <= _p[0] <= 51 and 99 <= _p[1] <= 100, f"for durations of 1, 2, ..., 100 ms the answer is about (50.5, 99) "
       f"milliseconds; got {_p}. Convert seconds to milliseconds, and take percentiles, not the mean.")
passed("percentiles")
### BEGIN HIDDEN TESTS
_skewed = p50_p99([0.001] * 98 + [0.1, 0.2])
assert abs(_skewed[0] - 1) < 1e-9 and 100 <= _skewed[1] <= 200, "a median ignores the slow tail; p99 sees it"
### END HIDDEN TESTS

# %% [markdown]
# ### Measure: lookup against scoring on demand
# 20,000 requests, one in ten from a user the model does not know. Three ways to answer them:
# 1. **lookup**: the precomputed table;
# 2. **NumPy on demand**: multiply the user's factors with every film's factors and pick the best 10,
#    inside the serving process;
# 3. **Spark on demand**: ask the model (`recommendForUserSubset`) for each request, as if the serving
#    code called Spark. This one is so slow that only three requests are timed (too few for a real p99).

# %%
lookup = build_lookup(top_n_table)
rng = np.random.default_rng(SEED)
known_users = np.array(sorted(lookup))
requests = np.where(rng.random(20_000) < 0.9, rng.choice(known_users, 20_000), rng.integers(10**6, 2 * 10**6, 20_000))

user_factors = served_model.userFactors.toPandas()
item_factors = served_model.itemFactors.toPandas()
user_row = {int(u): i for i, u in enumerate(user_factors["id"])}
U = np.vstack(user_factors["features"].to_numpy())
V = np.vstack(item_factors["features"].to_numpy())
item_ids = item_factors["id"].to_numpy()


def numpy_on_demand(user_id, n=TOP_N):
    """Score every film for one user now (dot products), best n; fallback if unknown."""
    row = user_row.get(int(user_id))
    if row is None:
        return list(fallback[:n])
    scores = V @ U[row]
    best = np.argpartition(-scores, n)[:n]
    return [int(i) for i in item_ids[best[np.argsort(-scores[best])]]]


def spark_on_demand(user_id, n=TOP_N):
    users = spark.createDataFrame([(int(user_id),)], ["userId"])
    rows = served_model.recommendForUserSubset(users, n).collect()
    return [r.movieId for r in rows[0].recommendations] if rows else list(fallback[:n])


def time_each(serve, user_ids, label):
    """Seconds per request, measured around the call only."""
    seconds = np.empty(len(user_ids))
    for i, user_id in enumerate(tqdm(user_ids, desc=label, mininterval=1.0)):
        start = time.perf_counter()
        serve(user_id)
        seconds[i] = time.perf_counter() - start
    return seconds


latency = {"lookup": time_each(lambda u: recommend(lookup, fallback, int(u)), requests, "lookup"),
           "NumPy on demand": time_each(numpy_on_demand, requests[:2000], "NumPy"),
           "Spark on demand": time_each(spark_on_demand, requests[:3], "Spark")}
summary = pd.DataFrame({name: p50_p99(s) for name, s in latency.items()}, index=["p50 (ms)", "p99 (ms)"]).T
summary["requests"] = [len(s) for s in latency.values()]
print(summary.round(4))
agree = sum(numpy_on_demand(u) == lookup[u] for u in known_users[:50])
print(f"on-demand NumPy gives the precomputed list for {agree} of 50 users "
      "(a difference would be two films with nearly equal scores)")

# %%
fig, ax = plt.subplots(figsize=(7, 3))
positions = np.arange(len(summary))
ax.barh(positions - 0.2, summary["p50 (ms)"], height=0.4, label="p50", color="#3b75af")
ax.barh(positions + 0.2, summary["p99 (ms)"], height=0.4, label="p99", color="#ef8636")
ax.axvline(5, color="grey", linestyle="--", label="a 5 ms budget")
ax.set(xscale="log", yticks=positions, yticklabels=summary.index, xlabel="latency per request (ms, log scale)",
       title="Serving top-10: precomputed lookup vs scoring on demand")
ax.invert_yaxis()
ax.legend(loc="lower right")
plt.tight_layout()
plt.show()
print(f"Spark on demand is about {summary.loc['Spark on demand', 'p50 (ms)'] / summary.loc['lookup', 'p50 (ms)']:,.0f} "
      "times slower than the lookup at the median (timings are noisy on a shared machine; ratios are what count)")

# %% [markdown]
# The lookup answers in microseconds, whoever asks. NumPy on demand is fine here, with ten thousand
# films in memory, but its cost grows with the catalogue and it needs the model inside the serving
# process. Spark is a batch engine: planning and scheduling a job costs far more than the arithmetic,
# so it belongs in the nightly job, never in a request. The price of precomputing is freshness: a
# rating given this morning changes the list only after tonight's run.
#
# ## 5. Watching for drift
# The model learned from ratings up to December 2015. Every month after that, people rate differently,
# join and leave, and new films come out that the model has never seen and so can never recommend. Two
# questions, asked every month: **does this month look like what the model learned from?** and **is
# the model still recommending what people watch?**
#
# A common score for the first question is the **population stability index** (PSI). Put the values
# into bins (here the ten rating values 0.5, 1.0, ..., 5.0); let $e_i$ be the share of the reference
# period's ratings in bin $i$ and $a_i$ the share of this month's. Then
# $$\mathrm{PSI} = \sum_i (a_i - e_i)\,\ln\frac{a_i}{e_i}.$$
# It is 0 for identical distributions and grows as they part. A common rule of thumb: below 0.1 no
# real change, 0.1–0.25 worth watching, above 0.25 a major shift. An empty bin would make the log
# infinite, so shares are floored at a small number first.
#
# ## Exercise 5a — PSI (2 points)
# Write `psi(reference_counts, current_counts, floor=1e-4)`: both arguments are counts per bin (same
# bins, same order). Turn each into shares (divide by its total), raise every share below `floor` to
# `floor`, and return the PSI as a float.

# %% tags=["solution"] grade_id="ex5_psi"
def psi(reference_counts, current_counts, floor=1e-4):
    """Population stability index between two histograms given as counts per bin."""
    ### BEGIN SOLUTION
    reference = np.asarray(reference_counts, dtype=float)
    current = np.asarray(current_counts, dtype=float)
    expected_share = np.maximum(reference / reference.sum(), floor)
    actual_share = np.maximum(current / current.sum(), floor)
    return float(np.sum((actual_share - expected_share) * np.log(actual_share / expected_share)))
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex5_psi_check" points=2
expect_close(psi([10, 20, 30], [10, 20, 30]), 0.0, "psi of a histogram with itself", tol=1e-12)
_hand = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)  # shares 0.5/0.5 vs 0.25/0.75
expect_close(psi([50, 50], [25, 75]), _hand, "psi([50, 50], [25, 75])", tol=1e-9,
             hint="Sum (a - e) * ln(a / e) over the bins, with a and e the shares of each histogram.")
expect_close(psi([500, 500], [250, 750]), _hand, "psi([500, 500], [250, 750])", tol=1e-9,
             hint="Ten times the counts is the same distribution: divide each histogram by its total (use shares).")
_empty_bin = psi([10, 0], [5, 5])
expect(np.isfinite(_empty_bin) and _empty_bin > 0, f"psi([10, 0], [5, 5]) should be a finite positive number; got "
       f"{_empty_bin}. Raise shares below the floor to the floor before taking the log.")
passed("psi")
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(3)
_e, _a = _r.integers(1, 100, 10), _r.integers(1, 100, 10)
_es, _as = _e / _e.sum(), _a / _a.sum()
assert abs(psi(_e, _a) - float(np.sum((_as - _es) * np.log(_as / _es)))) < 1e-9, "independent formula"
assert abs(psi(_e, _a) - psi(_a, _e)) < 1e-9, "PSI is symmetric"
_fl = np.maximum(np.array([1.0, 0.0]), 0.01)
assert abs(psi([10, 0], [5, 5], floor=0.01) - float(np.sum((0.5 - _fl) * np.log(0.5 / _fl)))) < 1e-9, "floor"
assert isinstance(psi([1, 2], [2, 1]), float)
### END HIDDEN TESTS

# %% [markdown]
# Now the monthly table, from January 2016 on. The reference is the last twelve months the model
# learned from (2015). Besides the PSI of the rating values, two product signals:
# - `unseen_share`: the share of the month's ratings for films the model does not know (new films, or
#   too few ratings before the cut-off); it can never recommend them;
# - `recommended_share`: the share of the month's ratings for films that appear in somebody's
#   precomputed top 10, i.e. how much attention the films we recommend still get.

# %%
RATING_BINS = np.arange(1, 11) / 2  # 0.5, 1.0, ..., 5.0


def rating_counts(frame):
    return frame["rating"].value_counts().reindex(RATING_BINS, fill_value=0).to_numpy()


cutoff_month = f"{CUTOFF:%Y-%m}"
reference = history[history["month"] >= f"{CUTOFF.year - 1}-{CUTOFF.month:02d}"]
model_films = set(item_ids.tolist())
recommended_films = set(top_n_table["movieId"])
later = all_ratings[all_ratings["month"] >= cutoff_month]


def month_row(frame):
    return {"n_ratings": len(frame), "n_users": frame["userId"].nunique(),
            "psi": psi(rating_counts(reference), rating_counts(frame)),
            "unseen_share": float((~frame["movieId"].isin(model_films)).mean()),
            "recommended_share": float(frame["movieId"].isin(recommended_films).mean())}


drift = pd.DataFrame({month: month_row(frame) for month, frame in later.groupby("month")}).T
drift = drift.astype({"n_ratings": int, "n_users": int})
baseline = month_row(reference)
print(f"reference year: {baseline['n_ratings']:,} ratings, unseen share {baseline['unseen_share']:.1%}, "
      f"recommended share {baseline['recommended_share']:.1%}")
drift.head(8).round(3)

# %% [markdown]
# ## Exercise 5b — When to retrain (2 points)
# A single bad month should not wake anybody up, and a month with a handful of ratings proves
# nothing. Write `retrain_month(drift, psi_limit=0.25, unseen_limit=0.2, min_ratings=200,
# months_in_a_row=2)`. `drift` is a table like the one above: one row per month **in time order**,
# indexed by month, with columns `n_ratings`, `psi` and `unseen_share`.
# - A month with fewer than `min_ratings` ratings is **skipped**: it neither raises nor clears an alarm.
# - Any other month raises an alarm when `psi > psi_limit` or `unseen_share > unseen_limit`, and
#   clears the alarms otherwise.
# - Return the index label of the month that completes the first run of `months_in_a_row` alarms
#   among the months that are not skipped; return `None` if that never happens.

# %% tags=["solution"] grade_id="ex5_retrain"
def retrain_month(drift, psi_limit=0.25, unseen_limit=0.2, min_ratings=200, months_in_a_row=2):
    """The first month at which the drift rule says "retrain", or None."""
    ### BEGIN SOLUTION
    streak = 0
    for month, row in drift.iterrows():
        if row["n_ratings"] < min_ratings:
            continue  # too few ratings to judge either way
        alarm = row["psi"] > psi_limit or row["unseen_share"] > unseen_limit
        streak = streak + 1 if alarm else 0
        if streak >= months_in_a_row:
            return month
    return None
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex5_retrain_check" points=2
_table = pd.DataFrame({"n_ratings": [500, 500, 500, 500], "psi": [0.3, 0.05, 0.3, 0.3],
                       "unseen_share": [0.0, 0.0, 0.0, 0.0]}, index=["m1", "m2", "m3", "m4"])
expect(retrain_month(_table) == "m4", f"alarms in m1, m3, m4 (m2 is calm): the first two in a row end at m4; got "
       f"{retrain_month(_table)!r}. A calm month starts the count again.")
expect(retrain_month(_table, months_in_a_row=1) == "m1", "with months_in_a_row=1 the first alarm (m1) is the answer")
expect(retrain_month(_table.assign(psi=0.1)) is None, "no alarm at all should return None")
_small_gap = pd.DataFrame({"n_ratings": [500, 50, 500], "psi": [0.3, 0.0, 0.3], "unseen_share": [0.0, 0.0, 0.0]},
                          index=["a", "b", "c"])
expect(retrain_month(_small_gap) == "c", f"month b has fewer than min_ratings ratings, so it is skipped: a and c "
       f"are two alarms in a row, and the answer is 'c'; got {retrain_month(_small_gap)!r}.")
passed("retrain rule")
### BEGIN HIDDEN TESTS
_unseen = pd.DataFrame({"n_ratings": [300, 300], "psi": [0.0, 0.0], "unseen_share": [0.3, 0.25]}, index=[1, 2])
assert retrain_month(_unseen) == 2, "the unseen share alone raises alarms"
assert retrain_month(_unseen, unseen_limit=0.27) is None, "limits are strict (>) and respected"
_tiny_months = pd.DataFrame({"n_ratings": [100, 100, 100], "psi": [1.0, 1.0, 1.0], "unseen_share": [0.9] * 3},
                            index=["x", "y", "z"])
assert retrain_month(_tiny_months) is None, "months below min_ratings never count"
assert retrain_month(_tiny_months, min_ratings=100) == "y", "min_ratings is inclusive"
assert retrain_month(_table, psi_limit=0.3) is None, "psi equal to the limit is not an alarm"
### END HIDDEN TESTS

# %%
decision = retrain_month(drift)
print("the rule says: retrain in", decision)
months = list(drift.index)
x = np.arange(len(months))
judged = drift["n_ratings"].to_numpy() >= 200
fig, axes = plt.subplots(3, 1, figsize=(10, 7), sharex=True)
axes[0].bar(x, drift["n_ratings"], color=np.where(judged, "#3b75af", "#bbbbbb"))
axes[0].set(ylabel="ratings", title="ml-latest-small after the model's cut-off (grey: too few ratings to judge)")
axes[1].plot(x, drift["psi"], color="#888888", linewidth=0.8)
axes[1].scatter(x[judged], drift["psi"][judged], color="#3b75af", zorder=3, label="judged months")
axes[1].scatter(x[~judged], drift["psi"][~judged], facecolors="none", edgecolors="#888888", label="skipped")
axes[1].axhline(0.25, color="#d62728", linestyle="--", label="major shift (0.25)")
axes[1].axhline(0.1, color="#ef8636", linestyle=":", label="worth watching (0.1)")
axes[1].set(ylabel="PSI of ratings")
axes[1].legend(fontsize=8, ncol=4, loc="upper right")
axes[2].plot(x, drift["unseen_share"], marker="o", markersize=3, label="ratings of films the model does not know")
axes[2].plot(x, drift["recommended_share"], marker="s", markersize=3, label="ratings of films we recommend")
axes[2].axhline(0.2, color="#d62728", linestyle="--", label="unseen limit (0.2)")
axes[2].set(ylabel="share of the month's ratings", xlabel="month")
axes[2].legend(fontsize=8, loc="upper left")
if decision is not None:
    for ax in axes:
        ax.axvline(months.index(decision), color="black", linewidth=1)
    axes[0].annotate(" retrain", (months.index(decision), axes[0].get_ylim()[1] * 0.85))
axes[2].set_xticks(x[::3], [months[i] for i in x[::3]], rotation=45, ha="right")
plt.tight_layout()
plt.show()

# %% [markdown]
# Read the plot before trusting any single number. ml-latest-small has only about a dozen people
# rating in a typical month, so the PSI of a month measures *who* rated as much as *how* people rate:
# one enthusiast's 300 ratings move it past 0.25 on their own. That is why the rule needs a minimum
# sample and two alarms in a row, and why the product signal matters: the share of ratings for films the
# model cannot recommend creeps up as new films come out, whatever the noise. On a real service with
# millions of ratings a month the PSI is stable, and then a jump really is news (a changed rating
# widget, a bug in the export, a new audience).
#
# Retraining is cheap here, so the decision is mostly about the cost of being wrong: retraining too
# often costs compute and makes lists jump for users; too rarely, and the lists ignore every film
# released since the cut-off. Many teams retrain on a fixed schedule (nightly, like our job) **and**
# watch drift, so that an alarm means "something changed in the data", not "it is time".
#
# ## 6. Maintenance: the runbook (4 points, graded by your instructor)
# The job, the cluster and the serving table will be looked after by somebody who did not write them,
# possibly woken at 3 a.m. Write a short runbook (about 150–300 words, bullet points welcome) for the
# nightly job of this lesson, covering:
# 1. **Schedule:** when and how it runs (what starts it, with which command and arguments, what it
#    waits for), and how a model version is named;
# 2. **Alerts:** what raises an alert (name at least three signals, with a threshold or rule each),
#    and who gets it;
# 3. **At 3 a.m.:** what the person on call does when the job fails, step by step: what users see in
#    the meantime, how to read the exit code and the log, when to retry, when to roll back and how,
#    and what can wait until morning.

# %% [markdown] tags=["answer"] grade_id="q_runbook" points=4
# **Schedule.** Airflow (or cron) starts the job at 02:00 UTC, after the ratings export has landed and
# its row count has been checked: `spark-submit --master spark://... nightly_recs.py --input
# /data/ratings/YYYY-MM-DD.csv --output /models/recs --model-version YYYY-MM-DD`. The version is the
# date of the data, so a re-run of the same night is refused (exit 4) instead of overwriting what is
# served. After exit 0 a second task checks run.json and points the serving table at the new version.
#
# **Alerts** (to the team's on-call channel and pager):
# - exit code not 0 (1: bug or Spark; 3: the data; 2: the scheduler's command line);
# - no new version by 06:00 (the job hung or never started);
# - run.json: RMSE more than 10% worse than the last 7 runs, ratings read down by more than 20%, or
#   fewer users with recommendations than yesterday by more than 5%;
# - drift: PSI above 0.25 or unseen share above 0.2 two judged months in a row (a ticket, not a page);
# - serving p99 above 5 ms for 10 minutes.
#
# **At 3 a.m.**
# 1. Users are fine for now: serving still reads yesterday's version, which is complete (outputs are
#    written all-or-nothing). Do not delete or edit any version folder.
# 2. Look at the exit code and the last lines of the log (`grep ERROR`). Exit 3: the input is missing or
#    malformed: tell the data owners, do not retry, stop. Exit 4: the version exists, nothing to do.
#    Exit 1: read the traceback; if it is a lost executor or a full disk, fix that and retry once.
# 3. If the retry fails too, or the new version looks wrong (RMSE jump, few users), leave or put the
#    serving pointer back to the previous good version (rollback) and write down what you saw.
# 4. Code fixes, threshold changes and retraining decisions wait for the morning and the job's owner.

# %% [markdown]
# ## Recap
# - A job is code plus a contract: arguments in, logs out, an exit code that tells the scheduler and
#   the person on call what happened, and output that appears completely or not at all.
# - A Spark application runs on a cluster by changing only the master URL; with the same data, seed and
#   block count, the cluster gives the same recommendations as local mode. On real machines, paths,
#   environments and networking are what change.
# - Every model is a version with a fingerprint of its data, its parameters, its metrics and its
#   creation time, and serving refuses a model it was not built for.
# - Precomputed top-N in a lookup answers in microseconds, at p99 too; scoring on demand costs
#   milliseconds with NumPy and hundreds of milliseconds with Spark.
# - Drift scores are noisy on small samples: combine a minimum sample, persistence and a product signal
#   before deciding to retrain.
#
# ## Further reading
# - Matei Zaharia, Reynold S. Xin, Patrick Wendell, et al. (2016). *Apache Spark: A Unified Engine for
#   Big Data Processing.* Communications of the ACM 59(11): 56–65.
# - Yunhong Zhou, Dennis Wilkinson, Robert Schreiber and Rong Pan (2008). *Large-Scale Parallel
#   Collaborative Filtering for the Netflix Prize.* Algorithmic Aspects in Information and Management
#   (AAIM), LNCS 5034: 337–348.
# - D. Sculley, Gary Holt, Daniel Golovin, et al. (2015). *Hidden Technical Debt in Machine Learning
#   Systems.* Advances in Neural Information Processing Systems 28 (NeurIPS).
# - Eric Breck, Shanqing Cai, Eric Nielsen, Michael Salib and D. Sculley (2017). *The ML Test Score: A
#   Rubric for ML Production Readiness and Technical Debt Reduction.* IEEE International Conference on
#   Big Data.
# - Jeffrey Dean and Luiz André Barroso (2013). *The Tail at Scale.* Communications of the ACM 56(2):
#   74–80. (Why p99 matters.)
# - João Gama, Indrė Žliobaitė, Albert Bifet, Mykola Pechenizkiy and Abdelhamid Bouchachia (2014). *A
#   Survey on Concept Drift Adaptation.* ACM Computing Surveys 46(4): 44.
# - Bilal Yurdakul (2018). *Statistical Properties of Population Stability Index.* PhD dissertation,
#   Western Michigan University.
# - Betsy Beyer, Chris Jones, Jennifer Petoff and Niall Richard Murphy, eds. (2016). *Site Reliability
#   Engineering: How Google Runs Production Systems.* O'Reilly. (Chapters on on-call and emergency
#   response.)
# - F. Maxwell Harper and Joseph A. Konstan (2015). *The MovieLens Datasets: History and Context.* ACM
#   Transactions on Interactive Intelligent Systems 5(4): 19.
# - Apache Spark documentation: *Spark Standalone Mode* and *Submitting Applications*.
