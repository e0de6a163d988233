# %% [markdown] slideshow={"slide_type": "slide"}
# # Lesson 06 — Done is done
# ## Ship the simplest thing that meets the brief, and know when to stop
#
# *Paper to Production* · workshop deck · about 75 minutes
#
# <small>Notebook: `lessons/06-done-is-done/06-done-is-done.ipynb`</small>

# %% slideshow={"slide_type": "skip"}
from deckkit import *
from paper2prod import data
from paper2prod.acceptance import Brief
from paper2prod.timebox import Timebox

# The lesson's backlog (effort in person-days, impact in agreed points, required by the brief?) and
# its log of further work after the launch: the data of exercises 1 and 6, not their answers.
BACKLOG = pd.DataFrame([
    ("rating-count filter (lesson 04)", 0.5, 8.0, True),
    ("popularity fallback for new users", 0.5, 7.0, True),
    ("acceptance checks and hand-over README", 1.5, 3.0, True),
    ("time-boxed ALS tuning (a few ranks)", 1.0, 5.0, False),
    ("'because you watched' explanations", 2.0, 4.5, False),
    ("lesson 05 cleaning run on the launch export", 1.0, 2.5, False),
    ("genre-diversity re-ranking", 0.5, 1.0, False),
    ("full hyper-parameter grid search", 2.5, 5.5, False),
    ("time-aware bias model (lesson 01)", 3.0, 3.0, False),
    ("deep recommender (a new model)", 10.0, 6.0, False),
], columns=["item", "effort_days", "impact", "required"])
FURTHER_WORK = pd.DataFrame([
    ("as shipped", 0, 0.220), ("tune alpha and regularisation", 1, 0.238),
    ("larger ranks, more iterations", 3, 0.249), ("time-aware weighting", 6, 0.251),
    ("genre side-information", 11, 0.253), ("deep model, first version", 21, 0.2555),
    ("deep model, tuned", 31, 0.257),
], columns=["step", "person_days", "ndcg"])

# %% [markdown] slideshow={"slide_type": "notes"}
# Research can always add a chapter of further work. A product has a date, and other people plan
# around it. This lesson practises scoping, time-boxing and stopping, and measures each.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Finished, by whose definition?
#
# - In research, "finished" is flexible; the last section is *further work*.
# - In a product team the deadline is real, and other people's work depends on yours.
# - The last 10% of accuracy often costs 90% of the time.
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
train, test = data.load_split("u1")


def test_rmse(share):
    """Biases baseline trained on a share of the training ratings: more data costs more time."""
    part = train.sample(frac=share, random_state=SEED)
    mean, user_bias, item_bias = fit_biases(part)
    predicted = mean + test["userId"].map(user_bias).fillna(0) + test["movieId"].map(item_bias).fillna(0)
    return rmse(predicted, test["rating"])


def improved_too_little(results, threshold=0.01):
    return len(results) >= 2 and results[-2] - results[-1] < threshold


record = Timebox(max_steps=8).run(test_rmse, [0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0],
                                  stop_rule=improved_too_little, name=lambda share: f"{share:.0%}", progress=False)
done = record.to_frame()
fig, ax = figure(11, 3.9)
ax.plot(range(len(done)), done["result"], "o-", color=BLUE, markersize=9)
ax.set_xticks(range(len(done)), done["name"])
ax.annotate(f"stopped: {record.stopped_because}", (len(done) - 1, done["result"].iloc[-1]), xytext=(-30, 40),
            textcoords="offset points", ha="right", color=RED, fontsize=14,
            arrowprops={"arrowstyle": "->", "color": RED})
ax.set(ylabel="test RMSE (u1)", xlabel="share of the training ratings used (each step costs more)",
       title="a baseline in a time box: stop when a step improves RMSE by less than 0.01")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# In the lesson: ranks 2, 4, …, 64, validation NDCG@10, stop when a step gains less than 0.005, ship the
# **best** step. `paper2prod.timebox.Timebox` keeps every finished step, even when time runs out.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 3 — ship
#
# The simplest pipeline that meets every criterion:
#
# **clean data** (05) → **rating-count filter** (04) → **ALS** (03) → **popularity fallback** for new users
#
# ```python
# from paper2prod.acceptance import Brief, check_delivery
#
# report = check_delivery(delivery, train, test, Brief())   # one check per criterion: which failed, and why
# ```
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
# - **what to do next**, and what it would cost.
#
# No jargon the reader must look up; numbers where they help the decision.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 6 — stop: where is the elbow?

# %% tags=["hide-input"] jupyter={"source_hidden": true}
fig, ax = figure(11, 4.2)
ax.plot(FURTHER_WORK["person_days"], FURTHER_WORK["ndcg"], "o-", color=BLUE, markersize=8)
for row in FURTHER_WORK.iloc[[0, 1, 2, -1]].itertuples():
    ax.annotate(row.step, (row.person_days, row.ndcg), xytext=(10, -12), textcoords="offset points", fontsize=12,
                ha="right" if row.person_days > 25 else "left")
ax.set(xlabel="person-days after the launch (cumulative)", ylabel="validation NDCG@10", xlim=(-1, 42),
       title="the team's log of further work: where does it stop paying?")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Find the elbow (rescale both axes, take the point farthest below the chord), then argue whether to
# continue: what would the next step buy, and what else could those days do?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# - Scope by impact per effort, and write down what is out.
# - Time-box with a stopping rule you chose **before** you saw the results.
# - Acceptance criteria as code decide when it ships; a checklist decides when it is done.
# - A short memo turns your work into a decision someone else can make.
#
# **Further reading:** F. P. Brooks (1975), *The Mythical Man-Month*, Addison-Wesley · D. Sculley et al.
# (2015), *Hidden Technical Debt in Machine Learning Systems*, NeurIPS 28 · S. Amershi et al. (2019),
# *Software Engineering for Machine Learning: A Case Study*, ICSE-SEIP 2019.
