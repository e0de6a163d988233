"""The repository a class publishes (`make student-copy`) holds no answer, speaks to a class's student,
and can be republished in place.

Copies are built (cheap: files only, no notebook runs) at every release point, UPTO=00..07 and all:
- no instructor-only file, no solution or hidden-test line of a lesson not yet graded, and no answer
  key (lesson 05's fault table and its generator, lesson 02's planted defects) at any point;
- every relative link of the copy's Markdown resolves in the copy, and no page mentions what a copy
  does not hold (solutions/, authoring/, slides/, the instructor guides, lessons "still being written");
- every command the copy's README and student guide name, and every target `make help` lists, exists
  in the copy: `make -n` succeeds, the module or file is there; the cheap ones run for real once;
- `make student-copy` on a published copy adds one commit built from the course's HEAD, and a student's
  clone gets the next lesson with `make update` (git pull).
"""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import student_copy
from tools.answers import answer_lines, hits
from tools.notebooks import assignments

INSTRUCTOR_ONLY = (
    "solutions/",
    "authoring/",
    "docs/lessons/",
    "docs/instructor-guide.md",
    "docs/workshop-guide.md",
    "docs/authoring.md",
    "docs/design.md",
    "docs/slides.md",
    "slides/",
    "tools/",
    "nbgrader_config.py",
    "tests/wrong_answers/",
    "tests/test_prototype_defects.py",
    "tests/test_grading.py",
    "tests/test_instructor_workflow.py",
    "tests/test_classroom.py",
    "tests/test_messy_export.py",
    "tests/test_student_copy.py",
    "tests/test_student_browser.py",
    "tests/shipping_reference.py",
)
RELEASE_POINTS = [name[:2] for name in assignments()] + ["all"]
BINARY = (".pyc", ".png", ".jpg", ".gz", ".zip", ".parquet")

# ---------------------------------------------------------------- answer keys
# Written down from paper2prod/messy_export.py and paper2prod/testkit.py as they were when the issue was
# filed: the text that gives a lesson's grading away. A copy may hold what the lessons need, but none of
# this in readable form, at any release point: both lessons need their module while they run, so a
# release tag would only delay the leak until the lesson is handed out.

# Lesson 05: each planted fault kind -> its correct handling (outcome, quarantine reason). The lesson's
# notebook names kinds and reasons one at a time (its hints and messages); a kind followed by its handling
# with at most two words between them is a row of the table the lesson grades: in code (a FAULTS dict),
# in a manifest.csv, or in a table.
FAULT_HANDLING = {
    "duplicate_row": ("quarantine", "duplicate_row"),
    "rerating_superseded": ("quarantine", "superseded"),
    "rerating_latest": ("clean", ""),
    "rating_0_10_scale": ("clean", ""),
    "rating_out_of_range": ("quarantine", "rating_out_of_range"),
    "rating_missing": ("quarantine", "rating_missing"),
    "rating_not_numeric": ("quarantine", "rating_not_numeric"),
    "timestamp_milliseconds": ("clean", ""),
    "timestamp_iso": ("clean", ""),
    "timestamp_future": ("quarantine", "timestamp_in_future"),
    "unknown_film": ("quarantine", "unknown_film"),
    "user_id_prefixed": ("clean", ""),
    "wrong_field_count": ("quarantine", "malformed_line"),
    "repeated_header": ("quarantine", "repeated_header"),
    "bot_account": ("quarantine", "bot_account"),
    "test_account": ("quarantine", "test_account"),
    "unquoted_comma": ("clean", ""),
    "title_mojibake": ("clean", ""),
    "title_whitespace": ("clean", ""),
    "title_year_missing": ("clean", ""),
    "genres_inconsistent": ("clean", ""),
}
_BETWEEN = r"\W{1,12}(?:[\w.]+\W{1,12}){0,2}?"  # punctuation, and at most two words (a file name, a line)
FAULT_ROWS = {
    kind: re.compile(rf"\b{kind}{_BETWEEN}{outcome}\b" + (rf"\W{{1,12}}{reason}\b" if reason else ""), re.I)
    for kind, (outcome, reason) in FAULT_HANDLING.items()
}
MANIFEST_HEADER = "kind,outcome,reason"  # a manifest.csv in plain text: the key to one export
# Lesson 02: the planted defects, by name and description, and the code that plants each one.
PLANTED_DEFECTS = [
    "clamped_ids",
    "def unweighted(",
    "poisoned_by_gaps",
    "nearest_neighbour(",
    "def unseeded(",
    "def shared_state(",
    "clamped into that range",
    "reg instead of reg * n",
    "turns every prediction into NaN",
    "borrows the vector of a known one",
    "starts from different random vectors",
    "answers with the newest one",
    "The defect of the regulariser is planted",
    'np.clip(ratings["movieId"], 1, n)',
    "reg / max(len(np.asarray(ratings)), 1)",
    "np.nan if gap",
    "np.searchsorted(known, ids)",
    "default_rng().integers(2**31)",
]


_TEXTS: dict[bytes, str] = {}  # a file's bytes -> its text: every copy holds mostly the same files


def _text(path: Path) -> str:
    raw = path.read_bytes()
    if raw not in _TEXTS:
        if path.suffix == ".ipynb":
            _TEXTS[raw] = "\n".join(cell.source for cell in nbformat.reads(raw.decode(), as_version=4).cells)
        else:
            _TEXTS[raw] = raw.decode(errors="replace")
    return _TEXTS[raw]


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """{release point: (copy folder, its files)}, each built once from the working tree."""
    built = {}
    for upto in RELEASE_POINTS:
        dest = tmp_path_factory.mktemp(f"copy-{upto}")
        built[upto] = (dest, student_copy.build(dest, None if upto == "all" else upto))
    return built


@pytest.fixture(scope="module")
def answers():
    return {name: answer_lines(name) for name in assignments()}


def _texts(copy: Path, written: list[Path]):
    for path in written:
        if path.suffix not in BINARY:
            yield path.relative_to(copy).as_posix(), _text(path)


@pytest.mark.parametrize("upto", RELEASE_POINTS)
def test_student_copy_holds_no_answer(upto, copies, answers):
    copy, written = copies[upto]
    relative = sorted(p.relative_to(copy).as_posix() for p in written)
    leaked = [name for name in relative if name.startswith(INSTRUCTOR_ONLY)]
    assert not leaked, f"instructor-only files in the student copy: {leaked}"
    lessons = {name.split("/")[1] for name in relative if name.startswith("lessons/")}
    expected = [n for n in assignments() if upto == "all" or n[:2] <= upto]
    assert sorted(lessons) == expected, f"UPTO={upto} should release {expected}, got {sorted(lessons)}"

    last = assignments()[-1][:2] if upto == "all" else upto
    unreleased = {line: where for name, lines in answers.items() if name[:2] >= last for line, where in lines.items()}
    found = []
    for name, text in _texts(copy, written):
        found += [f"{name}: {hit}" for hit in hits(text, unreleased)]
        if upto == "all" and name.startswith("paper2prod/"):
            # In the package, an answer is allowed only in a module released after its lesson.
            tag = student_copy.released_with(student_copy.ROOT / name) or "00"
            earlier = {
                line: where
                for lesson, lines in answers.items()
                if lesson[:2] >= tag[:2]
                for line, where in lines.items()
            }
            found += [f"{name}: {hit}" for hit in hits(text, earlier)]
    assert not found, "answers in the student copy:\n" + "\n".join(sorted(set(found))[:40])


def _key_hits(copies, find) -> list[str]:
    found, seen = [], {}
    for upto, (copy, written) in copies.items():
        for name, text in _texts(copy, written):
            if text not in seen:  # most files are the same in every copy: search each text once
                seen[text] = find(text)
            found += [f"UPTO={upto} {name}: {what}" for what in seen[text]]
    return sorted(set(found))


def _fault_rows(text: str) -> list[str]:
    lines = text.lower().splitlines()
    return [
        f"{kind} -> {' '.join(FAULT_HANDLING[kind]).strip()}"
        for kind, row in FAULT_ROWS.items()
        if any(row.search(line) for line in lines if kind in line)
    ]


def test_no_copy_holds_lesson_05_fault_table(copies):
    def find(text):
        return _fault_rows(text) + ([f"a manifest ({MANIFEST_HEADER!r})"] if MANIFEST_HEADER in text else [])

    found = _key_hits(copies, find)
    assert not found, (
        "lesson 05's answer key (how each planted fault is handled) is readable "
        "in the student copy:\n" + "\n".join(found[:40])
    )


def test_no_copy_holds_lesson_02_planted_defects(copies):
    found = _key_hits(copies, lambda text: [repr(marker) for marker in PLANTED_DEFECTS if marker in text])
    assert not found, "lesson 02's planted defects are readable in the student copy:\n" + "\n".join(found[:40])


def test_the_key_search_finds_the_keys_as_they_were_written():
    """The searches above can fail: they find the fault table, a manifest and the defects as the issue
    found them."""
    table = '    "timestamp_future": ("ratings.csv", "quarantine", "timestamp_in_future"),'
    assert _fault_rows(table) == ["timestamp_future -> quarantine timestamp_in_future"]
    manifest = "ratings.csv,1207,rating_0_10_scale,clean,,1207,9,1,4.0,938629179,,"
    assert _fault_rows(manifest) == ["rating_0_10_scale -> clean"]
    hint = '"rerating_superseded": "keep the latest rating of a (user, film) pair, quarantine older ones"'
    message = 'expect((6, "unknown_film") in held, f"Film 9999 is not in movies: quarantine event 6 as unknown_film.")'
    assert _fault_rows(hint) == _fault_rows(message) == [], "a hint or a check's message is no table"
    planted = "    def unweighted(fixed, ratings, reg):  # reg instead of reg * n"
    assert [m for m in PLANTED_DEFECTS if m in planted] == ["def unweighted(", "reg instead of reg * n"]


def test_ranking_module_is_released_with_lesson_05():
    assert "paper2prod/ranking.py" not in {
        p.relative_to(student_copy.ROOT).as_posix() for p in student_copy.files_for("04")
    }
    assert student_copy.ROOT / "paper2prod" / "ranking.py" in student_copy.files_for("05")


def test_student_copy_refuses_bad_input(tmp_path, capsys):
    assert student_copy.main([str(tmp_path / "copy"), "--upto", "99"]) == 1
    assert "UPTO='99'" in capsys.readouterr().err
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("not a copy")
    assert student_copy.main([str(tmp_path / "other"), "--upto", "00"]) == 1
    assert "not a published student copy" in capsys.readouterr().err
    assert (tmp_path / "other" / "notes.txt").read_text() == "not a copy"


# ---------------------------------------------------------------- what the copy says

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
# What a copy never holds, so no page of it may point there.
NOT_IN_A_COPY = re.compile(
    r"solutions/|authoring/|slides/|tools/|python -m tools\.|instructor-guide|workshop-guide|authoring\.md"
    r"|design\.md|still being written|make (student-copy|test-fast|release|bench|slides|lock)\b"
)


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors for a page's headings."""
    headings = re.findall(r"^#+ (.*)$", markdown, re.M)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def _pages(copy: Path) -> dict[Path, str]:
    """Every page a student reads in the copy: Markdown files, and the Markdown cells of the lessons."""
    pages = {page: page.read_text() for page in sorted(copy.rglob("*.md"))}
    for notebook in sorted(copy.glob("lessons/*/*.ipynb")):
        cells = nbformat.read(notebook, as_version=4).cells
        pages[notebook] = "\n\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
    return pages


@pytest.mark.parametrize("upto", RELEASE_POINTS)
def test_every_link_of_the_copy_resolves_in_it(upto, copies):
    copy, _ = copies[upto]
    dead, mentions = [], []
    pages = _pages(copy)
    for page, text in pages.items():
        name = page.relative_to(copy).as_posix()
        mentions += [f"{name}: {m.group(0)!r}" for m in NOT_IN_A_COPY.finditer(text)]
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            if not resolved.exists() or copy.resolve() not in [resolved, *resolved.parents]:
                dead.append(f"{name}: ({target}) is not in the copy")
            elif anchor and resolved.suffix == ".md" and anchor not in _anchors(pages[resolved]):
                dead.append(f"{name}: ({target}) names no heading of {resolved.name}")
    assert not dead, f"UPTO={upto}: dead links:\n" + "\n".join(dead)
    assert not mentions, f"UPTO={upto}: pages mention what the copy does not hold:\n" + "\n".join(mentions)


IMPORT = re.compile(r"^\s*from paper2prod(?:\.(\w+))? import \(?([\w\s,]+?)\)?\s*(?:#.*)?$", re.M)


def _imports(copy: Path) -> dict[str, set[str]]:
    """{module of paper2prod: the names the released lessons' code cells import from it}."""
    wanted: dict[str, set[str]] = {}
    for notebook in sorted(copy.glob("lessons/*/*.ipynb")):
        code = "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code")
        for module, names in IMPORT.findall(code):
            for name in (n.strip() for n in names.split(",") if n.strip()):
                if module:
                    wanted.setdefault(module, set()).add(name)
                else:  # from paper2prod import data: a module
                    wanted.setdefault(name, set())
    return wanted


@pytest.mark.parametrize("upto", RELEASE_POINTS)
def test_every_module_the_released_lessons_import_is_in_the_copy(upto, copies):
    """A module released with a later lesson (RELEASED_WITH) must not be what an earlier lesson imports."""
    copy, _ = copies[upto]
    missing = sorted(module for module in _imports(copy) if not (copy / "paper2prod" / f"{module}.py").exists())
    assert not missing, f"UPTO={upto}: the released lessons import paper2prod modules the copy lacks: {missing}"


# The self-paced grader: it works in the full repository only, and its docstring says so.
FULL_REPOSITORY_TOOLS = {"paper2prod/selfgrade.py"}


def test_the_package_documents_itself_for_the_copy(copies):
    """What help() shows a student of the package names nothing a copy lacks (docs/design.md, tools/)."""
    copy, _ = copies["all"]
    found = []
    for module in sorted((copy / "paper2prod").glob("*.py")):
        name = module.relative_to(copy).as_posix()
        if name in FULL_REPOSITORY_TOOLS:
            continue
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                docstring = ast.get_docstring(node) or ""
                found += [
                    f"{name} ({getattr(node, 'name', 'module')}): {m.group(0)!r}"
                    for m in NOT_IN_A_COPY.finditer(docstring)
                ]
    assert not found, "docstrings of the package name what a student copy does not hold:\n" + "\n".join(found)


def test_the_copy_has_its_own_readme_makefile_and_conftest(copies):
    copy, _ = copies["02"]
    readme = (copy / "README.md").read_text()
    assert "lessons 00 to 02" in readme and "lessons 03 to 07" in readme
    assert "(lessons/02-prototype-to-production-code)" in readme and "lessons/03-" not in readme
    assert "## Citation and data licence" in readme and "{{" not in readme
    assert (copy / "README.md").read_bytes() != (student_copy.ROOT / "README.md").read_bytes()
    assert (copy / "Makefile").read_bytes() != (student_copy.ROOT / "Makefile").read_bytes()
    conftest = (copy / "conftest.py").read_text()
    assert not NOT_IN_A_COPY.search(conftest) and "wrong answer" not in conftest, (
        "the copy's conftest.py is the course's"
    )
    everything = (copies["all"][0] / "README.md").read_text()
    assert "every lesson, 00 to 07" in everything and "arrive here as" not in everything


def test_the_copys_pyproject_is_the_courses_without_what_only_authors_use(copies):
    """Same package and dependencies (so the two cannot drift), nothing about solutions, decks, the linter or
    `make lock`, and pytest settings for the copy's own tests."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    copy, _ = copies["02"]
    text = (copy / "pyproject.toml").read_text()
    ours, course = tomllib.loads(text), tomllib.loads((student_copy.ROOT / "pyproject.toml").read_text())
    assert ours["project"]["dependencies"] == course["project"]["dependencies"]
    assert ours["project"]["optional-dependencies"] == {"test": course["project"]["optional-dependencies"]["test"]}
    assert ours["tool"]["setuptools"] == course["tool"]["setuptools"] and "ruff" not in ours["tool"]
    assert ours["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]
    for authors_word in ("solutions", "make lock", "slides", "CI"):
        assert authors_word not in text, f"the copy's pyproject.toml speaks of {authors_word!r}"


def _commands(text: str) -> list[str]:
    """The commands a page tells a reader to run: code spans and lines of code blocks."""
    blocks = re.findall(r"^```(?:bash|sh)?\n(.*?)^```", text, re.S | re.M)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.S | re.M))
    return [c for c in lines + spans if re.match(r"(make|python|nbgrader|conda)\b", c)]


def _make(copy: Path, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(["make", *args], cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)


def _help(copy: Path) -> dict[str, str]:
    """{target: how to call it} from `make help`: its line's own example (`...: make validate
    LESSON=00`), else `make target`."""
    done = _make(copy, "help")
    assert done.returncode == 0, done.stderr
    listed = {}
    for target, description in re.findall(r"^make (\S+)\s+(.*)$", done.stdout, re.M):
        example = re.search(rf"\bmake {re.escape(target)}\b[^;,)]*", description)
        listed[target] = example.group(0).strip() if example else f"make {target}"
    return listed


@pytest.mark.parametrize("upto", RELEASE_POINTS)
def test_every_command_the_copy_names_works_there(upto, copies):
    copy, _ = copies[upto]
    first = sorted(p.name for p in (copy / "lessons").iterdir())[0]
    named = [command for text in _pages(copy).values() for command in _commands(text)]
    named += list(_help(copy).values())
    assert {"make lab", "make validate LESSON=00", "make update", "make help"} <= set(named), named
    broken = []
    for command in dict.fromkeys(named):
        words = command.replace("NN-name", first).replace("NN", first[:2]).split()
        if words[0] == "make":
            done = _make(copy, "-n", *words[1:])
            if done.returncode != 0:
                broken.append(f"{command!r}: make -n says {done.stderr.strip()[-300:]}")
        elif words[:2] == ["python", "-m"]:
            module = copy / (words[2].replace(".", "/") + ".py")
            if not module.exists() and not (copy / words[2].replace(".", "/") / "__main__.py").exists():
                broken.append(f"{command!r}: no module {words[2]} in the copy")
        for word in words[1:]:  # files and folders the command names
            if "/" in word or word.endswith((".yml", ".ipynb", ".md", ".py")):
                if not list(copy.glob(word.split("=")[-1])):
                    broken.append(f"{command!r}: {word} is not in the copy")
    assert not broken, f"UPTO={upto}: commands that do not work in the copy:\n" + "\n".join(broken)


def test_the_cheap_commands_run_for_real(copies):
    copy, _ = copies["01"]
    listed = list(_help(copy))
    assert set(listed) == {"help", "lab", "validate", "test", "update", "setup", "preflight", "data", "clean"}, listed
    assert "grade" not in listed
    done = _make(copy, "preflight", f"PYTHON={sys.executable}")
    assert done.returncode == 0, f"make preflight failed in the copy:\n{done.stdout}\n{done.stderr}"
    done = _make(copy, "grade", "LESSON=01")
    assert done.returncode != 0 and "your instructor grades" in done.stdout and "make validate" in done.stdout
    done = _make(copy, "validate")
    assert done.returncode != 0 and "usage: make validate LESSON=00" in done.stderr
    done = _make(copy, "validate", "LESSON=05")
    assert done.returncode != 0 and "no lesson 05 in lessons/; there are: 00-setup 01-paper-to-code" in done.stderr
    assert "--allow-root" in _make(copy, "-n", "lab", "-o", "setup").stdout or os.getuid() != 0


SHARED_RECIPES = (
    "lab",
    "preflight",
    "$(VENV)/.installed",
    "install",
    "data",
    "kernel",
    "$(VENV)/etc/jupyter/nbgrader_config.py",
)


def _recipes(makefile: Path) -> dict[str, list[str]]:
    recipes, target = {}, None
    for line in makefile.read_text().splitlines():
        if line.startswith("\t") and target:
            recipes[target].append(line.strip())
        elif re.match(r"^[^\s#=]+:(?!=)", line):
            target = line.split(":")[0]
            recipes.setdefault(target, [])
        elif not line.startswith("\t"):
            target = None
    return recipes


def test_the_copy_sets_up_as_the_course_does():
    """The copy's Makefile and the course's take their set-up recipes from one file, setup.mk, which the
    copy ships: neither may define one of them itself (it would override the shared one, or drift)."""
    shared = _recipes(student_copy.ROOT / "setup.mk")
    missing = [target for target in SHARED_RECIPES if not shared.get(target)]
    assert not missing, f"setup.mk lacks the set-up recipes of {missing}"
    for makefile in (student_copy.ROOT / "Makefile", student_copy.ROOT / student_copy.COPY_FILES / "Makefile"):
        text = makefile.read_text()
        assert re.search(r"^include setup\.mk$", text, flags=re.MULTILINE), f"{makefile} does not include setup.mk"
        own = [target for target in SHARED_RECIPES if _recipes(makefile).get(target)]
        assert not own, f"{makefile} defines {own} itself: change setup.mk instead, which both Makefiles include"
    assert "setup.mk" in student_copy.ALWAYS, "the copy's Makefile includes setup.mk, so the copy must ship it"


# ---------------------------------------------------------------- republishing


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=_student_env())
    assert done.returncode == 0, f"git {' '.join(args)} failed in {cwd}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _student_env() -> dict:
    return {
        **os.environ,
        "GIT_AUTHOR_NAME": "A Student",
        "GIT_AUTHOR_EMAIL": "student@example.org",
        "GIT_COMMITTER_NAME": "A Student",
        "GIT_COMMITTER_EMAIL": "student@example.org",
    }


@pytest.mark.skipif(not (student_copy.ROOT / ".git").exists(), reason="the course folder is not a git repository")
def test_republishing_updates_the_copy_in_place_and_students_pull_the_next_lesson(tmp_path, capsys):
    published, student = tmp_path / "published", tmp_path / "student"
    assert student_copy.main([str(published), "--upto", "01"]) == 0
    said = capsys.readouterr().out
    assert "created" in said and "lessons 00, 01 are published together" in said, said
    _git("clone", "--quiet", str(published), str(student), cwd=tmp_path)
    _git("clone", "--quiet", str(published), str(tmp_path / "reader"), cwd=tmp_path)  # never commits
    assert not (student / "lessons" / "02-prototype-to-production-code").exists()

    # Built from the course's last commit: every file copied as it is matches HEAD's, not the working tree's
    # (README.md, pyproject.toml and OWN_FILES are written for the copy).
    head = {}  # path -> blob id, from lines "<mode> <type> <blob>\t<path>"
    for line in _git("ls-tree", "-r", "HEAD", cwd=student_copy.ROOT).splitlines():
        entry, path = line.split("\t", 1)
        head[path] = entry.split()[2]
    shipped = [
        p
        for p in _git("ls-files", cwd=published).split()
        if p not in ("README.md", "pyproject.toml", *student_copy.OWN_FILES)
    ]
    blobs = _git("hash-object", *shipped, cwd=published).split()
    assert [name for name, blob in zip(shipped, blobs) if head.get(name) != blob] == []

    # A student works: an uncommitted change in lesson 00, a committed note in lesson 01.
    notebook = student / "lessons" / "00-setup" / "00-setup.ipynb"
    notebook.write_text(notebook.read_text().replace('"cells": [', '"cells": [\n', 1))
    (student / "lessons" / "01-paper-to-code" / "my-notes.md").write_text("my notes\n")
    _git("add", "lessons/01-paper-to-code/my-notes.md", cwd=student)
    _git("commit", "--quiet", "-m", "My notes", cwd=student)

    (published / "lessons" / "stray.txt").write_text("an instructor's scratch file")
    assert student_copy.main([str(published), "--upto", "02"]) == 1
    assert "not committed" in capsys.readouterr().err
    (published / "lessons" / "stray.txt").unlink()
    assert student_copy.main([str(published), "--upto", "02"]) == 0
    said = capsys.readouterr().out
    assert "updated" in said and "published together" not in said, said  # one new lesson: nothing to warn of
    assert student_copy.main([str(published), "--upto", "02"]) == 0
    assert "nothing to commit" in capsys.readouterr().out
    log = _git("log", "--format=%s", cwd=published).splitlines()
    assert log == ["Lessons 00 to 02", "Lessons 00 to 01"], log

    done = subprocess.run(["make", "update"], cwd=student, capture_output=True, text=True, env=_student_env())
    assert done.returncode == 0, f"make update failed in the student's clone:\n{done.stdout}\n{done.stderr}"
    assert (student / "lessons" / "02-prototype-to-production-code" / "02-prototype-to-production-code.ipynb").exists()
    assert "lessons 00 to 02" in (student / "README.md").read_text()
    assert (student / "lessons" / "01-paper-to-code" / "my-notes.md").exists(), "the student's work is kept"
    assert notebook.read_text().count('"cells": [\n') == 1, "the student's uncommitted change is kept"
    # A student without commits of their own can use git pull itself (a fast-forward).
    _git("pull", "--quiet", cwd=tmp_path / "reader")
    assert (tmp_path / "reader" / "lessons" / "02-prototype-to-production-code").is_dir()

    # A file the course no longer ships leaves the copy, and its folder with it (here: a release taken back).
    assert student_copy.main([str(published), "--upto", "01"]) == 0
    assert not (published / "lessons" / "02-prototype-to-production-code").exists()
    assert len(_git("log", "--format=%s", cwd=published).splitlines()) == 3


@pytest.mark.slow
def test_student_copy_sets_up_and_passes_its_own_tests(tmp_path):
    """`make test`, as the copy's Makefile runs it, reusing this environment (no second install)."""
    copy = tmp_path / "copy"
    student_copy.build(copy)
    venv = Path(sys.prefix)
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    # -o: the environment exists already; never let make install the copy into it.
    done = subprocess.run(
        ["make", "test", f"VENV={venv}", "-o", "install", "-o", "kernel", "-o", "grading"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, (
        f"`make test` failed in the student copy:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    )
    assert " passed" in done.stdout and "solutions" not in {p.name for p in copy.iterdir()}


def test_a_bare_exception_handler_is_not_an_answer():
    from tools.answers import significant

    assert not significant("except (TypeError, ValueError):")
    assert not significant("except (KeyError, ValueError) as error:")
    assert significant("except (TypeError, ValueError): return fallback_scores")


def test_build_refuses_a_folder_with_files_rather_than_mixing_two_releases(tmp_path):
    (tmp_path / "x").write_text("x")
    with pytest.raises(student_copy.CopyError, match="not empty"):
        student_copy.build(tmp_path, "00")
