"""`make grade LESSON=NN`: a self-paced learner's grade and feedback, without the hidden tests' code."""

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from paper2prod import selfgrade
from tools.answers import answer_lines, visible_text
from tools.notebooks import LESSONS, ROOT, SOLUTIONS

LESSON = "00-setup"
# A learner who is nearly right on exercise 1 (passes the visible check, not the hidden one), right in
# their own words on exercise 2, and has not done exercise 3 yet.
MY_ANSWERS = {
    "ex1_counts": "n_ratings = int(ratings.count())\n"
    "n_users = int(ratings.select('userId').distinct().count())\n"
    "n_films = int(ratings.select('movieId').distinct().count()) - 1  # off by one",
    "ex2_histogram": "def rating_histogram(frame):\n"
    "    table = frame.groupBy('rating').count().toPandas().sort_values('rating')\n"
    "    return table.set_index('rating')['count']",
}
HIDDEN_MESSAGE = "the distinct movieId values of the ratings"


def learner_repository(where: Path, with_solutions: bool = True) -> Path:
    shutil.copy(ROOT / "nbgrader_config.py", where)
    shutil.copytree(LESSONS / LESSON, where / "lessons" / LESSON)
    if with_solutions:
        shutil.copytree(SOLUTIONS / LESSON, where / "solutions" / LESSON)
    notebook_path = where / "lessons" / LESSON / f"{LESSON}.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in MY_ANSWERS:
            cell.source = MY_ANSWERS[grade_id]
    nbformat.write(notebook, notebook_path)
    return notebook_path


@pytest.mark.notebooks
def test_self_grade_prints_points_and_writes_feedback_without_hidden_code(tmp_path, capsys):
    mine = learner_repository(tmp_path)
    before = mine.read_bytes()
    assert selfgrade.main([LESSON[:2], "--root", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    lines = {line.split()[1]: line for line in printed.splitlines() if line.startswith(("ok", "FAIL"))}
    assert lines["ex1_counts_check"].startswith("FAIL") and "0/3" in lines["ex1_counts_check"]
    assert HIDDEN_MESSAGE in lines["ex1_counts_check"], printed
    assert lines["ex2_histogram_check"].startswith("ok") and "3/3" in lines["ex2_histogram_check"]
    assert "0/2" in lines["ex3_rated_once_check"], "an exercise not done yet scores zero"
    assert "q_rated_once" in printed and "not graded here" in printed
    assert "autograded total: 3/8" in printed

    page = tmp_path / "feedback" / f"{LESSON}.html"
    assert str(page) in printed
    text = visible_text(page.read_text())
    assert HIDDEN_MESSAGE in text, "the feedback must say what the hidden check found"
    shown = {" ".join(line.split()) for line in text.splitlines()}
    mine_lines = {" ".join(line.split()) for line in "\n".join(MY_ANSWERS.values()).splitlines()}
    leaked = [
        f"{where}: {line}" for line, where in answer_lines(LESSON).items() if line in shown and line not in mine_lines
    ]
    assert not leaked, "the feedback shows hidden tests or solutions:\n" + "\n".join(leaked)

    assert mine.read_bytes() == before, "grading must not touch the learner's notebook"
    assert not (tmp_path / "gradebook.db").exists() and not (tmp_path / "submitted").exists()


def test_self_grade_without_solutions_says_why(tmp_path, capsys):
    learner_repository(tmp_path, with_solutions=False)
    assert selfgrade.main([LESSON[:2], "--root", str(tmp_path)]) == 1
    said = capsys.readouterr()
    assert "needs the hidden tests" in said.err and "grading" not in said.out, said
    mine = tmp_path / "elsewhere" / "mine.ipynb"
    assert selfgrade.main([LESSON[:2], "--root", str(tmp_path), "--notebook", str(mine)]) == 1
    assert f"nbgrader validate {mine}" in capsys.readouterr().err  # the notebook given, not lessons/...


def test_self_grade_names_the_lessons_for_an_unknown_number(tmp_path, capsys):
    learner_repository(tmp_path)
    assert selfgrade.main(["42", "--root", str(tmp_path)]) == 1
    assert "lessons: 00" in capsys.readouterr().err


def test_feedback_scrubbing_keeps_messages_and_drops_hidden_code():
    from paper2prod.autograde import scrub_notebook

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "expect(x > 0, 'x should be positive')\n### BEGIN HIDDEN TESTS\n"
        "assert x == 42, 'x should be the answer'\n### END HIDDEN TESTS"
    )
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "t"}
    cell.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="AssertionError",
            evalue="x should be the answer",
            traceback=["----> 3 assert x == 42, 'x should be the answer'"],
        )
    ]
    notebook.cells.append(cell)
    scrub_notebook(notebook)
    assert "x == 42" not in cell.source and "x should be positive" in cell.source
    assert cell.outputs[0]["traceback"] == ["AssertionError: x should be the answer"]


def test_feedback_hides_the_graders_folders():
    from paper2prod.autograde import private_paths, scrub_notebook

    course = "/home/teacher/course"
    paths = {f"{course}/.venv": "<python environment>", course: "<course>", "/home/teacher": "~"}
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(sys.executable)")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"Python 3.11 at {course}/.venv/bin/python\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": f"'{course}/datasets/data/ml-100k'"}),
        nbformat.v4.new_output(
            "error", ename="FileNotFoundError", evalue="/tmp/paper2prod-grading-ab_12/x.csv and /home/teacher/x"
        ),
    ]
    notebook.cells.append(cell)
    scrub_notebook(notebook, paths)
    shown = nbformat.writes(notebook)
    assert "teacher" not in shown and "paper2prod-grading" not in shown, shown
    assert "<python environment>/bin/python" in cell.outputs[0]["text"]
    assert cell.outputs[1]["data"]["text/plain"] == "'<course>/datasets/data/ml-100k'"
    assert cell.outputs[2]["traceback"] == ["FileNotFoundError: <your notebook's folder>/x.csv and ~/x"]
    # The real list: this environment and the course folder, longest first, never the root folder.
    real = list(private_paths())
    assert sys.prefix in real and "/" not in real and real == sorted(real, key=len, reverse=True)
