"""Per-user folders in the temp folder, one naming scheme for all: `<temp>/paper2prod-NAME-USER`.

Spark's JVM logs and checkpoints (`spark`), the local cluster's state (`spark-cluster`) and lesson
07's runs (`shipping`) live there rather than next to a notebook. The user's name keeps the folders of
several users of one server apart; mode 0700 keeps them private."""

from __future__ import annotations

import getpass
import tempfile
from pathlib import Path


def user_temp_folder(name: str, create: bool = True) -> Path:
    """<temp>/paper2prod-NAME-USER, created private to the user unless `create` is False."""
    folder = Path(tempfile.gettempdir()) / f"paper2prod-{name}-{getpass.getuser()}"
    if create:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder
