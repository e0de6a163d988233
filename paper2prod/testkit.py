"""Run pytest-style test functions written in a notebook against an implementation.

A test is a function whose name starts with ``test_`` and that takes one
argument, the implementation under test (any object: a module, a namespace):

    def test_same_answer_twice(mf):
        ...
        assert ...

    tests = collect_tests(globals())
    outcomes = run_tests(tests, research_mf)
    show_outcomes({"prototype": outcomes})

A test *fails* when it raises anything (a failed assert, an IndexError, ...) and
*passes* otherwise, as in pytest. What the implementation prints and the
warnings it raises are captured, so a table of results stays readable.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace


@dataclass(frozen=True)
class Outcome:
    test: str
    passed: bool
    message: str = ""  # what the test raised, with its type ("" when it passed)
    seconds: float = 0.0


def collect_tests(namespace: dict, prefix: str = "test_") -> list[Callable]:
    """The functions in `namespace` (e.g. a notebook's globals()) named prefix..., in definition order."""
    return [
        value
        for name, value in namespace.items()
        if name.startswith(prefix) and callable(value) and getattr(value, "__name__", "") == name
    ]


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run_test(test: Callable, target) -> Outcome:
    """Call test(target); passed unless it raises. Output and warnings are captured."""
    start = time.perf_counter()
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            test(target)
    except Exception as error:  # a failing test may raise anything, as in pytest
        return Outcome(test.__name__, False, _describe(error), time.perf_counter() - start)
    return Outcome(test.__name__, True, "", time.perf_counter() - start)


def run_tests(tests: Iterable[Callable], target) -> list[Outcome]:
    return [run_test(test, target) for test in tests]


def show_outcomes(columns: dict[str, list[Outcome]], width: int = 100) -> None:
    """Print each test, then per implementation 'passes' or 'FAILS' and the whole message, wrapped at `width`."""
    names = [o.test for o in next(iter(columns.values()), [])]
    if not names:
        print("no tests found: define functions named test_... that take one argument")
        return
    indent = " " * 22
    for name in names:
        print(name)
        for label, outcomes in columns.items():
            outcome = next(o for o in outcomes if o.test == name)
            if outcome.passed:
                print(f"    {label:>14}: passes")
                continue
            # The whole message: a student acts on its end ("... got [nan nan]") as often as on its start.
            lines = [
                wrapped
                for line in f"FAILS  {outcome.message}".splitlines()
                for wrapped in textwrap.wrap(line, width - len(indent)) or [""]
            ]
            print(f"    {label:>14}: {lines[0]}")
            for line in lines[1:]:
                print(indent + line)


# ---------------------------------------------------------------- lesson 02: defects planted into a version


def planted_variants(version) -> dict[int, object]:
    """Lesson 02's planted defects put back, one at a time, into a (correct) version of the contract.

    `version` offers train(ratings, rank, reg, iterations[, seed]) and solve_vector(fixed, ratings, reg).
    Returns {defect number: a version with that defect alone}, so that a student can count how many
    defects their tests catch before hand-in without being told which. The defect of the regulariser
    is planted into solve_vector only (a wrapper cannot change the update inside train), so a test that
    checks it through training counts only when graded.
    """
    import inspect

    import numpy as np

    seeded = "seed" in inspect.signature(version.train).parameters

    def variant(train=version.train, solve_vector=version.solve_vector):
        return SimpleNamespace(train=train, solve_vector=solve_vector)

    class Predicting:
        def __init__(self, predict):
            self.predict = predict

    def clamped_ids(ratings, *arguments, **named):  # film ids taken to run 1..n and clamped into that range
        n = ratings["movieId"].nunique()
        model = version.train(ratings.assign(movieId=np.clip(ratings["movieId"], 1, n)), *arguments, **named)
        return Predicting(lambda users, films: model.predict(users, np.clip(np.asarray(films), 1, n)))

    def unweighted(fixed, ratings, reg):  # reg instead of reg * n
        return version.solve_vector(fixed, ratings, reg / max(len(np.asarray(ratings)), 1))

    def poisoned_by_gaps(ratings, *arguments, **named):  # a missing user id turns every prediction into NaN
        model = version.train(ratings, *arguments, **named)
        gap = set(range(1, int(ratings["userId"].max()) + 1)) - set(ratings["userId"])
        return Predicting(lambda users, films: model.predict(users, films) * (np.nan if gap else 1.0))

    def nearest_neighbour(ratings, *arguments, **named):  # an unknown id borrows the vector of a known one
        model = version.train(ratings, *arguments, **named)
        known_users, known_films = np.unique(ratings["userId"]), np.unique(ratings["movieId"])

        def nearest(known, ids):
            ids = np.atleast_1d(np.asarray(ids))
            return np.where(np.isin(ids, known), ids, known[np.clip(np.searchsorted(known, ids), 0, len(known) - 1)])

        return Predicting(lambda users, films: model.predict(nearest(known_users, users), nearest(known_films, films)))

    def unseeded(ratings, *arguments, **named):  # every run starts from different random vectors
        named["seed"] = int(np.random.default_rng().integers(2**31))
        return version.train(ratings, *arguments[:3], **named)  # rank, reg, iterations; never a seed

    latest = []

    def shared_state(ratings, *arguments, **named):  # every model answers with the newest one
        latest[:] = [version.train(ratings, *arguments, **named)]
        return Predicting(lambda users, films: latest[0].predict(users, films))

    variants = {
        1: variant(train=clamped_ids),
        2: variant(solve_vector=unweighted),
        3: variant(train=poisoned_by_gaps),
        4: variant(train=nearest_neighbour),
    }
    if seeded:
        variants[5] = variant(train=unseeded)
    variants[6] = variant(train=shared_state)
    return variants


def count_caught(tests: Iterable[Callable], version, graded=range(1, 6)) -> tuple[int, int]:
    """(defects caught, defects tried) among the graded planted defects: a defect is caught when at
    least one test passes on `version` and fails on the variant with that defect alone."""
    tests = [test for test in tests if run_test(test, version).passed]
    variants = planted_variants(version)
    tried = [number for number in graded if number in variants]
    caught = [number for number in tried if any(not run_test(test, variants[number]).passed for test in tests)]
    return len(caught), len(tried)
