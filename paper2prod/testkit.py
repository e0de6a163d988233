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

import base64
import contextlib
import inspect
import io
import textwrap
import time
import warnings
import zlib
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

# Lesson 02's planted defects, as code that plants them into a version. Stored compressed so that this
# file, which a class gets before lesson 02 is graded, does not list them; the instructor's readable copy
# is PLANTED_SOURCE in tests/test_prototype_defects.py, whose test says how to rebuild this text.
_PLANTED = (
    "eNqlVk1z2zYQvftX7KiHkgrLWnbTgzL+Ab340qNGo0DCksKYBBgAlOLJ5L/3AQQlSvLETcsLSWCx+97bD1JyRQdhldDeZQe2"
    "ThldkO4K+lu1XcPPomXXiR3nyzvCNZvNvkmueOdJ9+2W7ZIyb4XCIWeaA28O2DI2/76khp0zmu4ffnXUNQjAkoajriCjmYQn"
    "QV61XFDXe1LaG/qcMHwuESlGnHqnJ0r7ZVoeX6fB7+I5hKLWSG6yzrJUO58YhMuy762+pjgaPo0Hzo52jWg7lhslXWaFV7oG"
    "h7mw8TZ/OYanfEn0C1WqaQlm5MULawIl22talKUmoeXoaCDr95DACl3zCZkGxRRgNWvNQfFfcrYuda/Vl56z/GRYKR8EfRr0"
    "GUGVwjlV6yydfNJduWtUl926LGiBPOf5LY1rlQYRgXsrBfUOgheRpVsmEGXSK0ubY1DchRPWitcs2udjzImwvT6yqvfwApuv"
    "LAs6yWu5HiTFA/RynoUkU8XXOelrmLEC3nJCv1MrvmYN6ymiZBEEWEwBdUahapHq7eumFt176RbUKkiu66gMEk8BjCNGYb5S"
    "EgYFOiT8WTy/k8AfpANoYO3YZ7FkMmgJp+fUBgCxWALbPKcPgRj9lk5cGf3/LA8pRSaCqlqAYRUhcuMY9X4/FVWzsOz8Rodc"
    "b01v31NVozBetDnqoOjWWGuO6Kg909DhoQwEDQZI1n/XNLrYJEbDS+QFF2CVmu5WvOKt3VNrJeJX5LPovgizYTKJwhWmRYwn"
    "fMMCMi3ktFLDgfziQEoZbI57thyMFWowWCYWeYyTXlaThnQAs9s7Y0PHTRAVdF9QaJHhOMpmkU+J/HSVXLAeFY63oN7FZnQw"
    "FtTlcHDMEkB/XC1Dr4Ux67yw3lFlTUtSVRXE0XHCSiwMpePOuY8uVrMQY7ZGBkI3QaLBvAQA0Td+Y3Wd5SX2uAb47GE+f1zk"
    "N+3zVsGtlo/rCdY4yoR+iUMJqnsO5ka7T9ADFFDRAcpAX/MRAgHUan3Ww+0hm9yAped/pUlMF7rJHQGdjsrvYxMl59POGZZW"
    "y6DD6p3uWf9EVSS/9+u3x0dKdvLzbYG/icmnNn31UTAP59+M8xcD649Yv57Yp1MXPfMHLG/G0DnAR2yP5XZe/ROrU9HHne93"
    "/wD71f1U"
)


def planted_variants(version) -> dict[int, object]:
    """Lesson 02's planted defects put back, one at a time, into a (correct) version of the contract.

    `version` offers train(ratings, rank, reg, iterations[, seed]) and solve_vector(fixed, ratings, reg).
    Returns {defect number: a version with that defect alone}; defect 5 needs a `seed` argument. The
    defect of the update formula goes into solve_vector only (a wrapper cannot reach inside train).
    """
    import numpy as np

    namespace: dict = {}
    exec(zlib.decompress(base64.b64decode(_PLANTED)).decode(), namespace)  # defines variants()
    seeded = "seed" in inspect.signature(version.train).parameters
    return {
        number: SimpleNamespace(train=train, solve_vector=solve_vector)
        for number, (train, solve_vector) in namespace["variants"](version, np, SimpleNamespace).items()
        if seeded or number != 5
    }


def caught_by_test(tests: Iterable[Callable], version, graded=range(1, 6)) -> dict[str, set[int] | None]:
    """{test name: the graded planted defects it catches}, None for a test that fails on `version` itself.

    A test catches a defect when it passes on `version` and fails on the variant with that defect alone."""
    variants = planted_variants(version)
    caught: dict[str, set[int] | None] = {}
    for test in tests:
        if not run_test(test, version).passed:
            caught[test.__name__] = None
            continue
        caught[test.__name__] = {n for n in graded if n in variants and not run_test(test, variants[n]).passed}
    return caught


def count_caught(tests: Iterable[Callable], version, graded=range(1, 6)) -> tuple[int, int]:
    """(defects caught by at least one test, defects that could be planted into `version`)."""
    caught = caught_by_test(tests, version, graded)
    together = set().union(*(numbers for numbers in caught.values() if numbers is not None))
    return len(together), len([n for n in graded if n in planted_variants(version)])


def show_caught(tests: Iterable[Callable], version, graded=range(1, 6)) -> tuple[int, int]:
    """Print how many planted defects each test catches (never which), then how many all catch together."""
    tests = list(tests)
    caught = caught_by_test(tests, version, graded)
    tried = len([n for n in graded if n in planted_variants(version)])
    for name, numbers in caught.items():
        if numbers is None:
            print(f"{name}: fails on your version, so it counts for nothing here (fix the version or the test)")
        else:
            print(f"{name}: catches {len(numbers)} of the {tried} planted defects")
    together = set().union(*(numbers for numbers in caught.values() if numbers is not None))
    print(f"all your tests together: {len(together)} of the {tried} planted defects that can be put into your version")
    return len(together), tried
