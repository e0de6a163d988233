# %% [markdown]
# # Lesson 03 — Spark ALS: stand on the shoulders of giants
#
# **Time:** about 75 minutes. **You need:** lessons 00 and 01 (you wrote ALS-WR there).
#
# ## Learning objectives
# By the end of this lesson you can:
# 1. load data into Spark DataFrames with explicit schemas, and read a query plan with `explain()`
#    (driver, executors, partitions, lazy evaluation, shuffles);
# 2. train `pyspark.ml.recommendation.ALS` on a cached random split and measure its RMSE, counting the
#    test rows it cannot score;
# 3. check the library against an ALS-WR you understand on the same split, and explain why Spark's
#    `regParam` is the weighted λ of ALS-WR, and what Spark's model shares with lesson 01's and what not;
# 4. tune rank and `regParam` with `TrainValidationSplit` on a small budget;
# 5. time Spark and NumPy as the data grows, and say what "Spark scales out" does and does not mean.
#
# ## Why use someone else's ALS?
# In lesson 01 you turned a paper into code and compared its numbers with a published table. That is how
# research works: the code exists to produce a result, and it is trusted because you wrote it and checked
# it once. A product team mostly does the opposite. It reaches for a library that thousands of people have
# already run, whose bugs have been found and fixed by others, and that keeps working when the data
# outgrows one machine. Spark's ALS implements the same algorithm you wrote (Zhou et al., 2008), runs on a
# laptop or on a cluster of hundreds of machines without a code change, and is maintained by someone else.
#
# Using a library well is still work: you have to know what its parameters mean, check that it does what
# you think on data you understand, avoid its traps, and know when it is the wrong tool. This lesson does
# all four.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from pyspark.ml.evaluation import RegressionEvaluator
from pyspark.ml.recommendation import ALS
from pyspark.ml.tuning import ParamGridBuilder, TrainValidationSplit
from pyspark.sql import functions as F
from tqdm.auto import tqdm

from paper2prod import data
from paper2prod.checks import expect, expect_close, passed
from paper2prod.spark import ALS_BLOCKS, get_spark, master_url

# Arrow moves pandas columns into the JVM in bulk; without it, part 5's
# million-row tables would be copied one Python object at a time.
spark = get_spark("03-spark-als", conf={"spark.sql.execution.arrow.pyspark.enabled": "true"})
print("Spark", spark.version, "on", master_url())

# %% [markdown]
# ## 1. DataFrames, and what Spark does with them
# `paper2prod.data` reads the MovieLens files with **explicit schemas**: column names and types are
# stated, so Spark neither reads the file twice to guess them nor silently turns an id into a string.

# %%
ratings = data.spark_ratings(spark, "ml-latest-small")
movies = data.spark_movies(spark, "ml-latest-small")
ratings.printSchema()
movies.printSchema()

# %% [markdown]
# ### A short tour
# - The **driver** is the program that plans the work and collects results: here, this notebook's
#   Python process and the Java virtual machine (JVM) it talks to.
# - **Executors** do the work. On a cluster they are processes on other machines; in local mode
#   (`local[*]`) they are threads inside the driver's JVM, one per core.
# - A DataFrame is cut into **partitions**. Each step of a job runs one **task** per partition, and the
#   executors run tasks in parallel.
# - Spark is **lazy**. `select`, `filter`, `groupBy` and `join` only add steps to a *plan*. An *action*
#   (`count`, `show`, `collect`, `toPandas`, fitting a model) makes Spark optimise the whole plan and run it.
# - Grouping or joining by a key has to bring rows with the same key together: a **shuffle**, shown as
#   `Exchange` in a plan. On a cluster that means sending data over the network, so it is where the time goes.

# %%
print("master:", spark.sparkContext.master, "| cores on this machine:", os.cpu_count())
print("partitions of the ratings file:", ratings.rdd.getNumPartitions())
print("partitions after a shuffle:", spark.conf.get("spark.sql.shuffle.partitions"))

# %% [markdown]
# A 2.5 MB file is read as one partition: Spark cuts files into pieces of at most 128 MB
# (`spark.sql.files.maxPartitionBytes`) and, to give every core a piece, smaller ones, but never below
# 4 MB (`spark.sql.files.openCostInBytes`). So a big file on a cluster becomes hundreds of tasks, and this
# one is a single task on any machine. After a shuffle the rows are spread over at most
# `spark.sql.shuffle.partitions` partitions (adaptive query execution, on by default, merges small ones
# while the query runs); `get_spark` sets it to 4 (Spark's default of 200 suits a cluster, not a laptop,
# where 200 tiny tasks cost more to schedule than to run).

# %% [markdown]
# ## Exercise 1 — A film summary in Spark (2 points)
# Write `film_summary(ratings, movies, min_ratings)`. Given Spark DataFrames of ratings
# (`userId, movieId, rating, timestamp`) and films (`movieId, title, genres`), return a **Spark
# DataFrame** with exactly the columns `movieId, title, n_ratings, mean_rating`: one row per film with
# **at least** `min_ratings` ratings, its title, its number of ratings and its mean rating. Order the
# rows by `mean_rating` (highest first), then `n_ratings` (highest first), then `movieId` (lowest first),
# so ties come out the same way every time.
#
# Stay in Spark: no `toPandas()` inside the function. *Hint:* `groupBy(...).agg(F.count("*")...,
# F.avg(...)...)`, then `filter`, `join` and `orderBy(F.desc(...), ...)`.

# %% tags=["solution"] grade_id="ex1_film_summary"
def film_summary(ratings, movies, min_ratings):
    """Films with at least `min_ratings` ratings: movieId, title, n_ratings, mean_rating, best first."""
    ### BEGIN SOLUTION
    per_film = (ratings.groupBy("movieId")
                .agg(F.count("*").alias("n_ratings"), F.avg("rating").alias("mean_rating"))
                .filter(F.col("n_ratings") >= min_ratings))
    return (per_film.join(movies.select("movieId", "title"), on="movieId")
            .select("movieId", "title", "n_ratings", "mean_rating")
            .orderBy(F.desc("mean_rating"), F.desc("n_ratings"), F.asc("movieId")))
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex1_film_summary_check" points=2
from pyspark.sql import DataFrame as SparkDataFrame

# Film 13: three 4.5s; film 10: 5 and 4; film 11: 4, 4, 5; film 12: a single 5; films 15 and 14: 3 and 4
# each (a tie on mean and count, listed 15 first, so only the movieId key puts them in order).
_tiny_ratings = spark.createDataFrame(
    [(1, 13, 4.5, 0), (2, 13, 4.5, 0), (3, 13, 4.5, 0), (1, 10, 5.0, 0), (2, 10, 4.0, 0),
     (1, 11, 4.0, 0), (2, 11, 4.0, 0), (3, 11, 5.0, 0), (1, 12, 5.0, 0), (1, 15, 4.0, 0), (3, 15, 3.0, 0),
     (2, 14, 3.0, 0), (3, 14, 4.0, 0)],
    schema=data.ratings_schema())
_tiny_movies = spark.createDataFrame([(m, f"Film {m}", "Drama") for m in range(10, 16)],
                                     schema=data.movies_schema())
# Which of Spark's "bring the rows to Python" calls film_summary makes (it should make none).
_pulled, _frame_class = [], type(_tiny_ratings)
_real_pulls = {name: getattr(_frame_class, name) for name in ("toPandas", "collect")}


def _recording(name, real):
    def call(self, *args, **kwargs):
        _pulled.append(name)
        return real(self, *args, **kwargs)
    return call


for _name, _real in _real_pulls.items():
    setattr(_frame_class, _name, _recording(_name, _real))
try:
    _summary = film_summary(_tiny_ratings, _tiny_movies, 2)
finally:
    for _name, _real in _real_pulls.items():
        setattr(_frame_class, _name, _real)
expect(isinstance(_summary, SparkDataFrame), f"film_summary should return a Spark DataFrame, not a "
       f"{type(_summary).__name__}: keep the work in Spark (no toPandas() inside the function).")
expect(not _pulled, f"film_summary called {sorted(set(_pulled))} on a Spark DataFrame: that brings the rows into "
       "Python, which does not scale past one machine's memory. Keep the work in Spark (groupBy, agg, filter, join, "
       "orderBy) and return the DataFrame; Spark runs it when the caller asks for rows.")
expect(_summary.columns == ["movieId", "title", "n_ratings", "mean_rating"],
       f"The columns should be ['movieId', 'title', 'n_ratings', 'mean_rating'] in that order; got "
       f"{_summary.columns}. Use .alias(...) to name aggregates and .select(...) to order columns.")
_rows = _summary.collect()
expect(sorted(r.movieId for r in _rows) == [10, 11, 13, 14, 15],
       f"With min_ratings=2 the tiny table should keep films [10, 11, 13, 14, 15] (film 12 has one rating); "
       f"got {sorted(r.movieId for r in _rows)}. Films with exactly min_ratings ratings must be kept: "
       "'at least' means >=.")
expect([r.movieId for r in _rows] == [13, 10, 11, 14, 15],
       f"Order should be [13, 10, 11, 14, 15]: by mean rating (highest first), ties by number of ratings "
       f"(highest first), then movieId (lowest first: films 14 and 15 tie on both). "
       f"Got {[r.movieId for r in _rows]}.")
expect([r.n_ratings for r in _rows] == [3, 2, 3, 2, 2] and
       np.allclose([r.mean_rating for r in _rows], [4.5, 4.5, 13 / 3, 3.5, 3.5]),
       f"Counts should be [3, 2, 3, 2, 2] and means [4.5, 4.5, 4.33, 3.5, 3.5]; got "
       f"{[(r.n_ratings, r.mean_rating) for r in _rows]}.")
expect(_rows[0].title == "Film 13", f"The title of film 13 should be 'Film 13', got {_rows[0].title!r}: "
       "join the films table on movieId.")
passed("film summary of a tiny table")
### BEGIN HIDDEN TESTS
# Hand-made edge cases, the reference computed in pandas from the same rows: a catalogue film nobody
# rated (42), a rating row given twice (film 500001: two ratings by one user), ids far from 1..n, and
# min_ratings of 1, 2 and one above every count.
_edge_rows = [(7, 500_001, 4.0, 0), (7, 500_001, 4.0, 0), (9, 30, 2.0, 0), (8, 30, 3.0, 0), (9, 193_609, 5.0, 0)]
_edge_films = [(500_001, "Twice", "Drama"), (30, "Thirty", "Drama"), (193_609, "Last", "Drama"), (42, "Unrated", "Drama")]
_edge_ratings = spark.createDataFrame(_edge_rows, schema=data.ratings_schema())
_edge_movies = spark.createDataFrame(_edge_films, schema=data.movies_schema())
_edge_pd = pd.DataFrame(_edge_rows, columns=["userId", "movieId", "rating", "timestamp"])
for _min in (1, 2, 3):
    _want = (_edge_pd.groupby("movieId")["rating"].agg(n_ratings="count", mean_rating="mean").reset_index()
             .query("n_ratings >= @_min").sort_values(["mean_rating", "n_ratings", "movieId"],
                                                      ascending=[False, False, True]))
    _edge = film_summary(_edge_ratings, _edge_movies, _min)
    _got = [(r.movieId, r.n_ratings, r.mean_rating) for r in _edge.collect()]
    assert 42 not in [g[0] for g in _got], (
        f"film_summary(..., min_ratings={_min}) lists film 42, which nobody rated, with "
        f"{[g[1:] for g in _got if g[0] == 42]}: a film with no ratings has fewer than {_min}. Aggregate the "
        "ratings first and join the titles after (a left join from the films table counts its empty row as a "
        "rating).")
    assert [g[0] for g in _got] == list(_want.movieId), (
        f"film_summary(..., min_ratings={_min}) on a small table lists films {[g[0] for g in _got]}, expected "
        f"{list(_want.movieId)}")
    assert [g[1] for g in _got] == list(_want.n_ratings), (
        f"n_ratings is {[g[1] for g in _got]}, expected {list(_want.n_ratings)}: a rating row that occurs twice "
        "is two ratings. Count rows (F.count('*')), not distinct users.")
    assert np.allclose([g[2] for g in _got], _want.mean_rating), "mean_rating differs on a small table"
_types = dict(film_summary(_edge_ratings, _edge_movies, 1).dtypes)
assert _types["n_ratings"] in ("bigint", "int") and _types["mean_rating"] == "double", (
    f"n_ratings should be an integer column and mean_rating a double; got {_types['n_ratings']} and "
    f"{_types['mean_rating']}. F.count('*') and F.avg('rating') give those types.")
_pd_ratings, _pd_movies = data.load_ratings("ml-latest-small"), data.load_movies("ml-latest-small")
_stats = _pd_ratings.groupby("movieId")["rating"].agg(n_ratings="count", mean_rating="mean").reset_index()
_expected = (_stats[_stats.n_ratings >= 50].merge(_pd_movies[["movieId", "title"]], on="movieId")
             .sort_values(["mean_rating", "n_ratings", "movieId"], ascending=[False, False, True]))
_got = film_summary(ratings, movies, 50).toPandas()
assert list(_got.movieId) == list(_expected.movieId), "films or order differ from the data on ml-latest-small"
assert list(_got.n_ratings) == list(_expected.n_ratings), "n_ratings differs from the data"
assert np.allclose(_got.mean_rating, _expected.mean_rating), "mean_rating differs from the data"
assert list(_got.title) == list(_expected.title), "titles differ from movies.csv"
### END HIDDEN TESTS

# %% [markdown]
# ### Reading a plan
# Nothing has run yet for the real data: `top_films` below is a plan. `explain()` prints the physical
# plan Spark chose. Read it from the bottom up:
# - `FileScan csv` reads the ratings with the schema you gave, and parses only the columns the query needs
#   (its `ReadSchema`; a CSV file is still read whole);
# - `HashAggregate` appears twice: each partition first counts and sums its own rows (*partial*), then an
#   `Exchange hashpartitioning(movieId, ...)` shuffles those small partial results so each film's lie in
#   one partition, where a second `HashAggregate` finishes them;
# - `BroadcastHashJoin` joins the titles: the films table is small, so Spark copies it whole to every
#   executor (`BroadcastExchange`) instead of shuffling it to the partitions that hold each film's counts;
# - `Sort` after an `Exchange rangepartitioning` puts the result in order across partitions.

# %%
top_films = film_summary(ratings, movies, min_ratings=50)
top_films.explain()

# %% [markdown]
# An action runs the plan:

# %%
# NBVAL_CHECK_OUTPUT
top_films.show(8, truncate=40)

# %% [markdown]
# ## 2. Spark's ALS on a cached random split
# To measure a model we train it on part of the ratings and score it on ratings it has not seen.
# Two traps wait here.
#
# **Re-computation.** `randomSplit` is lazy like everything else: every action on its output re-reads the
# file and draws the split again (the same rows for the same seed: Spark sorts each partition before it
# samples, but the work is done again). You will count both parts, fit on one, score the other, copy them
# to pandas and tune on one, so **cache** both: after the first action Spark keeps their rows in memory
# (spilling to disk what does not fit). ALS itself reads its input once, into blocks of its own that it
# keeps cached while it iterates; the cache saves everything else.
#
# **Cold start.** A random split puts some films (and, more rarely, users) only in the test part. ALS
# has learned no factors for them, so by default (`coldStartStrategy="nan"`) it predicts NaN for those
# rows, and one NaN makes the whole RMSE NaN. `coldStartStrategy="drop"` leaves those rows out of the
# predictions instead. Dropping rows changes what is measured, so always **count and report** them.
#
# ## Exercise 2 — Split and cache (2 points)
# Write `cached_split(frame, test_fraction, seed)`: split a Spark DataFrame at random into
# `(train, test)`, with about `test_fraction` of the rows in `test`, the same split for the same seed,
# and **both parts cached**. *Hint:* `DataFrame.randomSplit(weights, seed)` and `DataFrame.cache()`.

# %% tags=["solution"] grade_id="ex2_split"
def cached_split(frame, test_fraction=0.2, seed=42):
    """A reproducible random (train, test) split of a Spark DataFrame, both parts cached."""
    ### BEGIN SOLUTION
    train, test = frame.randomSplit([1 - test_fraction, test_fraction], seed=seed)
    return train.cache(), test.cache()
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex2_split_check" points=2
from pyspark import StorageLevel

from paper2prod.synthetic import make_ratings

_source = make_ratings(2_000, seed=5)
_frame = spark.createDataFrame(_source, schema=data.ratings_schema())
_train, _test = cached_split(_frame, test_fraction=0.25, seed=1)
expect(_train.storageLevel != StorageLevel.NONE and _test.storageLevel != StorageLevel.NONE,
       "train and test should both be cached, so ALS and the evaluation do not re-read and re-split "
       "the data on every pass: return train.cache(), test.cache().")
_n_train, _n_test = _train.count(), _test.count()
expect(_n_train + _n_test == len(_source), f"train and test together should hold all {len(_source)} "
       f"rows; they hold {_n_train} + {_n_test}.")
expect(_train.join(_test, ["userId", "movieId"]).count() == 0,
       "Some ratings are in both train and test: split the rows, don't sample each part separately.")
expect(abs(_n_test / len(_source) - 0.25) < 0.05, f"With test_fraction=0.25 about a quarter of the rows "
       f"should be in test; got {_n_test / len(_source):.1%}. Is the order of the weights right?")
_half_train, _half_test = cached_split(_frame, test_fraction=0.5, seed=1)
_half_share = _half_test.count() / len(_source)
expect(abs(_half_share - 0.5) < 0.05, f"With test_fraction=0.5 about half of the rows should be in test; got "
       f"{_half_share:.1%}. Build the weights from the argument, [1 - test_fraction, test_fraction], instead of "
       "fixed numbers.")


def _pairs(frame):
    return sorted((r.userId, r.movieId) for r in frame.select("userId", "movieId").collect())


_again = cached_split(_frame, test_fraction=0.25, seed=1)[1]
expect(_pairs(_again) == _pairs(_test), "The same seed should give the same split: pass seed to randomSplit.")
expect(_pairs(cached_split(_frame, test_fraction=0.25, seed=2)[1]) != _pairs(_test),
       "A different seed should give a different split: pass seed to randomSplit.")
passed(f"{_n_train} + {_n_test} rows, cached, reproducible")
### BEGIN HIDDEN TESTS
_real_train, _real_test = cached_split(ratings, test_fraction=0.1, seed=7)
assert _real_train.storageLevel != StorageLevel.NONE and _real_test.storageLevel != StorageLevel.NONE
_n_real = ratings.count()
assert _real_train.count() + _real_test.count() == _n_real, "the parts of the real data do not add up"
assert abs(_real_test.count() / _n_real - 0.1) < 0.01, "test_fraction=0.1 should put about 10% in test"
# Every row three times: a split must keep each copy (randomSplit does; sample + subtract, or anything
# that goes through distinct rows, loses them).
_tripled = spark.createDataFrame(pd.concat([_source.head(300)] * 3, ignore_index=True), schema=data.ratings_schema())
_t_train, _t_test = cached_split(_tripled, test_fraction=0.3, seed=4)
_t_counts = (_t_train.count(), _t_test.count())
assert sum(_t_counts) == 900, (
    f"A table of 900 rows (300 rows, each three times) splits into {_t_counts[0]} + {_t_counts[1]} rows: every "
    "row, duplicates included, must land in exactly one part. Split with randomSplit, not sample + subtract.")
for _part in (_real_train, _real_test, _train, _test, _again, _t_train, _t_test, _half_train, _half_test):
    _part.unpersist()
### END HIDDEN TESTS

# %%
train, test = cached_split(ratings, test_fraction=0.2, seed=42)
print(f"train: {train.count():,} ratings   test: {test.count():,} ratings")

# %% [markdown]
# ## Exercise 3 — Train ALS and measure it (3 points)
# Write two functions.
#
# `make_als(rank, reg_param, max_iter, seed)` returns an **unfitted** `ALS` estimator for explicit
# ratings with the columns `userId`, `movieId`, `rating`; the given rank, `regParam`, `maxIter` and
# seed; `coldStartStrategy="drop"`; and `numUserBlocks` and `numItemBlocks` set to `ALS_BLOCKS` (the
# default of 10 blocks is meant for clusters; on a laptop's few cores, fewer blocks mean fewer, larger
# tasks in every step).
#
# `rmse_and_dropped(model, test)` scores a fitted model on a test DataFrame and returns a tuple
# `(rmse, dropped)`: the RMSE of the predictions, computed with `RegressionEvaluator`, and the number
# of test rows the model dropped because their user or film was not in the training data.

# %% tags=["solution"] grade_id="ex3_als"
def make_als(rank=10, reg_param=0.2, max_iter=10, seed=42):
    """An unfitted ALS for explicit MovieLens ratings that drops cold-start rows."""
    ### BEGIN SOLUTION
    return ALS(userCol="userId", itemCol="movieId", ratingCol="rating", implicitPrefs=False,
               rank=rank, regParam=reg_param, maxIter=max_iter, seed=seed, coldStartStrategy="drop",
               numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS)
    ### END SOLUTION


def rmse_and_dropped(model, test):
    """(RMSE on the test rows the model can score, number of test rows it dropped)."""
    ### BEGIN SOLUTION
    predictions = model.transform(test).cache()
    dropped = test.count() - predictions.count()
    evaluator = RegressionEvaluator(metricName="rmse", labelCol="rating", predictionCol="prediction")
    rmse = evaluator.evaluate(predictions)
    predictions.unpersist()
    return rmse, dropped
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex3_als_check" points=3
_als = make_als(rank=3, reg_param=0.15, max_iter=4, seed=7)
expect(isinstance(_als, ALS), f"make_als should return an (unfitted) ALS estimator, not a "
       f"{type(_als).__name__}. Don't call .fit inside make_als.")
expect(_als.getColdStartStrategy() == "drop", f"coldStartStrategy is {_als.getColdStartStrategy()!r}: "
       "with the default 'nan', test rows of unseen users or films get NaN predictions and the RMSE "
       "becomes NaN. Set coldStartStrategy='drop'.")
_settings = {"userCol": (_als.getUserCol(), "userId"), "itemCol": (_als.getItemCol(), "movieId"),
             "ratingCol": (_als.getRatingCol(), "rating"), "rank": (_als.getRank(), 3),
             "regParam": (_als.getRegParam(), 0.15), "maxIter": (_als.getMaxIter(), 4),
             "seed": (_als.getSeed(), 7), "implicitPrefs": (_als.getImplicitPrefs(), False),
             "numUserBlocks": (_als.getNumUserBlocks(), ALS_BLOCKS),
             "numItemBlocks": (_als.getNumItemBlocks(), ALS_BLOCKS)}
for _name, (_got, _want) in _settings.items():
    expect(_got == _want, f"make_als(rank=3, reg_param=0.15, max_iter=4, seed=7) has {_name}={_got!r}, "
           f"expected {_want!r}. Pass it to ALS(...).")

# A reference model on a tiny split; the test holds an unseen user (99) and an unseen film (999).
_tiny_train = spark.createDataFrame(
    [(u, m, float(1 + (u * m) % 5), 0) for u in range(1, 7) for m in range(10, 16) if (u + m) % 4],
    schema=data.ratings_schema())
_tiny_test = spark.createDataFrame([(1, 12, 4.0, 0), (2, 11, 2.0, 0), (3, 13, 5.0, 0), (99, 10, 3.0, 0),
                                    (99, 12, 4.0, 0), (4, 999, 1.0, 0)], schema=data.ratings_schema())
_reference = ALS(userCol="userId", itemCol="movieId", ratingCol="rating", rank=2, maxIter=5, regParam=0.1,
                 seed=0, coldStartStrategy="drop", numUserBlocks=ALS_BLOCKS,
                 numItemBlocks=ALS_BLOCKS).fit(_tiny_train)
_result = rmse_and_dropped(_reference, _tiny_test)
expect(isinstance(_result, tuple) and len(_result) == 2,
       f"rmse_and_dropped should return a tuple (rmse, dropped), not {_result!r}.")
expect(not (_result[0] == 3 and _result[1] != 3),
       f"rmse_and_dropped returned {_result!r}, which looks like (dropped, rmse): return (rmse, dropped), in "
       "that order.")
_rmse, _dropped = _result
expect(int(_dropped) == 3, f"The tiny test has 6 rows: two of an unseen user (99) and one of an unseen "
       f"film (999), so 3 rows should be dropped; got {_dropped}. Count rows, not users or films: the test "
       "rows, minus the rows of the predictions.")
_users = {r.id: np.array(r.features) for r in _reference.userFactors.collect()}
_films = {r.id: np.array(r.features) for r in _reference.itemFactors.collect()}
_by_hand = [(_users[u] @ _films[m] - y) ** 2 for u, m, y in [(1, 12, 4.0), (2, 11, 2.0), (3, 13, 5.0)]]
expect_close(_rmse, np.sqrt(np.mean(_by_hand)), "rmse on the tiny test", tol=1e-4,
             hint="Evaluate model.transform(test) with RegressionEvaluator(metricName='rmse', "
                  "labelCol='rating', predictionCol='prediction').")
passed("ALS settings, and RMSE and dropped rows on a tiny split")
### BEGIN HIDDEN TESTS
# Same settings as a reference ALS => the same factors (ALS is deterministic given seed and blocks).
_student_model = make_als(rank=2, reg_param=0.1, max_iter=5, seed=0).fit(_tiny_train)
_student_rmse, _ = rmse_and_dropped(_student_model, _tiny_test)
assert abs(_student_rmse - np.sqrt(np.mean(_by_hand))) < 1e-4, \
    ("make_als(rank=2, reg_param=0.1, max_iter=5, seed=0) fits another model than ALS with exactly those "
     "settings: pass every argument on (none typed in) and set nothing else (e.g. nonnegative or implicitPrefs)")
# A test row whose user AND film are both unseen is one dropped row, not two; a repeated row counts twice.
_edge_test = spark.createDataFrame([(1, 12, 4.0, 0), (1, 12, 4.0, 0), (99, 999, 3.0, 0), (99, 999, 3.0, 0),
                                    (5, 999, 2.0, 0), (98, 10, 1.0, 0), (2, 11, 2.0, 0)], schema=data.ratings_schema())
_known_users = {r.userId for r in _tiny_train.select("userId").distinct().collect()}
_known_films = {r.movieId for r in _tiny_train.select("movieId").distinct().collect()}
_want_dropped = sum(1 for r in _edge_test.collect() if r.userId not in _known_users or r.movieId not in _known_films)
_edge_rmse, _edge_dropped = rmse_and_dropped(_reference, _edge_test)
assert isinstance(_edge_dropped, (int, np.integer)) and int(_edge_dropped) == _want_dropped, (
    f"Of 7 test rows, {_want_dropped} have an unseen user or film (two rows have both, and count once each; a row "
    f"that can be scored appears twice and is scored twice), so dropped should be the integer {_want_dropped}; got "
    f"{_edge_dropped!r}. Count test rows minus prediction rows, as they are (no distinct).")
assert isinstance(_edge_rmse, (float, np.floating)), f"the RMSE should be a float, got {type(_edge_rmse).__name__}"
### END HIDDEN TESTS

# %% [markdown]
# Now the real thing, on the cached split of ml-latest-small, with the settings lessons 03 to 05 use:
# rank 10 and `regParam` 0.2 (part 4 tunes them and shows where they come from), 10 iterations.

# %% tags=["demo"]
COURSE_RANK, COURSE_REG_PARAM = 10, 0.2
model = make_als(rank=COURSE_RANK, reg_param=COURSE_REG_PARAM, max_iter=10, seed=42).fit(train)
spark_rmse, n_dropped = rmse_and_dropped(model, test)
n_test = test.count()
print(f"Spark ALS: RMSE {spark_rmse:.4f} on {n_test - n_dropped:,} test ratings "
      f"({n_dropped:,} of {n_test:,} dropped: {n_dropped / n_test:.1%})")

# %% [markdown]
# Which rows were dropped? Mostly ratings of films rated so rarely that all their ratings landed in the
# test part. Remember that about a third of the films in ml-latest-small have a single rating:

# %% tags=["demo"]
unseen = test.join(train.select("movieId").distinct(), "movieId", "left_anti")
ratings_per_film = ratings.groupBy("movieId").agg(F.count("*").alias("ratings_of_film"))
(unseen.join(ratings_per_film, "movieId").groupBy("ratings_of_film").count()
 .orderBy("ratings_of_film").show(5))

# %% [markdown]
# ## 3. Does the library do what we think? Check it against ALS-WR
# Trust, but verify: before a library's number goes into a report, reproduce it with something you
# understand, on the same data. In lesson 01 you wrote ALS-WR from the paper. To save you copying your
# lesson-01 notebook, the course package ships a compact NumPy version of the same algorithm,
# `paper2prod.numpy_als`, in the form Spark fits: factors only, a prediction is $x_u \cdot y_i$, with
# no global mean and no user or film biases (lesson 01's model had both, and fitted its factors to what
# the biases left).
# It is written for speed rather than for reading: instead of solving one user at a time, it stacks all
# users with the same number of ratings and solves them in one batched call. Read it and match it to
# the equations you implemented (the module's docstring states the objective).

# %%
from IPython.display import Code

from paper2prod import numpy_als

Code(filename=numpy_als.__file__, language="python")

# %% [markdown]
# "The same split" means the same training rows **and** the same test rows. NumPy needs users and films
# numbered `0..n-1`, and it cannot score a user or film it has not trained, just like Spark. So the
# numbering must come from the training data only, and test rows Spark dropped must be dropped here too.
#
# ## Exercise 4 — The same split, in NumPy (2 points)
# Write `encode_split(train, test)`. Given two **pandas** DataFrames with `userId` and `movieId`
# columns, return `(train_codes, test_codes)`: copies with two extra integer columns, `user` and
# `item`, that number the users and the films of **the training set only** as `0, 1, 2, ...` with no
# gaps. The same user (or film) gets the same number in both frames, and `test_codes` leaves out the
# test rows whose user or film is not in the training set.
#
# *Hint:* `pd.Index(train["userId"].unique()).get_indexer(values)` gives each value's position, and
# `-1` for values it does not contain.

# %% tags=["solution"] grade_id="ex4_encode"
def encode_split(train, test):
    """Number users and films from `train`; drop `test` rows that the numbering does not cover."""
    ### BEGIN SOLUTION
    user_ids = pd.Index(train["userId"].unique())
    item_ids = pd.Index(train["movieId"].unique())

    def encode(frame):
        return frame.assign(user=user_ids.get_indexer(frame["userId"]),
                            item=item_ids.get_indexer(frame["movieId"]))

    train_codes, test_codes = encode(train), encode(test)
    known = (test_codes["user"] >= 0) & (test_codes["item"] >= 0)
    return train_codes.reset_index(drop=True), test_codes[known].reset_index(drop=True)
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex4_encode_check" points=2
_tiny_train = pd.DataFrame({"userId": [7, 7, 3, 9], "movieId": [100, 200, 100, 300], "rating": [4.0, 3.0, 5.0, 2.0]})
_tiny_test = pd.DataFrame({"userId": [3, 8, 9, 7], "movieId": [200, 100, 400, 300], "rating": [1.0, 2.0, 3.0, 4.0]})
_codes = encode_split(_tiny_train, _tiny_test)
expect(isinstance(_codes, tuple) and len(_codes) == 2, "encode_split should return (train_codes, test_codes).")
_train_codes, _test_codes = _codes
for _name, _table in (("train_codes", _train_codes), ("test_codes", _test_codes)):
    expect(isinstance(_table, pd.DataFrame)
           and {"userId", "movieId", "rating", "user", "item"} <= set(_table.columns),
           f"{_name} should be a pandas DataFrame with the original columns plus 'user' and 'item'.")
expect(len(_train_codes) == 4 and sorted(_train_codes.user) == [0, 0, 1, 2]
       and sorted(set(_train_codes.item)) == [0, 1, 2],
       f"The tiny training set has users 7, 3, 9 and films 100, 200, 300: their codes should be 0, 1, 2 with "
       f"no gaps; got users {sorted(_train_codes.user)} and films {sorted(_train_codes.item)}. Number the "
       "training set only, and keep every training row.")
expect(not {8, 9} & set(_test_codes.userId),
       f"Test rows (8, 100) and (9, 400) have a user or a film that is not in training and must be left out; "
       f"test_codes keeps users {sorted(_test_codes.userId)}. Number users and films from the training set "
       "only, and drop test rows that have no code (Spark's coldStartStrategy='drop' does the same).")
expect(sorted(_test_codes.userId) == [3, 7],
       f"Test rows (3, 200) and (7, 300) have a known user and film and must stay; test_codes keeps users "
       f"{sorted(_test_codes.userId)}. 0 is a code like any other (the first user or film in training): "
       "get_indexer marks what training lacks with -1, so keep the rows whose codes are 0 or more.")
_both = pd.concat([_train_codes, _test_codes])
expect((_both.groupby("userId")["user"].nunique() == 1).all()
       and (_both.groupby("movieId")["item"].nunique() == 1).all(),
       "The same user (or film) must get the same code in train_codes and test_codes: build the numbering "
       "once, from the training set, and apply it to both.")
passed("codes from the training set, unseen test rows dropped")
### BEGIN HIDDEN TESTS
# The inputs stay as they were (copies are returned), codes are integers, and a repeated training row is
# kept: each rating is a row.
_in_train = pd.DataFrame({"userId": [70, 70, 30, 90, 90], "movieId": [1000, 1000, 5, 5, 77],
                          "rating": [4.0, 4.0, 5.0, 2.0, 3.0]})
_in_test = pd.DataFrame({"userId": [30, 80, 90, 70], "movieId": [77, 5, 6, 1000], "rating": [1.0, 2.0, 3.0, 4.0]})
_before = (_in_train.copy(), _in_test.copy())
_c_train, _c_test = encode_split(_in_train, _in_test)
assert _in_train.equals(_before[0]) and _in_test.equals(_before[1]), (
    "encode_split changed the frames it was given (it added or removed columns or rows): return new frames, "
    "e.g. with train.assign(user=..., item=...), and leave the inputs alone.")
for _name, _table in (("train_codes", _c_train), ("test_codes", _c_test)):
    assert _table["user"].dtype.kind == "i" and _table["item"].dtype.kind == "i", (
        f"{_name}'s user and item columns should be integers, not {_table['user'].dtype} and "
        f"{_table['item'].dtype}: NumPy uses them as positions. A lookup that makes NaN for unknown ids "
        "(Series.map) turns the column into floats; drop the unknown rows with the -1 of get_indexer instead.")
assert len(_c_train) == 5, f"train_codes has {len(_c_train)} rows; all 5 training rows (one repeated) must stay"
assert sorted(zip(_c_test.userId, _c_test.movieId)) == [(30, 77), (70, 1000)], (
    f"test_codes should keep the test rows (30, 77) and (70, 1000); it keeps {sorted(zip(_c_test.userId, _c_test.movieId))}")
_all = data.load_ratings("ml-latest-small")
_is_test = np.random.default_rng(3).random(len(_all)) < 0.2
_real_train_pd, _real_test_pd = _all[~_is_test], _all[_is_test]
_tc, _sc = encode_split(_real_train_pd, _real_test_pd)
assert len(_tc) == len(_real_train_pd), "every training row must be kept"
assert sorted(_tc.user.unique()) == list(range(_real_train_pd.userId.nunique())), "user codes must be 0..n-1"
assert sorted(_tc.item.unique()) == list(range(_real_train_pd.movieId.nunique())), "film codes must be 0..n-1"
_known = _real_test_pd.userId.isin(_real_train_pd.userId) & _real_test_pd.movieId.isin(_real_train_pd.movieId)
assert len(_sc) == int(_known.sum()), "test_codes must keep exactly the test rows with known user and film"
_lookup_user = dict(zip(_tc.userId, _tc.user))
_lookup_item = dict(zip(_tc.movieId, _tc.item))
assert (_sc.user == _sc.userId.map(_lookup_user)).all(), "test user codes must match the training numbering"
assert (_sc.item == _sc.movieId.map(_lookup_item)).all(), "test film codes must match the training numbering"
### END HIDDEN TESTS

# %% [markdown]
# Now train the NumPy ALS-WR with the settings Spark used (rank 10, λ = `regParam` = 0.2, 10 iterations)
# on exactly Spark's training rows, and score it on exactly the test rows Spark scored.

# %% tags=["demo"]
train_codes, test_codes = encode_split(train.toPandas(), test.toPandas())
user_factors, item_factors = numpy_als.als_wr(
    train_codes.user.to_numpy(), train_codes.item.to_numpy(), train_codes.rating.to_numpy(),
    n_users=train_codes.user.max() + 1, n_items=train_codes.item.max() + 1,
    rank=COURSE_RANK, lam=COURSE_REG_PARAM, iterations=10, seed=42)
numpy_predictions = numpy_als.predict(user_factors, item_factors, test_codes.user.to_numpy(),
                                      test_codes.item.to_numpy())
numpy_rmse = float(np.sqrt(np.mean((numpy_predictions - test_codes.rating.to_numpy()) ** 2)))
print(f"{'':14}{'RMSE':>10}{'test rows':>11}")
print(f"{'Spark ALS':14}{spark_rmse:10.6f}{n_test - n_dropped:11,}")
print(f"{'NumPy ALS-WR':14}{numpy_rmse:10.6f}{len(test_codes):11,}")
print(f"difference: {abs(spark_rmse - numpy_rmse):.1e}")

# %% tags=["demo"]
expect(len(test_codes) == n_test - n_dropped, f"NumPy scored {len(test_codes):,} test rows and Spark "
       f"{n_test - n_dropped:,}: they should score the same rows. Check encode_split.")
expect(abs(spark_rmse - numpy_rmse) <= 0.02, f"Spark ({spark_rmse:.4f}) and NumPy ({numpy_rmse:.4f}) "
       "should agree within 0.02 on the same split. Check make_als's settings (rank 10, regParam 0.2, "
       "maxIter 10) and encode_split.")
passed("Spark's ALS and ALS-WR agree on the same split")

# %% [markdown]
# Read the printed difference: small, and not zero. The two start from different random factors, Spark
# stores its factors in single precision, and ten iterations from different starts do not end at exactly
# the same factors, so the RMSEs differ in the later decimals. Is the agreement a coincidence? We gave
# Spark's `regParam` the value of ALS-WR's λ, yet ALS-WR's penalty has a factor, each user's and film's
# number of ratings, that appears nowhere in Spark's parameter list.
#
# ## Question — why is `regParam` ALS-WR's λ? (2 points, graded by your instructor)
# Recall the ALS-WR objective and the normal equations you solved for one user in lesson 01. In three
# to five sentences: what does Spark do with `regParam` when it solves for one user's (or one film's)
# factors, and why does that make it the weighted λ of ALS-WR rather than a plain (unweighted) ridge
# penalty? What follows for a λ you tuned in lesson 01 (look at the model lesson 01 fitted, and at the
# one Spark fits)?
#
# *Hint:* the Spark documentation on collaborative filtering has a section called "Scaling of the
# regularization parameter".

# %% [markdown] tags=["answer"] grade_id="q_regparam" points=2
# ALS-WR penalises each user's factor by λ·n_u·|x_u|² and each film's by λ·n_i·|y_i|², where n_u and n_i
# are the numbers of ratings the user made and the film received. So the normal equations for user u are
# (Y_uᵀY_u + λ·n_u·I) x_u = Y_uᵀ r_u. When Spark solves the least-squares problem of one user (or film),
# it counts that user's explicit ratings and adds regParam × that count to the diagonal, not regParam
# alone: the same equations, with regParam in the place of λ. A heavy rater is therefore regularised as
# strongly relative to the size of their data as someone with five ratings, which a plain ridge penalty
# would not do. So Spark with regParam = λ minimises the same objective as the NumPy ALS-WR above (factors
# only, no biases), which is why the two agree. It is not lesson 01's objective: that model adds a global
# mean and user and film biases and fits the factors to what they leave, and Spark's ALS has no bias
# terms. The two share only the scaling convention, so a λ from lesson 01 is on the right scale and a
# sensible starting point, but not a setting to copy: tune regParam again for Spark's model (part 4 does).

# %% [markdown]
# ## 4. Tuning on a budget
# Rank and `regParam` were given to you so far. In a product you choose them on data the final test
# never sees. `CrossValidator` fits every grid point *k* times (once per fold); `TrainValidationSplit`
# splits the training data once (say 80 % fit, 20 % validation) and fits every grid point once, which
# is *k* times cheaper and enough for a first choice. Either way, the cost is the number of grid points
# times the cost of a fit, so keep the grid small and the iterations few while you explore.
#
# ## Exercise 5 — `TrainValidationSplit` (3 points)
# Write `tune(estimator, train, ranks, reg_params, seed)`. Build a grid over the estimator's `rank` and
# `regParam` (every combination of `ranks` and `reg_params`), evaluate it with a `TrainValidationSplit`
# (`trainRatio=0.8`, the given `seed`, a `RegressionEvaluator` on RMSE), fit it on `train`, and return
# `(best_model, table)`:
# - `best_model`: the winning model, refitted on all of `train` (the fitted split's `bestModel`);
# - `table`: a pandas DataFrame with one row per grid point and the columns `rank`, `regParam` and
#   `rmse` (the validation RMSE), sorted from the best grid point to the worst.
#
# *Hint:* `ParamGridBuilder().addGrid(estimator.rank, ranks)...build()`; after fitting, the split's
# `validationMetrics` are in the same order as the grid. `parallelism=2` lets Spark fit two grid points
# at the same time, which saves time on small data.

# %% tags=["solution"] grade_id="ex5_tune"
def tune(estimator, train, ranks, reg_params, seed=42):
    """Grid search over rank x regParam with a train/validation split: (best_model, table)."""
    ### BEGIN SOLUTION
    grid = (ParamGridBuilder()
            .addGrid(estimator.rank, list(ranks))
            .addGrid(estimator.regParam, list(reg_params))
            .build())
    evaluator = RegressionEvaluator(metricName="rmse", labelCol="rating", predictionCol="prediction")
    # parallelism=2 fits two grid points at once: ALS on small data leaves cores idle between stages.
    search = TrainValidationSplit(estimator=estimator, estimatorParamMaps=grid, evaluator=evaluator,
                                  trainRatio=0.8, seed=seed, parallelism=2)
    fitted = search.fit(train)
    table = pd.DataFrame([{"rank": point[estimator.rank], "regParam": point[estimator.regParam], "rmse": rmse}
                          for point, rmse in zip(grid, fitted.validationMetrics)])
    return fitted.bestModel, table.sort_values("rmse", ignore_index=True)
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex5_tune_check" points=3
from paper2prod.synthetic import make_ratings

_frame = spark.createDataFrame(make_ratings(1_500, n_users=50, n_items=60, seed=11),
                               schema=data.ratings_schema()).cache()
_estimator = ALS(userCol="userId", itemCol="movieId", ratingCol="rating", maxIter=2, seed=0,
                 coldStartStrategy="drop", numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS)
_tuned = tune(_estimator, _frame, ranks=[2, 4], reg_params=[0.01, 50.0], seed=3)
expect(isinstance(_tuned, tuple) and len(_tuned) == 2, "tune should return (best_model, table).")
_best, _table = _tuned
expect(isinstance(_table, pd.DataFrame) and {"rank", "regParam", "rmse"} <= set(_table.columns),
       "table should be a pandas DataFrame with the columns 'rank', 'regParam' and 'rmse'.")
_points = sorted(zip(_table["rank"].astype(int), _table["regParam"].astype(float)))
expect(_points == [(2, 0.01), (2, 50.0), (4, 0.01), (4, 50.0)],
       f"With ranks [2, 4] and reg_params [0.01, 50] the table should have the 4 combinations, once each; "
       f"got {_points}. Add both parameters to one ParamGridBuilder.")
expect(np.isfinite(_table["rmse"]).all(), f"Some validation RMSEs are not numbers: {list(_table['rmse'])}. "
       "Evaluate with RegressionEvaluator(metricName='rmse', ...).")
expect(_table["rmse"].is_monotonic_increasing,
       f"table should go from the best grid point to the worst; its rmse column reads {list(_table['rmse'].round(3))}. "
       "For RMSE, lower is better: sort ascending.")
# A huge regParam shrinks every factor to about zero, so it predicts about 0 stars: its RMSE must be
# large, and the winner must be the small regParam. This checks that each metric is on its grid point's row.
_huge = _table[_table["regParam"].astype(float) == 50.0]["rmse"]
expect((_huge > 2).all() and float(_table["regParam"].iloc[0]) == 0.01,
       "regParam=50 shrinks every factor to about zero, so the rows labelled regParam 50 should have an RMSE above "
       f"2 and the best row regParam 0.01; the table reads {_table.round(3).to_dict('records')}. Each RMSE must sit "
       "on its own grid point's row: label the rows from the grid's ParamMaps (point[estimator.rank], "
       "point[estimator.regParam]), zipped with validationMetrics in the grid's order.")
expect(hasattr(_best, "userFactors") and _best.rank == int(_table["rank"].iloc[0]),
       "best_model should be the fitted model of the best grid point (the split's bestModel).")
passed("a 2 x 2 grid on a tiny data set")
### BEGIN HIDDEN TESTS
# The validation RMSE of one grid point, computed as TrainValidationSplit(trainRatio=0.8, seed=3) does:
# a rand(seed) column splits the rows, the estimator is fitted on the part below trainRatio. This docks a
# forgotten trainRatio (the default is 0.75), an ignored seed, CrossValidator, another metric, or a
# table measured on the training rows.
_with_rand = _frame.select("*", F.rand(3).alias("_rand"))
_fit_part = _with_rand.filter(F.col("_rand") < 0.8).drop("_rand")
_validation_part = _with_rand.filter(F.col("_rand") >= 0.8).drop("_rand")
_point = _estimator.copy({_estimator.rank: 2, _estimator.regParam: 0.01}).fit(_fit_part)
_want = RegressionEvaluator(metricName="rmse", labelCol="rating").evaluate(_point.transform(_validation_part))
_got = _table[(_table["rank"].astype(int) == 2) & (_table["regParam"].astype(float) == 0.01)]["rmse"]
assert len(_got) == 1 and abs(float(_got.iloc[0]) - _want) < 1e-4, (
    f"the validation RMSE of rank 2, regParam 0.01 should be {_want:.4f} (TrainValidationSplit with "
    f"trainRatio=0.8, the given seed and RegressionEvaluator(metricName='rmse')); the table says "
    f"{list(_got.round(4))}. Check trainRatio, seed and metricName, and that the table holds the split's "
    "validationMetrics")
_ = _frame.unpersist()
### END HIDDEN TESTS

# %% [markdown]
# Tune on the real training split: ranks 5 and 10, `regParam` from 0.05 to 0.4, five iterations each
# (half of part 2's ten, to halve the cost): eight fits, and a ninth that refits the winner on all of
# `train`. The test split stays untouched until the winner is chosen. The cell also prints where the
# course's settings (rank 10, `regParam` 0.2) stand.

# %% tags=["demo"]
best_model, tuning_table = tune(make_als(max_iter=5, seed=42), train, ranks=[5, 10],
                                reg_params=[0.05, 0.1, 0.2, 0.4])
print(tuning_table.to_string(index=False))
course_rmse = float(tuning_table.loc[(tuning_table["rank"] == COURSE_RANK)
                                     & (tuning_table["regParam"] == COURSE_REG_PARAM), "rmse"].iloc[0])
place = int((tuning_table["rmse"] < course_rmse).sum()) + 1  # by value: the table's index may be any order
gap = course_rmse - tuning_table["rmse"].min()
print(f"course settings (rank {COURSE_RANK}, regParam {COURSE_REG_PARAM}): validation RMSE {course_rmse:.4f}, "
      + ("the best grid point" if place == 1 else f"{gap:.4f} above the best grid point")
      + f", place {place} of {len(tuning_table)}")

# %% tags=["demo"]
fig, ax = plt.subplots(figsize=(6.5, 3.8))
for rank, rows in tuning_table.sort_values("regParam").groupby("rank"):
    ax.plot(rows["regParam"], rows["rmse"], marker="o", label=f"rank {rank}")
ax.set(xlabel="regParam", ylabel="validation RMSE", xticks=sorted(tuning_table["regParam"].unique()),
       title="TrainValidationSplit on ml-latest-small (5 iterations)")
ax.legend()
plt.show()

# %% tags=["demo"]
tuned_rmse, tuned_dropped = rmse_and_dropped(best_model, test)
print(f"tuned (rank {tuning_table['rank'].iloc[0]}, regParam {tuning_table['regParam'].iloc[0]}, 5 iterations): "
      f"test RMSE {tuned_rmse:.4f}")
print(f"part 2 (rank {COURSE_RANK}, regParam {COURSE_REG_PARAM}, 10 iterations):    test RMSE {spark_rmse:.4f}")

# %% [markdown]
# Read the printed table. `regParam` matters far more than rank here: too little regularisation lets
# the many users and films with few ratings fit noise, and more factors only give them more room to do
# it; too much shrinks every factor, and so every prediction, towards zero stars (Spark's ALS has no
# average or biases to fall back on). On this split the valley's bottom is at 0.2 for both ranks, with 0.1 next;
# at 0.2 the two ranks are close. One validation split is one draw: a difference of a few thousandths
# between two grid points could turn round on another split or seed.
#
# **Where the course's settings come from.** Lessons 03 to 05 use rank 10 and `regParam` 0.2: the
# bottom of this grid's valley (the last printed line gives the point's place and its distance from the
# best), with rank 10 rather than 5 because rank moves the RMSE far less than `regParam` does and
# lesson 04 ranks whole catalogues, where a few more factors cost little. The RMSE is not the whole
# story: lesson 04 shows what this value does to the top of a recommendation list, which an RMSE table
# never shows.
#
# One caution for later lessons: this grid was scored inside the random 80 % training part, which holds
# about four in five of lesson 04's test ratings (each user's latest 20 %). So lesson 04 takes 0.2 over as
# a given and says so; what lesson 04 decides itself (the threshold) it chooses on a validation split
# carved from its own training part.
#
# Four values by two are a coarse look, not an optimum; with more budget you would refine around the
# winner and train it longer. Every grid point is a full fit: a 5 × 5 grid with 3-fold cross-validation
# is 75 fits, plus one to refit the winner.

# %% [markdown]
# ## 5. Scale: NumPy against Spark as the data grows
# Does Spark make ALS fast? Time both on synthetic ratings shaped like MovieLens
# (`paper2prod.synthetic.make_ratings`) from 100 thousand to a million ratings, a few iterations each.
# Beside them we draw the **arithmetic floor**: the floating-point operations ALS cannot avoid (building
# and solving every normal equation) divided by this machine's best rate on a large matrix product, the
# fastest double-precision arithmetic it does. Code that builds and solves these equations in double
# precision on this processor cannot beat it; the gap shows how much of the machine each one uses.
#
# Only the fit is timed. The table is copied into Spark and cached before the clock starts: on a real
# cluster the ratings would already sit in distributed storage. This takes from about 15 seconds on a
# fast, idle machine to a minute or two on a busy 2-core laptop; the progress bar shows each size as it
# finishes.

# %% tags=["demo"]
# The timers are the course's (paper2prod.benchmark): each copies the table in first and times the fit alone.
from paper2prod.benchmark import floor_seconds, gemm_flops_per_second, numpy_fit_seconds, spark_fit_seconds
from paper2prod.synthetic import make_ratings

SIZES = [100_000, 300_000, 1_000_000]
RANK, ITERATIONS = 10, 2
flops_per_second = gemm_flops_per_second()
timings = []
for size in tqdm(SIZES, desc="data sizes"):
    frame = make_ratings(size, seed=0)
    n_users, n_items = frame.userId.nunique(), frame.movieId.nunique()
    timings.append({"ratings": len(frame),
                    "numpy_s": numpy_fit_seconds(frame, RANK, ITERATIONS, reg_param=COURSE_REG_PARAM),
                    "spark_s": spark_fit_seconds(spark, frame, make_als(rank=RANK, reg_param=COURSE_REG_PARAM,
                                                                        max_iter=ITERATIONS)),
                    "floor_s": floor_seconds(len(frame), n_users, n_items, RANK, ITERATIONS, flops_per_second)})
timings = pd.DataFrame(timings)
timings["spark_over_numpy"] = timings.spark_s / timings.numpy_s
timings["numpy_over_floor"] = timings.numpy_s / timings.floor_s
print(f"machine GEMM rate: {flops_per_second / 1e9:.1f} GFLOP/s")
print(timings.to_string(index=False, float_format=lambda x: f"{x:.3g}"))

# %% tags=["demo"]
fig, ax = plt.subplots(figsize=(6.5, 4))
for column, label, style in [("spark_s", "Spark ALS (local mode)", "o-"), ("numpy_s", "NumPy ALS-WR", "s-"),
                             ("floor_s", "arithmetic floor", "--")]:
    ax.plot(timings.ratings, timings[column], style, label=label)
ax.set(xscale="log", yscale="log", xlabel="ratings", ylabel=f"seconds for {ITERATIONS} iterations",
       title=f"ALS fit time, rank {RANK}, on this machine")
ax.legend()
plt.show()

# %% [markdown]
# ### Reading the plot
# On one small machine NumPy wins, by a wide margin on small data. Every Spark job pays a fixed price
# before any arithmetic: planning, splitting ratings into blocks, scheduling tasks, shuffling factors
# between user and film blocks each half-iteration, serialising data between stages. `spark_over_numpy`
# in the printed table says how many times NumPy's time Spark needs for the same arithmetic. Compare
# `spark_s` down the rows: Spark's time grows more slowly than the data, which is what a large fixed price
# looks like; at 100 thousand ratings it is a large part of Spark's time. As the data grows the fixed price
# is spread over more work, so the gap narrows from the smallest size to the largest (each row is one
# timing, so on a busy machine a row can jump either way). Both stay far above the floor:
# ALS works on many small matrices, which run far below a large product's rate, and the NumPy ALS-WR's
# small matrix calls keep mostly one core busy, where the floor's large product may use all of them.
#
# So why does industry use Spark? Because NumPy's line ends at the edge of one machine: the ratings,
# the factors and the temporary arrays must fit in its memory, and it uses its cores only. Spark's ALS
# spreads the blocks of users and films over the executors and only ships factors between them, so
# the same job can use the memory and cores of many machines, and survives one of them failing. That
# is "scaling out". It pays off when the data outgrows a machine (hundreds of millions of ratings), or
# when ALS is one step in a pipeline that already lives on a cluster. For 100 thousand ratings on a
# laptop it is the wrong tool, and knowing that is part of the job too. In a terminal,
# `python -m paper2prod.benchmark` runs a longer version of this comparison, up to a few million
# ratings (`--help` lists its options).
#
# ### The same code on a cluster
# Nothing in this notebook says where it runs except the **master URL**, which `get_spark` reads from
# the environment variable `PAPER2PROD_SPARK_MASTER` (default `local[*]`: this machine, all cores). Start
# Jupyter with, for example,
#
# ```bash
# PAPER2PROD_SPARK_MASTER=spark://spark-master.example.org:7077 jupyter lab
# ```
#
# and every cell above runs on that cluster's executors: the same DataFrames, the same ALS, the same
# evaluation. Three things change in practice. Data must be readable by every executor, so it lives in
# shared storage (HDFS, S3, a network file system) rather than on your laptop. The number of ALS blocks
# should match the cluster's cores rather than `ALS_BLOCKS = 2`. And `toPandas()` and
# `createDataFrame(pandas)` move everything through the driver, so they are for small results only.
# Lesson 07 runs the job on a real cluster.

# %% [markdown]
# ## Recap
# - Spark DataFrames are lazy plans; `explain()` shows the plan, and `Exchange` marks the shuffles where
#   the time goes.
# - Cache random splits; set `coldStartStrategy="drop"` and always report how many rows were dropped.
# - Check a library against something you understand, on the same rows: Spark's ALS and the NumPy
#   ALS-WR agree on the same split, for the reason you gave in the question on `regParam`. Spark's model
#   has no biases, so it shares with lesson 01's only the scaling of λ: tune its `regParam` afresh.
# - The weighted λ is the paper's choice and suits RMSE: a film's shrinkage does not depend on how many
#   ratings it has. Lesson 02 calls a plain penalty a defect *of an ALS-WR implementation*, because the
#   code claimed the paper's formula; lesson 04 shows the other side: without biases, the weighted λ lets
#   a film with one five-star rating reach the top of a list.
# - Tune on a validation split, never on the test split, with a small grid first; differences smaller
#   than a change of split or seed would cause do not decide anything. The course's settings, rank 10
#   and `regParam` 0.2, sit at the bottom of this lesson's grid.
# - On one machine NumPy beats Spark local mode; Spark earns its overhead when the data or the pipeline
#   outgrows one machine, and moving there means changing the master URL, not the code.
#
# ## Further reading
# - Yunhong Zhou, Dennis Wilkinson, Robert Schreiber and Rong Pan (2008). *Large-Scale Parallel
#   Collaborative Filtering for the Netflix Prize.* In Algorithmic Aspects in Information and Management
#   (AAIM 2008), Lecture Notes in Computer Science 5034, pp. 337–348. Springer.
# - Yehuda Koren, Robert Bell and Chris Volinsky (2009). *Matrix Factorization Techniques for Recommender
#   Systems.* IEEE Computer 42(8): 30–37.
# - Matei Zaharia et al. (2012). *Resilient Distributed Datasets: A Fault-Tolerant Abstraction for
#   In-Memory Cluster Computing.* 9th USENIX Symposium on Networked Systems Design and Implementation (NSDI).
# - Michael Armbrust et al. (2015). *Spark SQL: Relational Data Processing in Spark.* ACM SIGMOD
#   International Conference on Management of Data, pp. 1383–1394.
# - Xiangrui Meng et al. (2016). *MLlib: Machine Learning in Apache Spark.* Journal of Machine Learning
#   Research 17(34): 1–7.
# - F. Maxwell Harper and Joseph A. Konstan (2015). *The MovieLens Datasets: History and Context.* ACM
#   Transactions on Interactive Intelligent Systems 5(4): 19.
# - Apache Spark documentation: *Collaborative Filtering* (MLlib guide; see "Scaling of the
#   regularization parameter"), *ML Tuning: model selection and hyperparameter tuning*, and *Cluster Mode
#   Overview*.
# - Sophie Watson (2018). *From Research to Production: What they didn't teach you in Grad School.* Talk
#   at Berlin Buzzwords 2018.
