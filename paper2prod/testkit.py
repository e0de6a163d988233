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
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable


@dataclass(frozen=True)
class Outcome:
    test: str
    passed: bool
    message: str = ""     # the first line of what the test raised ("" when it passed)
    seconds: float = 0.0


def collect_tests(namespace: dict, prefix: str = "test_") -> list[Callable]:
    """The functions in `namespace` (e.g. a notebook's globals()) named prefix..., in definition order."""
    return [value for name, value in namespace.items()
            if name.startswith(prefix) and callable(value) and getattr(value, "__name__", "") == name]


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def run_test(test: Callable, target) -> Outcome:
    """Call test(target); passed unless it raises. Output and warnings are captured."""
    start = time.perf_counter()
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            test(target)
    except Exception as error:  # a failing test may raise anything, as in pytest
        return Outcome(test.__name__, False, _first_line(error), time.perf_counter() - start)
    return Outcome(test.__name__, True, "", time.perf_counter() - start)


def run_tests(tests: Iterable[Callable], target) -> list[Outcome]:
    return [run_test(test, target) for test in tests]


def show_outcomes(columns: dict[str, list[Outcome]], width: int = 70) -> None:
    """Print one row per test and one column per implementation: 'passes' or 'FAILS: why'."""
    names = [o.test for o in next(iter(columns.values()), [])]
    if not names:
        print("no tests found: define functions named test_... that take one argument")
        return
    for name in names:
        print(name)
        for label, outcomes in columns.items():
            outcome = next(o for o in outcomes if o.test == name)
            verdict = "passes" if outcome.passed else f"FAILS  {outcome.message}"[:width]
            print(f"    {label:>14}: {verdict}")
