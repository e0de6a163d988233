"""Build instructor notebooks from readable sources, and the student release from those.

    python -m tools.notebooks build [NN-x ...]     authoring/NN-x.py  ->  solutions/NN-x/NN-x.ipynb
    python -m tools.notebooks release [NN-x ...]   solutions/  ->  lessons/   (nbgrader)
    python -m tools.notebooks check      exit 1 if either step would change a committed file
    python -m tools.notebooks upgrade-sources [FILE ...]
                                         rewrite cell headers of the old syntax (`# %% [solution] id=x`)
                                         in jupytext's (default: authoring/*.py, slides/src/*.py);
                                         files already converted are left as they are

Sources are Python scripts in jupytext's "percent" format, so a reviewer diffs them as text and an
author opens them in JupyterLab as notebooks (jupytext: right click, Open With, Notebook). A cell
starts with a line `# %%`, optionally followed by `[markdown]` and cell metadata as key=JSON:

    # %% [markdown]                                        markdown; each line's leading "# " is removed
    # %%                                                   ordinary code
    # %% tags=["solution"] grade_id="rmse"                 code the student writes (### BEGIN/END SOLUTION)
    # %% tags=["tests"] grade_id="rmse_tests" points=2     autograded: visible checks, ### BEGIN HIDDEN TESTS
    # %% [markdown] tags=["answer"] grade_id="why" points=2  a written answer, graded by hand
    # %% tags=["demo"]                                     a demonstration (a benchmark, a rerun) that no
                                                           graded cell depends on: nbval runs it on the
                                                           solution, the grading round trip skips it

This module is the one notebook builder: `read_source` reads any source (a lesson's, or a slide deck's in
slides/src/, whose cells carry `slideshow=` metadata instead) with jupytext, and `stamp` gives the built
notebook its kernel and the note that says which file to edit. docs/design.md explains the pipeline.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import jupytext
import nbformat

from paper2prod.gradebook import nbgrader_env

ROOT = Path(__file__).resolve().parents[1]
AUTHORING = ROOT / "authoring"
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"
SLIDE_SOURCES = ROOT / "slides" / "src"

ROLES = ("solution", "tests", "answer")  # the tags that make a cell an nbgrader cell
DEMO = "demo"  # kept in the built notebook's cell tags; tests/test_notebooks.py checks nothing graded needs it
CELL_HEADER = re.compile(r"^# %%(?:\s+\[(?P<kind>\w+)\])?(?P<attrs>.*)$")
OLD_ATTRIBUTES = {"id", "slide_type", "hide"}  # attributes only the old header syntax had
JUPYTEXT_ONLY = {"lines_to_next_cell"}  # jupytext's layout hints, not the notebook's metadata
KERNEL = {
    "kernelspec": {"display_name": "Python 3 (paper2prod)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


# ---------------------------------------------------------------- the old header syntax


def _old_header(line: str) -> re.Match | None:
    """The match of a cell header in the old syntax (`# %% [tests] id=x points=2`), or None."""
    match = CELL_HEADER.match(line)
    if not match or (match.group("attrs") and not match.group("attrs")[0].isspace()):
        return None  # not a header, or a cell magic such as `# %%writefile`
    keys = set(re.findall(r"(\w+)=", match.group("attrs")))
    return match if match.group("kind") in ROLES or keys & OLD_ATTRIBUTES else None


def upgrade_header(line: str) -> str:
    """`# %% [tests] id=x points=2` -> `# %% tags=["tests"] grade_id="x" points=2`; other lines unchanged."""
    match = _old_header(line)
    if match is None:
        return line
    kind, attrs = match.group("kind"), dict(re.findall(r"(\w+)=(\S+)", match.group("attrs")))
    metadata = []
    if kind in ROLES:
        metadata += [f"tags={json.dumps([kind])}", f"grade_id={json.dumps(attrs.pop('id', ''))}"]
        if "points" in attrs:
            metadata.append(f"points={json.dumps(json.loads(attrs.pop('points')))}")
    if "slide_type" in attrs:
        metadata.append("slideshow=" + json.dumps({"slide_type": attrs.pop("slide_type")}))
    if attrs.pop("hide", None) == "input":
        metadata += ['tags=["hide-input"]', 'jupyter={"source_hidden": true}']
    metadata += [f"{key}={json.dumps(value)}" for key, value in attrs.items()]  # unknown: the builder says so
    cell_type = "[markdown]" if kind in ("markdown", "answer") else ""
    return " ".join(["# %%", cell_type, *metadata]).replace("  ", " ").rstrip()


def upgrade_source(text: str) -> str:
    """Every old-syntax cell header rewritten in jupytext's syntax, then the text as jupytext itself
    would save it (it comments out cell magics: `# %%writefile`), so that saving the notebook from
    JupyterLab changes nothing. Idempotent; the cells stay exactly what they were."""
    upgraded = "\n".join(upgrade_header(line) for line in text.split("\n"))
    canonical = jupytext.writes(jupytext.reads(upgraded, fmt="py:percent"), fmt="py:percent")
    return canonical if _cells(canonical) == _cells(upgraded) else upgraded


def _cells(text: str) -> list:
    return [(c.cell_type, c.source, dict(c.metadata)) for c in jupytext.reads(text, fmt="py:percent").cells]


def upgrade_sources(paths: list[Path]) -> list[Path]:
    changed = []
    for path in paths:
        text = path.read_text()
        upgraded = upgrade_source(text)
        if upgraded != text:
            path.write_text(upgraded)
            changed.append(path)
    return changed


# ---------------------------------------------------------------- reading a source


def header_lines(text: str) -> list[int]:
    """Line numbers (from 1) of the `# %%` cell headers, the way jupytext splits cells."""
    return [
        number
        for number, line in enumerate(text.splitlines(), 1)
        if line == "# %%" or line.startswith(("# %% ", "# %%\t"))
    ]


def read_source(source: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook jupytext reads from a percent-format source, and `file:line` of each cell's header.

    Cell metadata is as written in the source, less jupytext's layout hints.
    """
    text = source.read_text()
    for number, line in enumerate(text.splitlines(), 1):
        if _old_header(line):
            raise ValueError(
                f"{source.name}:{number}: old cell header {line!r}; run "
                f"`python -m tools.notebooks upgrade-sources {source}`"
            )
    lines = header_lines(text)
    first_text = next((n for n, line in enumerate(text.splitlines(), 1) if line.strip()), None)
    if first_text is not None and (not lines or first_text < lines[0]):
        raise ValueError(f"{source.name}:{first_text}: text before the first '# %%' line")
    notebook = jupytext.reads(text, fmt="py:percent")
    if len(lines) != len(notebook.cells):  # should not happen; keep the error useful anyway
        lines = [0] * len(notebook.cells)
    for cell in notebook.cells:
        for key in JUPYTEXT_ONLY:
            cell.metadata.pop(key, None)
    return notebook, [f"{source.name}:{number}" for number in lines]


def new_cell(cell: nbformat.NotebookNode, cell_id: str, where: str) -> nbformat.NotebookNode:
    """A fresh notebook cell with the source cell's type and text (metadata is the caller's)."""
    if cell.cell_type == "markdown":
        new = nbformat.v4.new_markdown_cell(cell.source)
    elif cell.cell_type == "code":
        new = nbformat.v4.new_code_cell(cell.source)
    else:
        raise ValueError(f"{where}: a {cell.cell_type} cell; sources have only code and [markdown] cells")
    new["id"] = cell_id
    return new


def stable_id(cell: nbformat.NotebookNode, prefix: str, seen: set[str], grade_id: str | None = None) -> str:
    """A cell id that does not move when another cell is inserted: a graded cell's grade_id, else a
    short hash of the cell's type and text (with -2, -3 ... for repeated text). Inserting a cell then
    changes only the lines it adds, and editing one changes only that cell's id."""
    if grade_id is not None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", grade_id):
            raise ValueError(f"grade_id={grade_id!r}: use letters, digits, - and _ (at most 64)")
        cell_id = grade_id
    else:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        cell_id, repeat = f"{prefix}{digest}", 1
        while cell_id in seen:
            repeat += 1
            cell_id = f"{prefix}{digest}-{repeat}"
    seen.add(cell_id)
    return cell_id


def stamp(notebook: nbformat.NotebookNode, source: Path, build_command: str, **metadata) -> None:
    """The kernel, and the note every generated notebook carries: which file to edit, how to rebuild."""
    notebook.metadata = {
        **KERNEL,
        **metadata,
        "paper2prod": {
            "source": source.resolve().relative_to(ROOT).as_posix()
            if source.resolve().is_relative_to(ROOT)
            else source.name,
            "generated": f"generated: to change the course, edit the source, then run `{build_command}`",
        },
    }


# ---------------------------------------------------------------- lessons


def _nbgrader(cell: nbformat.NotebookNode, where: str) -> dict | None:
    """nbgrader's metadata for a cell tagged solution, tests or answer (None for an ordinary cell)."""
    metadata = dict(cell.metadata)
    roles = [tag for tag in metadata.pop("tags", []) if tag in ROLES]
    grade_id, points = metadata.pop("grade_id", None), metadata.pop("points", None)
    if metadata:
        raise ValueError(f"{where}: unknown metadata {', '.join(sorted(metadata))}")
    if not roles:
        if grade_id is not None or points is not None:
            raise ValueError(f"{where}: grade_id or points without a solution, tests or answer tag")
        return None
    kind = roles[0]
    if len(roles) > 1:
        raise ValueError(f"{where}: a cell is one of solution, tests or answer, not {' and '.join(roles)}")
    if not grade_id:
        raise ValueError(f'{where}: a {kind} cell needs grade_id="..."')
    if (kind == "answer") != (cell.cell_type == "markdown"):
        raise ValueError(
            f"{where}: {'an answer is a [markdown] cell' if kind == 'answer' else f'a {kind} cell is code'}"
        )
    meta = {"grade_id": grade_id, "schema_version": 3, "locked": False, "solution": False, "grade": False}
    if kind == "solution":
        meta["solution"] = True
    elif kind == "tests":
        meta.update(grade=True, locked=True, points=float(1 if points is None else points))
    elif kind == "answer":
        meta.update(grade=True, solution=True, points=float(1 if points is None else points))
    return meta


def build_notebook(source: Path) -> nbformat.NotebookNode:
    """The instructor notebook of a lesson source: nbgrader metadata on its graded cells."""
    cells, where = read_source(source)
    notebook = nbformat.v4.new_notebook()
    seen, ids = set(), set()
    for cell, place in zip(cells.cells, where):
        grade_id = cell.metadata.get("grade_id") if set(cell.metadata.get("tags", [])) & set(ROLES) else None
        new = new_cell(cell, stable_id(cell, "c", ids, grade_id), place)
        if DEMO in cell.metadata.get("tags", []):
            if cell.cell_type != "code" or set(cell.metadata["tags"]) & set(ROLES):
                raise ValueError(f"{place}: a demo cell is ordinary code, not a solution, tests or answer")
            new.metadata["tags"] = [DEMO]
        meta = _nbgrader(cell, place)
        if meta is not None:
            if meta["grade_id"] in seen:
                raise ValueError(f"{place}: duplicate grade_id={meta['grade_id']} (nbgrader needs unique ids)")
            seen.add(meta["grade_id"])
            new.metadata["nbgrader"] = meta
        notebook.cells.append(new)
    stamp(notebook, source, "make release")
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


def nbgrader_api(course: Path, **settings: dict):
    """nbgrader's own API on a course folder, in this process: the same apps and course settings as
    the command line, without a new Python importing nbgrader (about 2 CPU seconds a call).
    `settings` adds configuration, e.g. GenerateAssignment={"no_database": True}."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    os.environ["PATH"] = nbgrader_env()["PATH"]  # a new gradebook runs `alembic`, from this environment's bin/
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    for section, values in settings.items():
        config[section].update(values)
    return NbGraderAPI(config=config)


def succeeded(result: dict, what: str) -> str:
    """The log of an nbgrader API call, or a RuntimeError saying what failed and why."""
    if not result["success"]:
        raise RuntimeError(
            f"nbgrader {what} failed:\n{result.get('log', '')[-3000:]}\n{result.get('error', '')[-3000:]}"
        )
    return result.get("log", "")


def release_into(course: Path, names: list[str]) -> None:
    """nbgrader generate_assignment for each name inside a course folder, without a gradebook (--no-db)."""
    api = nbgrader_api(course, GenerateAssignment={"no_database": True}, SaveCells={"enabled": False})
    for name in names:
        succeeded(api.generate_assignment(name, force=True, create=False), f"generate_assignment {name}")


@contextlib.contextmanager
def fresh_release(names: list[str] | None = None) -> Iterator[Path]:
    """Generate the release in a scratch copy of the course; yield its lessons/ folder, then remove it."""
    with tempfile.TemporaryDirectory(prefix="paper2prod-release-") as scratch:
        yield _release_in(Path(scratch), names or assignments())


def _release_in(course: Path, names: list[str]) -> Path:
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for name in names:
        shutil.copytree(
            SOLUTIONS / name,
            course / "solutions" / name,
            # decision.json: written by a run of lesson 06's solution (nbval), never part of the release
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "decision.json"),
        )
    release_into(course, names)
    return course / "lessons"


def release(names: list[str] | None = None) -> None:
    names = names or assignments()
    with fresh_release(names) as fresh:
        for name in names:
            shutil.rmtree(LESSONS / name, ignore_errors=True)
            shutil.copytree(fresh / name, LESSONS / name)
    for stale in LESSONS.iterdir() if LESSONS.exists() else []:
        if stale.is_dir() and stale.name not in assignments():
            shutil.rmtree(stale)


def tree_differences(expected: Path, actual: Path) -> list[str]:
    """Files that differ between two folders (relative paths, with a reason)."""

    def files(folder: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
        }

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
    if command == "upgrade-sources":
        paths = [Path(a) for a in argv[1:]] or [
            *sorted(AUTHORING.glob("[0-9][0-9]-*.py")),
            *sorted(SLIDE_SOURCES.glob("[0-9][0-9]-*.py")),
        ]
        for path in upgrade_sources(paths):
            print(f"upgraded {path}")
        return 0
    if command == "check":
        stale = [
            str(target_for(s).relative_to(ROOT))
            for s in sorted(AUTHORING.glob("[0-9][0-9]-*.py"))
            if not target_for(s).exists() or target_for(s).read_text() != rendered(s)
        ]
        with fresh_release() as fresh:
            stale += [f"lessons/{p}" for p in tree_differences(fresh, LESSONS)]
        for line in stale:
            print(f"out of date: {line}")
        print("run `make release` and commit solutions/ and lessons/ together" if stale else "in sync")
        return 1 if stale else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
