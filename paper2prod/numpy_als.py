"""A compact NumPy ALS-WR (Zhou et al., 2008): lesson 03 checks Spark's ALS against it and times both.

Lesson 01 builds ALS-WR from the paper one user at a time. This is the same
algorithm, arranged for speed: each half-step solves the regularised normal
equations of every user (or every film) at once. Like Spark's ALS, it has no bias
terms: a prediction is the dot product x_u . y_i of two factors (lesson 01's model
adds a global mean and user and film biases, and fits the factors to what they leave).

The objective, over the observed ratings r_ui, is

    sum (r_ui - x_u . y_i)^2  +  lam * (sum_u n_u |x_u|^2  +  sum_i n_i |y_i|^2)

where n_u is the number of ratings user u made and n_i the number film i received
(the "weighted lambda" that gives ALS-WR its name). With weighted=False the penalty
is plain ridge, lam * (sum_u |x_u|^2 + sum_i |y_i|^2), the same for every row
whatever its number of ratings (lesson 04 compares the two). Fixing the film factors Y,
user u's best factor solves (Y_u^T Y_u + lam * n_u * I) x_u = Y_u^T r_u, with Y_u
the factors of the films u rated; films are updated the same way from users.

    python -m paper2prod.benchmark     times it against Spark's ALS as the data grows
"""

from __future__ import annotations

import numpy as np

RELEASED_WITH = "03-spark-als"  # the lesson it comes with


def solve_factors(
    rows: np.ndarray,
    cols: np.ndarray,
    ratings: np.ndarray,
    fixed: np.ndarray,
    n_rows: int,
    lam: float,
    weighted: bool = True,
) -> np.ndarray:
    """New factors for every row (user or film), given the other side's `fixed` factors.

    rows, cols, ratings: one entry per rating, sorted by `rows`. A row with no
    ratings gets a zero factor.
    """
    rank = fixed.shape[1]
    counts = np.bincount(rows, minlength=n_rows)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    gram = np.zeros((n_rows, rank, rank))
    rhs = np.zeros((n_rows, rank))
    # Rows with the same number of ratings stack into one (rows, count, rank) array,
    # so a single batched matrix product builds all their Y_u^T Y_u at once. There
    # are only a few hundred distinct counts, so this loop is short.
    for count in np.unique(counts[counts > 0]):
        same = np.flatnonzero(counts == count)
        where = (starts[same][:, None] + np.arange(count)).ravel()
        stacked = fixed[cols[where]].reshape(same.size, count, rank)
        gram[same] = stacked.transpose(0, 2, 1) @ stacked
        rhs[same] = (ratings[where].reshape(same.size, 1, count) @ stacked)[:, 0]
    # The weighted lambda scales each row's penalty with its number of ratings; for a
    # row with n ratings that scales the data term and the penalty alike, so its
    # shrinkage does not grow with evidence. Plain ridge uses lam for every row.
    # A row without ratings still gets lam (not 0), so its system stays solvable.
    penalty = lam * np.maximum(counts, 1) if weighted else np.full(n_rows, float(lam))
    gram += penalty[:, None, None] * np.eye(rank)
    return np.linalg.solve(gram, rhs[..., None])[..., 0]


def als_wr(
    users: np.ndarray,
    items: np.ndarray,
    ratings: np.ndarray,
    n_users: int,
    n_items: int,
    rank: int = 10,
    lam: float = 0.1,
    iterations: int = 10,
    seed: int = 0,
    weighted: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit ALS-WR; return (user_factors, item_factors), shapes (n_users, rank) and (n_items, rank).

    users, items: integer codes 0..n-1, one per rating. Like Spark, start from random
    user factors of unit length and update the films first in every iteration.
    """
    users, items = np.asarray(users), np.asarray(items)
    ratings = np.asarray(ratings, dtype=float)
    by_user = np.argsort(users, kind="stable")
    by_item = np.argsort(items, kind="stable")
    rng = np.random.default_rng(seed)
    user_factors = rng.normal(size=(n_users, rank))
    user_factors /= np.linalg.norm(user_factors, axis=1, keepdims=True)
    item_factors = np.zeros((n_items, rank))
    for _ in range(iterations):
        item_factors = solve_factors(
            items[by_item], users[by_item], ratings[by_item], user_factors, n_items, lam, weighted
        )
        user_factors = solve_factors(
            users[by_user], items[by_user], ratings[by_user], item_factors, n_users, lam, weighted
        )
    return user_factors, item_factors


def predict(user_factors: np.ndarray, item_factors: np.ndarray, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Predicted ratings for (user code, film code) pairs: the dot products of their factors."""
    return np.einsum("ij,ij->i", user_factors[users], item_factors[items])
