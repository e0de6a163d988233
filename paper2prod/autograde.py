"""The course's nbgrader settings and plug-ins, shared by every way a notebook is graded.

    python -m paper2prod.autograde install     (run by `make setup` and the conda/Binder postBuild)
    python -m paper2prod.autograde permissions [COURSE] [--fix]
                                               (a shared server: warn, or close, what other accounts can read)

`install` writes an `nbgrader_config.py` into this environment's own Jupyter config folder
(`sys.prefix/etc/jupyter`), so `nbgrader validate` and `nbgrader autograde` get the course's
timeouts wherever the notebook is (a fetched assignment in a home folder, a copy on the desktop),
not only in the repository folder. It also hides the instructor's "Create Assignment" and
"Formgrader" panels from JupyterLab in this environment; `jupyter labextension enable` brings them
back (see the instructor guide).

The plug-ins, named in the course's `nbgrader_config.py` (their classes are in
`paper2prod.grading_plugins`, which imports nbgrader):
- `GuardedExecute` runs a submission in a scratch folder outside the course, so relative paths
  cannot reach the gradebook or other students' work; a kernel that dies (os._exit, os.kill, out of
  memory) costs the cells from there on, each with the reason, instead of the whole submission.
- `ScrubFeedback` removes hidden tests and tracebacks from the feedback pages students get.
- `repair_submissions` (an autograde pre-convert hook) grades a notebook that is not valid JSON as a
  blank one and tells the student why.
- `GetFinalGrades` (feedback) and `LateGradesCsv` (`nbgrader export`) take a share of the final
  score (after the written answers are graded) per started day late; non-submitters on the roster
  export as 0.
"""

from __future__ import annotations

import math
import os
import re
import sys
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
    from nbgrader.plugins import LateSubmissionPlugin
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    from paper2prod.grading_plugins import GetFinalGrades, GuardedExecute, LateGradesCsv, ScrubFeedback

    course_settings(c)
    # nbgrader's own list, with Execute swapped for GuardedExecute.
    c.Autograde.autograde_preprocessors = [
        GuardedExecute,
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
    c.GenerateFeedback.preprocessors = [GetFinalGrades, ScrubFeedback, CSSHTMLHeaderPreprocessor]
    # No penalty at autograde time (nbgrader's plug-in with its default "none"): the written answers
    # are not graded yet. Feedback and export take it from the final score (late_penalty below).
    c.AssignLatePenalties.plugin_class = LateSubmissionPlugin
    c.LateSubmissionPlugin.penalty_method = "none"
    c.ExportApp.plugin_class = LateGradesCsv


# -- running a submission --------------------------------------------------------------------------
def _error_output(ename: str, evalue: str):
    from nbformat.notebooknode import NotebookNode

    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


# -- feedback students see --------------------------------------------------------------------------
# A graded notebook ran in the instructor's environment, so what it printed can name the instructor's
# folders (sys.executable, the course's data folder, the scratch folder): feedback shows these instead.
SCRATCH = re.compile(r"\S*paper2prod-grading-[\w.-]+")


def private_paths() -> dict[str, str]:
    """Folders of the grader's machine that feedback must not show, each with what to show instead."""
    from paper2prod import __file__ as package_file

    places = {
        sys.prefix: "<python environment>",
        str(Path(package_file).resolve().parent.parent): "<course>",  # the course's data, an editable install
        os.getcwd(): "<course>",  # nbgrader runs in the course folder
        str(Path.home()): "~",
    }
    # The system's own folders say nothing about the instructor (and /usr/bin/java must stay readable).
    public = {"/", "/usr", "/usr/local", "/opt", "/tmp"}
    # The longest first, so that a folder inside another keeps its own name.
    return {path: places[path] for path in sorted(places, key=len, reverse=True) if path not in public}


def hide_paths(text: str, paths: dict[str, str]) -> str:
    text = SCRATCH.sub("<your notebook's folder>", text)
    for path, shown in paths.items():
        # the folder itself or a path inside it, not a longer name that starts the same (/root, /rooted)
        text = re.sub(re.escape(path) + r"(?![\w.-])", lambda _, shown=shown: shown, text)
    return text


def _hide_paths_in_output(output, paths: dict[str, str]) -> None:
    for key in ("text", "evalue"):
        if isinstance(output.get(key), str):
            output[key] = hide_paths(output[key], paths)
    for kind, value in output.get("data", {}).items():
        if kind.startswith("text/") and isinstance(value, str):
            output["data"][kind] = hide_paths(value, paths)


def scrub_notebook(nb, paths: dict[str, str] | None = None) -> None:
    """Remove hidden tests from test cells and code from tracebacks, keeping each check's message, and
    replace the grader's folders (`private_paths()`) in every output."""
    paths = private_paths() if paths is None else paths
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            cell.source = HIDDEN_TESTS.sub("# (hidden tests ran here)\n", cell.source)
        for output in cell.get("outputs", []):
            _hide_paths_in_output(output, paths)
            if output.get("output_type") == "error":
                # A traceback quotes the failing line, which may be a hidden test; the message is what helps.
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]


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
# The penalty is a share of the FINAL score: written answers are graded by hand after autograde, so a
# penalty fixed at autograde time would take 10% of the autograded points only (and re-autograding to
# fix it re-opens the written answers). Autograde records no penalty; feedback and export compute it
# from the gradebook's score as it is when they run (after manual grading) and the submission's lateness.
LATE_SHARE_PER_DAY = 0.1


def late_penalty(score: float, seconds_late: float) -> float:
    """LATE_SHARE_PER_DAY of the score per started day late, at most the whole score."""
    if seconds_late <= 0 or not score:
        return 0.0
    days = math.ceil(seconds_late / 86400)
    return min(score, round(score * LATE_SHARE_PER_DAY * days, 2))


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


# -- a course folder on a shared server -------------------------------------------------------------
# What other accounts must not read: answer keys, every student's work and grades. With the default
# umask (022) all of these are world-readable. Closing the course folder itself (no access for
# others) closes everything inside it, including files nbgrader writes later; --fix closes each open
# item too, so that opening the folder again later does not open them.
PRIVATE = ("gradebook.db", "solutions", "authoring", "docs/lessons", "submitted", "autograded", "feedback")


def open_to_others(course: Path) -> list[Path]:
    """The course folder and its private items that other accounts can read, write or enter. Items
    inside a closed course folder are out of their reach (what nbgrader writes later, with umask 022)."""
    if not course.stat().st_mode & 0o007:
        return []
    items = [course] + [course / name for name in PRIVATE]
    return [item for item in items if item.exists() and item.stat().st_mode & 0o007]


def check_permissions(course: Path, fix: bool = False) -> list[str]:
    """One warning per item open to others; with fix, remove other accounts' access and say so."""
    lines = []
    for item in open_to_others(course):
        mode = item.stat().st_mode
        if fix:
            item.chmod(mode & ~0o007)
            lines.append(f"fixed: {item} was open to other accounts ({mode & 0o777:o}), now {mode & 0o770:o}")
        else:
            lines.append(
                f"WARNING: {item} is open to other accounts ({mode & 0o777:o}): students on this server "
                "could read answer keys or grades. Run with --fix (chmod o-rwx)."
            )
    return lines


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:
        where = install(hide_panels="--keep-instructor-panels" not in argv)
        print(f"course grading settings installed in {where}")
        return 0
    if argv[:1] == ["permissions"]:
        folders = [a for a in argv[1:] if not a.startswith("--")] or ["."]
        course = Path(folders[0]).resolve()
        if not (course / "nbgrader_config.py").exists():
            print(f"{course} has no nbgrader_config.py: give the course folder", file=sys.stderr)
            return 2
        lines = check_permissions(course, fix="--fix" in argv)
        print(
            "\n".join(lines) or f"ok: {course} and its answer keys, submissions and grades are closed to other accounts"
        )
        return 1 if any(line.startswith("WARNING") for line in lines) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
