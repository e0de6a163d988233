"""The grading round trip for every lesson, read from the gradebook, and every typical wrong answer.

For each assignment, through nbgrader (generate the release, submit, autograde, read the gradebook):
the untouched release scores zero on every autograded cell; the first submission of wrong answers in
tests/wrong_answers/NN-x.py that loses a cell only a whole notebook shows (whole_notebook_losses: an
end-to-end check, or a check after a later answer cell that a mistake feeds; lessons 01 and 05) scores
zero on the cells it should lose, with the student's hint in the feedback, and full marks on every
other autograded cell.

Every wrong answer, through tools/near_misses.py: inside nbval's run of each solution notebook, just
before an answer cell runs, each wrong version of it runs with the cells after it up to the segment's
last check and must lose its checks with its hint (conftest.py). A lost cell outside the replaced
cells' segments, or an end-to-end check (grade_id e2e_...), is a loss that earlier mistakes feed: the
lesson's nbgrader submission checks those.

Solutions score full marks: nbval executes every solution notebook (solutions/ is in testpaths),
hidden tests included, and fails on any cell that raises, with a cell timeout no shorter than the
grader's; an autograded cell scores full marks exactly when it raises nothing. So the round trip
does not grade the solutions a second time. test_nbval_proves_solutions_score_full_marks checks the
premises.

A wrong answer is a dict (tools/near_misses.py says what each key means). One that declares itself
independent changes no result outside its own lost cells, so the round trip may pack it with others
into one submission, as long as their replaced cells and lost cells do not overlap.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest

from tools.grading import Course, replace_cell
from tools.near_misses import (
    END_TO_END,
    CellByCell,
    NearMisses,
    hint,
    replaced_cells,
    segments,
    wrong_answers,
    wrong_version_problems,
)
from tools.notebooks import DEMO, ROOT, SOLUTIONS, assignments


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


def whole_notebook_losses(name: str, group: list[dict]) -> set[str]:
    """The cells a submission loses that only a whole notebook shows: a check outside the segments of
    the cells it replaces, or an end-to-end check (the near-miss check judges neither)."""
    (path,) = (SOLUTIONS / name).glob("*.ipynb")
    _, found = segments(nbformat.read(path, as_version=4), skip_tag=DEMO)
    tests = {segment.answer: set(segment.tests) for segment in found}
    outside = set()
    for case in group:
        own = set().union(*(tests.get(cell, set()) for cell in replaced_cells(case)))
        outside |= {cell for cell in case["loses"] if cell not in own or cell.startswith(END_TO_END)}
    return outside


def submissions(name) -> list[tuple[str, list[dict]]]:
    """What the round trip hands in for a lesson, as (student id, wrong answers): the blank release,
    then the first packed group of wrong answers that loses a cell only a whole notebook shows, if
    any (the near-miss check judges every wrong answer's own cells; one whole run per lesson shows that
    such a cell loses its points through nbgrader too)."""
    groups = [group for group in pack(wrong_answers(name)) if whole_notebook_losses(name, group)]
    return [("blank", [])] + [(f"wrong-{number}", group) for number, group in enumerate(groups[:1], 1)]


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


def test_segments_run_each_answer_up_to_its_last_check():
    code = nbformat.v4.new_code_cell

    def cell(grade_id="", role="", tags=()):
        made = code("pass")
        made.metadata["tags"] = list(tags)
        if role:
            made.metadata["nbgrader"] = {"grade_id": grade_id, role: True}
        return made

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        cell(),  # 0: before any answer
        cell("a", "solution"),  # 1
        cell("a_check", "grade"),  # 2
        cell(tags=["demo"]),  # 3: left out
        nbformat.v4.new_markdown_cell("text"),  # 4
        cell(),  # 5: after a's last check
        cell("b", "solution"),  # 6
        cell(),  # 7
        cell("b_check", "grade"),  # 8
        cell(),  # 9: an end-to-end check's input
        cell("e2e_all_check", "grade"),  # 10: judged by nbgrader only, so no wrong version runs on to it
    ]
    prefix, found = segments(notebook, skip_tag="demo")
    assert prefix == [0]
    assert [(s.answer, s.cells, s.tests, s.through_last_test) for s in found] == [
        ("a", [1, 2, 5], ["a_check"], [1, 2]),
        ("b", [6, 7, 8, 9, 10], ["b_check", "e2e_all_check"], [6, 7, 8]),
    ]


@pytest.mark.notebooks
def test_near_miss_harness_fails_a_wrong_answer_that_passes_and_undoes_what_it_leaves(tmp_path, monkeypatch):
    code = nbformat.v4.new_code_cell
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [code("calls = []"), code("def f():\n    return 2"), code("assert f() == 2, 'f should return 2'")]
    notebook.cells[1].metadata["nbgrader"] = {"grade_id": "ex", "solution": True}
    notebook.cells[2].metadata["nbgrader"] = {"grade_id": "ex_check", "grade": True}
    (segment,) = segments(notebook, skip_tag=DEMO)[1]
    caught = dict(name="three", cell="ex", source="def f():\n    return 3", loses=["ex_check"], says="return 2")
    passes = dict(name="same", cell="ex", source="def f():\n    return 2", loses=["ex_check"], says="return 2")
    mute = dict(name="mute", cell="ex", source="def f():\n    return 3", loses=["ex_check"], says="return 7")
    leaves = "calls.append(1)\nleft = 1\ndef f():\n    return 3"
    with CellByCell(notebook, tmp_path) as kernel:
        kernel.run(0)
        assert wrong_version_problems(kernel, segment, caught) == []
        assert "but passes" in " ".join(wrong_version_problems(kernel, segment, passes))
        assert "lacks 'return 7'" in " ".join(wrong_version_problems(kernel, segment, mute))
        wrong_version_problems(kernel, segment, dict(caught, source=leaves))
        kernel.run(1)
        assert not kernel.run(2).raised
        assert kernel.run(1, "assert calls == [] and 'left' not in globals()").raised is False
        # A list made after the last version (a record of calls) is restored after the next one too.
        kernel.run(0, "record = []")
        wrong_version_problems(kernel, segment, dict(caught, source=leaves.replace("calls", "record")))
        assert kernel.run(1, "assert record == []").raised is False
        # A wrong answer that never runs (its cell never reached) is reported at the notebook's end;
        # one that kills the kernel costs a new kernel, brought back to where the notebook was.
        dies = dict(caught, name="dies", source="import os\nos._exit(1)", says="KernelDied")
        monkeypatch.setattr("tools.near_misses.wrong_answers", lambda name: [caught, dies, dict(caught, cell="gone")])
        near = NearMisses("tiny", kernel)
        assert near.before(0) == [] and near.last_cell == 2
        assert near.before(1) == [] and kernel.restarts == 1
        assert not kernel.run(1, "assert calls == [] and f() == 2 and 'record' not in globals()").raised
        assert near.never_run() == ["three: its gone never ran"]
