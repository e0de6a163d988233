"""Suite-wide set-up: environment, tiers, CI strictness, and how work is spread over the cores.

Tiers (markers are registered in pyproject.toml):

    notebooks   executes whole notebooks (nbval's cells of solutions/, the grading round trip, ...)
    spark       starts a Spark JVM
    browser     needs headless Chromium
    cluster     starts a Spark standalone cluster
    slow        not in the fast tier; added here to everything marked with one of the above

`make test-fast` runs `-m "not slow"`: a new test file joins the fast tier unless it (or its module,
`pytestmark = pytest.mark.spark`) carries one of the markers above. `make test` runs everything.

Required markers: with `--require browser,cluster` (CI=true or CI=1 implies both), a test carrying a
required marker that skips (no Chromium, a cluster that cannot start) FAILS with the skip's reason,
so CI never passes by skipping what it must check. Locally such tests still skip, saying why.

Parallel runs (`make test` uses pytest-xdist with `--dist loadscope`, scheduled by work_unit below):
every cell of one notebook runs on one worker, in order (nbval keeps one kernel per notebook), each
submission of the grading round trip is a unit of its own, and units are queued heaviest first, so
long runs start early and short ones fill the gaps at the end.
"""

from __future__ import annotations

import os
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent

# What every test run needs, a class's copy's too: quiet Spark, one BLAS thread per process (several
# kernels share two cores; multi-threaded BLAS spun and made lesson 01's grading 10x slower), and a
# mirror path that does not depend on where a kernel runs. One home: the copy's own conftest.py.
runpy.run_path(str(ROOT / "tools" / "student_copy_files" / "conftest.py"))
# One task thread per Spark JVM: the workers already fill the cores, and a second thread in each JVM costs
# more CPU than it saves (docs/design.md). Partitions are set explicitly, so the work is split the same way.
os.environ.setdefault("PAPER2PROD_SPARK_MASTER", "local[1]")
# Lesson 07's notebook starts a Spark cluster unless this is set. Its cell catches every failure,
# so running it under nbval or the grader asserts nothing; tests/test_spark_cluster.py (marked
# `cluster`, required in CI) checks the same cluster and job. No graded cell depends on it.
os.environ.setdefault("PAPER2PROD_SKIP_CLUSTER", "1")

HEAVY = ("notebooks", "spark", "browser", "cluster")
# Parametrized tests whose cases spread over the workers (each case runs whole notebooks).
OWN_UNIT = {"tests/test_grading.py::test_round_trip"}
REQUIRABLE = ("browser", "cluster")
# Queue order for the workers, heaviest first (lower runs earlier); see _queue_rank. The units that
# run for minutes on one worker (measured with --durations) start first, or they would finish last.
LONGEST_UNITS = (
    "tests/test_classroom.py",
    "solutions/05-data-cleaning/",  # with their wrong answers (tools/near_misses.py)
    "solutions/07-shipping/",
    "tests/test_spark_cluster.py",
    "solutions/06-done-is-done/",
    "solutions/03-spark-als/",
    "tests/test_shipping_job.py",
    "solutions/04-recommend-for-me/",
    "tests/test_student_browser.py",
)
QUEUE = {"round_trip": 1, "notebooks": 2, "cluster": 3, "browser": 4, "spark": 5, "slow": 6}


def pytest_addoption(parser):
    parser.addoption(
        "--lesson",
        default=None,
        help="NN: keep only this lesson's cases of tests parametrized by lesson (make test-lesson LESSON=NN)",
    )
    parser.addoption(
        "--require",
        default=None,
        help="comma-separated markers (browser, cluster) whose tests must run: a skip becomes a failure. "
        "Default: both when the environment variable CI is true or 1, else none.",
    )


LESSON_IN_ID = re.compile(r"\b(\d\d)-[a-z][a-z-]*[a-z]")


def required_markers(config) -> set[str]:
    option = config.getoption("--require")
    if option is None:
        option = ",".join(REQUIRABLE) if os.environ.get("CI", "").lower() in ("true", "1") else ""
    required = {name.strip() for name in option.split(",") if name.strip()}
    unknown = required - set(REQUIRABLE)
    if unknown:
        raise pytest.UsageError(f"--require: unknown marker(s) {sorted(unknown)}; choose from {list(REQUIRABLE)}")
    return required


def pytest_configure(config):
    config.paper2prod_required = required_markers(config)


def _is_nbval_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell"


def pytest_itemcollected(item):
    if _is_nbval_cell(item):
        item.add_marker(pytest.mark.notebooks)
    if any(item.get_closest_marker(name) for name in HEAVY):
        item.add_marker(pytest.mark.slow)


def pytest_collection_modifyitems(config, items):
    lesson = config.getoption("--lesson")
    if lesson:
        other = [item for item in items if _other_lesson(item.nodeid, lesson)]
        if other:
            config.hook.pytest_deselected(items=other)
            items[:] = [item for item in items if not _other_lesson(item.nodeid, lesson)]
    items.sort(key=_queue_rank)  # stable: a notebook's cells keep their order


def _other_lesson(nodeid: str, lesson: str) -> bool:
    """True when the test id names lessons and none is `lesson` (NN): another lesson's case."""
    named = {match.group(1) for match in LESSON_IN_ID.finditer(nodeid)}
    return bool(named) and lesson.zfill(2)[:2] not in named


def work_unit(nodeid: str) -> str:
    """What one worker runs as a whole: a file (a notebook's cells share one kernel; a test module's
    fixtures run once), except tests listed in OWN_UNIT, each case of which is a unit of its own."""
    path, _, rest = nodeid.partition("::")
    return nodeid if f"{path}::{rest.split('[')[0]}" in OWN_UNIT else path


@pytest.hookimpl(optionalhook=True)  # pytest -p no:xdist still works
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadscope` with work_unit as the scope. (xdist's own loadgroup cannot tag node ids
    under pytest 9, and the scheduler sees only node ids, never markers.)"""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return WorkUnitScheduling(config, log)


def _queue_rank(item) -> int:
    for rank, unit in enumerate(LONGEST_UNITS):
        if item.nodeid.startswith(unit):
            return rank - len(LONGEST_UNITS)
    if getattr(item, "originalname", "") == "test_round_trip":
        return QUEUE["round_trip"]
    for name, rank in QUEUE.items():
        if item.get_closest_marker(name):
            return rank
    return len(QUEUE)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """In nbval's run of a solution notebook, the lesson's wrong answers run in nbval's kernel just
    before the answer cell each replaces (tools/near_misses.py); the cell fails if one of them does
    not lose its checks with its hint."""
    near_misses = _near_misses(item)
    index = next(i for i, cell in enumerate(item.parent.nb.cells) if cell is item.cell) if near_misses else None
    problems = near_misses.before(index) if near_misses else []
    result = yield
    if near_misses:
        near_misses.kernel.ran_as_written(index)
        if index == near_misses.last_cell:
            problems += near_misses.never_run()
    if problems:
        lesson = Path(str(item.parent.path)).parent.name
        raise AssertionError(f"wrong answers of {lesson} (tests/wrong_answers/{lesson}.py):\n" + "\n".join(problems))
    return result


def _near_misses(item):
    """The wrong answers of the lesson whose solution notebook this nbval cell belongs to, or None."""
    if not _is_nbval_cell(item) or Path(str(item.parent.path)).parent.parent != ROOT / "solutions":
        return None
    if not hasattr(item.parent, "paper2prod_near_misses"):
        from tools.near_misses import CellByCell, NearMisses

        near_misses = NearMisses(
            Path(str(item.parent.path)).parent.name, CellByCell(item.parent.nb, shared=item.parent.kernel)
        )
        item.parent.paper2prod_near_misses = near_misses if near_misses.cases else None
    return item.parent.paper2prod_near_misses


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    must_run = sorted(name for name in item.config.paper2prod_required if item.get_closest_marker(name))
    if must_run:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (
            f"this test needs {', '.join(must_run)}, which must run here (CI, or --require), but it skipped: {reason}"
        )
