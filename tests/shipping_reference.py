"""The reference nightly job of lesson 07 and its serving module, taken from the instructor's notebook.

The job (Exercise 2) and serving.py (Exercise 1) are answers, so they live only in
solutions/07-shipping/07-shipping.ipynb (the student release holds skeletons). Tests write them out
from there, so they always test exactly what the lesson teaches.
"""

from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "07-shipping" / "07-shipping.ipynb"
JOB_CELL = "ex2_job"
SERVING_CELL = "ex1_serving"


def cell_source(grade_id: str = JOB_CELL) -> str:
    """The whole solution cell, `%%writefile` line included."""
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell.source
    raise LookupError(f"no cell {grade_id} in {NOTEBOOK}")


def job_cell_source() -> str:
    return cell_source(JOB_CELL)


def module_source(grade_id: str = JOB_CELL) -> str:
    """The module itself (the cell without its `%%writefile` line)."""
    first, _, rest = cell_source(grade_id).partition("\n")
    assert first.startswith("%%writefile"), f"{grade_id} should start with %%writefile"
    return rest


def reference_job(folder: Path) -> Path:
    """Write the reference job and the serving.py it imports into folder; return the job's path."""
    (Path(folder) / "serving.py").write_text(module_source(SERVING_CELL))
    job = Path(folder) / "nightly_recs.py"
    job.write_text(module_source(JOB_CELL))
    return job
