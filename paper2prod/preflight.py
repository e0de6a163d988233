"""Check Python and Java before anything else starts.

Standard library only: the Makefile runs this file with the system Python before
the virtual environment exists, so a missing Java stops set-up at once with a
message that says what to install, instead of a Py4J stack trace later.

    python3 paper2prod/preflight.py        # exit 1 with advice when not ready
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

SUPPORTED_JAVA = (17, 21)  # the versions Spark 4 is built and tested for
MIN_PYTHON = (3, 10)

INSTALL_JAVA = """\
Spark 4 needs a Java runtime, version 17 or 21. Install one, then run the command again:
  Debian/Ubuntu : sudo apt-get install openjdk-17-jre-headless
  Fedora        : sudo dnf install java-17-openjdk-headless
  macOS         : brew install openjdk@17   (then follow brew's note to link it)
  conda         : conda install -c conda-forge openjdk=17
  Windows       : use WSL2 with Ubuntu, then the Debian/Ubuntu line
If Java is installed but not found, set JAVA_HOME to its folder."""


class PreflightError(RuntimeError):
    """The machine is not ready; the message says what to do."""


def find_java() -> str | None:
    """Path of the java executable Spark will use: JAVA_HOME first, then PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("java")


def parse_java_major(version_output: str) -> int | None:
    """Major version from `java -version` output ('1.8.0_292' -> 8, '17.0.15' -> 17)."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if not match:
        match = re.search(r"\b(?:openjdk|java) (\d+)(?:\.(\d+))?", version_output)
    if not match:
        return None
    major, minor = int(match.group(1)), match.group(2)
    if major == 1 and minor is not None:  # the old 1.x scheme
        return int(minor)
    return major


def java_version(java: str) -> tuple[int | None, str]:
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PreflightError(f"Could not run {java}: {error}\n{INSTALL_JAVA}") from None
    text = (done.stderr or "") + (done.stdout or "")
    return parse_java_major(text), text.strip().splitlines()[0] if text.strip() else ""


def check_java() -> str:
    """Return a one-line description of the Java found, or raise PreflightError."""
    java = find_java()
    if java is None:
        raise PreflightError(f"Java was not found.\n{INSTALL_JAVA}")
    major, first_line = java_version(java)
    if major is None:
        raise PreflightError(f"Could not read the version of {java} ({first_line!r}).\n{INSTALL_JAVA}")
    if major < min(SUPPORTED_JAVA):
        raise PreflightError(f"Java {major} at {java} is too old.\n{INSTALL_JAVA}")
    note = "" if major in SUPPORTED_JAVA else " (not 17 or 21: Spark may refuse it; 17 is the safe choice)"
    return f"Java {major} at {java}{note}"


def check_python() -> str:
    if sys.version_info < MIN_PYTHON:
        wanted = ".".join(map(str, MIN_PYTHON))
        raise PreflightError(
            f"Python {wanted} or newer is needed; this is {sys.version.split()[0]}. "
            "Install Python 3.11 (python.org, apt, brew or conda) and run again."
        )
    return f"Python {sys.version.split()[0]} at {sys.executable}"


def main() -> int:
    try:
        for line in (check_python(), check_java()):
            print(f"ok  {line}")
    except PreflightError as error:
        print(f"STOP  {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
