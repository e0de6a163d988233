"""Typical wrong answers for 01-paper-to-code (checked by tests/test_grading.py).

Each entry replaces several solution cells at once; the near-miss check (tools/near_misses.py) runs each wrong cell beside an
otherwise correct notebook, and nbgrader grades the first entry as a whole submission. The exercises' test cells are
isolated from each other (hidden tests run the student's function on reference
building blocks or stand-ins), so each mistake costs its own exercise. The final
`targets_check` cell grades the whole reproduction (table and λ sweep), so any entry
that breaks the chain on real data also loses it (shown by the whole submission); its hint names the exercises to check.

The near misses of exercises 6 and 7 (the drifting user bias) are the solution with one
thing changed, made by `_variant` from the authoring source so they follow it; `_variant`
fails loudly if the text it changes is no longer there.
"""

import re
from pathlib import Path

_SOURCE = (Path(__file__).resolve().parents[2] / "authoring" / "01-paper-to-code.py").read_text()


def _solution(grade_id):
    """The solution cell `grade_id` of the authoring source, as the student would have written it."""
    match = re.search(rf'^# %% tags=\["solution"\] grade_id="{grade_id}"\n(.*?)(?=^# %%)', _SOURCE, re.S | re.M)
    return match.group(1)


def _variant(grade_id, *replacements):
    """The solution of `grade_id` with each (old, new) text replaced once."""
    text = _solution(grade_id)
    for old, new in replacements:
        assert text.count(old) == 1, f"{grade_id}: {old!r} is not in the solution exactly once"
        text = text.replace(old, new)
    return text


RMSE_WITHOUT_ROOT = """
def rmse(predicted, actual):
    errors = np.asarray(predicted, dtype=float) - np.asarray(actual, dtype=float)
    return float(np.mean(errors ** 2))


def predict_global_mean(train_ratings, n_predictions):
    return np.full(n_predictions, float(np.mean(train_ratings)))
"""

BIASES_WITHOUT_LAMBDA = """
def fit_biases(users, items, ratings, n_users, n_items, lam=5.0, n_steps=10):
    mu = float(np.mean(ratings))
    user_counts = np.maximum(np.bincount(users, minlength=n_users), 1)
    item_counts = np.maximum(np.bincount(items, minlength=n_items), 1)
    user_bias, item_bias = np.zeros(n_users), np.zeros(n_items)
    for _ in range(n_steps):
        item_bias = np.bincount(items, ratings - mu - user_bias[users], minlength=n_items) / item_counts
        user_bias = np.bincount(users, ratings - mu - item_bias[items], minlength=n_users) / user_counts
    return mu, user_bias, item_bias
"""

HALF_STEP_PLAIN_LAMBDA = """
def als_half_step(rows, cols, values, fixed_factors, n_rows, lam):
    rank = fixed_factors.shape[1]
    order = np.argsort(rows, kind="stable")
    block_factors = fixed_factors[cols[order]]
    block_values = values[order]
    counts = np.bincount(rows, minlength=n_rows)
    gram = np.zeros((n_rows, rank, rank))
    rhs = np.zeros((n_rows, rank))
    start = 0
    for row, end in enumerate(np.cumsum(counts)):
        block = block_factors[start:end]
        gram[row] = block.T @ block
        rhs[row] = block_values[start:end] @ block
        start = end
    gram += lam * np.eye(rank)  # the same penalty for every row: plain ridge, not ALS-WR
    return np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]
"""

HALF_STEP_WITHOUT_EMPTY_ROWS = """
def als_half_step(rows, cols, values, fixed_factors, n_rows, lam):
    rank = fixed_factors.shape[1]
    counts = np.bincount(rows, minlength=n_rows)
    gram = np.zeros((n_rows, rank, rank))
    rhs = np.zeros((n_rows, rank))
    for row in range(n_rows):
        block = fixed_factors[cols[rows == row]]
        gram[row] = block.T @ block + lam * counts[row] * np.eye(rank)
        rhs[row] = values[rows == row] @ block
    return np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]
"""

PREDICT_WITHOUT_BIASES = """
def predict_als(model, users, items):
    mu, user_bias, item_bias, user_factors, item_factors = model
    return np.einsum("ij,ij->i", user_factors[users], item_factors[items])


def train_als_wr(train, test, n_users, n_items, rank=50, lam=0.12, n_iters=10, seed=0, bias_lam=5.0):
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
"""

FACTORS_ON_RAW_RATINGS = """
def predict_als(model, users, items):
    mu, user_bias, item_bias, user_factors, item_factors = model
    interaction = np.einsum("ij,ij->i", user_factors[users], item_factors[items])
    return mu + user_bias[users] + item_bias[items] + interaction


def train_als_wr(train, test, n_users, n_items, rank=50, lam=0.12, n_iters=10, seed=0, bias_lam=5.0):
    users, items, ratings = train
    mu, user_bias, item_bias = fit_biases(users, items, ratings, n_users, n_items, lam=bias_lam)
    rng = np.random.default_rng(seed)
    item_factors = rng.normal(0.0, 0.1, size=(n_items, rank))
    history = {"train": [], "test": []}
    for _ in range(n_iters):
        user_factors = als_half_step(users, items, ratings, item_factors, n_users, lam)
        item_factors = als_half_step(items, users, ratings, user_factors, n_items, lam)
        model = (mu, user_bias, item_bias, user_factors, item_factors)
        history["train"].append(rmse(predict_als(model, users, items), ratings))
        if test is not None:
            history["test"].append(rmse(predict_als(model, test[0], test[1]), test[2]))
    return model, history
"""

TIME_BINS_NOT_CLIPPED = """
def time_bin(times, t_min, t_max, n_bins):
    times = np.asarray(times, dtype=float)
    if t_max <= t_min:
        return np.zeros(times.shape, dtype=int)
    return np.floor((times - t_min) / (t_max - t_min) * n_bins).astype(int)


def fit_time_biases(users, items, ratings, bins, n_users, n_items, n_bins, lam=5.0, lam_bin=25.0, n_steps=10):
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


def predict_time_biases(model, users, items, bins):
    mu, user_bias, item_bias, item_bin_bias = model
    return mu + user_bias[users] + item_bias[items] + item_bin_bias[items, bins]
"""

BIN_BIASES_NOT_REGULARISED = """
def time_bin(times, t_min, t_max, n_bins):
    times = np.asarray(times, dtype=float)
    if t_max <= t_min:
        return np.zeros(times.shape, dtype=int)
    scaled = np.floor((times - t_min) / (t_max - t_min) * n_bins).astype(int)
    return np.clip(scaled, 0, n_bins - 1)


def fit_time_biases(users, items, ratings, bins, n_users, n_items, n_bins, lam=5.0, lam_bin=25.0, n_steps=10):
    mu = float(np.mean(ratings))
    pairs = items * n_bins + bins
    user_counts = np.bincount(users, minlength=n_users)
    item_counts = np.bincount(items, minlength=n_items)
    pair_counts = np.maximum(np.bincount(pairs, minlength=n_items * n_bins), 1)
    user_bias, item_bias = np.zeros(n_users), np.zeros(n_items)
    pair_bias = np.zeros(n_items * n_bins)
    for _ in range(n_steps):
        item_bias = np.bincount(items, ratings - mu - user_bias[users] - pair_bias[pairs],
                                minlength=n_items) / (lam + item_counts)
        pair_bias = np.bincount(pairs, ratings - mu - user_bias[users] - item_bias[items],
                                minlength=n_items * n_bins) / pair_counts
        user_bias = np.bincount(users, ratings - mu - item_bias[items] - pair_bias[pairs],
                                minlength=n_users) / (lam + user_counts)
    return mu, user_bias, item_bias, pair_bias.reshape(n_items, n_bins)


def predict_time_biases(model, users, items, bins):
    mu, user_bias, item_bias, item_bin_bias = model
    return mu + user_bias[users] + item_bias[items] + item_bin_bias[items, bins]
"""

HALF_STEP_NUMPY2_SOLVE = """
def als_half_step(rows, cols, values, fixed_factors, n_rows, lam):
    rank = fixed_factors.shape[1]
    order = np.argsort(rows, kind="stable")
    block_factors = fixed_factors[cols[order]]
    block_values = values[order]
    counts = np.bincount(rows, minlength=n_rows)
    gram = np.zeros((n_rows, rank, rank))
    rhs = np.zeros((n_rows, rank))
    start = 0
    for row, end in enumerate(np.cumsum(counts)):
        block = block_factors[start:end]
        gram[row] = block.T @ block
        rhs[row] = block_values[start:end] @ block
        start = end
    gram += (lam * np.maximum(counts, 1))[:, None, None] * np.eye(rank)
    return np.linalg.solve(gram, rhs)  # NumPy 2 reads a 2-d right-hand side as one matrix
"""

HALF_STEP_WRAPS_NUMPY_ALS = """
from paper2prod.numpy_als import solve_factors


def als_half_step(rows, cols, values, fixed_factors, n_rows, lam):
    order = np.argsort(rows, kind="stable")
    return solve_factors(rows[order], cols[order], values[order], fixed_factors, n_rows, lam)
"""

TRAINING_WRAPS_NUMPY_ALS = """
from paper2prod.numpy_als import solve_factors


def predict_als(model, users, items):
    mu, user_bias, item_bias, user_factors, item_factors = model
    interaction = np.einsum("ij,ij->i", user_factors[users], item_factors[items])
    return mu + user_bias[users] + item_bias[items] + interaction


def train_als_wr(train, test, n_users, n_items, rank=50, lam=0.12, n_iters=10, seed=0, bias_lam=5.0):
    users, items, ratings = train
    mu, user_bias, item_bias = fit_biases(users, items, ratings, n_users, n_items, lam=bias_lam)
    residuals = ratings - mu - user_bias[users] - item_bias[items]
    by_user, by_item = np.argsort(users, kind="stable"), np.argsort(items, kind="stable")
    item_factors = np.random.default_rng(seed).normal(0.0, 0.1, size=(n_items, rank))
    history = {"train": [], "test": []}
    for _ in range(n_iters):
        user_factors = solve_factors(users[by_user], items[by_user], residuals[by_user], item_factors, n_users, lam)
        item_factors = solve_factors(items[by_item], users[by_item], residuals[by_item], user_factors, n_items, lam)
        model = (mu, user_bias, item_bias, user_factors, item_factors)
        history["train"].append(rmse(predict_als(model, users, items), ratings))
        if test is not None:
            history["test"].append(rmse(predict_als(model, test[0], test[1]), test[2]))
    return model, history
"""

TRAINING_SEED_IGNORED = _variant("ex4_training", ("rng = np.random.default_rng(seed)", "rng = np.random.default_rng()"))

GLOBAL_MEAN_SCALAR = _variant(
    "ex1_rmse", ("return np.full(n_predictions, float(np.mean(train_ratings)))", "return float(np.mean(train_ratings))")
)

BIASES_ONE_STEP = _variant("ex2_biases", ("for _ in range(n_steps):", "for _ in range(1):"))

GLOBAL_MEAN_MEDIAN = _variant(
    "ex1_rmse",
    (
        "np.full(n_predictions, float(np.mean(train_ratings)))",
        "np.full(n_predictions, float(np.median(train_ratings)))",
    ),
)

# Exercise 2: each bias from mu alone (no alternation), and the two updates in the other order.
BIASES_NOT_ALTERNATING = _variant(
    "ex2_biases",
    ("weights=ratings - mu - user_bias[users]", "weights=ratings - mu"),
    ("weights=ratings - mu - item_bias[items]", "weights=ratings - mu"),
)
_FILM_UPDATE = (
    "        item_sums = np.bincount(items, weights=ratings - mu - user_bias[users], minlength=n_items)\n"
    "        item_bias = item_sums / (lam + item_counts)\n"
)
_USER_UPDATE = (
    "        user_sums = np.bincount(users, weights=ratings - mu - item_bias[items], minlength=n_users)\n"
    "        user_bias = user_sums / (lam + user_counts)\n"
)
BIASES_USERS_FIRST = _variant("ex2_biases", (_FILM_UPDATE + _USER_UPDATE, _USER_UPDATE + _FILM_UPDATE))

# Exercise 3: ratings taken to arrive sorted by row; n_r counted as distinct films in the penalty.
HALF_STEP_ASSUMES_SORTED = _variant(
    "ex3_half_step",
    ('order = np.argsort(rows, kind="stable")', "order = np.arange(rows.size)  # assumes ratings sorted by row"),
)
HALF_STEP_DISTINCT_COUNTS = _variant(
    "ex3_half_step",
    (
        "gram += (lam * np.maximum(counts, 1))[:, None, None] * np.eye(rank)",
        "distinct = np.bincount(np.unique(np.c_[rows, cols], axis=0)[:, 0], minlength=n_rows)\n"
        "    gram += (lam * np.maximum(distinct, 1))[:, None, None] * np.eye(rank)",
    ),
)

# Exercise 4: the half-steps in the other order (random user factors, films solved first); the model
# (and its history entry) built between the two half-steps, so the returned film factors are stale.
_USERS_THEN_FILMS = (
    "        user_factors = als_half_step(users, items, residuals, item_factors, n_users, lam)\n"
    "        item_factors = als_half_step(items, users, residuals, user_factors, n_items, lam)\n"
)
TRAINING_FILMS_FIRST = _variant(
    "ex4_training",
    (
        "item_factors = rng.normal(0.0, 0.1, size=(n_items, rank))",
        "user_factors = rng.normal(0.0, 0.1, size=(n_users, rank))",
    ),
    (_USERS_THEN_FILMS, "\n".join(reversed(_USERS_THEN_FILMS.rstrip("\n").split("\n"))) + "\n"),
)
TRAINING_MODEL_BEFORE_FILMS = _variant(
    "ex4_training",
    (
        "        item_factors = als_half_step(items, users, residuals, user_factors, n_items, lam)\n"
        "        model = (mu, user_bias, item_bias, user_factors, item_factors)\n",
        "        model = (mu, user_bias, item_bias, user_factors, item_factors)\n"
        "        item_factors = als_half_step(items, users, residuals, user_factors, n_items, lam)\n",
    ),
)

# Exercise 5: the two penalties swapped; the user biases updated before the film-bin biases.
TIME_BIAS_LAMBDAS_SWAPPED = _variant(
    "ex5_time_bias",
    ("minlength=n_items) / (lam + item_counts)", "minlength=n_items) / (lam_bin + item_counts)"),
    ("minlength=n_items * n_bins) / (lam_bin + pair_counts)", "minlength=n_items * n_bins) / (lam + pair_counts)"),
    ("minlength=n_users) / (lam + user_counts)", "minlength=n_users) / (lam_bin + user_counts)"),
)
_PAIR_UPDATE = (
    "        pair_bias = np.bincount(pairs, ratings - mu - user_bias[users] - item_bias[items],\n"
    "                                minlength=n_items * n_bins) / (lam_bin + pair_counts)\n"
)
_USER_BIN_UPDATE = (
    "        user_bias = np.bincount(users, ratings - mu - item_bias[items] - pair_bias[pairs],\n"
    "                                minlength=n_users) / (lam + user_counts)\n"
)
TIME_BIAS_USERS_BEFORE_BINS = _variant(
    "ex5_time_bias", (_PAIR_UPDATE + _USER_BIN_UPDATE, _USER_BIN_UPDATE + _PAIR_UPDATE)
)

# Exercise 6: the drift term.
_DAYS = "return np.asarray(timestamps).astype(np.int64) // SECONDS_PER_DAY"
_DEV = "return np.sign(offset) * np.abs(offset) ** beta"
_MEAN = "return day_sums / np.maximum(counts, 1)"
_PER_USER = "pd.Series(rating_days(timestamps)).groupby(users)"
_ALL_USERS = ".reindex(range(n_users), fill_value=0).to_numpy(float)"
DRIFT_BETA_MULTIPLIES = _variant("ex6_drift_terms", (_DEV, "return np.sign(offset) * np.abs(offset) * beta"))
DRIFT_SIGN_LOST = _variant("ex6_drift_terms", (_DEV, "return np.abs(offset) ** beta"))
DRIFT_BETA_IGNORED = _variant("ex6_drift_terms", (_DEV, "return np.sign(offset) * np.abs(offset) ** 0.4"))
DAYS_IN_SECONDS = _variant("ex6_drift_terms", (_DAYS, "return np.asarray(timestamps)"))
DAYS_FRACTIONAL = _variant("ex6_drift_terms", (_DAYS, "return np.asarray(timestamps) / SECONDS_PER_DAY"))
MEAN_DAY_IS_MEDIAN = _variant("ex6_drift_terms", (_MEAN, f"return {_PER_USER}.median(){_ALL_USERS}"))
MEAN_DAY_IS_FIRST_DAY = _variant("ex6_drift_terms", (_MEAN, f"return {_PER_USER}.min(){_ALL_USERS}"))
MEAN_DAY_OF_DISTINCT_DAYS = _variant(
    "ex6_drift_terms", (_MEAN, f"return {_PER_USER}.agg(lambda d: d.unique().mean()){_ALL_USERS}")
)
MEAN_DAY_NAN_WITHOUT_RATINGS = _variant("ex6_drift_terms", (_MEAN, "return day_sums / counts"))

# Exercise 7: fitting and predicting with b_u(t).
_ALPHA = (
    "        alpha = np.bincount(users, deviation * (ratings - mu - user_bias[users] - item_bias[items]),\n"
    "                            minlength=n_users) / (lam_alpha + deviation_squares)\n"
)
ALPHA_NOT_REGULARISED = _variant(
    "ex7_user_drift", ("/ (lam_alpha + deviation_squares)", "/ np.maximum(deviation_squares, 1e-12)")
)
ALPHA_UPDATED_FIRST = _variant(
    "ex7_user_drift",
    (_ALPHA, ""),
    ("        user_drift = alpha[users] * deviation\n", _ALPHA + "        user_drift = alpha[users] * deviation\n"),
)
STEPS_FIXED_AT_TEN = _variant("ex7_user_drift", ("for _ in range(n_steps):", "for _ in range(10):"))
BIASES_IGNORE_DRIFT = _variant("ex7_user_drift", ("user_drift = alpha[users] * deviation", "user_drift = 0.0"))
FIT_BETA_IGNORED = _variant(
    "ex7_user_drift",
    (
        "deviation = drift(rating_days(timestamps), mean_day[users], beta)",
        "deviation = drift(rating_days(timestamps), mean_day[users])",
    ),
)
MEAN_DAY_FROM_PREDICTED_RATINGS = _variant(
    "ex7_user_drift",
    (
        "    mu, user_bias, item_bias, alpha, mean_day = model\n",
        "    mu, user_bias, item_bias, alpha, _ = model\n"
        "    mean_day = mean_rating_day(users, timestamps, len(user_bias))  # t_u from the ratings to predict\n",
    ),
)

_ABOVE_TARGET = "above the 0.925 target"
_TABLE_MISSING = "run the table and λ-sweep cells"
WRONG_ANSWERS = [
    dict(
        name="mse-users-first-plain-lambda-films-first-unclipped-bins-beta-multiplies-unregularised-alpha",
        cells={
            "ex1_rmse": RMSE_WITHOUT_ROOT,
            "ex2_biases": BIASES_USERS_FIRST,
            "ex3_half_step": HALF_STEP_PLAIN_LAMBDA,
            "ex4_training": TRAINING_FILMS_FIRST,
            "ex5_time_bias": TIME_BINS_NOT_CLIPPED,
            "ex6_drift_terms": DRIFT_BETA_MULTIPLIES,
            "ex7_user_drift": ALPHA_NOT_REGULARISED,
        },
        loses=[
            "ex1_rmse_check",
            "ex2_biases_check",
            "ex3_half_step_check",
            "ex4_training_check",
            "ex5_time_bias_check",
            "ex6_drift_terms_check",
            "ex7_user_drift_check",
            "targets_check",
        ],
        says={
            "ex1_rmse_check": "take the square root of the mean squared error",
            "ex2_biases_check": "every film bias, then every user bias",
            "ex3_half_step_check": "Did you multiply lam by the number of ratings",
            "ex4_training_check": "solve the users first",
            "ex5_time_bias_check": "Clip the bin index",
            "ex6_drift_terms_check": "beta multiplies nothing",
            "ex7_user_drift_check": "lam_alpha in the denominator",
            "targets_check": _ABOVE_TARGET,
        },
    ),
    dict(
        name="median-biases-without-lambda-sorted-predict-without-biases-lambdas-swapped-median-day-alpha-first",
        cells={
            "ex1_rmse": GLOBAL_MEAN_MEDIAN,
            "ex2_biases": BIASES_WITHOUT_LAMBDA,
            "ex3_half_step": HALF_STEP_ASSUMES_SORTED,
            "ex4_training": PREDICT_WITHOUT_BIASES,
            "ex5_time_bias": TIME_BIAS_LAMBDAS_SWAPPED,
            "ex6_drift_terms": MEAN_DAY_IS_MEDIAN,
            "ex7_user_drift": ALPHA_UPDATED_FIRST,
        },
        loses=[
            "ex1_rmse_check",
            "ex2_biases_check",
            "ex3_half_step_check",
            "ex4_training_check",
            "ex5_time_bias_check",
            "ex6_drift_terms_check",
            "ex7_user_drift_check",
            "targets_check",
        ],
        says={
            "ex1_rmse_check": "predict the mean training rating",
            "ex2_biases_check": "Did you divide by lam + (number of ratings)",
            "ex3_half_step_check": "sort them by row first",
            "ex4_training_check": "did you forget the bias terms?",
            "ex5_time_bias_check": "lam_bin with the film-bins",
            "ex6_drift_terms_check": "not the median",
            "ex7_user_drift_check": "film biases, user biases, then alpha",
            "targets_check": _ABOVE_TARGET,
        },
    ),
    dict(
        name="not-alternating-empty-rows-raw-ratings-unregularised-bins-days-in-seconds-steps-fixed",
        cells={
            "ex2_biases": BIASES_NOT_ALTERNATING,
            "ex3_half_step": HALF_STEP_WITHOUT_EMPTY_ROWS,
            "ex4_training": FACTORS_ON_RAW_RATINGS,
            "ex5_time_bias": BIN_BIASES_NOT_REGULARISED,
            "ex6_drift_terms": DAYS_IN_SECONDS,
            "ex7_user_drift": STEPS_FIXED_AT_TEN,
        },
        loses=[
            "ex2_biases_check",
            "ex3_half_step_check",
            "ex4_training_check",
            "ex5_time_bias_check",
            "ex6_drift_terms_check",
            "ex7_user_drift_check",
            "targets_check",
        ],
        says={
            "ex2_biases_check": "(alternating)",
            "ex3_half_step_check": "Give them zero vectors",
            "ex4_training_check": "not an ALS-WR half-step of the residuals",
            "ex5_time_bias_check": "lam_bin with the film-bins",
            "ex6_drift_terms_check": "Days are timestamps // 86400",
            "ex7_user_drift_check": "n_steps should set the number of rounds",
            "targets_check": _TABLE_MISSING,
        },
    ),
    dict(
        name="numpy2-solve-users-before-bins-sign-lost-biases-ignore-drift",
        cells={
            "ex3_half_step": HALF_STEP_NUMPY2_SOLVE,
            "ex5_time_bias": TIME_BIAS_USERS_BEFORE_BINS,
            "ex6_drift_terms": DRIFT_SIGN_LOST,
            "ex7_user_drift": BIASES_IGNORE_DRIFT,
        },
        # Exercise 4's checks run the student's loop on the student's half-step, which crashes here.
        loses=[
            "ex3_half_step_check",
            "ex4_training_check",
            "ex5_time_bias_check",
            "ex6_drift_terms_check",
            "ex7_user_drift_check",
            "targets_check",
        ],
        says={
            "ex3_half_step_check": "B[:, :, None]",
            "ex4_training_check": "B[:, :, None]",
            "ex5_time_bias_check": "film biases, film-bin biases, then user biases",
            "ex6_drift_terms_check": "the sign goes outside it",
            "ex7_user_drift_check": "subtract alpha * dev in the bias updates",
            "targets_check": _TABLE_MISSING,
        },
    ),
    dict(
        name="numpy-als-half-step-scalar-mean-first-day-t_u-from-predicted",
        cells={
            "ex1_rmse": GLOBAL_MEAN_SCALAR,
            "ex3_half_step": HALF_STEP_WRAPS_NUMPY_ALS,
            "ex6_drift_terms": MEAN_DAY_IS_FIRST_DAY,
            "ex7_user_drift": MEAN_DAY_FROM_PREDICTED_RATINGS,
        },
        loses=["ex1_rmse_check", "ex3_half_step_check", "ex6_drift_terms_check", "ex7_user_drift_check"],
        says={
            "ex1_rmse_check": "should be an array of 3 predictions",
            "ex3_half_step_check": "paper2prod.numpy_als is lesson 03's reference",
            "ex6_drift_terms_check": "not the first day",
            "ex7_user_drift_check": "from training",
        },
    ),
    dict(
        name="numpy-als-training-biases-one-step-distinct-days-fit-beta-ignored",
        cells={
            "ex2_biases": BIASES_ONE_STEP,
            "ex4_training": TRAINING_WRAPS_NUMPY_ALS,
            "ex6_drift_terms": MEAN_DAY_OF_DISTINCT_DAYS,
            "ex7_user_drift": FIT_BETA_IGNORED,
        },
        # The import comes after exercise 3's check has run, so only exercise 4's check sees it.
        loses=["ex2_biases_check", "ex4_training_check", "ex6_drift_terms_check", "ex7_user_drift_check"],
        says={
            "ex2_biases_check": "repeat n_steps times",
            "ex4_training_check": "should call your als_half_step",
            "ex6_drift_terms_check": "not the distinct days",
            "ex7_user_drift_check": "use beta",
        },
    ),
    dict(
        name="distinct-counts-seed-ignored-fractional-days",
        cells={
            "ex3_half_step": HALF_STEP_DISTINCT_COUNTS,
            "ex4_training": TRAINING_SEED_IGNORED,
            "ex6_drift_terms": DAYS_FRACTIONAL,
        },
        loses=["ex3_half_step_check", "ex4_training_check", "ex6_drift_terms_check"],
        says={
            "ex3_half_step_check": "counts twice",
            "ex4_training_check": "np.random.default_rng(seed)",
            "ex6_drift_terms_check": "Days are timestamps // 86400",
        },
    ),
    dict(
        name="model-before-films-beta-ignored",
        cells={"ex4_training": TRAINING_MODEL_BEFORE_FILMS, "ex6_drift_terms": DRIFT_BETA_IGNORED},
        loses=["ex4_training_check", "ex6_drift_terms_check"],
        says={
            "ex4_training_check": "build the model (and its history entry) after both half-steps",
            "ex6_drift_terms_check": "use the beta argument",
        },
    ),
]
# MEAN_DAY_NAN_WITHOUT_RATINGS loses ex6_drift_terms_check ("0 for user 1 who has no ratings"), but in
# a full autograde it also cost ex7_user_drift_check (not in-process); left out until that is explained.
