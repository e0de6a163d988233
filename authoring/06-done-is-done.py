# %% [markdown]
# # Lesson 06 — Done is done: ship the simplest thing that meets the brief, and know when to stop
#
# **Time:** about 90 minutes. **You need:** lesson 00 working (Java, Spark, data). Lessons 03–05 help
# (Spark ALS, the rating-count filter and ranking metrics, data cleaning), but this lesson stands on
# its own: everything it uses is introduced again here, briefly.
#
# ## Learning objectives
# By the end of this lesson you can:
# 1. read a product brief as acceptance checks that code runs, and let their verdict decide what ships;
# 2. choose what to build from a backlog by impact per day of effort, within the time there is, and
#    say what is out of scope;
# 3. say what implicit ALS learns from ratings, choose the signal and its confidence weight on a
#    validation split, with intervals, and time-box tuning with a stopping rule set from measured noise;
# 4. ship a pipeline that passes every acceptance check, and hand it over: reproducible, with a README
#    and its known limitations;
# 5. write a short decision memo, and use the elbow of a quality-against-effort curve to argue when to stop.
#
# ## Why a lesson on stopping?
# In research, "finished" is flexible: a thesis ends with a chapter called *further work*, and one more
# experiment is nearly always possible. In a product team the deadline is real, because other people's
# work depends on yours: the web team is building the page your recommendations fill, and marketing has
# announced the launch. The last few points of accuracy often cost most of the time, and nobody outside
# the team can see them.
#
# So a product team agrees **up front** what "done" means, in terms it can check, then builds the
# simplest thing that meets it, stops, ships, and writes down what it left out. This lesson makes you
# do exactly that, with numbers.

# %% [markdown]
# ## 1. The brief
# Your product manager sends this on Monday morning:
#
# > **Launch: "Films for you", Friday.** Top-10 film recommendations on two pages: the onboarding page
# > (people who have just signed up and rated nothing) and the home page of returning users.
# > Acceptance, agreed with the web and catalogue teams:
# > 1. every returning user gets exactly 10 different films, ranked 1 to 10;
# > 2. nobody is offered a film they have already rated;
# > 3. no recommended film has fewer than 20 ratings (we were embarrassed by obscure picks last time);
# > 4. a new user with no ratings gets 10 well-known films that people liked;
# > 5. on held-out ratings, ranking quality (NDCG@10) is at least that of "most popular films" (a loss of up
# >    to 0.01 NDCG@10 is acceptable for a wider catalogue);
# > 6. at least 10% of the eligible films appear in somebody's list (the catalogue team wants more than
# >    the same thirty blockbusters for everyone);
# > 7. the nightly batch job runs within its 60-second slot on our standard machine.
# >
# > You have **5 person-days**. Anything else goes on the list for the next release.
#
# Two measures from lesson 04, briefly. **NDCG@10** scores one user's list of 10 against the films that
# user went on to rate 4 stars or more: a hit at position $i$ earns $1/\log_2(i+1)$, and the sum is divided
# by the best possible sum for that user, so 1 is a perfect list and 0 a list without a hit; the course
# averages it over users. A **95% interval** here is a percentile bootstrap over users: the users are
# resampled with replacement many times, and the middle 95% of the resampled means is the interval
# (`paper2prod.evaluation`).
#
# A brief like this is a gift: every line can be checked by code. The course package holds those checks,
# written once from the brief, in `paper2prod.acceptance`: `Brief` holds the numbers, `check_delivery`
# runs one check per criterion and says which failed and why. Writing the checks *before* the model is
# the production habit: they are the definition of done that everybody agreed to.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from paper2prod import acceptance, data
from paper2prod.acceptance import Brief, Delivery, check_delivery, eligible_films, timed
from paper2prod.checks import expect, expect_close, expect_type, passed
from paper2prod.decision import Decision, implicit_signal
from paper2prod.evaluation import bootstrap_interval, chronological_split, compare, held_out_items
from paper2prod.ranking import as_lists, ndcg_at_k

pd.set_option("display.max_colwidth", None)  # show each criterion in full
brief = Brief()
pd.DataFrame({"criterion": brief.criteria()})

# %% [markdown]
# ## 2. The clean input
# In the launch, the input would be the output of lesson 05's cleaning job. Here it is **ml-latest-small**
# (Harper and Konstan, 2015), which GroupLens already publishes clean: every user has rated at least 20
# films, and there are no repeated or malformed ratings. "Already clean" is still a claim, so a
# production job checks it at the door, cheaply, every time it runs: a job that trusts its input passes
# bad data on to everyone downstream.

# %%
ratings = data.load_ratings("ml-latest-small")


def input_problems(frame):
    """Count what would make the input unfit for the job; all zeros means go."""
    half_stars = np.arange(1, 11) / 2
    return pd.Series({
        "missing values": int(frame.isna().any(axis=1).sum()),
        "repeated (user, film) pairs": int(frame.duplicated(["userId", "movieId"]).sum()),
        "ratings off the half-star scale": int((~frame["rating"].isin(half_stars)).sum()),
        "timestamps in the future": int((frame["timestamp"] > time.time()).sum()),
    })


problems = input_problems(ratings)
print(problems.to_string())
assert problems.sum() == 0, "the input is not clean: run lesson 05's cleaning job first"
print(f"\n{len(ratings):,} ratings by {ratings['userId'].nunique()} users of {ratings['movieId'].nunique():,} films")

# %% [markdown]
# ### Three parts: fit, validation, test
# The launch is judged on what people pick **next**, so we hold out each user's latest ratings, with the
# course's harness (`paper2prod.evaluation.chronological_split`, lesson 04): each user's latest 20% of
# ratings are the **test** set, where the acceptance checks measure ranking quality once, at the end.
# From the remaining **train** set, each user's latest 20% again are the **validation** set, for every
# choice this lesson makes (which model, which signal, which settings), and the model for choosing is
# fitted on the rest (**fit**). Tuning or choosing on the test set would make the acceptance check
# flatter us: it would measure how well we chose for those very ratings, not how well we recommend.
#
# Be exact about what this split promises. It is **per user**: for each user, the held-out ratings come
# after that user's training ratings. It is not a cut-off date: **other users' later ratings stay in
# training** (the module's docstring says why: most MovieLens users rate in one burst, so a single date
# would leave few users to test). So the model never sees *your* next ratings, but it does see what other
# people rated after them, and the films' rating counts (and so which films are eligible, and what is
# "popular") include those later ratings. The cell measures how common that is. Lesson 04 measures what
# it does to a decision with a global cut-off. In this lesson, "next" always means next *for that user*.
#
# The split depends only on the data (ties in time are broken by film id), so it is the same on every
# machine and every run.

# %%
train, test = chronological_split(ratings, test_fraction=0.2)
fit, validation = chronological_split(train, test_fraction=0.2)
print(f"train {len(train):,} (fit {len(fit):,} + validation {len(validation):,}), test {len(test):,}")
first_held_out = test.groupby("userId")["timestamp"].min()
last_trained = train.groupby("userId")["timestamp"].max()[first_held_out.index]
print(f"{len(first_held_out)} of {ratings['userId'].nunique()} users in test; each user's held-out ratings come "
      f"at or after their own training ratings: {bool((first_held_out >= last_trained).all())}")
rated_later_by_others = test["movieId"].map(train.groupby("movieId")["timestamp"].max()) > test["timestamp"]
print(f"but {rated_later_by_others.mean():.0%} of the test ratings are of a film that somebody else rated LATER, "
      "in train: the split is per user, not a cut-off date")

# %% [markdown]
# ## Exercise 1 — Scope: what fits in five days? (3 points)
# The team's backlog, with an effort estimate in person-days and an expected impact (points agreed in the
# planning meeting; higher is better). Some items are **required by the brief**: without them an
# acceptance criterion fails, whatever else ships.

# %%
BACKLOG = acceptance.launch_backlog()  # the team's backlog, one copy in the package (the deck reads it too)
DAYS_AVAILABLE = 5.0
BACKLOG.assign(impact_per_day=BACKLOG["impact"] / BACKLOG["effort_days"])

# %% [markdown]
# Write `choose_work(backlog, days)`. It returns the chosen rows of `backlog` (a DataFrame with the same
# columns), chosen by this rule:
# 1. every **required** item first. If the required items alone need more than `days`, raise a
#    `ValueError`: the brief cannot be met in time, and that is a conversation with the product manager,
#    not a choice to make on your own;
# 2. then the other items in decreasing order of **impact per day** (`impact / effort_days`); take each
#    one that still fits in the days left, and **skip** (do not stop at) one that does not fit;
# 3. ties in impact per day go to the smaller effort.
#
# The cell then plans the week with it (`week_plan`). Look at the plan and write down what is **out of
# scope**: `out_of_scope`, a dict from every backlog item that is *not* in `week_plan` to a short reason
# (a string) you could give the product manager.
#
# *Why this rule?* Sorting by impact alone fills the week with one large item; impact per day spends
# each day where it buys most. (For a small backlog like this one it also finds the best plan; in
# general it is a good, fast rule of thumb, not a guarantee.)

# %% tags=["solution"] grade_id="ex1_scope"
def choose_work(backlog, days):
    """Required items, then the rest by impact per day while they fit; returns the chosen rows."""
    ### BEGIN SOLUTION
    required = backlog[backlog["required"]]
    days_left = days - required["effort_days"].sum()
    if days_left < 0:
        raise ValueError(f"the required items need {required['effort_days'].sum():g} days, "
                         f"only {days:g} are available")
    optional = backlog[~backlog["required"]].assign(per_day=lambda b: b["impact"] / b["effort_days"])
    optional = optional.sort_values(["per_day", "effort_days"], ascending=[False, True], kind="stable")
    chosen = list(required.index)
    for index, row in optional.iterrows():
        if row["effort_days"] <= days_left + 1e-9:  # tolerate floating-point sums of half days
            chosen.append(index)
            days_left -= row["effort_days"]
    return backlog.loc[chosen]
    ### END SOLUTION


week_plan = choose_work(BACKLOG, DAYS_AVAILABLE)
print(week_plan[["item", "effort_days", "impact"]].to_string(index=False))
print(f"\n{week_plan['effort_days'].sum():g} of {DAYS_AVAILABLE:g} days, total impact {week_plan['impact'].sum():g}")

# out_of_scope: every backlog item NOT in week_plan -> the reason you would give the product manager
### BEGIN SOLUTION
out_of_scope = {
    "'because you watched' explanations": "a good next feature, but it needs 2 days and only half a day was left",
    "full hyper-parameter grid search": "the time-boxed tuning gets most of the gain for a fraction of the cost",
    "time-aware bias model (lesson 01)": "3 days for a gain our users would hardly notice; revisit after launch",
    "deep recommender (a new model)": "two working weeks and new infrastructure; not for this release",
}
### END SOLUTION

# %% tags=["tests"] grade_id="ex1_choose_check" points=2
_backlog = pd.DataFrame([("must A", 1.0, 2.0, True), ("small good", 1.0, 4.0, False), ("big", 3.0, 10.5, False),
                         ("tiny", 0.5, 1.5, False), ("medium", 2.0, 5.0, False)],
                        columns=["item", "effort_days", "impact", "required"])
_plan = choose_work(_backlog, 4.0)
expect(isinstance(_plan, pd.DataFrame), f"choose_work should return the chosen rows as a DataFrame, not a "
       f"{type(_plan).__name__}; e.g. backlog.loc[chosen_index].")
_chosen = set(_plan["item"])
expect("must A" in _chosen, "A required item is missing: every row with required=True goes in first.")
expect(len(_plan) == len(_chosen), f"The plan holds an item more than once ({sorted(_plan['item'])}): take the "
       "required items once, then go through the OTHER items only.")
expect(_plan["effort_days"].sum() <= 4.0 + 1e-9, f"On a test backlog with 4 days, the plan needs "
       f"{float(_plan['effort_days'].sum()):g} days: the required items use days too, so start from days minus "
       "their effort, and subtract the effort of each item you take.")
expect(_chosen != {"must A", "big"}, "On a test backlog you picked the item with the largest impact ('big', 10.5 "
       "points for 3 days); rank by impact per day (impact / effort_days) instead.")
expect(_chosen != {"must A", "small good"}, "On a test backlog you stopped at the first item that did not fit; "
       "skip it and keep going: a smaller item may still fit in the days left.")
expect(_chosen == {"must A", "small good", "tiny"}, f"On a test backlog (4 days) the plan should be "
       f"{{'must A', 'small good', 'tiny'}}; got {_chosen}. Check the order (impact per day, decreasing).")
try:
    choose_work(_backlog.assign(required=True), 4.0)
    raise AssertionError("When the required items need more days than there are, choose_work should raise "
                         "ValueError (tell the product manager), not quietly drop some.")
except ValueError:
    pass
except AssertionError:
    raise
except Exception as _error:  # another error than the one the text asks for: say so, not only show it
    raise AssertionError(f"When the required items need more days than there are, choose_work raised "
                         f"{type(_error).__name__} ({_error}); raise ValueError, the error the text asks for "
                         "(a caller catches that one).") from None
try:
    _exact = set(choose_work(_backlog.assign(required=[True, False, False, False, False]), 1.0)["item"])
except ValueError:
    raise AssertionError("The required items need exactly the 1 day available, and choose_work raised "
                         "ValueError: raise only when they need MORE days than there are (days left < 0).") from None
expect(_exact == {"must A"}, f"With 1 day and one required item of 1 day the plan is {{'must A'}}, got {_exact}.")
_tied = pd.DataFrame([("must", 1.0, 1.0, True), ("a", 2.0, 4.0, False), ("b", 1.0, 2.0, False)],
                     columns=["item", "effort_days", "impact", "required"])
_tie_plan = set(choose_work(_tied, 3.0)["item"])
expect(_tie_plan == {"must", "b"}, f"'a' (2 days, 4 points) and 'b' (1 day, 2 points) tie at 2 points per day; "
       f"the tie goes to the smaller effort, so with 3 days the plan is {{'must', 'b'}}, got {_tie_plan}. Sort by "
       "impact per day (decreasing), then effort_days (increasing).")
expect_close(week_plan["impact"].sum(), choose_work(BACKLOG, DAYS_AVAILABLE)["impact"].sum(),
             "week_plan's total impact", hint="Set week_plan = choose_work(BACKLOG, DAYS_AVAILABLE).")
passed(f"{len(week_plan)} items, {week_plan['effort_days'].sum():g} days, impact {week_plan['impact'].sum():g}")
### BEGIN HIDDEN TESTS
def _reference_plan(backlog, days):
    """An independent take on the rule: required first, then a greedy pass by impact per day."""
    rows = backlog.to_dict("records")
    taken = [r["item"] for r in rows if r["required"]]
    left = days - sum(r["effort_days"] for r in rows if r["required"])
    others = sorted((r for r in rows if not r["required"]),
                    key=lambda r: (-r["impact"] / r["effort_days"], r["effort_days"]))
    for r in others:
        if r["effort_days"] <= left + 1e-9:
            taken.append(r["item"])
            left -= r["effort_days"]
    return set(taken)


_exact_fit = sorted(choose_work(_backlog, 2.0)["item"])
assert _exact_fit == sorted(_reference_plan(_backlog, 2.0)) == ["must A", "small good"], (
    f"With 2 days, 'must A' (1 day) leaves 1 day and 'small good' needs exactly 1 day: it fits (an item fits when "
    f"its effort is at most the days left: <=, not <). Expected ['must A', 'small good'], got {_exact_fit}.")
_expected = _reference_plan(BACKLOG, DAYS_AVAILABLE)
assert set(week_plan["item"]) == _expected, f"week_plan should hold {sorted(_expected)}"
assert abs(week_plan["impact"].sum() - BACKLOG.set_index("item").loc[sorted(_expected), "impact"].sum()) < 1e-9
_rng = np.random.default_rng(2024)
for _trial in range(30):
    _n = int(_rng.integers(4, 12))
    _random = pd.DataFrame({"item": [f"item {i}" for i in range(_n)],
                            "effort_days": _rng.integers(1, 12, _n) / 2,
                            "impact": _rng.uniform(0.5, 10, _n).round(3),
                            "required": _rng.random(_n) < 0.2})
    _days = float(_rng.integers(4, 20)) / 2
    if _random.loc[_random["required"], "effort_days"].sum() > _days:
        continue
    _got = choose_work(_random, _days)
    assert set(_got["item"]) == _reference_plan(_random, _days), f"wrong plan for a random backlog ({_days} days)"
    assert _got["effort_days"].sum() <= _days + 1e-9, "a plan must fit in the days available"
_tie = pd.DataFrame([("must", 1.0, 1.0, True), ("a", 2.0, 4.0, False), ("b", 1.0, 2.0, False)],
                    columns=["item", "effort_days", "impact", "required"])
assert set(choose_work(_tie, 3.0)["item"]) == {"must", "b"}, "a tie in impact per day goes to the smaller effort"
_pristine = pd.DataFrame([("must A", 1.0, 2.0, True), ("small good", 1.0, 4.0, False), ("big", 3.0, 10.5, False),
                          ("tiny", 0.5, 1.5, False), ("medium", 2.0, 5.0, False)],
                         columns=["item", "effort_days", "impact", "required"])
_before = _pristine.copy()
_plan = choose_work(_pristine, 4.0)
assert _pristine.equals(_before), ("choose_work changed the backlog it was given (a column added or a value "
                                   "changed): work on a copy, e.g. with backlog.assign(...)")
assert list(_plan.columns) == list(_before.columns), (f"choose_work should return rows with the backlog's "
                                                       f"columns {list(_before.columns)}; got {list(_plan.columns)}")
_reversed = set(choose_work(_before.iloc[::-1], 4.0)["item"])
assert _reversed == {"must A", "small good", "tiny"}, (f"on the same backlog in reverse order (its index runs "
    f"4, 3, ..., 0) the plan should not change; got {sorted(_reversed)}: select rows by their index labels "
    "(backlog.loc), not by position (iloc)")
_close = pd.DataFrame([("must", 1.0, 1.0, True), ("y", 1.0, 2.01, False), ("x", 1.0, 2.04, False)],
                      columns=["item", "effort_days", "impact", "required"])
_close_plan = set(choose_work(_close, 2.0)["item"])
assert _close_plan == {"must", "x"}, (f"x buys 2.04 per day and y 2.01: with one day left, x goes in; got "
                                      f"{sorted(_close_plan)}. Compare impact per day unrounded")
### END HIDDEN TESTS

# %% tags=["tests"] grade_id="ex1_out_of_scope_check" points=1
expect_type(out_of_scope, dict, "out_of_scope")
_left_out = set(BACKLOG["item"]) - set(week_plan["item"])
expect(set(out_of_scope) == _left_out, f"out_of_scope should have one entry for each backlog item not in week_plan: "
       f"missing {sorted(_left_out - set(out_of_scope))}, extra {sorted(set(out_of_scope) - _left_out)}.")
for _item, _reason in out_of_scope.items():
    expect(isinstance(_reason, str) and len(_reason.split()) >= 3,
           f"Give a reason of a few words for leaving out {_item!r} (got {_reason!r}).")
passed(f"{len(out_of_scope)} items written down as out of scope")
### BEGIN HIDDEN TESTS
assert not set(out_of_scope) & set(week_plan["item"]), "an item cannot be both planned and out of scope"
assert len(set(out_of_scope.values())) >= 2, "each item deserves its own reason, not one sentence copied"
### END HIDDEN TESTS

# %% [markdown]
# **What happens to the plan in this lesson.** Not every planned item is code in the job you ship in
# Exercise 3. The required items are: the rating-count filter and the new-user fallback are part of
# `ship`, and the acceptance checks and README are Exercises 3 and 4. The time-boxed tuning is Exercise 2.
# Two items are not in `ship`: the **cleaning run** happens before the job, on the launch export (here
# section 2's input check stands in for it, because ml-latest-small is already clean), and the
# **genre-diversity re-ranking** is planned but not built in this lesson: the job as shipped does not do
# it, so it belongs in the hand-over's known limitations until someone builds it.

# %% [markdown]
# ## 3. The model family, chosen on validation
# Spark runs ALS for us (lesson 03). Three small helpers do the work for the rest of the lesson:
# `to_spark` hands a pandas table to Spark; `fit_als` trains ALS with the course's settings;
# `top_k_unseen` turns a trained model into a top-k table: it scores only the `candidates` films, never
# offers a user a film they rated in `seen`, and ranks the rest; a user of `seen` the model has no
# factors for (nothing of theirs was trained on) gets the first films of `fallback` (a ranked list) that
# they have not rated, if one is given. Scoring is one matrix product in NumPy:
# 610 users by a thousand films is small enough for the driver, and it makes "exclude what they have
# seen" a simple mask.
#
# One choice needs a word. The brief judges *ranking*: which films a user will pick next, not how many
# stars they would give. ALS can learn from ratings as numbers to predict (`implicit=False`, the setting
# of lessons 03–05, tuned for RMSE) or from ratings as signals of interest (`implicit=True`, Hu, Koren
# and Volinsky, 2008, explained below); or we could skip the model and show the most popular films.
# Rather than argue, we let the acceptance checks decide, **on validation**: each candidate is trained on
# *fit* and judged against *validation*, a rehearsal of the acceptance run. The test set stays untouched
# until the job is shipped (Exercise 3), where the checks run on it once.

# %%
import functools

from pyspark.ml.recommendation import ALS

from paper2prod.spark import ALS_BLOCKS, get_spark

spark = get_spark("06-done-is-done")
# Arrow moves pandas tables into Spark in columns, much faster than row by row.
spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
# The implicit model's fixed settings, not tuned in this lesson: five sweeps (Spark's default is 10) keep each
# fit cheap; regParam and the number of sweeps are on the team's further-work list (Exercise 6).
REG_PARAM, MAX_ITER, SEED = 0.1, 5, 6


def to_spark(spark, frame):
    return spark.createDataFrame(frame[["userId", "movieId", "rating"]])


def fit_als(ratings_spark, rank, alpha=1.0, implicit=True, max_iter=MAX_ITER, seed=SEED, reg_param=REG_PARAM):
    """ALS with the course's settings; implicit=True reads the rating column as the observation r."""
    als = ALS(rank=rank, maxIter=max_iter, regParam=reg_param, implicitPrefs=implicit, alpha=alpha,
              userCol="userId", itemCol="movieId", ratingCol="rating", seed=seed,
              numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS, coldStartStrategy="drop")
    return als.fit(ratings_spark)


def top_k_unseen(model, seen, candidates, k, fallback=None):
    """Top-k candidate films per user (userId, movieId, rank), never a film in `seen` for that user.

    Users in `seen` without factors get the first k films of the ranked `fallback` list they have not rated, and
    so do users whose factors are all zero (implicit ALS gives them to a user with no positive observation,
    e.g. only ratings below the floor with "low ratings as negative": every score would tie at 0)."""
    users = model.userFactors.toPandas().sort_values("id")
    users = users[users["features"].map(np.any)]
    items = model.itemFactors.toPandas()
    items = items[items["id"].isin(set(candidates))].sort_values("id")
    scores = np.vstack(users["features"]) @ np.vstack(items["features"]).T
    film_ids, user_ids = items["id"].to_numpy(), users["id"].to_numpy()
    column = pd.Series(np.arange(len(film_ids)), index=film_ids)
    row = pd.Series(np.arange(len(user_ids)), index=user_ids)
    rated = seen[seen["movieId"].isin(column.index) & seen["userId"].isin(row.index)]
    scores[row[rated["userId"]].to_numpy(), column[rated["movieId"]].to_numpy()] = -np.inf
    best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    table = pd.DataFrame({"userId": np.repeat(user_ids, k), "movieId": film_ids[best].ravel(),
                          "rank": np.tile(np.arange(1, k + 1), len(user_ids))})
    if fallback is None:
        return table
    rated_by = seen[~seen["userId"].isin(row.index)].groupby("userId")["movieId"].apply(set)
    extra = acceptance.recommendations_frame(
        {user: [film for film in fallback if film not in rated][:k] for user, rated in rated_by.items()})
    return pd.concat([table, extra], ignore_index=True)


@functools.cache
def fitted_implicit(signal, rating_floor, alpha, rank, seed=SEED):
    """Implicit ALS fitted on `fit` turned into this signal, and the fit's seconds (each fitted once)."""
    signals = to_spark(spark, implicit_signal(fit, signal, rating_floor))
    started = time.perf_counter()
    model = fit_als(signals, rank, alpha=alpha, seed=seed)
    return model, time.perf_counter() - started


print("Spark", spark.version, "ready")

# %% [markdown]
# Three candidates, from the simplest:
# - **most popular**: each user's most-rated eligible films they have not rated
#   (`acceptance.popularity_lists`, the very baseline the quality check compares with);
# - **explicit ALS**, the model of lessons 03–05: rank 10, `regParam` 0.2, 10 iterations, chosen for
#   RMSE, here restricted to well-known films;
# - **implicit ALS** with starting settings: every rating counts as interest, $\alpha = 1$ (Spark's
#   default), rank 8 and 5 sweeps (Spark's defaults are rank 10 and 10 sweeps; the next exercise tunes
#   the signal, $\alpha$ and the rank).
#
# Each is judged by `check_delivery(delivery, fit, validation, brief)`. The new-user list is a placeholder
# and the timing is not measured here (both belong to the shipped job); what matters is the returning
# users' lists. The ranking-quality check is a **paired non-inferiority test**: `acceptance.ranking_quality`
# calls `compare(model, popularity)` on the per-user NDCG@10 of the held-out users, and the check passes
# when the whole 95% interval of the difference lies above $-$`brief.quality_margin` (printed below):
# "at least as good as popularity" with the noise of a sample of users taken into account, not a
# comparison of two means. `compare` returns a `Difference` with the fields `mean` (the mean of
# model $-$ baseline over users), `low` and `high` (the ends of the 95% interval), `users` (how many
# users were paired) and `decided` (True when the interval excludes zero).

# %%
RANK = 8  # the rank for comparing signals; the time box below tunes it
DEFAULT = ("every rating", None, 1.0)  # who rated what, alpha untouched: where we start
fit_candidates = eligible_films(fit, brief)
validation_hits = held_out_items(validation, min_rating=brief.relevant_rating)


def validation_ndcg(table):
    """Per-user NDCG@10 of a top-k table on the validation users (0 for a user without a list)."""
    lists = as_lists(table)
    return ndcg_at_k({user: lists.get(user, []) for user in validation_hits}, validation_hits, brief.k,
                     per_user=True)


print(f"non-inferiority margin: {brief.quality_margin} NDCG@10 (Brief.quality_margin)")

# %% tags=["demo"]
placeholder = list(fit["movieId"].value_counts().index[: brief.k])
explicit_model = fit_als(to_spark(spark, fit), rank=10, implicit=False, max_iter=10, reg_param=0.2)
default_model = fitted_implicit(*DEFAULT, RANK)[0]
family_lists = {
    "most popular": acceptance.recommendations_frame(acceptance.popularity_lists(fit, brief)),
    "explicit ALS": top_k_unseen(explicit_model, fit, fit_candidates, brief.k),
    "implicit ALS": top_k_unseen(default_model, fit, fit_candidates, brief.k),
}
rehearsal = {family: check_delivery(Delivery(table, placeholder, 0.0), fit, validation, brief)
             for family, table in family_lists.items()}
print(pd.DataFrame({family: outcome.to_frame().set_index("name")["passed"]
                    for family, outcome in rehearsal.items()}))
for family, outcome in rehearsal.items():
    print(f"\n{family}: {'ACCEPTED' if outcome.passed else 'REJECTED'} on validation\n"
          f"  ranking quality: {outcome['ranking quality'].detail}\n"
          f"  catalogue coverage: {outcome['catalogue coverage'].detail}")
FAMILY = next(family for family, outcome in rehearsal.items() if outcome.passed)  # the simplest that passes
print(f"\nthe simplest candidate that passes every check on validation: {FAMILY}")
# What follows tunes and ships implicit ALS: if the rehearsal ever picks another family, stop here, loudly.
assert FAMILY == "implicit ALS", f"the rehearsal chose {FAMILY}; sections 2 to 4 are written for implicit ALS"

# %% [markdown]
# Read the intervals, not only the ticks. Popularity ties the baseline exactly (it *is* the baseline) but
# shows too few films: it fails the catalogue team's criterion. Explicit ALS, tuned for stars, puts films
# in the lists that people do not go on to pick: its interval lies below the margin. Implicit ALS passes
# every check. So the simplest thing that can meet the brief is a personal model after all, trained on
# ratings as signals of interest, restricted to well-known films, with popularity only for people who
# have no history.
#
# ### What implicit ALS learns (Hu, Koren and Volinsky, 2008)
# The paper is about *implicit* feedback: views, clicks, minutes watched, where nobody says "I disliked
# this". For user $u$ and film $i$ it takes an observation $r_{ui} \ge 0$ and splits it in two:
#
# - the **preference** $p_{ui} = 1$ if $r_{ui} > 0$, else $0$: any interaction at all means "interested";
# - the **confidence** $c_{ui} = 1 + \alpha\, r_{ui}$: how sure we are of that preference.
#
# It then fits factors $x_u, y_i$ to *every* (user, film) pair, rated or not: unrated pairs count as weak
# evidence ($c = 1$) of no interest ($p = 0$). The paper minimises
# $\sum_{u,i} c_{ui}\,(p_{ui} - x_u^\top y_i)^2 + \lambda\,(\sum_u \lVert x_u\rVert^2 + \sum_i \lVert y_i\rVert^2)$
# with one constant $\lambda$. **Spark minimises something slightly different**: its implicit mode, like
# its explicit one (ALS-WR), scales `regParam` by a count of observations: in implicit mode, each user's
# and each film's number of observations with $r > 0$, $n_u$ and $n_i$ (explicit mode counts every
# rating; in Spark's source, `ml/recommendation/ALS.scala`, each least-squares solve
# uses `numExplicits * regParam`, "based on the ALS-WR paper"):
# $\sum_{u,i} c_{ui}\,(p_{ui} - x_u^\top y_i)^2 + \lambda\,(\sum_u n_u \lVert x_u\rVert^2 + \sum_i n_i \lVert y_i\rVert^2)$.
# `ALS(implicitPrefs=True)` reads the rating column as $r_{ui}$ and `alpha` as $\alpha$ (default 1.0).
#
# **Why implicit ALS escapes lesson 04's one-rating trap.** In explicit ALS only the rated pairs enter
# the loss, and with the weighted $\lambda$ a film rated once by one enthusiast is barely held back: its
# predicted score can be as high as any. In implicit ALS the unrated pairs enter too: a film rated by one
# user has one pair pulling $x_u^\top y_i$ up (towards $p = 1$, with confidence $1 + \alpha$) and every
# other user's pair pulling it towards 0 (with confidence 1). So a rarely rated film scores low for
# nearly everyone, and no rating-count filter is needed to keep it out of the lists. The cell measures it,
# with both models of the rehearsal scored on *every* film (no eligibility filter):

# %% tags=["demo"]
fit_counts = fit["movieId"].value_counts()
for family, trained in [("explicit ALS", explicit_model), ("implicit ALS", default_model)]:
    places = top_k_unseen(trained, fit, set(fit_counts.index), brief.k)["movieId"].map(fit_counts)
    print(f"{family}, no filter: {(places < 5).mean():6.1%} of the list places go to films with fewer than 5 fit "
          f"ratings, {(places == 1).mean():6.1%} to films rated once")

# %% [markdown]
# ### The eligibility threshold: lesson 04 chose one, the brief sets one
# Lesson 04 chose its threshold (100 ratings in its solution) for *explicit* ALS, to keep rarely rated
# films out of lists that the one-rating trap fills with them. The brief sets a floor of 20 ratings
# (criterion 3), and any threshold of 20 or more meets it, 04's included. So which? The cell above shows
# that 04's reason does not carry over: implicit ALS does not fall into the trap. What remains is the
# trade-off 04 measured, here on validation with the implicit model: ranking quality (paired, with its
# interval), and how much of the catalogue the lists can show. (The counts come from *fit*, which, as
# section 2 says, includes other users' later ratings; lesson 04 checks its threshold on a cut-off date.)

# %% tags=["demo"]
LESSON_04_THRESHOLD = 100  # lesson 04's solution: chosen for explicit ALS and its one-rating trap
by_threshold = {}
for threshold in (brief.min_ratings, LESSON_04_THRESHOLD):
    allowed = eligible_films(fit, Brief(min_ratings=threshold))
    table = top_k_unseen(default_model, fit, allowed, brief.k)
    by_threshold[threshold] = validation_ndcg(table)
    print(f"at least {threshold:>3} ratings: {len(allowed):>4} eligible films, {table['movieId'].nunique():>4} "
          f"shown to somebody ({table['movieId'].nunique() / len(allowed):.0%} of the eligible), "
          f"NDCG@10 {bootstrap_interval(by_threshold[threshold])}")
print(f"\n{LESSON_04_THRESHOLD} minus {brief.min_ratings}:",
      compare(by_threshold[LESSON_04_THRESHOLD], by_threshold[brief.min_ratings]))

# %% [markdown]
# Read it with both criteria of the brief in mind. The coverage criterion is a *share* of the eligible
# films, and at 04's threshold that share is easy to meet (the cell prints it) because so few films are
# eligible at all: the lists could show only the films printed, which is what the catalogue team asked us
# to avoid ("more than the same thirty blockbusters"). On ranking quality the paired interval above says
# whether 04's threshold buys anything here. Where it does not exclude zero, the higher threshold costs
# most of the catalogue for no measured gain, so we keep the brief's 20: a decision taken on the
# brief's own criteria and this measurement, not copied from lesson 04 or from the brief without a look.
#
# So we must also decide how ratings become signals. Hand Spark star ratings as they are, and **every
# rating, even half a star, counts as interest** ($p = 1$); the stars only change the confidence, and a
# low rating still raises it. On our data:

# %%
low = fit["rating"] <= 2.0
print(f"{low.mean():.1%} of the fit ratings ({int(low.sum()):,}) are 2 stars or less: as stars, each says "
      f"'interested' with confidence 1 + alpha x stars (1.5 to 3 with alpha = 1)")

# %% [markdown]
# The package's `implicit_signal(ratings, signal, rating_floor)` builds the four options named in
# `paper2prod.decision.SIGNALS` (lesson 07's job uses the same function, so it trains on exactly what we
# choose here):
#
# | signal | $r_{ui}$ | in words |
# |---|---|---|
# | `every rating` | 1 for every rated film | who rated what; the stars are ignored |
# | `ratings at or above the floor` | 1 for a rating ≥ the floor, the others left out | only what people liked is interest |
# | `confidence from the rating` | the stars | more stars, more confidence; a low rating is still interest |
# | `low ratings as negative` | 1 for a rating ≥ the floor, $-1$ below it | a low rating is confident *dis*interest |
#
# The last one is Spark's extension of the paper, not the paper's: for $r \le 0$ Spark (4.x; older releases
# skipped such ratings entirely) sets $p = 0$ and
# $c = 1 + \alpha\lvert r\rvert$, so a film someone rated low counts as a confident "not interested",
# stronger than an unrated pair ($c = 1$); only the ratings with $r > 0$ count in $n_u$ and $n_i$. So a
# user whose every rating is below the floor gets no regularisation at all ($n_u = 0$): Spark's solve for
# them is well posed only because the films' factors span every dimension, which holds on a full
# catalogue but not on a toy data set with fewer films than the rank (there the fit fails with
# `SingularMatrixException`).
# Films left out of training by the floor still count as **seen**: nobody is offered a film they rated.
# And $\alpha$ sets how much a rating outweighs the unrated pairs. Both are chosen on the validation
# part, measured with intervals, as every decision in this course.

# %% [markdown]
# ## Exercise 2 — Tune on validation, measured and time-boxed (2 + 3 points)
# ### How big is noise?
# Before comparing settings, measure what chance alone does: the same model, fitted twice with different
# random starting points (`seed`), scored on the same validation users. `validation_scores` fits ALS on
# the *fit* part and returns each validation user's NDCG@10 (hits: held-out ratings of 4 stars or more),
# and how long the fit took; it remembers what it has already fitted.

# %%
from collections import namedtuple

Measured = namedtuple("Measured", "scores seconds")


def validation_scores(signal, rating_floor, alpha, rank, seed=SEED):
    """Per-user validation NDCG@10 of implicit ALS fitted on `fit` with these settings, and the fit's seconds."""
    model, seconds = fitted_implicit(signal, rating_floor, alpha, rank, seed)
    return Measured(validation_ndcg(top_k_unseen(model, fit, fit_candidates, brief.k)), seconds)


noise = compare(validation_scores(*DEFAULT, RANK, seed=7).scores, validation_scores(*DEFAULT, RANK).scores)
print("seed 7 minus seed 6:", noise)
MIN_GAIN = float(np.ceil((noise.high - noise.low) / 2 * 1000) / 1000)  # half the interval, rounded up
print(f"MIN_GAIN = {MIN_GAIN}: half the width of the paired interval of two runs that differ only by their seed")

# %% [markdown]
# The paired interval of two runs that differ only by their seed is about 2 × `MIN_GAIN` wide (both
# printed): a difference of means smaller than `MIN_GAIN`, on these users, is within what a re-run with
# another seed could give. (One pair of seeds is one sample of that noise, so treat `MIN_GAIN` as a
# yardstick, not a law.) That is the threshold the stopping rule below uses, and why
# `compare(...).decided` (the interval excludes zero), not the bare means, decides between settings.
#
# ### 2a. Choose the signal, then alpha
# Write `choose_setting(results, default)`. `results` maps each candidate setting (any name) to its
# per-user validation scores (a pandas Series indexed by user), and `default` is one of its keys. Return
# the key to ship:
# - a candidate replaces the default only if it is **better by more than the noise**:
#   `compare(results[name], results[default])` is `.decided` **and** its `.mean` (the mean of the per-user
#   differences, candidate minus default) is positive;
# - among the candidates that qualify, the one with the **highest mean** score;
# - if none qualifies, `default` (the simplest setting stays unless the evidence says otherwise).
#
# The cell after it runs your rule twice: over the four signals (with alpha 1.0), then over alpha for
# the signal you chose, from Spark's default 1 up to 40, the value Hu, Koren and Volinsky report working
# well (section 4 of the paper). Their $r_{ui}$ was how much of a TV show someone watched (0.7 for 70% of
# it, 2 for a show watched twice). Their data differ from ours (what $r$ measures, how dense it is), and
# Spark regularises differently ($\lambda$ scaled by each user's and film's count), so their 40 need not
# suit us: the grid includes it so that the measurement, not the paper's number,
# decides. The cell also compares the two floor signals with each other, which the rule does not do (it
# judges each candidate against the default only): when they are within the noise of each other, the
# rule still ships the higher mean, but that is a tie broken by a stated rule, not evidence that one is
# better.

# %% tags=["solution"] grade_id="ex2_setting"
def choose_setting(results, default):
    """The key of the setting to ship: the best mean among those decidedly better than the default."""
    ### BEGIN SOLUTION
    better = {name: scores.mean() for name, scores in results.items()
              if name != default and compare(scores, results[default]).decided
              and compare(scores, results[default]).mean > 0}
    return max(better, key=better.get) if better else default
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex2_setting_check" points=2
_users = pd.RangeIndex(1, 201)
_rng = np.random.default_rng(60)
_base = pd.Series(_rng.uniform(0, 0.3, len(_users)), index=_users)
_swing = _rng.permutation(np.resize([0.4, -0.4], len(_users)))  # big per-user swings that cancel out
_results = {"plain": _base, "noisy but higher": _base + 0.03 + _swing,
            "clearly better": _base + 0.02 + _rng.normal(0, 0.005, len(_users)),
            "clearly worse": _base - 0.05 + _rng.normal(0, 0.005, len(_users))}
expect(_results["noisy but higher"].mean() > _results["clearly better"].mean(), "(test set-up)")
_got = choose_setting(_results, "plain")
expect(_got != "noisy but higher", "choose_setting picked the highest mean, but that candidate's difference "
       "from the default is within the noise (compare(...).decided is False): only a decided gain may replace "
       "the default.")
expect(_got != "clearly worse", "choose_setting picked a setting that is decidedly WORSE than the default: "
       "`.decided` says the interval excludes zero on either side; also check that the mean difference is "
       "positive.")
_paired = compare(_results["clearly better"], _results["plain"])
expect(_got != "plain", f"choose_setting kept the default, but 'clearly better' beats it: compare(results['clearly "
       f"better'], results['plain']) has mean {_paired.mean:.3f} and interval {_paired.low:.3f} to {_paired.high:.3f}, "
       "which excludes zero (.decided). Judge each candidate with compare, user by user (paired), not by whether "
       "two separate intervals overlap.")
expect(_got == "clearly better", f"Of these results only 'clearly better' beats the default by more than the "
       f"noise; got {_got!r}.")
expect(choose_setting({"plain": _base, "clearly worse": _results["clearly worse"]}, "plain") == "plain",
       "A setting that is decidedly worse than the default must not replace it: `.decided` is True on either "
       "side of zero, so also check that the mean difference is positive.")
expect(choose_setting({"plain": _base, "noisy but higher": _results["noisy but higher"]}, "plain") == "plain",
       "When no candidate is decidedly better, keep the default: return `default`.")
passed("a setting replaces the default only when the interval says so")
### BEGIN HIDDEN TESTS
_two = {1.0: _base, 3.0: _base + 0.02 + _rng.normal(0, 0.005, len(_users)),
        10.0: _base + 0.03 + _rng.normal(0, 0.005, len(_users)), 0.3: _base - 0.01}
assert choose_setting(_two, 1.0) == 10.0, "of two decided gains, the larger mean wins (keys may be numbers)"
assert choose_setting({"a": _base, "b": _base.copy()}, "a") == "a", "identical scores: keep the default"
_close = _rng.normal(0, 0.004, len(_users))
_pair = {"plain": _base, "good": _base + 0.020 + _close,
         "a bit better": _base + 0.022 + _close + _rng.normal(0, 0.02, len(_users))}
assert not compare(_pair["a bit better"], _pair["good"]).decided and compare(_pair["a bit better"], _base).decided
assert choose_setting(_pair, "plain") == "a bit better", ("each candidate is judged against the DEFAULT, and of "
    "those decidedly better than it the highest mean wins (not the first, not by comparing with the best so far, "
    "not by the interval's lower end, not the largest key)")
_solo = {"x": _base}
assert choose_setting(_solo, "x") == "x", "a single candidate is the default"
_slight = {"slight": _base + 0.008 + _rng.normal(0, 0.002, len(_users)), "plain": _base}
assert choose_setting(_slight, "plain") == "slight", ("a gain of about 0.008 for every user is decided in the paired "
    "comparison, although the candidate's own interval reaches below the default's mean: judge the paired "
    "difference, compare(candidate, default), not each setting's own interval")
# A small gain shows only when each user is compared with themself: pairs by index, whatever the row order.
_reordered = {"better": _base + 0.005 + _rng.normal(0, 0.001, len(_users)),
              "plain": _base.sample(frac=1, random_state=1)}
assert choose_setting(_reordered, "plain") == "better", ("compare(candidate, default) pairs users by index, "
                                                        "whatever the row order: do not reset or reorder the index")
### END HIDDEN TESTS

# %%
SIGNAL_CANDIDATES = {"every rating": ("every rating", None),
                     "confidence from the rating": ("confidence from the rating", None),
                     "ratings at or above 3.5 stars": ("ratings at or above the floor", 3.5),
                     "below 3.5 stars as negative": ("low ratings as negative", 3.5)}
signal_results = {name: validation_scores(*setting, 1.0, RANK).scores for name, setting in SIGNAL_CANDIDATES.items()}
for name, scores in signal_results.items():
    print(f"{name:<31} {bootstrap_interval(scores)}")
    if name != "every rating":
        print(f"{'':<31} minus every rating: {compare(scores, signal_results['every rating'])}")
floors = compare(signal_results["below 3.5 stars as negative"], signal_results["ratings at or above 3.5 stars"])
print("\nthe two floors, negative minus left out:", floors)
SIGNAL_CHOICE = choose_setting(signal_results, "every rating")
SIGNAL, RATING_FLOOR = SIGNAL_CANDIDATES[SIGNAL_CHOICE]
if not floors.decided:
    print("the two floor signals are within the noise of each other: the rule ships the higher mean, "
          "but neither is shown better than the other (say so in your memo)")

ALPHAS = [1.0, 3.0, 10.0, 40.0]  # 40: what Hu, Koren and Volinsky found good on their data
alpha_results = {alpha: validation_scores(SIGNAL, RATING_FLOOR, alpha, RANK).scores for alpha in ALPHAS}
for alpha, scores in alpha_results.items():
    verdict = "" if alpha == 1.0 else f"  minus alpha 1: {compare(scores, alpha_results[1.0])}"
    print(f"alpha {alpha:<4} {bootstrap_interval(scores)}{verdict}")
ALPHA = choose_setting(alpha_results, 1.0)
print(f"\nsignal: {SIGNAL}" + (f" ({RATING_FLOOR} stars)" if RATING_FLOOR else "") + f", alpha {ALPHA}")

# Each run of the rule judged three candidates against its default: Bonferroni gives each 0.05 / 3.
STRICT = 1 - 0.05 / 3
for chosen, default, results in ((SIGNAL_CHOICE, "every rating", signal_results), (ALPHA, 1.0, alpha_results)):
    if chosen != default:
        print(f"{chosen} minus {default}: {compare(results[chosen], results[default], level=STRICT)}")

# %% [markdown]
# Each run of the rule judged three candidates against its default, each with a 95% interval. A
# candidate no better than the default has at most about a 2.5% chance of an interval wholly above zero, so one
# of three gets one by chance up to 3 × 2.5% = 7.5% of the time, and one of the six in the two runs up
# to 15%. The last lines of the cell above re-check each choice that left its default with a Bonferroni
# interval (0.05 shared by three: 1 − 0.05/3 ≈ 98.3%). A choice still above zero there does not rest on
# having looked three times; one that is not is still the rule's choice, on weaker evidence than its 95%
# interval suggests.
#
# ### 2b. Time-box the rank
# ALS's `rank` (the number of latent factors) is its other main knob: more factors can capture more
# taste, and cost more time. The plan is to double it, starting small: 2, 4, 8, 16, 32, 64, with the
# signal and alpha you chose. The budget: **at most six fits**, as many as the plan has steps, so here
# it only guards against a rule that never fires: the rule ends the sweep (the table below shows after
# how many fits), and the 60-second clock replayed after it is a budget that can bind. The stopping
# rule, stated before anyone looks at results:
#
# > **Stop when the last step improved validation NDCG@10 by less than `MIN_GAIN` over the step before
# > it** (within what a re-run with another seed could give, measured above). Ship the **best** step
# > that was run, which is not necessarily the last one.
#
# Write three small functions. They work on a **recorded curve**: a list of scores, one per step, in
# the order the steps ran.
# - `should_stop(scores, min_gain)`: `True` when there are at least two scores and the last one minus
#   the one before it is less than `min_gain`. A step that made things *worse* has a negative
#   improvement, which is certainly less than `min_gain`.
# - `stopping_point(curve, min_gain)`: how many steps you run if you check `should_stop` after each
#   one: the number of scores seen when the rule first says stop (that step counts: it ran), or
#   `len(curve)` if it never does.
# - `best_step(curve, steps_run)`: the index (from 0) of the highest score among the first `steps_run`
#   steps; on a tie, the earlier step (it was cheaper).
#
# Then run the next cell: the package's `Timebox` runs the plan under the budget and calls your
# `should_stop` after each step.

# %% tags=["solution"] grade_id="ex2_timebox"
def should_stop(scores, min_gain):
    """True when the newest score beat the one before it by less than min_gain."""
    ### BEGIN SOLUTION
    return len(scores) >= 2 and scores[-1] - scores[-2] < min_gain
    ### END SOLUTION


def stopping_point(curve, min_gain):
    """Number of steps of a recorded curve that run before the rule says stop."""
    ### BEGIN SOLUTION
    for steps in range(1, len(curve) + 1):
        if should_stop(curve[:steps], min_gain):
            return steps
    return len(curve)
    ### END SOLUTION


def best_step(curve, steps_run):
    """Index of the best score among the steps that ran (the earliest on a tie)."""
    ### BEGIN SOLUTION
    return int(np.argmax(curve[:steps_run]))
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex2_rule_check" points=2
expect(not should_stop([0.10], 0.01),
       "With one score there is no improvement to judge yet: should_stop([0.10], 0.01) should be False.")
expect(bool(should_stop([0.10, 0.20, 0.205], 0.01)), "0.205 - 0.20 = 0.005 < 0.01: should_stop should say True.")
expect(not should_stop([0.10, 0.105, 0.20], 0.01), "Compare the last score with the one just before it "
       "(0.20 - 0.105 = 0.095, a big gain), not with the first score: should_stop should say False.")
expect(bool(should_stop([0.10, 0.15, 0.13], 0.01)), "The last step made things worse (0.13 - 0.15 = -0.02): "
       "a negative improvement is less than min_gain, so stop. Did you take an absolute value?")
_curve = [0.10, 0.14, 0.16, 0.165, 0.18]
_got = stopping_point(_curve, 0.01)
expect(_got != 3, "stopping_point returned 3 for [0.10, 0.14, 0.16, 0.165, 0.18] with min_gain 0.01: the "
       "fourth step ran (that is how you learnt it gained only 0.005), so count it: 4.")
expect(_got == 4, f"stopping_point([0.10, 0.14, 0.16, 0.165, 0.18], 0.01) should be 4 (the gain 0.165 - 0.16 "
       f"is too small), got {_got}.")
expect(stopping_point([0.1, 0.2, 0.3], 0.01) == 3, "When the rule never fires, every step runs: "
       "stopping_point([0.1, 0.2, 0.3], 0.01) should be 3.")
passed("the stopping rule, on recorded curves")
### BEGIN HIDDEN TESTS
def _reference_stop(curve, min_gain):
    for i in range(1, len(curve)):
        if curve[i] - curve[i - 1] < min_gain:
            return i + 1
    return len(curve)


assert should_stop([0.10, 0.105], 0.01), ("should_stop([0.10, 0.105], 0.01) should be True: two scores are "
    "enough to judge a step (0.105 - 0.10 = 0.005 < 0.01); stop from len(scores) >= 2 on, not > 2")
_rng = np.random.default_rng(6)
for _trial in range(200):
    _curve = [float(v) for v in np.round(np.cumsum(_rng.normal(0.006, 0.01, int(_rng.integers(1, 9)))), 4)]
    _gain = float(_rng.choice([0.0, 0.002, 0.005, 0.01]))
    if any(abs((b - a) - _gain) < 1e-9 for a, b in zip(_curve, _curve[1:])):
        continue  # a gain of exactly min_gain: floating point decides, and no student should lose on that
    assert stopping_point(_curve, _gain) == _reference_stop(_curve, _gain), \
        f"stopping_point({_curve}, {_gain}) should be {_reference_stop(_curve, _gain)}"
assert not should_stop([0.20, 0.10, 0.15], 0.01), ("should_stop([0.20, 0.10, 0.15], 0.01) said stop, but the last "
    "step gained 0.05 over the step before it: compare with scores[-2], not with the best score so far")
assert stopping_point([0.2, 0.2], 0.0) == 2, "no improvement at all (0 < 0 is false) does not stop with min_gain 0"
assert not should_stop([0.25, 0.5], 0.25), ("should_stop([0.25, 0.5], 0.25) said stop, but a gain of exactly "
                                           "min_gain is not LESS than min_gain: compare with <, not <=")
### END HIDDEN TESTS

# %% tags=["tests"] grade_id="ex2_best_check" points=1
_got = best_step([0.10, 0.15, 0.13], 3)
expect(_got != 2, "best_step returned the last step that ran; the rule stopped *because* it was worse. "
       "Keep the best one: index 1 (0.15).")
expect(_got == 1, f"best_step([0.10, 0.15, 0.13], 3) should be 1, got {_got}.")
expect(best_step([0.1, 0.3, 0.2, 0.9], 3) == 1, "Only the steps that ran count: best_step([0.1, 0.3, 0.2, 0.9], 3) "
       "should be 1; the 0.9 was never measured.")
passed("the best finished step")
### BEGIN HIDDEN TESTS
assert best_step([0.1, 0.2, 0.205], 3) == 2, ("best_step([0.1, 0.2, 0.205], 3) should be 2: the rule stopped "
    "after the third step because it gained only 0.005, but that step ran and scored best, so it ships (the best "
    "of ALL the steps that ran, the last one included)")
assert best_step([0.2, 0.2, 0.1], 3) == 0, "best_step([0.2, 0.2, 0.1], 3) should be 0: on a tie, the earlier (cheaper) step"
_rng = np.random.default_rng(7)
for _trial in range(100):
    _curve = [float(v) for v in np.round(_rng.random(int(_rng.integers(1, 9))), 2)]
    _steps = int(_rng.integers(1, len(_curve) + 1))
    _ran = _curve[:_steps]
    assert best_step(_curve, _steps) == _ran.index(max(_ran)), f"best_step({_curve}, {_steps})"
### END HIDDEN TESTS

# %% [markdown]
# Now the real thing. Each step fits ALS on the *fit* part and measures NDCG@10 on *validation*; the
# `Timebox` stops at whichever comes first: the end of the plan, six fits, or your rule. Rank 8 was
# already fitted while choosing the signal, so that step reuses the measurement: the time box prints the
# fraction of a second the lookup took, and the table after it gives the fit's recorded seconds.
#
# **A budget in fits, not seconds.** A time box at work is on the clock, but a clock makes the result
# depend on the machine: on a slow or busy laptop the minute runs out earlier, and when it runs out
# before the rule stops, the chosen rank changes, and so does every number after it (the cell after the
# table shows whether a machine four times slower than this one would have stopped earlier). So the graded
# run is budgeted in **fits**: which steps run no longer depends on how fast or how busy the machine is
# (the fits themselves have fixed seeds and blocks); the cell after it replays the same steps against a
# 60-second clock to show what the clock would have done here, today.

# %%
from paper2prod.timebox import Timebox

RANKS = [2, 4, 8, 16, 32, 64]


def tuning_step(rank):
    return float(validation_scores(SIGNAL, RATING_FLOOR, ALPHA, rank).scores.mean())


tuning = Timebox(max_steps=6).run(tuning_step, RANKS, name=lambda rank: f"rank {rank}",
                                  stop_rule=lambda scores: should_stop(scores, MIN_GAIN))
print(tuning)
chosen_rank = RANKS[best_step(tuning.results, len(tuning.results))]
print(f"\nship rank {chosen_rank}")

# %%
ran = RANKS[: len(tuning.results)]
fit_seconds = [validation_scores(SIGNAL, RATING_FLOOR, ALPHA, rank).seconds for rank in ran]
steps = pd.DataFrame({"rank": ran, "validation NDCG@10": tuning.results,
                      "gain over the step before": pd.Series(tuning.results).diff().to_numpy(),
                      "fit seconds (this machine, today)": fit_seconds}).round(4)
print(steps.to_string(index=False))


def on_the_clock(seconds, slower=1.0):
    """Replay the steps that ran against a wall clock of `seconds`, each fit `slower` times as long."""
    now = [0.0]
    spent = dict(zip(ran, fit_seconds))

    def replay(rank):
        now[0] += spent[rank] * slower
        return tuning_step(rank)

    return Timebox(seconds=seconds, max_steps=6, clock=lambda: now[0]).run(
        replay, ran, stop_rule=lambda scores: should_stop(scores, MIN_GAIN), progress=False)


for slower, machine in [(1.0, "this machine today"), (4.0, "a machine four times slower")]:
    clocked = on_the_clock(60, slower)
    print(f"60-second box on {machine}: {len(clocked.steps)} step(s), stopped because "
          f"{clocked.stopped_because}; it would ship rank {ran[best_step(clocked.results, len(clocked.results))]}")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
left.plot(ran, tuning.results, "o-", color="#3b75af", label="steps that ran")
left.axhline(ndcg_at_k(acceptance.popularity_lists(fit, brief), validation_hits, brief.k), color="grey", ls=":",
             label="most popular")
left.plot([chosen_rank], [max(tuning.results)], "*", ms=16, color="#d9822b", label="shipped")
left.set_xscale("log", base=2)  # the plan doubles the rank: equal steps on this axis
left.minorticks_off()
left.set_xticks(RANKS, labels=[str(r) for r in RANKS])
left.set(xlabel="ALS rank (the plan)", ylabel="validation NDCG@10", title="Tuning, budgeted in fits")
left.legend(loc="lower right")
right.bar([str(r) for r in ran], fit_seconds, color="#3b75af")
right.set(xlabel="ALS rank", ylabel="seconds (this machine, today)", title="What each fit cost")
plt.tight_layout()
plt.show()

# %% [markdown]
# Read the table and both panels together: how much each doubling gained, against the `MIN_GAIN` the
# rule uses, and what each fit cost. Timings on a shared machine are noisy (the first fits also pay for
# warming Spark up), which is one more reason the graded budget counts fits. The steps that were never
# run, the largest ranks, multiply the work in every sweep of ALS. Note what the rule ships: the **best**
# finished step, even when its last doubling gained less than `MIN_GAIN` (compare its gain in the table);
# a team that prefers the cheaper model unless the gain is outside the noise would ship the step before.
# Either is defensible if it is stated before the results are in; say which you would choose in your memo.
#
# The decision, written down once: lesson 07's nightly job reads it from the file this notebook writes
# at the end, so the two lessons cannot drift apart.

# %%
decision = Decision(k=brief.k, min_ratings=brief.min_ratings, implicit=True, signal=SIGNAL,
                    rating_floor=RATING_FLOOR, rank=chosen_rank, reg_param=REG_PARAM, alpha=ALPHA,
                    max_iter=MAX_ITER, seed=SEED, fallback="most-rated liked eligible films",
                    exclude_rated=True, source="lesson 06: chosen on the chronological validation split")
decision

# %% [markdown]
# ## Exercise 3 — Ship (4 points)
# Write `ship(spark, train, brief, decision)`, the batch job. From the training ratings (a pandas table)
# it returns a `Delivery` with
# - `recommendations`: a top-`brief.k` table (`userId`, `movieId`, `rank`) for every user in `train`,
#   from implicit ALS trained on **all** of `train` turned into the decided signal
#   (`implicit_signal(train, decision.signal, decision.rating_floor)`), with `decision.rank`,
#   `decision.alpha` and the decision's `max_iter`, `reg_param` and `seed` (today the defaults of
#   `fit_als`; the decision is what lesson 07's job reads), using `to_spark`, `fit_als` and `top_k_unseen`
#   from section 3, scoring only the
#   **eligible** films (`eligible_films(train, brief)`: at least `brief.min_ratings` ratings) and never
#   a film the user rated, including the ratings the signal left out. A rating floor can leave a user
#   with no rating to train on: pass `top_k_unseen`, as `fallback`, the **whole** new-user ranking (every
#   film that qualifies for the new-user list, most-rated first), not only its first `brief.k`: a user
#   who rated one of those `brief.k` films would otherwise get fewer than `brief.k`;
# - `new_user`: the fallback for someone with no ratings: the `brief.k` **most-rated** films among those
#   with at least `brief.min_ratings` ratings **and** an average rating at least the overall average of
#   `train` (films with the same number of ratings may come in any order).
#
# Leave `seconds` alone: the next cell runs your job with `acceptance.timed`, which measures it from the
# outside, then runs the checks. Only the simplest thing that meets the brief, please: no extra tuning
# inside the job.

# %% tags=["solution"] grade_id="ex3_ship"
def ship(spark, train, brief, decision):
    """The batch job: ALS top-k for returning users, popular and liked films for new ones."""
    ### BEGIN SOLUTION
    signals = implicit_signal(train, decision.signal, decision.rating_floor)
    model = fit_als(to_spark(spark, signals), decision.rank, alpha=decision.alpha, max_iter=decision.max_iter,
                    seed=decision.seed, reg_param=decision.reg_param)
    films = train.groupby("movieId")["rating"].agg(["size", "mean"])
    liked = films[(films["size"] >= brief.min_ratings) & (films["mean"] >= train["rating"].mean())]
    ranked = list(liked.sort_values("size", ascending=False, kind="stable").index)
    recommendations = top_k_unseen(model, seen=train, candidates=eligible_films(train, brief), k=brief.k,
                                   fallback=ranked)
    return Delivery(recommendations, ranked[: brief.k])
    ### END SOLUTION

# %%
delivery = timed(ship, spark, train, brief, decision)
report = check_delivery(delivery, train, test, brief)
print(report)

# %% tags=["tests"] grade_id="ex3_ship_check" points=4
_hints = {
    "every user served": "Every user in train needs exactly brief.k different films ranked 1..k: use "
                         "top_k_unseen on a model trained on all of train, with fallback= the WHOLE new-user "
                         "ranking (not only its first k) for users the signal left without ratings.",
    "nothing already rated": "Pass all of train as `seen` to top_k_unseen (not only the ratings the signal "
                             "keeps: a film rated one star is still seen).",
    "only well-known films": "Score only eligible films: candidates=eligible_films(train, brief); the "
                             "new-user list must obey the same rule.",
    "new users served": "A new user's list: films with at least brief.min_ratings ratings whose average is "
                        "at least train's overall average, most-rated first, brief.k of them.",
    "ranking quality": "Train ALS with implicit=True (the default of fit_als) on all of train turned into "
                       "the decided signal, with decision.rank and decision.alpha.",
    "catalogue coverage": "Personal lists from ALS should cover the catalogue; did you give everyone the "
                          "same films?",
    "on time": "Keep the job simple: one ALS fit, no tuning inside ship.",
}
expect(isinstance(delivery, Delivery), f"ship should return a Delivery, not a {type(delivery).__name__}.")
_report = check_delivery(delivery, train, test, brief)
expect(_report.passed, "The acceptance checks rejected the delivery:\n" + "\n".join(
    f"- {name}: {_report[name].detail}. {_hints[name]}" for name in _report.failed))
passed("every acceptance criterion holds")
### BEGIN HIDDEN TESTS
# The same checks with the brief as written and the split rebuilt from the raw data, so that
# neither a changed Brief nor a changed train/test split can pass for the real thing.
_train, _test = chronological_split(data.load_ratings("ml-latest-small"), test_fraction=0.2)
assert train.equals(_train) and test.equals(_test), "train and test must be the split made in section 2"
_final = check_delivery(delivery, _train, _test, Brief())
assert _final.passed, "rejected: " + "; ".join(f"{n}: {_final[n].detail}" for n in _final.failed)
# The lists must come from the decided model (signal, alpha, rank) trained on all of train.
_model = fit_als(to_spark(spark, implicit_signal(_train, decision.signal, decision.rating_floor)), decision.rank,
                 alpha=decision.alpha, max_iter=decision.max_iter, seed=decision.seed, reg_param=decision.reg_param)
_reference = top_k_unseen(_model, _train, eligible_films(_train, Brief()), Brief().k)  # users with factors
_same = len(delivery.recommendations.merge(_reference, on=["userId", "movieId", "rank"])) / len(_reference)
assert _same > 0.99, (f"only {_same:.0%} of your lists match the decided model: train on implicit_signal(train, "
                      "decision.signal, decision.rating_floor) with decision.rank and decision.alpha, on all of train, "
                      "and score every eligible film (candidates=eligible_films(train, brief))")
def _liked_ranking(ratings, min_ratings):
    """Films with at least min_ratings ratings whose average is at least the overall one, most-rated first."""
    stats = ratings.groupby("movieId")["rating"].agg(["size", "mean"])
    liked = stats[(stats["size"] >= min_ratings) & (stats["mean"] >= ratings["rating"].mean())]
    return list(liked.sort_values("size", ascending=False, kind="stable").index)


# New users, on data where the conditions matter: the most-rated film is disliked, one film's average is
# exactly the overall average (3.5 stars), and the average of film averages (3.875) differs from it. Only four
# films qualify (2, 3, 4 and 6; films 7 and 8 average 5 stars but have 3 and 4 ratings), fewer than k = 5: the
# list is shorter than k, never padded with films below min_ratings.
_films = [(1, 12, 1.0), (2, 10, 4.5), (3, 9, 3.5), (4, 8, 4.0), (5, 7, 3.0), (6, 6, 5.0), (7, 3, 5.0), (8, 4, 5.0)]
_tiny = pd.DataFrame([(user, film, stars, 1_500_000_000 + user) for film, count, stars in _films
                      for user in range(1, count + 1)], columns=["userId", "movieId", "rating", "timestamp"])
_small_brief = Brief(k=5, min_ratings=5)
# A floor that leaves ratings out, and a rank below the number of films. (With the negative signal a user
# with only negative entries gets no regularisation, and Spark's solve for them needs the films' factors to
# span the rank: it fails on eight films at rank 16. The floor signal has no such user.)
from dataclasses import replace as _replace

_floor_decision = _replace(decision, signal="ratings at or above the floor", rating_floor=3.5, rank=2)
# A floor of 3 stars leaves five eligible films with factors (2-6), enough for lists of k = 5.
_low_floor = _replace(_floor_decision, rating_floor=3.0)
_got = list(ship(spark, _tiny, _small_brief, _low_floor).new_user)
assert 1 not in _got, (f"new_user on a test set is {_got}: film 1 is the most rated but averages 1 star; keep "
                       "only films whose average is at least train's overall average")
assert not set(_got) & {7, 8}, (f"new_user on a test set is {_got}: films 7 and 8 average 5 stars but have only 3 and "
                                "4 ratings, fewer than brief.min_ratings (5); keep only films with at least "
                                "brief.min_ratings ratings, even when fewer than brief.k films qualify")
_from_signal = _liked_ranking(implicit_signal(_tiny, _low_floor.signal, _low_floor.rating_floor), 5)[:5]
assert _from_signal != [2, 3, 4, 6] and _got != _from_signal, (f"new_user on a test set should be [2, 3, 4, 6], got "
    f"{_got}: count and average each film over ALL the ratings in train, not over the signal (a rating floor "
    "leaves the low ratings out, so every film left looks liked)")
assert _got == [2, 3, 4, 6], (f"new_user on a test set should be [2, 3, 4, 6], got {_got}: films with at least "
                           "brief.min_ratings ratings whose average is at least (>=) the overall average of all "
                           "ratings in train (not the average of film averages), most-rated first")
# A user whose every rating is below the floor has no factors and gets the fallback: the whole ranking,
# minus what they rated. User 13 rated film 2, the first new-user film, with one star: a fallback of only
# the first k films would leave them k - 1.
# User 14 liked film 2 and gave film 3 one star: the floor leaves that rating out of training, but film 3
# is still theirs, rated, and must not be offered to them (films 9-12 give them enough unseen films).
_extra = [(user, film, 4.5, 1_500_000_000 + user) for film in (9, 10, 11, 12) for user in range(1, 7)]
_extra += [(13, 2, 1.0, 1_500_000_013), (14, 2, 5.0, 1_500_000_014), (14, 3, 1.0, 1_500_000_015)]
# Film 15 divides opinion: 9 five-star and 7 one-star ratings, an average below the overall one, though
# it has more ratings above that average than film 4 has in all: "liked" is a film's average, not a count
# of high ratings.
_extra += [(user, 15, 5.0 if user < 29 else 1.0, 1_500_000_000 + user) for user in range(20, 36)]
_floored = pd.concat([_tiny, pd.DataFrame(_extra, columns=_tiny.columns)], ignore_index=True)
# On this table, at least 6 ratings: films 6 and 9-12 have exactly 6, and "at least" includes them.
_floored_brief = Brief(k=3, min_ratings=6)
_shipped = ship(spark, _floored, _floored_brief, _floor_decision)
_liked_ratings = _floored[_floored["rating"] >= _floored["rating"].mean()]["movieId"].value_counts()
_by_average = _floored.groupby("movieId")["rating"].mean()
assert _liked_ratings[15] > _floored["movieId"].value_counts()[4] and _by_average[15] < _floored["rating"].mean()
_user_14 = set(_shipped.recommendations.query("userId == 14")["movieId"])
assert not _user_14 & {2, 3}, (f"with a rating floor, user 14 (rated film 2 five stars and film 3 one star) was "
                               f"offered {sorted(_user_14 & {2, 3})}: pass all of train as `seen` to top_k_unseen, "
                               "not the signal (a film rated one star is still seen)")
_stats = _floored.groupby("movieId")["rating"].agg(["size", "mean"])
_ranking = _liked_ranking(_floored, _floored_brief.min_ratings)
_expected = [film for film in _ranking if film != 2][:3]
_more_than_min = [film for film in _ranking if _stats.loc[film, "size"] > _floored_brief.min_ratings]
assert list(_shipped.new_user) != _more_than_min[:3], (f"with min_ratings=6, new_user should be {_ranking[:3]}, got "
    f"{list(_shipped.new_user)}: films 6 and 9-12 have exactly 6 ratings, and 'at least brief.min_ratings' includes "
    "them (>=, not >)")
assert list(_shipped.new_user) == _ranking[:3], (f"new_user should be {_ranking[:3]}, got {list(_shipped.new_user)}: "
    "film 15 has many high ratings but an average below the overall one; a film is liked when its AVERAGE "
    "rating is at least the overall average (group by film first), not when it has many high ratings")
_user_13 = list(_shipped.recommendations.query("userId == 13").sort_values("rank")["movieId"])
# Films 6 and 9-12 tie at 6 ratings, and the text leaves the order of a tie open: any of them may come third.
_same_counts = [int(_stats.loc[f, "size"]) if f in _stats.index else -1 for f in _user_13] == [
    int(_stats.loc[f, "size"]) for f in _expected]
_fallback_ok = len(set(_user_13)) == len(_user_13) and set(_user_13) <= set(_ranking) - {2} and _same_counts
assert _fallback_ok, (f"a user the model has no factors for (user 13 rated only film 2, one star, below the floor) "
                      f"should get {_expected} (any of the films tied at 6 ratings may come third), got {_user_13}: "
                      "pass top_k_unseen the WHOLE new-user ranking as fallback (not only its first brief.k films), so "
                      "that k films remain after removing what the user rated")
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 4 — Definition of done (2 points)
# "It works on my machine, once" is not done. The team's definition of done has four items:
# 1. **tests pass**: here, the acceptance checks;
# 2. **reproducible from a clean run**: running the job again gives the same recommendations;
# 3. **handed over with a README**: whoever runs the job at night, or changes it next month, can do so
#    without you;
# 4. **known limitations written down**: what it does not do, so nobody finds out the hard way.
#
# Provide the evidence:
# - `same_recommendations(a, b)`: `True` when two recommendation tables hold the same (user, film, rank)
#   rows, each as many times, whatever the order of the rows or of the columns, the index, or the integer
#   type of the columns (`int32` or `int64`), and `False` otherwise;
# - `handover_readme`: the README as a Markdown string, with these five `##` sections, each with some
#   text under it: **What it does**, **How to run**, **Output**, **Acceptance**, **Known limitations**;
# - `known_limitations`: a list of at least three limitations, each a sentence of five words or more,
#   one of them the planned genre-diversity re-ranking that the shipped job does not do (section 1).

# %% tags=["solution"] grade_id="ex4_done"
def same_recommendations(a, b):
    """Same (userId, movieId, rank) rows, in any order."""
    ### BEGIN SOLUTION
    columns = ["userId", "rank", "movieId"]
    if len(a) != len(b):
        return False
    tidy = [frame[columns].astype("int64").sort_values(columns).reset_index(drop=True) for frame in (a, b)]
    return bool(tidy[0].equals(tidy[1]))
    ### END SOLUTION


# known_limitations: a list of sentences; handover_readme: a Markdown string with the five sections
### BEGIN SOLUTION
known_limitations = [
    "Users who joined after the nightly run get the new-user list until the next run.",
    "The new-user list is the same for everybody: it ignores the onboarding questions.",
    "Films with fewer than 20 ratings are never recommended, however good they are.",
    "Quality is measured offline on held-out ratings, not on what people click.",
    "Users whose every rating is below the floor get factors that are all zero, so they see the new-user list.",
    "The genre-diversity re-ranking planned for this week is not in the job yet.",
]
handover_readme = f"""# Films for you: nightly recommendation job

## What it does
Trains implicit ALS on all ratings, with the settings in `decision.json` (signal: {decision.signal},
rank {decision.rank}, alpha {decision.alpha:g}), and writes the top {brief.k} unseen, well-known films
(at least {brief.min_ratings} ratings) for every user, plus one list for users without ratings.

## How to run
Run `ship(spark, ratings, Brief(), Decision.load("decision.json"))` from lesson 06 with the cleaned ratings; it needs
Spark (lesson 00) and must finish within the {brief.time_budget_seconds:g} s slot (the acceptance report prints
its time).

## Output
A `Delivery`: a table userId, movieId, rank (1 = best) and a list of {brief.k} films for new users.

## Acceptance
`check_delivery(delivery, train, test, Brief())` must say ACCEPTED before a release.

## Known limitations
""" + "\n".join(f"- {line}" for line in known_limitations)
### END SOLUTION

# %% tags=["tests"] grade_id="ex4_same_check" points=1
_a = pd.DataFrame({"userId": [1, 1, 2], "movieId": [10, 11, 10], "rank": [1, 2, 1]})
expect(bool(same_recommendations(_a, _a.copy())), "A table should be the same as its copy.")
_shuffled = _a.iloc[[2, 0, 1]]
expect(bool(same_recommendations(_a, _shuffled)), "The same rows in another order (and with another index) are "
       "the same recommendations: sort by user and rank, and drop the index, before comparing.")
expect(not same_recommendations(_a, _a.assign(movieId=[11, 10, 10])), "Swapping the films at ranks 1 and 2 "
       "changes the recommendations: same_recommendations should say False.")
expect(not same_recommendations(_a, _a.iloc[:2]), "A table with a missing row is not the same.")
expect(bool(same_recommendations(_a, _a.astype({"userId": "int32", "movieId": "int32", "rank": "int32"}))),
       "The same rows with int32 columns instead of int64 are the same recommendations (Spark often returns "
       "int32): convert the columns to one integer type before comparing (e.g. .astype('int64')).")
passed("same_recommendations")
### BEGIN HIDDEN TESTS
assert bool(same_recommendations(_a, _a.iloc[::-1])), ("the same rows in reverse order are the same "
    "recommendations: sort by every column (user, rank and film), not by the user alone, before comparing")
assert bool(same_recommendations(_a, _a[["rank", "movieId", "userId"]])), ("the same rows with the columns in "
    "another order are the same recommendations: select userId, movieId and rank by name before comparing")
_b = _a.astype({"userId": "int32", "movieId": "int32"}).iloc[::-1]
assert bool(same_recommendations(_a, _b)), "integer width (int32 vs int64) does not change a recommendation"
assert not same_recommendations(_a, _a.assign(userId=[1, 2, 2])), "a film given to another user is different"
_c = pd.concat([_a, _a.iloc[[0]]])
assert not same_recommendations(_c, pd.concat([_a, _a.iloc[[1]]])), ("same_recommendations said True for two tables "
    "of 4 rows, one with (user 1, film 10, rank 1) twice, the other with (user 1, film 11, rank 2) twice: each row "
    "counts as many times as it occurs, so compare the sorted tables row by row, not sets of rows")
assert not same_recommendations(_a.iloc[[0, 0, 1]], _a), ("a row twice and another row missing is not the same "
                                                          "table (a merge counts the pairs, not the rows)")
### END HIDDEN TESTS

# %% tags=["tests"] grade_id="ex4_readme_check" points=1
import re

_REQUIRED = ["What it does", "How to run", "Output", "Acceptance", "Known limitations"]


def _sections(markdown):
    """{heading: text under it} for the '## ' headings of a Markdown string."""
    parts = re.split(r"^##[ \t]+(.+?)[ \t]*$", markdown, flags=re.MULTILINE)
    return {title.strip().lower(): body.strip() for title, body in zip(parts[1::2], parts[2::2])}


expect_type(handover_readme, str, "handover_readme")
_found = _sections(handover_readme)
for _title in _REQUIRED:
    expect(_title.lower() in _found, f"handover_readme has no '## {_title}' section (found: {list(_found)}).")
    expect(len(_found[_title.lower()]) > 0, f"The '## {_title}' section is empty: write something under it.")
expect_type(known_limitations, list, "known_limitations")
expect(len(known_limitations) >= 3, f"Write down at least three known limitations, not {len(known_limitations)}.")
for _line in known_limitations:
    expect(isinstance(_line, str) and len(_line.split()) >= 5,
           f"Each limitation should be a sentence of five words or more: {_line!r}.")
expect(any("genre" in _line.lower() for _line in known_limitations),
       "The week's plan has a genre-diversity re-ranking that the job you ship does not do (section 1): write "
       "it down as a known limitation, or the next person will think it is there.")
passed("README and known limitations")
### BEGIN HIDDEN TESTS
assert len(set(known_limitations)) == len(known_limitations), "each limitation once"
assert all(len(_found[t.lower()].split()) >= 3 for t in _REQUIRED), "a few words under every heading"
### END HIDDEN TESTS

# %% [markdown]
# The checklist, with its evidence. The re-run below calls the job again from the same inputs, in this
# session; the full test is *Kernel → Restart Kernel and Run All Cells*, which you do before handing in
# anyway. A split that depends only on the data, and ALS with a fixed seed and fixed blocks, are what make
# two runs agree.

# %% tags=["demo"]
from IPython.display import Markdown, display

rerun = timed(ship, spark, train, brief, decision)
checklist = {
    "tests pass (acceptance checks)": report.passed,
    "reproducible from a clean run": same_recommendations(delivery.recommendations, rerun.recommendations),
    "handed over with a README": all(t.lower() in _sections(handover_readme) for t in _REQUIRED),
    "known limitations written down": len(known_limitations) >= 3,
}
for item, done in checklist.items():
    print(f"{'✓' if done else '✗'} {item}")
print("DONE" if all(checklist.values()) else "NOT DONE")
display(Markdown(handover_readme))

# %% [markdown]
# ## Exercise 5 — Decision memo (4 points, graded by your instructor)
# Write half a page (150–250 words) to the product manager, who is busy and not a data scientist:
# - **what shipped** and how you know it meets the brief (cite the acceptance report's numbers);
# - **what was left out, and why** (from your scope decision and the time box);
# - **what to do next and what it would cost** (in person-days, from the backlog);
# - one **risk** they should know about.
# - which of the rank steps you would ship, the best one or the cheaper one before it, and why
#   (section 2b), and anything the rule chose that the intervals do not show better (section 2a).
#
# Plain words, numbers where they help, no jargon the reader would have to look up.

# %% [markdown] tags=["answer"] grade_id="ex5_memo" points=4
# **To:** product manager · **Re:** "Films for you" is ready for Friday
#
# **What ships.** Every returning user gets 10 films they have not rated, chosen by a model that learns from
# what people rated; new users get 10 well-known films people liked. All seven acceptance checks pass. On
# each user's latest ratings, our lists ranked the films people went on to like higher than "most popular
# films" did, by more than chance (its whole 95% range is above zero). They also cover far more of the
# catalogue, and the job runs within its slot.
#
# **What we left out.** The explanations, the big grid search, the time-aware model and a deep model: 17.5
# person-days together. We changed how ratings are read because that beat the simpler setting by more than
# chance; the two ways of treating low ratings that did are within chance of each other, and we kept the
# higher-scoring one. We tuned the model's size within a fixed budget and a rule set in advance, and ship
# the best size tried: it costs little more to run, though its last step gained less than chance.
#
# **What next.** Measure what people click: an A/B test against the popular list (about 2 days with the web
# team, our estimate). Then the explanations (2 days).
#
# **Risk.** New users all see the same 10 films until they rate something; using the genres onboarding asks
# for is the cheapest fix. And offline scores are not clicks: other people's later ratings were in our
# training data, so the launch may do worse than the report.

# %% [markdown]
# ## Exercise 6 — Stop: find the elbow (2 + 2 points)
# After the launch, the team planned further improvements: each row is a next step, the person-days it
# would take (cumulative), and validation NDCG@10 afterwards. The first row is **your measured value**
# for the shipped settings (validation NDCG@10 of the best tuning step: a little optimistic, since it was
# chosen as the best on these very users); the others are **the team's estimates** of what each step
# would add to it (`acceptance.further_work_estimates()`), not measurements. None of them repeats a step
# you measured: rank, signal and alpha are already tuned.

# %%
shipped_validation = float(max(tuning.results))  # measured: the shipped settings on the validation part
estimates = acceptance.further_work_estimates()
FURTHER_WORK = pd.DataFrame({"step": estimates["step"], "person_days": estimates["person_days"],
                             "ndcg": shipped_validation + estimates["estimated_gain"],
                             "source": ["measured"] + ["the team's estimate"] * (len(estimates) - 1)})
FURTHER_WORK

# %% [markdown]
# Where does it stop paying? The **elbow** (or knee) of the curve is where it bends from steep to flat.
# One standard way to find it (the idea behind the "Kneedle" method of Satopää et al., 2011):
# 1. rescale both axes to run from 0 to 1: $x' = (x - x_{min}) / (x_{max} - x_{min})$, and the same for $y$
#    (otherwise the answer depends on the units: days or hours, NDCG or per cent);
# 2. the elbow is the index with the largest $y' - x'$ (the first one on a tie): the point furthest
#    **above** the diagonal $y' = x'$ of the rescaled square. When the curve starts at its lowest and ends
#    at its highest, as here, that diagonal is the straight line from the first point to the last; when it
#    does not (a last step that made things worse), the rule is still the diagonal, not that line.
#
# Write `find_elbow(effort, quality)`: two equal-length sequences (effort increasing, quality mostly
# increasing); return the index of the elbow as an `int`.

# %% tags=["solution"] grade_id="ex6_elbow"
def find_elbow(effort, quality):
    """Index of the largest y' - x' with both axes rescaled to [0, 1] (furthest above the diagonal)."""
    ### BEGIN SOLUTION
    x, y = np.asarray(effort, dtype=float), np.asarray(quality, dtype=float)
    x = (x - x.min()) / (x.max() - x.min())
    y = (y - y.min()) / (y.max() - y.min())
    return int(np.argmax(y - x))
    ### END SOLUTION

# %% tags=["tests"] grade_id="ex6_elbow_check" points=2
_days = [0, 1, 2, 4, 8, 16]
_quality = [0.20, 0.23, 0.245, 0.25, 0.253, 0.255]
_got = find_elbow(_days, _quality)
expect(isinstance(_got, (int, np.integer)), f"find_elbow should return an index (an int), not {type(_got).__name__}.")
expect(_got != 0, "find_elbow returned 0, the first point. Rescale both axes to 0..1 first: in raw units "
       "(days against NDCG) the day axis swamps the other.")
expect(_got != len(_days) - 1, "find_elbow returned the last point (the best quality): the elbow is where the "
       "curve bends, not where it peaks.")
expect(_got != 3, "find_elbow returned 3, one past the elbow: return the index counted from 0 (what np.argmax "
       "gives), not a position counted from 1.")
expect(_got != 1, "find_elbow returned 1 for this curve; the point furthest above the diagonal is 2. Did you divide "
       "by the maximum alone? Rescale with (x - min) / (max - min): quality here runs from 0.20 to 0.255, so "
       "dividing by 0.255 leaves it between 0.78 and 1 instead of 0 and 1. Or did you look for the sharpest bend "
       "(the largest change of slope)? The rule here is the largest y' - x' after rescaling: the point furthest "
       "above the diagonal y' = x' of the rescaled square.")
expect(_got == 2, f"For days {_days} and quality {_quality} the elbow is at index 2 (largest y' - x' after "
       f"rescaling); got {_got}.")
expect(find_elbow([0, 10, 20, 30], [0.0, 0.9, 0.95, 1.0]) == 1, "For effort [0, 10, 20, 30] and quality "
       "[0, 0.9, 0.95, 1.0] the elbow is index 1.")
passed("the elbow of a test curve")
### BEGIN HIDDEN TESTS
def _reference_elbow(effort, quality):
    """Largest perpendicular distance above the diagonal y' = x', in rescaled units (the same point)."""
    x = np.interp(effort, (min(effort), max(effort)), (0, 1))
    y = np.interp(quality, (min(quality), max(quality)), (0, 1))
    distance = (y - x) / np.sqrt(2)
    return int(np.flatnonzero(distance == distance.max())[0])


assert find_elbow(list(FURTHER_WORK["person_days"]), list(FURTHER_WORK["ndcg"])) == _reference_elbow(
    list(FURTHER_WORK["person_days"]), list(FURTHER_WORK["ndcg"])), "the elbow of the team's log"
assert find_elbow(np.array([0, 2, 4, 8]) * 8, [0.1, 0.5, 0.6, 0.62]) == find_elbow([0, 2, 4, 8], [10, 50, 60, 62]), \
    "the elbow must not depend on the units"
assert find_elbow([0, 1, 2, 3, 4], [0.0, 0.5, 0.75, 0.8, 1.0]) == 1, ("indices 1 and 2 tie for the largest "
                                                                    "y' - x' (0.25): on a tie, the first one")
assert find_elbow([0, 1, 2, 3], [0.0, 0.6, 0.1, 1.0]) == 1, ("the elbow is furthest ABOVE the diagonal (largest y' - x'), "
                                                           "not furthest from it: a point below the diagonal is a dip")
assert find_elbow([0, 1, 2, 3], [0.0, 0.1, 0.2, 1.0]) == 0, ("every inner point of [0, 0.1, 0.2, 1.0] lies below the "
    "diagonal, so the largest y' - x' is 0, at the first point (and the last; on a tie, the first): the ends "
    "are candidates too")
# The last step made things worse, so the best quality is not the last point: rescale by min and max.
_dropped = find_elbow([0, 1, 2, 3, 4], [0.0, 0.5, 0.8, 1.0, 0.7])
assert _dropped == _reference_elbow([0, 1, 2, 3, 4], [0.0, 0.5, 0.8, 1.0, 0.7]) == 2, (
    f"find_elbow([0, 1, 2, 3, 4], [0.0, 0.5, 0.8, 1.0, 0.7]) should be 2, got {_dropped}: rescale each axis by its "
    "minimum and maximum, (y - min) / (max - min), not by the first and last points (here the last quality, 0.7, "
    "is not the highest)")
_rng = np.random.default_rng(11)
for _trial in range(100):
    _n = int(_rng.integers(3, 12))
    _x = np.cumsum(_rng.uniform(0.5, 5, _n))
    _y = 1 - np.exp(-_x / _rng.uniform(1, 20)) + _rng.normal(0, 0.01, _n)
    assert find_elbow(list(_x), list(_y)) == _reference_elbow(_x, _y), (
        f"find_elbow({[round(float(v), 3) for v in _x]}, {[round(float(v), 3) for v in _y]}) should be "
        f"{_reference_elbow(_x, _y)}: rescale both axes by their minimum and maximum, then take the first index "
        "with the largest y' - x'")
### END HIDDEN TESTS

# %%
elbow = find_elbow(FURTHER_WORK["person_days"], FURTHER_WORK["ndcg"])
days, quality = FURTHER_WORK["person_days"], FURTHER_WORK["ndcg"]
fig, ax = plt.subplots(figsize=(7.5, 3.8))
ax.plot(days, quality, "o-", color="#3b75af", label="measured, then the team's estimates")
ax.plot([days.iloc[0], days.iloc[-1]], [quality.iloc[0], quality.iloc[-1]], ":", color="grey", label="first to last")
ax.plot(days[elbow], quality[elbow], "*", ms=16, color="#d9822b", label=f"elbow: {FURTHER_WORK['step'][elbow]}")
for x, y, step in zip(days, quality, FURTHER_WORK["step"]):
    ax.annotate(step, (x, y), textcoords="offset points", xytext=(6, -10), fontsize=8)
ax.set(xlabel="person-days after launch", ylabel="validation NDCG@10", title="Further work: where it stops paying",
       xlim=(-1, 40), ylim=(quality.min() - 0.004, quality.max() + 0.003))
ax.legend(loc="lower right")
plt.show()


def gain_per_day(rows):
    return (rows["ndcg"].iloc[-1] - rows["ndcg"].iloc[0]) / (rows["person_days"].iloc[-1] - rows["person_days"].iloc[0])


print(f"NDCG@10 per person-day up to the elbow: {gain_per_day(FURTHER_WORK.iloc[: elbow + 1]):.5f}, "
      f"after it: {gain_per_day(FURTHER_WORK.iloc[elbow:]):.5f}")

# How big a difference is noise? Each step, once built, would be measured paired (the same validation users
# before and after it), so the yardstick is the paired noise measured in exercise 2: MIN_GAIN, half the width
# of the interval of two runs that differ only by their seed. (Two random halves of the users would measure
# how much the *mean* moves between samples of users, which a paired comparison cancels out: too large.)
after_elbow = FURTHER_WORK["ndcg"].iloc[-1] - FURTHER_WORK["ndcg"].iloc[elbow]
print(f"everything after the elbow adds {after_elbow:.4f} (estimated) in {days.iloc[-1] - days[elbow]:g} "
      f"person-days; the paired noise of two seeds, MIN_GAIN, is {MIN_GAIN}: "
      f"{'within' if after_elbow < MIN_GAIN else 'above'} the noise")

# %% [markdown]
# Now argue, in 80–150 words, whether the team should continue past the elbow. Use the numbers (NDCG
# gained per person-day before and after the elbow), say what else those days could buy, and name what
# evidence would change your mind.

# %% [markdown] tags=["answer"] grade_id="ex6_argument" points=2
# Stop at the elbow (after "recency weighting of the signal", day 3). Up to there each person-day would buy
# about 0.007 NDCG@10; after it, 28 more days buy about 0.006 in total, some 0.0002 per day, thirty times
# less (the cell prints both rates). The cell sets 0.006 against `MIN_GAIN` (half the width of the paired
# interval of two runs that differ only by their seed, printed above) and prints "within the noise": even if the team's estimates came
# true, our validation users could not reliably tell the gain from a re-run. Those 28 days would pay for the
# explanations feature, an A/B test and most of the lesson 07 maintenance work: work users or the business
# can see. I would change my mind if an online test showed that small offline gains move clicks or
# retention, or if the deep model brought something the current one lacks, such as recommendations for
# brand-new films.

# %% [markdown]
# ## Hand the decision over
# Lesson 07's nightly job ships exactly what you decided here. The last cell writes your decision to
# `decision.json` in this lesson's folder (beside this notebook), where lesson 07 reads it with
# `Decision.load`. Run it again whenever you change a choice above.

# %%
from pathlib import Path

decision_file = decision.save(Path("decision.json"))
print(f"wrote {decision_file.resolve()}")
print(decision_file.read_text())

# %% [markdown]
# ## Recap
# - Agree what "done" means **before** building, in criteria code can check; run the checks on every
#   candidate, including the simplest one, on validation. Here they rejected both lessons 03–05's RMSE-tuned
#   model and "popular for everyone", and accepted the simplest thing that meets the brief; the test set
#   judged the shipped job once. "At least as good as" is a non-inferiority test: the paired interval,
#   not the means, against a margin agreed with the brief (`Brief.quality_margin`, in the printed criteria).
# - Carry decisions through, or say why not: lesson 04's threshold was chosen against the one-rating
#   trap of explicit ALS; implicit ALS does not fall into it, and on validation the brief's 20 showed far
#   more of the catalogue than 04's threshold, and the paired interval of the difference in NDCG (printed)
#   did not exclude zero: no decided gain to pay for it.
# - Scope by **impact per day** within the time there is, required items first; write down what is out
#   of scope and why, so it is a decision and not an accident.
# - Implicit ALS (Hu, Koren and Volinsky) turns every observation into "interested" with a confidence
#   $1 + \alpha r$, and every unrated pair into weak "not interested": that is why rarely rated films stay
#   out of its lists. Spark adds two things the paper does not have: `regParam` scaled by each user's and
#   film's count of positive observations, and negative $r$ as confident "not interested". Decide what
#   counts as interest and choose $\alpha$ on validation (the paper's 40 was found on TV-viewing data with
#   one $\lambda$ for everyone; it need not suit ratings in Spark), keeping a change only when its interval
#   excludes zero.
# - **Time-box** exploratory work and state the stopping rule before you look at results, with a threshold
#   set from measured noise; ship the best finished step, and keep every finished step when time runs out.
#   Budget graded work in steps, not seconds, so what runs does not depend on the machine's speed.
# - **Done** means: checks pass, a clean re-run gives the same output, a README, known limitations.
# - The **elbow** of a quality-against-effort curve, with both axes rescaled, shows where more work stops
#   paying; past it, spend the time on something users can see.
#
# ## Further reading
# - Yifan Hu, Yehuda Koren and Chris Volinsky (2008). *Collaborative Filtering for Implicit Feedback
#   Datasets.* Proceedings of the 8th IEEE International Conference on Data Mining (ICDM), 263–272.
# - Paolo Cremonesi, Yehuda Koren and Roberto Turrin (2010). *Performance of Recommender Algorithms on
#   Top-N Recommendation Tasks.* Proceedings of the 4th ACM Conference on Recommender Systems (RecSys),
#   39–46. (Why "most popular" is a baseline to take seriously.)
# - Kalervo Järvelin and Jaana Kekäläinen (2002). *Cumulated Gain-Based Evaluation of IR Techniques.*
#   ACM Transactions on Information Systems 20(4): 422–446. (NDCG.)
# - Ville Satopää, Jeannie Albrecht, David Irwin and Barath Raghavan (2011). *Finding a "Kneedle" in a
#   Haystack: Detecting Knee Points in System Behavior.* 31st International Conference on Distributed
#   Computing Systems Workshops (ICDCSW), 166–171.
# - Eric Breck, Shanqing Cai, Eric Nielsen, Michael Salib and D. Sculley (2017). *The ML Test Score: A
#   Rubric for ML Production Readiness and Technical Debt Reduction.* IEEE International Conference on
#   Big Data, 1123–1132. (A longer definition of done.)
# - D. Sculley et al. (2015). *Hidden Technical Debt in Machine Learning Systems.* Advances in Neural
#   Information Processing Systems 28 (NeurIPS), 2503–2511.
# - F. Maxwell Harper and Joseph A. Konstan (2015). *The MovieLens Datasets: History and Context.* ACM
#   Transactions on Interactive Intelligent Systems 5(4): 19.
# - Sophie Watson (2018). *From Research to Production: What They Didn't Teach You in Grad School.* Talk,
#   Berlin Buzzwords 2018. (The talk this course grew from; its "how done is done" is this lesson.)
