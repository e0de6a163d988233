"""The repository describes itself truthfully: `make help` lists every target, and no document or
module cites a file that is not there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "datasets").glob("*.md"))]


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text()
    targets = {m for m in re.findall(r"^([a-zA-Z][\w-]*):(?!=)", makefile, flags=re.MULTILINE)}
    targets -= {
        name
        for name in targets
        if re.search(rf"^{name}: \w+ *[:?]?=", makefile, flags=re.MULTILINE)
        and not re.search(rf"^{name}:.*##", makefile, flags=re.MULTILINE)
    }  # target-specific variables
    shown = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    listed = set(re.findall(r"^make (\S+)", shown, flags=re.MULTILINE))
    assert targets <= listed, f"targets without a `## description`: {sorted(targets - listed)}"


def test_documents_link_only_to_files_that_exist():
    missing = []
    for document in DOCUMENTS:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", document.read_text()):
            if "://" not in target and not target.startswith("mailto:"):
                if not (document.parent / target).exists():
                    missing.append(f"{document.relative_to(ROOT)} -> {target}")
    assert not missing, "links to missing files:\n" + "\n".join(missing)


def test_nothing_cites_a_design_file_outside_the_repository():
    assert (ROOT / "docs" / "design.md").is_file()
    citing = [
        str(p.relative_to(ROOT))
        for folder in ("paper2prod", "tools", "tests", "docs", "authoring")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".md")
        and p.is_file()
        and "DESIGN.md" in p.read_text()
        and p.name != "test_repository.py"
    ]
    assert not citing, f"cite DESIGN.md, which is not in the repository (use docs/design.md): {citing}"


def test_nothing_cites_an_issue_number():
    """The course's readers (students, instructors, a new author) have no issue tracker: a file says
    what and why, and the history of how it came about lives in commit messages."""
    issue = re.compile(r"\bissue \d+", re.IGNORECASE)
    citing = [
        f"{p.relative_to(ROOT)}: {match.group(0)}"
        for folder in ("paper2prod", "tools", "tests", "docs", "authoring", "slides/src", "datasets")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".md") and p.is_file() and p.name != "test_repository.py"
        for match in [issue.search(p.read_text())]
        if match
    ] + [
        f"{p.name}: {m.group(0)}"
        for p in (ROOT / "README.md", ROOT / "Makefile", ROOT / "setup.mk")
        for m in [issue.search(p.read_text())]
        if m
    ]
    assert not citing, f"files cite issue numbers their readers cannot look up: {citing}"
