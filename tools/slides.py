"""Workshop slide decks: one per lesson, presented live in JupyterLab or as static HTML.

    python -m tools.slides build [NN-x ...]   write the deck notebooks, run them, export static
                                              HTML decks into slides/build/ (works offline)
    python -m tools.slides notebooks [NN-x ...]  only write slides/NN-x.ipynb from slides/src/NN-x.py
    python -m tools.slides check [--every-slide] [NN-x ...]
                                              open each built deck in headless Chromium: slide
                                              count, console errors, no internet requests, nothing
                                              cut off; save a screenshot of the title slide
    python -m tools.slides sync               exit 1 if a deck notebook is out of date with its
                                              source (slides/src/NN-x.py)

A deck's source is a percent-format file like a lesson's (see docs/slides.md). Only plain
code cells and `[markdown]` cells are allowed; `slide_type=` sets the Jupyter slideshow type
(slide, subslide, fragment, notes, skip; cells without it continue the current slide) and
`hide=input` shows only a code cell's output in the static deck (the plot, not its code).

reveal.js and MathJax come from the npm registry (slides/package.json, pinned by
slides/package-lock.json); the build runs `npm ci` once when slides/node_modules is missing
and copies the few files a deck needs next to it, so a deck never fetches anything at show time.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tools.notebooks import parse_cells

ROOT = Path(__file__).resolve().parents[1]
SLIDES = ROOT / "slides"
SOURCES = SLIDES / "src"
BUILD = SLIDES / "build"
SCREENSHOTS = BUILD / "screenshots"
TEMPLATES = SLIDES / "template"
NODE_MODULES = SLIDES / "node_modules"

SLIDE_TYPES = {"slide", "subslide", "fragment", "notes", "skip", "-"}
NEW_SLIDE = {"slide", "subslide"}  # the types that start a slide reveal.js counts
DECK_SIZE = range(10, 21)  # "the lesson's story in 10-20 slides"
WIDTH, HEIGHT = 1280, 720  # 16:9, what most projectors show
EXECUTE_TIMEOUT = 120  # seconds per cell; decks use pandas and NumPy, not Spark

# What a deck needs from the npm packages, copied next to the decks: (source, target) under
# slides/node_modules and slides/build. Themes other than "white" would fetch web fonts.
ASSETS = [
    ("reveal.js/dist/reveal.js", "reveal.js/dist/reveal.js"),
    ("reveal.js/dist/reveal.css", "reveal.js/dist/reveal.css"),
    ("reveal.js/dist/theme/white.css", "reveal.js/dist/theme/white.css"),
    ("reveal.js/dist/theme/fonts/source-sans-pro", "reveal.js/dist/theme/fonts/source-sans-pro"),
    ("reveal.js/plugin/notes/notes.js", "reveal.js/plugin/notes/notes.js"),
    ("reveal.js/LICENSE", "reveal.js/LICENSE"),
    ("mathjax/es5/tex-svg-full.js", "mathjax/tex-svg-full.js"),
    ("mathjax/LICENSE", "mathjax/LICENSE"),
]

# ---------------------------------------------------------------- deck notebooks


def deck_sources() -> list[Path]:
    return sorted(SOURCES.glob("[0-9][0-9]-*.py"))


def deck_notebook_path(source: Path) -> Path:
    return SLIDES / f"{source.stem}.ipynb"


def _markdown(lines: list[str]) -> str:
    return "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines).strip("\n")


def build_deck_notebook(source: Path) -> nbformat.NotebookNode:
    """The deck notebook for a percent-format source, with slideshow metadata on every cell."""
    notebook = nbformat.v4.new_notebook()
    cells = parse_cells(source.read_text(), source.name)
    title = ""
    for index, cell in enumerate(cells):
        where = f"{source.name}:{cell['line']}"
        if cell["kind"] not in (None, "markdown"):
            raise ValueError(f"{where}: decks have only code and [markdown] cells, not [{cell['kind']}]")
        unknown = set(cell["attrs"]) - {"slide_type", "hide"}
        if unknown:
            raise ValueError(f"{where}: unknown attribute(s) {', '.join(sorted(unknown))}")
        slide_type = cell["attrs"].get("slide_type", "-")
        if slide_type not in SLIDE_TYPES:
            raise ValueError(f"{where}: slide_type={slide_type} is not one of {', '.join(sorted(SLIDE_TYPES))}")
        if index == 0 and slide_type != "slide":
            raise ValueError(f"{where}: the first cell of a deck must start a slide (slide_type=slide)")
        if cell["kind"] == "markdown":
            new = nbformat.v4.new_markdown_cell(_markdown(cell["lines"]))
            title = title or _first_heading(new.source)
        else:
            new = nbformat.v4.new_code_cell("\n".join(cell["lines"]).strip("\n"))
        new["id"] = f"s{index:03d}"
        new.metadata["slideshow"] = {"slide_type": slide_type}
        hide = cell["attrs"].get("hide")
        if hide is not None:
            if hide != "input" or cell["kind"] == "markdown":
                raise ValueError(f"{where}: only code cells can be hidden, and only with hide=input")
            new.metadata["tags"] = ["hide-input"]  # removed by nbconvert in the static deck
            new.metadata["jupyter"] = {"source_hidden": True}  # collapsed in JupyterLab
        notebook.cells.append(new)
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3 (paper2prod)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "title": title or source.stem,
        # Read by the RISE extension for JupyterLab when the deck is presented live.
        "rise": {"theme": "white", "transition": "slide", "width": WIDTH, "height": HEIGHT,
                 "scroll": True, "enable_chalkboard": False},
    }
    return notebook


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
    return [deck_notebook_path(s).name for s in deck_sources()
            if not deck_notebook_path(s).exists() or deck_notebook_path(s).read_text() != rendered_deck(s)]


def select(names: list[str] | None) -> list[Path]:
    sources = deck_sources()
    if not names:
        return sources
    by_name = {s.stem: s for s in sources}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise SystemExit(f"no deck source for {', '.join(missing)} (have: {', '.join(by_name)})")
    return [by_name[n] for n in names]


# ---------------------------------------------------------------- offline assets


class SlidesError(RuntimeError):
    """A deck cannot be built or checked; the message says what to do."""


def _assets_current() -> bool:
    """Every asset is there, from the package versions that slides/package.json pins."""
    pinned = json.loads((SLIDES / "package.json").read_text())["dependencies"]
    for package, version in pinned.items():
        installed = NODE_MODULES / package / "package.json"
        if not installed.exists() or json.loads(installed.read_text()).get("version") != version:
            return False
    return all((NODE_MODULES / source).exists() for source, _ in ASSETS)


def install_assets() -> None:
    """Install the pinned reveal.js and MathJax into slides/node_modules with `npm ci` when needed."""
    if _assets_current():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SlidesError("reveal.js is not installed and npm is missing: install Node.js and npm "
                          "(Debian: apt-get install -y npm), then run `npm ci --prefix slides`")
    print("installing reveal.js and MathJax from the npm registry (npm ci, once)", flush=True)
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(SLIDES)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SlidesError(f"`npm ci --prefix slides` failed:\n{done.stdout}\n{done.stderr}")
    if not _assets_current():
        raise SlidesError("npm ci ran but slides/node_modules still lacks a pinned version or file; "
                          "check that slides/package.json and slides/package-lock.json agree")


def copy_assets(build: Path = BUILD) -> None:
    for source, target in ASSETS:
        origin, destination = NODE_MODULES / source, build / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, destination, dirs_exist_ok=True)
        else:
            shutil.copy2(origin, destination)


# ---------------------------------------------------------------- build


def execute(notebook: nbformat.NotebookNode, name: str = "deck") -> nbformat.NotebookNode:
    """Run a deck top to bottom in slides/ (where deckkit.py lives); raise on the first error."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    client = NotebookClient(notebook, timeout=EXECUTE_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(SLIDES)}},
                            # The kernel's start-up warnings are noise in a build log; errors still show.
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    try:
        client.execute()
    except CellExecutionError as error:
        raise SlidesError(f"{name}: a cell failed while the deck ran\n{error}") from None
    return notebook


# What a page would fetch by itself at show time (a link a person may click is fine): scripts,
# images and frames, style sheets, CSS imports and JavaScript module imports.
REMOTE_LOAD = re.compile(r"""<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\ssrc=["'](https?://[^"']+)"""
                         r"""|<link\b[^>]*\shref=["'](https?://[^"']+)"""
                         r"""|@import\s+(?:url\()?["']?(https?://[^"')\s]+)"""
                         r"""|\bimport\s[^;]*?from\s+["'](https?://[^"']+)""")


def export_html(notebook: nbformat.NotebookNode) -> str:
    from nbconvert import SlidesExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_input_tags = {"hide-input"}
    config.TagRemovePreprocessor.enabled = True
    exporter = SlidesExporter(config=config, template_name="paper2prod",
                              extra_template_basedirs=[str(TEMPLATES)])
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


def build(names: list[str] | None = None, build_dir: Path = BUILD) -> list[Path]:
    """Write, run and export the selected decks; return the HTML files."""
    install_assets()
    write_deck_notebooks(names)
    build_dir.mkdir(parents=True, exist_ok=True)
    copy_assets(build_dir)
    built = []
    for source in select(names):
        started = time.perf_counter()
        notebook = execute(nbformat.read(deck_notebook_path(source), as_version=4), source.stem)
        target = built_deck_path(source.stem, build_dir)
        target.write_text(export_html(notebook))
        built.append(target)
        print(f"built {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
              f"{expected_slides(notebook)} slides in {time.perf_counter() - started:.1f} s", flush=True)
    write_index(build_dir)
    return built


def write_index(build_dir: Path = BUILD) -> None:
    """A start page that links every built deck, for the host's browser."""
    rows = []
    for source in deck_sources():
        if built_deck_path(source.stem, build_dir).exists():
            notebook = nbformat.read(deck_notebook_path(source), as_version=4)
            rows.append(f'<li><a href="{source.stem}.slides.html">{notebook.metadata.get("title", source.stem)}'
                        f'</a> ({expected_slides(notebook)} slides)</li>')
    (build_dir / "index.html").write_text(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Paper to Production: slides"
        "</title></head>\n<body style=\"font-family: sans-serif; max-width: 50em; margin: 2em auto\">\n"
        "<h1>Paper to Production: workshop decks</h1>\n<p>Arrow keys move, <kbd>S</kbd> opens the speaker "
        "view with notes, <kbd>F</kbd> is full screen, <kbd>Esc</kbd> shows every slide.</p>\n<ul>\n"
        + "\n".join(rows) + "\n</ul>\n</body></html>\n")


# ---------------------------------------------------------------- headless browser check


def find_chromium() -> str | None:
    """Debian's Chromium (or the browser PAPER2PROD_CHROMIUM names); None when absent."""
    named = os.environ.get("PAPER2PROD_CHROMIUM")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    for candidate in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


class Browser:
    """Headless Chromium driven over the DevTools protocol (one page, one websocket)."""

    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--mute-audio",
             # Any attempt to reach the internet fails at once (and shows up as an error),
             # so a deck that passes here also works in a room with no network.
             "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]

    def __init__(self, binary: str, width: int = WIDTH, height: int = HEIGHT, timeout: float = 30):
        self.binary, self.width, self.height, self.timeout = binary, width, height, timeout
        self.events: list[dict] = []
        self._next_id = 0

    def __enter__(self) -> "Browser":
        import websocket  # websocket-client, installed with jupyter-server

        self.profile = Path(tempfile.mkdtemp(prefix="paper2prod-chromium-"))
        self.log = open(self.profile.parent / f"{self.profile.name}.log", "w")
        self.process = subprocess.Popen(
            [self.binary, *self.FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            port = self._devtools_port()
            self.socket = websocket.create_connection(self._page_socket_url(port), timeout=self.timeout,
                                                      suppress_origin=True, enable_multithread=False)
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable")
            self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                      deviceScaleFactor=1, mobile=False)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        socket = getattr(self, "socket", None)
        if socket is not None:
            socket.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _devtools_port(self) -> int:
        marker, deadline = self.profile / "DevToolsActivePort", time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SlidesError(f"Chromium exited with code {self.process.returncode} at start-up; "
                                  f"see {self.log.name}")
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            time.sleep(0.1)
        raise SlidesError(f"Chromium did not open its DevTools port within {self.timeout:.0f} s")

    def _page_socket_url(self, port: int) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=self.timeout) as answer:
                pages = [t for t in json.load(answer) if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise SlidesError("Chromium started without a page to drive")

    def call(self, method: str, **params) -> dict:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        self.socket.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = self._receive(self.timeout)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise SlidesError(f"{method} failed: {message['error']}")
                return message.get("result", {})

    def _receive(self, timeout: float) -> dict:
        self.socket.settimeout(timeout)
        message = json.loads(self.socket.recv())
        if "method" in message:
            self.events.append(message)
        return message

    def wait_for_event(self, method: str, timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        seen = len(self.events)
        while True:
            for event in self.events[seen:]:
                if event["method"] == method:
                    return event
            seen = len(self.events)
            left = deadline - time.monotonic()
            if left <= 0:
                raise SlidesError(f"timed out waiting for {method}")
            self._receive(left)

    def evaluate(self, expression: str, timeout: float | None = None):
        """Value of a JavaScript expression (promises awaited); JavaScript errors raise."""
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True,
                           timeout=int(1000 * (timeout or self.timeout)))
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise SlidesError(f"JavaScript error: {details.get('exception', {}).get('description') or details}")
        return result["result"].get("value")

    def screenshot(self, target: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(data))


@dataclass
class DeckReport:
    name: str
    slides: int = 0
    title: str = ""
    errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    overflowing: list[str] = field(default_factory=list)
    screenshot: Path | None = None


LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

# Waits until reveal.js is ready, MathJax has typeset every formula and the web fonts are in.
READY = """(async () => {
  const deadline = Date.now() + %d;
  while (!(window.Reveal && Reveal.isReady())) {
    if (Date.now() > deadline) return false;
    await new Promise(r => setTimeout(r, 50));
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await document.fonts.ready;
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});
  return true;
})()"""

# For each slide: show it, then measure whether its content is taller or wider than the slide.
MEASURE = """(async () => {
  const size = Reveal.getComputedSlideSize();
  const problems = [];
  const slides = Reveal.getSlides();
  for (let i = 0; i < slides.length; i++) {
    const where = Reveal.getIndices(slides[i]);
    Reveal.slide(where.h, where.v);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const s = Reveal.getCurrentSlide();
    const heading = (s.querySelector('h1, h2, h3') || {}).textContent || '';
    const name = `slide ${i + 1} "${heading.trim().replace(/\\u00b6$/, '')}"`;
    if (s.scrollHeight > size.height + 2 || s.scrollWidth > size.width + 2)
      problems.push(`${name}: content ${s.scrollWidth}x${s.scrollHeight} px does not fit ${size.width}x${size.height}`);
    for (const e of s.querySelectorAll('*')) {  // a box that hides part of its content (a long code line)
      const style = getComputedStyle(e);
      if (style.overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 2 && e.clientWidth > 0)
        problems.push(`${name}: a ${e.tagName.toLowerCase()} is cut off (${e.scrollWidth} px of content in ${e.clientWidth} px)`);
    }
  }
  Reveal.slide(0, 0);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return problems;
})()"""


# Shows slide number %d (from 0) with all its fragments, as at the end of presenting it.
SHOW_WHOLE_SLIDE = """(async () => {
  const where = Reveal.getIndices(Reveal.getSlides()[%d]);
  Reveal.slide(where.h, where.v);
  while (Reveal.nextFragment()) {}
  await new Promise(r => setTimeout(r, 400));  // let the fragments fade in
})()"""


def _event_problems(events: list[dict]) -> tuple[list[str], list[str]]:
    """Console errors, uncaught exceptions, failed loads, and requests that left the machine."""
    errors, external = [], []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append(f"uncaught: {details.get('exception', {}).get('description') or details.get('text')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append(f"{entry.get('source', 'log')}: {entry.get('text')} {entry.get('url', '')}".strip())
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            errors.append(f"failed to load ({params.get('errorText')}) request {params.get('requestId')}")
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(LOCAL_SCHEMES):
                external.append(url)
    return errors, external


def inspect_deck(browser: Browser, html: Path, screenshot: Path, every_slide: Path | None = None) -> DeckReport:
    """Open one built deck and report what a person would see."""
    report = DeckReport(name=html.name.removesuffix(".slides.html"), screenshot=screenshot)
    browser.events.clear()
    browser.call("Page.navigate", url=html.resolve().as_uri())
    browser.wait_for_event("Page.loadEventFired")
    if not browser.evaluate(READY % (1000 * browser.timeout)):
        report.errors.append("reveal.js never became ready (did reveal.js load?)")
    else:
        report.slides = int(browser.evaluate("Reveal.getTotalSlides()"))
        report.title = browser.evaluate("(document.querySelector('.reveal .slides h1') || {}).textContent || ''")
        report.title = report.title.strip().rstrip("¶")
        report.overflowing = browser.evaluate(MEASURE)
        if every_slide is not None:
            for index in range(report.slides):
                browser.evaluate(SHOW_WHOLE_SLIDE % index)
                browser.screenshot(every_slide / f"{report.name}-{index + 1:02d}.png")
            browser.evaluate("(async () => { Reveal.slide(0, 0); "
                             "await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); })()")
        browser.screenshot(screenshot)
    event_errors, report.external_requests = _event_problems(browser.events)
    report.errors = event_errors + report.errors
    return report


def check(names: list[str] | None = None, build_dir: Path = BUILD, every_slide: bool = False) -> list[DeckReport]:
    """Open every built deck in headless Chromium; return one report per deck."""
    binary = find_chromium()
    if binary is None:
        raise SlidesError("Chromium is not installed (Debian: apt-get install -y chromium)")
    reports = []
    with Browser(binary) as browser:
        for source in select(names):
            html = built_deck_path(source.stem, build_dir)
            if not html.exists():
                raise SlidesError(f"{html} is missing: run `python -m tools.slides build` first")
            shots = build_dir / "screenshots"
            reports.append(inspect_deck(browser, html, shots / f"{source.stem}.png",
                                        shots / "every-slide" if every_slide else None))
    return reports


def problems(report: DeckReport, expected: int) -> list[str]:
    found = [f"{report.slides} slides rendered, the notebook has {expected}"] if report.slides != expected else []
    if report.slides not in DECK_SIZE:
        found.append(f"{report.slides} slides: a deck tells its story in {DECK_SIZE.start}-{DECK_SIZE.stop - 1}")
    found += report.errors
    found += [f"fetched from outside this machine: {url}" for url in report.external_requests]
    found += report.overflowing
    return found


def main(argv: list[str]) -> int:
    command, names = (argv[0] if argv else "help"), [a for a in argv[1:] if not a.startswith("--")]
    try:
        if command == "build":
            build(names or None)
            print(f"open {BUILD.relative_to(ROOT)}/index.html in a browser (works offline)")
            return 0
        if command == "check":
            failed = 0
            for report in check(names or None, every_slide="--every-slide" in argv):
                notebook = nbformat.read(SLIDES / f"{report.name}.ipynb", as_version=4)
                found = problems(report, expected_slides(notebook))
                failed += bool(found)
                print(f"{'FAIL' if found else 'ok  '} {report.name}: {report.slides} slides, "
                      f"screenshot {report.screenshot.relative_to(ROOT)}")
                for line in found:
                    print(f"     {line}")
            return 1 if failed else 0
        if command == "notebooks":
            for path in write_deck_notebooks(names or None):
                print(f"wrote {path.relative_to(ROOT)}")
            return 0
        if command == "sync":
            stale = stale_deck_notebooks()
            for name in stale:
                print(f"out of date: slides/{name}")
            print("run `python -m tools.slides build` and commit slides/src/ and slides/*.ipynb together"
                  if stale else "in sync")
            return 1 if stale else 0
    except SlidesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
