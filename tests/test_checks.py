"""The visible-check helpers, and the probe hidden tests use to spot a wrapper."""

import pytest

from paper2prod import evaluation
from paper2prod.checks import expect, expect_close, expect_type, functions_run


def test_expect_and_expect_close_say_what_is_wrong():
    with pytest.raises(AssertionError, match="look here"):
        expect(False, "look here")
    with pytest.raises(AssertionError, match="should be a number"):
        expect_close("x", 1.0, "n_films")
    expect_close(0.1 + 0.2, 0.3, "sum")


def test_expect_type_names_both_types_and_says_not_to_round():
    with pytest.raises(AssertionError, match=r"speedup should be a float, but it is an int\. Keep the float"):
        expect_type(29, float, "speedup")
    with pytest.raises(AssertionError, match=r"n should be an int, but it is a str\.$"):
        expect_type("3", int, "n")
    import pandas as pd

    with pytest.raises(AssertionError, match=r"but it is an Index\."):
        expect_type(pd.Index([1]), pd.Series, "counts")


def test_functions_run_sees_a_module_called_through_any_import():
    from paper2prod.evaluation import bootstrap_interval as renamed

    assert "bootstrap_interval" in functions_run(evaluation, lambda: renamed([0.1, 0.2]))
    assert functions_run(evaluation, lambda: sum([0.1, 0.2])) == []


def test_functions_run_restores_the_previous_profiler():
    import sys

    before = sys.getprofile()
    with pytest.raises(ZeroDivisionError):
        functions_run(evaluation, lambda: 1 / 0)
    assert sys.getprofile() is before
