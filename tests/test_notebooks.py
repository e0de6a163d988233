"""The one notebook builder: lesson and deck sources are jupytext notebooks, and what jupytext reads
from a source is what the built notebook holds (cell for cell), so an author may edit a lesson in
JupyterLab and a reviewer diffs it as text."""

from __future__ import annotations

import textwrap
from pathlib import Path

import jupytext
import nbformat
import pytest

from tools import notebooks
from tools.notebooks import AUTHORING, ROOT, SLIDE_SOURCES, build_notebook, target_for

SOURCES = sorted(AUTHORING.glob("[0-9][0-9]-*.py")) + sorted(SLIDE_SOURCES.glob("[0-9][0-9]-*.py"))


def _built(source: Path) -> nbformat.NotebookNode:
    if source.parent == AUTHORING:
        return nbformat.read(target_for(source), as_version=4)
    return nbformat.read(ROOT / "slides" / f"{source.stem}.ipynb", as_version=4)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_jupytext_reads_the_cells_of_the_built_notebook(source):
    read = jupytext.read(source, fmt="py:percent")
    built = _built(source)
    assert [(c.cell_type, c.source) for c in read.cells] == [(c.cell_type, c.source) for c in built.cells]
    for cell, made in zip(read.cells, built.cells):
        tags = [t for t in cell.metadata.get("tags", []) if t in notebooks.ROLES]
        if tags:  # a graded cell: nbgrader metadata with the same id and points
            assert made.metadata.nbgrader.grade_id == cell.metadata["grade_id"]
            if "points" in cell.metadata:
                assert made.metadata.nbgrader.points == cell.metadata["points"]
        elif "slideshow" in cell.metadata:
            assert made.metadata.slideshow == cell.metadata["slideshow"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_saving_from_jupyterlab_leaves_the_source_as_it_is(source):
    text = source.read_text()
    assert jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="py:percent") == text
    assert notebooks.upgrade_source(text) == text, "old cell headers left: run upgrade-sources"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_generated_notebooks_name_their_source(source):
    note = _built(source).metadata["paper2prod"]
    assert note["source"] == source.relative_to(ROOT).as_posix()
    assert "edit the source" in note["generated"]


OLD = """\
# %% [markdown]
# # Lesson 99
# %% [solution] id=ex1
x = 1
# %% [tests] id=ex1_check points=2
assert x == 1
# %% [answer] id=why points=1.5
# Because.
# %% [markdown] slide_type=slide
# # A slide
# %% slide_type=fragment hide=input
plt.plot([1])
# %%
%%writefile job.py
print("a cell magic")
"""

NEW = """\
# %% [markdown]
# # Lesson 99
# %% tags=["solution"] grade_id="ex1"
x = 1
# %% tags=["tests"] grade_id="ex1_check" points=2
assert x == 1
# %% [markdown] tags=["answer"] grade_id="why" points=1.5
# Because.
# %% [markdown] slideshow={"slide_type": "slide"}
# # A slide
# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
plt.plot([1])
# %%
# %%writefile job.py
print("a cell magic")
"""


def test_upgrade_rewrites_old_headers_once():
    assert notebooks.upgrade_source(OLD) == NEW  # and comments the magic out, as jupytext saves it
    assert notebooks.upgrade_source(NEW) == NEW
    assert jupytext.reads(NEW, fmt="py:percent").cells[-1].source == '%%writefile job.py\nprint("a cell magic")'


def test_upgrade_sources_command_is_idempotent(tmp_path):
    source = tmp_path / "99-example.py"
    source.write_text(OLD)
    assert notebooks.main(["upgrade-sources", str(source)]) == 0
    assert source.read_text() == NEW
    notebooks.main(["upgrade-sources", str(source)])
    assert source.read_text() == NEW


def _lesson(tmp_path: Path, text: str) -> Path:
    source = tmp_path / "99-example.py"
    source.write_text(textwrap.dedent(text).lstrip())
    return source


def test_graded_cells_get_nbgrader_metadata(tmp_path):
    notebook = build_notebook(_lesson(tmp_path, NEW.split("# %% [markdown] slideshow")[0]))
    solution, tests, answer = (cell.metadata.nbgrader for cell in notebook.cells[1:4])
    assert solution == {"grade_id": "ex1", "schema_version": 3, "locked": False, "solution": True, "grade": False}
    assert tests == {
        "grade_id": "ex1_check",
        "schema_version": 3,
        "locked": True,
        "solution": False,
        "grade": True,
        "points": 2.0,
    }
    assert answer["solution"] and answer["grade"] and answer["points"] == 1.5
    assert notebook.cells[3].cell_type == "markdown" and notebook.cells[3].source == "Because."
    assert "nbgrader" not in notebook.cells[0].metadata
    assert [cell.id for cell in notebook.cells][1:4] == ["ex1", "ex1_check", "why"]


def test_inserting_a_cell_changes_no_other_id(tmp_path):
    text = NEW.split("# %% [markdown] slideshow")[0]
    before = [cell.id for cell in build_notebook(_lesson(tmp_path, text)).cells]
    inserted = text.replace("# %% [markdown]", "# %% [markdown]\n# A new cell.\n\n# %% [markdown]", 1)
    after = [cell.id for cell in build_notebook(_lesson(tmp_path, inserted)).cells]
    assert len(after) == len(before) + 1 and set(before) < set(after)


def test_repeated_text_gets_distinct_ids(tmp_path):
    text = "# %%\nx = 1\n\n# %%\nx = 1\n"
    ids = [cell.id for cell in build_notebook(_lesson(tmp_path, text)).cells]
    assert len(set(ids)) == 2 and ids[1] == f"{ids[0]}-2"


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("# %% [solution] id=x\nx = 1\n", "old cell header"),
        ('# %% tags=["solution"]\nx = 1\n', 'needs grade_id="..."'),
        ('# %% tags=["solution"] grade_id="a"\nx = 1\n# %% tags=["tests"] grade_id="a"\nx\n', "duplicate grade_id"),
        ('# %% tags=["tests"] grade_id="a" colour="red"\nx = 1\n', "unknown metadata"),
        ('# %% [markdown] tags=["tests"] grade_id="a"\n# x\n', "is code"),
        ("x = 1\n# %%\ny = 2\n", "text before the first"),
    ],
)
def test_source_mistakes_are_reported_with_their_line(tmp_path, text, complaint):
    with pytest.raises(ValueError, match=r"99-example\.py:\d+: .*" + complaint.replace("[", r"\[")):
        build_notebook(_lesson(tmp_path, text))


def _names(source: str) -> tuple[set[str], set[str]]:
    """Names a cell binds and names it reads, by its syntax (what `del`, `global` or exec do is not seen)."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source))  # %magics become calls
    bound, read, local = set(), set(), _comprehension_variables(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in local:
            (bound if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return bound, read


def _comprehension_variables(tree) -> set[int]:
    """The Name nodes (by id) of comprehension variables: local to their comprehension, they neither bind
    nor read a name of the notebook. (The outermost iterable is evaluated outside, so it is left out.)"""
    import ast

    local = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            names = {n.id for gen in node.generators for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
            outside = set(map(id, ast.walk(node.generators[0].iter)))
            local |= {
                id(n) for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in names and id(n) not in outside
            }
    return local


def test_comprehension_variables_are_local():
    assert _names("rows = [key for key in table if key]\nx = {k: v for k, v in key}") == (
        {"rows", "x"},
        {"table", "key"},
    )


@pytest.mark.parametrize("source", sorted(AUTHORING.glob("[0-9][0-9]-*.py")), ids=lambda p: p.stem)
def test_demo_cells_feed_only_other_demo_cells(source):
    """The grading round trip skips cells tagged demo: no later cell other than a demo may read a name
    one binds. (Files a demo writes are not seen here; the round trip's wrong answers, which must keep
    full marks everywhere else, catch a graded cell that needed one.)"""
    cells = [c for c in nbformat.read(target_for(source), as_version=4).cells if c.cell_type == "code"]
    names = [_names(c.source) for c in cells]
    demo = [notebooks.DEMO in c.metadata.get("tags", []) for c in cells]
    for index in (i for i, is_demo in enumerate(demo) if is_demo):
        bound = names[index][0]
        for later in range(index + 1, len(cells)):
            needed = bound & names[later][1]
            assert demo[later] or not needed, (
                f"{source.name}: code cell {index} is tagged demo, but code cell {later} reads {sorted(needed)} from it"
            )


LESSON_SOURCES = sorted(AUTHORING.glob("[0-9][0-9]-*.py"))


@pytest.mark.parametrize("source", LESSON_SOURCES, ids=lambda p: p.stem)
def test_a_lesson_that_makes_a_scratch_folder_removes_it_last(source):
    """A kernel shut down from outside (nbval, nbgrader, a closed tab) may die before its exit handlers
    run, so a lesson that takes a run folder (scratch.work_dir) removes it in its last code cell."""
    code = [cell.source for cell in jupytext.read(source, fmt="py:percent").cells if cell.cell_type == "code"]
    if any("work_dir(" in text for text in code):
        assert "remove_work_dir(" in code[-1], f"{source.name}: its last code cell must call remove_work_dir"
