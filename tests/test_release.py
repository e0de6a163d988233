"""The student release is generated, never edited: lessons/ and solutions/ must match
what the tools produce from authoring/ right now."""

from tools.notebooks import AUTHORING, LESSONS, assignments, fresh_release, rendered, target_for, tree_differences


def test_solutions_match_their_sources():
    stale = [
        s.name
        for s in sorted(AUTHORING.glob("[0-9][0-9]-*.py"))
        if not target_for(s).exists() or target_for(s).read_text() != rendered(s)
    ]
    assert not stale, f"solutions/ is out of date for {stale}: run `make release` and commit"


def test_lessons_match_a_fresh_release():
    with fresh_release() as fresh:
        problems = tree_differences(fresh, LESSONS)
    assert not problems, "lessons/ differs from a fresh release (run `make release`):\n" + "\n".join(problems)


def test_every_assignment_has_a_source():
    assert {s.stem for s in AUTHORING.glob("[0-9][0-9]-*.py")} == set(assignments())


def test_release_hides_solutions_and_hidden_tests():
    for notebook in LESSONS.rglob("*.ipynb"):
        text = notebook.read_text()
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in text, f"{notebook} leaks {marker!r}"
