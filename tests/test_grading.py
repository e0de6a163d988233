"""The grading round trip for every lesson, read from the gradebook.

For each assignment: generate the release; autograde the solutions (full marks
on every autograded cell), the untouched release (zero on every autograded
cell), and each typical wrong answer in tests/wrong_answers/NN-x.py (zero on
the cells it should lose, full marks elsewhere, and the student's hint in the
feedback).

A wrong answer is a dict: name; either cell + source, or cells = {grade_id: source}
to bundle several independent mistakes into one submission (each costs a whole
notebook run in CI); loses = the test cells that must score zero; says = the hint
each lost cell must show (one string for all, or {test_id: string}).
"""
import runpy
from pathlib import Path

import pytest

from tools.grading import Course, replace_cell
from tools.notebooks import assignments

WRONG_DIR = Path(__file__).parent / "wrong_answers"


def wrong_answers(name):
    file = WRONG_DIR / f"{name}.py"
    return runpy.run_path(str(file))["WRONG_ANSWERS"] if file.exists() else []


@pytest.mark.slow
@pytest.mark.parametrize("name", assignments())
def test_round_trip(name, tmp_path, monkeypatch):
    # No graded cell depends on lesson 07's cluster run; tests/test_spark_cluster.py covers it.
    monkeypatch.setenv("PAPER2PROD_SKIP_CLUSTER", "1")
    course = Course.create([name], where=tmp_path)
    solutions = course.solution_notebooks(name)
    course.submit(name, "solutions", solutions)
    course.submit(name, "blank", course.release_notebooks(name))
    wrong = wrong_answers(name)
    for case in wrong:
        notebooks = solutions
        for cell, source in case.get("cells", {case.get("cell"): case.get("source")}).items():
            notebooks = replace_cell(notebooks, cell, source)
        course.submit(name, f"wrong-{case['name']}", notebooks)
    course.autograde(name)

    problems = []
    full = course.scores(name, "solutions")
    auto = {cell for cell, s in full.items() if s.autograded}
    assert auto, f"{name} has no autograded cells"
    for cell in sorted(auto):
        if full[cell].score != full[cell].max_score:
            problems.append(f"solutions: {cell} scored {full[cell].score}/{full[cell].max_score}: "
                            f"{course.cell_output(name, 'solutions', cell)[-500:]}")
    blank = course.scores(name, "blank")
    problems += [f"blank release: {cell} scored {blank[cell].score}" for cell in sorted(auto) if blank[cell].score]
    for case in wrong:
        student = f"wrong-{case['name']}"
        got = course.scores(name, student)
        for cell in sorted(auto):
            lost = cell in case["loses"]
            if lost and got[cell].score:
                problems.append(f"{student}: {cell} should score 0, got {got[cell].score}")
            if not lost and got[cell].score != got[cell].max_score:
                problems.append(f"{student}: {cell} should keep full marks, got {got[cell].score}")
        for cell in case["loses"]:
            hint = case["says"] if isinstance(case["says"], str) else case["says"][cell]
            text = course.cell_output(name, student, cell)
            if hint not in text:
                problems.append(f"{student}: feedback of {cell} lacks {hint!r}; it says: {text[-300:]!r}")
    assert not problems, "\n".join(problems)


def test_every_lesson_has_wrong_answers():
    missing = [name for name in assignments() if not wrong_answers(name)]
    assert not missing, f"no typical wrong answers for {missing} (add tests/wrong_answers/NAME.py)"
