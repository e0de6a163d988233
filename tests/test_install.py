"""The package installs anywhere: a wheel built from this repository, installed non-editable into a
fresh virtual environment, finds its registry (package data) and fetches ml-100k from the mirror into
the user's cache folder, with no course repository in sight."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*command, **options):
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=600, **options)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv holding a non-editable install of paper2prod; its dependencies come from this
    environment (a path entry, so the editable install's own hooks stay out), which keeps it offline."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"  # build from a copy: the build leaves build/ and *.egg-info behind
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(ROOT / "paper2prod", source / "paper2prod", ignore=shutil.ignore_patterns("__pycache__"))
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--wheel-dir",
        work / "wheel",
        source,
    )
    wheel = next((work / "wheel").glob("paper2prod-*.whl"))
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel)
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    Path(site, "course-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    home = work / "home"
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    env.pop("PAPER2PROD_DATA_HOME", None)
    return python, work, env


def test_non_editable_install_fetches_data_into_the_user_cache(installed):
    python, work, env = installed
    mirror = os.environ.get("PAPER2PROD_DATA_MIRROR")
    if not mirror:
        pytest.skip("no data mirror (set PAPER2PROD_DATA_MIRROR)")
    where = run(
        python,
        "-c",
        "import paper2prod, paper2prod.data as d; print(paper2prod.__file__); "
        "print(d.data_home()); print(d.in_course_repository())",
        cwd=work,
        env=env,
    ).stdout.split("\n")
    assert where[0].startswith(str(work / "venv")), f"paper2prod came from {where[0]}, not the fresh install"
    assert where[1] == str(work / "home" / ".cache" / "paper2prod" / "datasets") and where[2] == "False"
    run(python, "-m", "paper2prod.data", "fetch", "ml-100k", cwd=work, env=env)
    loaded = run(
        python, "-c", "from paper2prod import data; print(len(data.load_ratings('ml-100k')))", cwd=work, env=env
    ).stdout.strip()
    assert loaded == "100000"
    assert (work / "home" / ".cache" / "paper2prod" / "datasets" / "ml-100k" / "u.data").is_file()


def test_non_editable_install_has_the_cluster_command(installed):
    python, work, env = installed
    script = python.with_name("paper2prod-cluster")
    done = subprocess.run(
        [str(script), "status", "--state-dir", str(work / "cluster")],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1 and "not running" in done.stdout, done.stderr
