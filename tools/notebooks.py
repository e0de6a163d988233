"""Build instructor notebooks from readable sources, and the student release from those.

    python -m tools.notebooks build [NN-x ...]     authoring/NN-x.py  ->  solutions/NN-x/NN-x.ipynb
    python -m tools.notebooks release [NN-x ...]   solutions/  ->  lessons/   (nbgrader)
    python -m tools.notebooks check      exit 1 if either step would change a committed file

Sources are plain Python in the "percent" format, so diffs stay readable. A cell
starts with a line `# %%`, optionally followed by a kind and attributes:

    # %% [markdown]                         markdown; each line's leading "# " is removed
    # %%                                    ordinary code
    # %% [solution] id=rmse                 code the student writes (### BEGIN/END SOLUTION)
    # %% [tests] id=rmse_tests points=2     autograded: visible checks, ### BEGIN HIDDEN TESTS
    # %% [answer] id=why points=2           a written answer, graded by hand (markdown)
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
AUTHORING = ROOT / "authoring"
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"
HEADER = re.compile(r"^# %%(?:\s+\[(?P<kind>\w+)\])?(?P<attrs>.*)$")
KINDS = {None, "markdown", "solution", "tests", "answer"}


def parse_cells(text: str, source_name: str = "") -> list[dict]:
    """Split a percent-format source into cell dicts: kind, attrs, source."""
    cells, current = [], None
    for number, line in enumerate(text.splitlines(), 1):
        match = HEADER.match(line)
        if match:
            kind = match.group("kind")
            if kind not in KINDS:
                raise ValueError(f"{source_name}:{number}: unknown cell kind [{kind}]")
            attrs = dict(re.findall(r"(\w+)=(\S+)", match.group("attrs")))
            current = {"kind": kind, "attrs": attrs, "lines": [], "line": number}
            cells.append(current)
        elif current is not None:
            current["lines"].append(line)
        elif line.strip():
            raise ValueError(f"{source_name}:{number}: text before the first '# %%' line")
    return cells


def _markdown(lines: list[str]) -> str:
    return "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines).strip("\n")


def _nbgrader(kind: str, attrs: dict, where: str) -> dict:
    grade_id = attrs.get("id")
    if not grade_id:
        raise ValueError(f"{where}: a [{kind}] cell needs id=...")
    meta = {"grade_id": grade_id, "schema_version": 3, "locked": False, "solution": False, "grade": False}
    if kind == "solution":
        meta["solution"] = True
    elif kind == "tests":
        meta.update(grade=True, locked=True, points=float(attrs.get("points", 1)))
    elif kind == "answer":
        meta.update(grade=True, solution=True, points=float(attrs.get("points", 1)))
    return meta


def build_notebook(source: Path) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3 (paper2prod)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    seen = set()
    for index, cell in enumerate(parse_cells(source.read_text(), source.name)):
        kind, where = cell["kind"], f"{source.name}:{cell['line']}"
        if kind in ("markdown", "answer"):
            new = nbformat.v4.new_markdown_cell(_markdown(cell["lines"]))
        else:
            new = nbformat.v4.new_code_cell("\n".join(cell["lines"]).strip("\n"))
        new["id"] = f"c{index:03d}"
        if kind in ("solution", "tests", "answer"):
            meta = _nbgrader(kind, cell["attrs"], where)
            if meta["grade_id"] in seen:
                raise ValueError(f"{where}: duplicate id={meta['grade_id']} (nbgrader needs unique ids)")
            seen.add(meta["grade_id"])
            new.metadata["nbgrader"] = meta
        notebook.cells.append(new)
    return notebook


def target_for(source: Path) -> Path:
    return SOLUTIONS / source.stem / f"{source.stem}.ipynb"


def rendered(source: Path) -> str:
    return nbformat.writes(build_notebook(source)) + "\n"


def build(names: list[str] | None = None) -> list[Path]:
    written = []
    for source in sorted(AUTHORING.glob("[0-9][0-9]-*.py")):
        if names and source.stem not in names:
            continue
        target = target_for(source)
        text = rendered(source)
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            written.append(target)
    return written


def assignments() -> list[str]:
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and re.match(r"\d\d-", p.name))


def nbgrader_env() -> dict:
    import os

    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def release_into(course: Path, names: list[str]) -> None:
    """Run nbgrader generate_assignment for each name inside a course folder."""
    for name in names:
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force", "--no-db"],
            cwd=course, env=nbgrader_env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{done.stdout}\n{done.stderr}")


def fresh_release(names: list[str] | None = None) -> Path:
    """Generate the release in a scratch copy of the course; return its lessons/ folder."""
    names = names or assignments()
    course = Path(tempfile.mkdtemp(prefix="paper2prod-release-"))
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for name in names:
        shutil.copytree(SOLUTIONS / name, course / "solutions" / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    release_into(course, names)
    return course / "lessons"


def release(names: list[str] | None = None) -> None:
    names = names or assignments()
    fresh = fresh_release(names)
    for name in names:
        shutil.rmtree(LESSONS / name, ignore_errors=True)
        shutil.copytree(fresh / name, LESSONS / name)
    for stale in LESSONS.iterdir() if LESSONS.exists() else []:
        if stale.is_dir() and stale.name not in assignments():
            shutil.rmtree(stale)
    shutil.rmtree(fresh.parent, ignore_errors=True)


def tree_differences(expected: Path, actual: Path) -> list[str]:
    """Files that differ between two folders (relative paths, with a reason)."""
    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}
    want, have = files(expected), files(actual)
    problems = [f"missing: {name}" for name in sorted(set(want) - set(have))]
    problems += [f"unexpected: {name}" for name in sorted(set(have) - set(want))]
    problems += [f"differs: {name}" for name in sorted(set(want) & set(have)) if want[name] != have[name]]
    return problems


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "build":
        for path in build(argv[1:]):
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if command == "release":
        names = argv[1:] or assignments()
        release(names)
        print(f"released {', '.join(names)} into lessons/")
        return 0
    if command == "check":
        stale = [str(target_for(s).relative_to(ROOT)) for s in sorted(AUTHORING.glob("[0-9][0-9]-*.py"))
                 if not target_for(s).exists() or target_for(s).read_text() != rendered(s)]
        fresh = fresh_release()
        stale += [f"lessons/{p}" for p in tree_differences(fresh, LESSONS)]
        for line in stale:
            print(f"out of date: {line}")
        print("run `make release` and commit solutions/ and lessons/ together" if stale else "in sync")
        return 1 if stale else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
