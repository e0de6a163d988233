"""Workshop decks: sources and notebooks agree, every lesson has a deck, and every built deck
renders in a real headless browser (Debian's Chromium, driven by Playwright) with the expected number of slides, no
console errors, nothing fetched from outside the machine, and nothing cut off.

The browser test builds every deck with the same command a host types
(`python -m tools.slides build`) and saves a screenshot of each title slide under
slides/build/screenshots/. It skips, saying why, when Chromium or npm is missing; in CI (or with
`--require browser`) that skip is a failure instead (conftest.py).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from tools import slides

ROOT = Path(__file__).resolve().parents[1]
DECKS = [source.stem for source in slides.deck_sources()]


def _unavailable(reason: str):
    pytest.skip(reason)


# ---------------------------------------------------------------- sources and notebooks


def test_deck_notebooks_match_their_sources():
    stale = slides.stale_deck_notebooks()
    assert not stale, f"out of date: {stale}; run `python -m tools.slides build` and commit slides/"


def test_every_lesson_has_a_deck():
    lessons = sorted(p.stem for p in (ROOT / "authoring").glob("[0-9][0-9]-*.py"))
    missing = [name for name in lessons if name not in DECKS]
    assert not missing, f"lessons without a deck in slides/src/: {missing}"


@pytest.mark.parametrize("name", DECKS)
def test_deck_tells_its_story_in_10_to_20_slides(name):
    notebook = nbformat.read(slides.SLIDES / f"{name}.ipynb", as_version=4)
    count = slides.expected_slides(notebook)
    assert count in slides.DECK_SIZE, f"{name} has {count} slides; a deck has 10-20"
    assert notebook.cells[0].metadata.slideshow.slide_type == "slide"
    assert notebook.metadata["title"].startswith(f"Lesson {name[:2]}"), "the title slide names the lesson"


def _deck(tmp_path: Path, text: str) -> Path:
    source = tmp_path / "99-example.py"
    source.write_text(textwrap.dedent(text).lstrip())
    return source


def test_source_format_sets_slideshow_metadata(tmp_path):
    source = _deck(
        tmp_path,
        """
        # %% [markdown] slideshow={"slide_type": "slide"}
        # # Lesson 99 — An example
        # %% slideshow={"slide_type": "skip"}
        from deckkit import *
        # %% [markdown] slideshow={"slide_type": "slide"}
        # ## A plot
        # %% tags=["hide-input"] jupyter={"source_hidden": true}
        plt.plot([1, 2])
        # %% [markdown] slideshow={"slide_type": "fragment"}
        # A remark.
        # %% [markdown] slideshow={"slide_type": "subslide"}
        # ## More
        # %% [markdown] slideshow={"slide_type": "notes"}
        # Say this.
        """,
    )
    notebook = slides.build_deck_notebook(source)
    types = [cell.metadata.slideshow.slide_type for cell in notebook.cells]
    assert types == ["slide", "skip", "slide", "-", "fragment", "subslide", "notes"]
    assert slides.expected_slides(notebook) == 3
    hidden = notebook.cells[3]
    assert hidden.metadata.tags == ["hide-input"] and hidden.metadata.jupyter.source_hidden is True
    assert notebook.metadata.title == "Lesson 99 — An example"
    assert notebook.metadata.rise["width"] == slides.WIDTH


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("# %% [markdown]\n# # Title\n", "must start a slide"),
        (
            '# %% [markdown] slideshow={"slide_type": "slide"}\n# # T\n# %% slideshow={"slide_type": "page"}\nx = 1\n',
            "is not one of",
        ),
        (
            '# %% [markdown] slideshow={"slide_type": "slide"} tags=["hide-input"]\n# # T\n',
            "only code cells can be hidden",
        ),
        (
            '# %% [markdown] slideshow={"slide_type": "slide"}\n# # T\n# %% tags=["solution"] grade_id="x"\nx = 1\n',
            "only code and [markdown]",
        ),
        ('# %% [markdown] slideshow={"slide_type": "slide"} colour="red"\n# # T\n', "unknown attribute"),
        ("# %% [markdown] slide_type=slide\n# # T\n", "old cell header"),
    ],
)
def test_source_mistakes_are_reported_with_their_line(tmp_path, text, complaint):
    with pytest.raises(ValueError, match=r"99-example\.py:\d+: .*" + re.escape(complaint)):
        slides.build_deck_notebook(_deck(tmp_path, text))


def test_browser_events_become_problems():
    events = [  # as tools.slides.browser.Recorder writes Playwright's page events down
        {"event": "console", "type": "error", "text": "boom", "url": "file:///deck.html"},
        {"event": "console", "type": "log", "text": "fine", "url": "file:///deck.html"},
        {"event": "pageerror", "text": "TypeError: x"},
        {
            "event": "console",
            "type": "error",
            "text": "Failed to load resource: net::ERR_FILE_NOT_FOUND",
            "url": "file:///x.js",
        },
        {"event": "request", "url": "https://cdn.example/reveal.js"},
        {"event": "requestfailed", "url": "https://cdn.example/reveal.js", "failure": "net::ERR_BLOCKED_BY_CLIENT"},
        {"event": "request", "url": "file:///deck/reveal.js"},
        {"event": "request", "url": "data:image/png;base64,xx"},
    ]
    errors, external = slides.event_problems(events)
    assert errors == ["console.error: boom", "uncaught: TypeError: x", "network: Failed to load resource file:///x.js"]
    assert external == ["https://cdn.example/reveal.js"]


@pytest.mark.parametrize(
    "html, fetches",
    [
        ('<script src="https://unpkg.com/reveal.js@4.0.2/dist/reveal.js"></script>', True),
        ('<link rel="stylesheet" href="https://cdn.example/theme.css">', True),
        ("import mermaid from 'https://cdn.example/mermaid.esm.min.mjs';", True),
        ("@import url('https://fonts.example/css?family=Lato');", True),
        ('<img alt="plot" src="https://example.org/plot.png">', True),
        ('<a href="https://grouplens.org/datasets/movielens/">MovieLens</a>', False),  # a link, not a load
        ('<img alt="plot" src="data:image/png;base64,iVBORw0KGgo=">', False),
        ('<script src="reveal.js/dist/reveal.js"></script>', False),
    ],
)
def test_remote_loads_are_told_apart_from_links(html, fetches):
    assert bool(slides.REMOTE_LOAD.search(html)) is fetches


def test_the_template_loads_nothing_from_the_internet():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Lesson 99 — Offline\n\n$x^2$")])
    notebook.cells[0].metadata["slideshow"] = {"slide_type": "slide"}
    html = slides.export_html(notebook)
    assert 'src="reveal.js/dist/reveal.js"' in html and 'src="mathjax/tex-svg-full.js"' in html
    assert "unpkg.com" not in html and "cdnjs" not in html and "require.js" not in html


# ---------------------------------------------------------------- built decks in Chromium


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.fixture(scope="module")
def deck_reports():
    """Build every deck with the host's command, then open each one in headless Chromium."""
    if slides.find_chromium() is None:
        _unavailable("Chromium is not installed; on Debian or Ubuntu: apt-get install -y chromium")
    if not slides._assets_current() and shutil.which("npm") is None:
        _unavailable("reveal.js is not installed and npm is missing; install npm, then `npm ci --prefix slides`")
    built = subprocess.run([sys.executable, "-m", "tools.slides", "build"], cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, f"`python -m tools.slides build` failed:\n{built.stdout}\n{built.stderr[-4000:]}"
    return {report.name: report for report in slides.check()}


@pytest.mark.browser
@pytest.mark.notebooks  # the build executes every deck
@pytest.mark.parametrize("name", DECKS)
def test_built_deck_renders_in_chromium(deck_reports, name):
    report = deck_reports[name]
    expected = slides.expected_slides(nbformat.read(slides.SLIDES / f"{name}.ipynb", as_version=4))
    assert report.slides == expected, f"{name}: {report.slides} slides rendered, the notebook has {expected}"
    assert not report.errors, f"{name}: console errors:\n" + "\n".join(report.errors)
    assert not report.external_requests, f"{name} fetched from the internet: {report.external_requests}"
    assert not report.overflowing, f"{name}: content cut off:\n" + "\n".join(report.overflowing)
    assert report.title.startswith(f"Lesson {name[:2]}"), f"{name}: title slide shows {report.title!r}"
    screenshot = slides.SCREENSHOTS / f"{name}.png"
    assert screenshot.exists(), f"no screenshot of {name}'s title slide"
    assert _png_size(screenshot) == (slides.WIDTH, slides.HEIGHT)
    assert screenshot.stat().st_size > 10_000, f"{screenshot} looks blank"
