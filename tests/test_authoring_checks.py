"""Static checks of what an author writes beside a lesson, in the fast tier (no notebook runs).

A typo in a wrong answer's grade_id or a syntax error in its code would otherwise show up only when
its submission runs (a whole notebook, minutes later); a stale cell name or point count in the
instructor notes would not show up at all. Each check names the file and the fix.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from tools.near_misses import WRONG_DIR, hint, replaced_cells, wrong_answers
from tools.notebooks import ROOT, SOLUTIONS, assignments

NOTES = ROOT / "docs" / "lessons"
CASE_KEYS = {"name", "cell", "source", "cells", "loses", "says", "independent"}


def graded_cells(name: str) -> dict[str, nbformat.NotebookNode]:
    notebook = nbformat.read(SOLUTIONS / name / f"{name}.ipynb", as_version=4)
    return {
        cell.metadata.nbgrader["grade_id"]: cell for cell in notebook.cells if "nbgrader" in cell.get("metadata", {})
    }


def kind(cell: nbformat.NotebookNode) -> str:
    meta = cell.metadata.nbgrader
    if meta.get("grade") and meta.get("solution"):
        return "answer"
    return "tests" if meta.get("grade") else "solution"


def wrong_answer_problems(name: str) -> list[str]:
    """Everything wrong with one lesson's tests/wrong_answers file, without running a notebook."""
    cells, problems = graded_cells(name), []
    names = [case.get("name") for case in wrong_answers(name)]
    for number, case in enumerate(wrong_answers(name), 1):
        where = f"{WRONG_DIR.name}/{name}.py, wrong answer {number} ({case.get('name')!r})"
        unknown = set(case) - CASE_KEYS
        if unknown or not case.get("name") or not case.get("loses") or "says" not in case:
            problems.append(f"{where}: needs name, cell+source or cells, loses, says; unknown keys {sorted(unknown)}")
            continue
        if names.count(case["name"]) > 1:
            problems.append(f"{where}: the name is used twice")
        for grade_id, source in replaced_cells(case).items():
            if grade_id not in cells or kind(cells[grade_id]) != "solution":
                found = kind(cells[grade_id]) if grade_id in cells else "no such cell"
                problems.append(f"{where}: replaces {grade_id!r}, which is not a solution cell ({found})")
            elif source.strip() == cells[grade_id].source.strip():
                problems.append(f"{where}: its {grade_id!r} is the solution itself, so it cannot lose points")
            try:
                ast.parse(TransformerManager().transform_cell(source))  # %%writefile and other magics
            except SyntaxError as error:
                problems.append(f"{where}: {grade_id!r} does not parse: line {error.lineno}: {error.msg}")
        for lost in case["loses"]:
            if lost not in cells or kind(cells[lost]) != "tests":
                problems.append(f"{where}: loses {lost!r}, which is not an autograded tests cell")
            elif not (isinstance(case["says"], str) or lost in case["says"]):
                problems.append(f"{where}: says nothing for {lost!r}")
            elif not hint(case, lost).strip():
                problems.append(f"{where}: the hint for {lost!r} is empty")
        if isinstance(case["says"], dict) and set(case["says"]) - set(case["loses"]):
            problems.append(
                f"{where}: hints for cells it does not lose: {sorted(set(case['says']) - set(case['loses']))}"
            )
    return problems


# A notes line gives a graded cell's points as "`ex1_check` (2)" or "Rubric: `q_x` (3 points ...)",
# or in a table whose header has a "points" column right after the cell's.
POINTS_IN_TEXT = re.compile(r"`([A-Za-z0-9_]+)`\s*\((\d+(?:\.\d+)?)(?:\)| points?\b)")
TOTALS = re.compile(r"points \| (\d+(?:\.\d+)?): (\d+(?:\.\d+)?) autograded \+ (\d+(?:\.\d+)?)")
TABLE_ROW = re.compile(r"^\|\s*`([A-Za-z0-9_]+)`\s*\|\s*(\d+(?:\.\d+)?)\s*\|")


def points_in_notes(text: str) -> list[tuple[str, str]]:
    found, points_table = list(POINTS_IN_TEXT.findall(text)), False
    for line in text.splitlines():
        if line.startswith("|") and not TABLE_ROW.match(line) and not set(line) <= set("|-: "):
            columns = [column.strip() for column in line.strip("|").split("|")]
            points_table = len(columns) > 1 and columns[1] == "points"
        elif points_table and TABLE_ROW.match(line):
            found.append(TABLE_ROW.match(line).groups())
    return found


CELL_NAME = re.compile(r"`((?:ex|q|e2e)[A-Za-z0-9]*_[A-Za-z0-9_]+)`")


def notes_problems(name: str) -> list[str]:
    """The instructor notes name every graded cell, no cell that is not there, and its right points."""
    notes = NOTES / f"{name}.md"
    if not notes.exists():
        return [f"no instructor notes: write docs/lessons/{name}.md"]
    text, cells = notes.read_text(), graded_cells(name)
    graded = {grade_id for grade_id, cell in cells.items() if kind(cell) != "solution"}
    problems = [
        f"docs/lessons/{name}.md names `{grade_id}`, which is not a graded cell of the lesson"
        for grade_id in sorted(set(CELL_NAME.findall(text)) - set(cells))
        if grade_id.endswith(("_check", "_reflection")) or grade_id.startswith("q")
    ]
    problems += [
        f"docs/lessons/{name}.md never names the graded cell `{grade_id}` (rubric or table)"
        for grade_id in sorted(
            graded - set(CELL_NAME.findall(text)) - {g for g in graded if not CELL_NAME.match(f"`{g}`")}
        )
    ]
    for grade_id, points in points_in_notes(text):
        if grade_id in graded and float(points) != cells[grade_id].metadata.nbgrader["points"]:
            problems.append(
                f"docs/lessons/{name}.md gives `{grade_id}` {points} points; the notebook gives "
                f"{cells[grade_id].metadata.nbgrader['points']:g}"
            )
    totals = TOTALS.search(text)
    if totals:
        autograded = sum(c.metadata.nbgrader["points"] for c in cells.values() if kind(c) == "tests")
        by_hand = sum(c.metadata.nbgrader["points"] for c in cells.values() if kind(c) == "answer")
        stated = tuple(float(number) for number in totals.groups())
        if stated != (autograded + by_hand, autograded, by_hand):
            problems.append(
                f"docs/lessons/{name}.md says {totals.group(0)!r}; the notebook has "
                f"{autograded + by_hand:g}: {autograded:g} autograded + {by_hand:g} by hand"
            )
    return problems


@pytest.mark.parametrize("name", assignments())
def test_wrong_answers_replace_solution_cells_and_lose_tests_cells(name):
    problems = wrong_answer_problems(name)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", assignments())
def test_instructor_notes_match_the_graded_cells(name):
    problems = notes_problems(name)
    assert not problems, "\n".join(problems)


def test_the_checks_catch_a_typo(tmp_path, monkeypatch):
    """The checks can fail: a misspelt grade_id, a syntax error and an empty hint are all reported."""
    name = assignments()[0]
    solution_id = next(g for g, c in graded_cells(name).items() if kind(c) == "solution")
    tests_id = next(g for g, c in graded_cells(name).items() if kind(c) == "tests")
    (tmp_path / f"{name}.py").write_text(
        "WRONG_ANSWERS = [\n"
        f"    dict(name='typo', cell='{solution_id}x', source='x = 1', loses=['{tests_id}'], says='fix'),\n"
        f"    dict(name='syntax', cell='{solution_id}', source='def (:', loses=['{tests_id}'], says=''),\n"
        f"    dict(name='lost', cell='{solution_id}', source='x = 2', loses=['{solution_id}'], says='fix'),\n"
        "]\n"
    )
    monkeypatch.setattr("tools.near_misses.WRONG_DIR", tmp_path)
    text = "\n".join(wrong_answer_problems(name))
    assert f"replaces '{solution_id}x'" in text and "does not parse" in text
    assert "hint for" in text and f"loses '{solution_id}'" in text


def test_every_wrong_answer_file_belongs_to_a_lesson():
    strays = sorted(path.stem for path in Path(WRONG_DIR).glob("*.py") if path.stem not in assignments())
    assert not strays, f"tests/wrong_answers/ has files for no lesson: {strays}"


def test_the_notes_check_catches_stale_cells_and_points(tmp_path, monkeypatch):
    name = assignments()[0]
    tests_id = next(g for g, c in graded_cells(name).items() if kind(c) == "tests")
    points = graded_cells(name)[tests_id].metadata.nbgrader["points"]
    (tmp_path / f"{name}.md").write_text(
        f"| cell | points |\n|---|---|\n| `{tests_id}` | {points + 1:g} |\n| `ex9_gone_check` | 1 |\n"
    )
    monkeypatch.setattr(f"{__name__}.NOTES", tmp_path)
    text = "\n".join(notes_problems(name))
    assert f"gives `{tests_id}` {points + 1:g} points" in text and "`ex9_gone_check`, which is not" in text
