# %% [markdown] slideshow={"slide_type": "slide"}
# # Lesson 00 — Set-up
# ## Java, Spark, data, and how your work is checked
#
# *Paper to Production* · workshop deck · about 45 minutes
#
# <small>Notebook: `lessons/00-setup/00-setup.ipynb`</small>

# %% slideshow={"slide_type": "skip"}
from deckkit import *

# %% [markdown] slideshow={"slide_type": "notes"}
# Welcome people, check that everyone has the repository cloned. The whole lesson is about making the
# environment boring: by the end, every laptop in the room runs the same Spark job on the same data.
# %% [markdown] slideshow={"slide_type": "slide"}
# ## Research "better" and product "better"
#
# | | research | product |
# |---|---|---|
# | better means | a lower error on a fixed benchmark | people can use the result, on time, and it keeps working |
# | runs on | my laptop, once | a colleague's laptop, a build server, a cluster, next month |
# | finished when | the paper is accepted | it meets the brief, and then it is maintained |
#
# This course puts you where the research habit fails, and has you **measure** the difference.
# %% [markdown] slideshow={"slide_type": "slide"}
# ## The course map
#
# | # | lesson | you build | the production lesson |
# |---|---|---|---|
# | 00 | set-up | a working Spark + data environment | the environment is part of the job |
# | 01 | paper to code | ALS-WR from the paper, in NumPy | research is judged by one number |
# | 02 | prototype to production | tests, fixes, a 20× faster rewrite | correct, tested, fast, reproducible |
# | 03 | Spark ALS | the library model, tuned and timed | engines that scale out |
# | 04 | recommend for me | your own top 10, then a fix | the metric is not the product |
# | 05 | data cleaning | clean table + quarantine | real data is messy; lose nothing |
# | 06 | done is done | a scoped pipeline and a memo | when to stop |
# | 07 | shipping | a nightly job, served and watched | products need maintenance |
# %% [markdown] slideshow={"slide_type": "slide"}
# ## Two commands
#
# ```bash
# make lab     # first time: environment, data, kernel; then JupyterLab on lessons/
# make test    # the same set-up if needed, then every test
# ```
#
# - Java 17 or 21 is the one thing you install yourself (Spark runs on the JVM).
# - No Java? `make lab` stops at once and says what to install, instead of a Py4J stack trace.
# %% [markdown] slideshow={"slide_type": "slide"}
# ## Is this machine ready?
# %%
from paper2prod import preflight

print(preflight.check_python())
print(preflight.check_java())

# %% [markdown] slideshow={"slide_type": "fragment"}
# The same check runs before every Spark session: a missing Java gets a sentence, not a stack trace.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## One Spark session per notebook
#
# ```python
# from paper2prod.spark import get_spark
#
# spark = get_spark("00-setup")    # local[*]: one JVM, your cores are the workers
# ```
#
# - Configured for a laptop: few shuffle partitions, quiet logs, a checkpoint folder.
# - The first call starts a Java VM: quiet for a few seconds to half a minute; the cell says so.
# - `PAPER2PROD_SPARK_MASTER=spark://host:7077` sends **the same code** to a cluster (lesson 07).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Data with a receipt
#
# ```bash
# python -m paper2prod.data fetch ml-latest-small   # GroupLens, or a local mirror
# ```
#
# - Every file is checked against its SHA-256; a failed fetch installs nothing.
# - Offline room? `PAPER2PROD_DATA_MIRROR=/media/usb/datasets` copies from a folder instead.
# - Spark reads the ratings with an **explicit schema**, and lazily: nothing is read until an action
#   such as `count()` asks for a result.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 1 — count ratings, users and films
#
# With Spark, on the `ratings` DataFrame, set three integers:
#
# - `n_ratings`: rows
# - `n_users`: distinct users who rated something
# - `n_films`: distinct films rated at least once
#
# *Hint:* `count()` counts rows; `select(column).distinct()` keeps one row per value.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["debrief"]
# ## What you should find

# %% tags=["hide-input"] jupyter={"source_hidden": true}
frame = ratings()
say(f"""
| | ml-latest-small |
|---|---:|
| ratings | **{len(frame):,}** |
| users | **{frame['userId'].nunique():,}** |
| rated films | **{frame['movieId'].nunique():,}** |
| films in the catalogue | {len(movies()):,} |
""")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Not every film in the catalogue has a rating: "films" needs a definition before it has a number.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 2 — the rating histogram
#
# Write `rating_histogram(frame)`: a pandas Series, index = each rating value in **increasing order**,
# values = how many rows have it.
#
# *Hint:* `groupBy("rating").count()`, then `toPandas()`. Spark promises no order unless you ask.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["debrief"]
# ## How people rate

# %% tags=["hide-input"] jupyter={"source_hidden": true}
histogram = ratings()["rating"].value_counts().sort_index()
fig, ax = figure(11, 4.4)
whole = histogram.index == histogram.index.round()
ax.bar(histogram.index[whole], histogram.values[whole], width=0.4, color=BLUE, label="whole stars")
ax.bar(histogram.index[~whole], histogram.values[~whole], width=0.4, color=ORANGE, label="half stars")
ax.set(xlabel="rating (stars)", ylabel="number of ratings", xticks=histogram.index,
       title=f"ml-latest-small: {len(ratings()):,} ratings")
thousands(ax.yaxis)
ax.legend(frameon=False)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Whole stars beat half stars, and most ratings are 3 or more: people rate what they chose to watch.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 3 — films with a single rating
#
# Set `share_rated_once`: the fraction of **rated films** that have **exactly one** rating.
#
# *Hint:* count ratings per film first; divide by the number of rated films, not of ratings.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["debrief"]
# ## A third of the films were rated once

# %% tags=["hide-input"] jupyter={"source_hidden": true}
counts = per_film()["n_ratings"]
bins = [(1, 1, "1"), (2, 2, "2"), (3, 4, "3–4"), (5, 9, "5–9"), (10, 49, "10–49"), (50, None, "50+")]
sizes = [counts.between(low, high if high else counts.max()).sum() for low, high, _ in bins]
fig, ax = figure(11, 4.2)
ax.bar([label for *_, label in bins], sizes, color=[ORANGE] + [BLUE] * (len(bins) - 1))
ax.set(xlabel="ratings per film", ylabel="number of films",
       title=f"{(counts == 1).mean():.1%} of the {len(counts):,} rated films have exactly one rating")
thousands(ax.yaxis)
for x, size in enumerate(sizes):
    ax.annotate(f"{size:,}", (x, size), ha="center", va="bottom", fontsize=13)
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Question — what could go wrong?
#
# A recommender ranks films by their **average** rating. What does it recommend?

# %% tags=["hide-input"] jupyter={"source_hidden": true}
best = per_film().sort_values(["mean_rating", "n_ratings"], ascending=[False, True]).head(6)
film_table(best)

# %% [markdown] slideshow={"slide_type": "fragment"}
# Perfect averages from one person each. Lesson 04 meets this again, inside a real recommender.

# %% [markdown] slideshow={"slide_type": "notes"}
# The table is computed at build time from the data: the films with the highest mean rating, ties broken
# by fewest ratings. Ask the room before showing the fragment.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## How your work is checked
#
# - **Visible checks** right after each exercise: a hint you can act on, or "Looks good ✓".
# - **Hidden tests** in the same cells run when your notebook is graded.
# - **Written answers** are graded by a person, with a rubric.
# - **Before you hand in:** *Kernel → Restart Kernel and Run All Cells*, then **Validate**
#   (or `nbgrader validate lessons/00-setup/00-setup.ipynb`).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# - Spark needs Java 17 or 21; `paper2prod.preflight` says what is missing.
# - `get_spark` gives one configured session; the master URL says where the work runs.
# - Data comes from GroupLens with checksums, never from a file someone emailed you.
# - About a third of the rated films have one rating. Remember that number.
#
# **Further reading:** F. M. Harper and J. A. Konstan (2015), *The MovieLens Datasets: History and
# Context*, ACM TiiS 5(4): 19 · Spark SQL guide · nbgrader *Student workflow*.
