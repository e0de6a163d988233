"""The repository a class publishes (`make student-copy`) holds no answer, and works on its own."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import student_copy
from tools.answers import answer_lines, hits
from tools.notebooks import assignments

INSTRUCTOR_ONLY = (
    "solutions/",
    "authoring/",
    "docs/lessons/",
    "docs/instructor-guide.md",
    "docs/workshop-guide.md",
    "docs/authoring.md",
    "docs/slides.md",
    "slides/",
    "tests/wrong_answers/",
    "tests/test_prototype_defects.py",
    "tests/test_grading.py",
    "tests/test_instructor_workflow.py",
    "tests/shipping_reference.py",
    "tools/grading.py",
    "tools/notebooks.py",
    "tools/answers.py",
    "tools/student_copy.py",
)
RELEASE_POINTS = [name[:2] for name in assignments()] + ["all"]


def _text(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    return path.read_text(errors="replace")


@pytest.fixture(scope="module")
def answers():
    return {name: answer_lines(name) for name in assignments()}


@pytest.mark.parametrize("upto", RELEASE_POINTS)
def test_student_copy_holds_no_answer(upto, answers, tmp_path):
    written = student_copy.build(tmp_path, None if upto == "all" else upto)
    relative = sorted(str(p.relative_to(tmp_path)) for p in written)
    leaked = [name for name in relative if name.startswith(INSTRUCTOR_ONLY)]
    assert not leaked, f"instructor-only files in the student copy: {leaked}"
    lessons = {name.split("/")[1] for name in relative if name.startswith("lessons/")}
    expected = [n for n in assignments() if upto == "all" or n[:2] <= upto]
    assert sorted(lessons) == expected, f"UPTO={upto} should release {expected}, got {sorted(lessons)}"

    last = assignments()[-1][:2] if upto == "all" else upto
    unreleased = {line: where for name, lines in answers.items() if name[:2] >= last for line, where in lines.items()}
    found = []
    for path in written:
        if path.suffix in (".pyc", ".png", ".jpg", ".gz", ".zip"):
            continue
        text = _text(path)
        found += [f"{path.relative_to(tmp_path)}: {hit}" for hit in hits(text, unreleased)]
        if upto == "all" and path.relative_to(tmp_path).parts[0] == "paper2prod":
            # In the package, an answer is allowed only in a module released after its lesson.
            tag = student_copy.released_with(student_copy.ROOT / path.relative_to(tmp_path)) or "00"
            earlier = {
                line: where for name, lines in answers.items() if name[:2] >= tag[:2] for line, where in lines.items()
            }
            found += [f"{path.relative_to(tmp_path)}: {hit}" for hit in hits(text, earlier)]
    assert not found, "answers in the student copy:\n" + "\n".join(sorted(set(found))[:40])


def test_ranking_module_is_released_with_lesson_05():
    assert "paper2prod/ranking.py" not in {str(p.relative_to(student_copy.ROOT)) for p in student_copy.files_for("04")}
    assert student_copy.ROOT / "paper2prod" / "ranking.py" in student_copy.files_for("05")


def test_student_copy_refuses_bad_input(tmp_path, capsys):
    assert student_copy.main([str(tmp_path / "copy"), "--upto", "99"]) == 1
    assert "UPTO='99'" in capsys.readouterr().err


@pytest.mark.slow
def test_student_copy_sets_up_and_passes_its_own_tests(tmp_path):
    """`make test`, as the copy's README says, reusing this environment (no second install)."""
    copy = tmp_path / "copy"
    student_copy.build(copy)
    venv = Path(sys.prefix)
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    # -o: the environment exists already; never let make reinstall it from the copy.
    done = subprocess.run(
        ["make", "test", f"VENV={venv}", "-o", f"{venv}/.installed"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, (
        f"`make test` failed in the student copy:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    )
    assert " passed" in done.stdout and "solutions" not in {p.name for p in copy.iterdir()}


def test_a_bare_exception_handler_is_not_an_answer():
    from tools.answers import significant

    assert not significant("except (TypeError, ValueError):")
    assert not significant("except (KeyError, ValueError) as error:")
    assert significant("except (TypeError, ValueError): return fallback_scores")
