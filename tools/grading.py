"""The grading round trip, as an instructor would run it, in a scratch course folder.

    course = Course.create(["00-setup"])
    course.submit("00-setup", "alice", course.solution_notebooks("00-setup"))
    course.submit("00-setup", "bob", course.release_notebooks("00-setup"))
    course.autograde("00-setup")
    course.scores("00-setup", "alice")   # {grade_id: Grade} (paper2prod.gradebook)

Scores are read from the gradebook (paper2prod.gradebook), never from exit codes.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from paper2prod.gradebook import Grade, grade_id, graded_outputs, grades, output_text, run_nbgrader
from tools.notebooks import ROOT, SOLUTIONS, nbgrader_api, succeeded


@dataclass
class Course:
    root: Path

    @classmethod
    def create(cls, names: list[str], where: Path | None = None) -> Course:
        root = Path(tempfile.mkdtemp(prefix="paper2prod-course-", dir=where))
        shutil.copy(ROOT / "nbgrader_config.py", root)
        for name in names:
            shutil.copytree(
                SOLUTIONS / name,
                root / "solutions" / name,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            )
        api = nbgrader_api(root)
        for name in names:
            succeeded(api.generate_assignment(name, force=True, create=True), f"generate_assignment {name}")
        return cls(root)

    def nbgrader(self, *args: str) -> str:
        return run_nbgrader(self.root, *args)

    # -- what a student hands in
    def _notebooks(self, folder: Path) -> dict[str, nbformat.NotebookNode]:
        return {p.name: nbformat.read(p, as_version=4) for p in sorted(folder.glob("*.ipynb"))}

    def solution_notebooks(self, name: str) -> dict[str, nbformat.NotebookNode]:
        return self._notebooks(self.root / "solutions" / name)

    def release_notebooks(self, name: str) -> dict[str, nbformat.NotebookNode]:
        return self._notebooks(self.root / "lessons" / name)

    def submit(self, name: str, student: str, notebooks: dict[str, nbformat.NotebookNode]) -> None:
        """Hand in notebooks, alongside the release's other files (data, modules)."""
        folder = self.root / "submitted" / student / name
        shutil.copytree(self.root / "lessons" / name, folder, dirs_exist_ok=True)
        for file_name, notebook in notebooks.items():
            nbformat.write(notebook, folder / file_name)

    def autograde(self, name: str, student: str | None = None) -> str:
        """`nbgrader autograde` of every submission (the command), or of one student's in this process
        (`nbgrader_api`: the same Autograde app and settings, without a new Python per submission)."""
        if student is None:
            return self.nbgrader("autograde", name, "--force", "--create")
        return succeeded(
            nbgrader_api(self.root).autograde(name, student, force=True, create=True), f"autograde {name} of {student}"
        )

    # -- what the gradebook says
    def scores(self, name: str, student: str) -> dict[str, Grade]:
        return {grade.grade_id: grade for grade in grades(self.root, name, student)}

    def cell_output(self, name: str, student: str, grade_id: str) -> str:
        """Everything a graded cell printed or raised in the autograded copy."""
        outputs = graded_outputs(self.root / "autograded" / student / name)
        if grade_id not in outputs:
            raise KeyError(f"no cell {grade_id} in {student}'s autograded {name}")
        return "\n".join(output_text(output) for output in outputs[grade_id])


def replace_cell(
    notebooks: dict[str, nbformat.NotebookNode], wanted: str, source: str
) -> dict[str, nbformat.NotebookNode]:
    """A copy of the notebooks with one solution cell's code (grade_id `wanted`) replaced (a wrong answer)."""
    copies = copy.deepcopy(notebooks)
    for notebook in copies.values():
        for cell in notebook.cells:
            if grade_id(cell) == wanted:
                cell.source = source
                return copies
    raise KeyError(f"no cell with grade_id {wanted!r}")
