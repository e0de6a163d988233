"""Grade your own notebook with the hidden tests, as a class's autograder would: `make grade LESSON=04`.

    python -m paper2prod.selfgrade 04 [--notebook path/to/my-copy.ipynb]

Runs nbgrader's autograde on your notebook in `lessons/NN-name/` (or the one you name) in a scratch
course folder, with the hidden tests from `solutions/`; your file and the repository are not touched.
It prints the points per exercise with the first line of each failed check's message, and writes a
feedback page to `feedback/NN-name.html` that shows each check's message but not the hidden tests'
code. Written answers are graded by a person: they show as "not graded here".
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from paper2prod.gradebook import first_error_line, graded_outputs, grades, run_nbgrader


class SelfGradeError(Exception):
    """Something the learner can fix; printed as one line."""


@dataclass
class Result:
    grade_id: str
    score: float
    max_score: float
    autograded: bool
    message: str  # first line of what the failing check said; "" when it passed


def find_lesson(root: Path, lesson: str, notebook: Path | None = None) -> str:
    matches = sorted(p.name for p in (root / "lessons").glob(f"{lesson}*") if p.is_dir())
    if len(matches) != 1:
        known = ", ".join(sorted(p.name[:2] for p in (root / "lessons").glob("[0-9][0-9]-*"))) or "none"
        raise SelfGradeError(
            f"no single lesson matches {lesson!r} in {root / 'lessons'} (lessons: {known}); "
            "use its number, e.g. make grade LESSON=04"
        )
    name = matches[0]
    if not (root / "solutions" / name).is_dir():
        mine = notebook or Path("lessons") / name / f"{name}.ipynb"
        raise SelfGradeError(
            f"grading needs the hidden tests in solutions/{name}/, which this copy does not "
            "have. In a class your instructor grades your work; you can still run "
            f"`nbgrader validate {mine}` for the visible checks."
        )
    return name


def grade(
    root: Path, lesson: str, notebook: Path | None = None, feedback_dir: Path | None = None
) -> tuple[list[Result], Path]:
    name = find_lesson(root, lesson, notebook)
    mine = notebook or root / "lessons" / name / f"{name}.ipynb"
    if not mine.exists():
        raise SelfGradeError(f"{mine} does not exist: pass --notebook with the notebook you worked in")
    with tempfile.TemporaryDirectory(prefix="paper2prod-selfgrade-") as scratch:
        course = Path(scratch)
        shutil.copy(root / "nbgrader_config.py", course)
        shutil.copytree(
            root / "solutions" / name,
            course / "solutions" / name,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
        run_nbgrader(course, "generate_assignment", name, "--force", error=SelfGradeError)
        handed_in = course / "submitted" / "me" / name
        shutil.copytree(course / "lessons" / name, handed_in)  # the lesson's other files (modules)
        shutil.copy(mine, handed_in / f"{name}.ipynb")
        run_nbgrader(course, "autograde", name, "--force", error=SelfGradeError)
        run_nbgrader(course, "generate_feedback", name, "--force", error=SelfGradeError)
        results = _results(course, name)
        target = (feedback_dir or root / "feedback") / f"{name}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(course / "feedback" / "me" / name / f"{name}.html", target)
        target.chmod(0o644)
    return results, target


def _results(course: Path, name: str) -> list[Result]:
    messages = graded_outputs(course / "autograded" / "me" / name)
    return [
        Result(g.grade_id, g.score or 0.0, g.max_score, g.autograded,
               first_error_line(messages.get(g.grade_id, [])) if g.autograded else "")
        for g in grades(course, name, "me")
    ]  # fmt: skip


def report(results: list[Result], feedback: Path) -> str:
    lines = []
    for r in results:
        if not r.autograded:
            lines.append(f"  {r.grade_id:<32} not graded here (written answer, {r.max_score:g} points)")
            continue
        mark = "ok  " if r.score == r.max_score else "FAIL"
        line = f"{mark} {r.grade_id:<32} {r.score:g}/{r.max_score:g}"
        lines.append(line + (f"  {r.message}" if r.score != r.max_score and r.message else ""))
    auto = [r for r in results if r.autograded]
    lines.append(f"autograded total: {sum(r.score for r in auto):g}/{sum(r.max_score for r in auto):g}")
    lines.append(f"feedback page (every check's message, no hidden test code): {feedback}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make grade LESSON=NN", description=__doc__.splitlines()[0])
    parser.add_argument("lesson", help="the lesson number, e.g. 04")
    parser.add_argument("--notebook", type=Path, help="grade this notebook instead of lessons/NN-name/NN-name.ipynb")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository folder")
    args = parser.parse_args(argv)
    notebook = args.notebook.resolve() if args.notebook else None
    try:
        name = find_lesson(args.root.resolve(), args.lesson, notebook)  # refuses before announcing anything
        print(f"grading {name} with the hidden tests (this runs the whole notebook) ...", flush=True)
        results, feedback = grade(args.root.resolve(), args.lesson, notebook)
    except SelfGradeError as error:
        print(f"make grade: {error}", file=sys.stderr)
        return 1
    print(report(results, feedback))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
