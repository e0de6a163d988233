"""A class on a shared JupyterHub, end to end, with the instructor guide's own commands.

One instructor and five students, each in their own home folder, share an exchange folder; a sixth
student is on the roster and hands nothing in. Lesson 00 goes round once: permissions, roster,
release, fetch, hand in (one student late), collect, ONE autograde run, the written answers graded
by hand, feedback, fetch feedback, grades as CSV. One student answers everything right but hands in
late, so the late penalty must come off the final score, written answer included; one makes a
typical mistake on time. Three of the students hand in something hostile or broken
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
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from paper2prod.gradebook import nbgrader_env
from tools.answers import hidden_test_lines, visible_text
from tools.grading import Course
from tools.notebooks import ROOT, SOLUTIONS

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
# Seconds a cell may run here: dave's endless loop costs this much (asleep), not the course's ten
# minutes. At 60 s, a loaded machine (load average 37 on 2 cores) once stopped erin's Spark counts too.
TIMEOUT = 120
WRITTEN = {"bob": 1.0, "carol": 0.5}  # the written answer's points, as a grader gives them by hand
ABSENT = "frank"  # on the roster, never hands in
SAYS = {  # what each student must read in the feedback they fetch
    "bob": ["Looks good", "Late submission penalty (Score: -1.8)", "(Score: 7.2 / 9.0)"],
    "carol": ["count each user once", "(Score: 5.5 / 9.0)"],
    "dave": [
        f"a cell ran longer than {TIMEOUT} s and was stopped",
        "was missing from the submission. It was added back",
    ],
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


def grade_written_answers(course: Path) -> None:
    """What a grader does in Formgrader: a manual score for each written answer (its API handler sets
    `manual_score` and commits)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, points in WRITTEN.items():
            grade = gradebook.find_grade("q_rated_once", LESSON, LESSON, student)
            grade.manual_score = points
        gradebook.db.commit()


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
        env.update(HOME=str(home), CLASSROOM_TEST_USER=name, PYTHONPATH=str(shim), PAPER2PROD_CELL_TIMEOUT=str(TIMEOUT))
        if name != "instructor":
            (home / ".jupyter" / "nbgrader_config.py").write_text(settings)
        return env

    (course / "roster.csv").write_text(
        "id,first_name,last_name,email\n" + "".join(f"{name},{name.title()},,\n" for name in [*STUDENTS, ABSENT])
    )
    # The guide's due date is relative (never in the past); here it is a day away, so that bob can be late.
    guide_due = re.search(r'--duedate="([^"]*)"', guide_block("exchange-cycle", "bash")).group(1)
    said = run(f'echo "{guide_due}"', course, env_for("instructor")).strip()
    assert datetime.strptime(said, "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=timezone.utc) > datetime.now(timezone.utc)
    due = datetime.now(timezone.utc) + timedelta(days=1)
    solution = nbformat.read(SOLUTIONS / LESSON / f"{LESSON}.ipynb", as_version=4)
    submitted_once = False
    took: dict[str, float] = {}  # seconds per guide step, summed over the students (printed: the guide's timings)
    for who, commands in cycle_phases():
        if who == "instructor":
            for command in commands:
                started = time.monotonic()
                if command == "WORK":
                    grade_written_answers(course)
                    continue
                command = re.sub(r'--duedate="[^"]*"', f'--duedate="{due:%Y-%m-%d %H:%M:%S} UTC"', command)
                run(command, course, env_for("instructor"))
                took[command] = took.get(command, 0) + time.monotonic() - started
            continue
        for student, plan in STUDENTS.items():
            env, home = env_for(student), tmp_path / "home" / student
            for command in commands:
                started = time.monotonic()
                if command == "WORK":
                    hand_in(home / LESSON / f"{LESSON}.ipynb", plan, solution)
                else:
                    run(command, home, env)
                    took[command] = took.get(command, 0) + time.monotonic() - started
            if plan.get("late") and not submitted_once:
                make_late(home, exchange, student, due + timedelta(days=1, hours=12))
        submitted_once = True
    print("seconds per step of the guide's cycle (students' steps summed over 5 students):")
    for command, seconds in took.items():
        print(f"  {seconds:6.1f}  {command}")

    # Scores from the gradebook: everyone graded, the bad ones lose only what they broke.
    gradebook = Course(course)
    for student, expected in EXPECTED.items():
        got = {cell: s.score for cell, s in gradebook.scores(LESSON, student).items() if s.autograded}
        assert got == expected, f"{student}: {got}, expected {expected}"

    # Grades for the LMS: everyone on the roster; the late student lost 10% per started day (2 days) of
    # the FINAL score, written answer included: 20% of 9 points, not of the 8 autograded ones.
    with open(course / "grades.csv") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {*STUDENTS, ABSENT}
    for student, expected in EXPECTED.items():
        raw = sum(expected.values()) + WRITTEN.get(student, 0)
        assert float(rows[student]["raw_score"]) == pytest.approx(raw), rows[student]
    assert float(rows["bob"]["late_submission_penalty"]) == pytest.approx(1.8), rows["bob"]
    assert float(rows["bob"]["score"]) == pytest.approx(7.2), rows["bob"]
    assert float(rows["carol"]["late_submission_penalty"]) == 0 and float(rows["carol"]["score"]) == 5.5
    absent = rows[ABSENT]
    assert (absent["timestamp"], float(absent["raw_score"]), float(absent["score"])) == ("", 0, 0), absent
    assert float(absent["max_score"]) == 9

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
        # ... nor the instructor's folders (lesson 00 prints the Python it runs in).
        page = pages[0].read_text()
        for private in (sys.prefix, str(ROOT), str(course), str(tmp_path)):
            assert private not in page, f"{student}'s feedback shows the grader's folder {private}"

    # The course survived: gradebook, sources and submissions where they were, nothing planted.
    assert (course / "gradebook.db").exists() and digest(course / "solutions") == before
    assert not list(tmp_path.rglob("hacked.txt"))
    assert (course / "submitted" / "bob" / LESSON / f"{LESSON}.ipynb").exists()
    assert (course / "submitted" / "gina" / LESSON / f"{LESSON}.ipynb.unreadable").exists()
    # The guide's permissions step closed the course folder; it is still closed after a whole cycle.
    said = run("python -m paper2prod.autograde permissions", course, env_for("instructor"))
    assert said.startswith("ok:"), said


def test_a_hub_environment_built_from_the_student_copy_holds_no_answer_key(tmp_path):
    """The instructor guide's hub set-up: the students' environment gets the course package from the
    published copy, installed (not editable). An editable install of the course folder would let every
    student import, and read, the instructor's package and find the solutions next to it."""
    copy, site = tmp_path / "copy", tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "tools.student_copy", str(copy), "--upto", "00"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # What the guide runs on the hub (`pip install <copy>`), offline and cheap here: this environment
    # already has the dependencies and the setuptools the lock pins.
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(site), str(copy)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr

    def package_files(folder: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(folder)): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }

    installed, shipped = package_files(site / "paper2prod"), package_files(copy / "paper2prod")
    assert installed == shipped, (
        f"the installed package differs from the copy's: {sorted(set(installed) ^ set(shipped))}"
    )
    held_back = sorted(set(package_files(ROOT / "paper2prod")) - set(shipped))
    assert held_back, "a week-00 copy should hold back the package modules of later lessons"
    # Nothing in the environment points back at a folder: no editable finder, no .pth, no link.
    pointers = [p.name for p in site.rglob("*") if p.suffix == ".pth" or "__editable__" in p.name]
    assert not pointers, f"an editable install: {pointers}"
    where = subprocess.run(
        [sys.executable, "-c", "import paper2prod, pathlib; print(pathlib.Path(paper2prod.__file__).resolve())"],
        cwd=tmp_path, env={**nbgrader_env(), "PYTHONPATH": str(site)}, capture_output=True, text=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(site.resolve()), where.stdout + where.stderr
