"""Build the repository a class publishes to its students: `make student-copy DEST=folder [UPTO=NN]`.

    python -m tools.student_copy DEST [--upto NN]

What goes in: the released lessons up to NN (default: all), the `paper2prod` package, README, the
student guide, the data cards and generator, the environment files, Makefile and the student-side
tests. What never goes in: solutions/, authoring/, instructor notes (docs/lessons/, the instructor
and workshop guides), slide sources, and tests or tools that hold answers.

Code that answers an earlier exercise but is needed by a later lesson carries a release tag: a
module-level `RELEASED_WITH = "05-data-cleaning"` in a package module, or an entry in
`RELEASE_TAGS` below for other files. It enters the copy only when that lesson is released.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from tools.notebooks import LESSONS, ROOT, assignments

# Files and folders copied as they are (relative to the repository root).
ALWAYS = [
    "README.md",
    "Makefile",
    "pyproject.toml",
    "requirements.lock",
    "environment.yml",
    "postBuild",
    "nbgrader_config.py",
    ".gitignore",
    "docs/student-guide.md",
    "datasets/README.md",
    "conftest.py",
]
DATA_CARDS = "datasets/*.md"
# Tests a student can run that reveal no answer (the others need solutions/ or show answers).
STUDENT_TESTS = [
    "test_data.py",
    "test_environment.py",
    "test_preflight.py",
    "test_spark.py",
    "test_synthetic.py",
    "test_profile.py",
    "test_testkit.py",
    "test_timebox.py",
    "test_acceptance.py",
    "test_benchmark.py",
]
# Files outside the package that a later lesson needs: path -> the lesson they are released with.
RELEASE_TAGS = {
    "tests/test_messy_export.py": "05-data-cleaning",
    "tests/test_ranking.py": "05-data-cleaning",
}
TAG = re.compile(r'^RELEASED_WITH\s*=\s*["\'](\d\d-[\w-]+)["\']', re.M)


def released_with(path: Path) -> str | None:
    """The lesson a file is released with, or None when it goes out from the start."""
    relative = str(path.relative_to(ROOT))
    if relative in RELEASE_TAGS:
        return RELEASE_TAGS[relative]
    match = TAG.search(path.read_text(errors="replace")) if path.suffix == ".py" else None
    return match.group(1) if match else None


def lessons_up_to(upto: str | None) -> list[str]:
    names = assignments()
    if upto in (None, "", "all"):
        return names
    chosen = [name for name in names if name[:2] <= upto[:2]]
    if not chosen or upto[:2] not in {name[:2] for name in names}:
        raise ValueError(f"UPTO={upto!r}: give a lesson number, one of {', '.join(n[:2] for n in names)}")
    return chosen


def is_released(path: Path, released: list[str]) -> bool:
    tag = released_with(path)
    return tag is None or tag in released


def files_for(upto: str | None = None) -> list[Path]:
    """Every file of the student copy, as paths in this repository."""
    released = lessons_up_to(upto)
    files = [ROOT / name for name in [*ALWAYS, *RELEASE_TAGS]] + [ROOT / "tests" / name for name in STUDENT_TESTS]
    missing = [str(p.relative_to(ROOT)) for p in files if not p.exists()]
    if missing:  # a renamed or moved file must not silently drop out of the copy
        raise FileNotFoundError(f"tools/student_copy.py lists files that do not exist: {missing}")
    files += sorted(ROOT.glob(DATA_CARDS))
    files += [p for p in sorted((ROOT / "paper2prod").rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    for name in released:
        files += [
            p
            for p in sorted((LESSONS / name).rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
        ]
    unique = list(dict.fromkeys(files))
    return [p for p in unique if is_released(p, released)]


def build(dest: Path, upto: str | None = None) -> list[Path]:
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty: give a new folder")
    written = []
    for source in files_for(upto):
        target = dest / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="make student-copy DEST=folder [UPTO=NN]", description=__doc__.splitlines()[0]
    )
    parser.add_argument("dest", type=Path)
    parser.add_argument("--upto", default=None, help="the last lesson released, e.g. 04 (default: all)")
    args = parser.parse_args(argv)
    try:
        written = build(args.dest, args.upto)
    except (ValueError, FileExistsError) as error:
        print(f"make student-copy: {error}", file=sys.stderr)
        return 1
    parts = [p.relative_to(args.dest).parts for p in written]
    lessons = sorted({part[1] for part in parts if part[0] == "lessons"})
    print(f"wrote {len(written)} files into {args.dest}: lessons {', '.join(name[:2] for name in lessons)}")
    print(f"then: cd {args.dest} && git init && git add -A && git commit -m 'Course release' and publish it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
