# %% [markdown]
# # Lesson 01 — From paper to code: baseline predictors and ALS-WR on MovieLens 100k
#
# **Time:** about 90 minutes. **You need:** lesson 00 done (the data is installed). No Spark today:
# everything is NumPy, so that you can see every equation become a line of code.
#
# ## Learning objectives
# By the end of this lesson you can:
# 1. read the method section of a paper and turn its equations into vectorised NumPy code;
# 2. check a numerical routine against answers you can work out by hand (one rating, no ratings,
#    one dimension) before trusting it on 100,000 ratings;
# 3. evaluate a model the way a paper does: official folds, mean and spread of the error, a table next
#    to a published one, and a sweep of the regularisation strength;
# 4. say plainly what such a table shows, and what it does not.
#
# ## Context: how research code is judged
# A recommender paper usually ends with a table: a new method, a few baselines, and a column of
# errors on a public data set. The method is "better" when its number is lower. In this lesson you
# play that game properly. You reimplement two well-known pieces of the Netflix Prize era from their
# papers:
#
# - **baseline predictors** (a global mean plus a regularised bias per user and per film), a
#   **time-aware film bias** and a **drifting user bias**, as described by Koren (2009);
# - **alternating least squares with weighted-λ regularisation (ALS-WR)**, the matrix factorisation
#   of Zhou, Wilkinson, Schreiber and Pan (2008), where each user's and each film's penalty grows
#   with its number of ratings (and, as you will see, so its shrinkage does not).
#
# Then you reproduce an RMSE table on the five official folds of MovieLens 100k and compare it with a
# published one, and you measure one of Koren's ideas on random folds and on per-user splits forward
# in time (the paper's kind), and look for why the results differ. Keep an eye on what this kind of
# result leaves out: lesson 04 comes back to it.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from paper2prod import data
from paper2prod.checks import expect, expect_close, expect_type, passed
from paper2prod.spark import under_test  # only to silence progress bars when graded; no Spark here

# %% [markdown]
# ## 1. The data and the official folds
# MovieLens 100k holds 100,000 ratings (1 to 5 stars) by 943 users of 1,682 films, collected in
# 1997–98. GroupLens ships it with five ready-made splits, `u1` to `u5`: each has 80,000 training
# ratings and 20,000 test ratings, and the five test sets are disjoint, so together they cover every
# rating once. Papers that use these folds can be compared with each other; papers that draw their
# own random folds cannot, quite.
#
# User and film ids in ml-100k run from 1 without gaps, so `id - 1` is a ready-made row index.
# Every model below works with three aligned arrays per fold: `users`, `items` (zero-based indices)
# and `ratings` (the models that use time, from section 4 on, get the `timestamps` as a fourth).

# %%
ALL_RATINGS = data.load_ratings("ml-100k")
N_USERS, N_ITEMS = int(ALL_RATINGS["userId"].max()), int(ALL_RATINGS["movieId"].max())


def to_arrays(frame):
    """(users, items, ratings) of a ratings frame, with zero-based indices."""
    return (frame["userId"].to_numpy() - 1, frame["movieId"].to_numpy() - 1,
            frame["rating"].to_numpy(dtype=float))


# Load each fold once; every model in this notebook reuses these arrays.
FOLD_NAMES = ["u1", "u2", "u3", "u4", "u5"]
FOLDS = [tuple(to_arrays(part) for part in data.load_split(name)) for name in FOLD_NAMES]

# %%
# NBVAL_CHECK_OUTPUT
for name, (train, test) in zip(FOLD_NAMES, FOLDS):
    unseen = np.setdiff1d(np.unique(test[1]), np.unique(train[1])).size
    print(f"{name}: {train[2].size:,} training and {test[2].size:,} test ratings; "
          f"{unseen} films in the test set have no training rating")
print(f"{N_USERS} users, {N_ITEMS} films")

# %% [markdown]
# Note the last column: some films appear in a test set without a single training rating. Any model
# you write must still predict something for them, and must not crash on them.
#
# ## Exercise 1 — RMSE and the global-mean predictor (2 points)
# Both papers measure accuracy by the root mean squared error over a set $T$ of test ratings:
#
# $$\mathrm{RMSE} = \sqrt{\frac{1}{|T|} \sum_{(u,i) \in T} (\hat r_{ui} - r_{ui})^2}.$$
#
# Write:
# - `rmse(predicted, actual)`: the RMSE of two equally long sequences (lists or arrays), as a Python
#   `float`;
# - `predict_global_mean(train_ratings, n_predictions)`: the simplest possible model, which predicts
#   the mean training rating $\mu$ for everything. Return a NumPy array of `n_predictions` copies of it.

# %% tags=["solution"] grade_id="ex1_rmse"
def rmse(predicted, actual):
    """Root mean squared error of two equally long sequences."""
    ### BEGIN SOLUTION
    errors = np.asarray(predicted, dtype=float) - np.asarray(actual, dtype=float)
    return float(np.sqrt(np.mean(errors ** 2)))
    ### END SOLUTION


def predict_global_mean(train_ratings, n_predictions):
    """The mean training rating, repeated n_predictions times."""
    ### BEGIN SOLUTION
    return np.full(n_predictions, float(np.mean(train_ratings)))
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex1_rmse_check" points=2
expect_type(rmse([1.0, 2.0], [1.0, 2.0]), float, "rmse([1.0, 2.0], [1.0, 2.0])")
expect_close(rmse([3, 3], [1, 5]), 2.0, "rmse([3, 3], [1, 5])",
             hint="Both errors are 2, so the RMSE is 2, not 4: take the square root of the mean squared error.")
expect_close(rmse([1, 2], [1, 4]), 2 ** 0.5, "rmse([1, 2], [1, 4])",
             hint="Average the squared errors over all ratings, then take the square root.")
_means = predict_global_mean(np.array([1.0, 2.0, 3.0, 4.0]), 3)
expect(isinstance(_means, np.ndarray) and _means.shape == (3,),
       f"predict_global_mean([1, 2, 3, 4], 3) should be an array of 3 predictions; got {np.asarray(_means).tolist()} "
       f"(a {type(_means).__name__}).")
expect(np.allclose(_means, 2.5), f"The mean of [1, 2, 3, 4] is 2.5, but the predictions are {_means}.")
passed(f"global mean on u1 scores RMSE {rmse(predict_global_mean(FOLDS[0][0][2], FOLDS[0][1][2].size), FOLDS[0][1][2]):.4f}")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(101)
for _size in (1, 7, 1000):
    _a, _b = _rng.normal(3, 1, _size), _rng.normal(3, 1, _size)
    assert abs(rmse(_a, _b) - np.sqrt(np.mean((_a - _b) ** 2))) < 1e-9, "rmse disagrees with sqrt(mean((a-b)**2))"
    assert abs(rmse(list(_a), list(_b)) - rmse(_a, _b)) < 1e-12, "rmse should accept lists as well as arrays"
assert abs(rmse(_a, _b) - rmse(_b, _a)) < 1e-12, "rmse should not depend on the order of its arguments"
assert abs(rmse([4.0], [1.0]) - 3.0) < 1e-12, "rmse of a single rating is the absolute error"
assert abs(rmse(np.array([1, 2, 3]), np.array([1, 2, 3]))) < 1e-12, "rmse of integer arrays that agree is 0"
_train = _rng.choice([1, 1, 1, 2, 5], 50)             # integers, skewed: the mean is not the median
_pred = predict_global_mean(_train, 11)
assert np.asarray(_pred).shape == (11,) and np.allclose(_pred, _train.mean()), "predict the mean training rating"
assert np.asarray(_pred).dtype.kind == "f", "integer ratings still have a fractional mean: return floats"
assert np.asarray(predict_global_mean(_train, 0)).shape == (0,), "n_predictions = 0 gives an empty array"
assert np.asarray(predict_global_mean([4.0], 1)).tolist() == [4.0], "a single training rating is its own mean"
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Baseline predictors (Koren 2009)
# Some films are better liked than others, and some people rate more generously than others. Koren's
# *baseline predictor* captures exactly that and nothing more:
#
# $$b_{ui} = \mu + b_u + b_i,$$
#
# where $\mu$ is the mean training rating, $b_u$ the bias of user $u$ and $b_i$ the bias of film $i$.
# The biases minimise a regularised squared error over the set $K$ of training ratings:
#
# $$\min_{b} \sum_{(u,i) \in K} (r_{ui} - \mu - b_u - b_i)^2 + \lambda \Big(\sum_u b_u^2 + \sum_i b_i^2\Big).$$
#
# Any optimiser will do; here is one you can derive in three lines. Hold all user biases fixed, and
# the problem splits into one tiny problem per film, a one-variable ridge regression with the
# closed-form answer
#
# $$b_i = \frac{\sum_{u \in R(i)} (r_{ui} - \mu - b_u)}{\lambda + |R(i)|},$$
#
# where $R(i)$ is the set of users who rated film $i$. Users are the mirror image (sum over the films
# $R(u)$ the user rated, subtract $b_i$, divide by $\lambda + |R(u)|$). Alternate the two updates a few
# times and you reach the minimum (the problem is convex, and each step can only lower it).
#
# Look at the denominator: $\lambda$ is *added* to the count. A film with a single five-star rating
# gets a bias of $(5 - \mu)/(\lambda + 1)$, not $5 - \mu$, while a film with 100 ratings averaging five
# stars keeps $100/(\lambda + 100)$ of its $5 - \mu$: the fewer the ratings, the stronger the shrinkage.
# This is plain ridge regression: the same $\lambda$ for every film, whatever its count. Remember it
# when you meet ALS-WR's penalty below, which behaves differently.
#
# You may assume `lam > 0` in every exercise of this lesson (the tests never pass `lam=0`).
#
# ## Exercise 2 — Regularised user and film biases (3 points)
# Write `fit_biases(users, items, ratings, n_users, n_items, lam=5.0, n_steps=10)` that returns the
# tuple `(mu, user_bias, item_bias)`: the float $\mu$ and two arrays of length `n_users` and `n_items`.
# Start the biases at zero, then repeat `n_steps` times: update every film bias, then every user bias.
# Users or films without ratings keep a bias of 0.
#
# *Hint:* `np.bincount(items, weights=residuals, minlength=n_items)` sums the residuals of each film in
# one call, and `np.bincount(items, minlength=n_items)` counts its ratings. No Python loop over films.

# %% tags=["solution"] grade_id="ex2_biases"
def fit_biases(users, items, ratings, n_users, n_items, lam=5.0, n_steps=10):
    """Koren's baseline predictor: (mu, user_bias, item_bias) by alternating closed-form steps."""
    ### BEGIN SOLUTION
    mu = float(np.mean(ratings))
    user_counts = np.bincount(users, minlength=n_users)
    item_counts = np.bincount(items, minlength=n_items)
    user_bias, item_bias = np.zeros(n_users), np.zeros(n_items)
    for _ in range(n_steps):
        item_sums = np.bincount(items, weights=ratings - mu - user_bias[users], minlength=n_items)
        item_bias = item_sums / (lam + item_counts)
        user_sums = np.bincount(users, weights=ratings - mu - item_bias[items], minlength=n_users)
        user_bias = user_sums / (lam + user_counts)
    return mu, user_bias, item_bias
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex2_biases_check" points=3
# Two users rate one film: 5 and 3 stars, so mu = 4. With lam = 1 the exact answer is
# item bias 0 and user biases +1/(lam + 1) and -1/(lam + 1).
_mu, _bu, _bi = fit_biases(np.array([0, 1]), np.array([0, 0]), np.array([5.0, 3.0]), 2, 2, lam=1.0)
expect_close(_mu, 4.0, "mu for ratings [5, 3]", hint="mu is the mean training rating.")
expect(np.shape(_bu) == (2,) and np.shape(_bi) == (2,),
       f"user_bias and item_bias should have n_users and n_items entries; got shapes {np.shape(_bu)}, {np.shape(_bi)}.")
expect(abs(_bi[1]) < 1e-12, f"Film 1 has no ratings, so its bias should stay 0; got {_bi[1]}.")
expect(np.allclose(_bu, [0.5, -0.5], atol=1e-6),
       f"Users who rate one film 5 and 3 (mu = 4) with lam = 1 should get biases +0.5 and -0.5, i.e. "
       f"±1/(lam + 1); got {np.round(_bu, 4)}. Did you divide by lam + (number of ratings), not by the count alone?")
_mu, _bu, _bi = fit_biases(np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([5.0, 1.0, 2.0]), 2, 2, lam=1e9)
expect(np.abs(_bu).max() < 1e-6 and np.abs(_bi).max() < 1e-6,
       "With a huge lam every bias should shrink to 0; yours did not. Add lam to the denominator.")
# Alternating: after many steps each block equals its closed form given the other, at the same time.
_u, _i = np.array([0, 0, 1, 1, 2, 0]), np.array([0, 1, 0, 2, 2, 2])
_r = np.array([5.0, 3.0, 4.0, 1.0, 2.0, 4.0])
_mu, _bu, _bi = fit_biases(_u, _i, _r, 3, 3, lam=2.0, n_steps=200)
_film_form = np.bincount(_i, _r - _mu - np.asarray(_bu)[_u], minlength=3) / (2.0 + np.bincount(_i, minlength=3))
_user_form = np.bincount(_u, _r - _mu - np.asarray(_bi)[_i], minlength=3) / (2.0 + np.bincount(_u, minlength=3))
expect(np.allclose(_bi, _film_form, atol=1e-6) and np.allclose(_bu, _user_form, atol=1e-6),
       f"After n_steps=200 each bias should equal its closed form given the others: b_i = sum(r - mu - b_u) / "
       f"(lam + n_i) with your user biases ({np.round(_film_form, 4).tolist()}) and b_u = sum(r - mu - b_i) / "
       f"(lam + n_u) with your film biases ({np.round(_user_form, 4).tolist()}); got film biases "
       f"{np.round(_bi, 4).tolist()} and user biases {np.round(_bu, 4).tolist()}. Subtract the current user biases "
       "in the film update and the new film biases in the user update, and repeat n_steps times (alternating).")
_train, _test = FOLDS[0]
_mu, _bu, _bi = fit_biases(*_train, N_USERS, N_ITEMS)
# RMSE computed here, not with your rmse, so that a slip in exercise 1 is not counted again.
_u1_rmse = float(np.sqrt(np.mean((_mu + _bu[_test[0]] + _bi[_test[1]] - _test[2]) ** 2)))
expect(0.950 <= _u1_rmse <= 0.960,
       f"With lam = 5 and 10 alternating steps the biases score an RMSE between 0.950 and 0.960 on u1; yours score "
       f"{_u1_rmse:.4f}. Above 0.96: did you fit b_u and b_i each from mu alone, without alternating?")
passed(f"biases on u1 score RMSE {_u1_rmse:.4f}")
### BEGIN HIDDEN TESTS
def _exact_biases(users, items, ratings, n_users, n_items, lam):
    """The exact minimiser, by solving the ridge regression's normal equations directly."""
    design = np.zeros((ratings.size, n_users + n_items))
    design[np.arange(ratings.size), users] = 1.0
    design[np.arange(ratings.size), n_users + items] = 1.0
    mu = ratings.mean()
    solution = np.linalg.solve(design.T @ design + lam * np.eye(n_users + n_items), design.T @ (ratings - mu))
    return mu, solution[:n_users], solution[n_users:]

_rng = np.random.default_rng(202)
for _lam in (0.5, 3.0):
    _u, _i = _rng.integers(0, 6, 40), _rng.integers(0, 9, 40)   # some users and films have no ratings
    _r = _rng.integers(1, 6, 40).astype(float)
    _want = _exact_biases(_u, _i, _r, 7, 10, _lam)
    _got = fit_biases(_u, _i, _r, 7, 10, lam=_lam, n_steps=300)
    assert abs(_got[0] - _want[0]) < 1e-9, "mu should be the mean training rating"
    assert np.allclose(_got[1], _want[1], atol=1e-6) and np.allclose(_got[2], _want[2], atol=1e-6), \
        "after many steps the biases should minimise the regularised squared error (lam added to each count)"
    for _steps in (1, 2):   # the order the exercise gives: from zeros, films first, then users
        _mu_r, _bu_r, _bi_r = _r.mean(), np.zeros(7), np.zeros(10)
        for _ in range(_steps):
            _bi_r = np.bincount(_i, _r - _mu_r - _bu_r[_u], minlength=10) / (_lam + np.bincount(_i, minlength=10))
            _bu_r = np.bincount(_u, _r - _mu_r - _bi_r[_i], minlength=7) / (_lam + np.bincount(_u, minlength=7))
        _few = fit_biases(_u.astype(np.int32), _i.astype(np.int32), _r, 7, 10, lam=_lam, n_steps=_steps)
        assert np.allclose(_few[1], _bu_r) and np.allclose(_few[2], _bi_r), \
            f"with n_steps={_steps} the biases differ from {_steps} round(s) of: every film bias, then every user bias"
# On real data, ten steps already give the accuracy of the exact minimiser.
_train, _test = FOLDS[1]
_mu, _bu, _bi = fit_biases(*_train, N_USERS, N_ITEMS)
_counts_u, _counts_i = np.bincount(_train[0], minlength=N_USERS), np.bincount(_train[1], minlength=N_ITEMS)
_rbu, _rbi = np.zeros(N_USERS), np.zeros(N_ITEMS)
for _ in range(200):
    _rbu = np.bincount(_train[0], _train[2] - _train[2].mean() - _rbi[_train[1]], minlength=N_USERS) / (5 + _counts_u)
    _rbi = np.bincount(_train[1], _train[2] - _train[2].mean() - _rbu[_train[0]], minlength=N_ITEMS) / (5 + _counts_i)
_mine = np.sqrt(np.mean((_mu + _bu[_test[0]] + _bi[_test[1]] - _test[2]) ** 2))
_reference = np.sqrt(np.mean((_train[2].mean() + _rbu[_test[0]] + _rbi[_test[1]] - _test[2]) ** 2))
assert abs(_mine - _reference) < 2e-3, f"on fold u2 your biases score {_mine:.4f}, the exact minimiser {_reference:.4f}"
### END HIDDEN TESTS

# %% [markdown]
# ## 3. ALS-WR (Zhou et al. 2008)
# The biases say nothing about *taste*: that you like science fiction and dislike musicals. Matrix
# factorisation gives each user a vector $p_u$ and each film a vector $q_i$ of `rank` numbers, and
# predicts with their dot product. Zhou et al.'s model has no bias terms; we combine the two papers and
# let the factors explain what the baseline leaves over, the residuals $e_{ui} = r_{ui} - \mu - b_u - b_i$:
#
# $$\hat r_{ui} = \mu + b_u + b_i + p_u^\top q_i.$$
#
# ALS-WR minimises
#
# $$\sum_{(u,i) \in K} (e_{ui} - p_u^\top q_i)^2 + \lambda \Big(\sum_u n_u \lVert p_u \rVert^2 + \sum_i n_i \lVert q_i \rVert^2\Big),$$
#
# where $n_u$ and $n_i$ count the training ratings of user $u$ and film $i$. That weighting is the "WR":
# a user with 500 ratings pays 500 times as much per unit of $\lVert p_u \rVert^2$ as a user with one,
# so the penalty keeps pace with the squared-error term it balances. The authors report that, with it,
# the test error kept falling as they added factors and iterations instead of turning back up.
#
# Keeping pace has a consequence worth seeing now. Both the data term and the penalty of a row grow
# with its count, so **the shrinkage does not grow with evidence**. In one dimension, a film whose
# $n$ raters all have factor 1 and residual $e$ gets $q = n e / (n + \lambda n) = e / (1 + \lambda)$:
# the same fraction $1/(1+\lambda)$ of its mean residual whether it has one rating or four hundred
# (exercise 3's first check is this case with $n = 4$). Compare the baseline biases above, where
# $\lambda$ is added to the count and a single rating is shrunk hardest. This is why, under weighted
# λ, a film with a single five-star rating can reach the top of a recommendation list: lesson 04
# meets that trap and measures it.
#
# **The half-step.** Fix all film vectors $Q$. Each user's problem is then a ridge regression of her
# residuals on the vectors of the films she rated. Setting its gradient to zero gives the normal
# equations of the paper:
#
# $$\big(Q_{u}^\top Q_{u} + \lambda\, n_u\, I\big)\, p_u = Q_{u}^\top e_u,$$
#
# where $Q_u$ stacks the rows of $Q$ for the $n_u$ films user $u$ rated and $e_u$ holds her residuals.
# (In the paper's notation, $A_i = M_{I_i} M_{I_i}^\top + \lambda n_{u_i} E$ and $u_i = A_i^{-1} V_i$.)
# The films' half-step is the same with the roles of users and films swapped. A user or film with no
# training ratings does not appear in the objective at all; we give it a vector of zeros, so its
# prediction falls back to the baseline.
#
# **Making it fast.** A loop over users that builds and solves each system is correct but slow in
# Python. Two tricks make a half-step over 80,000 ratings take well under a second on an idle laptop:
# 1. sort the ratings by row once (`np.argsort`), so each user's ratings form one contiguous block
#    (`np.bincount` gives the block sizes, `np.cumsum` their ends);
# 2. stack all the $k \times k$ matrices into one array of shape `(n_rows, k, k)` and call
#    `np.linalg.solve` once on the whole stack (NumPy solves stacked systems in one call).
#
# How to fill the stack: loop over the **rows**, not the ratings. Row $r$'s block is
# `block = fixed_factors[sorted_cols[start:end]]`, and `gram[r] = block.T @ block`,
# `rhs[r] = sorted_values[start:end] @ block` are one small matrix product each: 943 users or 1,682
# films take milliseconds. Do not build one $k \times k$ outer product per *rating* to sum them up
# (`F[:, :, None] * F[:, None, :]` has shape `(n_ratings, k, k)`: at rank 50 on 80,000 ratings that
# is 80,000 × 50 × 50 × 8 bytes = 1.6 GB).
#
# ## Exercise 3 — One ALS-WR half-step (4 points)
# Write `als_half_step(rows, cols, values, fixed_factors, n_rows, lam)`:
# - `rows[j]`, `cols[j]`, `values[j]` describe rating $j$: the index of the row being solved for (a
#   user, say), the index of the other side (a film) and the value to fit (a residual);
# - `fixed_factors` has shape `(n_cols, k)`: the other side's vectors, held fixed;
# - return an array of shape `(n_rows, k)` whose row $r$ solves
#   $(F_r^\top F_r + \lambda\, n_r I)\, x_r = F_r^\top v_r$, where $F_r$ stacks the fixed vectors
#   `fixed_factors[cols[j]]` of row $r$'s $n_r$ ratings and $v_r$ their values; all zeros when $n_r = 0$.
#
# For the film half-step you will call the same function with the roles swapped:
# `als_half_step(items, users, residuals, user_factors, n_items, lam)`.
#
# What you must handle: rows without ratings (give them zero vectors, do not crash), ratings in any
# order, any `k` from 1 up. What you need not handle: `lam = 0` (a row with fewer ratings than `k`
# then has a singular matrix; the tests only pass `lam > 0`).
#
# **NumPy 2 and stacked solves.** `np.linalg.solve(A, B)` with `A` of shape `(n, k, k)` and `B` of
# shape `(n, k)` does *not* solve `n` systems with one right-hand side each: since NumPy 2.0 a 2-d
# `B` is read as one `(k, m)` matrix of right-hand sides, so the natural call fails with "mismatch
# in its core dimension" (or, when `n == k`, returns the wrong shape). Give each system a column:
# `np.linalg.solve(A, B[:, :, None])[:, :, 0]`.

# %% tags=["solution"] grade_id="ex3_half_step"
def als_half_step(rows, cols, values, fixed_factors, n_rows, lam):
    """Solve every row's ALS-WR normal equations with the other side's factors held fixed."""
    ### BEGIN SOLUTION
    rank = fixed_factors.shape[1]
    order = np.argsort(rows, kind="stable")          # each row's ratings become one block
    block_factors = fixed_factors[cols[order]]
    block_values = values[order]
    counts = np.bincount(rows, minlength=n_rows)
    gram = np.zeros((n_rows, rank, rank))
    rhs = np.zeros((n_rows, rank))
    start = 0
    for row, end in enumerate(np.cumsum(counts)):
        if end > start:
            block = block_factors[start:end]
            gram[row] = block.T @ block
            rhs[row] = block_values[start:end] @ block
        start = end
    # Weighted-lambda: the penalty grows with the row's number of ratings. A row without ratings gets
    # lam * I (instead of a singular zero matrix) and a zero right-hand side, hence a zero vector.
    gram += (lam * np.maximum(counts, 1))[:, None, None] * np.eye(rank)
    return np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex3_half_step_check" points=4
# One dimension, by hand: a user rated four films whose 1-d factor is 1, each residual 1.
# Weighted-lambda: x = (4 * 1) / (4 + lam * 4) = 1 / (1 + lam).
_STACKED_SOLVE_HINT = ("In NumPy 2, np.linalg.solve(A, B) with A of shape (n, k, k) and B of shape (n, k) treats B "
                      "as one matrix, not n vectors: solve with B[:, :, None] and take [:, :, 0] of the result.")
try:
    _solved = als_half_step(np.zeros(4, int), np.arange(4), np.ones(4), np.ones((4, 1)), 1, lam=1.0)
    _solved_three = als_half_step(np.array([0, 1, 2]), np.array([0, 1, 1]), np.ones(3), np.eye(2), 3, lam=1.0)
except ValueError as _error:
    if "core dimension" in str(_error):
        raise AssertionError(f"np.linalg.solve failed: {_error}. {_STACKED_SOLVE_HINT}") from None
    raise
expect(np.shape(_solved) == (1, 1) and np.shape(_solved_three) == (3, 2),
       f"als_half_step should return shape (n_rows, k): (1, 1) and (3, 2) here; got {np.shape(_solved)} and "
       f"{np.shape(_solved_three)}. {_STACKED_SOLVE_HINT}")
expect_close(_solved[0, 0], 0.5, "x for four residuals of 1 on factors of 1 with lam = 1",
             hint="The exact answer is 4 / (4 + lam * 4) = 0.5. Did you multiply lam by the number of "
                  "ratings n_r (the weighted-lambda of ALS-WR)?")
# A single rating: x = f * v / (f.f + lam).
_factor = np.array([[0.0, 0.0], [1.0, 2.0]])
_solved = als_half_step(np.array([0]), np.array([1]), np.array([3.0]), _factor, 1, lam=0.5)
expect(np.allclose(_solved[0], _factor[1] * 3.0 / (5.0 + 0.5)),
       f"With one rating v = 3 on a film with factor f = [1, 2] and lam = 0.5, the answer is "
       f"f * v / (f.f + lam) = {np.round(_factor[1] * 3 / 5.5, 4)}; got {np.round(_solved[0], 4)}.")
# Ratings in any order: rows 1, 0, 1, 0 (1-d factors 1, 1, 2, 2, lam = 0.5). Row 0 rated columns 1 and 3:
# x = (1*2 + 2*4) / (1 + 4 + 0.5*2) = 10/6; row 1 rated columns 0 and 2: x = (1*1 + 2*3) / (1 + 4 + 0.5*2) = 7/6.
_solved = als_half_step(np.array([1, 0, 1, 0]), np.arange(4), np.array([1.0, 2.0, 3.0, 4.0]),
                        np.array([[1.0], [1.0], [2.0], [2.0]]), 2, lam=0.5)
expect(np.allclose(np.ravel(_solved), [10 / 6, 7 / 6]),
       f"With ratings in the order rows 1, 0, 1, 0 the answer is [{10 / 6:.4f}, {7 / 6:.4f}]; got "
       f"{np.round(np.ravel(_solved), 4).tolist()}. The ratings may come in any order: sort them by row first "
       "(np.argsort(rows, kind='stable')) and take the columns and values in the same order.")
# Rows without ratings.
try:
    _solved = als_half_step(np.array([0, 0]), np.array([0, 1]), np.array([1.0, -1.0]), np.eye(2), 3, lam=0.1)
except np.linalg.LinAlgError as _error:
    raise AssertionError("Rows 1 and 2 have no ratings, so their matrix is all zeros and cannot be solved "
                         f"({_error}). Give them zero vectors, e.g. use lam * max(n_r, 1).") from None
expect(np.shape(_solved) == (3, 2), f"Rows without ratings still need a row in the result: expected shape (3, 2), "
       f"got {np.shape(_solved)}. Use minlength=n_rows when counting.")
expect(np.allclose(_solved[1:], 0), f"Rows without ratings should be zero vectors; got {np.round(_solved[1:], 4).tolist()}.")
passed("weighted-lambda, one rating, ratings in any order, no ratings")
### BEGIN HIDDEN TESTS
def _closed_form(rows, cols, values, fixed, n_rows, lam):
    """Row by row, straight from the paper: x_r = (F_r' F_r + lam n_r I)^-1 F_r' v_r; zeros if n_r = 0."""
    result = np.zeros((n_rows, fixed.shape[1]))
    for row in range(n_rows):
        mine = rows == row
        if mine.any():
            f = fixed[cols[mine]]
            result[row] = np.linalg.solve(f.T @ f + lam * mine.sum() * np.eye(fixed.shape[1]), f.T @ values[mine])
    return result

import sys as _sys

assert "paper2prod.numpy_als" not in _sys.modules, \
    "write the half-step yourself: paper2prod.numpy_als is lesson 03's reference, released later, and earns no points here"
# A rating repeated for the same pair counts twice, in n_r and in the sums: x = 2 f v / (2 f^2 + lam * 2).
_twice = np.ravel(als_half_step(np.array([0, 0]), np.array([1, 1]), np.array([3.0, 3.0]), np.array([[0.0], [2.0]]), 1, 0.5))
assert np.allclose(_twice, 2 * 2 * 3 / (2 * 4 + 0.5 * 2)), \
    "a rating repeated for the same (row, column) counts twice: in n_r and in F'F and F'v"
# Ids that are not contiguous: rows 0 and 3 of 5 have ratings, the others get zeros; values 1-d input lists.
_gappy = als_half_step(np.array([3, 0, 3]), np.array([0, 1, 1]), np.array([1.0, 2.0, -1.0]), np.eye(2), 5, 0.1)
assert np.shape(_gappy) == (5, 2) and np.allclose(np.asarray(_gappy)[[1, 2, 4]], 0), \
    "rows without ratings between rows with ratings get zero vectors, at their own index"
assert np.asarray(_gappy).dtype.kind == "f", "the factors are floats"
_rng = np.random.default_rng(303)
# 6 users x 8 films: user 4 has a single rating, user 5 none, film 7 none; ratings in random order;
# user 0 rated film 1 twice (each rating counts in n_r, as in the formula).
_pairs = [(u, i) for u in range(4) for i in range(7) if _rng.random() < 0.7] + [(4, 2), (0, 1), (0, 1)]
_pairs = [_pairs[j] for j in _rng.permutation(len(_pairs))]
_u = np.array([p[0] for p in _pairs])
_i = np.array([p[1] for p in _pairs])
_v = _rng.normal(0, 1, _u.size)
for _rank, _lam in ((1, 0.3), (3, 0.05), (3, 2.0)):
    _items_fixed = _rng.normal(0, 1, (8, _rank))
    _got = np.asarray(als_half_step(_u, _i, _v, _items_fixed, 6, _lam))
    _want = _closed_form(_u, _i, _v, _items_fixed, 6, _lam)
    assert _got.shape == (6, _rank), f"expected shape (6, {_rank}), got {_got.shape}"
    assert np.allclose(_got, _want, atol=1e-8), f"users' half-step differs from the closed form (rank {_rank}, lam {_lam})"
    assert np.allclose(_got[4], _items_fixed[2] * _v[_u == 4][0] / (_items_fixed[2] @ _items_fixed[2] + _lam)), \
        "a user with a single rating: x = f v / (f.f + lam)"
    assert np.allclose(_got[5], 0), "a user without ratings gets a zero vector"
    _users_fixed = _rng.normal(0, 1, (6, _rank))
    _got = np.asarray(als_half_step(_i, _u, _v, _users_fixed, 8, _lam))
    assert np.allclose(_got, _closed_form(_i, _u, _v, _users_fixed, 8, _lam), atol=1e-8), \
        "films' half-step (roles swapped) differs from the closed form"
    assert np.allclose(_got[7], 0), "a film without ratings gets a zero vector"
    # The answer is a stationary point of the ALS-WR objective for the films.
    _residual = _v - np.einsum("ij,ij->i", _users_fixed[_u], _got[_i])
    _grad = -np.array([(_residual[_i == k, None] * _users_fixed[_u[_i == k]]).sum(0) for k in range(8)]) \
        + _lam * np.bincount(_i, minlength=8)[:, None] * _got
    assert np.abs(_grad).max() < 1e-8, "the gradient of the weighted-lambda objective should vanish"
### END HIDDEN TESTS

# %% [markdown]
# How fast is one full sweep (users, then films) on a real fold at rank 50? The paper's point was
# scale: each user's system is independent of every other user's, so the work spreads over many
# machines. On 80,000 ratings one machine is plenty, as long as the code is vectorised.

# %%
_train = FOLDS[0][0]
_start_factors = np.random.default_rng(0).normal(0, 0.1, (N_ITEMS, 50))
_start = time.perf_counter()
_users_fixed = als_half_step(_train[0], _train[1], _train[2], _start_factors, N_USERS, 0.1)
_items_fixed = als_half_step(_train[1], _train[0], _train[2], _users_fixed, N_ITEMS, 0.1)
print(f"one ALS-WR sweep over {_train[2].size:,} ratings at rank 50 took {time.perf_counter() - _start:.2f} s")

# %% [markdown]
# ## Exercise 4 — The training loop (3 points)
# Put the pieces together. Write:
# - `predict_als(model, users, items)`: the predictions $\mu + b_u + b_i + p_u^\top q_i$ for aligned
#   arrays of user and film indices, where `model = (mu, user_bias, item_bias, user_factors, item_factors)`;
# - `train_als_wr(train, test, n_users, n_items, rank=50, lam=0.12, n_iters=10, seed=0, bias_lam=5.0)`,
#   where `train` and `test` are `(users, items, ratings)` tuples (`test` may be `None`). It should:
#   1. fit the biases with `fit_biases(..., lam=bias_lam)` and compute the training residuals;
#   2. start the film factors at small random numbers: `rng = np.random.default_rng(seed)`, then
#      `rng.normal(0, 0.1, size=(n_items, rank))` (the paper puts each film's mean rating in the first
#      factor; our residuals already have mean zero, so all-random is the fair equivalent);
#   3. repeat `n_iters` times: solve the users' half-step, then the films' half-step, and append the
#      training RMSE and (if `test` is given) the test RMSE of the current model to `history`;
#   4. return `(model, history)`, where `history = {"train": [...], "test": [...]}` (the test list stays
#      empty without a test set).

# %% tags=["solution"] grade_id="ex4_training"
def predict_als(model, users, items):
    """Predicted ratings: baseline plus the dot product of the user's and the film's factors."""
    ### BEGIN SOLUTION
    mu, user_bias, item_bias, user_factors, item_factors = model
    interaction = np.einsum("ij,ij->i", user_factors[users], item_factors[items])
    return mu + user_bias[users] + item_bias[items] + interaction
    ### END SOLUTION


def train_als_wr(train, test, n_users, n_items, rank=50, lam=0.12, n_iters=10, seed=0, bias_lam=5.0):
    """Baseline biases, then ALS-WR on the residuals; returns (model, history of RMSEs)."""
    ### BEGIN SOLUTION
    users, items, ratings = train
    mu, user_bias, item_bias = fit_biases(users, items, ratings, n_users, n_items, lam=bias_lam)
    residuals = ratings - mu - user_bias[users] - item_bias[items]
    rng = np.random.default_rng(seed)
    item_factors = rng.normal(0.0, 0.1, size=(n_items, rank))
    history = {"train": [], "test": []}
    for _ in range(n_iters):
        user_factors = als_half_step(users, items, residuals, item_factors, n_users, lam)
        item_factors = als_half_step(items, users, residuals, user_factors, n_items, lam)
        model = (mu, user_bias, item_bias, user_factors, item_factors)
        history["train"].append(rmse(predict_als(model, users, items), ratings))
        if test is not None:
            history["test"].append(rmse(predict_als(model, test[0], test[1]), test[2]))
    return model, history
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex4_training_check" points=3
_model = (3.0, np.array([0.5, -0.5]), np.array([0.25, 0.0, -1.0]),
          np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([[1.0, 1.0], [0.5, 0.0], [0.0, 0.0]]))
_pred = np.asarray(predict_als(_model, np.array([0, 1, 1]), np.array([0, 1, 2])))
expect(np.allclose(_pred, [3 + 0.5 + 0.25 + 1.0, 3 - 0.5 + 0.0 + 0.0, 3 - 0.5 - 1.0 + 0.0]),
       f"predict_als on a hand-made model should give [4.75, 2.5, 1.5]; got {np.round(_pred, 4)}. "
       "The prediction is mu + user bias + film bias + dot product: did you forget the bias terms?")


def _tiny_split(seed, n_users=30, n_items=40, density=0.6):
    """Noise-free ratings from biases and rank-2 tastes, split at random into train and test."""
    rng = np.random.default_rng(seed)
    users, items = np.nonzero(rng.random((n_users, n_items)) < density)
    tastes, traits = rng.normal(0, 0.7, (n_users, 2)), rng.normal(0, 0.7, (n_items, 2))
    ratings = (3.5 + rng.normal(0, 0.4, n_users)[users] + rng.normal(0, 0.4, n_items)[items]
               + np.einsum("ij,ij->i", tastes[users], traits[items]))
    in_test = rng.random(ratings.size) < 0.2
    return ((users[~in_test], items[~in_test], ratings[~in_test]),
            (users[in_test], items[in_test], ratings[in_test]))


_tiny, _tiny_test = _tiny_split(1)
try:
    _model, _history = train_als_wr(_tiny, _tiny_test, 30, 40, rank=3, lam=0.05, n_iters=4, seed=7)
except ValueError as _error:
    if "core dimension" in str(_error):
        raise AssertionError(f"Your als_half_step (exercise 3) fails inside the loop: {_error}. In NumPy 2, "
                             "np.linalg.solve(A, B) with B of shape (n, k) treats B as one matrix: use B[:, :, None].") from None
    raise
expect(len(_model) == 5, "train_als_wr should return model = (mu, user_bias, item_bias, user_factors, item_factors).")
expect(np.shape(_model[3]) == (30, 3) and np.shape(_model[4]) == (40, 3),
       f"With 30 users, 40 films and rank 3 the factors should have shapes (30, 3) and (40, 3); "
       f"got {np.shape(_model[3])} and {np.shape(_model[4])}.")
expect(len(_history["train"]) == 4 and len(_history["test"]) == 4,
       f"history should hold one train and one test RMSE per iteration (4 each); got "
       f"{len(_history['train'])} and {len(_history['test'])}.")
_again, _ = train_als_wr(_tiny, None, 30, 40, rank=3, lam=0.05, n_iters=4, seed=7)
expect(np.array_equal(_again[4], _model[4]),
       "Two runs with the same seed gave different factors: create the generator with "
       "np.random.default_rng(seed) and draw everything random from it.")
passed("shapes, history and a fixed seed")
### BEGIN HIDDEN TESTS
# Isolate this exercise: run the student's loop on reference building blocks, so that a mistake in
# exercises 1-3 is not counted twice. The functions are looked up by name when the loop runs.
def _ref_rmse(predicted, actual):
    return float(np.sqrt(np.mean((np.asarray(predicted, float) - np.asarray(actual, float)) ** 2)))

def _ref_biases(users, items, ratings, n_users, n_items, lam=5.0, n_steps=10):
    mu, bu, bi = float(ratings.mean()), np.zeros(n_users), np.zeros(n_items)
    cu, ci = np.bincount(users, minlength=n_users), np.bincount(items, minlength=n_items)
    for _ in range(n_steps):
        bi = np.bincount(items, ratings - mu - bu[users], minlength=n_items) / (lam + ci)
        bu = np.bincount(users, ratings - mu - bi[items], minlength=n_users) / (lam + cu)
    return mu, bu, bi

_half_steps = []


def _ref_half_step(rows, cols, values, fixed, n_rows, lam):
    _half_steps.append(n_rows)
    result = np.zeros((n_rows, fixed.shape[1]))
    for row in np.unique(rows):
        mine = rows == row
        f = fixed[cols[mine]]
        result[row] = np.linalg.solve(f.T @ f + lam * mine.sum() * np.eye(fixed.shape[1]), f.T @ values[mine])
    return result

_own = (rmse, fit_biases, als_half_step)
rmse, fit_biases, als_half_step = _ref_rmse, _ref_biases, _ref_half_step
try:
    _model, _history = train_als_wr(_tiny, _tiny_test, 30, 40, rank=3, lam=0.05, n_iters=6, seed=3, bias_lam=2.0)
    assert sorted(_half_steps) == [30] * 6 + [40] * 6, \
        "train_als_wr should call your als_half_step once for the users and once for the films in each iteration"
    assert len(_history["train"]) == 6 and len(_history["test"]) == 6, "one history entry per iteration (n_iters=6)"
    _mu, _bu, _bi, _P, _Q = _model
    _mu_ref, _bu_ref, _bi_ref = _ref_biases(*_tiny, 30, 40, lam=2.0)
    assert np.isclose(_mu, _mu_ref) and np.allclose(_bu, _bu_ref) and np.allclose(_bi, _bi_ref), \
        "the model's biases should come from fit_biases(..., lam=bias_lam)"
    _residuals = _tiny[2] - _mu_ref - _bu_ref[_tiny[0]] - _bi_ref[_tiny[1]]
    _films_solved = np.allclose(_Q, _ref_half_step(_tiny[1], _tiny[0], _residuals, _P, 40, 0.05), atol=1e-8)
    _users_solved = np.allclose(_P, _ref_half_step(_tiny[0], _tiny[1], _residuals, _Q, 30, 0.05), atol=1e-8)
    assert _films_solved or _users_solved, \
        "the final factors are not an ALS-WR half-step of the residuals r - mu - b_u - b_i with the given lam"
    assert abs(_history["train"][-1] - _ref_rmse(predict_als(_model, _tiny[0], _tiny[1]), _tiny[2])) < 1e-9, \
        "history['train'] should end with the RMSE of the returned model on the training ratings"
    assert abs(_history["test"][-1] - _ref_rmse(predict_als(_model, _tiny_test[0], _tiny_test[1]), _tiny_test[2])) < 1e-9, \
        "history['test'] should end with the RMSE of the returned model on the test ratings"
    assert _history["train"][-1] < _history["train"][0], "the training RMSE should fall over the iterations"
    _bias_only = _ref_rmse(_mu_ref + _bu_ref[_tiny[0]] + _bi_ref[_tiny[1]], _tiny[2])
    assert _history["train"][-1] < 0.5 * _bias_only, "the factors should explain most of what the biases leave over"
    _other, _ = train_als_wr(_tiny, None, 30, 40, rank=3, lam=0.05, n_iters=2, seed=4)
    _same, _ = train_als_wr(_tiny, None, 30, 40, rank=3, lam=0.05, n_iters=2, seed=3)
    assert not np.allclose(_other[4], _same[4]), "the seed argument should change the random start"
    # The order of step 3: random film factors from the seeded generator, then users, then films.
    _one, _ = train_als_wr(_tiny, None, 30, 40, rank=3, lam=0.05, n_iters=1, seed=5, bias_lam=2.0)
    _start_films = np.random.default_rng(5).normal(0, 0.1, size=(40, 3))
    _users_first = _ref_half_step(_tiny[0], _tiny[1], _residuals, _start_films, 30, 0.05)
    _films_next = _ref_half_step(_tiny[1], _tiny[0], _residuals, _users_first, 40, 0.05)
    assert np.allclose(_one[3], _users_first, atol=1e-8), (
        "with n_iters=1 the user factors should be the users' half-step against the start film factors "
        "np.random.default_rng(seed).normal(0, 0.1, size=(n_items, rank)): start from random film factors "
        "and solve the users first")
    assert np.allclose(_one[4], _films_next, atol=1e-8), (
        "with n_iters=1 the returned film factors should be the films' half-step against the new user "
        "factors: build the model (and its history entry) after both half-steps of the iteration")
finally:
    rmse, fit_biases, als_half_step = _own
### END HIDDEN TESTS

# %% [markdown]
# Now train on fold `u1` and watch both errors fall, iteration by iteration.

# %%
u1_train, u1_test = FOLDS[0]
_model, u1_history = train_als_wr(u1_train, u1_test, N_USERS, N_ITEMS, rank=50, lam=0.12, n_iters=15)

fig, ax = plt.subplots(figsize=(7, 3.5))
iterations = np.arange(1, len(u1_history["train"]) + 1)
ax.plot(iterations, u1_history["train"], "o-", label="training ratings")
ax.plot(iterations, u1_history["test"], "s-", label="test ratings")
ax.set(xlabel="ALS iteration (users, then films)", ylabel="RMSE",
       title="ALS-WR on ml-100k fold u1 (rank 50, λ = 0.12)")
ax.legend()
plt.show()
_train_curve, _test_curve = u1_history["train"], u1_history["test"]
print(f"after {len(_test_curve)} iterations: training RMSE {_train_curve[-1]:.3f}, test RMSE {_test_curve[-1]:.3f}; "
      f"iterations 10 to {len(_test_curve)} moved them by {_train_curve[9] - _train_curve[-1]:+.4f} and "
      f"{_test_curve[9] - _test_curve[-1]:+.4f}")

# %% [markdown]
# The training error ends far below the test error (the last line printed): with 50 numbers per user
# and per film the model could memorise much of the training set, and the weighted penalty is what
# stops it. After ten iterations both curves move by less than a hundredth (the printed changes), so
# ten is the number used from here on.
#
# ## 4. A time-aware film bias (Koren 2009)
# Koren's paper is about *change*: films go in and out of favour, and a bias fitted on six years of
# Netflix ratings averages over all of it. His remedy for films is to split the timeline into bins
# and give each film an extra bias per bin:
#
# $$b_i(t) = b_i + b_{i,\mathrm{Bin}(t)}, \qquad b_{ui}(t) = \mu + b_u + b_i + b_{i,\mathrm{Bin}(t)}.$$
#
# He used 30 bins of roughly ten weeks each. The bin biases are regularised like the others, so that a
# film with few ratings in a bin keeps a bin bias near zero. Here they get their own penalty,
# $\lambda_{\text{bin}} = 25$ against $\lambda = 5$ for the other biases: a larger penalty for the
# thinner data of one bin is **this course's choice**, not a value from the paper (which fits all its
# baseline parameters together, in one regularised objective). The same alternating scheme fits them: each block of unknowns is the penalised mean of what
# the other terms leave over, for instance
#
# $$b_{i,b} = \frac{\sum_{(u,i,t):\ \mathrm{Bin}(t) = b} (r_{ui} - \mu - b_u - b_i)}{\lambda_{\text{bin}} + n_{i,b}}.$$
#
# **Which data?** MovieLens 100k covers only seven months, too short for films to drift much. We test
# the idea on `ml-latest-small` instead, whose ratings span 1996 to 2018. And the evaluation should
# respect each user's time line: we hold out each user's *latest* 20 % of ratings (a per-user
# chronological split), so no test rating is earlier than any of the same user's training ratings
# (ratings made in the same second are ordered by film id).
# It is not a cut at one date: **other users' ratings stay in training, including ratings made after
# the test rating**, so a film's bin biases for the test period are learnt from other people's ratings
# in that period. Random folds go further: a user's test ratings lie between her own training ratings.
# The split is the course's one evaluation harness, `paper2prod.evaluation.chronological_split`;
# lessons 04 to 07 decide product questions with it (lesson 04 measures how much of other users'
# later ratings it keeps, and compares it with a split at one date).

# %%
from paper2prod.evaluation import chronological_split, compare


def timed_arrays(frame):
    """(users, items, ratings, times) with the zero-based codes made below."""
    return (frame["user"].to_numpy(), frame["item"].to_numpy(), frame["rating"].to_numpy(dtype=float),
            frame["timestamp"].to_numpy())


small = data.load_ratings("ml-latest-small")
# ml-latest-small's film ids have gaps: number users and films 0, 1, 2, ... before splitting.
small = small.assign(user=pd.factorize(small["userId"])[0], item=pd.factorize(small["movieId"])[0])
S_USERS, S_ITEMS = int(small["user"].max()) + 1, int(small["item"].max()) + 1
small_train, small_test = map(timed_arrays, chronological_split(small))
# The official ml-100k folds again, now with times (users, items, ratings, timestamps): section 5 needs them.
TIMED_FOLDS = [tuple(timed_arrays(part.assign(user=part["userId"] - 1, item=part["movieId"] - 1))
                     for part in data.load_split(name)) for name in FOLD_NAMES]
T_MIN, T_MAX = small_train[3].min(), small_train[3].max()
print(f"{small_train[2].size:,} training and {small_test[2].size:,} test ratings; the training ratings run from "
      f"{pd.to_datetime(T_MIN, unit='s'):%Y-%m-%d} to {pd.to_datetime(T_MAX, unit='s'):%Y-%m-%d}")

# %% [markdown]
# ## Exercise 5 — The time-aware film bias (3 points)
# Write three functions:
# - `time_bin(times, t_min, t_max, n_bins)`: the bin index (an integer array) of each time, with
#   `n_bins` bins of equal width from `t_min` to `t_max`. Times at or past `t_max` go into the last bin
#   (`n_bins - 1`), times before `t_min` into bin 0: a test rating can be later (or, in another
#   split, earlier) than every training rating, and every index must stay valid. If
#   `t_max == t_min`, everything is in bin 0.
# - `fit_time_biases(users, items, ratings, bins, n_users, n_items, n_bins, lam=5.0, lam_bin=25.0, n_steps=10)`:
#   returns `(mu, user_bias, item_bias, item_bin_bias)` with `item_bin_bias` of shape
#   `(n_items, n_bins)`. Start from zeros and, `n_steps` times, update the film biases, the film-bin
#   biases and the user biases, each by its closed form given the others (penalties: `lam` for users
#   and films, `lam_bin` for film-bins).
# - `predict_time_biases(model, users, items, bins)`: $\mu + b_u + b_i + b_{i,\mathrm{bin}}$.
#
# *Hint:* number each (film, bin) pair as `items * n_bins + bins`; then `np.bincount` with
# `minlength=n_items * n_bins` sums per pair, and `.reshape(n_items, n_bins)` gives the table.

# %% tags=["solution"] grade_id="ex5_time_bias"
def time_bin(times, t_min, t_max, n_bins):
    """Equal-width time bins from t_min to t_max; out-of-range times go to the first or last bin."""
    ### BEGIN SOLUTION
    times = np.asarray(times, dtype=float)
    if t_max <= t_min:
        return np.zeros(times.shape, dtype=int)
    scaled = np.floor((times - t_min) / (t_max - t_min) * n_bins).astype(int)
    return np.clip(scaled, 0, n_bins - 1)
    ### END SOLUTION


def fit_time_biases(users, items, ratings, bins, n_users, n_items, n_bins, lam=5.0, lam_bin=25.0, n_steps=10):
    """Baseline with a time-aware film bias: (mu, user_bias, item_bias, item_bin_bias)."""
    ### BEGIN SOLUTION
    mu = float(np.mean(ratings))
    pairs = items * n_bins + bins
    user_counts = np.bincount(users, minlength=n_users)
    item_counts = np.bincount(items, minlength=n_items)
    pair_counts = np.bincount(pairs, minlength=n_items * n_bins)
    user_bias, item_bias = np.zeros(n_users), np.zeros(n_items)
    pair_bias = np.zeros(n_items * n_bins)
    for _ in range(n_steps):
        item_bias = np.bincount(items, ratings - mu - user_bias[users] - pair_bias[pairs],
                                minlength=n_items) / (lam + item_counts)
        pair_bias = np.bincount(pairs, ratings - mu - user_bias[users] - item_bias[items],
                                minlength=n_items * n_bins) / (lam_bin + pair_counts)
        user_bias = np.bincount(users, ratings - mu - item_bias[items] - pair_bias[pairs],
                                minlength=n_users) / (lam + user_counts)
    return mu, user_bias, item_bias, pair_bias.reshape(n_items, n_bins)
    ### END SOLUTION


def predict_time_biases(model, users, items, bins):
    """Baseline prediction with the film's bias at the time of the rating."""
    ### BEGIN SOLUTION
    mu, user_bias, item_bias, item_bin_bias = model
    return mu + user_bias[users] + item_bias[items] + item_bin_bias[items, bins]
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex5_time_bias_check" points=3
_bins = np.asarray(time_bin(np.array([0, 24, 25, 99, 100, 130, -5]), 0, 100, 4))
expect(_bins[:4].tolist() == [0, 0, 1, 3],
       f"With 4 bins from 0 to 100, times 0, 24, 25 and 99 fall in bins 0, 0, 1, 3; got {_bins[:4].tolist()}.")
expect(_bins[4:].tolist() == [3, 3, 0],
       f"t_max (100) and later times (130) belong in the last bin, 3, and earlier times (-5) in bin 0; got "
       f"{_bins[4:].tolist()}. Clip the bin index to the range 0 .. n_bins - 1.")
expect(np.asarray(time_bin(np.array([7, 7]), 7, 7, 5)).tolist() == [0, 0], "When t_max == t_min, every time is in bin 0.")
# Film 0 is loved in bin 0 and disliked in bin 1; film 1 is rated 3 throughout.
_u = np.array([0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 4, 5])
_i = np.array([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1])
_r = np.array([5.0, 5, 1, 1, 3, 3, 3, 3, 5, 1, 3, 3])
_b = np.array([0, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1])
_model = fit_time_biases(_u, _i, _r, _b, 6, 3, 2, lam=1.0, lam_bin=4.0)
expect(len(_model) == 4 and np.shape(_model[3]) == (3, 2),
       f"fit_time_biases should return (mu, user_bias, item_bias, item_bin_bias) with item_bin_bias of shape "
       f"(n_items, n_bins) = (3, 2); got {len(_model)} parts.")
expect(np.allclose(_model[3][2], 0), "Film 2 has no ratings, so its bin biases should stay 0.")
_early, _late = predict_time_biases(_model, np.array([0, 0]), np.array([0, 0]), np.array([0, 1]))
expect(_early > _late + 1,
       f"Film 0 was rated 5 in bin 0 and 1 in bin 1, so its prediction should be much higher in bin 0; got "
       f"{_early:.3f} vs {_late:.3f}. Does the film-bin bias enter the fit and the prediction?")
# After many steps each block equals its closed form given the others, each with its own penalty.
_mu, _bu, _bi, _bib = (np.asarray(part, dtype=float) for part in
                       fit_time_biases(_u, _i, _r, _b, 6, 3, 2, lam=1.0, lam_bin=4.0, n_steps=300))
_forms = {
    "film biases, with lam = 1": (_bi, np.bincount(_i, _r - _mu - _bu[_u] - _bib[_i, _b], minlength=3)
                                  / (1.0 + np.bincount(_i, minlength=3))),
    "film-bin biases, with lam_bin = 4": (_bib.ravel(), np.bincount(_i * 2 + _b, _r - _mu - _bu[_u] - _bi[_i], minlength=6)
                                          / (4.0 + np.bincount(_i * 2 + _b, minlength=6))),
    "user biases, with lam = 1": (_bu, np.bincount(_u, _r - _mu - _bi[_i] - _bib[_i, _b], minlength=6)
                                  / (1.0 + np.bincount(_u, minlength=6))),
}
for _name, (_got, _form) in _forms.items():
    expect(np.allclose(_got, _form, atol=1e-6),
           f"After n_steps=300 with lam = 1 and lam_bin = 4, the {_name} should equal their closed form given the "
           f"other terms, {np.round(_form, 4).tolist()}; got {np.round(_got, 4).tolist()}. Each update subtracts "
           "every other term; lam goes with users and films, lam_bin with the film-bins.")
passed("bins, a film whose reception changes, and each block with its own penalty")
### BEGIN HIDDEN TESTS
def _exact_time_biases(users, items, ratings, bins, n_users, n_items, n_bins, lam, lam_bin):
    """The exact minimiser via the normal equations of the whole ridge regression."""
    n = ratings.size
    design = np.zeros((n, n_users + n_items + n_items * n_bins))
    design[np.arange(n), users] = 1
    design[np.arange(n), n_users + items] = 1
    design[np.arange(n), n_users + n_items + items * n_bins + bins] = 1
    penalty = np.r_[np.full(n_users + n_items, lam), np.full(n_items * n_bins, lam_bin)]
    mu = ratings.mean()
    x = np.linalg.solve(design.T @ design + np.diag(penalty), design.T @ (ratings - mu))
    return mu, x[:n_users], x[n_users:n_users + n_items], x[n_users + n_items:].reshape(n_items, n_bins)

_rng = np.random.default_rng(505)
_u, _i, _b = _rng.integers(0, 6, 60), _rng.integers(0, 7, 60), _rng.integers(0, 3, 60)
_r = _rng.integers(1, 6, 60).astype(float)
_want = _exact_time_biases(_u, _i, _r, _b, 8, 9, 3, 2.0, 4.0)
_got = fit_time_biases(_u, _i, _r, _b, 8, 9, 3, lam=2.0, lam_bin=4.0, n_steps=500)
for _name, _x, _y in zip(["mu", "user_bias", "item_bias", "item_bin_bias"], _got, _want):
    assert np.allclose(_x, _y, atol=1e-5), \
        f"{_name} does not minimise the regularised squared error; each update should subtract every other term"
_times = _rng.uniform(-10, 110, 200)
_expected = np.clip(np.floor((_times - 0) / 100 * 7), 0, 6)
assert np.array_equal(np.asarray(time_bin(_times, 0, 100, 7)), _expected), "equal-width bins, clipped to 0..n_bins-1"
assert np.asarray(time_bin(_times, 0, 100, 7)).dtype.kind in "iu", "bin indices are integers (they index an array)"
assert np.asarray(time_bin(_times, 0, 100, 1)).tolist() == [0] * _times.size, "with one bin, every time is in bin 0"
assert np.asarray(time_bin(np.array([86_400 * 10_000]), 0, 86_400 * 20_000, 3)).tolist() == [1], \
    "timestamps in seconds (large integers) work too"
for _steps in (1, 2):   # from zeros: film biases, then film-bin biases, then user biases
    _mu_r, _bu_r, _bi_r, _bp_r = _r.mean(), np.zeros(8), np.zeros(9), np.zeros(27)
    _pairs = _i * 3 + _b
    for _ in range(_steps):
        _bi_r = np.bincount(_i, _r - _mu_r - _bu_r[_u] - _bp_r[_pairs], minlength=9) / (2.0 + np.bincount(_i, minlength=9))
        _bp_r = np.bincount(_pairs, _r - _mu_r - _bu_r[_u] - _bi_r[_i], minlength=27) / (4.0 + np.bincount(_pairs, minlength=27))
        _bu_r = np.bincount(_u, _r - _mu_r - _bi_r[_i] - _bp_r[_pairs], minlength=8) / (2.0 + np.bincount(_u, minlength=8))
    _few = fit_time_biases(_u, _i, _r, _b, 8, 9, 3, lam=2.0, lam_bin=4.0, n_steps=_steps)
    assert np.allclose(_few[1], _bu_r) and np.allclose(_few[2], _bi_r) and np.allclose(np.ravel(_few[3]), _bp_r), \
        f"with n_steps={_steps} the result differs from {_steps} round(s) of: film biases, film-bin biases, then user biases"
# The target: on the chronological split the time-aware bias beats the static baseline (same lam),
# here fitted by a reference implementation so that exercise 2 does not count twice.
def _ref_rmse(predicted, actual):
    return float(np.sqrt(np.mean((np.asarray(predicted, float) - np.asarray(actual, float)) ** 2)))

_mu = small_train[2].mean()
_bu, _bi = np.zeros(S_USERS), np.zeros(S_ITEMS)
_cu, _ci = np.bincount(small_train[0], minlength=S_USERS), np.bincount(small_train[1], minlength=S_ITEMS)
for _ in range(10):
    _bi = np.bincount(small_train[1], small_train[2] - _mu - _bu[small_train[0]], minlength=S_ITEMS) / (5.0 + _ci)
    _bu = np.bincount(small_train[0], small_train[2] - _mu - _bi[small_train[1]], minlength=S_USERS) / (5.0 + _cu)
_static_rmse = _ref_rmse(_mu + _bu[small_test[0]] + _bi[small_test[1]], small_test[2])
_model = fit_time_biases(small_train[0], small_train[1], small_train[2], time_bin(small_train[3], T_MIN, T_MAX, 15), S_USERS, S_ITEMS, 15)
_timed_rmse = _ref_rmse(predict_time_biases(_model, small_test[0], small_test[1], time_bin(small_test[3], T_MIN, T_MAX, 15)), small_test[2])
assert _timed_rmse < _static_rmse, f"time-aware RMSE {_timed_rmse:.4f} should beat the static {_static_rmse:.4f}"
### END HIDDEN TESTS

# %% [markdown]
# Does it help? Compare the static baseline of exercise 2 with the time-aware one, with the same
# penalties, for several numbers of bins. And, as a control, run the same comparison on a
# chronological split of ml-100k.

# %%
def static_vs_timed(train, test, n_users, n_items, n_bins_list):
    """Test RMSE of the static baseline and of the time-aware one for each number of bins."""
    mu, user_bias, item_bias = fit_biases(train[0], train[1], train[2], n_users, n_items)
    static = rmse(mu + user_bias[test[0]] + item_bias[test[1]], test[2])
    t_min, t_max = train[3].min(), train[3].max()
    timed = []
    for n_bins in n_bins_list:
        model = fit_time_biases(train[0], train[1], train[2], time_bin(train[3], t_min, t_max, n_bins),
                                n_users, n_items, n_bins)
        predicted = predict_time_biases(model, test[0], test[1], time_bin(test[3], t_min, t_max, n_bins))
        timed.append(rmse(predicted, test[2]))
    return static, np.array(timed)


N_BINS_LIST = [2, 4, 8, 15, 30, 60]
small_static, small_timed = static_vs_timed(small_train, small_test, S_USERS, S_ITEMS, N_BINS_LIST)
ml100k = ALL_RATINGS.assign(user=ALL_RATINGS["userId"] - 1, item=ALL_RATINGS["movieId"] - 1)
ml100k_train, ml100k_test = map(timed_arrays, chronological_split(ml100k))
ml100k_static, ml100k_timed = static_vs_timed(ml100k_train, ml100k_test, N_USERS, N_ITEMS, N_BINS_LIST)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for ax, static, timed, title in [(axes[0], small_static, small_timed, "ml-latest-small (22 years)"),
                                 (axes[1], ml100k_static, ml100k_timed, "ml-100k (7 months)")]:
    ax.axhline(static, color="grey", linestyle="--", label="static baseline (exercise 2)")
    ax.plot(N_BINS_LIST, timed, "o-", color="#c44e52", label="time-aware film bias")
    ax.set(xscale="log", xlabel="number of time bins", ylabel="RMSE on each user's latest 20 %", title=title)
    ax.set_xticks(N_BINS_LIST, [str(n) for n in N_BINS_LIST])
    ax.minorticks_off()
fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=2)
plt.tight_layout(rect=(0, 0.08, 1, 1))
plt.show()
print("bins:", N_BINS_LIST)
print(f"ml-latest-small: static {small_static:.4f}, time-aware", np.round(small_timed, 4))
print(f"ml-100k:         static {ml100k_static:.4f}, time-aware", np.round(ml100k_timed, 4))

# %% [markdown]
# On 22 years of data the time-aware bias has the lower test RMSE at every bin count printed, by at
# most about a thousandth of a star: small, and with no interval computed here, so read it as "no
# worse, perhaps slightly better", not as a proven gain. On seven months of data the bins find nothing
# to use, and the extra parameters only add noise (every time-aware number is above the static one). A
# method's gain belongs to the data it was measured on: Koren's came from six years of Netflix ratings.
#
# ## 5. A drifting user bias (Koren 2009)
# Films are not the only ones that change: people do. Someone who rated generously last year may be
# sterner now, or a household account passes from one person to another. Koren models the drift of
# each user's bias as a smooth function of the day $t$ of the rating:
#
# $$b_u(t) = b_u + \alpha_u \cdot \mathrm{dev}_u(t), \qquad
#   \mathrm{dev}_u(t) = \mathrm{sign}(t - t_u)\,\lvert t - t_u \rvert^{\beta},$$
#
# where $t_u$ is the mean day of user $u$'s ratings and $\beta = 0.4$ (Koren's value, set by
# cross-validation on Netflix). Time is counted in **days**: the power $\beta < 1$ makes the drift grow
# fast within days of $t_u$ and ever more slowly further away, so the unit matters. Each user gets one
# slope $\alpha_u$, regularised like the biases:
#
# $$\min \sum_{(u,i,t) \in K} \big(r_{ui} - \mu - b_u - \alpha_u \mathrm{dev}_u(t) - b_i\big)^2
#   + \lambda \Big(\sum_u b_u^2 + \sum_i b_i^2\Big) + \lambda_\alpha \sum_u \alpha_u^2 .$$
#
# The alternating scheme fits it again. Given the biases, $\alpha_u$ is a one-variable ridge regression
# of user $u$'s residuals on her $\mathrm{dev}_u(t)$ values:
#
# $$\alpha_u = \frac{\sum_{(i,t) \in R(u)} \mathrm{dev}_u(t)\,(r_{ui} - \mu - b_u - b_i)}
#   {\lambda_\alpha + \sum_{(i,t) \in R(u)} \mathrm{dev}_u(t)^2},$$
#
# and the bias updates of exercise 2 subtract $\alpha_u \mathrm{dev}_u(t)$ along with the other terms.
#
# Koren adds one more term, a bias per user **and day**, $b_{u,t}$, for what is peculiar to one
# day's session (a mood, another person at the keyboard). It works in two ways. Directly, it shifts a
# prediction only when the day of the rating to predict already has training ratings from the same
# user. Indirectly, fitted *together* with the other terms, it absorbs one day's peculiarities while
# they are fitted, so that $b_u$ and $\alpha_u$ are not pulled by one odd session. That is the
# optional extension below; section 5's measurement fits it jointly, alternating with the others.
#
# ## Exercise 6 — The drift term (2 points)
# Write three functions:
# - `rating_days(timestamps)`: the day of each rating, `timestamps // 86400` as integers. The data's
#   timestamps count **seconds** since 1 January 1970; Koren counts whole days.
# - `drift(days, mean_days, beta=0.4)`: $\mathrm{dev}_u(t) = \mathrm{sign}(t - t_u)\,|t - t_u|^\beta$,
#   element-wise, for arrays of days $t$ and the matching users' mean days $t_u$.
# - `mean_rating_day(users, timestamps, n_users)`: $t_u$ for every user, an array of length
#   `n_users`: the mean of the days of user $u$'s ratings. Every rating counts, so a day with five
#   ratings counts five times (not the median, not the first day, not the mean of distinct days);
#   0 for a user without ratings (her $\alpha_u$ will stay 0, so the value never matters, but it must
#   not be NaN).

# %% tags=["solution"] grade_id="ex6_drift_terms"
SECONDS_PER_DAY = 86_400


def rating_days(timestamps):
    """Whole days since 1 January 1970 of timestamps given in seconds."""
    ### BEGIN SOLUTION
    return np.asarray(timestamps).astype(np.int64) // SECONDS_PER_DAY
    ### END SOLUTION


def drift(days, mean_days, beta=0.4):
    """Koren's dev_u(t) = sign(t - t_u) |t - t_u|^beta, element-wise."""
    ### BEGIN SOLUTION
    offset = np.asarray(days, dtype=float) - np.asarray(mean_days, dtype=float)
    return np.sign(offset) * np.abs(offset) ** beta
    ### END SOLUTION


def mean_rating_day(users, timestamps, n_users):
    """t_u: each user's mean rating day over her ratings (0 for a user without ratings)."""
    ### BEGIN SOLUTION
    counts = np.bincount(users, minlength=n_users)
    day_sums = np.bincount(users, weights=rating_days(timestamps), minlength=n_users)
    return day_sums / np.maximum(counts, 1)
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex6_drift_terms_check" points=2
_days = np.asarray(rating_days(np.array([0, 86_399, 86_400, 10 * 86_400 + 43_200])))
expect(_days.tolist() == [0, 0, 1, 10],
       f"rating_days of 0, 86399, 86400 and 10.5 days' worth of seconds should be [0, 0, 1, 10]; got {_days.tolist()}. "
       "Days are timestamps // 86400: whole days, from seconds.")
_dev = np.asarray(drift(np.array([-22.0, 10.0, 11.0, 253.0]), np.array([10.0, 10.0, 10.0, 10.0])))
expect(np.allclose(_dev, [-4.0, 0.0, 1.0, 9.0]),
       f"drift([-22, 10, 11, 253], t_u = 10) should be sign(t - t_u) |t - t_u|^0.4 = [-4, 0, 1, 9] "
       f"(32^0.4 = 4, 243^0.4 = 9); got {np.round(_dev, 4)}. The power applies to |t - t_u|, the sign goes "
       "outside it, and beta multiplies nothing.")
expect(np.allclose(np.asarray(drift(np.array([14.0]), np.array([10.0]), beta=0.5)), 2.0),
       "drift(14, t_u = 10, beta = 0.5) should be 4^0.5 = 2: use the beta argument.")
# User 0 rates three times on day 0 and once on day 10, at noon; user 1 has no ratings.
_mean_day = np.asarray(mean_rating_day(np.zeros(4, int), np.array([0, 0, 0, 10]) * 86_400 + 43_200, 2), dtype=float)
expect(np.shape(_mean_day) == (2,) and np.all(np.isfinite(_mean_day)) and np.isclose(_mean_day[1], 0),
       f"mean_rating_day should give one finite value per user, 0 for user 1 who has no ratings; got {_mean_day}.")
expect(np.isclose(_mean_day[0], 2.5),
       f"The user's days are 0, 0, 0 and 10, so t_u = 2.5 (the mean over her ratings, in days); got "
       f"{_mean_day[0]:.4f}. Days are timestamps // 86400, and every rating counts (not the median, not "
       "the first day, not the distinct days).")
passed("days, dev_u(t) and t_u")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(606)
_t = _rng.integers(0, 20_000 * 86_400, 50)
assert np.array_equal(np.asarray(rating_days(_t)), _t // 86_400), "rating_days: timestamps // 86400"
assert np.asarray(rating_days(_t)).dtype.kind in "iu", "rating_days returns whole days as integers"
for _beta in (0.4, 0.7, 1.5):
    _a, _b = _rng.uniform(-100, 100, 30), _rng.uniform(-100, 100, 30)
    assert np.allclose(np.asarray(drift(_a, _b, beta=_beta)), np.sign(_a - _b) * np.abs(_a - _b) ** _beta), \
        "drift should be sign(t - t_u) * |t - t_u| ** beta for any beta"
# Skewed days, several ratings a day at any hour: the mean, the median, the first day and the mean of
# distinct days all differ. Users 4, 5 and 7 have no ratings.
_u = _rng.integers(0, 5, 80)
_u[_u == 4] = 6
_d = _rng.choice([0, 0, 0, 1, 2, 9, 30, 31, 60], _u.size) + 17_000
_t = _d * 86_400 + _rng.integers(0, 86_400, _u.size)
_want = np.array([_d[_u == k].mean() if (_u == k).any() else 0.0 for k in range(8)])
assert np.allclose(np.asarray(mean_rating_day(_u, _t, 8), dtype=float), _want), \
    "t_u: the mean of each user's rating days over her ratings (timestamps // 86400), 0 for users without ratings"
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 7 — Fit and predict with $b_u(t)$ (3 points)
# Write two functions, using those of exercise 6:
# - `fit_user_drift(users, items, ratings, timestamps, n_users, n_items, lam=5.0, lam_alpha=50.0, beta=0.4, n_steps=10)`,
#   returning `(mu, user_bias, item_bias, alpha, mean_day)`: `mean_day` is $t_u$ from
#   `mean_rating_day`; start `user_bias`, `item_bias` and `alpha` at zero; then `n_steps` times, in
#   this order, update every film bias, every user bias, then every $\alpha_u$, each by its closed form
#   given the rest (penalties: `lam` for the biases, `lam_alpha` for $\alpha$; the dev values use `beta`).
# - `predict_user_drift(model, users, items, timestamps)`: $\mu + b_u + \alpha_u \mathrm{dev}_u(t) + b_i$
#   with $\beta = 0.4$ and $t_u$ taken from the model (the training ratings), never from the ratings
#   being predicted.
#
# $\lambda_\alpha = 50$ is a round value, not tuned (section 5 also chooses it on a validation split). You may assume `lam > 0` and `lam_alpha > 0`.
# *Hint:* `np.bincount(users, weights=..., minlength=n_users)` gives every per-user sum you need.

# %% tags=["solution"] grade_id="ex7_user_drift"
def fit_user_drift(users, items, ratings, timestamps, n_users, n_items, lam=5.0, lam_alpha=50.0, beta=0.4,
                   n_steps=10):
    """Baseline with a drifting user bias: (mu, user_bias, item_bias, alpha, mean_day)."""
    ### BEGIN SOLUTION
    mu = float(np.mean(ratings))
    user_counts = np.bincount(users, minlength=n_users)
    item_counts = np.bincount(items, minlength=n_items)
    mean_day = mean_rating_day(users, timestamps, n_users)
    deviation = drift(rating_days(timestamps), mean_day[users], beta)
    deviation_squares = np.bincount(users, weights=deviation ** 2, minlength=n_users)
    user_bias, item_bias, alpha = np.zeros(n_users), np.zeros(n_items), np.zeros(n_users)
    for _ in range(n_steps):
        user_drift = alpha[users] * deviation
        item_bias = np.bincount(items, ratings - mu - user_bias[users] - user_drift,
                                minlength=n_items) / (lam + item_counts)
        user_bias = np.bincount(users, ratings - mu - item_bias[items] - user_drift,
                                minlength=n_users) / (lam + user_counts)
        alpha = np.bincount(users, deviation * (ratings - mu - user_bias[users] - item_bias[items]),
                            minlength=n_users) / (lam_alpha + deviation_squares)
    return mu, user_bias, item_bias, alpha, mean_day
    ### END SOLUTION


def predict_user_drift(model, users, items, timestamps):
    """Baseline prediction with each user's bias at the day of the rating."""
    ### BEGIN SOLUTION
    mu, user_bias, item_bias, alpha, mean_day = model
    return mu + user_bias[users] + alpha[users] * drift(rating_days(timestamps), mean_day[users]) + item_bias[items]
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex7_user_drift_check" points=3
# Two users rate two films at noon on a few days; user 2 and film 2 have no ratings. With lam = 2 and
# lam_alpha = 3, after many steps each block equals its closed form given the others. The expected values
# use your exercise 6 functions, so that a slip there is not counted again here.
_u, _i = np.array([0, 0, 0, 0, 1, 1, 1]), np.array([0, 1, 0, 1, 0, 1, 0])
_times = np.array([0, 0, 0, 10, 3, 5, 9]) * 86_400 + 43_200
_r = np.array([3.0, 3.0, 4.0, 5.0, 2.0, 4.0, 3.0])
_model = fit_user_drift(_u, _i, _r, _times, 3, 3, lam=2.0, lam_alpha=3.0, n_steps=300)
expect(len(_model) == 5, f"fit_user_drift should return (mu, user_bias, item_bias, alpha, mean_day); got {len(_model)} parts.")
_mu, _bu, _bi, _alpha, _mean_day = (np.asarray(part, dtype=float) for part in _model)
_t_u = np.asarray(mean_rating_day(_u, _times, 3), dtype=float)
expect(np.allclose(_mean_day, _t_u, equal_nan=True),
       f"mean_day should be mean_rating_day of the training ratings, {_t_u.tolist()}; got {_mean_day.tolist()}.")
_dev = np.asarray(drift(rating_days(_times), _t_u[_u]), dtype=float)
_alpha_form = np.bincount(_u, _dev * (_r - _mu - _bu[_u] - _bi[_i]), minlength=3) / (
    3.0 + np.bincount(_u, _dev ** 2, minlength=3))
expect(np.allclose(_alpha, _alpha_form, atol=1e-6),
       f"After n_steps=300, alpha should be sum(dev (r - mu - b_u - b_i)) / (lam_alpha + sum(dev^2)) per user with your "
       f"biases, {np.round(_alpha_form, 4).tolist()} (lam_alpha = 3); got {np.round(_alpha, 4).tolist()}. Check the dev "
       "values (drift of rating_days from mean_rating_day) and lam_alpha in the denominator.")
_user_form = np.bincount(_u, _r - _mu - _bi[_i] - _alpha[_u] * _dev, minlength=3) / (2.0 + np.bincount(_u, minlength=3))
_film_form = np.bincount(_i, _r - _mu - _bu[_u] - _alpha[_u] * _dev, minlength=3) / (2.0 + np.bincount(_i, minlength=3))
expect(np.allclose(_bu, _user_form, atol=1e-6) and np.allclose(_bi, _film_form, atol=1e-6),
       f"After n_steps=300 (n_steps should set the number of rounds), b_u and b_i should equal their closed forms "
       f"given the others with lam = 2: users {np.round(_user_form, 4).tolist()}, films {np.round(_film_form, 4).tolist()}; "
       f"got {np.round(_bu, 4).tolist()} and {np.round(_bi, 4).tolist()}. Did you subtract alpha * dev in the bias "
       "updates, and mu and the other bias?")
_pred = np.asarray(predict_user_drift(_model, np.array([0, 2]), np.array([2, 0]), np.array([20, 20]) * 86_400))
_want_pred = _mu + np.r_[_bu[0] + _alpha[0] * float(np.asarray(drift(rating_days(np.array([20 * 86_400])), _t_u[:1]))[0]),
                         _bi[0]]
expect(np.allclose(_pred, _want_pred, atol=1e-6, equal_nan=True),
       f"On day 20 the predictions are mu + b_u + alpha_u dev_u(20) + b_i = {np.round(_want_pred, 4).tolist()}, with "
       f"t_u = {_t_u[0]:.2f} from training (film 2 has no ratings, so b_i = 0; user 2 has none, so b_u = alpha = 0); "
       f"got {np.round(_pred, 4).tolist()}.")
_train, _test = TIMED_FOLDS[0]
_drift_model = fit_user_drift(*_train, N_USERS, N_ITEMS)
passed(f"b_u(t) on u1 scores RMSE {rmse(predict_user_drift(_drift_model, *_test[:2], _test[3]), _test[2]):.4f}")
### BEGIN HIDDEN TESTS
# Isolate this exercise: run it on reference versions of exercise 6's functions.
def _ref_days(timestamps):
    return np.asarray(timestamps).astype(np.int64) // 86_400


def _ref_drift(days, mean_days, beta=0.4):
    offset = np.asarray(days, float) - np.asarray(mean_days, float)
    return np.sign(offset) * np.abs(offset) ** beta


def _ref_mean_day(users, timestamps, n_users):
    return np.bincount(users, _ref_days(timestamps).astype(float), minlength=n_users) / np.maximum(
        np.bincount(users, minlength=n_users), 1)


def _ref_fit_drift(users, items, ratings, timestamps, n_users, n_items, lam, lam_alpha, beta, n_steps):
    """Alternating closed forms in the order the exercise gives: films, users, alpha."""
    mu = ratings.mean()
    cu, ci = np.bincount(users, minlength=n_users), np.bincount(items, minlength=n_items)
    mean_day = _ref_mean_day(users, timestamps, n_users)
    dev = _ref_drift(_ref_days(timestamps), mean_day[users], beta)
    bu, bi, al = np.zeros(n_users), np.zeros(n_items), np.zeros(n_users)
    for _ in range(n_steps):
        bi = np.bincount(items, ratings - mu - bu[users] - al[users] * dev, minlength=n_items) / (lam + ci)
        bu = np.bincount(users, ratings - mu - bi[items] - al[users] * dev, minlength=n_users) / (lam + cu)
        al = np.bincount(users, dev * (ratings - mu - bu[users] - bi[items]), minlength=n_users) / (
            lam_alpha + np.bincount(users, dev ** 2, minlength=n_users))
    return mu, bu, bi, al, mean_day, dev


def _exact_drift(users, items, ratings, dev, n_users, n_items, lam, lam_alpha):
    """The exact minimiser: one ridge regression over [b_u, b_i, alpha_u] with dev_u(t) as a regressor."""
    n = ratings.size
    design = np.zeros((n, 2 * n_users + n_items))
    design[np.arange(n), users] = 1.0
    design[np.arange(n), n_users + items] = 1.0
    design[np.arange(n), n_users + n_items + users] = dev
    penalty = np.r_[np.full(n_users + n_items, lam), np.full(n_users, lam_alpha)]
    x = np.linalg.solve(design.T @ design + np.diag(penalty), design.T @ (ratings - ratings.mean()))
    return x[:n_users], x[n_users:n_users + n_items], x[n_users + n_items:]


_own = (rating_days, drift, mean_rating_day)
rating_days, drift, mean_rating_day = _ref_days, _ref_drift, _ref_mean_day
try:
    _rng = np.random.default_rng(707)
    # 7 users (user 6 without ratings), 9 films (film 8 without ratings), ratings over weeks at any hour.
    _u = np.repeat(np.arange(6), 12)
    _i = _rng.integers(0, 8, _u.size)
    _t = (17_000 + _rng.choice([0, 0, 0, 1, 2, 9, 30, 31, 60], _u.size) + 100 * _u) * 86_400 \
        + _rng.integers(0, 86_400, _u.size)
    _r = _rng.integers(1, 6, _u.size).astype(float)
    _one = fit_user_drift(_u, _i, _r, _t, 7, 9, lam=2.0, lam_alpha=3.0, n_steps=1)
    _many = fit_user_drift(_u, _i, _r, _t, 7, 9, lam=2.0, lam_alpha=3.0, n_steps=400)
    assert not np.allclose(_one[3], _many[3]), \
        "n_steps should set the number of rounds: 1 and 400 steps gave the same alpha"
    for _lam, _lam_alpha, _beta in ((2.0, 3.0, 0.4), (0.5, 20.0, 0.6)):
        _got = fit_user_drift(_u, _i, _r, _t, 7, 9, lam=_lam, lam_alpha=_lam_alpha, beta=_beta, n_steps=400)
        _ref = _ref_fit_drift(_u, _i, _r, _t, 7, 9, _lam, _lam_alpha, _beta, 1)
        assert np.allclose(np.asarray(_got[4], dtype=float), _ref[4]), "mean_day should be mean_rating_day of the training ratings"
        _bu, _bi, _al = _exact_drift(_u, _i, _r, _ref[5], 7, 9, _lam, _lam_alpha)
        assert abs(_got[0] - _r.mean()) < 1e-9, "mu is the mean training rating"
        assert np.allclose(_got[1], _bu, atol=1e-5) and np.allclose(_got[2], _bi, atol=1e-5) \
            and np.allclose(_got[3], _al, atol=1e-5), \
            ("after many steps the biases and alpha should minimise the regularised squared error "
             f"(lam={_lam}, lam_alpha={_lam_alpha}, beta={_beta}): subtract alpha * dev in the bias updates, "
             "use beta, lam_alpha in alpha's denominator")
        assert abs(_got[3][6]) < 1e-12 and abs(_got[1][6]) < 1e-12, "a user without ratings keeps b_u = alpha = 0"
        for _steps in (1, 2):
            _few = fit_user_drift(_u, _i, _r, _t, 7, 9, lam=_lam, lam_alpha=_lam_alpha, beta=_beta, n_steps=_steps)
            _ref = _ref_fit_drift(_u, _i, _r, _t, 7, 9, _lam, _lam_alpha, _beta, _steps)
            assert all(np.allclose(np.asarray(a), b) for a, b in zip(_few[:4], _ref[:4])), \
                (f"with n_steps={_steps} the result differs from {_steps} round(s) of: film biases, user biases, "
                 "then alpha, starting from zeros")
    # Predictions use the model's own t_u, whatever days are asked for.
    _model = _ref_fit_drift(_u, _i, _r, _t, 7, 9, 2.0, 3.0, 0.4, 30)[:5]
    _pu, _pi = np.array([0, 1, 2, 6, 3]), np.array([1, 2, 3, 4, 8])
    _pt = (17_000 + np.array([900, 950, 50, 300, 1000])) * 86_400 + 3_600
    _want = _model[0] + _model[1][_pu] + _model[2][_pi] + _model[3][_pu] * _ref_drift(_ref_days(_pt), _model[4][_pu])
    assert np.allclose(np.asarray(predict_user_drift(_model, _pu, _pi, _pt)), _want), \
        "predict: mu + b_u + alpha_u dev_u(t) + b_i with the model's t_u (from training), days = timestamps // 86400"
finally:
    rating_days, drift, mean_rating_day = _own
### END HIDDEN TESTS

# %% [markdown]
# ### Optional extension — a bias per user and day, $b_{u,t}$ (not graded)
# Write `fit_day_biases(users, timestamps, residuals, lam_day=5.0)`: for every (user, day) pair in
# the training ratings, the penalised mean of the residuals that the other terms leave on that day,
# $b_{u,t} = \sum_{\text{ratings of } u \text{ on day } t} e / (\lambda_{\text{day}} + n_{u,t})$, as a
# pandas Series indexed by `(user, day)`. That is one block of the alternating scheme; the cell after
# it alternates this block with your exercise 7 fit (`fit_drift_with_days`), so that $b_{u,t}$ is
# fitted jointly with the other terms, as in the paper. `day_bias_of` looks a pair up, 0 for a day
# without training ratings. Skip it if you are short of time: the cells below say "not written" and
# carry on.

# %% tags=["solution"] grade_id="ext_day_biases"
def fit_day_biases(users, timestamps, residuals, lam_day=5.0):
    """b_{u,t}: each (user, day)'s penalised mean residual, a Series indexed by (user, day)."""
    ### BEGIN SOLUTION
    per_day = pd.Series(residuals).groupby([np.asarray(users), rating_days(timestamps)])
    return per_day.sum() / (lam_day + per_day.size())
    ### END SOLUTION

# %%
def day_bias_of(day_biases, users, timestamps):
    """b_{u,t} of each (user, day), 0 where the user has no training rating on that day."""
    wanted = pd.MultiIndex.from_arrays([np.asarray(users), rating_days(timestamps)])
    return day_biases.reindex(wanted).fillna(0.0).to_numpy()


def fit_drift_with_days(train, n_users, n_items, lam_alpha=50.0, lam_day=5.0, n_rounds=3):
    """b_u(t) and b_{u,t} fitted jointly: (drift model, day biases).

    Alternating blocks, as in exercise 2: fit exercise 7's model to the ratings minus the day biases,
    then the day biases to what that model leaves over; n_rounds times, starting from no day biases.
    """
    users, items, ratings, timestamps = train
    day_offsets = np.zeros(ratings.size)
    for _ in range(n_rounds):
        model = fit_user_drift(users, items, ratings - day_offsets, timestamps, n_users, n_items, lam_alpha=lam_alpha)
        left_over = ratings - predict_user_drift(model, users, items, timestamps)
        day_biases = fit_day_biases(users, timestamps, left_over, lam_day=lam_day)
        day_offsets = day_bias_of(day_biases, users, timestamps)
    return model, day_biases


def predict_with_days(fitted, users, items, timestamps):
    """mu + b_u + alpha_u dev_u(t) + b_i + b_{u,t} (0 for a day without training ratings)."""
    model, day_biases = fitted
    return predict_user_drift(model, users, items, timestamps) + day_bias_of(day_biases, users, timestamps)

# %% [markdown]
# ### What did the paper evaluate on?
# Koren reports his RMSEs on the Netflix Prize's held-out ratings. Netflix built them from **the last
# nine ratings of each user** (fewer for users with under 18 ratings) and trained on everything else
# (Koren describes the construction in *The BellKor Solution to the Netflix Grand Prize*, 2009). That
# is a per-user split forward in time: no test rating is earlier than the same user's training
# ratings, while other users' later ratings stay in training. Random folds are *not* the paper's
# split; the course's `chronological_split` is the paper's kind of split with a larger holdout (each
# user's latest 20 %, not nine ratings). On its held-out sets, the paper's table comparing baseline
# predictors reports a lower RMSE once the drifting user bias is added: open it and check the numbers
# yourself.
#
# ### Measure it on three splits, and look for the causes
# The static baseline (exercise 2), $b_u(t)$ (exercise 7) and, if you wrote the extension,
# $b_u(t) + b_{u,t}$ fitted jointly, on each data set and three splits:
# - **random folds**: ml-100k's official `u1`–`u5`, and five random folds of ml-latest-small. Not the
#   paper's split: a user's test days lie among her training days, so $\mathrm{dev}_u(t)$ interpolates;
# - **last 9 per user**: the shape of the Netflix held-out sets (every MovieLens user here has at least
#   20 ratings, so each holds out nine);
# - **latest 20 % per user**: the course's `chronological_split`, as in section 4.
#
# Three candidate reasons why MovieLens forward in time may not behave like Netflix, each measured:
# 1. **the size of the holdout**: twenty per cent of a long history reaches much further past the
#    user's last training day than nine ratings do, and $\mathrm{dev}_u(t)$ extrapolates further;
# 2. **bursty sessions**: the share of test ratings made on a day that has training ratings from the
#    same user (forward in time, that day can only be the user's last training day). Those are the
#    test ratings a $b_{u,t}$ can shift;
# 3. **an untuned $\lambda_\alpha$**: exercise 7 fixes $\lambda_\alpha = 50$. Here it is also chosen
#    from a grid on a *validation* split carved out of the training part in the same way as the test
#    part was cut (random, last nine, or latest 20 % of each user's training ratings), never on test;
#    $\lambda_{\text{day}}$ for the joint $b_{u,t}$ is chosen the same way. On the forward splits the test
#    ratings are used once. On the random folds they are not quite: the values are chosen once, on a
#    fifth of fold 1's training part, and that training part holds the other four folds' test ratings,
#    so four of the five folds are scored on ratings the choice has seen (the rows say which λ won).
#
# The first table describes the splits.

# %% tags=["demo"]
def last_ratings_split(frame, n_last=9):
    """Each user's n_last latest ratings held out (at most half of hers; ties by film id), the rest train."""
    ordered = frame.sort_values(["user", "timestamp", "item"], kind="stable")
    from_end = ordered.groupby("user").cumcount(ascending=False).to_numpy()
    n_ratings = ordered.groupby("user")["item"].transform("size").to_numpy()
    in_test = from_end < np.minimum(n_last, n_ratings // 2)
    return ordered[~in_test].sort_index(), ordered[in_test].sort_index()


def random_split(frame, seed=0):
    """A random fifth of the ratings held out."""
    in_test = np.random.default_rng(seed).permutation(len(frame)) % 5 == 0
    return frame[~in_test], frame[in_test]


def split_profile(train, test):
    """Per test rating: is its day one of the same user's training days; is it > 30 days past her last one."""
    train_days = rating_days(train[3])
    on_a_training_day = pd.MultiIndex.from_arrays([test[0], rating_days(test[3])]).isin(
        pd.MultiIndex.from_arrays([train[0], train_days]))
    last_training_day = pd.Series(train_days).groupby(train[0]).max().reindex(test[0]).to_numpy()
    return on_a_training_day, rating_days(test[3]) - last_training_day > 30


_small_fold_of = np.random.default_rng(0).permutation(len(small)) % 5
DATA_SETS = {  # name: (all ratings, five random folds as (train, test) frames, n_users, n_items)
    "ml-100k": (ml100k, [tuple(part.assign(user=part["userId"] - 1, item=part["movieId"] - 1)
                               for part in data.load_split(name)) for name in FOLD_NAMES], N_USERS, N_ITEMS),
    "ml-latest-small": (small, [(small[_small_fold_of != k], small[_small_fold_of == k]) for k in range(5)],
                        S_USERS, S_ITEMS),
}
SPLITS = {}  # (data set, split): (list of (train, test) frames, the splitter that carves validation, n_users, n_items)
for _name, (_ratings, _random_folds, _n_users, _n_items) in DATA_SETS.items():
    SPLITS[_name, "random folds"] = (_random_folds, random_split, _n_users, _n_items)
    SPLITS[_name, "last 9 per user"] = ([last_ratings_split(_ratings)], last_ratings_split, _n_users, _n_items)
    SPLITS[_name, "latest 20 % per user"] = ([chronological_split(_ratings)], chronological_split, _n_users, _n_items)

_profile = {}
for _key, (_folds, _, _, _) in SPLITS.items():
    _on_day, _far = map(np.concatenate, zip(*[split_profile(*map(timed_arrays, fold)) for fold in _folds]))
    _profile[_key] = {"test ratings": _on_day.size, "on a training day of the same user": _on_day.mean(),
                      "> 30 days past the user's last training day": _far.mean()}
split_profiles = pd.DataFrame(_profile).T
print(split_profiles.to_string(formatters={"test ratings": "{:,.0f}".format}, float_format="{:.1%}".format))

# %% [markdown]
# The second table fits the models. For each (data set, split), $\lambda_\alpha$ is chosen from
# `LAM_ALPHAS` and then $\lambda_{\text{day}}$ from `LAM_DAYS` on a validation split carved from the
# (first) training set; every model is then refitted on the whole training set and scored once on
# test. RMSE is pooled over each split's test ratings (each rating is predicted once). The last
# columns compare two models user by user: the mean difference of per-user mean squared errors
# (negative: the first is better), its 95 % bootstrap interval over users
# (`paper2prod.evaluation.compare`), and whether the interval excludes 0.

# %% tags=["demo"]
LAM_ALPHAS = [10, 50, 200, 1000, 5000, 20000, 100000]
LAM_DAYS = [5, 20, 100]


def choose_on_validation(train_frame, splitter, n_users, n_items):
    """(lam_alpha, lam_day) with the lowest RMSE on a validation split carved from the training frame."""
    fit_part, validation = map(timed_arrays, splitter(train_frame))
    valid_users, valid_items, valid_ratings, valid_times = validation
    errors = [rmse(predict_user_drift(fit_user_drift(*fit_part, n_users, n_items, lam_alpha=lam_alpha),
                                      valid_users, valid_items, valid_times), valid_ratings)
              for lam_alpha in LAM_ALPHAS]
    lam_alpha = LAM_ALPHAS[int(np.argmin(errors))]
    try:
        errors = [rmse(predict_with_days(fit_drift_with_days(fit_part, n_users, n_items, lam_alpha, lam_day),
                                         valid_users, valid_items, valid_times), valid_ratings)
                  for lam_day in LAM_DAYS]
    except NotImplementedError:
        return lam_alpha, np.nan
    return lam_alpha, LAM_DAYS[int(np.argmin(errors))]


def squared_errors(train, test, n_users, n_items, lam_alpha, lam_day):
    """Squared error of every test rating under each model."""
    users, items, ratings, timestamps = test
    mean, by_user, by_item = fit_biases(*train[:3], n_users, n_items)
    errors = {"user": users, "static": (mean + by_user[users] + by_item[items] - ratings) ** 2}
    for column, penalty in [("b_u(t), λ_α = 50", 50.0), ("b_u(t), chosen λ_α", lam_alpha)]:
        drifting = fit_user_drift(*train, n_users, n_items, lam_alpha=penalty)
        errors[column] = (predict_user_drift(drifting, users, items, timestamps) - ratings) ** 2
    if not np.isnan(lam_day):
        fitted = fit_drift_with_days(train, n_users, n_items, lam_alpha, lam_day)
        errors["+ b_u,t (joint)"] = (predict_with_days(fitted, users, items, timestamps) - ratings) ** 2
    return pd.DataFrame(errors)


def paired(per_user, new, old):
    """new minus old, per-user MSE: 'mean [low, high]' and whether the interval excludes 0."""
    if new not in per_user:
        return "not written", False
    difference = compare(per_user[new], per_user[old])
    return f"{difference.mean:+.4f} [{difference.low:+.4f}, {difference.high:+.4f}]", difference.decided


_rmse_rows, _paired_rows = {}, {}
for _key, (_folds, _splitter, _n_users, _n_items) in SPLITS.items():
    _lam_alpha, _lam_day = choose_on_validation(_folds[0][0], _splitter, _n_users, _n_items)
    _errors = pd.concat([squared_errors(*map(timed_arrays, fold), _n_users, _n_items, _lam_alpha, _lam_day)
                         for fold in _folds])
    _rmse_rows[_key] = {"chosen λ_α": _lam_alpha, "chosen λ_day": _lam_day,
                        **np.sqrt(_errors.drop(columns="user").mean()).to_dict()}
    _per_user = _errors.groupby("user").mean()
    _paired_rows[_key] = {}
    for _new, _old in [("b_u(t), λ_α = 50", "static"), ("b_u(t), chosen λ_α", "static"),
                       ("+ b_u,t (joint)", "b_u(t), chosen λ_α")]:
        _text, _decided = paired(_per_user, _new, _old)
        _paired_rows[_key][f"{_new} − {_old}"] = _text + (" *" if _decided else "")
drift_rmse = pd.DataFrame(_rmse_rows).T
drift_paired = pd.DataFrame(_paired_rows).T
with pd.option_context("display.width", 220, "display.max_columns", 10):
    print(drift_rmse.to_string(float_format="{:.4f}".format,
                               formatters={"chosen λ_α": "{:,.0f}".format, "chosen λ_day": "{:,.0f}".format}))
    print("\nper-user MSE differences, 95 % interval; * the interval excludes 0")
    print(drift_paired.to_string())

# %% [markdown]
# ### What does $b_u(t)$ buy, and why did MovieLens forward in time look different? (3 points, graded by your instructor)
# From the two tables just printed, in five to eight sentences: what do the random folds say about
# $b_u(t)$ on each data set, and what do the two per-user forward splits say, at $\lambda_\alpha = 50$
# and with $\lambda_\alpha$ chosen on validation? Which of the three candidate causes do the tables
# support, and which not (quote the numbers you use)? What does the joint $b_{u,t}$ add, if you wrote
# it? Finally: what can a product team take from this, and what does even the forward split still
# not tell it (think of what stays in training)?

# %% [markdown] tags=["answer"] grade_id="q_drift" points=3
# On random folds b_u(t) beats the static baseline on both data sets, outside the per-user interval,
# at both λ_α values (50 and the chosen one). Forward in time at the fixed λ_α = 50 it is worse than static on the 20 % holdout of
# both data sets, outside the interval (by far the most on ml-latest-small), and within noise on the
# last nine ratings. With λ_α chosen on a validation split carved from training, b_u(t) is never worse
# than static and is better, outside the interval, on both last-nine splits and on ml-latest-small's
# 20 %; ml-100k's 20 % stays within noise. So the tables point to an untuned λ_α meeting a long
# holdout as the cause of the forward loss I saw first: the 20 % splits have far more test ratings more than 30 days past the user's
# last training day (32 % against 8 % on ml-latest-small), where dev_u(t) extrapolates furthest, and
# the chosen, larger λ_α damps the slopes. Bursty sessions are real (52-88 % of forward test ratings
# fall on a training day of the same user, more on the last-nine splits) but they do not explain a
# loss. The joint b_{u,t} lowers the RMSE a little on every split, outside the interval only on
# ml-latest-small's random folds. A product team can plan with a drifting user bias whose λ_α is chosen
# on validation, for a gain of thousandths; it should not read the random-fold gain as its own, and
# it should know that even the per-user forward split keeps other users' later ratings in training,
# so a cut at one date may show less.

# %% [markdown]
# ## 6. The reproduction table
# Now the research ritual: the five official folds, several models, the mean and spread of their
# test RMSE, next to a published table. The published reference is the benchmark in the README of the
# Surprise library (Hug 2020) for ml-100k: its baseline predictor (`BaselineOnly`), its biased matrix
# factorisation trained by stochastic gradient descent (`SVD`) and SVD++.
#
# `evaluate_on_folds` below does the bookkeeping: it fits each model on each fold's training ratings
# and scores it on that fold's test ratings. A model is a `fit_predict(train, pairs)` function that
# sees only what it must predict: `pairs` is the test users and films (and times, for the models that
# use them), never the test ratings.

# %%
def evaluate_on_folds(fit_predict, folds):
    """Test RMSE of fit_predict on each (train, test) fold; the test ratings stay hidden from the model."""
    return np.array([rmse(fit_predict(train, (test[0], test[1], *test[3:])), test[2]) for train, test in folds])


# %% [markdown]
# The models for the table, each as a `fit_predict` function. λ = 0.12 for ALS-WR is the best value
# of the grid that section 7 sweeps on fold `u1`. Notice what that means: a setting chosen by looking
# at test ratings that are also part of the table. Papers do this all the time; say so when you write
# about the table.

# %%
ALS_LAMBDA = 0.12
ALS_RANKS = [10, 50]


def global_mean_model(train, pairs):
    return predict_global_mean(train[2], len(pairs[0]))


def biases_model(train, pairs):
    mu, user_bias, item_bias = fit_biases(*train, N_USERS, N_ITEMS)
    return mu + user_bias[pairs[0]] + item_bias[pairs[1]]


def als_wr_model(rank):
    def fit_predict(train, pairs):
        model, _ = train_als_wr(train, None, N_USERS, N_ITEMS, rank=rank, lam=ALS_LAMBDA, n_iters=10)
        return predict_als(model, *pairs)
    return fit_predict


def drift_model(train, pairs):
    """Exercise 7's b_u(t); pairs are (users, items, timestamps)."""
    return predict_user_drift(fit_user_drift(*train, N_USERS, N_ITEMS), *pairs)


def day_bias_model(train, pairs):
    """b_u(t) and the optional extension's b_{u,t}, fitted jointly (lam_alpha = 50, lam_day = 5)."""
    return predict_with_days(fit_drift_with_days(train, N_USERS, N_ITEMS), *pairs)


models = {"global mean": global_mean_model, "biases (Koren)": biases_model}
models.update({f"ALS-WR rank {rank}": als_wr_model(rank) for rank in ALS_RANKS})
fold_scores = {name: evaluate_on_folds(fit_predict, FOLDS)
               for name, fit_predict in tqdm(models.items(), desc="models x 5 folds", disable=under_test())}
# The time-aware rows need the folds with times; a row whose exercise is not written yet is left out.
for name, fit_predict in {"biases + b_u(t)": drift_model, "biases + b_u(t) + b_u,t (joint)": day_bias_model}.items():
    try:
        fold_scores[name] = evaluate_on_folds(fit_predict, TIMED_FOLDS)
    except NotImplementedError:
        print(f"({name}: not written yet, so its row is left out)")
reproduction = pd.DataFrame(fold_scores, index=FOLD_NAMES).T
reproduction["mean"] = reproduction[FOLD_NAMES].mean(axis=1)
reproduction["std"] = reproduction[FOLD_NAMES].std(axis=1)
reproduction.round(4)

# %% [markdown]
# And the published numbers (Surprise README, ml-100k, 5-fold cross-validation, rounded to three decimals):

# %%
published = pd.Series({"Baseline (BaselineOnly)": 0.944, "SVD": 0.934, "SVD++": 0.919}, name="mean RMSE")

fig, ax = plt.subplots(figsize=(8, 4.4))
ours = reproduction.drop(index="global mean")
ax.barh(ours.index, ours["mean"], xerr=ours["std"], color="#3b75af", label="this notebook (u1–u5, ± std)")
ax.barh(published.index, published.values, color="#dd8452", label="Surprise README (its own 5 folds)")
ax.axvline(published["SVD++"], color="#dd8452", linestyle=":")
ax.set(xlim=(0.88, 0.97), xlabel="mean test RMSE over five folds (lower is better)",
       title="Reproduction on ml-100k")
ax.invert_yaxis()
# Below the axes, where it cannot cover a bar.
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Did you reproduce it? (3 points, graded by your instructor)
# In three to five sentences: did you reproduce the published table? Say which of your numbers match
# which of theirs and how closely, compared with the spread across folds; then name at least two ways
# in which the two tables are **not** like for like.

# %% [markdown] tags=["answer"] grade_id="q_reproduced" points=3
# Partly. My baseline predictor scores 0.942 ± 0.008 over u1–u5, well within the fold-to-fold spread
# of Surprise's 0.944, so the baseline is reproduced. ALS-WR at rank 50 reaches 0.917, below Surprise's
# SVD (0.934) and level with its SVD++ (0.919). Within my own table ALS-WR beats the biases on every
# fold, so that ranking is solid; but across the two tables a gap of 0.002 is far smaller than the
# spread between folds (about 0.007), so I cannot claim to beat SVD++. The tables are not like for like:
# Surprise drew its own random five folds instead of the official u1–u5; its SVD and SVD++ are other
# algorithms (trained by stochastic gradient descent, with their default settings); and my λ was picked
# on fold u1's test ratings, which are part of my table, so my numbers are optimistic. It is a result in
# the same range, not a reproduction of the same experiment.

# %% [markdown]
# ## 7. Under- and over-fitting: the λ sweep
# One more look at λ: train ALS-WR on fold `u1` for a range of λ and keep the last training and test
# RMSE of each run's history. Rank 25 and 8 iterations keep it quick.

# %%
def lambda_sweep(train, test, lams, rank=25, n_iters=8):
    """Final training and test RMSE of ALS-WR for each regularisation strength."""
    rows = []
    for lam in tqdm(lams, desc="lambda sweep", disable=under_test()):
        _, history = train_als_wr(train, test, N_USERS, N_ITEMS, rank=rank, lam=lam, n_iters=n_iters)
        rows.append({"lam": lam, "train_rmse": history["train"][-1], "test_rmse": history["test"][-1]})
    return pd.DataFrame(rows, columns=["lam", "train_rmse", "test_rmse"])


# %% [markdown]
# The sweep and its plot:

# %%
LAMBDAS = [0.01, 0.02, 0.04, 0.07, 0.12, 0.2, 0.35, 0.6, 1.0]  # roughly x1.7 per step
sweep = lambda_sweep(u1_train, u1_test, LAMBDAS)
_mu, _bu, _bi = fit_biases(*u1_train, N_USERS, N_ITEMS)
u1_biases_rmse = rmse(_mu + _bu[u1_test[0]] + _bi[u1_test[1]], u1_test[2])

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(sweep["lam"], sweep["train_rmse"], "o-", label="training ratings")
ax.plot(sweep["lam"], sweep["test_rmse"], "s-", label="test ratings")
ax.axhline(u1_biases_rmse, color="grey", linestyle="--", label="biases alone (test)")
best = sweep.loc[sweep["test_rmse"].idxmin()]
ax.annotate(f"best λ ≈ {best['lam']:.2f}", (best["lam"], best["test_rmse"]), xytext=(0, -25),
            textcoords="offset points", ha="center", arrowprops={"arrowstyle": "->"})
ax.text(0.011, 0.6, "over-fitting:\nlearns the training set", fontsize=9)
ax.text(0.25, 0.75, "under-fitting:\nfactors shrink to 0", fontsize=9)
ax.set(xscale="log", xlabel="λ (weighted by each user's and film's number of ratings)", ylabel="RMSE",
       title="ALS-WR on fold u1 (rank 25): the regularisation trade-off")
ax.legend(loc="upper right")
plt.show()
_train_biases_rmse = rmse(_mu + _bu[u1_train[0]] + _bi[u1_train[1]], u1_train[2])
print(sweep.round(4).to_string(index=False))
print(f"biases alone: test RMSE {u1_biases_rmse:.4f} (the dashed line), training RMSE {_train_biases_rmse:.4f}")

# %% [markdown]
# Small λ lets the factors memorise the training ratings (training error far down, test error up);
# large λ shrinks them to zero and leaves only the biases: the test curve meets the dashed line, and
# the training curve levels off at the biases' own training error, below it (both printed under the
# plot). The best test error sits in between.
#
# ## Did the reproduction meet its targets? (2 points)
# The targets for this lesson: over the five folds, a mean RMSE of **0.945 or lower** for the biases
# and **0.925 or lower** for ALS-WR (0.920 is the goal, below SVD++'s 0.919 the stretch), and a λ sweep
# whose best test error lies strictly inside the range, with both ends worse.

# %% tags=["tests"] grade_id="targets_check" points=2
expect("reproduction" in globals() and "sweep" in globals(),
       "The table `reproduction` or the λ sweep `sweep` is missing: run the table and λ-sweep cells "
       "(sections 6 and 7) first.")
_problems = []
_biases_mean = reproduction.loc["biases (Koren)", "mean"]
_best_als = reproduction.loc[[n for n in reproduction.index if n.startswith("ALS-WR")], "mean"].min()
if not _biases_mean <= 0.945:
    _problems.append(f"The biases' mean RMSE is {_biases_mean:.4f}, above the 0.945 target. Check exercise 2: "
                     "lam added to each count, film and user updates alternating.")
if not _best_als <= 0.925:
    _problems.append(f"The best ALS-WR mean RMSE is {_best_als:.4f}, above the 0.925 target. Check exercises 3 "
                     "and 4: lam times the number of ratings, factors fitted to the residuals, biases added back "
                     "in predict_als.")
if sweep["test_rmse"].idxmin() in (sweep.index[0], sweep.index[-1]):
    _problems.append("The best test RMSE of the λ sweep sits at an end of the range: the curve should show "
                     "over-fitting on the left and under-fitting on the right. Check exercises 3 and 4.")
expect(not _problems, "\n".join(_problems))
print("goal 0.920:", "reached" if _best_als <= 0.920 else "not yet", f"(best ALS-WR {_best_als:.4f})")
passed("targets met")
### BEGIN HIDDEN TESTS
# The table must hold test RMSEs: its global-mean row is recomputed independently here.
_reference = [np.sqrt(np.mean((tr[2].mean() - te[2]) ** 2)) for tr, te in FOLDS]
assert np.allclose(reproduction.loc["global mean", FOLD_NAMES].astype(float), _reference, atol=1e-9), \
    "the table's global-mean row is not the test RMSE of each fold"
assert _best_als <= 0.925 and reproduction.loc["biases (Koren)", "mean"] <= 0.945, "targets"
assert sweep["test_rmse"].iloc[0] > sweep["test_rmse"].min() + 0.01, "small lambda should over-fit visibly"
assert sweep["test_rmse"].iloc[-1] > sweep["test_rmse"].min() + 0.01, "large lambda should under-fit visibly"
### END HIDDEN TESTS

# %% [markdown]
# ## Recap
# - Equations become code in three steps: write the closed form, check it on cases you can do by hand
#   (one rating, no ratings, one dimension), then vectorise (`np.bincount`, sort-and-split, stacked
#   `np.linalg.solve`).
# - The baseline predictor adds λ to each count: plain ridge, so the fewer the ratings, the stronger
#   the shrinkage. ALS-WR multiplies λ by each count: the penalty grows exactly as the data term does,
#   so the shrinkage does **not** grow with evidence. Exercise 3's first check shows it: four ratings
#   give 4/(4 + 4λ) = 1/(1 + λ), the same fraction as one rating. A film with a single five-star
#   rating is trusted as much as a film with hundreds, which is how it can top a list (lesson 04).
# - A reproduction is full of decisions the paper does not make for you: how to initialise, how many
#   iterations, which folds, which λ, whether to add biases. Write them down.
# - A gain belongs to its data set, its split and its settings: the time-aware film bias scores a
#   lower RMSE on 22 years of data by too little to call a gain and none on 7 months; the drifting user
#   bias $b_u(t)$ helps on random folds at both $\lambda_\alpha$ values tried, while on per-user forward
#   splits (the paper's kind) it does not help at $\lambda_\alpha = 50$ and helps beyond the noise on
#   most of them, not all, once $\lambda_\alpha$ is chosen on a validation split (the starred rows of
#   section 5's second table). Name a split for what it is: random
#   folds, each user's last ratings, or a cut at one date are three different questions.
#
# ## What kind of result is this?
# Be honest about what you built: **a table that beats a number on a static data set.** Every rating in
# it was already collected; the test ratings were hidden, but they came from the same people, the same
# films and (in the official folds) the same months and often the same days as the training ratings;
# λ was tuned on them. Section 5 showed how much a model that uses time depends on the split and on a
# setting chosen properly. The
# table says nothing about whether anyone would enjoy the films this model recommends, whether it copes
# with the user who joins tomorrow, or whether it still works next year. That is the normal frame of
# research, and it is useful: it is how methods are compared. It is not how products are judged.
# Lesson 04 takes this model, asks it for your own top ten films, and puts the frame to the test.
#
# ## Further reading
# - Yunhong Zhou, Dennis Wilkinson, Robert Schreiber and Rong Pan (2008). *Large-Scale Parallel
#   Collaborative Filtering for the Netflix Prize.* In Algorithmic Aspects in Information and Management
#   (AAIM 2008), Lecture Notes in Computer Science 5034, pp. 337–348. Springer.
#   doi:10.1007/978-3-540-68880-8_32. (Section 3: ALS with weighted-λ regularisation.)
# - Yehuda Koren (2009). *Collaborative Filtering with Temporal Dynamics.* In Proceedings of the 15th
#   ACM SIGKDD International Conference on Knowledge Discovery and Data Mining (KDD '09), pp. 447–456.
#   ACM. doi:10.1145/1557019.1557072. Extended version: Communications of the ACM 53(4): 89–97, 2010.
#   (Baseline predictors and time-changing baseline predictors.)
# - Yehuda Koren (2009). *The BellKor Solution to the Netflix Grand Prize.* Netflix Prize documentation,
#   August 2009. (Section II: how the held-out sets were built from each user's last nine ratings.)
# - Yehuda Koren, Robert Bell and Chris Volinsky (2009). *Matrix Factorization Techniques for
#   Recommender Systems.* IEEE Computer 42(8): 30–37. doi:10.1109/MC.2009.263. (A readable overview.)
# - Nicolas Hug (2020). *Surprise: A Python library for recommender systems.* Journal of Open Source
#   Software 5(52): 2174. doi:10.21105/joss.02174. (The benchmark table used above is in its README.)
# - Maurizio Ferrari Dacrema, Paolo Cremonesi and Dietmar Jannach (2019). *Are We Really Making Much
#   Progress? A Worrying Analysis of Recent Neural Recommendation Approaches.* In Proceedings of the 13th
#   ACM Conference on Recommender Systems (RecSys '19), pp. 101–109. doi:10.1145/3298689.3347058.
#   (What happens when tables are checked.)
# - F. Maxwell Harper and Joseph A. Konstan (2015). *The MovieLens Datasets: History and Context.* ACM
#   Transactions on Interactive Intelligent Systems 5(4): 19. doi:10.1145/2827872.
