"""Typical wrong answers for 01-paper-to-code, bundled into three submissions.

Each submission replaces several solution cells at once. The exercises' test cells are
isolated from each other (hidden tests run the student's function on reference
building blocks or stand-ins), so each mistake costs its own exercise. The final
`targets_check` cell grades the whole reproduction (table and λ sweep), so any bundle
that breaks the chain on real data also loses it; its hint names the exercises to check.
"""

RMSE_WITHOUT_ROOT = '''
def rmse(predicted, actual):
    errors = np.asarray(predicted, dtype=float) - np.asarray(actual, dtype=float)
    return float(np.mean(errors ** 2))


def predict_global_mean(train_ratings, n_predictions):
    return np.full(n_predictions, float(np.mean(train_ratings)))
'''

BIASES_WITHOUT_LAMBDA = '''
def fit_biases(users, items, ratings, n_users, n_items, lam=5.0, n_steps=10):
    mu = float(np.mean(ratings))
    user_counts = np.maximum(np.bincount(users, minlength=n_users), 1)
    item_counts = np.maximum(np.bincount(items, minlength=n_items), 1)
    user_bias, item_bias = np.zeros(n_users), np.zeros(n_items)
    for _ in range(n_steps):
        item_bias = np.bincount(items, ratings - mu - user_bias[users], minlength=n_items) / item_counts
        user_bias = np.bincount(users, ratings - mu - item_bias[items], minlength=n_users) / user_counts
    return mu, user_bias, item_bias
'''

HALF_STEP_PLAIN_LAMBDA = '''
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
'''

HALF_STEP_WITHOUT_EMPTY_ROWS = '''
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
'''

PREDICT_WITHOUT_BIASES = '''
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
'''

FACTORS_ON_RAW_RATINGS = '''
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
'''

TIME_BINS_NOT_CLIPPED = '''
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
'''

BIN_BIASES_NOT_REGULARISED = '''
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
'''

FOLDS_ON_TRAINING_DATA = '''
def evaluate_on_folds(fit_predict, folds):
    scores = []
    for train, test in folds:
        predicted = fit_predict(train, (train[0], train[1]))
        scores.append(rmse(predicted, train[2]))
    return np.array(scores)
'''

FOLDS_AVERAGED = '''
def evaluate_on_folds(fit_predict, folds):
    scores = [rmse(fit_predict(train, (test[0], test[1])), test[2]) for train, test in folds]
    return float(np.mean(scores))
'''

SWEEP_REPORTS_TRAINING_ERROR = '''
def lambda_sweep(train, test, lams, rank=25, n_iters=8):
    rows = []
    for lam in lams:
        _, history = train_als_wr(train, test, N_USERS, N_ITEMS, rank=rank, lam=lam, n_iters=n_iters)
        rows.append({"lam": lam, "train_rmse": history["train"][-1], "test_rmse": history["train"][-1]})
    return pd.DataFrame(rows, columns=["lam", "train_rmse", "test_rmse"])
'''

SWEEP_FIRST_ITERATION = '''
def lambda_sweep(train, test, lams, rank=25, n_iters=8):
    rows = []
    for lam in lams:
        _, history = train_als_wr(train, test, N_USERS, N_ITEMS, rank=rank, lam=lam, n_iters=n_iters)
        rows.append({"lam": lam, "train_rmse": history["train"][0], "test_rmse": history["test"][0]})
    return pd.DataFrame(rows, columns=["lam", "train_rmse", "test_rmse"])
'''

WRONG_ANSWERS = [
    dict(name="mse-plain-lambda-unclipped-bins-train-sweep",
         cells={"ex1_rmse": RMSE_WITHOUT_ROOT, "ex3_half_step": HALF_STEP_PLAIN_LAMBDA,
                "ex5_time_bias": TIME_BINS_NOT_CLIPPED, "ex7_sweep": SWEEP_REPORTS_TRAINING_ERROR},
         loses=["ex1_rmse_check", "ex3_half_step_check", "ex5_time_bias_check", "ex7_sweep_check",
                "targets_check"],
         says={"ex1_rmse_check": "take the square root of the mean squared error",
               "ex3_half_step_check": "Did you multiply lam by the number of ratings",
               "ex5_time_bias_check": "Clip the bin index",
               "ex7_sweep_check": "Take history['test'][-1] for the test column",
               "targets_check": "above the 0.925 target"}),
    dict(name="biases-without-lambda-predict-without-biases-folds-on-train",
         cells={"ex2_biases": BIASES_WITHOUT_LAMBDA, "ex4_training": PREDICT_WITHOUT_BIASES,
                "ex6_folds": FOLDS_ON_TRAINING_DATA},
         loses=["ex2_biases_check", "ex4_training_check", "ex6_folds_check", "targets_check"],
         says={"ex2_biases_check": "Did you divide by lam + (number of ratings)",
               "ex4_training_check": "did you forget the bias terms?",
               "ex6_folds_check": "Evaluate each fold on its test set",
               "targets_check": "above the 0.925 target"}),
    dict(name="empty-rows-raw-ratings-unregularised-bins-averaged-folds-first-iteration",
         cells={"ex3_half_step": HALF_STEP_WITHOUT_EMPTY_ROWS, "ex4_training": FACTORS_ON_RAW_RATINGS,
                "ex5_time_bias": BIN_BIASES_NOT_REGULARISED, "ex6_folds": FOLDS_AVERAGED,
                "ex7_sweep": SWEEP_FIRST_ITERATION},
         loses=["ex3_half_step_check", "ex4_training_check", "ex5_time_bias_check", "ex6_folds_check",
                "ex7_sweep_check", "targets_check"],
         says={"ex3_half_step_check": "Give them zero vectors",
               "ex4_training_check": "not an ALS-WR half-step of the residuals",
               "ex5_time_bias_check": "does not minimise the regularised squared error",
               "ex6_folds_check": "Two folds should give two RMSEs",
               "ex7_sweep_check": "not the first iteration",
               "targets_check": "run the cells of exercises 6 and 7 first"}),
]
