# %% [markdown] slideshow={"slide_type": "slide"}
# # Lesson 06 — Done is done
# ## Ship the simplest thing that meets the brief, and know when to stop
#
# *Paper to Production* · workshop deck · about 90 minutes
#
# <small>Notebook: `lessons/06-done-is-done/06-done-is-done.ipynb`</small>

# %% slideshow={"slide_type": "skip"}
from deckkit import *

from paper2prod import data
from paper2prod.acceptance import Brief, further_work_estimates, launch_backlog
from paper2prod.timebox import Timebox

# The lesson's backlog and the team's estimates of further work: read from the package, like the lesson.
BACKLOG = launch_backlog()
FURTHER_WORK = further_work_estimates()

# %% [markdown] slideshow={"slide_type": "notes"}
# Research can always add a chapter of further work. A product has a date, and other people plan
# around it. This lesson practises scoping, time-boxing and stopping, and measures each.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Finished, by whose definition?
#
# - In research, "finished" is flexible; the last section is *further work*.
# - In a product team the deadline is real, and other people's work depends on yours.
# - The last few points of accuracy often cost most of the time.
#
# Today: a brief, a backlog, a time box, and a memo.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The brief: "Films for you", Friday, 5 person-days
#
# Top-10 films on the onboarding page and on returning users' home page. Acceptance, as code in
# `paper2prod.acceptance`:

# %% tags=["hide-input"] jupyter={"source_hidden": true}
say("\n".join(f"{number}. **{name}**: {text}" for number, (name, text) in enumerate(Brief().criteria().items(), 1)))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 1 — scope: what fits in five days?

# %% tags=["hide-input"] jupyter={"source_hidden": true}
per_day = BACKLOG.assign(per_day=BACKLOG["impact"] / BACKLOG["effort_days"]).sort_values("per_day")
fig, ax = figure(12, 4.8)
ax.barh([f"{row.item} ({row.effort_days:g} d)" for row in per_day.itertuples()], per_day["per_day"],
        color=[RED if required else BLUE for required in per_day["required"]])
ax.set(xlabel="expected impact per person-day", title="the team's backlog: red is required by the brief")
ax.tick_params(axis="y", labelsize=12)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Required items first, then the best impact per day that still fits; write down what is **out of scope**, and why.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 2 — time-box the tuning, with a stopping rule

# %% tags=["hide-input"] jupyter={"source_hidden": true}
train, _ = data.load_split("u1")  # the test part stays untouched: the time box decides on validation
validation = train.sample(frac=0.2, random_state=SEED)
fit = train.drop(validation.index)


def validation_rmse(share):
    """Biases baseline trained on a share of the fit ratings: more data costs more time."""
    part = fit.sample(frac=share, random_state=SEED)
    mean, user_bias, item_bias = fit_biases(part)
    predicted = mean + validation["userId"].map(user_bias).fillna(0) + validation["movieId"].map(item_bias).fillna(0)
    return rmse(predicted, validation["rating"])


def improved_too_little(results, threshold=0.01):
    return len(results) >= 2 and results[-2] - results[-1] < threshold


record = Timebox(max_steps=8).run(validation_rmse, [0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0],
                                  stop_rule=improved_too_little, name=lambda share: f"{share:.0%}", progress=False)
done = record.to_frame()
fig, ax = figure(11, 3.5)
ax.plot(range(len(done)), done["result"], "o-", color=BLUE, markersize=9)
ax.set_xticks(range(len(done)), done["name"])
ax.annotate(f"stopped: {record.stopped_because}", (len(done) - 1, done["result"].iloc[-1]), xytext=(-30, 40),
            textcoords="offset points", ha="right", color=RED, fontsize=14,
            arrowprops={"arrowstyle": "->", "color": RED})
ax.set(ylabel="validation RMSE (u1)", xlabel="share of the fit ratings used (each step costs more)",
       title="a baseline in a time box: stop when a step improves RMSE by less than 0.01")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# A toy (ML-100k's random u1 split, RMSE, a typed-in 0.01). The lesson sets `MIN_GAIN` from measured noise
# (two seeds, paired interval); chooses the signal and α (1 to the paper's 40) on a per-user chronological
# **validation** split, keeping a change only when its interval excludes zero (re-checked at 98.3%: three
# looks per choice); tries ranks 2, 4, …, 64 with a budget of **six fits** (not seconds; the rule stops
# first), and ships the **best** step. The test set is used once, on the job.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Implicit ALS: what a rating becomes
#
# Hu, Koren and Volinsky (2008): an observation $r_{ui}$ gives a **preference** $p_{ui} = 1$ if $r_{ui} > 0$
# and a **confidence** $c_{ui} = 1 + \alpha r_{ui}$; every (user, film) pair is fitted, unrated ones with $c = 1$.
#
# Handed star ratings as they are, **half a star says "interested"**. Decide what counts as interest:
# every rating, ratings at or above a floor, confidence from the stars, or low ratings as negative
# (Spark's extension: $r \le 0$ gives $p = 0$, $c = 1 + \alpha|r|$) — `paper2prod.decision.implicit_signal`.
#
# Spark also scales `regParam` by each user's and film's count of positive $r$ (`ALS.scala`), not the paper's
# constant λ. Unrated pairs ($p = 0$, $c = 1$) pull rarely rated films down: implicit ALS has no one-rating
# trap, so lesson 04's threshold (chosen against it) is re-measured, and the brief's 20 kept.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 3 — ship
#
# The simplest pipeline that meets every criterion:
#
# (cleaning, 05, runs before the job) → **implicit ALS** on the decided signal (06) → only films with ≥ 20
# ratings (the brief) → never a film already rated → **popular, liked films** for new users
#
# ```python
# from paper2prod.acceptance import Brief, check_delivery
#
# report = check_delivery(delivery, train, test, Brief())   # one check per criterion: which failed, and why
# ```
#
# "At least popularity's NDCG" is a **paired non-inferiority test**: the 95% interval of model − popularity
# over users must lie above −`Brief.quality_margin` (0.01), not a comparison of two means.
#
# Autograded by running the acceptance checks on your output. A deliberately broken pipeline must fail them.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 4 — the definition of done
#
# ☐ the tests pass<br>
# ☐ the results are reproducible from a clean run (fixed seeds, pinned versions)<br>
# ☐ someone else can run it from the README<br>
# ☐ the known limitations are written down
#
# Done is a checklist, not a feeling.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 5 — the decision memo
#
# Half a page to the product manager, graded with a rubric:
#
# - **what shipped**, and the evidence that it meets the brief;
# - **what was left out, and why** (impact per effort, risk);
# - **what to do next**, and what it would cost;
# - one **risk**; which rank step you ship and why; anything the rule chose that the intervals do not show
#   better.
#
# No jargon the reader must look up; numbers where they help the decision.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 6 — stop: where is the elbow?

# %% tags=["hide-input"] jupyter={"source_hidden": true}
fig, ax = figure(11, 4.2)
ax.plot(FURTHER_WORK["person_days"], FURTHER_WORK["estimated_gain"], "o-", color=BLUE, markersize=8)
for row in FURTHER_WORK.iloc[[0, 1, 2, -1]].itertuples():
    ax.annotate(row.step, (row.person_days, row.estimated_gain), xytext=(10, -12), textcoords="offset points",
                fontsize=12, ha="right" if row.person_days > 25 else "left")
ax.set(xlabel="person-days after the launch (cumulative)", ylabel="estimated gain in validation NDCG@10",
       xlim=(-1, 42), title="the team's estimates of further work: where does it stop paying?")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# In the lesson the curve starts at **your measured** NDCG of the shipped model. Find the elbow (rescale both
# axes, take the largest y' - x': the point farthest above the diagonal), then argue whether to
# continue: what would the next step buy (against `MIN_GAIN`, the paired noise), and what else could those days do?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# - Scope by impact per effort, and write down what is out.
# - Time-box with a stopping rule you chose **before** you saw the results.
# - Choose on validation; acceptance criteria as code, run once on test, decide when it ships (with intervals);
#   a checklist decides when it is done.
# - A short memo turns your work into a decision someone else can make.
#
# **Further reading:** F. P. Brooks (1975), *The Mythical Man-Month*, Addison-Wesley · D. Sculley et al.
# (2015), *Hidden Technical Debt in Machine Learning Systems*, NeurIPS 28 · S. Amershi et al. (2019),
# *Software Engineering for Machine Learning: A Case Study*, ICSE-SEIP 2019.
