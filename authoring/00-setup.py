# %% [markdown]
# # Lesson 00 — Set-up: Java, Spark, data, and how your work is checked
#
# **Time:** about 45 minutes. **You need:** nothing but this repository, set up with `make lab`.
#
# ## Learning objectives
# By the end of this lesson you can:
# 1. confirm that Java, Spark and the course data work on your machine, and read what the checks say when they do not;
# 2. start a Spark session and run a first job on the MovieLens ratings (counts and a histogram);
# 3. answer a question in a notebook, run its visible check, and validate the whole notebook before you hand it in.
#
# ## Why a whole lesson on set-up?
# In a research project, "it runs on my laptop" is often enough: the result is a number in a paper.
# In a product team, the code has to run on a colleague's laptop, on a build server and on a cluster,
# next month as well as today. A working, reproducible environment is part of the job, not a chore
# before it. This course treats it that way from the first notebook.

# %% [markdown]
# ## 1. Is the machine ready?
# Spark runs on the Java virtual machine, so it needs a Java runtime (version 17 or 21). The course
# package `paper2prod` checks this before starting Spark: when Java is missing you get a message that
# says what to install, rather than a long Java stack trace.

# %%
from paper2prod import preflight

print(preflight.check_python())
print(preflight.check_java())

# %% [markdown]
# ## 2. A Spark session
# A `SparkSession` is your handle on Spark. `get_spark` returns one configured for a laptop: local mode
# (Spark runs inside one JVM on this machine, using its cores as workers), a small number of shuffle
# partitions, quiet logs. One session per notebook: calling `get_spark` again returns the same one.
#
# The master URL decides *where* the work runs. It defaults to `local[*]`; setting the environment
# variable `PAPER2PROD_SPARK_MASTER` to `spark://host:7077` would send the very same code to a cluster.
#
# **The next cell is quiet for a while, and that is normal.** The first `get_spark` of a notebook starts
# a Java virtual machine, loads Spark's libraries into it and starts Spark's scheduler: from a few
# seconds on a fast, idle machine to half a minute or more on a busy laptop. The cell prints a line
# before it starts and the time it took when it is done. Later calls return the running session at once.

# %%
import time

from paper2prod.spark import get_spark, master_url

print("Starting the Java VM and Spark (quiet for a few seconds to half a minute)...", flush=True)
started = time.perf_counter()
spark = get_spark("00-setup")
print(f"Spark {spark.version} running on {master_url()}, started in {time.perf_counter() - started:.0f} s")

# %% [markdown]
# ## 3. The data
# The course uses the MovieLens data sets collected by GroupLens at the University of Minnesota
# (Harper and Konstan, 2015). They are not stored in this repository: `paper2prod.data` downloads them
# from GroupLens (or copies them from a local mirror folder in a classroom), checks every file against
# a SHA-256 checksum, and installs them under `datasets/data/`. On the command line the same tool is
# `python -m paper2prod.data fetch ml-latest-small`.
#
# `spark_ratings` reads the ratings with an **explicit schema**: the column names and types are stated,
# not guessed by reading the file twice. Spark is *lazy*: the next cell only describes the table; nothing
# is read until an action such as `count()` or `show()` asks for a result.

# %%
from paper2prod import data

ratings = data.spark_ratings(spark, "ml-latest-small")
ratings.printSchema()
ratings.show(5)

# %% [markdown]
# ## Exercise 1 — Count ratings, users and films (3 points)
# Using Spark on the `ratings` DataFrame, set three Python integers:
# - `n_ratings`: the number of ratings (rows);
# - `n_users`: the number of different users who rated something;
# - `n_films`: the number of different films that were rated at least once (in `ratings`; the films
#   table lists some films nobody rated).
#
# *Hint:* `DataFrame.count()` counts rows; `select(column).distinct()` keeps one row per value.

# %% tags=["solution"] grade_id="ex1_counts"
### BEGIN SOLUTION
n_ratings = ratings.count()
n_users = ratings.select("userId").distinct().count()
n_films = ratings.select("movieId").distinct().count()
### END SOLUTION

# %% [markdown]
# Run the next cell to check your answer. The visible checks catch the common slips and say what to
# look at; when you hand the notebook in, hidden tests check the exact values.

# %% tags=["tests"] grade_id="ex1_counts_check" points=3
from paper2prod.checks import expect, expect_type, passed

for name, value in [("n_ratings", n_ratings), ("n_users", n_users), ("n_films", n_films)]:
    expect_type(value, int, name)
    expect(value > 0, f"{name} is {value}: it should count something. Did the data load?")
expect(n_users < n_ratings, f"n_users equals or exceeds n_ratings ({n_users} vs {n_ratings}): "
       "count each user once, e.g. with .select('userId').distinct().count().")
expect(n_films < n_ratings, f"n_films equals or exceeds n_ratings ({n_films} vs {n_ratings}): "
       "count each film once, e.g. with .select('movieId').distinct().count().")
_catalogue = data.spark_movies(spark, "ml-latest-small").count()
expect(n_films != _catalogue, f"n_films is {n_films:,}, the number of films in movies.csv: count the films "
       "the ratings mention (the catalogue lists some films nobody rated).")
passed(f"{n_ratings:,} ratings by {n_users:,} users of {n_films:,} films")
### BEGIN HIDDEN TESTS
_reference = data.load_ratings("ml-latest-small")
assert n_ratings == len(_reference), f"n_ratings should be the number of rows, {len(_reference):,}"
assert n_users == _reference["userId"].nunique(), \
    f"n_users should be {_reference['userId'].nunique():,}: the distinct userId values of the ratings"
assert n_films == _reference["movieId"].nunique(), \
    f"n_films is {n_films:,}; it should be {_reference['movieId'].nunique():,}, the distinct movieId values " \
    "of the ratings (not the rows of movies.csv, which lists films nobody rated)"
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 2 — The rating histogram (3 points)
# MovieLens ratings go from 0.5 to 5 stars in half-star steps. Write `rating_histogram(frame)`: given a
# Spark DataFrame with a `rating` column, return a **pandas Series** whose index is each rating value
# that occurs, **in increasing order**, and whose values are how many rows have that rating.
#
# *Hint:* `groupBy("rating").count()`, then `toPandas()`; Spark does not promise any order unless you ask
# for one.

# %% tags=["solution"] grade_id="ex2_histogram"
def rating_histogram(frame):
    """Number of rows per rating value, as a pandas Series sorted by rating."""
    ### BEGIN SOLUTION
    counts = frame.groupBy("rating").count().orderBy("rating").toPandas()
    return counts.set_index("rating")["count"]
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex2_histogram_check" points=3
import pandas as pd

# Counts in an order of their own (2, 3, 1), so that sorting by count cannot pass for sorting by rating.
_tiny = spark.createDataFrame([(1, 10, 0.5, 0), (2, 10, 0.5, 0), (3, 11, 2.5, 0), (1, 11, 2.5, 0),
                               (2, 12, 2.5, 0), (3, 12, 4.0, 0)], schema=data.ratings_schema())
_hist = rating_histogram(_tiny)
expect(isinstance(_hist, pd.Series), f"rating_histogram should return a pandas Series, not a "
       f"{type(_hist).__name__}. Convert with .toPandas() and pick the count column.")
_index = list(_hist.index)
expect(_index != list(range(len(_hist))), f"The index of your Series is {_index}: row numbers, not ratings. "
       "After toPandas(), make the rating column the index: .set_index('rating')['count'].")
expect(sorted(_index) == [0.5, 2.5, 4.0], f"On a tiny table with two 0.5s, three 2.5s and one 4.0 the index "
       f"should hold the ratings 0.5, 2.5 and 4.0, each once; got {_index}. Group by the rating column.")
expect(_index == [0.5, 2.5, 4.0], f"The index should be [0.5, 2.5, 4.0], in increasing rating order; got "
       f"{_index}. Did you sort by rating? (Sorting by count, or descending, gives another order.)")
expect(list(_hist) == [2, 3, 1], f"The counts should be [2, 3, 1] (rows per rating); got {list(_hist)}.")
passed("histogram of a tiny table")
### BEGIN HIDDEN TESTS
_full = rating_histogram(ratings)
_expected = data.load_ratings("ml-latest-small")["rating"].value_counts().sort_index()
assert list(_full.index) == list(_expected.index), "every rating value should appear once, sorted"
assert [int(v) for v in _full] == [int(v) for v in _expected], "counts per rating do not match the data"
### END HIDDEN TESTS

# %% [markdown]
# Now look at the whole data set. People would rather look than read a table of ten numbers:

# %%
import matplotlib.pyplot as plt

histogram = rating_histogram(ratings)
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.bar(histogram.index, histogram.values, width=0.4, color="#3b75af")
ax.set(xlabel="rating (stars)", ylabel="number of ratings", title="ml-latest-small: how people rate",
       xticks=histogram.index)
plt.show()

# %% [markdown]
# Each whole star is more common than the half stars beside it, and most ratings are 3 or above:
# people mostly rate what they chose to watch. Keep that in mind when you read an "average rating".
#
# ## Exercise 3 — Films with a single rating (2 points)
# Set `share_rated_once` to the fraction (between 0 and 1) of **rated films** that have **exactly one**
# rating.
#
# *Hint:* count ratings per film first, then count the films whose count is 1.

# %% tags=["solution"] grade_id="ex3_rated_once"
### BEGIN SOLUTION
per_film = ratings.groupBy("movieId").count()
share_rated_once = per_film.filter("count = 1").count() / per_film.count()
### END SOLUTION

# %% tags=["tests"] grade_id="ex3_rated_once_check" points=2
expect_type(share_rated_once, float, "share_rated_once")
expect(0 < share_rated_once < 1, f"share_rated_once is {share_rated_once}: a share of films must be "
       "between 0 and 1.")
expect(share_rated_once > 0.1, f"share_rated_once is {share_rated_once:.4f}, which is too small. "
       "Divide by the number of rated films, not by the number of ratings.")
# A share of the catalogue's films times the catalogue's size is a whole number of films.
_of_catalogue = share_rated_once * data.spark_movies(spark, "ml-latest-small").count()
expect(abs(_of_catalogue - round(_of_catalogue)) > 1e-6, "share_rated_once looks divided by the films in "
       "movies.csv; divide by the films that were rated at least once (the catalogue lists films nobody rated).")
passed(f"{share_rated_once:.1%} of rated films have one rating")
### BEGIN HIDDEN TESTS
_per_film = data.load_ratings("ml-latest-small")["movieId"].value_counts()
assert abs(share_rated_once - (_per_film == 1).mean()) < 1e-9, \
    f"share_rated_once is {share_rated_once:.4f}, expected {(_per_film == 1).mean():.4f}: films with exactly " \
    "one rating divided by the films rated at least once (not by the rows of movies.csv)"
### END HIDDEN TESTS

# %% [markdown]
# ## Question — what could go wrong? (1 point, graded by your instructor)
# In one or two sentences: a recommender ranks films by their **average** rating. Given your answer to
# Exercise 3, what might it recommend, and why would that be a problem? (Lesson 04 comes back to this.)

# %% [markdown] tags=["answer"] grade_id="q_rated_once" points=1
# A film rated once, with five stars, has a perfect average, so a ranking by average rating fills up
# with obscure films that one person happened to love. The average of one rating says almost nothing
# about what other people will think.

# %% [markdown]
# ## 4. How your work is checked
# - **Visible checks** run right after each exercise. They catch common mistakes and print a hint; a
#   passing check prints "Looks good".
# - **Hidden tests** are in the same cells of the instructor's copy. They run when the notebook is
#   graded, so passing the visible checks is necessary but not always sufficient.
# - **Written answers** (like the question above) are read and graded by a person using a rubric.
# - **Before you hand in:** restart the kernel and run all cells (*Kernel → Restart Kernel and Run All
#   Cells*), then press **Validate** in JupyterLab's nbgrader toolbar, or run `make validate LESSON=00`
#   in a terminal, in the course folder. Validate runs the notebook from the top and lists the cells
#   that fail, with the start of each message: re-run a failing cell to read its whole hint.
#
# ## Recap
# - Spark needs Java 17 or 21; `paper2prod.preflight` tells you what is missing.
# - `get_spark` gives one configured session; the master URL says where the work runs.
# - Data comes from GroupLens with checksums, never from a file someone emailed you.
# - About a third of the films in ml-latest-small were rated only once (Exercise 3 printed the share).
#   Remember that number.
#
# ## Further reading
# - F. Maxwell Harper and Joseph A. Konstan (2015). *The MovieLens Datasets: History and Context.*
#   ACM Transactions on Interactive Intelligent Systems 5(4): 19.
# - Apache Spark documentation: *Spark SQL, DataFrames and Datasets Guide* and *Cluster Mode Overview*.
# - The nbgrader documentation, *Student workflow* (how Validate and submission work).
