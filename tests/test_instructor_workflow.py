"""Run the instructor guide's dry run, command for command, in a scratch copy of the course."""

import csv
import re
import shutil
import subprocess

import pytest

from tools.grading import Course
from tools.notebooks import ROOT, nbgrader_env

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
