"""Visible checks that explain themselves.

A bare `assert` tells a student only that something is wrong. These helpers
raise AssertionError with a message that says what was expected, what came
back, and what to look at next. nbgrader counts a test cell as failed when it
raises, so the message also lands in the student's feedback.
"""

from __future__ import annotations

import math


def expect(condition: bool, message: str) -> None:
    """Fail with `message` (a hint the student can act on) unless condition holds."""
    if not condition:
        raise AssertionError(message)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def expect_type(value, kinds, name: str) -> None:
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    wanted = " or ".join(k.__name__ for k in kinds)
    got = type(value).__name__
    advice = " Keep the float: do not round it." if float in kinds and type(value) is int else ""
    expect(isinstance(value, kinds), f"{name} should be {_a(wanted)}, but it is {_a(got)}.{advice}")


def expect_close(actual, expected, name: str, tol: float = 1e-6, hint: str = "") -> None:
    """Numbers agree within an absolute tolerance."""
    try:
        ok = math.isclose(float(actual), float(expected), rel_tol=0, abs_tol=tol)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} should be a number, but it is {actual!r}.") from None
    expect(ok, f"{name} is {float(actual):.6g}, expected {float(expected):.6g} (within {tol:g}). {hint}".strip())


def passed(what: str = "") -> None:
    """Print a friendly confirmation at the end of a visible check."""
    print(f"Looks good{': ' + what if what else ''} ✓")


def functions_run(module, call) -> list[str]:
    """Names of `module`'s functions that run while call() runs, however the module was imported.

    Hidden tests use it to tell an exercise written out from a wrapper around a course module that
    answers it (a module released with a later lesson, for example).
    """
    import sys

    entered, previous = [], sys.getprofile()
    here = module.__file__

    def watch(frame, event, arg):
        if event == "call" and frame.f_code.co_filename == here:
            entered.append(frame.f_code.co_name)

    sys.setprofile(watch)
    try:
        call()
    finally:
        sys.setprofile(previous)
    return entered
