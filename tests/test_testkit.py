"""paper2prod.testkit: collecting notebook test functions and running them against an implementation."""

import warnings
from types import SimpleNamespace

from paper2prod.testkit import Outcome, collect_tests, run_test, run_tests, show_outcomes


def test_collects_test_functions_in_definition_order_and_nothing_else():
    def test_b(mf):
        pass

    def test_a(mf):
        pass

    namespace = {"test_b": test_b, "helper": lambda mf: None, "test_a": test_a, "test_value": 3, "test_alias": test_a}
    assert collect_tests(namespace) == [test_b, test_a]


def test_a_test_fails_when_it_raises_anything_and_passes_otherwise():
    target = SimpleNamespace(answer=42)

    def test_right(mf):
        assert mf.answer == 42

    def test_wrong(mf):
        assert mf.answer == 41, "expected 41\nsecond line"

    def test_crashes(mf):
        return mf.missing

    right, wrong, crashes = run_tests([test_right, test_wrong, test_crashes], target)
    assert right.passed and right.message == ""
    assert (
        not wrong.passed and wrong.message.startswith("AssertionError: expected 41") and "second line" in wrong.message
    )
    assert not crashes.passed and crashes.message.startswith("AttributeError")


def test_output_and_warnings_of_the_implementation_are_captured(capsys):
    def test_noisy(mf):
        print("iteration 1: lots of output")
        warnings.warn("invalid value encountered", RuntimeWarning)

    outcome = run_test(test_noisy, None)
    assert outcome.passed
    assert capsys.readouterr().out == ""


def test_a_test_can_still_turn_warnings_into_failures():
    def test_strict(mf):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.warn("0/0", RuntimeWarning)

    assert not run_test(test_strict, None).passed


def test_show_outcomes_prints_one_row_per_test_and_a_column_per_target(capsys):
    show_outcomes(
        {"prototype": [Outcome("test_x", False, "AssertionError: boom")], "reference": [Outcome("test_x", True)]}
    )
    out = capsys.readouterr().out
    assert "test_x" in out and "FAILS  AssertionError: boom" in out and "passes" in out
    show_outcomes({"prototype": []})
    assert "no tests found" in capsys.readouterr().out


def test_show_outcomes_shows_the_whole_message_wrapped(capsys):
    long = "AssertionError: " + " ".join(f"word{i}" for i in range(60)) + "\nand a second line"
    show_outcomes({"prototype": [Outcome("test_long", False, long)]}, width=80)
    out = capsys.readouterr().out
    assert "word59" in out and "and a second line" in out
    assert max(len(line) for line in out.splitlines()) <= 80
