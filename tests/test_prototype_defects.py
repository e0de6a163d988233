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
from tools.notebooks import LESSONS, SOLUTIONS

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
