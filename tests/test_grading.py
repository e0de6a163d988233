"""The grading round trip for every lesson, read from the gradebook.

For each assignment: generate the release; autograde the untouched release (zero on every
autograded cell) and each typical wrong answer in tests/wrong_answers/NN-x.py (zero on the cells it
should lose, full marks on every other autograded cell, and the student's hint in the feedback).

Solutions score full marks: nbval executes every solution notebook (solutions/ is in testpaths),
hidden tests included, and fails on any cell that raises, with a cell timeout no shorter than the
grader's; an autograded cell scores full marks exactly when it raises nothing. So the round trip
does not grade the solutions a second time (each submission costs a whole notebook run).
test_nbval_proves_solutions_score_full_marks checks the premises. On top of that, every wrong answer
must keep full marks on the cells it does not lose, which reads full marks from the gradebook, in
the grader's own folder, for every cell that some wrong answer keeps.

A wrong answer is a dict:

    name      a short name (it becomes part of the student id)
    cell + source, or cells = {grade_id: source}
              the solution cells it replaces; `cells` bundles several mistakes into one submission
    loses     the test cells that must score zero
    says      the hint each lost cell must show: one string for all, or {test_id: string}
    independent (optional, default False)
              True declares that this mistake changes no result outside `loses`: its replaced cells
              feed no other test. The harness then packs independent wrong answers into shared
              submissions, as long as their replaced cells and their lost cells do not overlap, so
              three one-cell mistakes cost one notebook run instead of three. Leave it False when
              a later cell uses what the replaced cell computes (an end-to-end check, say).
"""

from __future__ import annotations

import os
import runpy
import shutil
from pathlib import Path

import nbformat
import pytest

from tools.grading import Course, replace_cell
from tools.notebooks import DEMO, ROOT, SOLUTIONS, assignments

WRONG_DIR = Path(__file__).parent / "wrong_answers"


def wrong_answers(name):
    file = WRONG_DIR / f"{name}.py"
    return runpy.run_path(str(file))["WRONG_ANSWERS"] if file.exists() else []


def replaced_cells(case) -> dict[str, str]:
    return case["cells"] if "cells" in case else {case["cell"]: case["source"]}


def hint(case, cell) -> str:
    return case["says"] if isinstance(case["says"], str) else case["says"][cell]


def pack(cases) -> list[list[dict]]:
    """Submissions: each dependent case alone; independent ones packed first-fit into shared
    submissions whose replaced cells and lost cells stay disjoint."""
    submissions, shared = [], []
    for case in cases:
        if not case.get("independent"):
            submissions.append([case])
            continue
        cells, lost = set(replaced_cells(case)), set(case["loses"])
        for group in shared:
            if not any(cells & set(replaced_cells(c)) or lost & set(c["loses"]) for c in group):
                group.append(case)
                break
        else:
            shared.append([case])
    return submissions + shared


def test_packing_keeps_dependent_and_overlapping_cases_apart():
    a = dict(name="a", cell="x", source="", loses=["x_check"], says="", independent=True)
    b = dict(name="b", cell="y", source="", loses=["y_check"], says="", independent=True)
    c = dict(name="c", cell="x", source="", loses=["x_check"], says="", independent=True)
    d = dict(name="d", cell="z", source="", loses=["z_check"], says="")
    e = dict(name="e", cells={"w": ""}, loses=["y_check"], says="", independent=True)
    names = [[case["name"] for case in group] for group in pack([a, b, c, d, e])]
    assert names == [["d"], ["a", "b"], ["c", "e"]]


def submissions(name) -> list[tuple[str, list[dict]]]:
    """What the round trip hands in for a lesson: the blank release, then each packed group of wrong
    answers, as (student id, wrong answers)."""
    return [("blank", [])] + [(f"wrong-{number}", group) for number, group in enumerate(pack(wrong_answers(name)), 1)]


# One test per submission, so that a lesson's notebook runs spread over the workers (conftest.py).
ROUND_TRIP = [
    pytest.param(name, student, group, id=f"{name}:{student}:{'+'.join(c['name'] for c in group) or 'release'}")
    for name in assignments()
    for student, group in submissions(name)
]


SKIPPED_DEMO = "pass  # a demonstration (tag 'demo'): nbval runs it on the solution; the round trip skips it"


def without_demos(notebooks: dict[str, nbformat.NotebookNode]) -> dict[str, nbformat.NotebookNode]:
    """The notebooks with every cell tagged demo emptied: a benchmark or a rerun that no graded cell
    depends on (tests/test_notebooks.py) costs a whole notebook's time in every submission."""
    for notebook in notebooks.values():
        for cell in notebook.cells:
            if DEMO in cell.get("metadata", {}).get("tags", []):
                cell.source = SKIPPED_DEMO
    return notebooks


def released_course(name: str, tmp_path_factory, tmp_path: Path) -> Course:
    """A course folder with the lesson released: a copy of one built once per lesson and test run.
    Workers race to build it; the first rename wins, and a loser's copy is thrown away."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # shared by this run's workers
    template = shared / f"released-{name}"
    if not template.exists():
        built = Course.create([name], where=base)
        try:
            built.root.rename(template)
        except OSError:  # another worker's template is there already
            shutil.rmtree(built.root, ignore_errors=True)
    shutil.copytree(template, tmp_path / "course")
    return Course(tmp_path / "course")


@pytest.mark.notebooks
@pytest.mark.parametrize(("name", "student", "group"), ROUND_TRIP)
def test_round_trip(name, student, group, tmp_path_factory, tmp_path):
    course = released_course(name, tmp_path_factory, tmp_path)
    if student == "blank":
        notebooks = course.release_notebooks(name)
    else:
        notebooks = course.solution_notebooks(name)
        for case in group:
            for cell, source in replaced_cells(case).items():
                notebooks = replace_cell(notebooks, cell, source)
    course.submit(name, student, without_demos(notebooks))
    course.autograde(name, student)

    got = course.scores(name, student)
    auto = sorted(cell for cell, s in got.items() if s.autograded)
    assert auto, f"{name} has no autograded cells"
    if student == "blank":
        scored = [f"{cell} scored {got[cell].score}" for cell in auto if got[cell].score]
        assert not scored, f"the blank release of {name} earns points: " + "; ".join(scored)
        return
    problems = []
    lost = {cell: case for case in group for cell in case["loses"]}
    for cell in auto:
        if cell in lost and got[cell].score:
            problems.append(f"{cell} should score 0, got {got[cell].score}")
        if cell not in lost and got[cell].score != got[cell].max_score:
            problems.append(
                f"{cell} should keep full marks, got {got[cell].score}: "
                f"{course.cell_output(name, student, cell)[-500:]}"
            )
    for cell, case in lost.items():
        text = course.cell_output(name, student, cell)
        if hint(case, cell) not in text:
            problems.append(f"feedback of {cell} lacks {hint(case, cell)!r}; it says: {text[-300:]!r}")
    assert not problems, f"{name}, {' + '.join(case['name'] for case in group)}:\n" + "\n".join(problems)


def test_every_lesson_has_wrong_answers():
    missing = [name for name in assignments() if not wrong_answers(name)]
    assert not missing, f"no typical wrong answers for {missing} (add tests/wrong_answers/NAME.py)"


def test_nbval_proves_solutions_score_full_marks(pytestconfig):
    """The premises that let the round trip skip grading the solutions (see the docstring)."""
    from traitlets.config.loader import PyFileConfigLoader

    assert pytestconfig.getoption("nbval_lax"), "nbval must run with --nbval-lax (errors fail, outputs optional)"
    assert "solutions" in pytestconfig.getini("testpaths"), "nbval must collect solutions/ (pyproject testpaths)"
    grader = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    grader_timeout = float(grader.ExecutePreprocessor.timeout)
    nbval_timeout = float(pytestconfig.getoption("nbval_cell_timeout"))
    assert nbval_timeout <= grader_timeout, (
        f"nbval's cell timeout ({nbval_timeout:.0f} s) must not exceed the grader's ({grader_timeout:.0f} s): "
        "a cell that passes nbval must also finish under the grader"
    )
    for notebook in sorted(SOLUTIONS.glob("*/*.ipynb")):
        for cell in nbformat.read(notebook, as_version=4).cells:
            tags = set(cell.get("metadata", {}).get("tags", [])) & {"nbval-skip", "raises-exception"}
            first_line = cell.source.strip().splitlines()[0] if cell.cell_type == "code" and cell.source.strip() else ""
            excused = tags or first_line in ("# NBVAL_SKIP", "# NBVAL_RAISES_EXCEPTION")
            assert not excused, f"{notebook.name}: a cell is excused from nbval, so its errors would go unseen"
