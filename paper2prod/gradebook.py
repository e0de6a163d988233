"""One home for the nbgrader plumbing that the self-grader (`make grade`) and the course's tools share:
running nbgrader from this environment, and reading what it graded.

Scores come from the gradebook, never from exit codes: `nbgrader validate` and friends exit 0 even
when tests fail."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat


@dataclass
class Grade:
    grade_id: str
    score: float | None
    max_score: float
    autograded: bool


def nbgrader_env() -> dict:
    """This environment, with its bin/ first on PATH: nbgrader shells out to `jupyter` and `alembic`."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    if env.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_nbgrader(course: Path, *args: str, error: type[Exception] = RuntimeError) -> str:
    """`nbgrader ARGS` in the course folder; its output, or `error` with the end of it."""
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=nbgrader_env(), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise error(f"nbgrader {' '.join(args)} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return done.stdout + done.stderr


def grades(course: Path, assignment: str, student: str) -> list[Grade]:
    """Every graded cell of a submission, in notebook order, from the course's gradebook."""
    from nbgrader.api import Gradebook

    result = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for notebook in gradebook.find_submission(assignment, student).notebooks:
            order = {cell.name: index for index, cell in enumerate(notebook.notebook.grade_cells)}
            for grade in sorted(notebook.grades, key=lambda g: order.get(g.name, 0)):
                result.append(Grade(grade.name, grade.score, grade.max_score, grade.cell.cell_type == "code"))
    return result


def grade_id(cell: dict) -> str:
    """The nbgrader grade_id of a notebook cell ("" for a cell nbgrader does not track)."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def graded_outputs(folder: Path) -> dict[str, list[dict]]:
    """{grade_id: outputs} of the graded cells of the notebooks in an autograded submission folder."""
    outputs = {}
    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if grade_id(cell):
                outputs[grade_id(cell)] = cell.get("outputs", [])
    return outputs


def output_text(output: dict) -> str:
    """What one output shows: an error's name and message, a stream's text, a result's plain text."""
    if output.get("output_type") == "error":
        return f"{output.get('ename')}: {output.get('evalue', '')}"
    if output.get("output_type") == "stream":
        return output.get("text", "")
    return str(output.get("data", {}).get("text/plain", ""))


def first_error_line(outputs: list[dict]) -> str:
    """The first line of the first error among a cell's outputs ("" when it raised nothing)."""
    for output in outputs:
        if output.get("output_type") == "error":
            text = output_text(output).strip()
            return text.splitlines()[0] if text else output.get("ename", "error")
    return ""
