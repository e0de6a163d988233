"""Open each built deck in headless Chromium (driven by Playwright) and report what a person would see:
the slide count, console errors, requests that would leave the machine, content cut off; and save
screenshots.

Playwright drives the machine's own Chromium (Debian's `chromium` package, or the browser
PAPER2PROD_CHROMIUM names) through `executable_path`: `playwright install` is never needed.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tools.slides.decks import BUILD, DECK_SIZE, HEIGHT, WIDTH, SlidesError, select
from tools.slides.export import built_deck_path

# The flags a headless Chromium needs on a machine with no display, no sandbox and a closed
# network (without the background-networking ones it tries to reach Google at every start).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
]
TIMEOUT = 30.0  # seconds for a page to load and reveal.js to be ready
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


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


@dataclass
class DeckReport:
    name: str
    slides: int = 0
    title: str = ""
    errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    overflowing: list[str] = field(default_factory=list)
    screenshot: Path | None = None


# Waits until reveal.js is ready, MathJax has typeset every formula and the web fonts are in.
READY = """async (timeout) => {
  const deadline = Date.now() + timeout;
  while (!(window.Reveal && Reveal.isReady())) {
    if (Date.now() > deadline) return false;
    await new Promise(r => setTimeout(r, 50));
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await document.fonts.ready;
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});
  return true;
}"""

# For each slide: show it, then measure whether its content is taller or wider than the slide.
MEASURE = """async () => {
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
}"""

# Shows slide number `index` (from 0) with all its fragments, as at the end of presenting it.
SHOW_WHOLE_SLIDE = """async (index) => {
  const where = Reveal.getIndices(Reveal.getSlides()[index]);
  Reveal.slide(where.h, where.v);
  while (Reveal.nextFragment()) {}
  await new Promise(r => setTimeout(r, 400));  // let the fragments fade in
}"""

BACK_TO_START = """async () => {
  Reveal.slide(0, 0);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""


def event_problems(events: list[dict]) -> tuple[list[str], list[str]]:
    """Console errors, uncaught exceptions, failed loads, and requests that would leave the machine.

    `events` are what `Recorder` writes down from Playwright's page events, as plain dicts:
    {"event": "console", "type", "text", "url"}, {"event": "pageerror", "text"},
    {"event": "request", "url"} and {"event": "requestfailed", "url", "failure"}.
    """
    errors, external, failed_loads = [], [], set()
    for event in events:
        kind, url = event["event"], event.get("url", "")
        local = url.startswith(LOCAL_SCHEMES)
        if kind == "console" and event["type"] in ("error", "assert"):
            if not event["text"].startswith("Failed to load resource"):
                errors.append(f"console.{event['type']}: {event['text']}")
            elif local and url not in failed_loads:  # Chromium's own network log; remote loads are
                failed_loads.add(url)  # blocked on purpose and reported below
                errors.append(f"network: Failed to load resource {url}")
        elif kind == "pageerror":
            errors.append(f"uncaught: {event['text']}")
        elif kind == "request" and not local:
            external.append(url)
        elif kind == "requestfailed" and local and url not in failed_loads:
            failed_loads.add(url)
            errors.append(f"network: Failed to load resource {url} ({event.get('failure')})")
    return errors, external


class Recorder:
    """Writes down a page's events as the plain dicts `event_problems` reads."""

    def __init__(self, page):
        self.events: list[dict] = []
        page.on(
            "console",
            lambda m: self.events.append(
                {"event": "console", "type": m.type, "text": m.text, "url": (m.location or {}).get("url", "")}
            ),
        )
        page.on("pageerror", lambda e: self.events.append({"event": "pageerror", "text": str(e)}))
        page.on("request", lambda r: self.events.append({"event": "request", "url": r.url}))
        page.on(
            "requestfailed",
            lambda r: self.events.append({"event": "requestfailed", "url": r.url, "failure": r.failure}),
        )


def _block_remote(route) -> None:
    """Any request that would leave the machine fails at once (and is reported by the request event),
    so a deck that passes here also works in a room with no network."""
    if route.request.url.startswith(LOCAL_SCHEMES):
        route.continue_()
    else:
        route.abort("blockedbyclient")


def inspect_deck(page, recorder: Recorder, html: Path, screenshot: Path, every_slide: Path | None = None) -> DeckReport:
    """Open one built deck and report what a person would see."""
    report = DeckReport(name=html.name.removesuffix(".slides.html"), screenshot=screenshot)
    recorder.events.clear()
    page.goto(html.resolve().as_uri(), wait_until="load")
    if not page.evaluate(READY, 1000 * TIMEOUT):
        report.errors.append("reveal.js never became ready (did reveal.js load?)")
    else:
        report.slides = int(page.evaluate("Reveal.getTotalSlides()"))
        title = page.evaluate("(document.querySelector('.reveal .slides h1') || {}).textContent || ''")
        report.title = title.strip().rstrip("¶")
        report.overflowing = page.evaluate(MEASURE)
        if every_slide is not None:
            every_slide.mkdir(parents=True, exist_ok=True)
            for index in range(report.slides):
                page.evaluate(SHOW_WHOLE_SLIDE, index)
                page.screenshot(path=every_slide / f"{report.name}-{index + 1:02d}.png")
            page.evaluate(BACK_TO_START)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=screenshot)
    event_errors, report.external_requests = event_problems(recorder.events)
    report.errors = event_errors + report.errors
    return report


def check(names: list[str] | None = None, build_dir: Path = BUILD, every_slide: bool = False) -> list[DeckReport]:
    """Open every built deck in headless Chromium; return one report per deck."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    binary = find_chromium()
    if binary is None:
        raise SlidesError("Chromium is not installed (Debian: apt-get install -y chromium, or `make browser`)")
    reports = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=binary, headless=True, args=CHROMIUM_FLAGS, timeout=1000 * TIMEOUT
            )
            try:
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                page.set_default_timeout(1000 * TIMEOUT)
                page.route("**/*", _block_remote)
                recorder = Recorder(page)
                for source in select(names):
                    html = built_deck_path(source.stem, build_dir)
                    if not html.exists():
                        raise SlidesError(f"{html} is missing: run `python -m tools.slides build` first")
                    shots = build_dir / "screenshots"
                    reports.append(
                        inspect_deck(
                            page,
                            recorder,
                            html,
                            shots / f"{source.stem}.png",
                            shots / "every-slide" if every_slide else None,
                        )
                    )
            finally:
                browser.close()
    except PlaywrightError as error:
        raise SlidesError(f"headless Chromium ({binary}) failed: {error.message}") from None
    return reports


def problems(report: DeckReport, expected: int) -> list[str]:
    found = [f"{report.slides} slides rendered, the notebook has {expected}"] if report.slides != expected else []
    if report.slides not in DECK_SIZE:
        found.append(f"{report.slides} slides: a deck tells its story in {DECK_SIZE.start}-{DECK_SIZE.stop - 1}")
    found += report.errors
    found += [f"fetched from outside this machine: {url}" for url in report.external_requests]
    found += report.overflowing
    return found
