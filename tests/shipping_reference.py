"""The reference nightly job of lesson 07, taken from the instructor's notebook.

The job is Exercise 1's answer, so it lives only in solutions/07-shipping/07-shipping.ipynb (the
student release holds a skeleton). Tests write it out from there, so they always test exactly
what the lesson teaches.
"""
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "07-shipping" / "07-shipping.ipynb"
JOB_CELL = "ex1_job"


def job_cell_source() -> str:
    """The whole solution cell, `%%writefile` line included."""
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == JOB_CELL:
            return cell.source
    raise LookupError(f"no cell {JOB_CELL} in {NOTEBOOK}")


def job_source() -> str:
    """The job module itself (the cell without its `%%writefile` line)."""
    first, _, rest = job_cell_source().partition("\n")
    assert first.startswith("%%writefile"), f"{JOB_CELL} should start with %%writefile"
    return rest


def reference_job(folder: Path) -> Path:
    """Write the reference job into folder and return its path."""
    job = Path(folder) / "nightly_recs.py"
    job.write_text(job_source())
    return job
