"""conftest.py schedules work units by overriding pytest-xdist's LoadScopeScheduling._split_scope, a
private method (xdist's public loadgroup cannot tag node ids under pytest 9). pyproject.toml keeps
xdist below 4; these tests fail loudly if an upgrade renames or reshapes what the override relies on."""

import inspect

from xdist.scheduler import LoadScopeScheduling

from conftest import _other_lesson, work_unit


def test_xdist_still_splits_scopes_with_the_method_conftest_overrides():
    method = getattr(LoadScopeScheduling, "_split_scope", None)
    assert method is not None, "pytest-xdist no longer has LoadScopeScheduling._split_scope: update conftest.py"
    assert list(inspect.signature(method).parameters) == ["self", "nodeid"]


def test_a_notebook_is_one_unit_and_each_round_trip_case_its_own():
    assert work_unit("solutions/01-x/01-x.ipynb::Cell 3") == "solutions/01-x/01-x.ipynb"
    case = "tests/test_grading.py::test_round_trip[01-x:blank:release]"
    assert work_unit(case) == case
    assert work_unit("tests/test_grading.py::test_packing") == "tests/test_grading.py"


def test_lesson_option_keeps_unnamed_tests_and_the_chosen_lesson():
    assert not _other_lesson("tests/test_grading.py::test_round_trip[03-spark-als:blank:release]", "03")
    assert _other_lesson("tests/test_grading.py::test_round_trip[04-recommend-for-me:blank:release]", "03")
    assert not _other_lesson("tests/test_release.py::test_solutions_match_their_sources", "03")
    assert _other_lesson("solutions/05-data-cleaning/05-data-cleaning.ipynb::Cell 0", "3")
