"""Deck sources (slides/src/NN-x.py) and the deck notebooks built from them (slides/NN-x.ipynb)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from tools.notebooks import ROLES, new_cell, read_source, stable_id, stamp

ROOT = Path(__file__).resolve().parents[2]
SLIDES = ROOT / "slides"
SOURCES = SLIDES / "src"
BUILD = SLIDES / "build"
SCREENSHOTS = BUILD / "screenshots"

SLIDE_TYPES = {"slide", "subslide", "fragment", "notes", "skip", "-"}
NEW_SLIDE = {"slide", "subslide"}  # the types that start a slide reveal.js counts
# A slide that shows an exercise's answer (or the result the room is asked to predict) carries this tag
# on its first cell; `python -m tools.slides build --no-debrief` leaves such slides out.
DEBRIEF = "debrief"
DECK_SIZE = range(10, 21)  # "the lesson's story in 10-20 slides"
WIDTH, HEIGHT = 1280, 720  # 16:9, what most projectors show


class SlidesError(RuntimeError):
    """A deck cannot be built or checked; the message says what to do."""


def deck_sources() -> list[Path]:
    return sorted(SOURCES.glob("[0-9][0-9]-*.py"))


def deck_notebook_path(source: Path) -> Path:
    return SLIDES / f"{source.stem}.ipynb"


def build_deck_notebook(source: Path) -> nbformat.NotebookNode:
    """The deck notebook for a percent-format source, with slideshow metadata on every cell.

    A cell's `slideshow={"slide_type": ...}` sets its Jupyter slideshow type (cells without it continue
    the current slide); `tags=["hide-input"] jupyter={"source_hidden": true}` shows only a code cell's
    output in the static deck (nbconvert removes the input) and collapses its code in JupyterLab;
    `tags=["debrief"]` on the cell that starts a slide marks the slide as showing an answer.
    """
    cells, where = read_source(source)
    notebook = nbformat.v4.new_notebook()
    title = ""
    ids: set[str] = set()
    for index, (cell, place) in enumerate(zip(cells.cells, where)):
        metadata = dict(cell.metadata)
        tags = metadata.pop("tags", [])
        roles = [tag for tag in tags if tag in ROLES]
        if roles or "grade_id" in metadata:
            raise ValueError(f"{place}: decks have only code and [markdown] cells, not {roles or 'graded'} cells")
        slide_type = metadata.pop("slideshow", {}).get("slide_type", "-")
        debrief = DEBRIEF in tags
        tags = [tag for tag in tags if tag != DEBRIEF]
        if debrief and slide_type not in NEW_SLIDE:
            raise ValueError(
                f'{place}: tags=["{DEBRIEF}"] marks a whole slide: put it on the cell that starts the slide '
                f'(slideshow={{"slide_type": "slide"}})'
            )
        hidden = metadata.pop("jupyter", {}).get("source_hidden", False)
        if metadata:
            raise ValueError(f"{place}: unknown attribute(s) {', '.join(sorted(metadata))}")
        if slide_type not in SLIDE_TYPES:
            raise ValueError(f"{place}: slide_type={slide_type} is not one of {', '.join(sorted(SLIDE_TYPES))}")
        if index == 0 and slide_type != "slide":
            raise ValueError(
                f'{place}: the first cell of a deck must start a slide (slideshow={{"slide_type": "slide"}})'
            )
        new = new_cell(cell, stable_id(cell, "s", ids), place)
        if cell.cell_type == "markdown":
            title = title or _first_heading(new.source)
        new.metadata["slideshow"] = {"slide_type": slide_type}
        if tags or hidden:
            if tags != ["hide-input"] or cell.cell_type == "markdown":
                raise ValueError(
                    f"{place}: only code cells can be hidden, and only with "
                    f'tags=["hide-input"] jupyter={{"source_hidden": true}}'
                )
            new.metadata["tags"] = ["hide-input"]  # removed by nbconvert in the static deck
            new.metadata["jupyter"] = {"source_hidden": True}  # collapsed in JupyterLab
        if debrief:
            new.metadata["tags"] = [DEBRIEF]
        notebook.cells.append(new)
    stamp(
        notebook,
        source,
        "python -m tools.slides notebooks",
        title=title or source.stem,
        # Read by the RISE extension for JupyterLab when the deck is presented live.
        rise={
            "theme": "white",
            "transition": "slide",
            "width": WIDTH,
            "height": HEIGHT,
            "scroll": True,
            "enable_chalkboard": False,
        },
    )
    return notebook


def without_debrief(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The deck for the room before an exercise: every slide tagged "debrief" (it shows the answer)
    left out, from its first cell to the cell that starts the next slide."""
    kept, leaving_out = [], False
    for cell in notebook.cells:
        if cell.metadata.get("slideshow", {}).get("slide_type") in NEW_SLIDE:
            leaving_out = DEBRIEF in cell.metadata.get("tags", [])
        if not leaving_out:
            kept.append(cell)
    room = nbformat.from_dict(notebook)
    room.cells = [nbformat.from_dict(cell) for cell in kept]
    return room


def _first_heading(markdown: str) -> str:
    match = re.search(r"^#+\s+(.+)$", markdown, flags=re.MULTILINE)
    return match.group(1).strip() if match else ""


def rendered_deck(source: Path) -> str:
    return nbformat.writes(build_deck_notebook(source)) + "\n"


def expected_slides(notebook: nbformat.NotebookNode) -> int:
    """How many slides reveal.js should show: one per cell that starts a slide or sub-slide."""
    return sum(cell.metadata.get("slideshow", {}).get("slide_type") in NEW_SLIDE for cell in notebook.cells)


def write_deck_notebooks(names: list[str] | None = None) -> list[Path]:
    written = []
    for source in select(names):
        target, text = deck_notebook_path(source), rendered_deck(source)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            written.append(target)
    return written


def stale_deck_notebooks() -> list[str]:
    return [
        deck_notebook_path(s).name
        for s in deck_sources()
        if not deck_notebook_path(s).exists() or deck_notebook_path(s).read_text() != rendered_deck(s)
    ]


def select(names: list[str] | None) -> list[Path]:
    sources = deck_sources()
    if not names:
        return sources
    by_name = {s.stem: s for s in sources}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise SystemExit(f"no deck source for {', '.join(missing)} (have: {', '.join(by_name)})")
    return [by_name[n] for n in names]
