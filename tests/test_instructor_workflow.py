"""Run the instructor guide's dry run, command for command, in a scratch copy of the course."""

import csv
import re
import shutil
import subprocess
import sys

import pytest

from paper2prod.gradebook import nbgrader_env
from tools.grading import Course
from tools.notebooks import ROOT

GUIDE = ROOT / "docs" / "instructor-guide.md"


def dry_run_commands():
    block = re.search(r"<!-- dry-run:start -->\s*```bash\n(.*?)```\s*<!-- dry-run:end -->", GUIDE.read_text(), re.S)
    assert block, "the instructor guide lost its dry-run block"
    return [line for line in block.group(1).splitlines() if line.strip()]


@pytest.mark.notebooks
def test_instructor_guide_dry_run(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / "00-setup", course / "solutions" / "00-setup")
    for command in dry_run_commands():
        done = subprocess.run(
            ["bash", "-c", command], cwd=course, env=nbgrader_env(), capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"`{command}` failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"

    scores = Course(course).scores("00-setup", "dryrun")
    auto = {cell: s for cell, s in scores.items() if s.autograded}
    assert auto and all(s.score == s.max_score for s in auto.values()), scores
    feedback = (course / "feedback" / "dryrun" / "00-setup" / "00-setup.html").read_text()
    assert "Looks good" in feedback, "feedback should show the checks' messages"
    with open(course / "grades.csv") as handle:
        rows = [row for row in csv.DictReader(handle) if row["student_id"] == "dryrun"]
    assert len(rows) == 1 and float(rows[0]["raw_score"]) == sum(s.max_score for s in auto.values())
    assert (course / "lessons" / "00-setup" / "00-setup.ipynb").exists()


def test_every_lesson_has_instructor_notes_linked_from_the_guide():
    guide = GUIDE.read_text()
    for lesson in sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()):
        notes = ROOT / "docs" / "lessons" / f"{lesson}.md"
        assert notes.exists(), f"docs/lessons/{lesson}.md is missing (rubrics, timings)"
        assert f"lessons/{lesson}.md" in guide, f"the instructor guide does not link {lesson}'s notes"


def test_every_written_answer_has_a_rubric():
    import nbformat

    for notebook in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        notes = (ROOT / "docs" / "lessons" / f"{notebook.parent.name}.md").read_text()
        for cell in nbformat.read(notebook, as_version=4).cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and meta.get("solution"):
                assert meta["grade_id"] in notes, f"no rubric for {meta['grade_id']} in {notebook.parent.name}'s notes"


def test_permissions_warn_about_a_course_open_to_other_accounts_and_fix_it(tmp_path):

    course = tmp_path / "course"
    for folder in ("solutions", "autograded", "submitted"):
        (course / folder).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("")
    (course / "gradebook.db").write_text("")
    for item in (course, course / "solutions", course / "autograded", course / "gradebook.db"):
        item.chmod(0o755 if item.is_dir() else 0o644)
    (course / "submitted").chmod(0o750)

    def run(*args):
        done = subprocess.run(
            [sys.executable, "-m", "paper2prod.autograde", "permissions", str(course), *args],
            capture_output=True, text=True,
        )  # fmt: skip
        return done.returncode, done.stdout + done.stderr

    code, said = run()
    assert code == 1, said
    warned = {line.split()[1] for line in said.splitlines() if line.startswith("WARNING")}
    assert warned == {str(course), *(str(course / n) for n in ("solutions", "autograded", "gradebook.db"))}, said
    code, said = run("--fix")
    assert code == 0 and said.count("fixed:") == 4, said
    assert all(not (p.stat().st_mode & 0o007) for p in course.rglob("*") if p.name != "nbgrader_config.py")
    assert not course.stat().st_mode & 0o007
    code, said = run()
    assert code == 0 and said.startswith("ok:"), said
    (course / "feedback").mkdir(mode=0o755)  # nbgrader writes with umask 022, inside the closed folder
    code, said = run()
    assert code == 0 and said.startswith("ok:"), said


def test_a_host_can_build_decks_that_keep_the_answers_for_the_debrief():
    """Deck 00 shows exercise 1's counts and deck 04 the top 10 the room is asked to predict: those
    slides are tagged "debrief", and the room's build (make slides DEBRIEF=0) leaves them out."""
    import nbformat

    from tools.slides import DEBRIEF, expected_slides, without_debrief

    answers = {"00-setup": "frame['userId'].nunique()", "04-recommend-for-me": "top_10_for(persona_row)"}
    for name, answer in answers.items():
        deck = nbformat.read(ROOT / "slides" / f"{name}.ipynb", as_version=4)
        room = without_debrief(deck)
        tagged = [cell for cell in deck.cells if DEBRIEF in cell.metadata.get("tags", [])]
        assert tagged and expected_slides(room) == expected_slides(deck) - len(tagged), name
        assert answer in "".join(c.source for c in deck.cells), f"deck {name} no longer computes {answer}"
        assert answer not in "".join(c.source for c in room.cells), f"the room's deck {name} still shows {answer}"
    guide = (ROOT / "docs" / "workshop-guide.md").read_text()
    assert "make slides DEBRIEF=0" in guide and "make check-room" in guide
    assert "check-room:" in (ROOT / "Makefile").read_text()
