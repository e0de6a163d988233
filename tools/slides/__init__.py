"""Workshop slide decks: one per lesson, presented live in JupyterLab or as static HTML.

    python -m tools.slides build [--no-debrief] [NN-x ...]
                                              write the deck notebooks, run them, export static
                                              HTML decks into slides/build/ (works offline); with
                                              --no-debrief, into slides/build/room/ without the
                                              slides tagged "debrief" (they show answers)
    python -m tools.slides notebooks [NN-x ...]  only write slides/NN-x.ipynb from slides/src/NN-x.py
    python -m tools.slides check [--every-slide] [NN-x ...]
                                              open each built deck in headless Chromium: slide
                                              count, console errors, no internet requests, nothing
                                              cut off; save a screenshot of the title slide
    python -m tools.slides sync               exit 1 if a deck notebook is out of date with its
                                              source (slides/src/NN-x.py)

A deck's source is a jupytext percent-format file like a lesson's (see docs/slides.md), built by
tools/notebooks.py's reader. Only code and `[markdown]` cells are allowed;
`slideshow={"slide_type": ...}` sets the Jupyter slideshow type (slide, subslide, fragment, notes,
skip; cells without it continue the current slide) and `tags=["hide-input"]
jupyter={"source_hidden": true}` shows only a code cell's output in the static deck (the plot, not
its code).

reveal.js and MathJax come from the npm registry (slides/package.json, pinned by
slides/package-lock.json); the build runs `npm ci` once when slides/node_modules is missing
and copies the few files a deck needs next to it, so a deck never fetches anything at show time.

The package has one module per job: decks.py (sources -> deck notebooks), assets.py (reveal.js and
MathJax from npm), export.py (run each deck, export static HTML) and browser.py (the headless check,
Playwright driving the machine's Chromium).
"""

from tools.slides.assets import ASSETS, NODE_MODULES, _assets_current, copy_assets, install_assets
from tools.slides.browser import DeckReport, check, event_problems, find_chromium, problems
from tools.slides.decks import (
    BUILD,
    DEBRIEF,
    DECK_SIZE,
    HEIGHT,
    ROOT,
    SCREENSHOTS,
    SLIDES,
    SOURCES,
    WIDTH,
    SlidesError,
    build_deck_notebook,
    deck_notebook_path,
    deck_sources,
    expected_slides,
    rendered_deck,
    select,
    stale_deck_notebooks,
    without_debrief,
    write_deck_notebooks,
)
from tools.slides.export import REMOTE_LOAD, ROOM, build, built_deck_path, execute, export_html, write_index

__all__ = [
    "ASSETS",
    "BUILD",
    "DEBRIEF",
    "DECK_SIZE",
    "HEIGHT",
    "NODE_MODULES",
    "REMOTE_LOAD",
    "ROOM",
    "ROOT",
    "SCREENSHOTS",
    "SLIDES",
    "SOURCES",
    "WIDTH",
    "DeckReport",
    "SlidesError",
    "_assets_current",
    "build",
    "build_deck_notebook",
    "built_deck_path",
    "check",
    "copy_assets",
    "deck_notebook_path",
    "deck_sources",
    "event_problems",
    "execute",
    "expected_slides",
    "export_html",
    "find_chromium",
    "install_assets",
    "problems",
    "rendered_deck",
    "select",
    "stale_deck_notebooks",
    "without_debrief",
    "write_deck_notebooks",
    "write_index",
]
