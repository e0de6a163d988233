"""reveal.js and MathJax from the npm registry, copied next to the static decks (nothing is fetched at show time)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tools.slides.decks import BUILD, SLIDES, SlidesError

NODE_MODULES = SLIDES / "node_modules"

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
        raise SlidesError(
            "reveal.js is not installed and npm is missing: install Node.js and npm "
            "(Debian: apt-get install -y npm), then run `npm ci --prefix slides`"
        )
    print("installing reveal.js and MathJax from the npm registry (npm ci, once)", flush=True)
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(SLIDES)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SlidesError(f"`npm ci --prefix slides` failed:\n{done.stdout}\n{done.stderr}")
    if not _assets_current():
        raise SlidesError(
            "npm ci ran but slides/node_modules still lacks a pinned version or file; "
            "check that slides/package.json and slides/package-lock.json agree"
        )


def copy_assets(build: Path = BUILD) -> None:
    for source, target in ASSETS:
        origin, destination = NODE_MODULES / source, build / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, destination, dirs_exist_ok=True)
        else:
            shutil.copy2(origin, destination)
