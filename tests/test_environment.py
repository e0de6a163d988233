"""environment.yml (conda / Binder) and the Makefile's venv describe the same environment."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_conda_environment_uses_the_lock_and_a_supported_java():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"openjdk=(17|21)\b", text), "conda route needs openjdk 17 or 21"
    assert "python=3.11" in text
    # The lock as constraints: it pins what is installed without installing every optional group.
    assert "-c requirements.lock" in text and "-e ." in text, "pip section must install through the same lock"


def test_lock_pins_every_dependency_of_the_package():
    lock = (ROOT / "requirements.lock").read_text().lower()
    pinned = set(re.findall(r"^([a-z0-9_.-]+)==", lock, re.M))
    project = (ROOT / "pyproject.toml").read_text()
    deps = re.findall(r'^\s+"([A-Za-z0-9_.-]+)[<>=]', project, re.M)
    missing = [d for d in deps if d.lower().replace("_", "-") not in pinned]
    assert not missing, f"requirements.lock lacks {missing}: run `make lock`"
