"""Style: ruff's lint and format checks over the repository (rules and exclusions: pyproject.toml)."""

import subprocess
import sys

from tools.notebooks import ROOT


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_check():
    done = ruff("check", "--output-format", "concise")
    assert done.returncode == 0, (
        f"`ruff check` (fix: ruff check --fix, then by hand):\n{done.stdout[-4000:]}{done.stderr}"
    )


def test_ruff_format():
    done = ruff("format", "--check")
    assert done.returncode == 0, f"`ruff format --check` (fix: ruff format):\n{done.stdout[-4000:]}{done.stderr}"
