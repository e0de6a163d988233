"""The course's grading settings apply to every `nbgrader validate` in the course environment,
wherever the notebook is (a fetched assignment lives in a home folder, not in this repository)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from paper2prod import autograde
from paper2prod.gradebook import nbgrader_env
from tools.notebooks import SOLUTIONS

ENV_CONFIG = Path(sys.prefix) / "etc" / "jupyter" / "nbgrader_config.py"


def validate(notebook: Path, **env) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", notebook.name],
        cwd=notebook.parent,
        env={**nbgrader_env(), **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    return done.stdout + done.stderr


def test_the_environment_carries_the_course_settings():
    assert ENV_CONFIG.exists() and ENV_CONFIG.read_text() == autograde.ENV_CONFIG, (
        f"{ENV_CONFIG} is missing or stale: run `make setup`"
    )


def test_students_do_not_see_the_instructor_panels():
    done = subprocess.run(
        [str(Path(sys.prefix) / "bin" / "jupyter-labextension"), "list"],
        capture_output=True,
        text=True,
        env=nbgrader_env(),
    )
    listing = done.stdout + done.stderr
    disabled = listing.split("Disabled extensions:")[-1] if "Disabled extensions:" in listing else ""
    for panel in autograde.INSTRUCTOR_PANELS:
        assert panel in disabled, f"{panel} is not disabled: run `make setup`\n{listing[-1500:]}"


def test_a_bad_timeout_setting_says_what_to_give():
    os.environ["PAPER2PROD_CELL_TIMEOUT"], old = "ten", os.environ.get("PAPER2PROD_CELL_TIMEOUT")
    try:
        with pytest.raises(ValueError, match="whole number of seconds"):
            autograde.cell_timeout()
    finally:
        os.environ.pop("PAPER2PROD_CELL_TIMEOUT") if old is None else os.environ.update(PAPER2PROD_CELL_TIMEOUT=old)


def test_a_timeout_outside_the_repository_names_itself(tmp_path):
    """No nbgrader_config.py here: the environment's settings must apply (nbgrader alone would say
    "No reply from kernel before timeout" after 30 s)."""
    from nbgrader.utils import compute_checksum

    notebook = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell("while True:  # the student's answer never ends\n    pass\nanswer = 1")
    answer.metadata["nbgrader"] = {
        "grade_id": "answer",
        "solution": True,
        "grade": False,
        "locked": False,
        "schema_version": 3,
    }
    check = nbformat.v4.new_code_cell("assert answer == 1")
    check.metadata["nbgrader"] = {
        "grade_id": "check",
        "solution": False,
        "grade": True,
        "locked": True,
        "points": 1.0,
        "schema_version": 3,
    }
    check.metadata["nbgrader"]["checksum"] = compute_checksum(check)
    notebook.cells = [answer, check]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "loop.ipynb")
    output = validate(tmp_path / "loop.ipynb", PAPER2PROD_CELL_TIMEOUT="3")
    # The check fails with a NameError; the message must point at the cell that was stopped.
    assert "cell 1 ran longer than 3 s and was stopped" in output, output[-2000:]


@pytest.mark.notebooks
def test_validate_a_lesson_copied_outside_the_repository(tmp_path):
    folder = tmp_path / "home" / "student" / "00-setup"
    shutil.copytree(SOLUTIONS / "00-setup", folder)
    output = validate(folder / "00-setup.ipynb")
    assert "Success! Your notebook passes all the tests." in output, output[-3000:]
