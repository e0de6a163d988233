# %% [markdown] slideshow={"slide_type": "slide"}
# # Lesson 01 — From paper to code
# ## Baseline predictors and ALS-WR on MovieLens 100k, and an RMSE table
#
# *Paper to Production* · workshop deck · about 90 minutes
#
# <small>Notebook: `lessons/01-paper-to-code/01-paper-to-code.ipynb`</small>

# %% slideshow={"slide_type": "skip"}
from deckkit import *

from paper2prod import data

train, test = data.load_split("u1")

# %% [markdown] slideshow={"slide_type": "notes"}
# This lesson is the research habit done properly: equations from two papers become NumPy, and the
# result is a table of numbers on a fixed benchmark. Play it straight; lesson 04 questions the frame.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The research frame
#
# - A fixed data set: **ml-100k**, 100,000 ratings, with five official train/test folds `u1`–`u5`.
# - A fixed metric: **RMSE** of predicted against held-out ratings.
# - A table: your method's number next to the published numbers.
#
# "Better" means a smaller number in that table. Today we play by these rules, and play well.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Two papers
#
# - Y. Zhou, D. Wilkinson, R. Schreiber, R. Pan (2008). *Large-scale Parallel Collaborative Filtering
#   for the Netflix Prize.* AAIM 2008, LNCS 5034. — **ALS-WR**
# - Y. Koren (2009). *Collaborative Filtering with Temporal Dynamics.* KDD 2009. — **baseline
#   predictors**, a **time-aware** item bias and a **drifting user bias**
#
# You read the method sections, and turn equations into code.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises 1–2: the baselines
#
# $$\hat r_{ui} = \mu \qquad\text{then}\qquad \hat r_{ui} = \mu + b_u + b_i$$
#
# - `rmse(predicted, actual)`, and the global-mean predictor.
# - Regularised biases, fitted by a few alternating closed-form steps:
#   $\; b_i = \dfrac{\sum_{u} (r_{ui} - \mu - b_u)}{\lambda + n_i}$, and the same for $b_u$.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What the baselines reach on `u1`

# %% tags=["hide-input"] jupyter={"source_hidden": true}
mean, user_bias, item_bias = fit_biases(train, steps=3)
guess_mean = np.full(len(test), mean)
guess_bias = mean + test["userId"].map(user_bias).fillna(0) + test["movieId"].map(item_bias).fillna(0)
results = {"global mean": rmse(guess_mean, test["rating"]), "mean + biases": rmse(guess_bias, test["rating"])}
fig, ax = figure(11, 3.2)
ax.barh(list(results), list(results.values()), color=[GREY, BLUE])
for y, value in enumerate(results.values()):
    ax.annotate(f"{value:.3f}", (value, y), xytext=(6, 0), textcoords="offset points", va="center")
ax.set(xlabel="test RMSE on ml-100k u1 (lower is better)", xlim=(0.85, 1.25),
       title="global mean, then biases after three alternating steps")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# A few lines of arithmetic take most of the gain. Keep the baseline in every table.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 3: one ALS-WR half-step
#
# Hold the film factors $Y$ fixed; each user's factors solve a small regularised least-squares problem:
#
# $$x_u = \left(Y_u^\top Y_u + \lambda\, n_u\, I\right)^{-1} Y_u^\top r_u$$
#
# - $Y_u$: factors of the $n_u$ films user $u$ rated; $r_u$: those ratings.
# - **Weighted λ**: the penalty grows with $n_u$. That is the "WR" in ALS-WR.
# - So the shrinkage does **not** grow with evidence: in one dimension
#   $\frac{n e}{n + \lambda n} = \frac{e}{1 + \lambda}$ for every $n$. One five-star rating is trusted
#   as much as four hundred (lesson 04's trap). The biases' $\lambda + n$ does the opposite.
# - The hidden tests try a user with one rating and a film with none.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 4: the training loop

# %% tags=["hide-input"] jupyter={"source_hidden": true}
model = fit_als(train, rank=10, reg=0.1, iterations=10, test=test)
steps, train_curve, test_curve = zip(*model.history)
fig, ax = figure(11, 4.2)
ax.plot(steps, train_curve, "o-", color=BLUE, label="train")
ax.plot(steps, test_curve, "o-", color=ORANGE, label="test (u1)")
ax.set(xlabel="iteration (one user step + one film step)", ylabel="RMSE", xticks=steps,
       title="ALS-WR with biases on ml-100k u1, rank 10, λ = 0.1, fixed seed")
ax.legend(frameon=False)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# A fixed seed makes this curve the same on every laptop in the room.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 5: time-aware item bias
#
# Films drift: a bias per film and per **time bin** (Koren 2009),
#
# $$\hat r_{ui}(t) = \mu + b_u + b_i + b_{i,\mathrm{bin}(t)}$$
#
# - Evaluate on a **per-user chronological** split (`paper2prod.evaluation`): each user's latest 20 %
#   held out. Other users' later ratings stay in training: it is not a cut at one date.
# - $\lambda_{\text{bin}} = 25$ (five times the biases' λ) is the course's choice, not the paper's.
# - Target: beat the static baseline on that split.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises 6–7: a drifting user bias
#
# $$b_u(t) = b_u + \alpha_u\,\mathrm{dev}_u(t), \qquad \mathrm{dev}_u(t) = \mathrm{sign}(t - t_u)\,|t - t_u|^{0.4}$$
#
# $t$ in **days**, $t_u$ the user's mean rating day, $\alpha_u$ regularised ($\lambda_\alpha$). Optional: a bias
# per user and day, $b_{u,t}$.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
offsets = np.linspace(-300, 300, 601)
fig, ax = figure(11, 3.6)
ax.axvspan(-300, 100, color=GREY, alpha=0.15)  # one user's training days, around her mean day t_u
ax.plot(offsets, np.sign(offsets) * np.abs(offsets) ** 0.4, color=BLUE)
ax.annotate("training days: random-fold\ntest days fall in here", (-100, 5), ha="center", fontsize=13)
ax.annotate("forward in time: test days\ncome after, dev extrapolates", (200, -6), ha="center", fontsize=13)
ax.set(xlabel="t − t_u (days)", ylabel="dev_u(t)", title="Koren's drift term, β = 0.4")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What did the paper evaluate on?
#
# - Netflix held out **each user's last nine ratings** (Koren, *BellKor Grand Prize*, 2009): a per-user
#   split forward in time. Random folds are *not* the paper's split.
# - Three splits in the notebook: **random folds** · **last 9 per user** (the paper's shape) ·
#   **latest 20 % per user** (the course's `chronological_split`).
# - Candidate causes, each measured: the size of the holdout (days past the last training day);
#   bursty sessions (test ratings on a training day of the same user); $\lambda_\alpha$ fixed at 50
#   vs chosen on a validation split carved from training.
# - $b_{u,t}$ fitted **jointly** (alternating with the other terms), as in the paper.
# - 95 % intervals per user: students write what the tables show.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The reproduction table on the folds
#
# Mean and spread of RMSE on the five folds `u1`–`u5`, next to a published reference:
#
# | method | reference (Surprise benchmark, ml-100k) | your target |
# |---|---:|---:|
# | baseline (biases) | 0.944 | ≤ 0.945 |
# | SVD | 0.934 | |
# | SVD++ | 0.919 | below it: stretch |
# | ALS-WR (yours) | | ≤ 0.925 required, ≤ 0.920 goal |
# | biases + $b_u(t)$ (yours) | | a row, no target |
#
# Then one sentence: did you reproduce it?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Under- and over-fitting: the λ sweep

# %% tags=["hide-input"] jupyter={"source_hidden": true}
lambdas = [0.02, 0.05, 0.1, 0.2, 0.5]
curve = [fit_als(train, rank=10, reg=lam, iterations=6, test=test).history[-1][2] for lam in lambdas]
best = int(np.argmin(curve))
fig, ax = figure(11, 4.2)
ax.semilogx(lambdas, curve, "o-", color=BLUE)
ax.semilogx([lambdas[best]], [curve[best]], "o", color=ORANGE, markersize=14, label=f"best λ = {lambdas[best]}")
ax.text(0.12, 0.9, "overfits: the factors memorise\nthe training ratings", transform=ax.transAxes, fontsize=13)
ax.text(0.98, 0.45, "underfits: everyone\nlooks average", transform=ax.transAxes, fontsize=13, ha="right")
ax.set_xticks(lambdas, [str(lam) for lam in lambdas])
ax.minorticks_off()
ax.set(xlabel="λ (log scale)", ylabel="test RMSE on u1", title="ALS-WR with biases, rank 10: test error against λ")
ax.legend(frameon=False, loc="center right")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The one snippet that matters
#
# ```python
# solution = np.linalg.solve(Y_u.T @ Y_u + reg * n_u * np.eye(rank), Y_u.T @ r_u)
# ```
#
# - `solve`, never `inv`: faster and numerically safer.
# - `reg * n_u`: forget `n_u` and a high rank overfits (the most common wrong answer).
# - NumPy 2: `solve(A, B)` with `B` of shape `(n, k)` is one matrix, not `n` vectors: use `B[:, :, None]`.
# - A sweep over ml-100k takes well under a second on an idle laptop when the loops are NumPy's.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# - An equation becomes code line by line; tests on tiny cases you can solve by hand catch the slips.
# - Weighted λ lets a high rank help instead of overfit, but does not trust evidence more.
# - A gain belongs to its data, its split and its settings: $b_u(t)$ wins on random folds at both
#   $\lambda_\alpha$ tried; forward in time (the paper's kind of split) it loses on the 20 % holdouts at
#   $\lambda_\alpha = 50$, and with $\lambda_\alpha$ chosen on validation it is never worse (better on 3 of 4 splits).
# - Fixed folds, fixed seeds, a reference table: a reproducible research result.
#
# > But the result is *a number on a static data set*. Lesson 04 asks whether people would want
# > what this model recommends.
#
# **Further reading:** Zhou et al. (2008), AAIM, LNCS 5034 · Koren (2009), KDD · Koren, Bell,
# Volinsky (2009), *Matrix Factorization Techniques for Recommender Systems*, IEEE Computer 42(8).
