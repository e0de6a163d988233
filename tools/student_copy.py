"""Publish the repository a class's students work in: `make student-copy DEST=folder [UPTO=NN]`.

    python -m tools.student_copy DEST [--upto NN]

DEST new or empty: a new git repository with one commit. DEST a copy this command published before
(a clone of it, too): updated in place with one new commit, its history kept, so that students'
`git pull` (`make update` in the copy) brings the new lessons. Push DEST wherever students clone from.
The copy is built from the course's last commit (HEAD), never from uncommitted changes.

What goes in: the released lessons up to NN (default: all), the `paper2prod` package, the student
guide, the data cards, the environment files, the student-side tests, and the copy's own README,
Makefile and data page (`tools/student_copy_files/`: a class student's commands, without `make grade`). What never
goes in: solutions/, authoring/, instructor notes (docs/lessons/, the instructor and workshop guides),
slide sources, the course's own README, Makefile and nbgrader_config.py, and tests or tools that hold
answers.

Code that answers an earlier exercise but is needed by a later lesson carries a release tag: a
module-level `RELEASED_WITH = "05-data-cleaning"` in a package module, or an entry in
`RELEASE_TAGS` below for other files. It enters the copy only when that lesson is released.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from tools.notebooks import ROOT

# Files and folders copied as they are (relative to the repository root).
ALWAYS = [
    "LICENSE",
    "setup.mk",
    "requirements.lock",
    "environment.yml",
    "postBuild",
    ".gitignore",
    "docs/student-guide.md",
]
# The copy's own README (a template), Makefile, data page and conftest.py, in place of the course's (which
# speak to authors, instructors and workshop hosts too; the course's conftest.py also schedules notebooks,
# wrong answers and a cluster, which a copy does not have).
COPY_FILES = Path("tools/student_copy_files")
OWN_FILES = {
    "Makefile": "Makefile",
    "datasets/README.md": "datasets-README.md",
    "conftest.py": "conftest.py",
}  # path in the copy -> file here
DATA_CARDS = "datasets/ml-*.md"
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
    "tests/test_ranking.py": "05-data-cleaning",
}
TAG = re.compile(r'^RELEASED_WITH\s*=\s*["\'](\d\d-[\w-]+)["\']', re.M)
# The course map's rows in the course README: `| 00 | [setup](lessons/00-setup) | ...`.
MAP_ROW = re.compile(r"^\| (\d\d) \|.*\|$", re.M)
# Every commit of a published copy names the course commit it was built from.
TRAILER = "Course-commit:"
# Said whenever one publication adds more than one lesson: the course is one through-line, so a lesson
# holds answers to the one before it.
TOGETHER = (
    "note: lessons {lessons} are published together, and a lesson holds answers to the one before it "
    "(lesson 05 brings lesson 04's ranking metrics, lesson 07 ships lesson 06's decision and its fallback rule); "
    "a graded class publishes one lesson at a time, each after the previous lesson's deadline "
    "(docs/instructor-guide.md)"
)


class CopyError(Exception):
    """Something the instructor can fix; printed as one line."""


def released_with(path: Path, root: Path = ROOT) -> str | None:
    """The lesson a file is released with, or None when it goes out from the start."""
    relative = path.relative_to(root).as_posix()
    if relative in RELEASE_TAGS:
        return RELEASE_TAGS[relative]
    match = TAG.search(path.read_text(errors="replace")) if path.suffix == ".py" else None
    return match.group(1) if match else None


def lesson_names(root: Path = ROOT) -> list[str]:
    return sorted(p.name for p in (root / "lessons").iterdir() if p.is_dir() and re.match(r"\d\d-", p.name))


def lessons_up_to(upto: str | None, root: Path = ROOT) -> list[str]:
    names = lesson_names(root)
    if upto in (None, "", "all"):
        return names
    chosen = [name for name in names if name[:2] <= upto[:2]]
    if not chosen or upto[:2] not in {name[:2] for name in names}:
        raise CopyError(f"UPTO={upto!r}: give a lesson number, one of {', '.join(n[:2] for n in names)}")
    return chosen


def files_for(upto: str | None = None, root: Path = ROOT) -> list[Path]:
    """Every file copied as it is into the student copy, as paths under root (build adds the README,
    student_readme, and the copy's OWN_FILES)."""
    released = lessons_up_to(upto, root)
    files = [root / name for name in [*ALWAYS, *RELEASE_TAGS]] + [root / "tests" / name for name in STUDENT_TESTS]
    missing = [p.relative_to(root).as_posix() for p in files if not p.exists()]
    if missing:  # a renamed or moved file must not silently drop out of the copy
        raise FileNotFoundError(f"tools/student_copy.py lists files that do not exist: {missing}")
    files += sorted(root.glob(DATA_CARDS))
    files += [p for p in sorted((root / "paper2prod").rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    for name in released:
        files += [
            p
            for p in sorted((root / "lessons" / name).rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
        ]
    unique = list(dict.fromkeys(files))
    return [p for p in unique if (released_with(p, root) or released[0]) in released]


def student_readme(upto: str | None = None, root: Path = ROOT) -> str:
    """The copy's README: the template, with the course map's rows of the released lessons and the
    course README's citation and licence section."""
    released, every = lessons_up_to(upto, root), lesson_names(root)
    course_readme = (root / "README.md").read_text()
    rows = {match.group(1): match.group(0) for match in MAP_ROW.finditer(course_readme)}
    missing = [name for name in released if name[:2] not in rows]
    if missing:
        raise CopyError(f"README.md's course map has no row for {missing}")
    licence = re.search(r"^## Citation and data licence\n.*?(?=^## |\Z)", course_readme, re.S | re.M)
    if not licence:
        raise CopyError("README.md has no '## Citation and data licence' section for the copy")
    first, last = released[0][:2], released[-1][:2]
    if len(released) == len(every):
        what, coming = f"every lesson, {first} to {last}", "That is every lesson of the course."
    else:
        what = f"lesson {first}" if len(released) == 1 else f"lessons {first} to {last}"
        after = every[len(released) :]
        later = f"lesson {after[0][:2]}" if len(after) == 1 else f"lessons {after[0][:2]} to {after[-1][:2]}"
        coming = f"The course continues with {later}: they arrive here as your instructor releases them."
    text = (root / COPY_FILES / "README.md").read_text()
    for name, value in {
        "released": what,
        "lessons": "\n".join(rows[name[:2]] for name in released),
        "next": coming,
        "licence": licence.group(0).rstrip() + "\n",
    }.items():
        text = text.replace("{{" + name + "}}", value)
    return text.rstrip() + "\n"


# The copy's pyproject.toml: the course's, without what only authors use (the slides and dev groups, the
# linter's settings, the comments that speak of solutions/, decks and `make lock`), so that it cannot drift
# from the course's dependencies and says nothing wrong to a student.
AUTHORS_ONLY_TABLES = re.compile(r"^\[tool\.ruff")
AUTHORS_ONLY_GROUPS = ("slides", "dev")
# pytest settings of a copy: its own tests only, which mark nothing but Spark (the course's tiers stay home).
STUDENT_PYTEST = {"testpaths": '["tests"]', "markers": '["spark: starts a Spark JVM"]'}
STUDENT_PYPROJECT_HEADER = (
    "# The course package your notebooks import, and what `make lab` and `make test` install (setup.mk).\n"
)


def student_pyproject(text: str) -> str:
    """The course's pyproject.toml text as a class's copy holds it (see AUTHORS_ONLY_*)."""
    kept, table, skipping = [], "", False
    for line in text.splitlines():
        if line.startswith("["):
            table = line.strip()
        if skipping:  # inside a multi-line array the copy leaves out
            skipping = line.strip() != "]"
            continue
        if AUTHORS_ONLY_TABLES.match(table) or line.lstrip().startswith("#"):
            continue
        name = line.split("=")[0].strip()
        if table == "[project.optional-dependencies]" and name in AUTHORS_ONLY_GROUPS:
            skipping = not line.rstrip().endswith("]")
            continue
        if table == "[tool.pytest.ini_options]" and name in STUDENT_PYTEST:
            skipping = line.rstrip().endswith("[")
            line = f"{name} = {STUDENT_PYTEST[name]}"
        kept.append(line)
    return STUDENT_PYPROJECT_HEADER + re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip() + "\n"


def build(dest: Path, upto: str | None = None, root: Path = ROOT) -> list[Path]:
    """Write the copy of the tree at root into dest, which must be empty or absent; its files."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise CopyError(f"{dest} is not empty: give a new folder")
    written = []
    for source in files_for(upto, root):
        target = dest / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        written.append(target)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "pyproject.toml").write_text(student_pyproject((root / "pyproject.toml").read_text()))
    written.append(dest / "pyproject.toml")
    (dest / "README.md").write_text(student_readme(upto, root))
    written.append(dest / "README.md")
    for name, source in OWN_FILES.items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / COPY_FILES / source, dest / name)
        written.append(dest / name)
    return written


# ---------------------------------------------------------------- publishing with git


def git(*args: str, cwd: Path, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise CopyError(f"git {' '.join(args)} in {cwd} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout.strip()


def committed_tree(into: Path, root: Path = ROOT) -> str:
    """Extract the course's last commit into `into`; its commit id."""
    commit = git("rev-parse", "HEAD", cwd=root)
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=root, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return commit


def uncommitted(paths: list[str], root: Path = ROOT) -> list[str]:
    """The files among `paths` (relative to root) whose working copy differs from HEAD."""
    changed = git("diff", "--name-only", "HEAD", "--", *paths, cwd=root).splitlines()
    untracked = git("ls-files", "--others", "--exclude-standard", "--", *paths, cwd=root).splitlines()
    return sorted({*changed, *untracked})


def identity(root: Path = ROOT) -> list[str]:
    """git -c options naming the instructor as the author (a neutral name when git has none)."""
    name = git("config", "user.name", cwd=root, check=False) or "Paper to Production course"
    email = git("config", "user.email", cwd=root, check=False) or "course@localhost"
    return ["-c", f"user.name={name}", "-c", f"user.email={email}"]


def prepare(dest: Path) -> bool:
    """Check that dest can take a release; True when it is a published copy (else new or empty)."""
    if dest.exists() and not dest.is_dir():
        raise CopyError(f"{dest} is a file: give a folder")
    if not dest.exists() or not any(dest.iterdir()):
        return False
    if not (dest / ".git").exists() or TRAILER not in git("log", "--format=%B", cwd=dest, check=False):
        raise CopyError(
            f"{dest} is not empty and is not a published student copy (a git repository this command "
            "made): give a new folder, or the published copy to update"
        )
    changed = git("status", "--porcelain", cwd=dest)
    if changed:
        raise CopyError(f"{dest} has changes that are not committed; commit or remove them first:\n{changed[:2000]}")
    return True


def publish(dest: Path, upto: str | None = None, root: Path = ROOT) -> tuple[str, list[str]]:
    """Build the copy from root's last commit into dest (new, or a published copy updated in place)
    and commit it; (what happened, the lessons in the copy)."""
    dest = Path(dest).resolve()
    lessons = lessons_up_to(upto, root)  # a bad UPTO fails before anything is written
    existing = prepare(dest)
    with tempfile.TemporaryDirectory(prefix="student-copy-") as scratch:
        tree, staged = Path(scratch) / "tree", Path(scratch) / "copy"
        commit = committed_tree(tree, root)
        lessons = lessons_up_to(upto, tree)
        build(staged, upto, tree)
        if not existing:
            dest.mkdir(parents=True, exist_ok=True)
            git("init", "--quiet", cwd=dest)
        emptied = set()
        if existing:  # the release replaces every tracked file; ignored ones (.venv/, data) stay
            for name in filter(None, git("ls-files", "-z", cwd=dest).split("\0")):
                (dest / name).unlink(missing_ok=True)
                emptied.update((dest / name).parents)
        for source in sorted(p for p in staged.rglob("*") if p.is_file()):
            target = dest / source.relative_to(staged)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        # Folders only a previous release had (a lesson renamed upstream): gone, deepest first.
        for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
            if dest in folder.parents and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    git("add", "--all", cwd=dest)
    if existing and not git("status", "--porcelain", cwd=dest):
        return f"{dest} already holds this release (course commit {commit[:12]}): nothing to commit", lessons
    last = lessons[-1][:2]
    title = f"Lessons {lessons[0][:2]} to {last}" if len(lessons) > 1 else f"Lesson {last}"
    git(*identity(root), "commit", "--quiet", "-m", f"{title}\n\n{TRAILER} {commit}", cwd=dest)
    verb = "updated" if existing else "created"
    return f"{verb} {dest}: one commit, '{title}' (course commit {commit[:12]})", lessons


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="make student-copy DEST=folder [UPTO=NN]", description=__doc__.splitlines()[0]
    )
    parser.add_argument("dest", type=Path, help="a new folder, or the published copy to update")
    parser.add_argument("--upto", default=None, help="the last lesson released, e.g. 04 (default: all)")
    args = parser.parse_args(argv)
    try:
        shipped = [p.relative_to(ROOT).as_posix() for p in files_for(args.upto)]
        left_out = uncommitted([*shipped, "README.md", "pyproject.toml", COPY_FILES.as_posix()])
        before = set(lesson_names(args.dest)) if (args.dest / "lessons").is_dir() else set()
        done, lessons = publish(args.dest, args.upto)
    except (CopyError, FileNotFoundError) as error:
        print(f"make student-copy: {error}", file=sys.stderr)
        return 1
    if left_out:
        print(f"uncommitted changes left out (the copy has the last commit's version): {', '.join(left_out)}")
    print(f"{done}; lessons {', '.join(name[:2] for name in lessons)}")
    if len(added := [name[:2] for name in lessons if name not in before]) > 1:
        print(TOGETHER.format(lessons=", ".join(added)))
    print(f"then publish it: cd {args.dest} && git push (the first time: add the remote students clone from)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
