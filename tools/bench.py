"""Time every solution notebook, top to bottom, and print a table against the budgets.

    python -m tools.bench                 every lesson
    python -m tools.bench 01-paper-to-code 03-spark-als

A benchmark, not a test: the machines are shared and noisy, so it prints numbers
and never fails on them. Budgets (docs/design.md): 90 s per notebook, 10 min in all.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tools.notebooks import SOLUTIONS, assignments

NOTEBOOK_BUDGET = 90.0
COURSE_BUDGET = 600.0


def run_notebook(folder: Path) -> tuple[float, str]:
    """Execute a copy of a lesson folder; return seconds and 'ok' or the first error."""
    with tempfile.TemporaryDirectory(prefix="paper2prod-bench-") as scratch:
        work = Path(scratch) / folder.name
        shutil.copytree(folder, work)
        notebook_path = next(work.glob("*.ipynb"))
        notebook = nbformat.read(notebook_path, as_version=4)
        client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(work)}})
        start = time.perf_counter()
        try:
            client.execute()
            status = "ok"
        except Exception as error:  # report and carry on with the next lesson
            status = f"error: {type(error).__name__}: {str(error).strip().splitlines()[-1][:80]}"
        return time.perf_counter() - start, status


def main(names: list[str]) -> int:
    # Lesson 07's cluster part is marked as outside the budget; time it with its own cell.
    os.environ.setdefault("PAPER2PROD_SKIP_CLUSTER", "1")
    names = names or assignments()
    print(f"{'lesson':36} {'seconds':>8} {'budget':>7}  status")
    total = 0.0
    for name in names:
        seconds, status = run_notebook(SOLUTIONS / name)
        total += seconds
        flag = "" if seconds <= NOTEBOOK_BUDGET else "  OVER BUDGET"
        print(f"{name:36} {seconds:8.1f} {NOTEBOOK_BUDGET:7.0f}  {status}{flag}", flush=True)
    print(f"{'total':36} {total:8.1f} {COURSE_BUDGET:7.0f}  {'' if total <= COURSE_BUDGET else 'OVER BUDGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
