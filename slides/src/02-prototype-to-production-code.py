# %% [markdown] slideshow={"slide_type": "slide"}
# # Lesson 02 — From research prototype to production code
# ## Test, fix, vectorise and harden a research prototype
#
# *Paper to Production* · workshop deck · about 90 minutes
#
# <small>Notebook: `lessons/02-prototype-to-production-code/02-prototype-to-production-code.ipynb`</small>

# %% slideshow={"slide_type": "skip"}
import re
from pathlib import Path

from deckkit import *

from paper2prod import data
from paper2prod.benchmark import best_seconds

# The prototype the students get (the release), or its source before the first release.
PROTOTYPE = next(path for folder in ("lessons", "solutions")
                 if (path := Path("..") / folder / "02-prototype-to-production-code" / "research_mf.py").exists())

# %% [markdown] slideshow={"slide_type": "notes"}
# The talk this course grew from shows "cutting-edge statistical research embodied in an imperfect
# implementation", then refines it step by step. This lesson is that journey, hands on. Do not list
# the planted defects: finding them is the exercise (they are in the instructor notes).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## It works on my data set
#
# - A research prototype: ALS-WR from lesson 01, written the way research code often is.
# - It reproduces the number in the thesis on ml-100k.
# - Now a product wants it on **different data**, every night, for users it has never seen.
#
# What could possibly go wrong?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A quick look at `research_mf.py`

# %% tags=["hide-input"] jupyter={"source_hidden": true}
source = PROTOTYPE.read_text().splitlines()
top_level = [re.sub(r"\s*#.*$", "", line) for line in source if re.match(r"^[A-Za-z_][A-Za-z_0-9]* *= ", line)]
functions = [re.match(r"^(?:def|class) (\w+)", line).group(1) for line in source if re.match(r"^(def|class) ", line)]
say("```python\n" + "\n".join(top_level) + "\n```\n\nand the functions " + ", ".join(f"`{name}`" for name in functions))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Globals, a path on someone's laptop, no seed, loops everywhere: the smells a quick look finds.
# The lesson's defects are the ones a quick look **misses**.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 1 — the silent failure
#
# 1. Run the prototype on ml-100k: it trains, and the RMSE looks right.
# 2. Run it on ml-latest-small: it trains, and the RMSE still looks plausible.
# 3. Check one prediction **by hand**, from the model's own factors; then one user's predictions for
#    **every** film: do different films share a prediction exactly?
#
# A wrong answer with no error message is the most expensive kind.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Debrief — ids are labels, not positions

# %% tags=["hide-input"] jupyter={"source_hidden": true}
fig, axes = figure(12, 4.2, ncols=2)
for ax, name, color in zip(axes, ["ml-100k", "ml-latest-small"], [BLUE, ORANGE]):
    ids = np.sort(movies(name)["movieId"].unique())
    ax.plot(np.arange(1, ids.size + 1), ids, color=color, linewidth=2.5)
    ax.plot([1, ids.size], [1, ids.size], color=GREY, linestyle="--", label="id = position")
    ax.set(title=f"{name}\n{ids.size:,} films, largest id {ids[-1]:,}", xlabel="position in sorted order",
           ylabel="movieId")
    thousands(ax.yaxis)
    thousands(ax.xaxis)
    ax.legend(frameon=False, loc="upper left")
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Show this after exercise 1. Code that turns an id into a row number by arithmetic looks right on
# ml-100k, whose ids are 1..1682 without gaps, and silently mixes films on ml-latest-small. It was
# already wrong on ml-100k's split: `u1.base` lacks some films, so its largest ids share a column (the
# lesson asks students to count them).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 2 — tests that bite
#
# Write pytest-style tests, each aimed at one defect. A good test here:
#
# - **fails** on the prototype, and **passes** on a correct implementation (that is how it is graded);
# - builds a tiny data set in the test, where you know the right answer by hand;
# - says in its name what it protects: `test_unseen_film_gets_a_documented_answer`.
#
# ```python
# def test_...(mf):   # mf: the implementation under test (the prototype, or yours)
#     tiny = pd.DataFrame({"userId": [1, 1, 2], "movieId": [1, 2, 1], "rating": [5.0, 3.0, 4.0]})
#     model = mf.train(tiny, rank=2, reg=0.1, iterations=5)   # the contract's arguments, all given
#     assert ...   # something you can check with a pencil
# ```

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 3 — a production version
#
# A clean implementation: no globals, a seed argument, vectorised updates, an **explicit id mapping**,
# and a documented answer for users and films it has never seen.
#
# ```python
# user_ids, user_rows = np.unique(ratings["userId"], return_inverse=True)   # id -> row, both ways
# ```
#
# The hidden tests replay each defect's case against your version.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 4 — profile, then speed up

# %% tags=["hide-input"] jupyter={"source_hidden": true}
train, test = data.load_split("u1")
rng = np.random.default_rng(SEED)
user_rows = {u: r for r, u in enumerate(np.unique(train["userId"]))}
film_rows = {f: r for r, f in enumerate(np.unique(train["movieId"]))}
known = test[test["userId"].isin(user_rows) & test["movieId"].isin(film_rows)]
U, V = rng.normal(size=(len(user_rows), 10)), rng.normal(size=(len(film_rows), 10))


def predict_in_a_loop():
    return [float(U[user_rows[u]] @ V[film_rows[f]]) for u, f in zip(known["userId"], known["movieId"])]


def predict_vectorised():
    rows_u = known["userId"].map(user_rows).to_numpy()
    rows_f = known["movieId"].map(film_rows).to_numpy()
    return np.einsum("ij,ij->i", U[rows_u], V[rows_f])


assert np.allclose(predict_in_a_loop(), predict_vectorised())  # same answer, or the timing means nothing
seconds = {"Python loop": best_seconds(predict_in_a_loop), "NumPy, vectorised": best_seconds(predict_vectorised)}
fig, ax = figure(11, 3.4)
ax.barh(list(seconds), [1000 * s for s in seconds.values()], color=[GREY, BLUE])
for y, value in enumerate(seconds.values()):
    ax.annotate(f"{1000 * value:.1f} ms", (1000 * value, y), xytext=(6, 0), textcoords="offset points", va="center")
ax.set(xlabel="milliseconds, best of 3", title=f"{len(known):,} predictions on ml-100k u1: "
       f"{seconds['Python loop'] / seconds['NumPy, vectorised']:.0f}× faster, same numbers")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Measure first (`%timeit`, `%prun`, `cProfile`), check the answers agree, then report a **ratio**:
# seconds depend on the machine. The target for your fixed version: 20× or more on ml-latest-small.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Reproducible means the same numbers twice

# %% tags=["hide-input"] jupyter={"source_hidden": true}
small = train.sample(frac=0.5, random_state=SEED)
runs = {
    "no seed, run 1": fit_als(small, rank=5, reg=0.1, iterations=3, test=test, seed=None),
    "no seed, run 2": fit_als(small, rank=5, reg=0.1, iterations=3, test=test, seed=None),
    "seed=0, run 1": fit_als(small, rank=5, reg=0.1, iterations=3, test=test, seed=0),
    "seed=0, run 2": fit_als(small, rank=5, reg=0.1, iterations=3, test=test, seed=0),
}
pd.DataFrame({"test RMSE": [f"{m.history[-1][2]:.10f}" for m in runs.values()]}, index=list(runs))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Without a seed, every run is a new experiment. Nobody can tell a fix from luck.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 5 — what if it had shipped?
#
# A short written reflection, graded with a rubric:
#
# - Which defect would users have noticed first, and which one never?
# - Which would have cost the most, and who would have paid?
# - What in your new version stops each one from coming back?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# - "It runs" is not "it is right": check predictions, by hand and in bulk, not only the RMSE.
# - A test that fails on the old code and passes on the new is a bug that stays fixed.
# - Vectorise after you have tests; report speed-ups as measured ratios.
# - Seeds, explicit id maps, no globals, a decision for the unseen: production habits.
# - Weighted or plain λ is a choice (the paper chose it for RMSE; lesson 04 shows its price in the lists):
#   make it on purpose. Code that claims one and does the other is a defect.
#
# **Further reading:** Zhou et al. (2008), AAIM, LNCS 5034 · D. Sculley et al. (2015), *Hidden
# Technical Debt in Machine Learning Systems*, NeurIPS 28 · the pytest documentation, *Getting started*.
