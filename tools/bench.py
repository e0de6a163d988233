"""Time the test suite by tier and every solution notebook, and print both against their budgets.

    python -m tools.bench                      the suite's tiers, then every lesson's notebook
    python -m tools.bench --tiers              the suite's tiers only
    python -m tools.bench 01-paper-to-code     these lessons' notebooks only

A benchmark, not a test: the machines are shared and noisy, so it prints numbers and never fails
on them. Each tier runs on its own, with the options `make test` uses; CPU is what the whole machine
spent meanwhile (Spark JVMs included, so run it on an otherwise idle machine), and CPU / wall says
how busy the cores were. Budgets (docs/design.md): 90 s per notebook, 10 min in all; the fast
tier 90 s; `make test` 15 min on a clean clone of a 2-core machine, set-up included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

from tools.notebooks import ROOT, SOLUTIONS, assignments

NOTEBOOK_BUDGET = 90.0
COURSE_BUDGET = 600.0
WORKERS = os.environ.get("TEST_WORKERS", "3")  # as the Makefile
XDIST = ["-n", WORKERS, "--dist", "loadscope", "--no-loadscope-reorder"]
# (tier, marker expression, extra pytest options, budget in seconds); the tiers do not overlap.
TIERS = [
    ("fast", "not slow", ["-n", "2", "--dist", "loadscope", "--no-loadscope-reorder", "tests"], 90.0),
    ("spark", "spark and not notebooks and not cluster", XDIST, None),
    ("cluster", "cluster", XDIST, None),
    ("notebooks", "notebooks", XDIST, None),
]
SUITE_BUDGET = 15 * 60.0 - 150.0  # `make test`'s 15 minutes less about 2.5 minutes of set-up


def machine_cpu() -> float:
    """CPU seconds every process on the machine has spent: the only count that includes a kernel's
    Spark JVM, which the kernel never waits for. Meaningful on an otherwise idle machine."""
    times = psutil.cpu_times()
    return times.user + times.system + getattr(times, "nice", 0.0)


def run_tier(expression: str, options: list[str]) -> tuple[float, float, str]:
    """Run one tier of the suite; return wall seconds, CPU seconds and pytest's closing line."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-m", expression, *options]
    cpu, start = machine_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PAPER2PROD_TEST": "1"})
    wall = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return wall, machine_cpu() - cpu, (lines[-1].strip("= ") if lines else done.stderr.strip()[-80:])


def bench_tiers() -> None:
    print(f"{'tier':12} {'wall s':>7} {'CPU s':>7} {'CPU/wall':>8} {'budget':>7}  result")
    total = 0.0
    for name, expression, options, budget in TIERS:
        wall, cpu, result = run_tier(expression, options)
        total += wall
        flag = "  OVER BUDGET" if budget and wall > budget else ""
        shown = f"{budget:7.0f}" if budget else f"{'':7}"
        print(f"{name:12} {wall:7.0f} {cpu:7.0f} {cpu / wall:8.2f} {shown}  {result}{flag}", flush=True)
    flag = "" if total <= SUITE_BUDGET else "  OVER BUDGET"
    print(f"{'all tiers':12} {total:7.0f} {'':7} {'':8} {SUITE_BUDGET:7.0f}  (run one after another){flag}\n")


def run_notebook(folder: Path) -> tuple[float, float, str]:
    """Execute a copy of a lesson folder; return wall seconds, machine CPU seconds, and 'ok' or the
    first error."""
    with tempfile.TemporaryDirectory(prefix="paper2prod-bench-") as scratch:
        work = Path(scratch) / folder.name
        shutil.copytree(folder, work)
        notebook_path = next(work.glob("*.ipynb"))
        notebook = nbformat.read(notebook_path, as_version=4)
        client = NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}
        )
        cpu, start = machine_cpu(), time.perf_counter()
        try:
            client.execute()
            status = "ok"
        except Exception as error:  # report and carry on with the next lesson
            status = f"error: {type(error).__name__}: {str(error).strip().splitlines()[-1][:80]}"
        return time.perf_counter() - start, machine_cpu() - cpu, status


def bench_notebooks(names: list[str]) -> None:
    # Lesson 07's cluster part is marked as outside the budget; time it with its own cell.
    os.environ.setdefault("PAPER2PROD_SKIP_CLUSTER", "1")
    print(f"{'lesson':36} {'seconds':>8} {'CPU s':>7} {'budget':>7}  status")
    total = 0.0
    for name in names:
        seconds, cpu, status = run_notebook(SOLUTIONS / name)
        total += seconds
        flag = "" if seconds <= NOTEBOOK_BUDGET else "  OVER BUDGET"
        print(f"{name:36} {seconds:8.1f} {cpu:7.0f} {NOTEBOOK_BUDGET:7.0f}  {status}{flag}", flush=True)
    print(f"{'total':36} {total:8.1f} {COURSE_BUDGET:7.0f}  {'' if total <= COURSE_BUDGET else 'OVER BUDGET'}")


def main(argv: list[str]) -> int:
    tiers_only = "--tiers" in argv
    names = [arg for arg in argv if not arg.startswith("--")]
    if not names:
        bench_tiers()
    if not tiers_only:
        bench_notebooks(names or assignments())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
