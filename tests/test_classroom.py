"""A class on a shared JupyterHub, end to end, with the instructor guide's own commands.

One instructor and five students, each in their own home folder, share an exchange folder. Lesson
00 goes round once: release, fetch, hand in (one student late), collect, ONE autograde run,
feedback, fetch feedback, grades as CSV. One student answers everything right but hands in late; one
makes a typical mistake on time. Three of the students hand in something hostile or broken
(an endless loop plus an edited and a deleted test cell; an attempt on the course's files plus a
kernel that kills itself; a file that is not JSON); the others must be graded exactly as usual.

On a hub every student is a separate OS account; here all run as one account, so a small
`sitecustomize` tells nbgrader each student's name (what `pwd` would say on the hub).
"""

import csv
import hashlib
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from tools.answers import hidden_test_lines, visible_text
from tools.grading import Course
from tools.notebooks import ROOT, SOLUTIONS, nbgrader_env

GUIDE = ROOT / "docs" / "instructor-guide.md"
LESSON = "00-setup"
FULL = {"ex1_counts_check": 3.0, "ex2_histogram_check": 3.0, "ex3_rated_once_check": 2.0}

VANDAL = """from pathlib import Path  # first wipe the course, then answer as usual
import shutil
for up in range(1, 8):  # climb out of the notebook's folder, looking for the course
    folder = Path("../" * up).resolve()
    if (folder / "gradebook.db").exists():
        (folder / "hacked.txt").write_text("was here")
        (folder / "gradebook.db").unlink()
        shutil.rmtree(folder / "solutions", ignore_errors=True)
        shutil.rmtree(folder / "submitted", ignore_errors=True)
n_ratings = ratings.count()
n_users = ratings.select("userId").distinct().count()
n_films = ratings.select("movieId").distinct().count()
"""
# What each student hands in: answer cells replaced, test cells edited or deleted, or raw text.
STUDENTS = {
    # Every student runs the lesson once more in the one autograde run, so each plays more than one
    # part: bob has everything right and is late; carol makes a mistake and is on time.
    "bob": dict(late=True),
    "carol": dict(
        answers={
            "ex1_counts": "n_ratings = ratings.count()\nn_users = ratings.select('userId').count()\n"
            "n_films = ratings.select('movieId').distinct().count()"
        }
    ),
    "dave": dict(
        # endless, but asleep: the timeout must stop it, without burning a core the other tests need
        answers={"ex2_histogram": "import time\nwhile True:\n    time.sleep(0.5)"},
        edit={"ex1_counts_check": "pass"},
        delete=["ex3_rated_once_check"],
    ),
    "erin": dict(
        answers={"ex1_counts": VANDAL, "ex2_histogram": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"}
    ),
    "gina": dict(raw='{"cells": [{"cell_type": "code", "source": "oops'),
}
EXPECTED = {  # autograded points per test cell
    "bob": FULL,
    "carol": {**FULL, "ex1_counts_check": 0.0},
    "dave": {**FULL, "ex2_histogram_check": 0.0},
    "erin": {**FULL, "ex2_histogram_check": 0.0, "ex3_rated_once_check": 0.0},
    "gina": dict.fromkeys(FULL, 0.0),
}
SAYS = {  # what each student must read in the feedback they fetch
    "carol": ["count each user once"],
    "dave": ["a cell ran longer than 60 s and was stopped", "was missing from the submission. It was added back"],
    "erin": ["the kernel died while running this cell"],
    "gina": ["Your submission could not be read"],
}
SHIM = """import os, pwd
_getpwuid = pwd.getpwuid
def _as_student(uid):
    entry = _getpwuid(uid)
    name = os.environ.get("CLASSROOM_TEST_USER")
    return pwd.struct_passwd((name,) + tuple(entry)[1:]) if name and uid == os.getuid() else entry
pwd.getpwuid = _as_student
"""


def guide_block(name: str, language: str) -> str:
    pattern = rf"<!-- {name}:start -->\s*```{language}\n(.*?)```\s*<!-- {name}:end -->"
    block = re.search(pattern, GUIDE.read_text(), re.S)
    assert block, f"the instructor guide lost its {name} block"
    return block.group(1)


def cycle_phases() -> list[tuple[str, list[str]]]:
    """The guide's exchange cycle as (who, commands) in order; "WORK" marks the student's editing."""
    phases: list[tuple[str, list[str]]] = []
    for line in guide_block("exchange-cycle", "bash").splitlines():
        line = line.strip()
        if line.startswith("# instructor") or line.startswith("# each student"):
            phases.append(("instructor" if "instructor" in line else "students", []))
        elif line.startswith("# ("):
            phases[-1][1].append("WORK")
        elif line and not line.startswith("#"):
            phases[-1][1].append(line)
    return phases


def run(command: str, cwd: Path, env: dict) -> str:
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"`{command}` failed in {cwd}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def hand_in(notebook_path: Path, plan: dict, solution: nbformat.NotebookNode) -> None:
    """What a student does between fetch and submit."""
    if "raw" in plan:
        notebook_path.write_text(plan["raw"])
        return
    notebook = nbformat.read(notebook_path, as_version=4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in solution.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    answers.update(plan.get("answers", {}))
    kept = []
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in plan.get("delete", []):
            continue
        if grade_id in answers and cell.cell_type == "code":
            cell.source = answers[grade_id]
        cell.source = plan.get("edit", {}).get(grade_id, cell.source)
        kept.append(cell)
    notebook.cells = kept
    nbformat.write(notebook, notebook_path)


def make_late(home: Path, exchange: Path, student: str, when: datetime) -> None:
    """Stand-in for handing in two days late: the submission's recorded time, in the exchange and
    in the student's own cache (fetch_feedback matches on it)."""
    stamps = [p for p in exchange.rglob("timestamp.txt") if f"{student}+" in str(p)]
    stamps += list((home / ".local").rglob("timestamp.txt"))
    assert stamps, f"no submission of {student} found"
    for stamp in stamps:
        stamp.write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))


def digest(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return hashlib.sha256(b"".join(str(p.relative_to(folder)).encode() + p.read_bytes() for p in files)).hexdigest()


@pytest.mark.slow
def test_classroom_cycle_with_late_and_hostile_submissions(tmp_path):
    exchange, course, shim = tmp_path / "exchange", tmp_path / "course", tmp_path / "shim"
    for folder in (exchange, course, shim):
        folder.mkdir()
    exchange.chmod(0o777)
    (shim / "sitecustomize.py").write_text(SHIM)
    settings = guide_block("exchange-config", "python").replace("/srv/nbgrader/exchange", str(exchange))
    shutil.copy(ROOT / "nbgrader_config.py", course)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\n" + settings)
    shutil.copytree(SOLUTIONS / LESSON, course / "solutions" / LESSON)
    before = digest(course / "solutions")

    def env_for(name: str) -> dict:
        home = tmp_path / "home" / name
        (home / ".jupyter").mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in nbgrader_env().items() if not k.startswith("JUPYTER_")}
        env.update(
            HOME=str(home), CLASSROOM_TEST_USER=name, PYTHONPATH=str(shim), PAPER2PROD_CELL_TIMEOUT="60"
        )  # the loop costs a minute, not the course's ten
        if name != "instructor":
            (home / ".jupyter" / "nbgrader_config.py").write_text(settings)
        return env

    due = datetime.now(timezone.utc) + timedelta(days=1)
    solution = nbformat.read(SOLUTIONS / LESSON / f"{LESSON}.ipynb", as_version=4)
    submitted_once = False
    for who, commands in cycle_phases():
        if who == "instructor":
            for command in commands:
                command = re.sub(r'--duedate="[^"]*"', f'--duedate="{due:%Y-%m-%d %H:%M:%S} UTC"', command)
                run(command, course, env_for("instructor"))
            continue
        for student, plan in STUDENTS.items():
            env, home = env_for(student), tmp_path / "home" / student
            for command in commands:
                if command == "WORK":
                    hand_in(home / LESSON / f"{LESSON}.ipynb", plan, solution)
                else:
                    run(command, home, env)
            if plan.get("late") and not submitted_once:
                make_late(home, exchange, student, due + timedelta(days=1, hours=12))
        submitted_once = True

    # Scores from the gradebook: everyone graded, the bad ones lose only what they broke.
    gradebook = Course(course)
    for student, expected in EXPECTED.items():
        got = {cell: s.score for cell, s in gradebook.scores(LESSON, student).items() if s.autograded}
        assert got == expected, f"{student}: {got}, expected {expected}"

    # Grades for the LMS: the late student lost 10% per started day (2 days of 8 points).
    with open(course / "grades.csv") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(STUDENTS)
    for student, expected in EXPECTED.items():
        assert float(rows[student]["raw_score"]) == sum(expected.values()), rows[student]
    assert float(rows["bob"]["late_submission_penalty"]) == pytest.approx(1.6)
    assert float(rows["bob"]["score"]) == pytest.approx(6.4)
    assert float(rows["carol"]["late_submission_penalty"]) == 0 and float(rows["carol"]["score"]) == 5

    # Feedback as each student fetched it: the reason, never the hidden tests.
    hidden = hidden_test_lines(LESSON)
    for student in STUDENTS:
        pages = list((tmp_path / "home" / student / LESSON / "feedback").glob("*/*.html"))
        assert len(pages) == 1, f"{student} fetched {pages}"
        text = visible_text(pages[0].read_text())
        for says in SAYS.get(student, ["Looks good"]):
            assert says in text, f"{student}'s feedback lacks {says!r}"
        lines = {" ".join(line.split()) for line in text.splitlines()}
        shown = [line for line in hidden if line in lines]
        assert not shown, f"{student}'s feedback shows hidden tests: {shown}"

    # The course survived: gradebook, sources and submissions where they were, nothing planted.
    assert (course / "gradebook.db").exists() and digest(course / "solutions") == before
    assert not list(tmp_path.rglob("hacked.txt"))
    assert (course / "submitted" / "bob" / LESSON / f"{LESSON}.ipynb").exists()
    assert (course / "submitted" / "gina" / LESSON / f"{LESSON}.ipynb.unreadable").exists()
