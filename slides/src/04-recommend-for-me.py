# %% [markdown] slideshow={"slide_type": "slide"}
# # Lesson 04 — Recommend for me
# ## The metric is not the product
#
# *Paper to Production* · workshop deck · about 100 minutes
#
# <small>Notebook: `lessons/04-recommend-for-me/04-recommend-for-me.ipynb`</small>

# %% slideshow={"slide_type": "skip"}
from deckkit import *

from paper2prod import evaluation, numpy_als, profile, ranking

# The lesson's own set-up: each user's latest 20% of ratings held out (the course's chronological
# split), the ready persona as a new user, ALS-WR with rank 10, lambda 0.2 (Spark's regParam), 8
# iterations. The lesson trains Spark's ALS; the deck uses the course's NumPy ALS-WR with the same
# settings (lesson 03 checks the two agree), so that it builds in seconds.
everyone, catalogue = ratings(), movies()
train_part, held_out = evaluation.chronological_split(everyone, test_fraction=0.2)
persona = profile.resolve(catalogue, profile.PERSONA)
persona_id = int(everyone["userId"].max()) + 1
train = pd.concat([train_part, profile.as_ratings(persona, persona_id)], ignore_index=True)
user_ids, users = np.unique(train["userId"].to_numpy(), return_inverse=True)
item_ids, items = np.unique(train["movieId"].to_numpy(), return_inverse=True)
counts = train.groupby("movieId").size()
item_counts = counts.reindex(item_ids).to_numpy()
rated = np.zeros((user_ids.size, item_ids.size), dtype=bool)
rated[users, items] = True
known = held_out[held_out["movieId"].isin(item_ids)]
known_cells = (np.searchsorted(user_ids, known["userId"]), np.searchsorted(item_ids, known["movieId"]))
films = per_film().set_index("movieId")


def biases(lam=5.0, passes=10):
    """Lesson 01's baseline: global mean, user and film biases (alternating ridge steps)."""
    stars = train["rating"].to_numpy()
    mean, user_bias, item_bias = stars.mean(), np.zeros(user_ids.size), np.zeros(item_ids.size)
    for _ in range(passes):
        item_bias = np.bincount(items, stars - mean - user_bias[users]) / (lam + np.bincount(items))
        user_bias = np.bincount(users, stars - mean - item_bias[items]) / (lam + np.bincount(users))
    return mean, user_bias, item_bias


def all_scores(lam=0.2, weighted=True, with_biases=False):
    """Every user's score for every film, already rated films at -inf; and the test RMSE."""
    stars, base = train["rating"].to_numpy(), 0.0
    if with_biases:
        mean, user_bias, item_bias = biases()
        stars = stars - mean - user_bias[users] - item_bias[items]
        base = mean + user_bias[:, None] + item_bias[None, :]
    user_factors, item_factors = numpy_als.als_wr(users, items, stars, user_ids.size, item_ids.size, rank=10,
                                                  lam=lam, iterations=8, seed=42, weighted=weighted)
    scores = base + user_factors @ item_factors.T
    test_rmse = float(np.sqrt(np.mean((scores[known_cells] - known["rating"].to_numpy()) ** 2)))
    return np.where(rated, -np.inf, scores), test_rmse


scores, model_rmse = all_scores()
persona_row = int(np.searchsorted(user_ids, persona_id))


def top_10_for(row, min_ratings=0):
    masked = np.where(item_counts >= min_ratings, scores[row], -np.inf)
    best = np.argsort(-masked)[:10]
    return pd.Series(masked[best], index=item_ids[best])


# %% [markdown] slideshow={"slide_type": "slide"}
# ## Whose past? The split keeps other users' future

# %% tags=["hide-input"] jupyter={"source_hidden": true}
leak = evaluation.future_share(train_part, held_out).mean()
cut = evaluation.global_cutoff_split(everyone, evaluation.cutoff_for_share(everyone, 0.2))
cut_counts = cut.counts()
say(f"- Each user's latest 20% held out: forward in time **per user**.\n"
         f"- But on average **{leak:.0%}** of a test film's training ratings were made *after* the test rating.\n"
         f"- One cut-off date for everyone (train before, test after) leaks nothing, and leaves "
         f"**{cut.test['userId'].nunique()}** users to test: {cut_counts['cold users']} users and "
         f"{cut_counts['cold films']:,} films are first seen after it (cold start).\n"
         f"- So: decide on the per-user split, check the decision on the cut-off split.")

# %% [markdown] slideshow={"slide_type": "notes"}
# The heart of the course, from the talk it grew from: train ALS on MovieLens, ask for your own top 10,
# and get films one person rated. Ask the room to predict the top 10 before you show it.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The moment of truth
#
# Lesson 03 gave us a tuned ALS model with a respectable RMSE. Now ask it a product's question:
#
# > *What should **I** watch tonight?*
#
# Rate a dozen films you know, add yourself to the data, retrain, ask for your top 10.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your profile (or the ready persona)

# %% tags=["hide-input"] jupyter={"source_hidden": true}
by_rating = persona.sort_values("rating", ascending=False)
film_table(pd.concat([by_rating.head(6), by_rating.tail(4)]), columns=("title", "rating")).format({"rating": "{:.1f}"})

# %% [markdown] slideshow={"slide_type": "fragment"}
# The ready persona, `profile.PERSONA` (10 of its films shown): loves animation and family films, dislikes horror.
# `profile.resolve` finds titles as people type them, and reports every unknown one at once.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["debrief"]
# ## Exercise 1 — the top 10 it gives you

# %% tags=["hide-input"] jupyter={"source_hidden": true}
unfiltered = top_10_for(persona_row)
table = films.loc[unfiltered.index].assign(score=unfiltered.values)
film_table(table, columns=("title", "n_ratings", "mean_rating", "score"))

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
say(f"Graded question: how many of your top 10 have **fewer than 5 ratings**? "
    f"Here: **{(table['n_ratings'] < 5).sum()} of 10**. RMSE never asked.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Diagnosis: the long tail

# %% tags=["hide-input"] jupyter={"source_hidden": true}
sorted_counts = np.sort(films["n_ratings"].to_numpy())[::-1]
fig, ax = figure(11, 4.3)
ax.semilogy(np.arange(1, sorted_counts.size + 1), sorted_counts, color=BLUE, linewidth=2.5)
for threshold, color in [(5, ORANGE), (20, RED)]:
    below = (sorted_counts < threshold).mean()
    ax.axhline(threshold, color=color, linestyle="--")
    ax.annotate(f"{below:.0%} of films have fewer than {threshold} ratings", (sorted_counts.size, threshold),
                xytext=(0, 5), textcoords="offset points", color=color, fontsize=14, ha="right")
ax.set(xlabel="films, most rated first", ylabel="ratings per film (log scale)",
       title="ml-latest-small: a few films get most of the ratings")
thousands(ax.xaxis)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# A film rated once, by one enthusiast, has factors fitted to that one rating. Doesn't λ pull it back?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 1b — the weighted λ is the cause
#
# ALS-WR and Spark's `regParam` multiply λ by each film's number of ratings $n_i$. In one dimension
# (raters' factors 1): $y_i = \sum_u r_{ui} / (n_i + \lambda n_i) = \bar r_i / (1 + \lambda)$ whatever $n_i$:
# shrinkage does **not** grow with evidence. Plain ridge, $y_i = n_i \bar r_i / (n_i + \lambda)$, shrinks
# the one-rating film most (NumPy ALS `weighted=False`; Spark cannot).

# %% tags=["hide-input"] jupyter={"source_hidden": true}
sweep = []
for with_biases in (False, True):
    for penalty, lams in {"weighted": [0.05, 0.1, 0.15, 0.2, 0.3], "plain": [2, 5, 10, 20]}.items():
        for lam in lams:
            swept, swept_rmse = all_scores(lam, weighted=penalty == "weighted", with_biases=with_biases)
            rare = item_counts[np.argsort(-swept, axis=1)[:, :10]] < 5
            sweep.append({"biases": with_biases, "penalty": penalty, "lam": lam, "RMSE": swept_rmse,
                          "rare": int(rare.sum())})
sweep = pd.DataFrame(sweep)
fig, axes = figure(12, 2.5, ncols=2)
for ax, with_biases in zip(axes, (False, True)):
    for penalty, color in [("weighted", RED), ("plain", BLUE)]:
        rows = sweep[(sweep["penalty"] == penalty) & (sweep["biases"] == with_biases)]
        ax.plot(rows["rare"], rows["RMSE"], "o-", color=color, linewidth=2.5,
                label="weighted λ (ALS-WR, Spark)" if penalty == "weighted" else "plain ridge λ")
        for _, row in rows.iterrows():
            ax.annotate(f"{row['lam']:g}", (row["rare"], row["RMSE"]), xytext=(5, 5), textcoords="offset points")
    best = sweep[sweep["biases"] == with_biases].groupby("penalty")["RMSE"].min()
    ax.set(xlabel="rarely rated films in all top 10s (list places)", ylabel="test RMSE",
           title=f"{'with' if with_biases else 'without'} lesson 01's biases: best RMSE weighted "
                 f"{best['weighted']:.3f}, plain {best['plain']:.3f}")
axes[0].legend(frameon=False)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# With biases, plain ridge matches the RMSE and keeps one-rating films out: the best-RMSE weighted λ,
# not accuracy, makes the trap. RMSE scores only rated pairs (missing not at random).
# "Best" here is the best λ *on test*: it flatters both penalties alike, so nothing is chosen from it.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises 2–4 — fix it
#
# - **Filter** films below a minimum number of ratings: before training (2), or after scoring (3).
# - A **popularity baseline** that damps small counts (4), a shrunk (Bayesian) average:
#
# $$\text{score}_i = \frac{n_i\,\bar r_i + m\,\bar r}{n_i + m}$$
#
# $n_i$ ratings with mean $\bar r_i$, pulled toward the overall mean $\bar r$ as if $m$ average
# ratings were added.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The same model, films with 20 ratings or more

# %% tags=["hide-input"] jupyter={"source_hidden": true}
filtered = top_10_for(persona_row, min_ratings=20)
film_table(films.loc[filtered.index].assign(score=filtered.values), columns=("title", "n_ratings", "mean_rating", "score"))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Same factors, same RMSE. A completely different product.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The popularity baseline, damped

# %% tags=["hide-input"] jupyter={"source_hidden": true}
overall, damping = ratings()["rating"].mean(), 10
shrunk = (films["n_ratings"] * films["mean_rating"] + damping * overall) / (films["n_ratings"] + damping)
baseline = films.assign(score=shrunk).drop(persona["movieId"], errors="ignore").nlargest(10, "score")
film_table(baseline, columns=("title", "n_ratings", "mean_rating", "score"))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Not personal at all, and a strong baseline: a model has to beat it on ranking quality to earn its keep.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises 5–7 — measure what the product cares about
#
# On each user's latest ratings (relevant = a held-out rating of 4 or more), every metric with a 95%
# bootstrap interval over users (`paper2prod.evaluation`); written by the students, one user at a time:
#
# - **precision@10** (5): hits among the 10 shown, over 10
# - **recall@10** (6): hits over everything relevant for that user
# - **NDCG@10** (7): hits near the top count more, $\sum_{r} \text{hit}_r / \log_2(r + 1)$, normalised
#   (today's form; Järvelin and Kekäläinen's original leaves the first two places undiscounted)
# - **coverage**: the share of the catalogue that ever gets recommended
# - **mean popularity**: how many ratings the recommended films have
#
# RMSE goes beside them, to make the point. Unfiltered ALS has *low* coverage: the same few one-rating
# films top almost everyone's list.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 8 — choose the threshold on validation, report it once on test

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# Validation: each user's latest 20% of their training ratings; the model and the counts from the rest.
fit_part, validation = evaluation.chronological_split(train_part, test_fraction=0.2)
v_user_ids, v_users = np.unique(fit_part["userId"].to_numpy(), return_inverse=True)
v_item_ids, v_items = np.unique(fit_part["movieId"].to_numpy(), return_inverse=True)
v_counts = fit_part.groupby("movieId").size().reindex(v_item_ids).to_numpy()
v_user_factors, v_item_factors = numpy_als.als_wr(v_users, v_items, fit_part["rating"].to_numpy(), v_user_ids.size,
                                                  v_item_ids.size, rank=10, lam=0.2, iterations=8, seed=42)
v_rated = np.zeros((v_user_ids.size, v_item_ids.size), dtype=bool)
v_rated[v_users, v_items] = True
v_scores = np.where(v_rated, -np.inf, v_user_factors @ v_item_factors.T)
relevant = ranking.as_sets(validation[validation["rating"] >= 4])
thresholds = [1, 2, 3, 5, 10, 20, 30, 50, 100, 150]  # the lesson's THRESHOLDS
quality = []
item_ids, scores, user_ids, item_counts = v_item_ids, v_scores, v_user_ids, v_counts  # the validation model
for threshold in thresholds:
    masked = np.where(item_counts >= threshold, scores, -np.inf)
    top = np.argsort(-masked, axis=1)[:, :10]
    lists = {user: list(item_ids[top[row]]) for row, user in enumerate(user_ids)}
    ndcg = evaluation.bootstrap_interval(ranking.ndcg_at_k(lists, relevant, k=10, per_user=True))
    quality.append({"threshold": threshold, "NDCG@10": ndcg.mean, "low": ndcg.low, "high": ndcg.high,
                    "precision@10": ranking.precision_at_k(lists, relevant, k=10),
                    "coverage": ranking.coverage(lists, item_ids, k=10)})
quality = pd.DataFrame(quality).set_index("threshold")
fig, (left, right) = figure(12, 4.2, ncols=2)
left.semilogx(quality.index, quality["NDCG@10"], "o-", color=BLUE, label="NDCG@10 (band: 95% interval)")
left.fill_between(quality.index, quality["low"], quality["high"], color=BLUE, alpha=0.15)
left.semilogx(quality.index, quality["precision@10"], "s-", color=GREEN, label="precision@10")
left.set(xlabel="minimum ratings per film (log)", title="ranking quality on validation (one model throughout)")
left.legend(frameon=False)
right.semilogx(quality.index, quality["coverage"], "o-", color=ORANGE)
right.set(xlabel="minimum ratings per film (log)", title="catalogue coverage")
for ax in (left, right):
    ax.set_xticks(thresholds, [str(t) for t in thresholds])
    ax.minorticks_off()
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Choose on validation: rule out what another threshold beats on both, and what is decidedly below the
# damped popularity baseline (paired interval, printed beside the sweep). Then measure the choice once on
# test, check it on the cut-off split (few users: wide intervals), and defend it in writing.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# - A good RMSE said nothing about the top 10 a person sees: it scores only pairs someone rated.
# - The weighted λ (ALS-WR, Spark's `regParam`) does not shrink a one-rating film more than a popular one;
#   with biases, plain ridge matches its RMSE without the trap.
# - A third of the films have one rating; unfiltered ALS loves them.
# - Filter by rating count, or damp small counts; measure ranking quality, coverage and popularity.
# - The per-user split keeps other users' future; check decisions on a global cut-off too.
# - Choose the threshold on validation, report it once on test, with intervals; write down why.
#
# **Further reading:** H. Steck (2010), *Training and Testing of Recommender Systems on Data Missing
# not at Random*, KDD 2010 · P. Cremonesi, Y. Koren, R. Turrin (2010), *Performance of Recommender Algorithms
# on Top-N Recommendation Tasks*, RecSys 2010 · K. Järvelin, J. Kekäläinen (2002), *Cumulated Gain-based
# Evaluation of IR Techniques*, ACM TOIS 20(4) · Y. Hu, Y. Koren, C. Volinsky (2008), *Collaborative
# Filtering for Implicit Feedback Datasets*, ICDM 2008 · Y. Zhou, D. Wilkinson, R. Schreiber, R. Pan (2008),
# *Large-scale Parallel Collaborative Filtering for the Netflix Prize*, AAIM 2008.
