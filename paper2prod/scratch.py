"""Per-user folders in the temp folder, one naming scheme for all: `<temp>/paper2prod-NAME-USER`.

Spark's JVM logs and checkpoints (`spark`), the local cluster's state (`spark-cluster`) and the
scratch files of a notebook's run (`work_dir`: lessons 05 and 07) live there rather than next to a
notebook. The user's name keeps the folders of several users of one server apart; mode 0700 keeps them
private."""

from __future__ import annotations

import atexit
import contextlib
import getpass
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from paper2prod.processes import alive


def user_temp_folder(name: str, create: bool = True) -> Path:
    """<temp>/paper2prod-NAME-USER, created private to the user unless `create` is False."""
    folder = Path(tempfile.gettempdir()) / f"paper2prod-{name}-{getpass.getuser()}"
    if create:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _nothing(folder: Path) -> None:
    pass


def work_dir(name: str, before_removal: Callable[[Path], None] = _nothing) -> Path:
    """A fresh scratch folder for one notebook run: <temp>/paper2prod-NAME-USER/run-PID-xxxx.

    A notebook's files go here rather than next to it, so running a lesson never adds files to the
    course folder. A kernel that is killed never cleans up after itself, so each new run removes the
    folders of runs whose process has gone (calling `before_removal` on each first: lesson 07 stops a
    cluster one of them left running), and at most one run's folder outlives its kernel.
    """
    base = user_temp_folder(name)
    for old in base.glob("run-*"):
        if not alive(_pid_of(old.name)):
            before_removal(old)
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=base))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def remove_work_dir(folder: Path | str, before_removal: Callable[[Path], None] = _nothing) -> None:
    """Remove a run's scratch folder now, and its parent once empty.

    A notebook's last cell calls it: a kernel that is shut down from outside (nbval, nbconvert, a
    closed browser tab) may be killed before its exit handlers run, and would leave the folder behind.
    """
    folder = Path(folder)
    before_removal(folder)
    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        folder.parent.rmdir()  # only when no other run of the same notebook is there


def _pid_of(run_name: str) -> int:
    try:
        return int(run_name.split("-")[1])
    except (IndexError, ValueError):
        return -1
