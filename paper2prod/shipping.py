"""Plumbing for lesson 07 (shipping): scratch folders, spark-submit, and the course's cluster script.

None of this is an exercise's answer. It lets a notebook run a job the way a scheduler would (in a
fresh process, through spark-submit, its output in a log file) and start or stop the standalone
cluster of paper2prod/cluster.py, on the loopback address only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import subprocess
import sys
from pathlib import Path

from paper2prod import scratch
from paper2prod.modules import load_module  # noqa: F401  (lesson 07 calls shipping.load_module)
from paper2prod.spark import LOOPBACK, java_options


def _stop_cluster_in(folder: Path) -> None:
    if (folder / "cluster" / "cluster.json").is_file():
        cluster("stop", folder / "cluster")


def work_dir(name: str) -> Path:
    """A fresh scratch folder for one run of lesson 07 (paper2prod.scratch.work_dir): jobs, their
    outputs and model versions go there. A dead run's folder is removed after stopping any cluster
    it left running (see paper2prod/cluster.py)."""
    return scratch.work_dir(name, _stop_cluster_in)


def remove_work_dir(folder: Path | str) -> None:
    """Remove a run's scratch folder now, stopping a cluster left in it (the notebook's last cell)."""
    scratch.remove_work_dir(folder, _stop_cluster_in)


DECISION_NAME = "decision.json"
REFERENCE_DECISION = "reference_decision.json"


def decision_file(lesson_folder: Path | str | None = None) -> Path:
    """The decision lesson 07 ships: lesson 06's decision.json if the student wrote one, else the reference.

    `lesson_folder` is lesson 07's folder (default: the current one, where the notebook runs). The
    reference decision is released with lesson 07, next to its notebook; it holds lesson 06's
    solution settings (tests/test_shipping_job.py checks that the two agree).
    """
    here = Path(lesson_folder or Path.cwd())
    own = here.parent / "06-done-is-done" / DECISION_NAME
    return own if own.is_file() else here / REFERENCE_DECISION


def serving_version(root: Path | str) -> str | None:
    """The version a job's output folder serves now (its serving.json), or None."""
    import json

    pointer = Path(root) / "serving.json"
    return json.loads(pointer.read_text())["version"] if pointer.is_file() else None


def spark_submit() -> Path:
    """bin/spark-submit of the PySpark installation (the same Spark the notebook uses)."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent / "bin" / "spark-submit"


def job_environment(master: str | None = None) -> dict:
    """Environment for a job in a new process: this Python, loopback only, an optional master URL."""
    env = dict(os.environ)
    env.update(
        PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable, SPARK_LOCAL_IP=LOOPBACK
    )  # the driver listens on, and advertises, 127.0.0.1 only
    env.pop("SPARK_HOME", None)  # another Spark installation must not answer for this one
    if master:
        env["PAPER2PROD_SPARK_MASTER"] = master
    return env


def submit(
    job: Path | str,
    arguments: list[str],
    master: str | None = None,
    log_file: Path | str | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess:
    """Run `spark-submit job arguments...` as a scheduler would; everything it prints goes to log_file.

    `master` is handed to the job as PAPER2PROD_SPARK_MASTER, so the same command runs in local mode
    or on a cluster. Returns the finished process: `.returncode` is the job's exit code.
    """
    log_file = Path(log_file) if log_file else Path(job).with_suffix(".log")
    env = job_environment(master)
    # The driver runs inside spark-submit's own JVM, which is already started when spark.driver.*
    # settings are read: only --driver-java-options reaches it, so Spark's start-up INFO/WARN lines
    # (dozens of them) stay out of the job's log.
    quiet = [
        "--conf",
        "spark.ui.enabled=false",  # no web page, no port to pick
        "--driver-java-options",
        java_options(),
    ]
    command = [str(spark_submit()), *quiet, str(job), *arguments]
    with open(log_file, "w") as log:
        done = subprocess.run(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout
        )
    done.log_file = log_file
    # The same run typed into a terminal (what a scheduler's task would contain).
    settings = {"SPARK_LOCAL_IP": LOOPBACK, **({"PAPER2PROD_SPARK_MASTER": master} if master else {})}
    done.command_line = " ".join(
        [
            *(f"{k}={shlex.quote(v)}" for k, v in settings.items()),
            "spark-submit",
            *(shlex.quote(str(a)) for a in [*quiet, job, *arguments]),
        ]
    )
    return done


def job_log(done: subprocess.CompletedProcess, contains: str = "") -> str:
    """The lines of a submitted job's log that contain `contains` (all lines if empty)."""
    lines = Path(done.log_file).read_text(errors="replace").splitlines()
    return "\n".join(line for line in lines if contains in line)


def cluster(command: str, state_dir: Path | str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -m paper2prod.cluster COMMAND --state-dir STATE_DIR` (the cluster ships with the package).

    Returns the finished process (stdout holds the master URL after `start`).
    """
    return subprocess.run(
        [sys.executable, "-m", "paper2prod.cluster", command, "--state-dir", str(state_dir)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "SPARK_LOCAL_IP": LOOPBACK},
    )


def taste_groups(
    groups: int = 3,
    users_per_group: int = 30,
    films_per_group: int = 40,
    ratings_per_user: int = 20,
    stray_share: float = 0.2,
    seed: int = 0,
):
    """Small ratings in which *who rates what* follows taste: the stand-in for "tonight's ratings".

    Each user belongs to one of `groups` audiences with films of its own. Most of a user's ratings are
    of their audience's films (3.5 to 5 stars, popular films of the audience more often); a share
    `stray_share` are of other audiences' films (1 to 3 stars). A popularity list is the same for
    everybody, so a model that learns the audiences beats it, as on real data; in
    paper2prod.synthetic.make_ratings who rates what is popularity alone, and nothing beats popularity.
    Ids are not contiguous (users 3, 6, 9, ...; films 7, 14, ...), times are spread over 2005-2014.
    """
    import numpy as np
    import pandas as pd

    if min(groups, users_per_group, films_per_group, ratings_per_user) < 1 or groups < 2:
        raise ValueError("taste_groups needs at least 2 groups and 1 user, film and rating each")
    if not 0 <= stray_share < 1 or ratings_per_user > films_per_group:
        raise ValueError("stray_share must be in [0, 1) and ratings_per_user at most films_per_group")
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, films_per_group + 1) ** 0.8
    start, span = 1_104_537_600, 10 * 365 * 24 * 3600  # 2005-01-01 UTC, ten years
    frames = []
    for group in range(groups):
        own = (np.arange(films_per_group) + group * films_per_group + 1) * 7
        others = np.setdiff1d((np.arange(groups * films_per_group) + 1) * 7, own)
        for member in range(users_per_group):
            strays = min(rng.binomial(ratings_per_user, stray_share), len(others))
            films = np.concatenate(
                [
                    rng.choice(own, ratings_per_user - strays, replace=False, p=weights / weights.sum()),
                    rng.choice(others, strays, replace=False),
                ]
            )
            stars = np.concatenate(
                [
                    rng.choice([3.5, 4.0, 4.5, 5.0], ratings_per_user - strays),
                    rng.choice([1.0, 1.5, 2.0, 2.5, 3.0], strays),
                ]
            )
            frames.append(
                pd.DataFrame(
                    {
                        "userId": (group * users_per_group + member + 1) * 3,
                        "movieId": films,
                        "rating": stars,
                        "timestamp": start + np.sort(rng.integers(0, span, ratings_per_user)),
                    }
                )
            )
    ratings = pd.concat(frames, ignore_index=True)
    order = rng.permutation(len(ratings))  # a file is not sorted by user
    return (
        ratings.iloc[order]
        .reset_index(drop=True)
        .astype({"userId": "int32", "movieId": "int32", "rating": "float32", "timestamp": "int64"})
    )


def read_recommendations(folder: Path | str):
    """A job's recommendations/ folder as a pandas DataFrame sorted by userId and rank."""
    import pandas as pd

    frame = pd.read_parquet(folder)
    return frame.sort_values(["userId", "rank"], ignore_index=True)


class _Recorder(logging.Handler):
    def __init__(self, records: list):
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def capture_logs(logger_name: str):
    """`with capture_logs("job") as records:` collects that logger's records, as LogRecords.

    While the block runs, the records go to the list only: the logger's own handlers are set aside
    and nothing propagates to the root logger. (nbgrader gives no credit to a test cell that writes
    to stderr, so a test cell must keep a job's log lines out of its output.)
    """
    records: list[logging.LogRecord] = []
    logger = logging.getLogger(logger_name)
    saved_handlers, saved_propagate = list(logger.handlers), logger.propagate
    logger.handlers = [_Recorder(records)]
    logger.propagate = False
    try:
        yield records
    finally:
        added = [h for h in logger.handlers if not isinstance(h, _Recorder)]  # configured inside the block
        logger.handlers = saved_handlers + added
        logger.propagate = saved_propagate
