"""Lesson 03's compact NumPy ALS-WR (paper2prod/numpy_als.py) against a plain
one-user-at-a-time reference written from the paper's normal equations."""

import numpy as np
import pytest

from paper2prod import numpy_als as _numpy_als
from paper2prod.synthetic import make_ratings


@pytest.fixture(scope="module")
def numpy_als():
    return _numpy_als


@pytest.fixture(scope="module")
def small():
    frame = make_ratings(3_000, n_users=80, n_items=100, seed=4)
    return frame.userId.to_numpy() - 1, frame.movieId.to_numpy() - 1, frame.rating.to_numpy()


def reference_half_step(rows, cols, ratings, fixed, n_rows, lam):
    """(Y_u^T Y_u + lam * n_u * I) x_u = Y_u^T r_u, one row at a time."""
    rank = fixed.shape[1]
    out = np.zeros((n_rows, rank))
    for row in range(n_rows):
        mine = rows == row
        if mine.any():
            y = fixed[cols[mine]]
            out[row] = np.linalg.solve(y.T @ y + lam * mine.sum() * np.eye(rank), y.T @ ratings[mine])
    return out


def test_half_step_matches_the_normal_equations(numpy_als, small):
    users, items, ratings = small
    fixed = np.random.default_rng(0).normal(size=(100, 4))
    order = np.argsort(users, kind="stable")
    got = numpy_als.solve_factors(users[order], items[order], ratings[order], fixed, 80, lam=0.3)
    assert np.allclose(got, reference_half_step(users, items, ratings, fixed, 80, lam=0.3))


def test_plain_ridge_does_not_scale_the_penalty_with_counts(numpy_als, small):
    """weighted=False: (Y_u^T Y_u + lam * I) x_u = Y_u^T r_u, whatever the row's count."""
    users, items, ratings = small
    fixed = np.random.default_rng(1).normal(size=(100, 4))
    order = np.argsort(users, kind="stable")
    got = numpy_als.solve_factors(users[order], items[order], ratings[order], fixed, 80, lam=0.3, weighted=False)
    counts = np.maximum(np.bincount(users, minlength=80), 1)
    # lam / n_u in the weighted reference is plain lam.
    want = np.vstack(
        [reference_half_step(users, items, ratings, fixed, 80, lam=0.3 / n)[row] for row, n in enumerate(counts)]
    )
    assert np.allclose(got, want)


def test_rows_without_ratings_get_zero_factors(numpy_als):
    rows, cols, ratings = np.array([0, 0, 2]), np.array([0, 1, 1]), np.array([4.0, 3.0, 5.0])
    got = numpy_als.solve_factors(rows, cols, ratings, np.eye(2), n_rows=4, lam=0.1)
    assert np.all(got[[1, 3]] == 0) and np.all(np.isfinite(got))


def objective(numpy_als, users, items, ratings, user_f, item_f, lam):
    errors = numpy_als.predict(user_f, item_f, users, items) - ratings
    n_u, n_i = np.bincount(users, minlength=len(user_f)), np.bincount(items, minlength=len(item_f))
    return (errors**2).sum() + lam * ((n_u * (user_f**2).sum(1)).sum() + (n_i * (item_f**2).sum(1)).sum())


def test_more_iterations_lower_the_objective_and_fit_the_data(numpy_als, small):
    users, items, ratings = small
    values = [
        objective(
            numpy_als,
            users,
            items,
            ratings,
            *numpy_als.als_wr(users, items, ratings, 80, 100, rank=4, lam=0.1, iterations=n, seed=1),
            lam=0.1,
        )
        for n in (1, 3, 10)
    ]
    assert values[0] > values[1] > values[2]
    user_f, item_f = numpy_als.als_wr(users, items, ratings, 80, 100, rank=4, lam=0.1, iterations=10, seed=1)
    train_rmse = np.sqrt(np.mean((numpy_als.predict(user_f, item_f, users, items) - ratings) ** 2))
    assert train_rmse < 0.8  # ratings spread about 1 star around their mean


def test_same_seed_same_factors(numpy_als, small):
    users, items, ratings = small
    first = numpy_als.als_wr(users, items, ratings, 80, 100, rank=3, iterations=2, seed=5)
    again = numpy_als.als_wr(users, items, ratings, 80, 100, rank=3, iterations=2, seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
