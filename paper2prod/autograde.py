"""The course's nbgrader settings and plug-ins, shared by every way a notebook is graded.

    python -m paper2prod.autograde install     (run by `make setup` and the conda/Binder postBuild)

`install` writes an `nbgrader_config.py` into this environment's own Jupyter config folder
(`sys.prefix/etc/jupyter`), so `nbgrader validate` and `nbgrader autograde` get the course's
timeouts wherever the notebook is (a fetched assignment in a home folder, a copy on the desktop),
not only in the repository folder. It also hides the instructor's "Create Assignment" and
"Formgrader" panels from JupyterLab in this environment; `jupyter labextension enable` brings them
back (see the instructor guide).

The plug-ins, named in the course's `nbgrader_config.py`:
- `GuardedExecute` runs a submission in a scratch folder outside the course, so relative paths
  cannot reach the gradebook or other students' work; a kernel that dies (os._exit, os.kill, out of
  memory) costs the cells from there on, each with the reason, instead of the whole submission.
- `ScrubFeedback` removes hidden tests and tracebacks from the feedback pages students get.
- `repair_submissions` (an autograde pre-convert hook) grades a notebook that is not valid JSON as a
  blank one and tells the student why.
- `LatePenalty` takes a share of the notebook's score per started day late.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

# A cold Spark JVM plus ALS can take minutes in one cell on a loaded 2-core laptop.
DEFAULT_CELL_TIMEOUT = 600
HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M)
# The JupyterLab panels only an instructor needs.
INSTRUCTOR_PANELS = [
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
]


def cell_timeout() -> int:
    """Seconds a cell may run before it is stopped; PAPER2PROD_CELL_TIMEOUT overrides the default."""
    value = os.environ.get("PAPER2PROD_CELL_TIMEOUT", str(DEFAULT_CELL_TIMEOUT))
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"PAPER2PROD_CELL_TIMEOUT={value!r}: give a whole number of seconds, e.g. 600")
    return int(value)


def timeout_message(seconds: int) -> str:
    return (
        f"a cell ran longer than {seconds} s and was stopped: look for a loop that never ends, or a "
        f"job far bigger than the exercise asks. (The limit is PAPER2PROD_CELL_TIMEOUT, now {seconds}.)"
    )


def course_settings(c) -> None:
    """The grading settings every nbgrader command in the course environment uses."""
    seconds = cell_timeout()
    for section in (c.Execute, c.ExecutePreprocessor):
        section.timeout = seconds
        section.kernel_name = "python3"
    # nbgrader waits only 4 s for a cell's last output; Spark's start-up can take longer under load.
    c.Execute.iopub_timeout = 120
    c.Execute.startup_timeout = 180
    c.Execute.interrupt_on_timeout = True
    c.Execute.error_on_timeout = {
        "ename": "CellTimeoutError",
        "evalue": timeout_message(seconds),
        "traceback": [f"CellTimeoutError: {timeout_message(seconds)}"],
    }
    # A stopped cell is usually an answer cell, which validate does not list; the checks after it
    # then fail with "name ... is not defined". Say there which cell was stopped and why.
    c.Execute.on_notebook_start = _forget_timeouts
    c.Execute.on_cell_error = _point_at_timeouts


_stopped_cells: list[int] = []  # cells of the notebook running now that hit the timeout


def _forget_timeouts(**_) -> None:
    _stopped_cells.clear()


def _point_at_timeouts(cell=None, cell_index=None, execute_reply=None, **_) -> None:
    content = (execute_reply or {}).get("content", {})
    if content.get("ename") == "CellTimeoutError":
        _stopped_cells.append(cell_index)
    elif _stopped_cells and cell is not None:
        cell.outputs.append(
            _error_output(
                "EarlierCellTimedOut",
                f"cell {_stopped_cells[0] + 1} ran longer than {cell_timeout()} s and was "
                "stopped: fix that cell first, this error may only follow from it",
            )
        )


def classroom_settings(c) -> None:
    """Autograde and feedback plug-ins; used in a course folder (the repository, a self-grade run)."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    course_settings(c)
    # nbgrader's own list, with Execute swapped for GuardedExecute.
    c.Autograde.autograde_preprocessors = [
        _cached("GuardedExecute"),
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    c.Autograde.pre_convert_hook = repair_submissions
    # A deleted test cell comes back from the source and is graded as written.
    c.OverwriteCells.add_missing_cells = True
    c.GenerateFeedback.preprocessors = [GetGrades, _cached("ScrubFeedback"), CSSHTMLHeaderPreprocessor]
    c.AssignLatePenalties.plugin_class = _cached("LatePenalty")


# -- running a submission --------------------------------------------------------------------------
def _error_output(ename: str, evalue: str):
    from nbformat.notebooknode import NotebookNode

    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _guarded_execute_class():
    from nbclient.exceptions import DeadKernelError
    from nbgrader.preprocessors import Execute

    class GuardedExecute(Execute):
        """nbgrader's Execute, run in a scratch folder and surviving a kernel that dies."""

        def preprocess(self, nb, resources=None, km=None):
            resources = resources if resources is not None else {}
            metadata = resources.setdefault("metadata", {})
            home = metadata.get("path") or "."
            self._kernel_died = False
            with tempfile.TemporaryDirectory(prefix="paper2prod-grading-") as scratch:
                # The files that came with the notebook (a lesson's modules), not the course around it.
                shutil.copytree(
                    home, scratch, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints")
                )
                metadata["path"] = scratch
                try:
                    return super().preprocess(nb, resources, km)
                finally:
                    metadata["path"] = home

        def preprocess_cell(self, cell, resources, index):
            if self._kernel_died:
                if cell.cell_type == "code":
                    cell.outputs = [
                        _error_output(
                            "KernelDied", "not run: the kernel died in an earlier cell (see that cell's message)"
                        )
                    ]
                return cell, resources
            try:
                return super().preprocess_cell(cell, resources, index)
            except DeadKernelError:
                self._kernel_died = True
                cell.outputs.append(
                    _error_output(
                        "KernelDied",
                        "the kernel died while running this cell (os._exit, os.kill, sys.exit in a "
                        "thread, or out of memory); this cell and every cell after it score zero",
                    )
                )
                return cell, resources

        def _cleanup_kernel(self):
            try:
                super()._cleanup_kernel()
            except Exception:  # a dead kernel cannot be shut down politely
                pass

    return GuardedExecute


_FACTORIES = {}


def _cached(name):
    """A plug-in class, built on first use so that `import paper2prod` does not import nbgrader."""
    if name not in globals():
        globals()[name] = _FACTORIES[name]()
    return globals()[name]


def __getattr__(name):
    if name in _FACTORIES:
        return _cached(name)
    raise AttributeError(name)


# -- feedback students see --------------------------------------------------------------------------
def scrub_notebook(nb) -> None:
    """Remove hidden tests from test cells and code from tracebacks, keeping each check's message."""
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            cell.source = HIDDEN_TESTS.sub("# (hidden tests ran here)\n", cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                # A traceback quotes the failing line, which may be a hidden test; the message is what helps.
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]


def _scrub_feedback_class():
    from nbgrader.preprocessors import NbGraderPreprocessor

    class ScrubFeedback(NbGraderPreprocessor):
        """Feedback without hidden tests: nbgrader's own shows them (jupyter/nbgrader#917)."""

        def preprocess(self, nb, resources):
            scrub_notebook(nb)
            return nb, resources

    return ScrubFeedback


# -- broken submissions -----------------------------------------------------------------------------
UNREADABLE_NOTE = (
    "**Your submission could not be read, so it was graded as the blank notebook.** "
    "The file `{name}` is not a valid notebook ({reason}). Open it in JupyterLab, save it "
    "again, and check that it opens before you hand it in."
)


def repair_submissions(assignment=None, student=None, notebooks=None, **_) -> None:
    """Replace a submitted notebook that is not valid JSON with the release plus a note saying why.

    nbgrader would otherwise stop on it and give the student nothing back."""
    import nbformat

    for path in map(Path, notebooks or []):
        if "submitted" not in path.parts:
            continue
        try:
            nbformat.read(path, as_version=4)
            continue
        except Exception as error:  # json.JSONDecodeError, nbformat's NotJSONError, a truncated file
            reason = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
        release = _release_notebook(path, assignment)
        if release is None:
            continue
        notebook = nbformat.read(release, as_version=4)
        note = nbformat.v4.new_markdown_cell(UNREADABLE_NOTE.format(name=path.name, reason=reason))
        notebook.cells.insert(0, note)
        path.rename(path.with_name(path.name + ".unreadable"))
        nbformat.write(notebook, path)


def _release_notebook(submitted: Path, assignment: str | None) -> Path | None:
    """The release copy of a submitted notebook: <course>/<release dir>/<assignment>/<name>."""
    parts = submitted.resolve().parts
    root = Path(*parts[: parts.index("submitted")])
    for folder in ("lessons", "release"):
        candidate = root / folder / (assignment or submitted.parent.name) / submitted.name
        if candidate.exists():
            return candidate
    return None


# -- late work --------------------------------------------------------------------------------------
LATE_SHARE_PER_DAY = 0.1


def _late_penalty_class():
    from nbgrader.plugins import LateSubmissionPlugin

    class LatePenalty(LateSubmissionPlugin):
        """10% of the notebook's score per started day late, at most the whole score."""

        def late_submission_penalty(self, student_id, score, total_seconds_late):
            days = math.ceil(total_seconds_late / 86400)
            return min(score, round(score * LATE_SHARE_PER_DAY * days, 2))

    return LatePenalty


# -- installing into the environment ----------------------------------------------------------------
ENV_CONFIG = '''"""Installed by `python -m paper2prod.autograde install` (make setup): the course's grading
settings (cell timeout, IOPub wait, the message a timeout prints) for every nbgrader command run with
this environment, wherever the notebook is. A course folder's own nbgrader_config.py adds to these."""
from paper2prod.autograde import course_settings

course_settings(get_config())  # noqa: F821  (provided by nbgrader)
'''


def install(prefix: str = sys.prefix, hide_panels: bool = True) -> Path:
    target = Path(prefix) / "etc" / "jupyter" / "nbgrader_config.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(ENV_CONFIG)
    if hide_panels:
        _disable_instructor_panels(prefix)
    return target


def _disable_instructor_panels(prefix: str) -> None:
    """Hide the instructor's panels from JupyterLab in this environment only (sys_prefix level)."""
    import subprocess

    tool = Path(prefix) / "bin" / "jupyter-labextension"
    # One command for all of them: each start of the tool costs about two seconds of imports.
    done = subprocess.run(
        [str(tool), "disable", "--level=sys_prefix", *INSTRUCTOR_PANELS], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"could not hide {', '.join(INSTRUCTOR_PANELS)}: {done.stderr.strip()[-300:]}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:
        where = install(hide_panels="--keep-instructor-panels" not in argv)
        print(f"course grading settings installed in {where}")
        return 0
    print(__doc__)
    return 2


_FACTORIES.update(
    GuardedExecute=_guarded_execute_class, ScrubFeedback=_scrub_feedback_class, LatePenalty=_late_penalty_class
)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
