# %% [markdown] slideshow={"slide_type": "slide"}
# # Lesson 03 — Spark ALS
# ## Stand on the shoulders of giants
#
# *Paper to Production* · workshop deck · about 75 minutes
#
# <small>Notebook: `lessons/03-spark-als/03-spark-als.ipynb`</small>

# %% slideshow={"slide_type": "skip"}
import time

from deckkit import *

from paper2prod.synthetic import make_ratings

# %% [markdown] slideshow={"slide_type": "notes"}
# Lesson 01 built ALS-WR by hand; this lesson swaps it for the library version and asks what we gain:
# code many people have tested, and an engine that keeps going when the data outgrows one machine.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Why not keep our own ALS?
#
# - Ours is fast and we understand it. It also has one user: us.
# - `pyspark.ml.recommendation.ALS` has been run, broken and fixed by thousands of teams.
# - Spark runs the same code on one laptop or on a hundred machines.
#
# In a product, *boring and well-tested* beats *clever and ours*, unless we can show otherwise.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What Spark does with your code
#
# | piece | what it is |
# |---|---|
# | **driver** | your notebook's process: plans the work, collects results |
# | **executors** | worker processes (threads in local mode) that run tasks |
# | **partitions** | slices of a DataFrame; one task per partition per stage |
# | **lazy plan** | transformations only describe; an action (`count`, `show`, `fit`) runs them |
#
# Exercise 1: a film summary in Spark, from DataFrames with explicit schemas; then read its `explain()`.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The one snippet that matters
#
# ```python
# from pyspark.ml.recommendation import ALS
# from paper2prod.spark import ALS_BLOCKS
#
# als = ALS(userCol="userId", itemCol="movieId", ratingCol="rating",
#           rank=10, regParam=0.2, maxIter=10, seed=42,  # the course's settings (exercise 5)
#           coldStartStrategy="drop",            # the default, "nan", turns RMSE into NaN
#           numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS)
# model = als.fit(train)                       # train: a cached random split
# ```

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises 2–3 — split, cache, train, count what was dropped

# %% tags=["hide-input"] jupyter={"source_hidden": true}
frame = ratings()
test = frame.sample(frac=0.2, random_state=SEED)
train = frame.drop(test.index)
unseen_user = ~test["userId"].isin(train["userId"])
unseen_film = ~test["movieId"].isin(train["movieId"])
parts = {"kept": int((~unseen_user & ~unseen_film).sum()), "film not in training": int(unseen_film.sum()),
         "user not in training": int((unseen_user & ~unseen_film).sum())}
fig, ax = figure(11, 2.8)
left = 0
for (label, size), color in zip(parts.items(), [BLUE, ORANGE, RED]):
    ax.barh([0], [size], left=left, color=color, label=f"{label}: {size:,}")
    left += size
ax.set(yticks=[], xlabel="test rows", title=f"a random 80/20 split of ml-latest-small: {len(test):,} test rows")
thousands(ax.xaxis)
ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=3)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# `coldStartStrategy="drop"` silently removes these rows from the evaluation. Count them and report them.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 4 and a question — does it agree with yours?
#
# - Same split in NumPy, same rank, same λ: Spark's RMSE and the course's NumPy ALS-WR (factors only,
#   like Spark) agree **within 0.02**.
# - Is that a coincidence? ALS-WR's penalty has a factor, each user's and film's number of ratings,
#   that Spark's parameter list never mentions.
# - Written answer (graded with a rubric): what Spark does with `regParam` for one user, and what follows.

# %% [markdown] slideshow={"slide_type": "notes"}
# Debrief after the question: Spark multiplies `regParam` by each user's (film's) number of ratings, the
# ALS-WR convention, so it fits the same objective as the NumPy ALS-WR. It is not lesson 01's model:
# Spark has no global mean and no biases. The two share only the scaling, so lesson 01's λ is a starting
# point on the right scale, not a setting to copy: tune again (exercise 5). The weighted λ suits RMSE;
# lesson 04 shows that without biases it lets films with one rating top the lists.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 5 — tune, on a budget
#
# ```python
# from pyspark.ml.evaluation import RegressionEvaluator
# from pyspark.ml.tuning import ParamGridBuilder, TrainValidationSplit
#
# grid = ParamGridBuilder().addGrid(als.rank, [5, 10]).addGrid(als.regParam, [0.05, 0.1, 0.2, 0.4]).build()
# evaluator = RegressionEvaluator(metricName="rmse", labelCol="rating")
# search = TrainValidationSplit(estimator=als, estimatorParamMaps=grid, evaluator=evaluator,
#                               trainRatio=0.8, seed=42)
# best = search.fit(train).bestModel
# ```
#
# Small grid, small budget, and a plot of the result. The course's `regParam` 0.2 is the bottom of this
# grid's valley on the lesson's split (the cell prints the point's place); lesson 04 shows what else that
# value does to a top-10 list.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Scale — when does one machine run out?

# %% tags=["hide-input"] jupyter={"source_hidden": true}
sizes = [25_000, 50_000, 100_000]
seconds = []
for size in sizes:
    synthetic = make_ratings(size, seed=SEED)
    started = time.perf_counter()
    fit_als(synthetic, rank=10, reg=0.1, iterations=2, biases=False)
    seconds.append((time.perf_counter() - started) / 2)
per_rating = np.polyfit(sizes, seconds, 1)[0]
fig, (left, right) = figure(12, 4.4, ncols=2)
left.plot(np.array(sizes) / 1000, seconds, "o-", color=BLUE, markersize=9)
left.set(xlabel="thousands of ratings (synthetic)", ylabel="seconds per iteration", ylim=(0, None),
         title=f"NumPy ALS here: {per_rating * 1e6:.1f} s per million ratings")
# Bytes per rating held in memory by the solver timed on the left (deckkit.fit_als): user id, film id
# (4 bytes each) and the rating (8 bytes), plus its per-rating work array (rank x rank floats, rank 10).
# Leaner solvers (the course's numpy_als, Spark) add a rank x rank matrix per user or film, not per rating.
bytes_per_rating = 4 + 4 + 8 + 8 * 10 * 10
data_sets = {"ml-latest-small": 1e5, "ml-25m": 2.5e7, "Netflix Prize": 1e8, "a big product": 1e10}
gigabytes = [bytes_per_rating * n / 2**30 for n in data_sets.values()]
right.loglog(list(data_sets.values()), gigabytes, "o-", color=ORANGE, markersize=9)
offsets = {"ml-latest-small": (10, -5, "left"), "ml-25m": (10, -16, "left"), "Netflix Prize": (-10, 6, "right"),
           "a big product": (-12, -6, "right")}
for (name, n), size in zip(data_sets.items(), gigabytes):
    dx, dy, align = offsets[name]
    right.annotate(name, (n, size), xytext=(dx, dy), textcoords="offset points", ha=align, fontsize=12)
right.axhline(16, color=RED, linestyle="--")
right.annotate("a 16 GB laptop", (1e10, 16), xytext=(0, -18), textcoords="offset points", ha="right", color=RED)
right.set(xlabel="ratings (log)", ylabel="GB (log)", title="memory this NumPy ALS step needs")
right.minorticks_off()
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# NumPy wins small; Spark is slower per rating on one laptop, and keeps going when you add machines.
# In the lesson you time both, from 100 thousand to a million ratings (`python -m paper2prod.benchmark`
# goes to a few million).

# %% [markdown] slideshow={"slide_type": "notes"}
# The memory panel is for the simple solver timed on the left, which builds a rank × rank matrix for every
# rating. The course's `numpy_als` and Spark build at most one per user or film and need several times
# less, so where a solver crosses the 16 GB line depends on the solver; that a big product's ratings
# outgrow one laptop does not.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The same code on a cluster
#
# ```bash
# PAPER2PROD_SPARK_MASTER=spark://head-node:7077 jupyter lab      # only the master URL changes
# ```
#
# - Local mode: one JVM, your cores are the workers.
# - A cluster: executors on many machines, the same DataFrames and the same `ALS`.
# - Lesson 07 starts a real standalone cluster and runs the job on it.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# - A library model is tested by many; check it against one you understand (within 0.02 here).
# - `coldStartStrategy="drop"`, fixed seeds, cached splits, small block counts on a laptop.
# - Tune on a budget; plot what you tuned.
# - Spark's value is scale-out: it loses on one laptop, and keeps going when the data outgrows it.
#
# **Further reading:** M. Zaharia et al. (2016), *Apache Spark: A Unified Engine for Big Data
# Processing*, CACM 59(11) · Zhou et al. (2008), AAIM, LNCS 5034 · Spark MLlib guide, *Collaborative
# Filtering*.
