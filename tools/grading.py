"""The grading round trip, as an instructor would run it, in a scratch course folder.

    course = Course.create(["00-setup"])
    course.submit("00-setup", "alice", course.solution_notebooks("00-setup"))
    course.submit("00-setup", "bob", course.release_notebooks("00-setup"))
    course.autograde("00-setup")
    course.scores("00-setup", "alice")   # {grade_id: Grade} (paper2prod.gradebook)

Scores are read from the gradebook (paper2prod.gradebook), never from exit codes.
"""

from __future__ import annotations

import contextlib
import copy
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from paper2prod.gradebook import Grade, first_error_line, grade_id, graded_outputs, grades, output_text, run_nbgrader
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


# -- near misses, one kernel per lesson -------------------------------------------------------------
# nbgrader scores a test cell zero exactly when it raises. So whether a wrong answer loses a check can
# be seen without a whole submission: run the solution in order in one kernel and, on reaching an
# answer cell, run each wrong version of it with the cells after it up to its last check, then the
# answer itself (which rebuilds the state, and must pass its checks again).
@dataclass
class Segment:
    """An answer cell and the code cells after it, up to the next answer cell (demos left out)."""

    answer: str  # grade_id of the answer cell that opens it
    cells: list[int]  # notebook indices, in order; the answer cell first
    tests: list[str]  # grade_ids of the test cells among them
    through_last_test: list[int]  # the cells a wrong answer reruns: up to its last judged test cell


# Checks of a whole pipeline (lesson 05's export): several answers feed them, so a loss there is not
# one answer's. The near-miss harness does not judge them, nor run a wrong version on to them (that
# would cost a whole pipeline per wrong answer); only an nbgrader submission of the notebook does.
END_TO_END = "e2e_"


def _is(cell: nbformat.NotebookNode, role: str) -> bool:
    return cell.cell_type == "code" and bool(cell.get("metadata", {}).get("nbgrader", {}).get(role))


def segments(notebook: nbformat.NotebookNode, skip_tag: str) -> tuple[list[int], list[Segment]]:
    """The code cells before the first answer cell, and the notebook's segments."""
    prefix, found = [], []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or skip_tag in cell.get("metadata", {}).get("tags", []):
            continue
        if _is(cell, "solution"):
            found.append(Segment(grade_id(cell), [], [], []))
        if not found:
            prefix.append(index)
            continue
        segment = found[-1]
        segment.cells.append(index)
        if _is(cell, "grade"):
            segment.tests.append(grade_id(cell))
            if not grade_id(cell).startswith(END_TO_END):
                segment.through_last_test = list(segment.cells)
    return prefix, found


@dataclass
class CellRun:
    raised: bool
    text: str  # what the cell printed or raised
    error: str = ""  # the first line of its error


class CellByCell:
    """One kernel, with the grader's settings, that runs a notebook's cells one at a time, each as
    written or with another source.

        with CellByCell(notebook, folder) as kernel:
            kernel.run(3)                        # cell 3 as written
            kernel.run(5, "def f(): return 1")   # cell 5 with another source
    """

    def __init__(self, notebook: nbformat.NotebookNode, folder: Path):
        from nbclient import NotebookClient

        from paper2prod.autograde import cell_timeout

        self.notebook = notebook
        self.client = NotebookClient(
            copy.deepcopy(notebook),  # which it changes: a run cell takes the place of the one written
            kernel_name="python3",
            timeout=cell_timeout(),
            startup_timeout=180,
            iopub_timeout=120,
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": f"ran longer than {cell_timeout()} s",
                "traceback": [],
            },
            allow_errors=True,
            resources={"metadata": {"path": str(folder)}},
        )
        self._kernel = None
        self._written: list[int] = []  # the cells run as written, in order: what a new kernel replays
        self._undoing = False
        self.restarts = 0

    def __enter__(self) -> CellByCell:
        self._kernel = self.client.setup_kernel()
        self._kernel.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._kernel.__exit__(*exc)

    def _restart(self) -> None:
        """A new kernel, brought to where this one was by the cells run as written so far."""
        with contextlib.suppress(Exception):
            self.__exit__(None, None, None)
        self.__enter__()
        self.restarts += 1
        for index in self._written:
            self._execute(copy.deepcopy(self.notebook.cells[index]), index)

    # What a wrong version binds, appends or imports must not reach the next version or the answer:
    # its names (an extra test function, a re-timed baseline), what it adds to the notebook's lists,
    # dicts and sets (a record of calls), and the course's modules it imported (a check may look for
    # those). Deeper changes inside objects are not undone: the answer's checks, run after it, fail
    # if they matter.
    _SAVE = """
import sys as _p2p_sys
_p2p_saved = (  # the harness's own names (_p2p...) stay out: restoring them would bring back an old snapshot
    {name: value for name, value in globals().items() if not name.startswith("_p2p")},
    {name: type(value)(value) for name, value in globals().items()
     if type(value) in (list, dict, set) and name not in ("In", "Out", "_ih", "_oh", "_dh")
     and not name.startswith("_p2p")},
    set(_p2p_sys.modules),
)
"""
    _RESTORE = """
import os as _p2p_os
_p2p_names, _p2p_contents, _p2p_modules = _p2p_saved
for _p2p_name in [name for name in globals() if name not in _p2p_names and not name.startswith("_p2p")]:
    del globals()[_p2p_name]
globals().update(_p2p_names)
for _p2p_name, _p2p_content in list(_p2p_contents.items()):
    globals()[_p2p_name].clear()
    (globals()[_p2p_name].extend if isinstance(_p2p_content, list) else globals()[_p2p_name].update)(_p2p_content)
for _p2p_name in [name for name in _p2p_sys.modules if name not in _p2p_modules]:
    _p2p_file = getattr(_p2p_sys.modules[_p2p_name], "__file__", None) or ""
    if _p2p_name.split(".")[0] == "paper2prod" or _p2p_file.startswith(_p2p_os.getcwd()):
        del _p2p_sys.modules[_p2p_name]
"""

    # A wrong version that stops the notebook's Spark session (or kills the kernel) leaves nothing to
    # restore: a new kernel replays the notebook up to here instead.
    _SPARK_STOPPED = "assert 'spark' not in globals() or not spark.sparkContext._jsc.sc().isStopped()"

    @contextlib.contextmanager
    def undone(self):
        """Run cells whose names and course imports are forgotten afterwards."""
        self._internal(self._SAVE)
        self._undoing = True
        try:
            yield
        finally:
            self._undoing = False
            restored = not self._execute(nbformat.v4.new_code_cell(self._RESTORE), 0).raised
            if not restored or self._execute(nbformat.v4.new_code_cell(self._SPARK_STOPPED), 0).raised:
                self._restart()

    def _internal(self, code: str) -> None:
        run = self._execute(nbformat.v4.new_code_cell(code), 0)
        if run.raised:
            raise RuntimeError(f"the harness's own code failed in the kernel: {run.text}")

    def run(self, index: int, source: str | None = None) -> CellRun:
        cell = copy.deepcopy(self.notebook.cells[index])
        if source is not None:
            cell.source = source
        elif not self._undoing:
            self._written.append(index)
        return self._execute(cell, index)

    def _execute(self, cell: nbformat.NotebookNode, index: int) -> CellRun:
        from nbclient.exceptions import DeadKernelError

        try:
            self.client.execute_cell(cell, index)
        except DeadKernelError:
            return CellRun(True, "KernelDied: the kernel died in this cell", "KernelDied")
        outputs = cell.get("outputs", [])
        return CellRun(
            any(output.get("output_type") == "error" for output in outputs),
            "\n".join(output_text(output) for output in outputs),
            first_error_line(outputs),
        )
