"""Typical wrong answers for 03-spark-als, bundled into two submissions (each is a
whole notebook run). Each named test cell must score zero, every other one full
marks, and the feedback must show the hint in `says`."""

STRICT_THRESHOLD = '''def film_summary(ratings, movies, min_ratings):
    per_film = (ratings.groupBy("movieId")
                .agg(F.count("*").alias("n_ratings"), F.avg("rating").alias("mean_rating"))
                .filter(F.col("n_ratings") > min_ratings))
    return (per_film.join(movies.select("movieId", "title"), on="movieId")
            .select("movieId", "title", "n_ratings", "mean_rating")
            .orderBy(F.desc("mean_rating"), F.desc("n_ratings"), "movieId"))
'''

SPLIT_NOT_CACHED = '''def cached_split(frame, test_fraction=0.2, seed=42):
    train, test = frame.randomSplit([1 - test_fraction, test_fraction], seed=seed)
    return train, test
'''

CODES_FROM_TRAIN_AND_TEST = '''def encode_split(train, test):
    both = pd.concat([train, test])
    users = pd.Index(both["userId"].unique())
    items = pd.Index(both["movieId"].unique())
    return (train.assign(user=users.get_indexer(train["userId"]), item=items.get_indexer(train["movieId"])),
            test.assign(user=users.get_indexer(test["userId"]), item=items.get_indexer(test["movieId"])))
'''

DEFAULT_COLD_START = '''def make_als(rank=10, reg_param=0.1, max_iter=10, seed=42):
    return ALS(userCol="userId", itemCol="movieId", ratingCol="rating", rank=rank, regParam=reg_param,
               maxIter=max_iter, seed=seed, numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS)


def rmse_and_dropped(model, test):
    predictions = model.transform(test)
    dropped = test.count() - predictions.count()
    rmse = RegressionEvaluator(metricName="rmse", labelCol="rating").evaluate(predictions)
    return rmse, dropped
'''

BIGGER_IS_BETTER = '''def tune(estimator, train, ranks, reg_params, seed=42):
    grid = ParamGridBuilder().addGrid(estimator.rank, ranks).addGrid(estimator.regParam, reg_params).build()
    search = TrainValidationSplit(estimator=estimator, estimatorParamMaps=grid, trainRatio=0.8, seed=seed,
                                  evaluator=RegressionEvaluator(metricName="rmse", labelCol="rating"))
    fitted = search.fit(train)
    table = pd.DataFrame([{"rank": p[estimator.rank], "regParam": p[estimator.regParam], "rmse": m}
                          for p, m in zip(grid, fitted.validationMetrics)])
    return fitted.bestModel, table.sort_values("rmse", ascending=False, ignore_index=True)
'''

WRONG_ANSWERS = [
    dict(name="strict-threshold-uncached-split-codes-from-both",
         cells={"ex1_film_summary": STRICT_THRESHOLD, "ex2_split": SPLIT_NOT_CACHED,
                "ex4_encode": CODES_FROM_TRAIN_AND_TEST},
         loses=["ex1_film_summary_check", "ex2_split_check", "ex4_encode_check"],
         says={"ex1_film_summary_check": "'at least' means >=",
               "ex2_split_check": "should both be cached",
               "ex4_encode_check": "from the training set only"}),
    dict(name="nan-cold-start-and-highest-rmse-first",
         cells={"ex3_als": DEFAULT_COLD_START, "ex5_tune": BIGGER_IS_BETTER},
         loses=["ex3_als_check", "ex5_tune_check"],
         says={"ex3_als_check": "Set coldStartStrategy='drop'",
               "ex5_tune_check": "lower is better"}),
]
