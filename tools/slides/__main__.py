"""`python -m tools.slides COMMAND`: see tools/slides/__init__.py for the commands."""

from __future__ import annotations

import sys

import nbformat

import tools.slides
from tools.slides import (
    BUILD,
    ROOM,
    ROOT,
    SLIDES,
    SlidesError,
    build,
    check,
    expected_slides,
    problems,
    stale_deck_notebooks,
    write_deck_notebooks,
)


def main(argv: list[str]) -> int:
    command, names = (argv[0] if argv else "help"), [a for a in argv[1:] if not a.startswith("--")]
    try:
        if command == "build":
            debrief = "--no-debrief" not in argv
            build(names or None, debrief=debrief)
            where = BUILD if debrief else ROOM
            print(f"open {where.relative_to(ROOT)}/index.html in a browser (works offline)")
            return 0
        if command == "check":
            failed = 0
            for report in check(names or None, every_slide="--every-slide" in argv):
                notebook = nbformat.read(SLIDES / f"{report.name}.ipynb", as_version=4)
                found = problems(report, expected_slides(notebook))
                failed += bool(found)
                print(
                    f"{'FAIL' if found else 'ok  '} {report.name}: {report.slides} slides, "
                    f"screenshot {report.screenshot.relative_to(ROOT)}"
                )
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
            print(
                "run `python -m tools.slides build` and commit slides/src/ and slides/*.ipynb together"
                if stale
                else "in sync"
            )
            return 1 if stale else 0
    except SlidesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(tools.slides.__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
