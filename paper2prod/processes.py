"""Is a process still running? One answer for the Spark session, the cluster and lesson 07's scratch
folders, on Linux, macOS and Windows alike (psutil)."""

from __future__ import annotations

import psutil


def alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (finished, waiting for its parent to reap it) counts as gone."""
    if pid <= 0:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # alive, but another user's
        return True
