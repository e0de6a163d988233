"""Run each deck notebook and export it as a static reveal.js page into slides/build/."""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat

from tools.slides.assets import copy_assets, install_assets
from tools.slides.decks import (
    BUILD,
    HEIGHT,
    ROOT,
    SLIDES,
    WIDTH,
    SlidesError,
    deck_notebook_path,
    deck_sources,
    expected_slides,
    select,
    without_debrief,
    write_deck_notebooks,
)

ROOM = BUILD / "room"  # decks without their debrief slides, to show before the exercises

TEMPLATES = SLIDES / "template"
EXECUTE_TIMEOUT = 120  # seconds per cell; decks use pandas and NumPy, not Spark


def execute(notebook: nbformat.NotebookNode, name: str = "deck") -> nbformat.NotebookNode:
    """Run a deck top to bottom in slides/ (where deckkit.py lives); raise on the first error."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    client = NotebookClient(
        notebook,
        timeout=EXECUTE_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(SLIDES)}},
        # The kernel's start-up warnings are noise in a build log; errors still show.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    try:
        client.execute()
    except CellExecutionError as error:
        raise SlidesError(f"{name}: a cell failed while the deck ran\n{error}") from None
    return notebook


# What a page would fetch by itself at show time (a link a person may click is fine): scripts,
# images and frames, style sheets, CSS imports and JavaScript module imports.
REMOTE_LOAD = re.compile(
    r"""<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\ssrc=["'](https?://[^"']+)"""
    r"""|<link\b[^>]*\shref=["'](https?://[^"']+)"""
    r"""|@import\s+(?:url\()?["']?(https?://[^"')\s]+)"""
    r"""|\bimport\s[^;]*?from\s+["'](https?://[^"']+)"""
)


def export_html(notebook: nbformat.NotebookNode) -> str:
    from nbconvert import SlidesExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_input_tags = {"hide-input"}
    config.TagRemovePreprocessor.enabled = True
    exporter = SlidesExporter(config=config, template_name="paper2prod", extra_template_basedirs=[str(TEMPLATES)])
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    exporter.reveal_url_prefix = "reveal.js"
    exporter.reveal_theme = "white"
    exporter.reveal_transition = "slide"
    exporter.reveal_number = "c/t"
    exporter.reveal_width, exporter.reveal_height = str(WIDTH), str(HEIGHT)
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    html, _ = exporter.from_notebook_node(notebook)
    external = sorted({url for groups in REMOTE_LOAD.findall(html) for url in groups if url})
    if external:
        raise SlidesError(f"the deck would load from the internet: {', '.join(external)}")
    return html


def built_deck_path(name: str, build: Path = BUILD) -> Path:
    return build / f"{name}.slides.html"


def build(names: list[str] | None = None, build_dir: Path | None = None, debrief: bool = True) -> list[Path]:
    """Write, run and export the selected decks; return the HTML files. Without `debrief`, the slides
    that show answers are left out and the decks go to slides/build/room/."""
    build_dir = build_dir or (BUILD if debrief else ROOM)
    install_assets()
    write_deck_notebooks(names)
    build_dir.mkdir(parents=True, exist_ok=True)
    copy_assets(build_dir)
    built = []
    for source in select(names):
        started = time.perf_counter()
        notebook = nbformat.read(deck_notebook_path(source), as_version=4)
        notebook = execute(notebook if debrief else without_debrief(notebook), source.stem)
        target = built_deck_path(source.stem, build_dir)
        target.write_text(export_html(notebook))
        built.append(target)
        print(
            f"built {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
            f"{expected_slides(notebook)} slides in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    write_index(build_dir, debrief)
    return built


def write_index(build_dir: Path = BUILD, debrief: bool = True) -> None:
    """A start page that links every built deck, for the host's browser."""
    rows = []
    for source in deck_sources():
        if built_deck_path(source.stem, build_dir).exists():
            notebook = nbformat.read(deck_notebook_path(source), as_version=4)
            notebook = notebook if debrief else without_debrief(notebook)
            rows.append(
                f'<li><a href="{source.stem}.slides.html">{notebook.metadata.get("title", source.stem)}'
                f"</a> ({expected_slides(notebook)} slides)</li>"
            )
    which = (
        ""
        if debrief
        else "<p>These decks leave out the debrief slides (an exercise's answers, a result the room predicts "
        "first); the full decks are in the folder above.</p>\n"
    )
    (build_dir / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Paper to Production: slides'
        '</title></head>\n<body style="font-family: sans-serif; max-width: 50em; margin: 2em auto">\n'
        "<h1>Paper to Production: workshop decks</h1>\n<p>Arrow keys move, <kbd>S</kbd> opens the speaker "
        "view with notes, <kbd>F</kbd> is full screen, <kbd>Esc</kbd> shows every slide.</p>\n"
        + which
        + "<ul>\n"
        + "\n".join(rows)
        + "\n</ul>\n</body></html>\n"
    )
