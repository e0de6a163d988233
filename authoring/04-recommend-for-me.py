# %% [markdown]
# # Lesson 04 — Recommend for me: the metric is not the product
#
# **Time:** about 100 minutes. **You need:** lesson 01 (ALS-WR's weighted λ, and why random folds peek
# ahead) and lesson 03 (Spark ALS and its RMSE).
#
# ## Learning objectives
# By the end of this lesson you can:
# 1. add your own ratings to MovieLens, retrain Spark ALS and read your top 10 with each film's number of
#    ratings and mean rating beside it;
# 2. explain why a model with a good RMSE recommends films that almost nobody has seen, and measure the
#    cause: ALS-WR's weighted λ against plain ridge, with and without lesson 01's biases, and why RMSE
#    cannot see it (ratings are missing not at random);
# 3. fix it in two ways, by filtering films with few ratings before training or after scoring, and
#    build a popularity baseline that does not trust small counts (a damped mean);
# 4. implement precision@k, recall@k and NDCG@k, each with a bootstrap interval over users, and measure
#    catalogue coverage and the popularity of what you recommend (numbers for the lists as a whole, with
#    no per-user interval);
# 5. measure how much of the future the course's per-user split lets in, choose a filter threshold on a
#    validation split, report it once on the test split, check it on a split at one cut-off date, and
#    defend the choice in two sentences.
#
# ## The story so far
# In lesson 03 you trained Spark's ALS and tuned it until the RMSE on held-out ratings was as low as a
# small budget allowed. In a paper, that is where the work ends: the table of RMSEs is the result.
#
# A product is judged by something else. Nobody sees an RMSE. People see a list of ten films and decide,
# in a few seconds, whether the list is any good. In this lesson you become the customer: you rate films
# you know, ask the tuned model for your top 10, and look at what comes back. Then you measure the thing
# the list is for, and find that the number you optimised barely notices the difference between a
# useless list and a good one.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from pyspark.ml.recommendation import ALS
from pyspark.sql import functions as F
from tqdm.auto import tqdm

from paper2prod import data, evaluation, numpy_als, profile
from paper2prod.checks import expect, expect_close, expect_type, passed
from paper2prod.spark import ALS_BLOCKS, get_spark

# Arrow moves pandas tables into the JVM (and factors back out) in bulk, not row by row.
spark = get_spark("04-recommend-for-me", conf={"spark.sql.execution.arrow.pyspark.enabled": "true"})
ratings = data.load_ratings("ml-latest-small")
movies = data.load_movies("ml-latest-small")
print(f"{len(ratings):,} ratings by {ratings['userId'].nunique()} users of {ratings['movieId'].nunique():,} films")

# %% [markdown]
# ## 1. Put a test set aside first
# Before looking at any recommendation, keep part of the data out of reach of the model, so that later
# you can check recommendations against ratings the model never saw. Two things matter here:
# - **every user** must keep some ratings aside, because precision and recall are computed per user
#   ("of the films I showed this person, how many did they like?");
# - the held-out ratings should come **after** the ones the model learns from. Lesson 01 showed that
#   random folds let a model peek at the future; a product only ever recommends what comes next.
#
# The course's evaluation harness, `paper2prod.evaluation`, does the first fully and the second for each
# user: `chronological_split` holds out
# the latest 20% of each user's ratings (by timestamp) and trains on the rest. It is the split the course
# measures product decisions on (lessons 04, 06 and 07).
#
# Everything the model learns from, and every count of "how many ratings a film has", comes from the
# training part only. Read what that split promises carefully, though: each user's test ratings come
# after **that user's** training ratings, but other users' ratings stay in training whenever they were
# made. The next cell measures what that lets in.

# %%
SEED = 42
TEST_SHARE = 0.2
K = 10  # the length of the list a person sees

train, test = evaluation.chronological_split(ratings, test_fraction=TEST_SHARE)
held_out_per_user = test.groupby("userId").size()
print(f"train: {len(train):,} ratings, test: {len(test):,} ratings; {len(held_out_per_user)} users keep "
      f"their latest {held_out_per_user.min()} to {held_out_per_user.max()} ratings aside")

# %% [markdown]
# ### How much of the future does the per-user split keep?
# For one test rating, made at time $t$ on film $i$, look at film $i$'s ratings in the training part: what
# share of them was made **after** $t$? Each of those is a piece of the future the model learns from: it
# shapes film $i$'s factors, its count of ratings and its mean. `evaluation.future_share(train, test)` gives
# that share for every test rating (NaN when the film has no training rating at all).

# %%
leak = evaluation.future_share(train, test)
print(f"per-user split: on average {leak.mean():.0%} of a test film's training ratings were made after the "
      f"test rating ({int(leak.notna().sum()):,} test ratings whose film has training ratings); for "
      f"{(leak > 0.5).mean():.0%} of the test ratings, more than half were")

# %% [markdown]
# So "trained on the past, tested on the future" is true of each user, and false of the data as a whole:
# counts of ratings, damped means and film factors all mix in ratings made after the test period began.
# The strict alternative is one cut-off time $T$ for everybody: train on every rating made before $T$, test
# on the ratings made at or after it. `evaluation.global_cutoff_split` does that, with $T$ chosen so that
# the latest 20% of all ratings fall after it (`evaluation.cutoff_for_share`). A user or a film first seen
# after $T$ has nothing to learn from (cold start): the split returns those ratings apart, so you can see
# how many there are instead of losing them without a word.

# %%
CUTOFF = evaluation.cutoff_for_share(ratings, TEST_SHARE)
at_cutoff = evaluation.global_cutoff_split(ratings, CUTOFF)
cutoff_counts = at_cutoff.counts()
print(f"cut-off {pd.to_datetime(CUTOFF, unit='s'):%Y-%m-%d}: {cutoff_counts}")
print(f"{at_cutoff.test['userId'].nunique()} users can be tested after the cut-off (they also rated before it); "
      f"{cutoff_counts['cold users']} users and {cutoff_counts['cold films']:,} films are first seen after it, "
      f"and {cutoff_counts['cold ratings'] / (cutoff_counts['cold ratings'] + cutoff_counts['test ratings']):.0%} "
      "of the ratings after it involve one of them")
print(f"leak of the cut-off split: {evaluation.future_share(at_cutoff.train, at_cutoff.test).max():.0%}")

# %% [markdown]
# On MovieLens most people rate in one burst, so after a global cut-off almost everyone is new, and only a
# few dozen users can be tested with a personal model. That is why the lesson works on the per-user split,
# which tests everyone, and why section 6 checks the decision it makes on the cut-off split too.

# %% [markdown]
# How many ratings does a film get? Look at the whole catalogue before looking at a single list:

# %%
ratings_per_film = train.groupby("movieId").size()
# Log-spaced bins with edges between whole numbers, so that no bin falls between two counts.
bins = np.unique(np.round(np.logspace(0, np.log10(ratings_per_film.max()) + 0.01, 30))) - 0.5
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.hist(ratings_per_film, bins=bins, color="#3b75af")
ax.axvline(5, color="#c0392b", linestyle="--", label="5 ratings")
ax.set(xscale="log", xlabel="ratings per film (training part, log scale)", ylabel="number of films",
       title="A long tail: most films have very few ratings")
ax.legend()
plt.show()
print(f"{(ratings_per_film == 1).mean():.0%} of the films in the training part have exactly one rating, "
      f"{(ratings_per_film < 5).mean():.0%} have fewer than five.")

# %% [markdown]
# ## 2. Your profile
# `paper2prod.profile` finds films by title the way you would type them: case, accents and punctuation do
# not matter, "The Lion King" finds "Lion King, The (1994)", and a film's original title in brackets
# works too. When several films share a title, add the year. Search before you put a title in your
# profile: the search shows the 10 shortest titles that contain what you typed, and a profile entry must
# name one film. "Star Wars" names none: the films are called "Star Wars: Episode IV - A New Hope (1977)"
# and so on, thirteen of them, and the five suggestions of the error below need not include the one you
# meant. `profile.search(movies, "star wars episode iv")` finds it; copy the title from there.

# %%
profile.search(movies, "beauty and the beast")

# %% [markdown]
# A profile is a dictionary `{title: rating}` with ratings from 0.5 to 5 stars in half-star steps.
# `profile.resolve` turns it into film ids, and when something is wrong it reports **every** problem at
# once, with candidates to choose from, rather than stopping at the first:

# %%
# NBVAL_CHECK_OUTPUT
try:
    profile.resolve(movies, {"Beauty and the Beast": 5, "Toy Stroy": 4.5, "Up": 6})
except profile.ProfileError as problems:
    print(problems)

# %% [markdown]
# Now rate films yourself. The cell below starts from a ready persona who loves animation and family
# films and dislikes horror, so the notebook runs as it is. To get recommendations for **you**, replace
# it with a dozen or more films you have seen, liked and disliked (films you dislike teach the model as
# much as films you like). Everything below works for any profile.
#
# **Hand in the notebook with the ready persona.** Grading reruns your notebook and compares what it
# prints with the lesson's design targets, which only the persona makes deterministic. Try your own
# profile first (or in a copy of the notebook), read your lists, then put `profile.PERSONA` back before
# you submit.

# %%
# NBVAL_CHECK_OUTPUT
my_titles = dict(profile.PERSONA)  # or: {"Toy Story": 5, "The Shining (1980)": 1, ...}

my_profile = profile.resolve(movies, my_titles)
expect(len(my_profile) >= 12, f"Your profile has {len(my_profile)} films: rate at least 12, liked and "
       "disliked, so the model can place you among the other users.")
print(f"{len(my_profile)} films rated, mean {my_profile['rating'].mean():.2f} stars")
my_profile

# %% [markdown]
# ## 3. Append your ratings, retrain, ask for your top 10
# You become a new user: the next free `userId`. Your ratings join the training part (none of them are
# held out: the test set measures the model on the other users).
#
# The ALS settings are the course's, from lesson 03: `rank=10` and `regParam=0.2`, which sat at the
# bottom of lesson 03's tuning grid (Spark, on a random split that held most of this lesson's test
# ratings: see the note after exercise 1b's plot), here with eight iterations. On this
# lesson's per-user split the lowest RMSE can fall elsewhere: exercise 1b's table prints where, and what
# the choice costs the lists. As always: a fixed seed, `coldStartStrategy="drop"` and few blocks.

# %%
MY_USER_ID = int(ratings["userId"].max()) + 1
my_ratings = profile.as_ratings(my_profile, MY_USER_ID)
training_rows = pd.concat([train, my_ratings], ignore_index=True)

ALS_SETTINGS = dict(rank=10, regParam=0.2, maxIter=8)


def make_als():
    """An unfitted Spark ALS with the lesson's settings."""
    return ALS(userCol="userId", itemCol="movieId", ratingCol="rating", seed=SEED, coldStartStrategy="drop",
               numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS, **ALS_SETTINGS)


training = spark.createDataFrame(training_rows, schema=data.ratings_schema()).cache()
model = make_als().fit(training)
print(f"trained on {training.count():,} ratings, yours included (userId {MY_USER_ID})")

# %% [markdown]
# ### Scoring every film for every user
# An ALS model predicts a rating as the dot product of a user's factor vector and a film's factor vector.
# With 611 users and about 8,000 films, *all* predictions fit in memory as one matrix, computed with a
# single matrix product in NumPy. That is much faster than asking Spark for one list at a time, and it
# keeps the full scores, which we need to filter them later.

# %%
user_ids = np.sort(training_rows["userId"].unique())
item_ids = np.sort(training_rows["movieId"].unique())
row_of = pd.Series(np.arange(len(user_ids)), index=user_ids)
column_of = pd.Series(np.arange(len(item_ids)), index=item_ids)


def factor_matrix(factors, ids):
    """A model's factor table (Spark: id, features) as a matrix with one row per id; NaN if unknown."""
    table = factors.toPandas().set_index("id")["features"]
    matrix = np.full((len(ids), len(table.iloc[0])), np.nan)
    known = np.isin(ids, table.index)
    matrix[known] = np.stack(table.loc[ids[known]].to_numpy())
    return matrix


def predicted_ratings(fitted):
    """Every predicted rating, users x films (rows: user_ids, columns: item_ids); NaN where unknown."""
    return factor_matrix(fitted.userFactors, user_ids) @ factor_matrix(fitted.itemFactors, item_ids).T


predicted = predicted_ratings(model)

# Check the shortcut against Spark itself on your own ratings: same numbers.
spark_says = model.transform(spark.createDataFrame(my_ratings, schema=data.ratings_schema())).toPandas()
ours = predicted[row_of[MY_USER_ID], column_of[spark_says["movieId"]].to_numpy()]
expect(np.allclose(ours, spark_says["prediction"], atol=1e-4), "the matrix product should match Spark")
print(f"{predicted.shape[0]} users x {predicted.shape[1]:,} films; matches Spark's predictions ✓")

# %% [markdown]
# A recommendation never repeats what the person has already rated, so those cells are set to minus
# infinity. `top_k` then picks the k best columns of each row.

# %%
seen = np.zeros(predicted.shape, dtype=bool)
seen[row_of[training_rows["userId"]].to_numpy(), column_of[training_rows["movieId"]].to_numpy()] = True


def recommendable(scores):
    """Scores with already-rated and unknown films set to -inf, so they are never recommended."""
    return np.where(seen | np.isnan(scores), -np.inf, scores)


def top_k(scores, k=K):
    """Column indices of the k highest scores along the last axis, best first.

    argpartition finds the k best without sorting everything; only those k are then sorted
    (a tie between two of them goes to the lower column).
    """
    candidates = np.argpartition(-scores, k, axis=-1)[..., :k]
    candidates = np.sort(candidates, axis=-1)  # so a stable sort breaks ties by column
    best_first = np.argsort(-np.take_along_axis(scores, candidates, axis=-1), axis=-1, kind="stable")
    return np.take_along_axis(candidates, best_first, axis=-1)


film_stats = (training_rows.groupby("movieId")["rating"].agg(n_ratings="size", mean_rating="mean")
              .join(movies.set_index("movieId")["title"]))
n_ratings_by_column = film_stats["n_ratings"].reindex(item_ids).to_numpy()


def describe(movie_ids, scores=None):
    """A ranked list as a table: title, number of ratings, mean rating (and the model's score)."""
    table = film_stats.loc[list(movie_ids), ["title", "n_ratings", "mean_rating"]]
    if scores is not None:
        table["predicted"] = scores[column_of[list(movie_ids)].to_numpy()]
    table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
    return table.round(2)


my_scores = recommendable(predicted)[row_of[MY_USER_ID]]
my_top10 = item_ids[top_k(my_scores)]
describe(my_top10, my_scores)

# %% [markdown]
# Read the list before reading on. Do you know these films? Look at the `n_ratings` column: how many
# people rated each of them, and at the predicted ratings, some above the five-star maximum.
#
# ## Exercise 1 — How many of your top 10 are rarely rated? (2 points)
# Write `count_rarely_rated(movie_ids, n_ratings, below=5)`: given film ids and a pandas Series holding the
# number of ratings of each film (indexed by `movieId`), return how many of **those** films have
# **fewer than** `below` ratings, as an `int`. A film missing from `n_ratings` has no ratings at all.
#
# The cell then counts the films in your top 10 with fewer than five ratings.

# %% tags=["solution"] grade_id="ex1_rarely_rated"
def count_rarely_rated(movie_ids, n_ratings, below=5):
    """How many of the films in movie_ids have fewer than `below` ratings."""
    ### BEGIN SOLUTION
    counts = n_ratings.reindex(list(movie_ids)).fillna(0)
    return int((counts < below).sum())
    ### END SOLUTION


n_rarely_rated = count_rarely_rated(my_top10, film_stats["n_ratings"])
print(f"{n_rarely_rated} of your top {K} have fewer than 5 ratings")

# %% tags=["tests"] grade_id="ex1_rarely_rated_check" points=2
_counts = pd.Series({1: 10, 2: 4, 3: 5, 4: 1, 5: 2})
_got = count_rarely_rated([3, 1, 2], _counts, below=5)
expect_type(_got, (int, np.integer), "count_rarely_rated(...)")
expect(_got != 3, "count_rarely_rated([3, 1, 2], ...) returned 3, the number of rarely rated films in the "
       "whole table: count only the films in movie_ids.")
expect(_got == 1, f"Films 3, 1 and 2 have 5, 10 and 4 ratings, so one of them has fewer than 5; got {_got}. "
       "'Fewer than 5' means 4 or less: 5 ratings is not fewer than 5.")
expect(0 <= n_rarely_rated <= K, f"n_rarely_rated is {n_rarely_rated}, but a top {K} holds only {K} films.")
passed(f"{n_rarely_rated} of {K}")
### BEGIN HIDDEN TESTS
try:
    _with_missing = count_rarely_rated([7, 1], _counts)
except KeyError as _error:
    raise AssertionError(
        f"count_rarely_rated([7, 1], ...) raised KeyError {_error}: film 7 is missing from n_ratings, so it has "
        "no ratings and counts as rarely rated. n_ratings.loc[ids] (or n_ratings[ids]) fails on a missing id; "
        "n_ratings.reindex(ids).fillna(0) or n_ratings.get(m, 0) gives it 0 ratings") from None
assert _with_missing == 1, "a film missing from n_ratings has no ratings: it counts"
assert count_rarely_rated([4, 5], _counts, below=2) == 1, "use the `below` argument"
assert count_rarely_rated([], _counts) == 0
_sparse_ids = pd.Series({1000003: 7, 2: 4, 99: 0})  # ids that are not positions; a film with 0 ratings
assert count_rarely_rated(np.array([1000003, 2, 99]), _sparse_ids) == 2, "look films up by id, not by position"
assert type(count_rarely_rated(np.array([2]), _sparse_ids)) is int, "return a plain int (int(...))"
_reference_counts = training_rows.groupby("movieId").size()
_reference = sum(int(_reference_counts.get(m, 0)) < 5 for m in my_top10)
assert n_rarely_rated == _reference, f"your top 10 holds {_reference} films with fewer than 5 ratings"
if my_titles == profile.PERSONA:  # the lesson's design target, for the ready persona
    assert n_rarely_rated >= K // 2, "at least half of the persona's unfiltered top 10 should be rarely rated"
### END HIDDEN TESTS

# %% [markdown]
# ### What went wrong?
# Nothing, as far as RMSE is concerned. Think about a film rated by a single person. ALS fits that film's
# factor vector to one rating: it points in the direction of that one person's taste, with a length set
# by how much they liked it. If that person resembles you, your dot product with the film is large, so
# its predicted rating is high, sometimes above five stars. The model is not lying: given one data point,
# "people like you love this" is the best fit. But one data point is not evidence, and a list full of
# such films is useless to you.
#
# Why doesn't the RMSE notice? Because RMSE averages over the ratings that exist, and rarely rated films
# contribute very few of them each. A film with one rating adds at most a row or two to the twenty thousand
# test ratings, yet it can take a place in hundreds of people's top 10s (exercise 1b counts those places).
# The plot shows it for you: your predicted score for every film against its number of ratings.

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
candidates = np.isfinite(my_scores)
ax.scatter(n_ratings_by_column[candidates], my_scores[candidates], s=4, alpha=0.3, color="#7f8c8d",
           label="films you have not rated")
top_columns = column_of[my_top10].to_numpy()
ax.scatter(n_ratings_by_column[top_columns], my_scores[top_columns], s=30, color="#c0392b", label="your top 10")
ax.axhline(5, color="black", linewidth=0.8, linestyle=":")
ax.set(xscale="log", xlabel="ratings per film (log scale)", ylabel="your predicted rating",
       title="The highest predictions go to films almost nobody rated")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# ### Doesn't regularisation guard against this?
# It is supposed to: the penalty pulls factors towards zero, and one would expect a film with one rating
# to be pulled hardest. Spark's `regParam` does not do that. Like ALS-WR (Zhou et al. 2008, lesson 01),
# Spark multiplies λ by each film's number of ratings $n_i$. Take one dimension and raters whose user
# factor is 1: the film's factor minimises $\sum_u (r_{ui} - y_i)^2 + \lambda\, n_i\, y_i^2$, so
#
# $$y_i = \frac{\sum_u r_{ui}}{n_i + \lambda n_i} = \frac{\bar r_i}{1 + \lambda}$$
#
# whatever $n_i$ is. The data term and the penalty grow together, so the shrinkage does **not** grow
# with the evidence: a film with a single five-star rating is shrunk exactly as much as a film with five
# hundred ratings averaging five stars. That is why it can top your list.
#
# Plain ridge regression uses the same λ for every row, whatever its count. Spark cannot do it, but the
# course's NumPy ALS can: `paper2prod.numpy_als.als_wr(..., weighted=False)` (lesson 03 checked its
# weighted version against Spark). The cell below fits it on the same training rows as Spark, with the
# lesson's rank and iterations, and returns every prediction as a users x films matrix, like
# `predicted`. One fit takes under a second on an idle laptop, a few seconds on a busy one.
#
# Spark's ALS also has no bias terms, while lesson 01's model had them: a global mean, a bias per user
# and a bias per film (regularised with λ = 5, ten alternating passes), with the factors fitted to what
# the biases leave over. With `biases=True` the cell fits that model form: the biases on the training
# rows, then NumPy ALS on the residuals, and the prediction adds them back. A film rated once then gets
# a bias shrunk by $n_i/(n_i + 5)$, and its factor only has to explain what the bias does not.

# %%
train_rows = row_of[training_rows["userId"]].to_numpy()
train_columns = column_of[training_rows["movieId"]].to_numpy()
# A film whose every rating was held out (in test) has no factors; RMSE is measured on the films the model knows.
known_test = test[test["movieId"].isin(item_ids)]


BIAS_LAMBDA = 5.0  # lesson 01's λ for the biases


def baseline_biases(lam=BIAS_LAMBDA, passes=10):
    """Lesson 01's baseline on training_rows: (global mean, user biases, film biases), by column index."""
    stars = training_rows["rating"].to_numpy()
    mean = float(stars.mean())
    per_user, per_film = np.bincount(train_rows), np.bincount(train_columns)
    user_bias, film_bias = np.zeros(len(user_ids)), np.zeros(len(item_ids))
    for _ in range(passes):  # alternate: each step is the exact ridge solution given the other side
        film_bias = np.bincount(train_columns, stars - mean - user_bias[train_rows]) / (lam + per_film)
        user_bias = np.bincount(train_rows, stars - mean - film_bias[train_columns]) / (lam + per_user)
    return mean, user_bias, film_bias


def numpy_predictions(lam, weighted, biases=False):
    """Every predicted rating (users x films, like `predicted`) of NumPy ALS on training_rows.

    biases=True: lesson 01's model form, biases first and the factors fitted to the residuals.
    """
    stars, baseline = training_rows["rating"].to_numpy(), 0.0
    if biases:
        mean, user_bias, film_bias = baseline_biases()
        stars = stars - mean - user_bias[train_rows] - film_bias[train_columns]
        baseline = mean + user_bias[:, None] + film_bias[None, :]
    user_factors, film_factors = numpy_als.als_wr(
        train_rows, train_columns, stars, len(user_ids), len(item_ids),
        rank=ALS_SETTINGS["rank"], lam=lam, iterations=ALS_SETTINGS["maxIter"], seed=SEED, weighted=weighted)
    return baseline + user_factors @ film_factors.T


print(f"RMSE is measured on {len(known_test):,} of {len(test):,} test ratings (films the model knows)")

# %% [markdown]
# ## Exercise 1b — What does the weighted λ cost the lists? (3 points)
# Write `measure_regularisation(lam, weighted, below=5, biases=False)`. It fits NumPy ALS with
# `numpy_predictions(lam, weighted, biases)` and returns a dictionary with three entries:
# - `"RMSE"`: the root mean squared error on the **test** ratings in `known_test` (a `float`);
# - `"rare in your top 10"`: how many films in **your** top 10 (row `row_of[MY_USER_ID]`) have fewer
#   than `below` training ratings (an `int`);
# - `"rare in all top 10s"`: the same count over **every** user's top 10 (yours included), counting
#   places in the lists, not distinct films: a film in 300 lists counts 300 times (an `int`).
#
# The lists are what a user would see: already rated films excluded (`recommendable`), then `top_k`.
# Count ratings with `n_ratings_by_column` (training counts, one per column).

# %% tags=["solution"] grade_id="ex1b_regularisation"
def measure_regularisation(lam, weighted, below=5, biases=False):
    """Test RMSE and rarely rated films in the top-10 lists of NumPy ALS with this λ (and biases, if asked)."""
    ### BEGIN SOLUTION
    scores = numpy_predictions(lam, weighted, biases)
    cells = (row_of[known_test["userId"]].to_numpy(), column_of[known_test["movieId"]].to_numpy())
    rmse = float(np.sqrt(np.mean((scores[cells] - known_test["rating"].to_numpy()) ** 2)))
    rare = n_ratings_by_column[top_k(recommendable(scores))] < below
    return {"RMSE": rmse, "rare in your top 10": int(rare[row_of[MY_USER_ID]].sum()),
            "rare in all top 10s": int(rare.sum())}
    ### END SOLUTION


# %% tags=["tests"] grade_id="ex1b_regularisation_check" points=3
_course = measure_regularisation(ALS_SETTINGS["regParam"], True)
expect(isinstance(_course, dict) and set(_course) == {"RMSE", "rare in your top 10", "rare in all top 10s"},
       f"measure_regularisation should return a dict with the keys 'RMSE', 'rare in your top 10' and 'rare "
       f"in all top 10s'; got {_course!r}.")
for _key in ("rare in your top 10", "rare in all top 10s"):
    expect_type(_course[_key], (int, np.integer), f"measure_regularisation(...)[{_key!r}]")
expect(0 <= _course["rare in your top 10"] <= K, f"Your top {K} holds {K} films, but 'rare in your top 10' "
       f"is {_course['rare in your top 10']}.")
expect(_course["rare in your top 10"] <= _course["rare in all top 10s"] <= K * len(user_ids),
       f"'rare in all top 10s' counts places in {len(user_ids)} lists of {K}, yours included: between "
       f"'rare in your top 10' and {K * len(user_ids)}; got {_course['rare in all top 10s']}.")
expect(0.5 < _course["RMSE"] < 1.2, f"measure_regularisation({ALS_SETTINGS['regParam']}, True) gave an RMSE of "
       f"{_course['RMSE']:.3f}, far from what weighted ALS gives on MovieLens (about 0.9). Pass `weighted` on "
       "unchanged (True is ALS-WR, the weighted λ), and compare the predictions with known_test['rating'] at "
       "the same (user, film) cells.")
_with_biases = measure_regularisation(ALS_SETTINGS["regParam"], True, biases=True)
expect(abs(_with_biases["RMSE"] - _course["RMSE"]) > 1e-6,
       f"measure_regularisation({ALS_SETTINGS['regParam']}, True, biases=True) gave the same RMSE as without "
       f"biases ({_course['RMSE']:.4f}): pass `biases` on to numpy_predictions.")
passed(f"λ {ALS_SETTINGS['regParam']}, weighted: {_course}; with biases: {_with_biases}")
### BEGIN HIDDEN TESTS
# An independent reference for two settings the sweep below also uses, and the near misses it tells apart.
# The lists of the Spark model fitted above (`predicted`), the same whatever λ: ranking them is a slip.
_spark_lists = top_k(np.where(seen | np.isnan(predicted), -np.inf, predicted))


def _reference(lam, weighted, below, biases=False):
    _scores = numpy_predictions(lam, weighted, biases)
    _cells = (row_of[known_test["userId"]].to_numpy(), column_of[known_test["movieId"]].to_numpy())
    _train_errors = _scores[train_rows, train_columns] - training_rows["rating"].to_numpy()
    # The lesson's top_k, so ties (films rated once by the same user alike score alike) break the same way.
    _lists = top_k(np.where(seen, -np.inf, _scores))
    _with_rated = top_k(_scores)
    _n = n_ratings_by_column
    return {"RMSE": float(np.sqrt(np.mean((_scores[_cells] - known_test["rating"].to_numpy()) ** 2))),
            "train RMSE": float(np.sqrt(np.mean(_train_errors ** 2))),
            "mine": int((_n[_lists[row_of[MY_USER_ID]]] < below).sum()), "all": int((_n[_lists] < below).sum()),
            "distinct": int(np.unique(_lists[_n[_lists] < below]).size),
            "rated kept": int((_n[_with_rated] < below).sum()), "at most": int((_n[_lists] <= below).sum()),
            "below 5": int((_n[_lists] < 5).sum()),
            "spark": (int((_n[_spark_lists[row_of[MY_USER_ID]]] < below).sum()), int((_n[_spark_lists] < below).sum()))}


for _lam, _weighted, _below, _biases in [(0.1, True, 5, False), (2, False, 20, False), (20, False, 3, True)]:
    _want = _reference(_lam, _weighted, _below, _biases)
    _got = measure_regularisation(_lam, _weighted, below=_below, biases=_biases)
    _setting = f"measure_regularisation({_lam}, weighted={_weighted}, below={_below}, biases={_biases})"
    assert abs(_got["RMSE"] - _want["train RMSE"]) > 1e-6, (
        f"{_setting}: your RMSE is the error on the training ratings; measure it on known_test")
    assert abs(_got["RMSE"] - _want["RMSE"] ** 2) > 1e-6, (
        f"{_setting}: your RMSE, {_got['RMSE']:.4f}, is the mean squared error (expected {_want['RMSE']:.4f}, "
        f"whose square is {_want['RMSE'] ** 2:.4f}): take the square root of the mean")
    assert abs(_got["RMSE"] - _want["RMSE"]) < 1e-6, (
        f"{_setting}: RMSE {_got['RMSE']:.4f}, expected {_want['RMSE']:.4f}. Pass lam, weighted and biases on "
        "to numpy_predictions unchanged (not the course's λ, not the other penalty) and use known_test")
    _rare = (_got["rare in your top 10"], _got["rare in all top 10s"])
    for _slip, _hint in [("distinct", "you counted distinct films; count places in the lists (a film in 300 "
                                      "lists counts 300 times)"),
                         ("rated kept", "your lists include films the user already rated; use "
                                        "recommendable(scores) before top_k"),
                         ("at most", "you counted films with at most `below` ratings; use fewer than `below`"),
                         ("below 5", f"you counted films with fewer than 5 ratings; use the `below` argument "
                                     f"(here {_below})")]:
        assert _rare[1] != _want[_slip] or _want[_slip] == _want["all"], f"{_setting}: {_hint}"
    assert _rare != _want["spark"] or _want["spark"] == (_want["mine"], _want["all"]), (
        f"{_setting}: your lists come from the Spark model in `predicted`, which does not change with lam; rank "
        "the scores numpy_predictions returns for this setting")
    assert _rare[1] != _want["all"] - _want["mine"] or _want["mine"] == 0, (
        f"{_setting}: 'rare in all top 10s' is {_rare[1]}, which is {_want['all']} minus the {_want['mine']} of your "
        "own top 10: count every user's list, yours included")
    assert _rare == (_want["mine"], _want["all"]), (
        f"{_setting}: expected {_want['mine']} rare films in your top 10 and {_want['all']} in all top 10s, "
        f"got {_rare[0]} and {_rare[1]}. The lists are top_k(recommendable(scores)) of this setting's scores, best "
        "first; count the films with fewer than `below` training ratings (n_ratings_by_column), in your row "
        "row_of[MY_USER_ID] and in every row")
### END HIDDEN TESTS

# %% [markdown]
# Now sweep λ, weighted and plain, without and with the biases, and put the test RMSE beside the rare
# films in the lists. The two penalties live on different scales (the weighted λ is multiplied by counts
# in the tens and hundreds), so each gets its own grid. Twenty-four NumPy fits take from a few seconds to
# half a minute, depending on how busy the machine is.

# %%
LAMBDAS = {"weighted": [0.05, 0.1, 0.15, 0.2, 0.3, 0.5], "plain": [1, 2, 5, 10, 20, 50]}
regularisation = pd.DataFrame([
    {"biases": biases, "penalty": penalty, "λ": lam, **measure_regularisation(lam, penalty == "weighted", biases=biases)}
    for biases in (False, True) for penalty, lams in LAMBDAS.items()
    for lam in tqdm(lams, desc=f"{penalty}{' + biases' if biases else ''}")])
print(regularisation.round(3).to_string(index=False))
course = regularisation[~regularisation["biases"] & (regularisation["penalty"] == "weighted")
                        & (regularisation["λ"] == ALS_SETTINGS["regParam"])].iloc[0]
print(f"\nthe course setting (weighted λ {ALS_SETTINGS['regParam']}, no biases): RMSE {course['RMSE']:.3f}, "
      f"{course['rare in your top 10']} rare films in your top 10, {course['rare in all top 10s']:,} in all "
      f"{len(user_ids) * K:,} places")
lowest = regularisation.loc[regularisation.groupby(["biases", "penalty"])["RMSE"].idxmin()]
print("\nthe lowest test RMSE of each model form and penalty:")
print(lowest.round(3).to_string(index=False))
best_weighted, best_plain = (lowest[lowest["biases"] & (lowest["penalty"] == p)].iloc[0] for p in ("weighted", "plain"))
print(f"\nwith biases, the lowest RMSEs of the two penalties differ by "
      f"{abs(best_weighted['RMSE'] - best_plain['RMSE']):.3f}; rare films in all top 10s: weighted λ "
      f"{best_weighted['λ']:g} {best_weighted['rare in all top 10s']:,}, plain λ {best_plain['λ']:g} "
      f"{best_plain['rare in all top 10s']:,}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for axis, column, title in [(axes[0], "rare in your top 10", "Your top 10"),
                            (axes[1], "rare in all top 10s", f"All {len(user_ids)} users' top 10s")]:
    for (penalty, biases), (colour, style) in {("weighted", False): ("#c0392b", "-"), ("plain", False): ("#3b75af", "-"),
                                               ("weighted", True): ("#c0392b", "--"),
                                               ("plain", True): ("#3b75af", "--")}.items():
        rows = regularisation[(regularisation["penalty"] == penalty) & (regularisation["biases"] == biases)]
        label = "weighted λ (ALS-WR, Spark's regParam)" if penalty == "weighted" else "plain ridge λ"
        axis.plot(rows[column], rows["RMSE"], marker="o", color=colour, linestyle=style,
                  label=label + (" + biases" if biases else ""))
        for _, row in rows.iterrows():
            axis.annotate(f"{row['λ']:g}", (row[column], row["RMSE"]), textcoords="offset points",
                          xytext=(4, 4), fontsize=8)
    axis.set(title=title, xlabel=f"films with fewer than 5 ratings in the top {K} (list places)")
    axis.grid(alpha=0.3)
axes[0].set_ylabel("test RMSE (lower is better)")
axes[0].legend()
fig.suptitle("RMSE against rarely rated films in the lists (labels: λ; dashed: lesson 01's biases)")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Read the lowest RMSEs as a description, not as a choice.** Each "lowest test RMSE" above is the best of
# six λ picked *on the test ratings*. Picking there flatters the winner, the selection bias section 6
# avoids for the threshold; here it flatters both penalties alike, so the comparison between them stands,
# but no number in that table is an honest estimate of how a chosen λ would do. Nothing is chosen from
# it: the lists keep lesson 03's `regParam` 0.2. That value carries a caveat of its own: lesson 03 tuned it
# on a random 80 % of all ratings, so about four in five of this lesson's test ratings were among the
# ratings it was tuned on. A λ meant for production is chosen on a validation split carved from the
# training part only, as section 6 does for the threshold.

# %% [markdown]
# ### Why RMSE cannot see the trap
# RMSE scores only the (user, film) pairs that have a test rating. Which pairs get rated is not random:
# people rate what they chose to watch, and they choose what they expect to like; whether a rating is
# observed depends on the film and on the rating itself. The ratings are *missing not at random*
# (Marlin et al. 2007; Steck 2010). A list, though, is chosen among **every** film a user has not rated.
# The cell compares the weight films with fewer than 5 training ratings get in the test RMSE with their
# share of the pairs a list is chosen from, and of the places in the lists.

# %%
rare_column = n_ratings_by_column < 5
rare_in_rmse = rare_column[column_of[known_test["movieId"]].to_numpy()].mean()
rare_in_candidates = (rare_column[None, :] & ~seen).sum() / (~seen).sum()
places = len(user_ids) * K
print(f"films with fewer than 5 training ratings: {rare_column.mean():.0%} of the films the model knows,\n"
      f"  {rare_in_rmse:.0%} of the test ratings RMSE is computed on,\n"
      f"  {rare_in_candidates:.0%} of the (user, film) pairs the lists are chosen from,\n"
      f"  {course['rare in all top 10s'] / places:.0%} of the list places of the course setting (weighted λ "
      f"{ALS_SETTINGS['regParam']}, no biases), {best_weighted['rare in all top 10s'] / places:.0%} with biases at "
      f"weighted λ {best_weighted['λ']:g}, {best_plain['rare in all top 10s'] / places:.0%} with biases at plain λ "
      f"{best_plain['λ']:g}")

# %% [markdown]
# The test ratings on rarely rated films are the few pairs someone chose to rate; the pairs that fill the
# lists are the many nobody rated, and no test rating exists for them. However badly the model
# over-predicts a one-rating film for the hundreds of users who never saw it, RMSE never scores one of
# those predictions: it can only be read from the lists.
#
# ## Question — why the weighted λ fills the lists (3 points, graded by your instructor)
# In **four to six sentences**, using your table, plot and the cell above: (a) do for plain ridge what the
# text did for the weighted λ: in one dimension, with raters whose factor is 1, what is the factor of a
# film with $n_i$ ratings averaging $\bar r_i$, and which films does it shrink most? (b) Without biases,
# and then with lesson 01's biases, what does each penalty's lowest-RMSE setting cost the lists, in
# numbers? Is there a trade-off between RMSE and the lists once the biases are in? (c) Why can RMSE not
# see the rarely rated films in the lists?

# %% [markdown] tags=["answer"] grade_id="q_regularisation" points=3
# (a) With plain ridge the film's factor minimises sum (r - y)^2 + λ y^2, so y = n r̄ / (n + λ): a film
# with one rating is shrunk by 1/(1 + λ), one with 500 ratings hardly at all (500/(500 + λ)), so the
# shrinkage grows with the evidence, as one would expect. The weighted λ gives r̄/(1 + λ) for every n, so
# a film rated 5 by one person keeps as large a factor as a film rated 5 by hundreds. (b) Without biases
# the weighted λ wins on RMSE (0.914 at 0.15 in my run; plain ridge is 1.19 at best) and fills the lists:
# at the course's 0.2, 9 of my top 10 and about 6,080 of 6,110 places hold films with fewer than 5
# ratings. With lesson 01's biases the trade-off is gone: the best plain λ (20, RMSE 0.875) and the best
# weighted λ (0.2, 0.874) are within 0.001, yet plain ridge puts no rarely rated film in any list and the
# weighted λ about 1,700 places; so the weighted λ at its best-RMSE setting, not accuracy, makes the trap (with the
# biases, the larger weighted λ of 0.3 and 0.5 let fewer and then none of those films in, at some cost in
# RMSE; without them they let in more). (c) RMSE only scores
# pairs that someone rated, and ratings are missing not at random: in my run films with fewer than 5
# ratings are 18% of the test ratings but about 64% of the pairs a list is chosen from and nearly every
# list place of the course setting; the over-predictions that fill the lists are on pairs with no test
# rating, so RMSE never sees them.

# %% [markdown]
# ## 4. Fix it: do not trust small counts
# Plain ridge keeps rarely rated films out of the lists. Without biases it pays for that in RMSE; with
# lesson 01's biases your table shows no such price. Each penalty is right for something (lesson 02 made
# the same point): the weighted λ is the paper's choice, lets one λ carry over between data sets, and is
# what the paper's RMSEs were obtained with; plain ridge shrinks the films with the least evidence the
# most, which is what a list needs. Spark's ALS offers neither plain ridge nor biases. The fix from the
# talk this course grew from is plainer still: keep Spark's model, and do not recommend films that too
# few people have rated. It is not novel, it will not get
# anyone a publication, and it works. There are two places to apply it.
#
# - **Before training:** remove the ratings of rarely rated films from the training data. The model
#   never learns those films, so it cannot recommend them.
# - **After scoring:** train on everything, and remove rarely rated films from the scored list before
#   taking the top 10. The model is unchanged; only the list is.
#
# ## Exercise 2 — Filter before training (2 points)
# Write `drop_rare_films(frame, min_ratings)`: given a Spark DataFrame of ratings, return a Spark
# DataFrame with **the same columns, in the same order**, keeping only the rows of films that have **at
# least** `min_ratings` rows in `frame`.
#
# *Hint:* count rows per `movieId`, keep the ids that pass, and join them back (an inner join keeps only
# matching rows); or use a count over a window partitioned by `movieId`.

# %% tags=["solution"] grade_id="ex2_drop_rare"
def drop_rare_films(frame, min_ratings):
    """The rows of films with at least min_ratings rows in frame (same columns)."""
    ### BEGIN SOLUTION
    popular = frame.groupBy("movieId").count().filter(F.col("count") >= min_ratings).select("movieId")
    return frame.join(popular, on="movieId", how="inner").select(*frame.columns)
    ### END SOLUTION


# %% tags=["tests"] grade_id="ex2_drop_rare_check" points=2
# Distinct timestamps: a count over a window ordered by time would count only up to each row.
_tiny = spark.createDataFrame([(1, 10, 4.0, 100), (2, 10, 3.0, 200), (3, 10, 5.0, 300), (1, 11, 2.0, 400),
                               (2, 11, 1.0, 500), (1, 12, 5.0, 600)], schema=data.ratings_schema())
_kept = drop_rare_films(_tiny, 2)
expect(hasattr(_kept, "toPandas"), f"drop_rare_films should return a Spark DataFrame, not a "
       f"{type(_kept).__name__}.")
expect(_kept.columns == _tiny.columns, f"The result should keep the columns {_tiny.columns} in that order; "
       f"got {_kept.columns}. Join the ids that pass back to the ratings and select the original columns.")
_rows = sorted(tuple(r) for r in _kept.collect())
_films = sorted({r[1] for r in _rows})
expect(11 in _films, f"Film 11 has exactly 2 ratings, so with min_ratings=2 it stays; you kept films {_films}. "
       "Keep films with at least min_ratings ratings (>=).")
expect(_films == [10, 11], f"With min_ratings=2, films 10 (3 ratings) and 11 (2 ratings) stay and film 12 "
       f"(1 rating) goes; you kept films {_films}.")
expect(len(_rows) == 5, f"Every rating of a film that stays must stay: expected 5 rows, got {len(_rows)}. "
       "(A count over a window with an orderBy counts only the rows up to the current one: partition by "
       "movieId without ordering, or count with groupBy and join.)")
passed("rare films dropped, everything else kept")
### BEGIN HIDDEN TESTS
assert drop_rare_films(_tiny, 1).count() == 6, "min_ratings=1 keeps every row"
assert drop_rare_films(_tiny, 4).count() == 0, "no film has 4 ratings"
# A film counts rows, not distinct users: film 12's one rater appears twice here, so it has 2 rows.
_twice = spark.createDataFrame([(1, 12, 5.0, 0), (1, 12, 4.0, 1), (2, 13, 3.0, 0)], schema=data.ratings_schema())
assert sorted(r.movieId for r in drop_rare_films(_twice, 2).collect()) == [12, 12], (
    "count each film's rows (a duplicated row counts twice), not its distinct users")
# An exact copy of a row is a second row: it counts, and both copies stay (no distinct(), before or after).
_copies = spark.createDataFrame([(1, 14, 5.0, 0), (1, 14, 5.0, 0), (2, 15, 3.0, 0)], schema=data.ratings_schema())
_copies_kept = drop_rare_films(_copies, 2).count()
assert _copies_kept == 2, (f"a row that appears twice is two rows: film 14 has 2 and both stay, so 2 rows; got "
                           f"{_copies_kept}. Count and keep rows as they are: no distinct(), before or after")
_slice = training_rows.iloc[:3000]  # a slice of the real data, with an answer computed in pandas
_expected = _slice[_slice.groupby("movieId")["movieId"].transform("size") >= 3]
_result = drop_rare_films(spark.createDataFrame(_slice, schema=data.ratings_schema()), 3).toPandas()
assert len(_result) == len(_expected), "wrong number of rows on a slice of the real data"
assert set(zip(_result.userId, _result.movieId)) == set(zip(_expected.userId, _expected.movieId))
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 3 — Filter after scoring (2 points)
# Write `mask_rare_films(scores, n_ratings, min_ratings)`. `scores` is a NumPy array whose **last** axis
# runs over films (a vector for one user, or a users x films matrix); `n_ratings` is a vector with the
# number of ratings of each of those films. Return a **new** array, the same shape as `scores`, in which
# every film with **fewer than** `min_ratings` ratings scores `-np.inf` (so `top_k` never picks it) and
# every other score is unchanged. Do not modify `scores` itself: the same scores are reused for every
# threshold.
#
# *Hint:* `np.where` broadcasts a vector over the rows of a matrix.

# %% tags=["solution"] grade_id="ex3_mask_rare"
def mask_rare_films(scores, n_ratings, min_ratings):
    """A copy of scores with films rated fewer than min_ratings times set to -inf."""
    ### BEGIN SOLUTION
    return np.where(np.asarray(n_ratings) >= min_ratings, scores, -np.inf)
    ### END SOLUTION


# %% tags=["tests"] grade_id="ex3_mask_rare_check" points=2
_scores = np.array([3.0, -1.0, 4.5, 0.5])
_counts = np.array([1, 7, 3, 2])
_before = _scores.copy()
try:
    _masked = mask_rare_films(_scores, _counts, 3)
except IndexError as _error:
    raise AssertionError(
        f"mask_rare_films failed on one user's vector (4 films, 4 counts): {_error}. scores may be a vector or a "
        "users x films matrix: index the last axis with [..., mask] or use np.where, which works for both.") from None
expect(isinstance(_masked, np.ndarray) and _masked.shape == _scores.shape,
       f"mask_rare_films should return an array of shape {_scores.shape}; got {_masked!r}.")
expect(np.array_equal(_scores, _before), "mask_rare_films changed its input: work on a copy (np.where "
       "returns a new array), because the same scores are reused for every threshold.")
expect(_masked[2] == 4.5, "The third film has exactly 3 ratings, so with min_ratings=3 it keeps its score. "
       "Mask films with fewer than min_ratings ratings (<), not with at most (<=).")
expect(_masked[1] == -1.0, f"A film that passes keeps its score even when it is negative; got {_masked[1]} "
       "for a score of -1.0.")
expect(np.isneginf(_masked[0]) and np.isneginf(_masked[3]),
       f"Films with 1 and 2 ratings should score -inf with min_ratings=3; got {_masked[0]} and {_masked[3]}. "
       "Use -np.inf: a zero would still beat every negative score.")
passed("masked after scoring")
### BEGIN HIDDEN TESTS
_matrix = np.array([[1.0, 2.0, 3.0, 4.0], [-4.0, -3.0, -2.0, -1.0]])
try:
    _out = mask_rare_films(_matrix, _counts, 2)
except (IndexError, ValueError) as _error:
    raise AssertionError(
        f"mask_rare_films failed on a users x films matrix (2 users, 4 films, 4 counts): {_error}. The counts "
        "belong to the last axis, the films: mask those columns in every row (np.where broadcasts a vector "
        "over the rows)") from None
assert _out.shape == (2, 4), "a users x films matrix should come back with the same shape"
assert np.isneginf(_out[:, 0]).all() and (_out[:, 1:] == _matrix[:, 1:]).all(), "mask whole film columns"
assert np.array_equal(mask_rare_films(_scores, _counts, 1), _scores), "min_ratings=1 masks nothing"
assert np.isneginf(mask_rare_films(_scores, _counts, 100)).all(), "a high threshold masks everything"
_fine = np.array([0.1, 0.7, 0.3])
_fine_out = mask_rare_films(_fine, [5, 5, 1], 2)
assert _fine_out.dtype == _fine.dtype and (_fine_out[:2] == _fine[:2]).all(), (
    f"every other score is unchanged: {_fine[:2]} came back as {_fine_out[:2]} ({_fine_out.dtype}); no rounding, "
    "no other dtype")
### END HIDDEN TESTS

# %% [markdown]
# ### Before training or after scoring: compare them on your own list
# Both at the same threshold, 10 ratings. Filtering before training needs a second model; filtering
# after scoring reuses the one we have.

# %%
COMPARE_MIN_RATINGS = 10

model_before = make_als().fit(drop_rare_films(training, COMPARE_MIN_RATINGS).cache())
predicted_before = predicted_ratings(model_before)  # NaN for the films this model never saw

after_top10 = item_ids[top_k(mask_rare_films(my_scores, n_ratings_by_column, COMPARE_MIN_RATINGS))]
before_scores = recommendable(predicted_before)[row_of[MY_USER_ID]]
before_top10 = item_ids[top_k(before_scores)]
side_by_side = pd.concat({"filtered after scoring": describe(after_top10)[["title", "n_ratings"]],
                          "filtered before training": describe(before_top10)[["title", "n_ratings"]]}, axis=1)
print(f"{len(set(after_top10) & set(before_top10))} of {K} films are on both lists")
side_by_side

# %% [markdown]
# Both lists now hold only films that at least ten people rated, and they mostly agree. The difference is practical:
#
# | | before training | after scoring |
# |---|---|---|
# | models to train | one per threshold | one for every threshold |
# | changing the threshold | retrain | change one number, even per request |
# | ratings of rare films | thrown away | still shape the users' factors |
# | rare films in the model | absent (cannot be scored for anyone) | present, only hidden from lists |
#
# The rest of the lesson measures both, and sweeps the threshold with the after-scoring filter because it
# costs nothing to try another value.
#
# ## Exercise 4 — A popularity baseline that damps small counts (2 points)
# The simplest recommender shows everybody the films with the best mean rating. With raw means, that is
# a list of films rated once with five stars. A **damped mean** pretends that every film also has
# `damping` extra ratings equal to the global mean:
#
# $$\text{damped}_i = \frac{\sum_{u} r_{ui} + m\,\mu}{n_i + m}$$
#
# where $n_i$ is the film's number of ratings, $m$ the damping and $\mu$ the mean of **all** ratings in
# the table. A film with few ratings stays close to $\mu$; a film with many ratings keeps its own mean. (It
# is the posterior mean of a simple Bayesian model, and Simon Funk used it in the Netflix Prize.)
#
# Write `damped_mean(frame, damping)`: given a pandas DataFrame with `movieId` and `rating` columns, return
# a pandas Series indexed by `movieId` holding each film's damped mean. With `damping=0` it is the plain
# mean.

# %% tags=["solution"] grade_id="ex4_damped_mean"
def damped_mean(frame, damping):
    """Each film's mean rating, pulled towards the global mean by `damping` pretend ratings."""
    ### BEGIN SOLUTION
    global_mean = frame["rating"].mean()
    per_film = frame.groupby("movieId")["rating"].agg(["sum", "size"])
    return (per_film["sum"] + damping * global_mean) / (per_film["size"] + damping)
    ### END SOLUTION


# %% tags=["tests"] grade_id="ex4_damped_mean_check" points=2
_frame = pd.DataFrame({"movieId": [10, 20, 20, 20, 20, 30, 30], "rating": [5.0, 3.0, 4.0, 2.0, 3.0, 1.0, 1.0]})
_result = damped_mean(_frame, 2)
expect(isinstance(_result, pd.Series), f"damped_mean should return a pandas Series, not a "
       f"{type(_result).__name__}.")
expect(sorted(_result.index) == [10, 20, 30], f"The index should be the film ids [10, 20, 30]; got "
       f"{list(_result.index)}. Group by movieId.")
# By hand: the global mean is 19 / 7; film 10 has one rating (5), film 20 four (sum 12), film 30 two (sum 2).
expect(abs(_result[10] - 5 / 3) > 1e-6, "Film 10 came out as 5/3: that shrinks towards zero. Add damping "
       "times the global mean of all ratings to the sum: shrink towards the global mean, not towards zero.")
expect_close(_result[10], (5 + 2 * 19 / 7) / (1 + 2), "damped_mean(...)[10]",
             hint="One rating of 5 plus two pretend ratings at the global mean 19/7 (the mean of all seven "
                  "ratings, not of the films' means), divided by 3.")
expect(abs(_result[20] - (3 + 2 * 19 / 7) / (4 + 2)) > 1e-6, "Film 20 came out as (3 + 2 × 19/7) / 6: its mean "
       "rating (3) in place of the sum of its four ratings (12). The damped mean adds damping × global mean to "
       "the film's sum, then divides by its count plus the damping.")
expect_close(_result[20], (12 + 2 * 19 / 7) / (4 + 2), "damped_mean(...)[20]",
             hint="Four ratings summing to 12 plus two pretend ratings at 19/7, divided by 6.")
passed("damped means by hand")
### BEGIN HIDDEN TESTS
assert abs(_result[30] - (2 + 2 * 19 / 7) / 4) < 1e-9
_plain = damped_mean(_frame, 0)
assert abs(_plain[10] - 5) < 1e-9 and abs(_plain[20] - 3) < 1e-9, "damping=0 gives the plain mean"
# The global mean is the mean of all ratings (19/7), not the mean of the films' means (3).
_big = damped_mean(_frame, 1000)
assert abs(_big[30] - 19 / 7) < 0.01, "a huge damping pulls every film to the mean of all ratings"
_real = damped_mean(train, 25)
_sums = train.groupby("movieId")["rating"].agg(["sum", "count"])
_mu = train["rating"].sum() / len(train)
assert np.allclose(_real.sort_index(), ((_sums["sum"] + 25 * _mu) / (_sums["count"] + 25)).sort_index())
### END HIDDEN TESTS

# %% [markdown]
# What a popularity baseline would show you, with raw and with damped means:

# %%
DAMPING = 25  # as if each film started with 25 ratings at the global mean

def popularity_scores(damping):
    """One score per film (columns: item_ids), the same for every user."""
    return damped_mean(training_rows, damping).reindex(item_ids).to_numpy()


raw_top10 = item_ids[top_k(np.where(seen[row_of[MY_USER_ID]], -np.inf, popularity_scores(0)))]
damped_top10 = item_ids[top_k(np.where(seen[row_of[MY_USER_ID]], -np.inf, popularity_scores(DAMPING)))]
pd.concat({"raw mean": describe(raw_top10)[["title", "n_ratings", "mean_rating"]],
           f"damped mean (m={DAMPING})": describe(damped_top10)[["title", "n_ratings", "mean_rating"]]}, axis=1)

# %% [markdown]
# The raw means crown films with a single five-star rating; the damped means give well-known, well-liked
# films. They are the same for everybody, though: no personal taste at all. Is that worse than ALS? Time
# to measure.
#
# ## 5. Measure what the list is for
# For each user in the test set, the **relevant** films are the held-out films they rated 4 stars or more:
# films we know they liked but the model never saw. A good top 10 contains some of them. Three standard
# measures, for one user, a ranked list `recommended` and a set `relevant`:
#
# - **precision@k**: the share of the first k recommendations that are relevant: hits / k.
# - **recall@k**: the share of the relevant films that appear in the first k: hits / |relevant|.
# - **NDCG@k** (normalised discounted cumulative gain, Järvelin and Kekäläinen 2002): hits near the top
#   count more. A hit at position $i$ (1, 2, ..., k) earns $1/\log_2(i+1)$, so 1 at the top, 0.63 second,
#   0.5 third. (This is the form used today; Järvelin and Kekäläinen's original divides by $\log_b i$ only
#   from position $b$ on, so with $b = 2$ the first two places both earn 1. Libraries differ on this: say
#   which one you report.) The sum (DCG) is divided by the best sum possible for this user (the ideal DCG), when all
#   their relevant films, up to k of them, fill the first places:
#
# $$\text{NDCG@}k = \frac{\sum_{i=1}^{k} \frac{\mathbb{1}[\text{recommended}_i \in \text{relevant}]}{\log_2(i+1)}}{\sum_{i=1}^{\min(k,\,|\text{relevant}|)} \frac{1}{\log_2(i+1)}}$$
#
# All three are between 0 and 1. Only the first k recommendations count. If the list is shorter than k,
# the empty places are misses (precision still divides by k). A list should never repeat a film, but a
# bug upstream can make one, and a metric must not reward it: a repeated film counts once, at its first
# place, and its later places are misses. `relevant` is never empty here (exercise 7b decides which users
# are averaged).
#
# Write the three yourself. The course has its own versions in `paper2prod.ranking`; your copy of the
# course receives that module with lesson 05, after this lesson is graded, and grading checks that these
# functions do not call it.
#
# ## Exercise 5 — precision@k (2 points)

# %% tags=["solution"] grade_id="ex5_precision"
def precision_at_k(recommended, relevant, k=K):
    """Share of the first k recommended films that are relevant."""
    ### BEGIN SOLUTION
    hits = set(list(recommended)[:k]) & set(relevant)  # a set: a repeated film counts once
    return len(hits) / k
    ### END SOLUTION


# %% tags=["tests"] grade_id="ex5_precision_check" points=2
_p = precision_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5)
expect(_p != 1.0, "precision_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5) returned 1.0. Did you divide by the "
       "number of hits? Precision@k divides the hits by k, the number of places in the list.")
expect_close(_p, 2 / 5, "precision_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5)",
             hint="Two of the five films (2 and 5) are relevant: 2/5.")
expect_close(precision_at_k([10, 20, 30], {30}, k=2), 0, "precision_at_k([10, 20, 30], {30}, k=2)",
             hint="Only the first k recommendations count.")
passed("precision@k")
### BEGIN HIDDEN TESTS
# Lesson 05 releases paper2prod.ranking; this exercise asks for the metric written out, not a wrapper.
import paper2prod.ranking as _ranking_module
from paper2prod.checks import functions_run

_called = functions_run(_ranking_module, lambda: precision_at_k([1, 2, 3], {2}, k=2))
assert not _called, ("precision_at_k calls paper2prod.ranking (released with lesson 05): write the metric "
                     "yourself, for one user's list and set")
assert abs(precision_at_k([3], {3}, k=10) - 0.1) < 1e-9, "a short list: the empty places are misses"
assert precision_at_k([], {3}, k=5) == 0, "an empty list finds nothing"
assert abs(precision_at_k(["b", "a"], {"a"}, k=2) - 0.5) < 1e-9, "ids need not be numbers"
assert abs(precision_at_k([7, 8], {7, 8}, k=2) - 1.0) < 1e-9
assert abs(precision_at_k(np.array([4, 5, 6, 7]), {1, 5, 7}) - 0.2) < 1e-9, "k defaults to 10"
assert abs(precision_at_k([5, 5, 6], {5}, k=3) - 1 / 3) < 1e-9, "a repeated film counts once"
assert precision_at_k([5, 5, 6], {6}, k=2) == 0, (
    "precision_at_k([5, 5, 6], {6}, k=2) should be 0: the first 2 places hold film 5 twice and film 6 is third. "
    "A repeat's later places are misses: take the first k places, then count each film once")
_kept_set = {2, 5, 9}
precision_at_k([1, 2, 3, 4, 5], _kept_set, k=5)
assert _kept_set == {2, 5, 9}, ("precision_at_k([1, 2, 3, 4, 5], relevant, k=5) changed the set it was given: "
                                f"{{2, 5, 9}} is now {sorted(_kept_set)}. The same sets are scored again by the other "
                                "metrics and for every threshold: count the hits without removing films from `relevant`")
_rng = np.random.default_rng(7)
for _ in range(50):
    _rec = list(_rng.integers(0, 40, size=_rng.integers(1, 15)))  # repeats included
    _rel = set(_rng.choice(40, size=_rng.integers(1, 12), replace=False).tolist())
    _k = int(_rng.integers(1, 12))
    _want = len(set(_rec[:_k]) & _rel) / _k
    assert abs(precision_at_k(_rec, _rel, _k) - _want) < 1e-9, (
        f"precision_at_k({[int(_f) for _f in _rec]}, {sorted(int(_f) for _f in _rel)}, k={_k}) should be {_want:.4f}")
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 6 — recall@k (2 points)

# %% tags=["solution"] grade_id="ex6_recall"
def recall_at_k(recommended, relevant, k=K):
    """Share of the relevant films found among the first k recommended."""
    ### BEGIN SOLUTION
    hits = set(list(recommended)[:k]) & set(relevant)  # a set: a repeated film counts once
    return len(hits) / len(relevant)
    ### END SOLUTION


# %% tags=["tests"] grade_id="ex6_recall_check" points=2
_r = recall_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5)
expect(abs(_r - 2 / 5) > 1e-9, "recall_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5) returned 2/5, which is the "
       "precision. Recall divides the hits by the number of relevant films, not by k.")
expect_close(_r, 2 / 3, "recall_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5)",
             hint="Two of the three relevant films (2 and 5) were found: 2/3.")
expect_close(recall_at_k([1, 2, 3], {3}, k=2), 0, "recall_at_k([1, 2, 3], {3}, k=2)",
             hint="Only the first k recommendations count.")
passed("recall@k")
### BEGIN HIDDEN TESTS
# Lesson 05 releases paper2prod.ranking; this exercise asks for the metric written out, not a wrapper.
import paper2prod.ranking as _ranking_module
from paper2prod.checks import functions_run

_called = functions_run(_ranking_module, lambda: recall_at_k([1, 2, 3], {2}, k=2))
assert not _called, ("recall_at_k calls paper2prod.ranking (released with lesson 05): write the metric "
                     "yourself, for one user's list and set")
assert abs(recall_at_k([1, 2], {1, 2, 3, 4}, k=2) - 0.5) < 1e-9, (
    "2 of 4 relevant films found is 0.5: divide by the number of relevant films, not by min(k, |relevant|)")
assert abs(recall_at_k([3], {3}, k=10) - 1.0) < 1e-9
assert recall_at_k([], {3, 4}, k=5) == 0, "an empty list finds nothing"
assert abs(recall_at_k(np.array([70001, 8, 9]), {9, 70001, 3, 4}, k=2) - 0.25) < 1e-9, "an array as the list"
assert abs(recall_at_k([5, 5, 6], {5, 7}, k=3) - 0.5) < 1e-9, "a repeated film counts once"
assert abs(recall_at_k(np.array([9] * 12), {9}) - 1.0) < 1e-9, "k defaults to 10; a repeat counts once"
assert recall_at_k([5, 5, 6], {6}, k=2) == 0, (
    "recall_at_k([5, 5, 6], {6}, k=2) should be 0: the first 2 places hold film 5 twice and film 6 is third. "
    "A repeat's later places are misses: take the first k places, then count each film once")
_kept_set = {2, 5, 9}
recall_at_k([1, 2, 3, 4, 5], _kept_set, k=5)
assert _kept_set == {2, 5, 9}, ("recall_at_k([1, 2, 3, 4, 5], relevant, k=5) changed the set it was given: "
                                f"{{2, 5, 9}} is now {sorted(_kept_set)}. The same sets are scored again by the other "
                                "metrics and for every threshold: count the hits without removing films from `relevant`")
_rng = np.random.default_rng(8)
for _ in range(50):
    _rec = list(_rng.integers(0, 40, size=_rng.integers(1, 15)))  # repeats included
    _rel = set(_rng.choice(40, size=_rng.integers(1, 12), replace=False).tolist())
    _k = int(_rng.integers(1, 12))
    _want = len(set(_rec[:_k]) & _rel) / len(_rel)
    assert abs(recall_at_k(_rec, _rel, _k) - _want) < 1e-9, (
        f"recall_at_k({[int(_f) for _f in _rec]}, {sorted(int(_f) for _f in _rel)}, k={_k}) should be {_want:.4f}")
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 7 — NDCG@k (3 points)
# *Hint:* `np.log2`; positions start at 1, so the discount of the first place is $1/\log_2 2 = 1$. The
# base of the logarithm does not matter in the end (it cancels in the ratio), but the discount does.

# %% tags=["solution"] grade_id="ex7_ndcg"
def ndcg_at_k(recommended, relevant, k=K):
    """Normalised discounted cumulative gain of the first k recommended films (binary relevance)."""
    ### BEGIN SOLUTION
    discounts = 1.0 / np.log2(np.arange(2, k + 2))  # position i = 1..k gets 1 / log2(i + 1)
    dcg, counted = 0.0, set()
    for place, film in enumerate(list(recommended)[:k]):
        if film in relevant and film not in counted:  # a repeat is a miss
            dcg += discounts[place]
        counted.add(film)
    ideal = float(np.sum(discounts[: min(k, len(relevant))]))
    return dcg / ideal
    ### END SOLUTION


# %% tags=["tests"] grade_id="ex7_ndcg_check" points=3
import math

# By hand: hits at positions 2 and 5; the ideal puts the 3 relevant films at positions 1, 2 and 3.
_dcg = 1 / math.log2(3) + 1 / math.log2(6)
_ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
_n = ndcg_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5)
expect(abs(_n - 2 / 3) > 1e-6, "ndcg_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5) returned 2/3: the hits were "
       "counted but not discounted. Did you forget the log discount? A hit at position i (1-based) "
       "earns 1 / log2(i + 1).")
expect_close(_n, _dcg / _ideal, "ndcg_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5)",
             hint="DCG = 1/log2(3) + 1/log2(6) (hits at positions 2 and 5); ideal = 1 + 1/log2(3) + 1/log2(4).")
_n = ndcg_at_k([1, 2], {1, 2, 3, 4}, k=2)
expect_close(_n, 1.0, "ndcg_at_k([1, 2], {1, 2, 3, 4}, k=2)",
             hint="Both places hold relevant films, the best any list of 2 can do: the ideal DCG counts at "
                  "most k relevant films.")
expect_close(ndcg_at_k([10, 20, 30], {30}, k=3), 0.5, "ndcg_at_k([10, 20, 30], {30}, k=3)",
             hint="One hit at position 3 earns 1/log2(4) = 0.5; the ideal (the one relevant film first) is 1: "
                  "the ideal DCG sums min(k, |relevant|) places, not k.")
passed("NDCG@k")
### BEGIN HIDDEN TESTS
# Lesson 05 releases paper2prod.ranking; this exercise asks for the metric written out, not a wrapper.
import paper2prod.ranking as _ranking_module
from paper2prod.checks import functions_run

_called = functions_run(_ranking_module, lambda: ndcg_at_k([1, 2, 3], {2}, k=2))
assert not _called, ("ndcg_at_k calls paper2prod.ranking (released with lesson 05): write the metric "
                     "yourself, for one user's list and set")
assert abs(ndcg_at_k([10, 20, 30], {30}, k=2)) < 1e-9, "only the first k count"
assert ndcg_at_k([], {3}, k=5) == 0, "an empty list finds nothing"
assert abs(ndcg_at_k([3], {3}, k=10) - 1.0) < 1e-9, ("a short list with its one relevant film first is ideal: "
                                                     "the ideal DCG sums min(k, |relevant|) places, not k")
assert abs(ndcg_at_k([5, 6], {6}, k=10) - 1 / math.log2(3)) < 1e-9, (
    "a hit at place 2 earns 1 / log2(3): place i (counting from 1) earns 1 / log2(i + 1)")
assert abs(ndcg_at_k([5, 5, 6], {5, 6}, k=3) - (1 + 0.5) / (1 + 1 / math.log2(3))) < 1e-9, (
    "a repeated film counts once, at its first place; its later places are misses")
_kept_set = {2, 5, 9}
ndcg_at_k([1, 2, 3, 4, 5], _kept_set, k=5)
assert _kept_set == {2, 5, 9}, ("ndcg_at_k([1, 2, 3, 4, 5], relevant, k=5) changed the set it was given: "
                                f"{{2, 5, 9}} is now {sorted(_kept_set)}. The same sets are scored again by the other "
                                "metrics and for every threshold: count the hits without removing films from `relevant`")
_rng = np.random.default_rng(9)
for _ in range(50):
    _rec = list(_rng.integers(0, 40, size=_rng.integers(1, 15)))  # repeats included
    _rel = set(_rng.choice(40, size=_rng.integers(1, 12), replace=False).tolist())
    _k = int(_rng.integers(1, 12))
    _gain = sum(1 / math.log2(_i + 2) for _i, _f in enumerate(_rec[:_k]) if _f in _rel and _f not in _rec[:_i])
    _best = sum(1 / math.log2(_i + 2) for _i in range(min(_k, len(_rel))))
    assert abs(ndcg_at_k(_rec, _rel, _k) - _gain / _best) < 1e-9, (
        f"ndcg_at_k({[int(_f) for _f in _rec]}, {sorted(int(_f) for _f in _rel)}, k={_k}) should be "
        f"{_gain / _best:.4f}")
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 7b — One score per user (2 points)
# A metric for one user becomes a number for the product by averaging over users, and the harness in
# `paper2prod.evaluation` puts a bootstrap interval around that average. It takes one score per user.
# Write `per_user(metric, lists, relevant, k=K)`:
# - `metric` is one of your functions above (`metric(recommended, relevant, k)`);
# - `lists` maps a user to their ranked list; `relevant` maps a user to the set of films that count as hits;
# - return a pandas Series of floats indexed by user, with one entry for **every user who has at least one
#   relevant film**, and no one else. A user with relevant films but **no list** scores as an empty list
#   would (a miss, not someone to skip); a user with a list but nothing relevant cannot be scored, and is
#   left out.

# %% tags=["solution"] grade_id="ex7b_per_user"
def per_user(metric, lists, relevant, k=K):
    """metric for every user with at least one relevant film (no list scores as an empty list)."""
    ### BEGIN SOLUTION
    scores = {user: metric(lists.get(user, []), films, k) for user, films in relevant.items() if len(films)}
    return pd.Series(scores, dtype=float)
    ### END SOLUTION


# %% tags=["tests"] grade_id="ex7b_per_user_check" points=2
def _hits_in_first_k(recommended, relevant, k=K):  # a stand-in metric, so a slip in 5-7 costs nothing here
    return float(len(set(list(recommended)[:k]) & set(relevant)))


_lists = {1: [10, 11, 12], 2: [20, 21], 4: [40]}
_relevant = {1: {11, 12}, 2: {99}, 3: {30}, 5: set()}
try:
    _scores = per_user(_hits_in_first_k, _lists, _relevant, k=2)
except KeyError as _error:
    _user = _error.args[0] if _error.args else None
    raise AssertionError(
        f"per_user raised KeyError {_error} on lists {_lists} and relevant {_relevant}. "
        + (f"User {_user} has a relevant film but no list: score them as an empty list would score "
           "(lists.get(user, [])), do not look up lists[user]." if _user in _relevant else
           "Loop over the users of `relevant` (those with at least one relevant film), not over `lists`: a user "
           "with a list but nothing relevant has no entry in `relevant`.")) from None
expect(isinstance(_scores, pd.Series), f"per_user should return a pandas Series, not a {type(_scores).__name__}.")
expect(set(_scores.index) <= set(_relevant) | set(_lists), f"The Series should be indexed by user (the keys of "
       f"`relevant`, here {sorted(_relevant)}); got the index {sorted(_scores.index)}, which holds ids that are no "
       "user's. Key each score by its user.")
expect(3 in _scores.index, f"User 3 has a relevant film but no list; they must score 0 (an empty list finds "
       f"nothing), not be skipped. Your users: {sorted(_scores.index)}.")
expect(4 not in _scores.index and 5 not in _scores.index, f"Users 4 (a list, nothing relevant) and 5 (an empty "
       f"set) have nothing to find: leave them out. Your users: {sorted(_scores.index)}.")
expect(sorted(_scores.index) == [1, 2, 3], f"Expected users [1, 2, 3]; got {sorted(_scores.index)}.")
_calls = []  # what the metric is called with: (recommended, relevant, k); the list is not in id order
per_user(lambda recommended, relevant, k=None: _calls.append((recommended, relevant, k)) or 0.0,
         {7: [71, 70, 5]}, {7: {70}}, k=2)
expect(len(_calls) == 1 and [int(_f) for _f in _calls[0][0]] == [71, 70, 5] and set(_calls[0][1]) == {70},
       f"per_user should call metric(recommended, relevant, k): the user's list first, as it is (ranked: a set, "
       f"np.unique or sorted loses the ranking), then their set of relevant films. For lists {{7: [71, 70, 5]}} and "
       f"relevant {{7: {{70}}}} it called metric with {[_call[:2] for _call in _calls]}, not ([71, 70, 5], {{70}}).")
expect(_calls[0][2] == 2, f"per_user(..., k=2) called the metric with k={_calls[0][2]}. Pass k on to the metric.")
expect(_scores.to_dict() == {1: 1.0, 2: 0.0, 3: 0.0}, f"With k=2 user 1's first two films hold 1 hit, users 2 "
       f"and 3 none; got {_scores.to_dict()}. Pass k on to the metric.")
passed("one score per user with something to find")
### BEGIN HIDDEN TESTS
# Lesson 05 releases paper2prod.ranking; this exercise asks for the metric written out, not a wrapper.
import paper2prod.ranking as _ranking_module
from paper2prod.checks import functions_run

_called = functions_run(_ranking_module, lambda: per_user(_hits_in_first_k, _lists, _relevant, k=2))
assert not _called, "per_user calls paper2prod.ranking (released with lesson 05): write the loop yourself"
assert per_user(_hits_in_first_k, _lists, _relevant, k=3)[1] == 2.0, "pass k on to the metric"
assert per_user(_hits_in_first_k, _lists, _relevant).index.isin([1, 2, 3]).all()
assert per_user(lambda rec, rel, k: 7.0, {}, {8: {1}}).to_dict() == {8: 7.0}, "call the metric you are given"
assert abs(per_user(_hits_in_first_k, _lists, _relevant, k=2).mean() - 1 / 3) < 1e-9, (
    "the average is over the users with something to find, those without a list included")
_floats = per_user(lambda rec, rel, k: 1, {}, {3: {1}, 9: {2}})
assert _floats.dtype == float, f"per_user should return floats, got dtype {_floats.dtype}: pd.Series(..., dtype=float)"
_none = per_user(_hits_in_first_k, {1: [1]}, {})
assert isinstance(_none, pd.Series) and _none.empty and _none.dtype == float, "no one to score: an empty float Series"
try:  # the notebook's lists are NumPy arrays
    _arrays = per_user(_hits_in_first_k, {1: np.array([10, 11, 12])}, {1: {11}, 2: {5}}, k=2).to_dict()
except ValueError as _error:
    raise AssertionError(f"per_user failed on lists of NumPy arrays, as the notebook's are: {_error}. "
                         "`lists.get(user) or []` asks an array whether it is true: use lists.get(user, [])") from None
assert _arrays == {1: 1.0, 2: 0.0}, f"lists of NumPy arrays: expected {{1: 1.0, 2: 0.0}}, got {_arrays}"
_big = {u: {u + 1} for u in range(200)}
assert len(per_user(_hits_in_first_k, {0: [1]}, _big)) == 200, "every user with a relevant film, listed or not"
### END HIDDEN TESTS

# %% [markdown]
# ### Every configuration, measured the same way
# Besides the ranking metrics, two numbers describe the lists as a whole:
# - **catalogue coverage**: the share of all films that appear in at least one user's top 10. A shop
#   that shows everyone the same ten films has a tiny coverage.
# - **mean popularity**: the average number of ratings of the recommended films. Very low means obscure
#   films nobody can vouch for; very high means only blockbusters.
#
# And RMSE beside them, the number lesson 03 optimised. To compare like with like, RMSE is computed on the
# test ratings that every configuration can score: those of films with at least `COMPARE_MIN_RATINGS`
# training ratings.
#
# Each ranking metric comes with a 95% bootstrap interval over users (`evaluation.summarise`): a range of
# plausible values for the mean over users like these, as wide as the spread between users makes it (it
# is not a promise that another sample's mean lands inside). Coverage and popularity describe the lists as a
# whole and have no per-user interval.

# %%
relevant = evaluation.held_out_items(test, min_rating=4)
print(f"{len(relevant)} users liked (4 stars or more) at least one of their held-out films")

comparable = test[test["movieId"].map(film_stats["n_ratings"]).fillna(0) >= COMPARE_MIN_RATINGS]
comparable_cells = (row_of[comparable["userId"]].to_numpy(), column_of[comparable["movieId"]].to_numpy())
print(f"RMSE is measured on {len(comparable):,} of {len(test):,} test ratings")

METRICS = {"precision@10": precision_at_k, "recall@10": recall_at_k, "NDCG@10": ndcg_at_k}
per_user_scores = {}  # configuration -> users x metrics, kept for the paired comparisons below


def rmse_of(predictions):
    """RMSE of a users x films prediction matrix on the comparable test ratings."""
    errors = predictions[comparable_cells] - comparable["rating"].to_numpy()
    return float(np.sqrt(np.mean(errors ** 2)))


unfiltered_columns = top_k(recommendable(predicted))


def report(name, scores, rmse):
    """Ranking quality (with intervals), coverage and popularity of every user's top k under `scores`."""
    columns = top_k(scores)
    lists = dict(zip(user_ids, item_ids[columns]))
    per_user_scores[name] = pd.DataFrame({metric: per_user(function, lists, relevant)
                                          for metric, function in METRICS.items()})
    row = {"configuration": name, "RMSE": rmse}
    for metric, estimate in evaluation.summarise(per_user_scores[name]).iterrows():
        row.update({metric: estimate["mean"], f"{metric} low": estimate["low"], f"{metric} high": estimate["high"]})
    same = np.mean([len(set(a) & set(b)) / K for a, b in zip(columns, unfiltered_columns)])
    return {**row, "coverage": len(np.unique(columns)) / len(item_ids),
            "mean popularity": n_ratings_by_column[columns].mean(), "same as unfiltered ALS": same}


def with_intervals(table):
    """The results for reading: each ranking metric as 'mean (low to high)'."""
    shown = table[["RMSE"]].round(3)
    for metric in METRICS:
        shown[metric] = [f"{m:.3f} ({lo:.3f} to {hi:.3f})" for m, lo, hi in
                         zip(table[metric], table[f"{metric} low"], table[f"{metric} high"])]
    return shown.join(table[["coverage", "mean popularity", "same as unfiltered ALS"]].round(3))

# %% [markdown]
# The table holds the unfiltered model, the filter at `COMPARE_MIN_RATINGS` ratings applied both ways, and
# two popularity baselines: the trap and its fix at one threshold. It is read on the test split because it
# tunes nothing. Choosing the threshold is tuning, and section 6 does it on a validation split.

# %%
als_scores, als_rmse = recommendable(predicted), rmse_of(predicted)

results = [report(f"ALS, at least {t} ratings (after scoring)", mask_rare_films(als_scores, n_ratings_by_column, t),
                  als_rmse) for t in (1, COMPARE_MIN_RATINGS)]
results.append(report(f"ALS, at least {COMPARE_MIN_RATINGS} ratings (before training)",
                      recommendable(predicted_before), rmse_of(predicted_before)))
for damping in (0, DAMPING):
    popular = np.broadcast_to(popularity_scores(damping), predicted.shape)
    results.append(report(f"popularity, damping {damping}", recommendable(popular), rmse_of(popular)))
results = pd.DataFrame(results).set_index("configuration")
with_intervals(results)

# %% [markdown]
# Three comparisons describe what the table shows. Each is a paired difference in NDCG@10 over the same
# users, with its 95% interval (`evaluation.compare`): when the interval excludes zero the difference is
# real, otherwise it is within the noise.

# %%
def decide(a, b, metric="NDCG@10"):
    """Print and return the paired difference a - b in `metric`, with its interval and verdict."""
    difference = evaluation.compare(per_user_scores[a][metric], per_user_scores[b][metric])
    print(f"{metric}: {a}\n    minus {b}\n    = {difference}")
    return difference


filtered = f"ALS, at least {COMPARE_MIN_RATINGS} ratings (after scoring)"
filter_helps = decide(filtered, "ALS, at least 1 ratings (after scoring)")
where_to_filter = decide(f"ALS, at least {COMPARE_MIN_RATINGS} ratings (before training)", filtered)
popularity_vs_als = decide(f"popularity, damping {DAMPING}", filtered)
print(f"\nfiltered beats unfiltered, decided: {filter_helps.decided}; before training differs from after "
      f"scoring, decided: {where_to_filter.decided}; damped popularity differs from filtered ALS, decided: "
      f"{popularity_vs_als.decided}")

# %% [markdown]
# Read the table column by column.
#
# - **RMSE** is *identical* for the two after-scoring rows: the model and its predictions did not change,
#   only the lists did. The model filtered before training lands within a hair of it. By the research
#   metric, all the ALS rows are the same model. The popularity baselines are clearly worse, and RMSE does
#   not tell their lists apart: the raw mean, whose list is useless, scores about the same RMSE as the
#   damped mean (the printed values; there is no interval on them). (These RMSEs
#   use fewer test rows than exercise 1b's, only films with at least 10 training ratings, so the two sets
#   of numbers are not comparable.)
# - **precision, recall and NDCG** go from near zero (the unfiltered model recommends films almost nobody
#   in the test set goes on to rate) to clearly above zero with the filter, though at this threshold still
#   below the damped popularity baseline (compare the rows). The intervals say how far each mean could move
#   with another sample of users.
# - **coverage** of the unfiltered model is *low*, not high: the same few rarely rated films fill almost
#   everyone's list (exercise 1b counted their places across all lists). The filter makes the lists
#   personal, and coverage rises.
# - **same as unfiltered ALS** says how much of each list survives a filter: the recommendations change
#   completely while the RMSE does not move.
# - The **popularity baseline** with damping is hard to beat on the ranking metrics, and yet it shows
#   nearly everyone the same films (only films a user already rated are swapped out): look at its coverage.
#
# For this model (Spark's, which has no biases) filtering beats not filtering, and at the same threshold filtering before training or after scoring is,
# on NDCG, within the noise (the verdicts printed above say whether your run agrees). Nothing here picks a setting by its test score: the after-scoring filter is
# the one to sweep because it costs no refit, whatever the test says. With lesson 01's biases and a plain
# λ the one-rating films never reach the lists in the first place (section 3's table), so there a threshold
# no longer repairs a trap: what it buys is closeness to popularity.
#
# ## 6. Choose the threshold on validation, report it once on test
# A higher threshold makes the lists safer and, up to a point, better; it also shrinks the part of the
# catalogue anybody ever sees and pushes the lists towards the same blockbusters. So the choice is a
# trade-off, and two rules narrow it down:
# - **rule 1:** a threshold that another threshold beats on **both** NDCG@10 and coverage is never the
#   right one (a tie-break on the point means: a lower NDCG inside the noise still counts here, so rule 1
#   narrows the choice without claiming that one threshold is decidedly better);
# - **rule 2:** a threshold whose NDCG@10 is **decidedly below the damped popularity baseline** (the
#   paired interval of the difference lies wholly below zero) loses to a list that needs no model at all.
#
# Sweeping ten thresholds and keeping the best is tuning, and lesson 03 tuned on a validation split for
# this reason: among ten noisy measurements the highest is partly luck, so the winner's score on the data
# it was chosen on is biased upwards. So the choice is made on a **validation** split, carved from the training part the way the test
# set was carved from everything: each user's latest 20% of their training ratings. The model is refitted
# on the rest, and every count, every "already rated" and the popularity baseline come from that rest.
# `threshold_sweep` does it all for any pair of parts, so the same code measures validation, test and the
# cut-off split. It uses your `damped_mean`, `ndcg_at_k` and `per_user`.

# %%
from types import SimpleNamespace

THRESHOLDS = [1, 2, 3, 5, 10, 20, 30, 50, 100, 150]


def threshold_sweep(fit_rows, held, thresholds=THRESHOLDS, fitted=None):
    """Fit the lesson's ALS on fit_rows (unless `fitted` is it) and measure each threshold on held.

    The filter is applied after scoring. Counts, already-rated films and the damped popularity baseline
    all come from fit_rows. Returns one row per threshold, and what it was measured with (for the checks).
    """
    users, films = np.sort(fit_rows["userId"].unique()), np.sort(fit_rows["movieId"].unique())
    if fitted is None:
        fitted = make_als().fit(spark.createDataFrame(fit_rows, schema=data.ratings_schema()))
    scores = factor_matrix(fitted.userFactors, users) @ factor_matrix(fitted.itemFactors, films).T
    rated = np.zeros(scores.shape, dtype=bool)
    rated[np.searchsorted(users, fit_rows["userId"]), np.searchsorted(films, fit_rows["movieId"])] = True
    scores = np.where(rated | np.isnan(scores), -np.inf, scores)
    counts = fit_rows.groupby("movieId").size().reindex(films).to_numpy()
    liked = evaluation.held_out_items(held[held["userId"].isin(users)], min_rating=4)
    popular = np.where(rated, -np.inf, damped_mean(fit_rows, DAMPING).reindex(films).to_numpy())
    popular_columns = top_k(popular)
    popular_ndcg = per_user(ndcg_at_k, dict(zip(users, films[popular_columns])), liked)
    rows = {}
    for threshold in thresholds:
        columns = top_k(np.where(counts >= threshold, scores, -np.inf))
        ndcg = per_user(ndcg_at_k, dict(zip(users, films[columns])), liked)
        alone, against = evaluation.bootstrap_interval(ndcg), evaluation.compare(ndcg, popular_ndcg)
        rows[threshold] = {"NDCG@10": alone.mean, "low": alone.low, "high": alone.high,
                           "coverage": np.unique(columns).size / films.size, "minus popularity": against.mean,
                           "diff low": against.low, "diff high": against.high, "users": alone.users}
    table = pd.DataFrame(rows).T.rename_axis("threshold")
    table["users"] = table["users"].astype(int)
    measured = SimpleNamespace(scores=scores, counts=counts, users=users, films=films, liked=liked,
                               popular_ndcg=popular_ndcg,
                               popular_coverage=np.unique(popular_columns).size / films.size)
    return apply_rules(table), measured


def apply_rules(table):
    """The table with a column saying which rule, if any, rules each threshold out."""
    verdicts = []
    for _, row in table.iterrows():
        beaten_by = [t for t, other in table.iterrows()
                     if other["NDCG@10"] > row["NDCG@10"] and other["coverage"] > row["coverage"]]
        if beaten_by:
            verdicts.append(f"rule 1: {beaten_by[0]} is better on both")
        elif row["diff high"] < 0:
            verdicts.append("rule 2: decidedly below popularity")
        else:
            verdicts.append("allowed")
    return table.assign(rules=verdicts)


def show_sweep(table):
    """The sweep for reading: NDCG@10 and its paired difference from popularity, with intervals."""
    return pd.DataFrame({
        "NDCG@10": [f"{m:.3f} ({lo:.3f} to {hi:.3f})" for m, lo, hi in zip(table["NDCG@10"], table["low"], table["high"])],
        "coverage": table["coverage"].map("{:.2%}".format),
        "minus damped popularity": [f"{m:+.3f} ({lo:+.3f} to {hi:+.3f})" for m, lo, hi in
                                    zip(table["minus popularity"], table["diff low"], table["diff high"])],
        "rules": table["rules"]}, index=table.index)


fit_part, validation = evaluation.chronological_split(train, test_fraction=TEST_SHARE)
on_validation, validation_inputs = threshold_sweep(fit_part, validation)
print(f"validation: fitted on {len(fit_part):,} ratings, {len(validation_inputs.liked)} users with a liked "
      f"held-out film; damped popularity NDCG@10 {validation_inputs.popular_ndcg.mean():.3f}, coverage "
      f"{validation_inputs.popular_coverage:.2%}")
show_sweep(on_validation)

# %%
sweep = on_validation
fig, (quality, reach, trade) = plt.subplots(1, 3, figsize=(14, 4))
quality.plot(sweep.index, sweep["NDCG@10"], marker="o", color="#c0392b", label="ALS, filtered after scoring")
quality.fill_between(sweep.index.astype(float), sweep["low"].astype(float), sweep["high"].astype(float),
                     color="#c0392b", alpha=0.15)
quality.axhline(validation_inputs.popular_ndcg.mean(), color="#c0392b", linestyle=":", linewidth=1,
                label="damped popularity")
quality.set(title="NDCG@10 on validation", ylabel="mean over users", xscale="log",
            xlabel="minimum ratings per film (log scale)")
quality.legend()
reach.plot(sweep.index, sweep["coverage"], marker="o", color="#8e44ad")
reach.axhline(validation_inputs.popular_coverage, color="#8e44ad", linestyle=":", linewidth=1)
reach.set(title="Catalogue coverage (dotted: damped popularity)", ylabel="share of films shown to anyone",
          xscale="log", xlabel="minimum ratings per film (log scale)")
# The trade-off in one picture: each point is a threshold; up and to the right is better.
trade.errorbar(sweep["NDCG@10"], sweep["coverage"], marker="o", color="#34495e",
               xerr=[sweep["NDCG@10"] - sweep["low"], sweep["high"] - sweep["NDCG@10"]])
for threshold, point in sweep.iterrows():
    trade.annotate(str(threshold), (point["NDCG@10"], point["coverage"]), textcoords="offset points",
                   xytext=(4, 4), fontsize=8)
trade.scatter([validation_inputs.popular_ndcg.mean()], [validation_inputs.popular_coverage], marker="*", s=120,
              color="#e67e22", label="damped popularity")
trade.set(title="What each threshold buys and costs", xlabel="NDCG@10", ylabel="catalogue coverage")
trade.legend(loc="lower left")
for axis in (quality, reach, trade):
    axis.grid(alpha=0.3)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Exercise 8 — Your threshold (2 points)
# Set `chosen_min_ratings` to the threshold you would ship, **one of** `THRESHOLDS`, chosen from the
# validation sweep: its table, its intervals and the plot. The check applies three rules, and says which
# one a threshold breaks:
# - your own top 10 under that threshold (from the model trained on all of the training part) holds no
#   film with fewer than 5 ratings;
# - rule 1 and rule 2 above, on the validation sweep: the `rules` column says "allowed" for your threshold.
#
# More than one threshold may be allowed: then coverage, the intervals and what you want the product to be
# decide, and the question below asks you to say why.

# %% tags=["solution"] grade_id="ex8_threshold"
### BEGIN SOLUTION
chosen_min_ratings = 100
### END SOLUTION

# %% tags=["tests"] grade_id="ex8_threshold_check" points=2
expect(chosen_min_ratings in THRESHOLDS, f"chosen_min_ratings is {chosen_min_ratings!r}: choose one of the "
       f"thresholds you measured, {THRESHOLDS}.")
# Computed here rather than with your functions, so that a slip in an earlier exercise costs nothing here.
_mine = item_ids[top_k(np.where(n_ratings_by_column >= chosen_min_ratings, my_scores, -np.inf))]
_rare = int((film_stats["n_ratings"].reindex(_mine) < 5).sum())
expect(_rare == 0, f"With min {chosen_min_ratings} ratings your top 10 still holds {_rare} film(s) with fewer "
       "than 5 ratings. Choose a threshold where none are left (and look at the plot).")
# The sweep was measured with your ndcg_at_k, per_user and damped_mean: its rules mean something only if
# they pass their own checks' hand-made cases.
def _agrees(case):
    try:
        return bool(case())
    except Exception:
        return False


_untrusted = [name for name, case in [
    ("ndcg_at_k", lambda: abs(ndcg_at_k([10, 20, 30], {30}, k=3) - 0.5) < 1e-9
     and abs(ndcg_at_k([1, 2], {1, 2, 3, 4}, k=2) - 1) < 1e-9 and abs(ndcg_at_k([5, 6], {6}, k=2) - 1 / np.log2(3)) < 1e-9),
    ("per_user", lambda: per_user(lambda rec, rel, k: float(len(set(list(rec)[:k]) & set(rel))), {1: [10, 11, 12]},
                                  {1: {11, 12}, 3: {30}, 4: set()}, k=2).to_dict() == {1: 1.0, 3: 0.0}),
    ("damped_mean", lambda: abs(damped_mean(pd.DataFrame({"movieId": [10, 20, 20], "rating": [5.0, 3.0, 4.0]}), 2)[10]
                                - 13 / 3) < 1e-9)] if not _agrees(case)]
if _untrusted:
    print(f"The validation sweep used {', '.join(_untrusted)}, which fail(s) the hand-made cases of their own "
          "checks: fix them and rerun the sweep to see the rules applied here. Grading applies both rules to "
          "your threshold with its own NDCG.")
else:
    _verdict = on_validation.loc[chosen_min_ratings, "rules"]
    expect(_verdict == "allowed", f"On the validation sweep, min {chosen_min_ratings} ratings is ruled out by "
           f"{_verdict}. Rule 1: no other threshold may have both a higher NDCG@10 and a higher coverage; rule 2: "
           "the paired interval against damped popularity may not lie wholly below zero. Choose a threshold "
           "whose `rules` column says 'allowed'.")
    passed(f"min {chosen_min_ratings} ratings: allowed by both rules on validation")
### BEGIN HIDDEN TESTS
# The rules again, on the validation model's own scores with a reference NDCG (so a slip in exercises
# 2-7b costs nothing here) and the course's bootstrap: never from typed-in numbers.
def _reference_ndcg(scores):
    _v = validation_inputs
    _lists = _v.films[top_k(scores)]  # the lesson's top_k, given code rather than an exercise
    _row = pd.Series(np.arange(_v.users.size), index=_v.users)
    _discounts = 1 / np.log2(np.arange(2, K + 2))
    _values = {}
    for _user, _films in _v.liked.items():
        _hits = np.isin(_lists[_row[_user]], list(_films))
        _values[_user] = _discounts[_hits].sum() / _discounts[: min(K, len(_films))].sum()
    return pd.Series(_values), np.unique(_lists).size / _v.films.size


_v = validation_inputs
_curves = {_t: _reference_ndcg(np.where(_v.counts >= _t, _v.scores, -np.inf)) for _t in THRESHOLDS}
# The damped popularity baseline from the validation fit's own rows, computed here.
_fit_stats = fit_part.groupby("movieId")["rating"].agg(["sum", "size"])
_damped = ((_fit_stats["sum"] + DAMPING * fit_part["rating"].mean()) / (_fit_stats["size"] + DAMPING))
_rated = np.zeros(_v.scores.shape, dtype=bool)
_rated[np.searchsorted(_v.users, fit_part["userId"]), np.searchsorted(_v.films, fit_part["movieId"])] = True
_popular, _ = _reference_ndcg(np.where(_rated, -np.inf, _damped.reindex(_v.films).to_numpy()))
_ndcg, _coverage = _curves[chosen_min_ratings][0].mean(), _curves[chosen_min_ratings][1]
_better_on_both = [_t for _t, (_n, _c) in _curves.items() if _n.mean() > _ndcg and _c > _coverage]
assert not _better_on_both, (
    f"on validation, min {_better_on_both[0]} ratings gives both a higher NDCG@10 and a higher coverage than "
    f"your {chosen_min_ratings}: look at the third panel, and choose a threshold no other beats on both")
_against_popular = evaluation.compare(_curves[chosen_min_ratings][0], _popular)
assert not (_against_popular.decided and _against_popular.mean < 0), (
    f"on validation, with min {chosen_min_ratings} ratings NDCG@10 is decidedly below the damped popularity "
    f"baseline's ({_against_popular}): the same list for everyone would serve users better")
### END HIDDEN TESTS

# %% [markdown]
# ### Once on test, and on the cut-off split
# The choice is made; now measure it once on the test split: the model trained on the whole training
# part (`model`, your ratings included), your threshold, and its paired difference from the damped
# popularity baseline on the same users.
# This number is what you report. It is not a reason to go back and choose again: a second choice made on
# the test set would make it a validation set, and leave you with no honest estimate at all.

# %% tags=["demo"]
on_test, test_inputs = threshold_sweep(training_rows, test, [chosen_min_ratings], fitted=model)
print(f"test, once: {len(test_inputs.liked)} users")
show_sweep(on_test)

# %% [markdown]
# The per-user split let the future in (section 1): counts, the popularity baseline and the model's film
# factors saw ratings made after many test ratings. Does the decision survive the strict split, where
# everything is computed from ratings made before one cut-off date? The cell runs the same sweep on
# `at_cutoff` (train before the cut-off, test after it; cold-start users and films cannot be scored by a
# personal model and are left out, and their numbers were printed in section 1). It is a check of the
# decision, not a second chance to choose: read what it says about your threshold, and how wide its
# intervals are with this few users.

# %% tags=["demo"]
on_cutoff, cutoff_inputs = threshold_sweep(at_cutoff.train, at_cutoff.test)
print(f"cut-off split: {len(cutoff_inputs.liked)} users with a liked film after the cut-off "
      f"(plus {cutoff_counts['cold users']} cold-start users no personal model can serve); damped popularity "
      f"NDCG@10 {cutoff_inputs.popular_ndcg.mean():.3f}")
print(f"your threshold, {chosen_min_ratings}, on the cut-off split: {on_cutoff.loc[chosen_min_ratings, 'rules']}; "
      f"allowed there: {[int(t) for t in on_cutoff.index[on_cutoff['rules'] == 'allowed']]}")
show_sweep(on_cutoff)

# %% [markdown]
# ## Question — defend your threshold (2 points, graded by your instructor)
# In **two to three sentences**, defend your choice of `chosen_min_ratings` to a product manager who has
# not seen the plot: what you gain by it on validation and what it costs, why a lower or a higher
# threshold would be worse, what the one test measurement says, and whether the decision holds on the
# cut-off split. Use printed numbers, and say for each comparison whether its interval decides it.

# %% [markdown] tags=["answer"] grade_id="q_threshold" points=2
# (Numbers from my run.)
# I chose a minimum of 100 ratings on validation: it has the highest NDCG@10 of the sweep (0.075) and is
# decidedly above the damped popularity list (+0.012, interval +0.004 to +0.020),
# showing 0.9% of the catalogue against popularity's 0.7%; 30 ratings and below are decidedly worse than
# popularity, 50 only matches it (−0.001, within the noise) though it shows twice the catalogue, and 150
# has both a lower mean NDCG and a lower coverage than 100 (rule 1's tie-break on the means: the NDCG gap
# is within the noise). Measured once on test it holds: NDCG@10 0.084 and +0.015
# (+0.008 to +0.023) over popularity, decided. On the cut-off split only 28 users can be tested and from 20
# ratings up every threshold is within the noise of popularity (100 against popularity −0.003, −0.034 to +0.030), so the strict split
# neither confirms nor overturns the choice; since the filter runs after scoring, the number can be
# revisited without retraining as more users cross a cut-off.

# %% [markdown]
# Your own top 10, with the threshold you chose:

# %%
shipped_top10 = item_ids[top_k(mask_rare_films(my_scores, n_ratings_by_column, chosen_min_ratings))]
describe(shipped_top10, my_scores)

# %% [markdown]
# ## Recap
# - A model tuned for RMSE recommended films rated by a handful of people: with one rating, a film's
#   factors fit one person's taste, and its predicted score can exceed five stars.
# - The cause is the weighted λ of ALS-WR and Spark's `regParam`: a film's penalty grows with its number
#   of ratings exactly as its data term does, so its shrinkage does not grow with evidence. Plain ridge
#   shrinks rarely rated films most and keeps them out of the lists. Without biases it costs RMSE; with
#   lesson 01's biases the two penalties' best RMSEs are within a hair of each other (your table prints the
#   gap), so there is no trade-off to make: the weighted λ at its best-RMSE setting, not accuracy, fills the
#   lists (with the biases, a larger weighted λ lets fewer of them in, at some RMSE cost: your table's 0.3
#   and 0.5 rows).
# - RMSE could not see it: it scores only pairs someone rated, and ratings are missing not at random, so
#   the over-predicted pairs that fill the lists never have a test rating. Filtering rare films after
#   scoring leaves the RMSE exactly where it was and changes every list; the ranking metrics (precision,
#   recall, NDCG) move from near zero to clearly above it, though at 10 ratings still below damped
#   popularity.
# - Filtering before training and after scoring give similar lists, and the same NDCG within the noise;
#   after scoring is cheaper to tune and to change, before training makes a smaller model.
# - The course's split holds out each user's latest ratings, so it is forward in time for each user but
#   not for the data: about half of a test film's training ratings were made after the test rating (your
#   cell printed the share). A global cut-off is strict but leaves few users to test. Measure a decision on
#   the per-user split, check it on the cut-off split, and read every comparison with a bootstrap interval
#   over users: a difference inside the interval decides nothing.
# - Choose on validation, report once on test: the best of ten thresholds measured on the test set would
#   be biased upwards by the choice itself.
# - A damped popularity baseline is a strong, simple competitor on precision, and useless for variety:
#   measure coverage and popularity, not only accuracy.
# - The threshold is a product decision: choose it from a plot of what you gain and what you lose, rule out
#   what another threshold beats on both, check the intervals, and say why in a sentence anyone can check.
#
# ## Further reading
# - Sophie Watson (2018). *From Research to Production: What they didn't teach you in Grad School.* Talk at
#   Berlin Buzzwords 2018. (The one-rating trap and its fix, live.)
# - Sean M. McNee, John Riedl and Joseph A. Konstan (2006). *Being accurate is not enough: how accuracy
#   metrics have hurt recommender systems.* CHI '06 Extended Abstracts on Human Factors in Computing
#   Systems, 1097–1101.
# - Paolo Cremonesi, Yehuda Koren and Roberto Turrin (2010). *Performance of recommender algorithms on top-N
#   recommendation tasks.* Proceedings of the 4th ACM Conference on Recommender Systems (RecSys '10), 39–46.
# - Kalervo Järvelin and Jaana Kekäläinen (2002). *Cumulated gain-based evaluation of IR techniques.* ACM
#   Transactions on Information Systems 20(4): 422–446.
# - Jonathan L. Herlocker, Joseph A. Konstan, Loren G. Terveen and John T. Riedl (2004). *Evaluating
#   collaborative filtering recommender systems.* ACM Transactions on Information Systems 22(1): 5–53.
# - Mouzhi Ge, Carla Delgado-Battenfeld and Dietmar Jannach (2010). *Beyond accuracy: evaluating recommender
#   systems by coverage and serendipity.* Proceedings of the 4th ACM Conference on Recommender Systems
#   (RecSys '10), 257–260.
# - Simon Funk (2006). *Netflix Update: Try This at Home.* Blog post, sifter.org (the damped mean as a
#   baseline).
# - Harald Steck (2010). *Training and testing of recommender systems on data missing not at random.*
#   Proceedings of the 16th ACM SIGKDD International Conference on Knowledge Discovery and Data Mining
#   (KDD '10), 713–722.
# - Yunhong Zhou, Dennis Wilkinson, Robert Schreiber and Rong Pan (2008). *Large-scale parallel
#   collaborative filtering for the Netflix Prize.* Algorithmic Aspects in Information and Management
#   (AAIM 2008), LNCS 5034, 337–348.
