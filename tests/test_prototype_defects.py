"""Lesson 02's planted defects, each shown both ways: the research prototype fails the check and the
solution's production implementation passes it.

The prototype is solutions/02-prototype-to-production-code/research_mf.py, the file students get.
The production implementation is the model answer of Exercise 3, executed from the solution
notebook's cells (by grade_id), so these tests follow the notebook as it is. The instructor guide,
docs/lessons/02-prototype-to-production-code.md, describes every defect.
"""

from types import SimpleNamespace

import nbformat
import numpy as np
import pandas as pd
import pytest

from paper2prod.modules import load_module
from tools.notebooks import LESSONS, ROOT, SOLUTIONS

LESSON = "02-prototype-to-production-code"
FOLDER = SOLUTIONS / LESSON
PRODUCTION_CELLS = ("ex3_solve", "ex3_model", "ex3_train")

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the prototype's 0/0 is a defect


def load_prototype():
    """A fresh copy of the prototype module (its globals are part of what is tested)."""
    return load_module(FOLDER / "research_mf.py", "research_mf_under_test")


def solution_cells():
    notebook = nbformat.read(FOLDER / f"{LESSON}.ipynb", as_version=4)
    return {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source for cell in notebook.cells}


@pytest.fixture(scope="module")
def prototype():
    return load_prototype()


@pytest.fixture(scope="module")
def production():
    cells, namespace = solution_cells(), {}
    for grade_id in PRODUCTION_CELLS:
        exec(compile(cells[grade_id], f"{LESSON}.ipynb:{grade_id}", "exec"), namespace)
    return SimpleNamespace(train=namespace["train_als"], solve_vector=namespace["solve_vector"])


def frame(users, films, ratings):
    return pd.DataFrame({"userId": users, "movieId": films, "rating": np.asarray(ratings, dtype=float)})


# ---------------------------------------------------------------- one check per planted defect


def noncontiguous_ids(mf):
    """1. Film ids are labels: 10 and 5000 are two films (the prototype clamps ids into 1..n_films)."""
    ratings = frame([1, 1, 2, 2, 3, 3], [10, 5000] * 3, [5, 1, 4, 1, 5, 2])
    model = mf.train(ratings, rank=2, reg=0.01, iterations=20)
    liked, disliked = model.predict([1, 2, 3], [10] * 3), model.predict([1, 2, 3], [5000] * 3)
    assert np.all(liked > disliked + 1), (liked, disliked)


def unscaled_regulariser(mf):
    """2. One update is (F'F + reg * n * I)^-1 F'c (the prototype drops the n)."""
    fixed, centred, reg = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), np.array([1.0, -1.0, 0.5]), 0.5
    expected = np.linalg.solve(fixed.T @ fixed + reg * 3 * np.eye(2), fixed.T @ centred)
    assert np.allclose(mf.solve_vector(fixed, centred, reg), expected)


def user_without_ratings(mf):
    """3. A missing user id (no training ratings) must not turn everybody's predictions into NaN."""
    ratings = frame([1, 1, 2, 2, 4, 4], [1, 2] * 3, [5, 3, 4, 2, 1, 4])
    predicted = mf.train(ratings, rank=2, reg=0.1, iterations=5).predict([1, 2, 4], [1, 2, 1])
    assert np.all(np.isfinite(predicted)), predicted


def unseen_user_or_film(mf):
    """4. Unknown user: the global mean; known user, unknown film: the user's mean (documented)."""
    ratings = frame([1, 1, 2, 2], [1, 2, 1, 2], [5, 4, 1, 2])
    predicted = mf.train(ratings, rank=2, reg=0.1, iterations=5).predict([99, 1, 99], [1, 99, 99])
    assert np.allclose(predicted, [3.0, 4.5, 3.0]), predicted


def irreproducible(mf):
    """5. The same data and arguments give the same predictions (the prototype has no seed)."""
    ratings = frame([1, 1, 2, 2, 3], [1, 2, 1, 3, 2], [5, 3, 4, 2, 1])
    runs = [mf.train(ratings, rank=2, reg=0.1, iterations=3).predict([1, 2, 3], [3, 2, 1]) for _ in range(2)]
    assert np.array_equal(*runs), runs


def shared_global_state(mf):
    """6 (bonus). Training a second model leaves the first one's predictions alone."""
    ratings = frame([1, 1, 2, 2], [1, 2, 1, 2], [5, 4, 1, 2])
    first = mf.train(ratings, rank=2, reg=0.1, iterations=3)
    before = first.predict([1, 2], [1, 2])
    mf.train(ratings.assign(rating=5.0), rank=2, reg=0.1, iterations=3)
    assert np.array_equal(first.predict([1, 2], [1, 2]), before)


DEFECTS = [
    noncontiguous_ids,
    unscaled_regulariser,
    user_without_ratings,
    unseen_user_or_film,
    irreproducible,
    shared_global_state,
]


@pytest.mark.parametrize("check", DEFECTS, ids=lambda check: check.__name__)
def test_prototype_has_the_defect(check, prototype):
    with pytest.raises(AssertionError):
        check(prototype)


@pytest.mark.parametrize("check", DEFECTS, ids=lambda check: check.__name__)
def test_solution_is_free_of_it(check, production):
    check(production)


def test_prototype_reads_a_hard_coded_path(prototype):
    """Not hidden, but a defect too: with no ratings given, it reads its author's file."""
    assert prototype.DATA_PATH.startswith("/home/")
    with pytest.raises(FileNotFoundError):
        prototype.train()


# ---------------------------------------------------------------- the defects planted into a correct version


@pytest.mark.parametrize(
    "number, check", list(enumerate(DEFECTS, start=1)), ids=lambda value: getattr(value, "__name__", str(value))
)
def test_each_planted_variant_of_the_solution_has_its_defect(number, check, production):
    """paper2prod.testkit.planted_variants, which count_caught uses before hand-in."""
    from paper2prod.testkit import planted_variants

    with pytest.raises(AssertionError):
        check(planted_variants(production)[number])


def test_the_model_answer_suite_catches_all_five_planted_into_the_solution(production):
    from paper2prod.testkit import collect_tests, count_caught

    namespace = {"np": np, "pd": pd}
    exec(compile(solution_cells()["ex2_tests"], f"{LESSON}.ipynb:ex2_tests", "exec"), namespace)
    assert count_caught(collect_tests(namespace), production) == (5, 5)


# ---------------------------------------------------------------- the defects on the real data


@pytest.mark.slow
def test_on_ml_latest_small_the_prototype_merges_films_the_solution_keeps_apart(prototype, production):
    """Exercise 1's silent failure: The Dark Knight (58559) and Inception (79132) become one film."""
    from paper2prod import data

    latest = data.load_ratings("ml-latest-small")
    users = np.arange(1, 611)
    pair = [58559, 79132]
    merged = prototype.train(latest, rank=10, reg=10.0, iterations=1, verbose=False)
    assert np.array_equal(merged.predict(users, [pair[0]] * 610), merged.predict(users, [pair[1]] * 610))
    assert np.count_nonzero(prototype.R) < len(latest)  # ratings overwritten in shared cells
    kept = production.train(latest, rank=10, reg=0.1, iterations=2)
    assert not np.allclose(kept.predict(users, [pair[0]] * 610), kept.predict(users, [pair[1]] * 610))


# ---------------------------------------------------------------- the model answers stay hidden


def test_the_student_release_holds_no_reference_implementation():
    text = (LESSONS / LESSON / f"{LESSON}.ipynb").read_text()
    for secret in (
        "class _Reference",
        "_check_catches(",
        "gram[row[first]] += np.add.reduceat",
        "rng = np.random.default_rng(seed)",
        "def test_films_with_large_ids_stay_apart",
    ):
        assert secret not in text, f"the student release leaks {secret!r}"


def test_the_model_answer_suite_fails_on_the_prototype_and_passes_on_the_solution(prototype, production):
    from paper2prod.testkit import collect_tests, run_tests

    namespace = {"np": np, "pd": pd}
    exec(compile(solution_cells()["ex2_tests"], f"{LESSON}.ipynb:ex2_tests", "exec"), namespace)
    tests = collect_tests(namespace)
    assert len(tests) >= 5
    assert not any(outcome.passed for outcome in run_tests(tests, load_prototype()))
    assert all(outcome.passed for outcome in run_tests(tests, production))


# ---------------------------------------------------------------- the planted defects stay unreadable in the package

# The readable source of paper2prod.testkit._PLANTED (which a class's copy holds, compressed). Edit it
# here, then paste the text that test_the_package_holds_the_planted_source_compressed prints.
PLANTED_SOURCE = '''\
def variants(version, np, SimpleNamespace):
    """{defect number: (train, solve_vector)}: lesson 02's planted defects, one at a time, put into `version`."""
    train, solve = version.train, version.solve_vector

    def model(predict):
        return SimpleNamespace(predict=predict)

    def clamped_ids(ratings, *args, **kwargs):  # film ids taken to run 1..n and clamped into that range
        n = ratings["movieId"].nunique()
        fitted = train(ratings.assign(movieId=np.clip(ratings["movieId"], 1, n)), *args, **kwargs)
        return model(lambda users, films: fitted.predict(users, np.clip(np.asarray(films), 1, n)))

    def unweighted(fixed, ratings, reg):  # reg instead of reg * n
        return solve(fixed, ratings, reg / max(len(np.asarray(ratings)), 1))

    def poisoned_by_gaps(ratings, *args, **kwargs):  # a missing user id turns every prediction into NaN
        fitted = train(ratings, *args, **kwargs)
        gap = set(range(1, int(ratings["userId"].max()) + 1)) - set(ratings["userId"])
        return model(lambda users, films: fitted.predict(users, films) * (np.nan if gap else 1.0))

    def nearest_neighbour(ratings, *args, **kwargs):  # an unknown id borrows the vector of a known one
        fitted = train(ratings, *args, **kwargs)
        known_users, known_films = np.unique(ratings["userId"]), np.unique(ratings["movieId"])

        def nearest(known, ids):
            ids = np.atleast_1d(np.asarray(ids))
            return np.where(np.isin(ids, known), ids, known[np.clip(np.searchsorted(known, ids), 0, len(known) - 1)])

        return model(lambda users, films: fitted.predict(nearest(known_users, users), nearest(known_films, films)))

    def unseeded(ratings, *args, **kwargs):  # every run starts from different random vectors
        kwargs["seed"] = int(np.random.default_rng().integers(2**31))
        return train(ratings, *args[:3], **kwargs)  # rank, reg, iterations; never a seed

    newest = []

    def shared_state(ratings, *args, **kwargs):  # every model answers with the newest one
        newest[:] = [train(ratings, *args, **kwargs)]
        return model(lambda users, films: newest[0].predict(users, films))

    return {1: (clamped_ids, solve), 2: (train, unweighted), 3: (poisoned_by_gaps, solve),
            4: (nearest_neighbour, solve), 5: (unseeded, solve), 6: (shared_state, solve)}
'''


def test_the_package_holds_the_planted_source_compressed():
    import base64
    import textwrap
    import zlib

    from paper2prod import testkit

    blob = base64.b64encode(zlib.compress(PLANTED_SOURCE.encode(), 9)).decode()
    rebuilt = "_PLANTED = (\n" + "".join(f'    "{line}"\n' for line in textwrap.wrap(blob, 96)) + ")"
    assert zlib.decompress(base64.b64decode(testkit._PLANTED)).decode() == PLANTED_SOURCE, (
        "paper2prod/testkit.py's _PLANTED is not PLANTED_SOURCE; replace it with:\n" + rebuilt
    )


def defect_descriptions():
    """What would name the defects: the planted functions' names and comments, the notes' defect titles."""
    import re

    names = re.findall(r"def (\w+)\(", PLANTED_SOURCE)
    comments = [c.strip() for c in re.findall(r"#([^\n]+)", PLANTED_SOURCE)]
    notes = (ROOT / "docs" / "lessons" / f"{LESSON}.md").read_text()
    titles = re.findall(r"^\| \d \| \*\*([^*]+)\*\*", notes, flags=re.M)
    assert len(titles) == 5 and len(comments) >= 6, (titles, comments)
    return [n for n in names if len(n) > 8] + comments + titles


def test_the_package_does_not_describe_the_planted_defects():
    """A copy for week 1 holds the package: nothing in it may say what lesson 02's defects are."""
    package = ROOT / "paper2prod"
    found = [
        f"{path.relative_to(ROOT)}: {text!r}"
        for path in sorted(package.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
        for text in defect_descriptions()
        if text.lower() in path.read_text(errors="replace").lower()
    ]
    assert not found, "the package describes lesson 02's planted defects:\n" + "\n".join(found)


def test_show_caught_prints_a_count_per_test_and_never_a_defect(production, capsys):
    from paper2prod.testkit import collect_tests, show_caught

    namespace = {"np": np, "pd": pd}
    exec(compile(solution_cells()["ex2_tests"], f"{LESSON}.ipynb:ex2_tests", "exec"), namespace)
    tests = collect_tests(namespace)

    def test_always_fails(mf):
        raise AssertionError("no")

    assert show_caught([*tests, test_always_fails], production) == (5, 5)
    out = capsys.readouterr().out
    assert f"{tests[0].__name__}: catches 1 of the 5 planted defects" in out
    assert "test_always_fails: fails on your version" in out
    assert "all your tests together: 5 of the 5" in out
    for text in defect_descriptions():
        assert text.lower() not in out.lower()
