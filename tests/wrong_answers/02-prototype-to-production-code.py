"""Typical wrong answers for 02-prototype-to-production-code (checked by tests/test_grading.py).

Each entry replaces several solution cells with independent mistakes; the near-miss check (tools/near_misses.py) runs each
wrong cell beside an otherwise correct notebook, and every named
test cell must then score zero (all others full marks) and show its hint. Wrong test
suites are derived from the model answer, so they stay in step with it.
"""

import re
from pathlib import Path

import nbformat

LESSON = "02-prototype-to-production-code"
NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / LESSON / f"{LESSON}.ipynb"


def solution_source(grade_id):
    """A solution cell's code as the model answer has it."""
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return "\n".join(line for line in cell.source.splitlines() if "### " not in line)
    raise KeyError(grade_id)


def replaced(source, old, new):
    """source with old replaced by new; old must be there (so the model answer cannot drift away)."""
    assert old in source, f"the model answer no longer contains {old!r}"
    return source.replace(old, new)


def without_test(source, name):
    """The suite without one test function (from its def to the next def or the end)."""
    return re.sub(rf"def {name}\(mf\):.*?(?=\ndef |\Z)", "", source, flags=re.S)


TESTS = solution_source("ex2_tests")
TRAIN = solution_source("ex3_train")
MODEL = solution_source("ex3_model")

# A test that demands more than the contract: NaN for an unknown user.
TEST_DEMANDS_NAN = """

def test_unknown_user_gets_nan(mf):
    ratings = pd.DataFrame({"userId": [1, 1, 2], "movieId": [1, 2, 1], "rating": [5.0, 4.0, 1.0]})
    assert np.isnan(mf.train(ratings, rank=2, reg=0.1, iterations=3).predict([99], [1])[0])
"""

UNSCALED_UPDATE = """import numpy as np


def solve_vector(fixed, ratings, reg):
    fixed = np.asarray(fixed, dtype=float)
    ratings = np.asarray(ratings, dtype=float)
    n, rank = fixed.shape
    if n == 0:
        return np.zeros(rank)
    return np.linalg.solve(fixed.T @ fixed + reg * np.eye(rank), fixed.T @ ratings)
"""

# Unknown ids borrow the nearest known row: a confident number instead of the fallback.
NEAREST_ROW_FALLBACK = replaced(
    replaced(
        MODEL,
        "users = self.user_ids.get_indexer(np.atleast_1d(np.asarray(user_ids)))",
        "users = np.clip(self.user_ids.searchsorted(np.atleast_1d(np.asarray(user_ids))), 0, len(self.user_ids) - 1)",
    ),
    "films = self.film_ids.get_indexer(np.atleast_1d(np.asarray(movie_ids)))",
    "films = np.clip(self.film_ids.searchsorted(np.atleast_1d(np.asarray(movie_ids))), 0, len(self.film_ids) - 1)",
)

UNSEEDED = replaced(TRAIN, "rng = np.random.default_rng(seed)", "rng = np.random.default_rng()")

# The prototype's habits: film ids clamped into 1..n, and a user row for every id up to the largest.
IDS_AS_POSITIONS = replaced(
    replaced(
        TRAIN,
        '    users, user_ids = pd.factorize(ratings["userId"], sort=True)\n'
        '    films, film_ids = pd.factorize(ratings["movieId"], sort=True)\n',
        '    user_ids = pd.RangeIndex(1, ratings["userId"].max() + 1)\n'
        '    users = ratings["userId"].to_numpy() - 1\n'
        '    film_ids = pd.RangeIndex(1, ratings["movieId"].nunique() + 1)\n'
        '    films = np.clip(ratings["movieId"].to_numpy(), 1, len(film_ids)) - 1\n',
    ),
    "user_means = np.bincount(users, weights=values) / np.bincount(users)",
    "user_means = np.bincount(users, weights=values, minlength=len(user_ids)) / np.bincount(users, minlength=len(user_ids))",
)

# A test that spots the prototype by an attribute of its own, not by a defect.
TEST_FINGERPRINTS_THE_PROTOTYPE = """

def test_not_the_prototype(mf):
    assert not hasattr(mf, "U"), "the prototype keeps its factors in module globals"
"""

# Two films that tie for a fair reason: each rated once, by the same user, with the same stars.
FAIR_TIE = """once = latest[latest["movieId"] < 5000].groupby("movieId").filter(lambda g: len(g) == 1)
twins = next(films for films in once.groupby(["userId", "rating"])["movieId"].agg(list) if len(films) >= 2)
film_a, film_b = int(twins[0]), int(twins[1])
ratings_lost = len(latest) - int(np.count_nonzero(research_mf.R))
"""

# A run of one row cut by a chunk boundary keeps only the last chunk's sums: right while the data fits in one chunk.
CHUNKS_OVERWRITE = replaced(
    replaced(TRAIN, "gram[row[first]] += np.add.reduceat", "gram[row[first]] = np.add.reduceat"),
    "rhs[row[first]] += np.add.reduceat",
    "rhs[row[first]] = np.add.reduceat",
)

# No answer for a row without ratings: train_als never makes one, solve_all's docstring promises zeros.
SINGULAR_EMPTY_ROWS = replaced(
    TRAIN, "    gram[counts == 0] = np.eye(rank)  # no ratings: solve I x = 0, so x = 0\n", ""
)

# The count of ratings that made it into R, given as the count of those that did not.
RATINGS_KEPT_AS_LOST = replaced(
    solution_source("ex1_silent_failure"),
    "ratings_lost = len(latest) - int(np.count_nonzero(research_mf.R))",
    "ratings_lost = int(np.count_nonzero(research_mf.R))",
)

# "MovieLens comes sorted by user": only the films' side is sorted, and the fallback for an unknown user is
# the mean of the users' means. Both look right on the lesson's data.
USERS_UNSORTED_MEAN_OF_MEANS = replaced(
    replaced(
        TRAIN,
        "user_side = (users[by_user], films[by_user], centred[by_user])",
        "user_side = (users, films, centred)",
    ),
    "float(values.mean()))",
    "float(user_means.mean()))",
)

# A fixed number of iterations, and the caller's ratings sorted in place ("sort once, before the iterations").
FIXED_ITERATIONS_SORTS_IN_PLACE = replaced(
    replaced(TRAIN, "for _ in tqdm(range(iterations)", "for _ in tqdm(range(10)"),
    '    users, user_ids = pd.factorize(ratings["userId"], sort=True)\n',
    '    ratings.sort_values(["userId", "movieId"], inplace=True)\n'
    '    users, user_ids = pd.factorize(ratings["userId"], sort=True)\n',
)

WRONG_ANSWERS = [
    dict(
        name="trusts-rmse-unscaled-inverted",
        cells={
            "ex1_silent_failure": "film_a, film_b = 1, 2\nratings_lost = 0 + 1",
            "ex2_tests": without_test(TESTS, "test_training_twice_gives_the_same_predictions"),
            "ex3_solve": UNSCALED_UPDATE,
            "ex3_train": USERS_UNSORTED_MEAN_OF_MEANS,
            "ex4_speed": replaced(
                solution_source("ex4_speed"),
                "speedup = prototype_seconds / production_seconds",
                "speedup = production_seconds / prototype_seconds",
            ),
        },
        loses=[
            "ex1_silent_failure_check",
            "ex2_catches_defect_5",
            "ex3_solve_check",
            "ex3_regulariser_check",
            "ex3_empty_user_check",
            "ex4_speed_check",
        ],
        says={
            "ex1_silent_failure_check": "The prototype tells films",
            "ex2_catches_defect_5": "planted defect 5",
            "ex3_solve_check": "Did you multiply reg by the number of ratings",
            "ex3_regulariser_check": "sort the users' side as well",
            "ex3_empty_user_check": "mean of the users' means",
            "ex4_speed_check": "divide the wrong way round",
        },
    ),
    dict(
        name="overdemanding-test-confident-fallback-unseeded-timed-ten-iterations",
        cells={
            "ex2_tests": TESTS + TEST_DEMANDS_NAN,
            "ex3_model": NEAREST_ROW_FALLBACK,
            "ex3_train": UNSEEDED,
            # train_als's own defaults: ten iterations, where the prototype was timed on one.
            "ex4_speed": replaced(
                solution_source("ex4_speed"),
                "production_seconds = best_of(3, lambda: train_als(latest, **TIMED_RUN))",
                "production_seconds = best_of(3, lambda: train_als(latest))",
            ),
        },
        loses=["ex2_tests_check", "ex3_unseen_check", "ex3_seed_check", "ex4_speed_check"],
        says={
            "ex2_tests_check": "fail on a correct implementation",
            "ex3_unseen_check": "Use the fallback the docstring documents",
            "ex3_seed_check": "np.random.default_rng(seed)",
            "ex4_speed_check": "one call of train_als(latest, **TIMED_RUN)",
        },
    ),
    dict(
        name="counts-films-ids-as-positions-hotspot-update-users",
        cells={
            "ex1_silent_failure": replaced(
                solution_source("ex1_silent_failure"),
                "ratings_lost = len(latest) - int(np.count_nonzero(research_mf.R))",
                "ratings_lost = len(crowd)",
            ),
            "ex2_tests": without_test(TESTS, "test_update_matches_the_paper"),
            "ex3_train": IDS_AS_POSITIONS,
            "ex4_speed": replaced(
                solution_source("ex4_speed"),
                'prototype_hotspot = max((n for n in prototype_functions if n != "train"), '
                "key=prototype_functions.get)",
                'prototype_hotspot = "update_users"',  # the loop the lesson points at, not the most time
            ),
        },
        loses=[
            "ex1_silent_failure_check",
            "ex2_catches_defect_2",
            "ex3_ids_check",
            "ex3_empty_user_check",
            "ex4_speed_check",
        ],
        says={
            "ex1_silent_failure_check": "should add up to the",
            "ex2_catches_defect_2": "planted defect 2",
            "ex3_ids_check": "Map ids to rows with pd.factorize",
            "ex3_empty_user_check": "Keep a row per user that has ratings",
            "ex4_speed_check": "other than train",
        },
    ),
    # The two below are caught only by the hidden check's record of what was timed (the Exercise 3 checks
    # wrap train_als): two iterations still look 10x faster, and a re-timed prototype moves the baseline.
    dict(
        name="timed-two-iterations-kept-as-lost-chunks-overwrite",
        cells={
            "ex4_speed": replaced(
                solution_source("ex4_speed"),
                "production_seconds = best_of(3, lambda: train_als(latest, **TIMED_RUN))",
                "production_seconds = best_of(3, lambda: train_als(latest, rank=10, reg=10.0, iterations=2))",
            ),
            "ex1_silent_failure": RATINGS_KEPT_AS_LOST,
            "ex3_train": CHUNKS_OVERWRITE,
        },
        loses=["ex4_speed_check", "ex1_silent_failure_check", "ex3_regulariser_check"],
        says={
            # On its own the mistake reads "your calls of train_als(latest, **TIMED_RUN) took ...";
            # after the wrong ex1 and ex3 above, "never as train_als(latest, **TIMED_RUN)".
            "ex4_speed_check": "train_als(latest, **TIMED_RUN)",
            "ex1_silent_failure_check": "those are the ratings that made it in",
            "ex3_regulariser_check": "more than one chunk",
        },
    ),
    dict(
        name="re-times-the-prototype-singular-empty-rows",
        cells={
            "ex4_speed": replaced(
                solution_source("ex4_speed"),
                "production_seconds = best_of(3, lambda: train_als(latest, **TIMED_RUN))",
                "production_seconds = best_of(3, lambda: train_als(latest, **TIMED_RUN))\n"
                "prototype_seconds = best_of(1, lambda: research_mf.train(latest, **TIMED_RUN))",
            ),
            "ex3_train": SINGULAR_EMPTY_ROWS,
        },
        loses=["ex4_speed_check", "ex3_empty_user_check"],
        says={
            "ex4_speed_check": "prototype_seconds changed after section 3",
            "ex3_empty_user_check": "rows 1 and 3 have no ratings",
        },
    ),
    dict(
        name="fair-tie-fingerprint-test-timed-on-a-slice-fixed-iterations-sorts-in-place",
        cells={
            "ex1_silent_failure": FAIR_TIE,
            "ex2_tests": TESTS + TEST_FINGERPRINTS_THE_PROTOTYPE,
            "ex3_train": FIXED_ITERATIONS_SORTS_IN_PLACE,
            "ex4_speed": replaced(
                solution_source("ex4_speed"),
                "production_seconds = best_of(3, lambda: train_als(latest, **TIMED_RUN))",
                "production_seconds = best_of(3, lambda: train_als(profile_slice, **TIMED_RUN))",
            ),
        },
        loses=[
            "ex1_silent_failure_check",
            "ex2_tests_check",
            "ex3_ids_check",
            "ex3_regulariser_check",
            "ex4_speed_check",
        ],
        says={
            "ex1_silent_failure_check": "a fair tie, not the failure",
            "ex2_tests_check": "recognises the prototype",
            "ex3_ids_check": "changed the ratings DataFrame it was given",
            "ex3_regulariser_check": "run as many iterations as the argument says",
            # Which hidden check fires first depends on the load (the CPU bound or the record of calls);
            # every one names the call to time.
            "ex4_speed_check": "train_als(latest, **TIMED_RUN)",
        },
    ),
]
