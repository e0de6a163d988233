"""Typical wrong answers for 03-spark-als (checked by tools/near_misses.py inside nbval's run of the solution, which runs
each wrong cell beside an otherwise correct notebook). Each named test cell must score zero, every other one full
marks, and the feedback must show the hint in `says`."""

from tools.near_misses import single_cell

STRICT_THRESHOLD = """def film_summary(ratings, movies, min_ratings):
    per_film = (ratings.groupBy("movieId")
                .agg(F.count("*").alias("n_ratings"), F.avg("rating").alias("mean_rating"))
                .filter(F.col("n_ratings") > min_ratings))
    return (per_film.join(movies.select("movieId", "title"), on="movieId")
            .select("movieId", "title", "n_ratings", "mean_rating")
            .orderBy(F.desc("mean_rating"), F.desc("n_ratings"), "movieId"))
"""

SPLIT_NOT_CACHED = """def cached_split(frame, test_fraction=0.2, seed=42):
    train, test = frame.randomSplit([1 - test_fraction, test_fraction], seed=seed)
    return train, test
"""

CODES_FROM_TRAIN_AND_TEST = """def encode_split(train, test):
    both = pd.concat([train, test])
    users = pd.Index(both["userId"].unique())
    items = pd.Index(both["movieId"].unique())
    return (train.assign(user=users.get_indexer(train["userId"]), item=items.get_indexer(train["movieId"])),
            test.assign(user=users.get_indexer(test["userId"]), item=items.get_indexer(test["movieId"])))
"""

DEFAULT_COLD_START = """def make_als(rank=10, reg_param=0.1, max_iter=10, seed=42):
    return ALS(userCol="userId", itemCol="movieId", ratingCol="rating", rank=rank, regParam=reg_param,
               maxIter=max_iter, seed=seed, numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS)


def rmse_and_dropped(model, test):
    predictions = model.transform(test)
    dropped = test.count() - predictions.count()
    rmse = RegressionEvaluator(metricName="rmse", labelCol="rating").evaluate(predictions)
    return rmse, dropped
"""

BIGGER_IS_BETTER = """def tune(estimator, train, ranks, reg_params, seed=42):
    grid = ParamGridBuilder().addGrid(estimator.rank, ranks).addGrid(estimator.regParam, reg_params).build()
    search = TrainValidationSplit(estimator=estimator, estimatorParamMaps=grid, trainRatio=0.8, seed=seed,
                                  evaluator=RegressionEvaluator(metricName="rmse", labelCol="rating"))
    fitted = search.fit(train)
    table = pd.DataFrame([{"rank": p[estimator.rank], "regParam": p[estimator.regParam], "rmse": m}
                          for p, m in zip(grid, fitted.validationMetrics)])
    return fitted.bestModel, table.sort_values("rmse", ascending=False, ignore_index=True)
"""

# Near misses: each passes a careless check and must still lose its points.
TIE_BY_HIGHEST_ID = STRICT_THRESHOLD.replace(
    '.filter(F.col("n_ratings") > min_ratings)', '.filter(F.col("n_ratings") >= min_ratings)'
).replace(
    'orderBy(F.desc("mean_rating"), F.desc("n_ratings"), "movieId")',
    'orderBy(F.desc("mean_rating"), F.desc("n_ratings"), F.desc("movieId"))',
)
assert TIE_BY_HIGHEST_ID != STRICT_THRESHOLD

UNSEEDED_SPLIT = """def cached_split(frame, test_fraction=0.2, seed=42):
    train, test = frame.randomSplit([1 - test_fraction, test_fraction])
    return train.cache(), test.cache()
"""

DROPPED_AS_DISTINCT_IDS = """def make_als(rank=10, reg_param=0.2, max_iter=10, seed=42):
    return ALS(userCol="userId", itemCol="movieId", ratingCol="rating", rank=rank, regParam=reg_param,
               maxIter=max_iter, seed=seed, coldStartStrategy="drop",
               numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS)


def rmse_and_dropped(model, test):
    known_users = model.userFactors.select(F.col("id").alias("userId"))
    known_films = model.itemFactors.select(F.col("id").alias("movieId"))
    unseen_users = test.select("userId").distinct().join(known_users, "userId", "left_anti").count()
    unseen_films = test.select("movieId").distinct().join(known_films, "movieId", "left_anti").count()
    evaluator = RegressionEvaluator(metricName="rmse", labelCol="rating", predictionCol="prediction")
    return evaluator.evaluate(model.transform(test)), unseen_users + unseen_films
"""

MEAN_SQUARED_ERROR = (
    DROPPED_AS_DISTINCT_IDS.split("\n\n\ndef rmse_and_dropped")[0]
    + """


def rmse_and_dropped(model, test):
    predictions = model.transform(test)
    dropped = test.count() - predictions.count()
    return RegressionEvaluator(metricName="mse", labelCol="rating").evaluate(predictions), dropped
"""
)

CODES_FROM_ONE = """def encode_split(train, test):
    user_ids = pd.Index(train["userId"].unique())
    item_ids = pd.Index(train["movieId"].unique())
    encode = lambda frame: frame.assign(user=user_ids.get_indexer(frame["userId"]) + 1,
                                        item=item_ids.get_indexer(frame["movieId"]) + 1)
    test_codes = encode(test)
    return encode(train), test_codes[(test_codes["user"] > 0) & (test_codes["item"] > 0)]
"""

# TrainValidationSplit's default trainRatio is 0.75, not the 0.8 asked for.
DEFAULT_TRAIN_RATIO = BIGGER_IS_BETTER.replace(", trainRatio=0.8", "").replace(
    'table.sort_values("rmse", ascending=False, ignore_index=True)', 'table.sort_values("rmse", ignore_index=True)'
)
assert DEFAULT_TRAIN_RATIO != BIGGER_IS_BETTER and "trainRatio" not in DEFAULT_TRAIN_RATIO

# The table measured on the training rows, and a grid that never varies regParam.
GRID_OF_RANKS_ONLY = """def tune(estimator, train, ranks, reg_params, seed=42):
    grid = ParamGridBuilder().addGrid(estimator.rank, ranks).build()
    search = TrainValidationSplit(estimator=estimator, estimatorParamMaps=grid, trainRatio=0.8, seed=seed,
                                  evaluator=RegressionEvaluator(metricName="rmse", labelCol="rating"))
    fitted = search.fit(train)
    table = pd.DataFrame([{"rank": p[estimator.rank], "regParam": estimator.getRegParam(), "rmse": m}
                          for p, m in zip(grid, fitted.validationMetrics)])
    return fitted.bestModel, table.sort_values("rmse", ignore_index=True)
"""

# Near misses the hidden tests catch on hand-made edge cases.
# Titles first, then ratings: a film nobody rated keeps one empty row, which count("*") counts.
FROM_THE_CATALOGUE = """def film_summary(ratings, movies, min_ratings):
    joined = movies.select("movieId", "title").join(ratings, on="movieId", how="left")
    return (joined.groupBy("movieId", "title")
            .agg(F.count("*").alias("n_ratings"), F.avg("rating").alias("mean_rating"))
            .filter(F.col("n_ratings") >= min_ratings)
            .select("movieId", "title", "n_ratings", "mean_rating")
            .orderBy(F.desc("mean_rating"), F.desc("n_ratings"), F.asc("movieId")))
"""

# Raters counted instead of ratings: the same on MovieLens, not on a table with a repeated row.
COUNTS_RATERS = STRICT_THRESHOLD.replace('F.count("*")', 'F.countDistinct("userId")').replace(
    "> min_ratings", ">= min_ratings"
)
assert COUNTS_RATERS != STRICT_THRESHOLD and "countDistinct" in COUNTS_RATERS

# sample + subtract: subtract is EXCEPT DISTINCT, so repeated rows vanish from train.
SAMPLE_AND_SUBTRACT = """def cached_split(frame, test_fraction=0.2, seed=42):
    test = frame.sample(fraction=test_fraction, seed=seed)
    return frame.subtract(test).cache(), test.cache()
"""

# A row with an unseen user and an unseen film counted twice.
# The grid built regParam first, the rows labelled as if rank came first: every RMSE on another point's row.
LABELS_IN_ANOTHER_ORDER = """def tune(estimator, train, ranks, reg_params, seed=42):
    import itertools
    grid = ParamGridBuilder().addGrid(estimator.regParam, reg_params).addGrid(estimator.rank, ranks).build()
    search = TrainValidationSplit(estimator=estimator, estimatorParamMaps=grid, trainRatio=0.8, seed=seed,
                                  evaluator=RegressionEvaluator(metricName="rmse", labelCol="rating"))
    fitted = search.fit(train)
    table = pd.DataFrame([{"rank": rank, "regParam": reg, "rmse": m}
                          for (rank, reg), m in zip(itertools.product(ranks, reg_params), fitted.validationMetrics)])
    return fitted.bestModel, table.sort_values("rmse", ignore_index=True)
"""

DROPPED_COUNTED_PER_CAUSE = (
    DROPPED_AS_DISTINCT_IDS.split("\n\n\ndef rmse_and_dropped")[0]
    + """


def rmse_and_dropped(model, test):
    known_users = model.userFactors.select(F.col("id").alias("userId"))
    known_films = model.itemFactors.select(F.col("id").alias("movieId"))
    dropped = (test.join(known_users, "userId", "left_anti").count()
               + test.join(known_films, "movieId", "left_anti").count())
    evaluator = RegressionEvaluator(metricName="rmse", labelCol="rating", predictionCol="prediction")
    return evaluator.evaluate(model.transform(test)), dropped
"""
)

# Series.map gives NaN for unknown ids, so the codes become floats.
FLOAT_CODES = """def encode_split(train, test):
    users = {u: i for i, u in enumerate(train["userId"].unique())}
    items = {m: i for i, m in enumerate(train["movieId"].unique())}
    encode = lambda frame: frame.assign(user=frame["userId"].map(users), item=frame["movieId"].map(items))
    return encode(train), encode(test).dropna(subset=["user", "item"])
"""

# Columns added to the caller's frames.
CODES_IN_PLACE = """def encode_split(train, test):
    user_ids = pd.Index(train["userId"].unique())
    item_ids = pd.Index(train["movieId"].unique())
    for frame in (train, test):
        frame["user"] = user_ids.get_indexer(frame["userId"])
        frame["item"] = item_ids.get_indexer(frame["movieId"])
    return train, test[(test["user"] >= 0) & (test["item"] >= 0)]
"""

# The lesson's 80/20 typed in: right for the lesson's own call, not for another test_fraction.
FIXED_WEIGHTS = """def cached_split(frame, test_fraction=0.2, seed=42):
    train, test = frame.randomSplit([0.8, 0.2], seed=seed)
    return train.cache(), test.cache()
"""

WRONG_ANSWERS = [
    dict(
        name="strict-threshold-uncached-split-codes-from-both-dropped-per-cause",
        cells={
            "ex1_film_summary": STRICT_THRESHOLD,
            "ex2_split": SPLIT_NOT_CACHED,
            "ex4_encode": CODES_FROM_TRAIN_AND_TEST,
            "ex3_als": DROPPED_COUNTED_PER_CAUSE,
            "ex5_tune": LABELS_IN_ANOTHER_ORDER,
        },
        loses=["ex1_film_summary_check", "ex2_split_check", "ex4_encode_check", "ex3_als_check", "ex5_tune_check"],
        says={
            "ex1_film_summary_check": "'at least' means >=",
            "ex2_split_check": "should both be cached",
            "ex4_encode_check": "from the training set only",
            "ex3_als_check": "count once each",
            "ex5_tune_check": "must sit on its own grid point's row",
        },
    ),
    dict(
        name="nan-cold-start-worst-first-raters-subtract-float-codes",
        cells={
            "ex3_als": DEFAULT_COLD_START,
            "ex5_tune": BIGGER_IS_BETTER,
            "ex1_film_summary": COUNTS_RATERS,
            "ex2_split": SAMPLE_AND_SUBTRACT,
            "ex4_encode": FLOAT_CODES,
        },
        loses=["ex3_als_check", "ex5_tune_check", "ex1_film_summary_check", "ex2_split_check", "ex4_encode_check"],
        says={
            "ex3_als_check": "Set coldStartStrategy='drop'",
            "ex5_tune_check": "lower is better",
            "ex1_film_summary_check": "not distinct users",
            "ex2_split_check": "not sample + subtract",
            "ex4_encode_check": "should be integers",
        },
    ),
    dict(
        name="ties-by-highest-id-unseeded-split-codes-from-one",
        cells={
            "ex1_film_summary": TIE_BY_HIGHEST_ID,
            "ex2_split": UNSEEDED_SPLIT,
            "ex4_encode": CODES_FROM_ONE,
            "ex3_als": DROPPED_AS_DISTINCT_IDS,
            "ex5_tune": DEFAULT_TRAIN_RATIO,
        },
        loses=["ex1_film_summary_check", "ex2_split_check", "ex3_als_check", "ex4_encode_check", "ex5_tune_check"],
        says={
            "ex1_film_summary_check": "films 14 and 15 tie on both",
            "ex2_split_check": "pass seed to randomSplit",
            "ex3_als_check": "Count rows, not users or films",
            "ex4_encode_check": "their codes should be 0, 1, 2",
            "ex5_tune_check": "Check trainRatio, seed and metricName",
        },
    ),
    dict(
        name="mse-grid-of-ranks-catalogue-join-codes-in-place-fixed-weights",
        cells={
            "ex3_als": MEAN_SQUARED_ERROR,
            "ex5_tune": GRID_OF_RANKS_ONLY,
            "ex1_film_summary": FROM_THE_CATALOGUE,
            "ex4_encode": CODES_IN_PLACE,
            "ex2_split": FIXED_WEIGHTS,
        },
        loses=["ex3_als_check", "ex5_tune_check", "ex1_film_summary_check", "ex4_encode_check", "ex2_split_check"],
        says={
            "ex2_split_check": "Build the weights from the argument",
            "ex3_als_check": "metricName='rmse'",
            "ex5_tune_check": "Add both parameters to one ParamGridBuilder",
            "ex1_film_summary_check": "which nobody rated",
            "ex4_encode_check": "changed the frames it was given",
        },
    ),
]

# Near misses of make_als alone (each an entry of its own; cheap: Exercise 3's segment only).
RMSE_AND_DROPPED = """

def rmse_and_dropped(model, test):
    predictions = model.transform(test).cache()
    dropped = test.count() - predictions.count()
    rmse = RegressionEvaluator(metricName="rmse", labelCol="rating", predictionCol="prediction").evaluate(predictions)
    predictions.unpersist()
    return rmse, dropped
"""
# The lesson's 0.2 typed in, so the argument is ignored.
TYPED_REG_PARAM = (
    """def make_als(rank=10, reg_param=0.2, max_iter=10, seed=42):
    return ALS(userCol="userId", itemCol="movieId", ratingCol="rating", implicitPrefs=False,
               rank=rank, regParam=0.2, maxIter=max_iter, seed=seed, coldStartStrategy="drop",
               numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS)
"""
    + RMSE_AND_DROPPED
)
# Non-negative factors: another model than the lesson's (the hidden reference fit tells them apart).
NONNEGATIVE = TYPED_REG_PARAM.replace("regParam=0.2,", "regParam=reg_param, nonnegative=True,")
WRONG_ANSWERS += [
    dict(
        name="reg-param-typed-in", cell="ex3_als", source=TYPED_REG_PARAM, loses=["ex3_als_check"], says="regParam=0.2"
    ),
    dict(name="nonnegative-factors", cell="ex3_als", source=NONNEGATIVE, loses=["ex3_als_check"], says="nonnegative"),
]
# A near miss a third pass found scoring full marks: duplicate predictions removed, so a test row that can be
# scored but appears twice counts once among the predictions and once as "dropped".
DISTINCT_PREDICTIONS = NONNEGATIVE.replace("regParam=reg_param, nonnegative=True,", "regParam=reg_param,").replace(
    "predictions = model.transform(test).cache()", "predictions = model.transform(test).dropDuplicates().cache()"
)
assert "dropDuplicates" in DISTINCT_PREDICTIONS and "nonnegative" not in DISTINCT_PREDICTIONS
WRONG_ANSWERS += single_cell("ex3_als", ("distinct-predictions", DISTINCT_PREDICTIONS, "as they are (no distinct)"))
# Near misses whose feedback pointed elsewhere: the tuple in the other order (its "dropped" is the RMSE), and
# code 0 taken for "unknown" (the first user's and film's test rows are dropped).
SWAPPED_TUPLE = DISTINCT_PREDICTIONS.replace(".dropDuplicates()", "").replace(
    "return rmse, dropped", "return dropped, rmse"
)
CODES_ABOVE_ZERO = """def encode_split(train, test):
    users, items = pd.Index(train["userId"].unique()), pd.Index(train["movieId"].unique())
    def encode(frame):
        return frame.assign(user=users.get_indexer(frame["userId"]), item=items.get_indexer(frame["movieId"]))
    test_codes = encode(test)
    return encode(train), test_codes[(test_codes["user"] > 0) & (test_codes["item"] > 0)]
"""
assert "return dropped, rmse" in SWAPPED_TUPLE and "dropDuplicates" not in SWAPPED_TUPLE
WRONG_ANSWERS += single_cell("ex3_als", ("tuple-in-the-other-order", SWAPPED_TUPLE, "looks like (dropped, rmse)"))
WRONG_ANSWERS += single_cell(
    "ex4_encode", ("code-zero-taken-for-unknown", CODES_ABOVE_ZERO, "0 is a code like any other")
)
