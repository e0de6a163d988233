"""Every typical wrong answer (tests/wrong_answers/NN-x.py) loses its checks, with its hint, beside a
notebook that is otherwise right, checked inside nbval's own run of the solution.

nbgrader scores a test cell zero exactly when it raises. So whether a wrong answer loses a check can be
seen without a submission of its own: in the kernel that runs the solution in order, just before an
answer cell runs, run each wrong version of it with the cells after it up to its last check
(`segments`), and see which checks raise and what they say. Then the answer as written runs and
rebuilds the state. What a wrong version leaves behind is undone (`CellByCell.undone`).

nbval runs every solution notebook anyway (solutions score full marks), so the wrong versions borrow
its kernel (conftest.py: `pytest_runtest_call`) and cost only their own cells, not another run of the
solution. `CellByCell(notebook, folder)` starts a kernel of its own instead (the harness's own test).

A wrong answer is a dict:

    name      a short name (it becomes part of the student id in the round trip)
    cell + source, or cells = {grade_id: source}
              the solution cells it replaces; `cells` bundles several mistakes into one entry
    loses     the test cells that must score zero
    says      the hint each lost cell must show: one string for all, or {test_id: string}
    independent (optional, default False)
              True declares that this mistake changes no result outside `loses`, so the round trip
              may pack it with others into one nbgrader submission (tests/test_grading.py).
"""

from __future__ import annotations

import contextlib
import runpy
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

import nbformat

from paper2prod.gradebook import first_error_line, grade_id, output_text
from tools.notebooks import DEMO, ROOT

WRONG_DIR = ROOT / "tests" / "wrong_answers"
# Checks of a whole pipeline (lesson 05's export): several answers feed them, so a loss there is not
# one answer's. Wrong versions are not judged on them, nor run on to them (that would cost a whole
# pipeline per wrong answer); only an nbgrader submission of the notebook judges them.
END_TO_END = "e2e_"


def wrong_answers(name: str) -> list[dict]:
    file = WRONG_DIR / f"{name}.py"
    return runpy.run_path(str(file))["WRONG_ANSWERS"] if file.exists() else []


def single_cell(cell: str, *near_misses: tuple[str, str, str], check: str | None = None) -> list[dict]:
    """Wrong answers of one answer cell, written as (name, source, says) rows: each replaces only `cell`
    and loses only its check, `check` (default `{cell}_check`)."""
    return [
        dict(name=name, cell=cell, source=source, loses=[check or f"{cell}_check"], says=says)
        for name, source, says in near_misses
    ]


def replaced_cells(case: dict) -> dict[str, str]:
    return case["cells"] if "cells" in case else {case["cell"]: case["source"]}


def hint(case: dict, cell: str) -> str:
    return case["says"] if isinstance(case["says"], str) else case["says"][cell]


@dataclass
class Segment:
    """An answer cell and the code cells after it, up to the next answer cell (demos left out)."""

    answer: str  # grade_id of the answer cell that opens it
    cells: list[int]  # notebook indices, in order; the answer cell first
    tests: list[str]  # grade_ids of the test cells among them
    through_last_test: list[int]  # the cells a wrong answer reruns: up to its last judged test cell


def _is(cell: nbformat.NotebookNode, role: str) -> bool:
    return cell.cell_type == "code" and bool(cell.get("metadata", {}).get("nbgrader", {}).get(role))


def segments(notebook: nbformat.NotebookNode, skip_tag: str = DEMO) -> tuple[list[int], list[Segment]]:
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
    """A kernel that runs a notebook's cells one at a time, each as written or with another source.

        with CellByCell(notebook, folder) as kernel:   # a kernel of its own, started in folder
            kernel.run(3)                        # cell 3 as written
            kernel.run(5, "def f(): return 1")   # cell 5 with another source

    CellByCell(notebook, shared=nbval_kernel), used without `with`, runs in a kernel that someone else
    started and runs cells in (anything with a jupyter_client manager `km` and client `kc`); tell it which
    cells that someone ran as written (`ran_as_written`), so that a new kernel can be brought back there.
    """

    def __init__(self, notebook: nbformat.NotebookNode, folder: Path | None = None, shared=None):
        from paper2prod.autograde import cell_timeout

        self.notebook, self.folder, self.shared = notebook, folder, shared
        self.timeout = cell_timeout()  # the grader's limit per cell
        self.km, self.kc = (shared.km, shared.kc) if shared is not None else (None, None)
        self._written: list[int] = []  # cells run as written, in order: what a new kernel replays
        self._undoing = False
        self.restarts = 0

    def __enter__(self) -> CellByCell:
        if self.shared is None:
            from jupyter_client.manager import start_new_kernel

            self.km, self.kc = start_new_kernel(kernel_name="python3", startup_timeout=180, cwd=str(self.folder))
        return self

    def __exit__(self, *exc) -> None:
        if self.shared is None and self.km is not None:
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=True)

    def ran_as_written(self, index: int) -> None:
        self._written.append(index)

    def run(self, index: int, source: str | None = None) -> CellRun:
        if source is None and not self._undoing:
            self.ran_as_written(index)
        return self._execute(self.notebook.cells[index].source if source is None else source)

    def _execute(self, source: str) -> CellRun:
        """Run source and collect what it shows, as nbgrader would: stopped after the grader's limit."""
        msg_id = self.kc.execute(source, store_history=False, allow_stdin=False, stop_on_error=False)
        deadline, interrupted, outputs = time.monotonic() + self.timeout, False, []
        while True:
            try:
                message = self.kc.get_iopub_msg(timeout=1)
            except Empty:
                if not self.km.is_alive():
                    return CellRun(True, "KernelDied: the kernel died in this cell", "KernelDied")
                if time.monotonic() > deadline:
                    if interrupted:  # deaf to the interrupt: treat it as dead
                        return CellRun(True, "KernelDied: the kernel did not stop when interrupted", "KernelDied")
                    self.km.interrupt_kernel()
                    interrupted, deadline = True, time.monotonic() + 60
                    outputs.append(nbformat.v4.new_output("error", ename="CellTimeoutError",
                                                          evalue=f"ran longer than {self.timeout} s", traceback=[]))  # fmt: skip
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "status" and message["content"]["execution_state"] == "idle":
                break
            if kind in ("stream", "error", "display_data", "execute_result"):
                outputs.append(nbformat.v4.output_from_msg(message))
        with contextlib.suppress(Empty):  # its reply, so that the shell channel holds nothing of ours
            while self.kc.get_shell_msg(timeout=5)["parent_header"].get("msg_id") != msg_id:
                pass
        return CellRun(
            any(output.get("output_type") == "error" for output in outputs),
            "\n".join(output_text(output) for output in outputs),
            first_error_line(outputs),
        )

    def _restart(self) -> None:
        """A new kernel, brought to where this one was by the cells run as written so far."""
        self.km.restart_kernel(now=True)
        self.kc.wait_for_ready(timeout=180)
        self.restarts += 1
        for index in self._written:
            self._execute(self.notebook.cells[index].source)

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
        saved = self._execute(self._SAVE)
        if saved.raised:
            raise RuntimeError(f"the harness's own code failed in the kernel: {saved.text}")
        self._undoing = True
        try:
            yield
        finally:
            self._undoing = False
            restored = not self._execute(self._RESTORE).raised
            if not restored or self._execute(self._SPARK_STOPPED).raised:
                self._restart()


def wrong_version_problems(kernel: CellByCell, segment: Segment, case: dict) -> list[str]:
    """Run case's version of segment's answer cell, with the cells after it up to the last judged check,
    and say what is wrong: a check it should lose that passes or lacks the hint, one it should keep
    that fails, or no loss at all."""
    source = replaced_cells(case)[segment.answer]
    problems, lost_here, runs = [], False, {}
    with kernel.undone():
        for index in segment.through_last_test:
            runs[index] = kernel.run(index, source if index == segment.cells[0] else None)
    for index, run in runs.items():
        test = grade_id(kernel.notebook.cells[index])
        if test not in segment.tests or test.startswith(END_TO_END):
            continue
        if test in case["loses"]:
            lost_here = True
            if not run.raised:
                problems.append(f"{case['name']}: {test} should score 0 with its {segment.answer}, but passes")
            elif hint(case, test) not in run.text:
                problems.append(
                    f"{case['name']}: feedback of {test} lacks {hint(case, test)!r}; it said {run.text.strip()[-600:]!r}"
                )
        elif run.raised:
            problems.append(
                f"{case['name']}: {test} should keep full marks with its {segment.answer}: {run.error[:400]}"
            )
    if not lost_here:
        problems.append(
            f"{case['name']}: its {segment.answer} loses none of {segment.tests}; on its own it would score full marks"
        )
    return problems


class NearMisses:
    """A lesson's wrong answers, run in `kernel` just before the answer cell each replaces."""

    def __init__(self, name: str, kernel: CellByCell):
        self.name, self.kernel, self.cases = name, kernel, wrong_answers(name)
        self.by_first_cell = {segment.cells[0]: segment for segment in segments(kernel.notebook)[1]}
        self.last_cell = max(i for i, cell in enumerate(kernel.notebook.cells) if cell.cell_type == "code")
        self.checked: set[tuple[str, str]] = set()  # (wrong answer, cell) pairs run so far

    def before(self, index: int) -> list[str]:
        """Problems of the wrong versions of the answer cell at index (none if it opens no segment)."""
        segment = self.by_first_cell.get(index)
        if segment is None:
            return []
        problems = []
        for case in self.cases:
            if segment.answer in replaced_cells(case):
                problems += wrong_version_problems(self.kernel, segment, case)
                self.checked.add((case["name"], segment.answer))
        return problems

    def never_run(self) -> list[str]:
        """The wrong versions not run by the end of the notebook: a check that never ran passes nothing."""
        wanted = {(case["name"], cell) for case in self.cases for cell in replaced_cells(case)}
        return [f"{name}: its {cell} never ran" for name, cell in sorted(wanted - self.checked)]
