# %% [markdown] slideshow={"slide_type": "slide"}
# # Lesson 04 — Recommend for me
# ## The metric is not the product
#
# *Paper to Production* · workshop deck · about 90 minutes
#
# <small>Notebook: `lessons/04-recommend-for-me/04-recommend-for-me.ipynb`</small>

# %% slideshow={"slide_type": "skip"}
from deckkit import *

from paper2prod import profile, ranking

# The lesson's own set-up: 20% of each user's ratings held out, the ready persona as a new user,
# ALS with rank 10 and lambda 0.15. (The lesson trains Spark's ALS; the deck uses a compact NumPy
# one with the same settings so that it builds in seconds.)
everyone, catalogue = ratings(), movies()
held_out = everyone.groupby("userId", group_keys=False).sample(frac=0.2, random_state=42)
persona = profile.resolve(catalogue, profile.PERSONA)
persona_id = int(everyone["userId"].max()) + 1
train = pd.concat([everyone.drop(held_out.index), profile.as_ratings(persona, persona_id)], ignore_index=True)
model = fit_als(train, rank=10, reg=0.15, iterations=10, biases=False, seed=42)
counts = train.groupby("movieId").size()
films = per_film().set_index("movieId")


def top_10_for(user, min_ratings=0):
    scores = model.scores_for(user)
    seen = train.loc[train["userId"] == user, "movieId"]
    allowed = counts.reindex(scores.index).fillna(0) >= min_ratings
    return scores[allowed].drop(seen, errors="ignore").nlargest(10)


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

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 1 — the top 10 it gives you

# %% tags=["hide-input"] jupyter={"source_hidden": true}
unfiltered = top_10_for(persona_id)
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
# A film rated once, by one enthusiast, has factors fitted to that one rating: nothing pulls it back.

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
filtered = top_10_for(persona_id, min_ratings=20)
film_table(films.loc[filtered.index].assign(score=filtered.values), columns=("title", "n_ratings", "mean_rating", "score"))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Same factors, same RMSE. A completely different product.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The popularity baseline, damped

# %% tags=["hide-input"] jupyter={"source_hidden": true}
overall, damping = ratings()["rating"].mean(), 10
shrunk = (films["n_ratings"] * films["mean_rating"] + damping * overall) / (films["n_ratings"] + damping)
baseline = films.assign(score=shrunk).drop(persona["movieId"]).nlargest(10, "score")
film_table(baseline, columns=("title", "n_ratings", "mean_rating", "score"))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Not personal at all, and a strong baseline: a model has to beat it on ranking quality to earn its keep.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises 5–7 — measure what the product cares about
#
# On a per-user held-out split (relevant = a held-out rating of 4 or more):
#
# - **precision@10** (5): hits among the 10 shown, over 10
# - **recall@10** (6): hits over everything relevant for that user
# - **NDCG@10** (7): hits near the top count more, $\sum_{r} \text{hit}_r / \log_2(r + 1)$, normalised
# - **coverage**: the share of the catalogue that ever gets recommended
# - **mean popularity**: how many ratings the recommended films have
#
# RMSE goes beside them, to make the point.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 8 — choose the threshold from a plot

# %% tags=["hide-input"] jupyter={"source_hidden": true}
relevant = ranking.as_sets(held_out[held_out["rating"] >= 4])
users = sorted(relevant)
scores = np.stack([model.scores_for(user).to_numpy() for user in users])
rows = {user: row for row, user in enumerate(users)}
seen = train[train["userId"].isin(rows)]
scores[seen["userId"].map(rows).to_numpy(), np.searchsorted(model.item_ids, seen["movieId"])] = -np.inf
item_counts = counts.reindex(model.item_ids).to_numpy()
thresholds = [1, 2, 3, 5, 10, 20, 50, 100]
quality = []
for threshold in thresholds:
    masked = np.where(item_counts >= threshold, scores, -np.inf)
    top = np.argsort(-masked, axis=1)[:, :10]
    lists = {user: list(model.item_ids[top[rows[user]]]) for user in users}
    quality.append({"threshold": threshold, "NDCG@10": ranking.ndcg_at_k(lists, relevant, k=10),
                    "precision@10": ranking.precision_at_k(lists, relevant, k=10),
                    "coverage": ranking.coverage(lists, model.item_ids, k=10)})
quality = pd.DataFrame(quality).set_index("threshold")
test_rmse = rmse(model.predict(held_out["userId"], held_out["movieId"]), held_out["rating"])
fig, (left, right) = figure(12, 4.2, ncols=2)
left.semilogx(quality.index, quality["NDCG@10"], "o-", color=BLUE, label="NDCG@10")
left.semilogx(quality.index, quality["precision@10"], "s-", color=GREEN, label="precision@10")
left.set(xlabel="minimum ratings per film (log)", title=f"ranking quality (RMSE {test_rmse:.3f} throughout)")
left.legend(frameon=False)
right.semilogx(quality.index, quality["coverage"], "o-", color=ORANGE)
right.set(xlabel="minimum ratings per film (log)", title="catalogue coverage")
for ax in (left, right):
    ax.set_xticks(thresholds, [str(t) for t in thresholds])
    ax.minorticks_off()
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Then two sentences defending it (graded by hand): quality, coverage, and what a person would see.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# - A good RMSE said nothing about the top 10 a person sees.
# - A third of the films have one rating; unfiltered ALS loves them.
# - Filter by rating count, or damp small counts; measure ranking quality, coverage and popularity.
# - Choose the threshold from a plot, and write down why.
#
# **Further reading:** P. Cremonesi, Y. Koren, R. Turrin (2010), *Performance of Recommender Algorithms
# on Top-N Recommendation Tasks*, RecSys 2010 · K. Järvelin, J. Kekäläinen (2002), *Cumulated Gain-based
# Evaluation of IR Techniques*, ACM TOIS 20(4) · Y. Hu, Y. Koren, C. Volinsky (2008), *Collaborative
# Filtering for Implicit Feedback Datasets*, ICDM 2008.
