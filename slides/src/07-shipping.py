# %% [markdown] slideshow={"slide_type": "slide"}
# # Lesson 07 — Shipping
# ## Lesson 06's decision as a nightly job: contract, promotion gate, rollback, cluster, watch
#
# *Paper to Production* · workshop deck · about 90 minutes
#
# <small>Notebook: `lessons/07-shipping/07-shipping.ipynb`</small>

# %% slideshow={"slide_type": "skip"}
import json
import time
from datetime import datetime, timezone

from deckkit import *

from paper2prod import data

# %% [markdown] slideshow={"slide_type": "notes"}
# The course ends where products begin. The job ships exactly what lesson 06 decided (read from its
# decision.json) and keeps shipping it: bad files refused, worse models not served, one-command rollback.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A recommender is never finished
#
# - New ratings every day, new people, new films, machines that fail.
# - The notebook becomes a **program that runs every night** with nobody watching.
# - Its model must be traceable to its data; its lists must reach a page in milliseconds.
# - Someone must notice when the world has moved on from the model.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## One night in the life of a recommender
#
# | when | what | if it goes wrong |
# |---|---|---|
# | 02:00 | the scheduler starts the job with today's ratings | exit code ≠ 0: alert the person on call |
# | 02:01 | lesson 05's contract on the file: bad rows quarantined | more than 1% bad: exit 3, yesterday's version stays |
# | 02:05 | train lesson 06's model on each user's older 80%, NDCG@10 on their newest 20% | yesterday's version stays live |
# | 02:30 | gate: every criterion of 06's brief (its time budget only recorded), then not worse than the served version (paired interval) | the version is kept, not served; the log says why |
# | 02:35 | passed: refit on **all** the ratings, write version `2024-06-01`, serve it | yesterday's version stays live |
# | 07:00 | the site serves top 10 from a lookup | new users, and users without factors, get 06's fallback minus what they rated |
# | monthly | what users got, known and fallback users apart, against the launch interval | two bad months in a row: investigate, revisit the decision |

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 1 — promote or keep; roll back with one command
#
# - The challenger's NDCG per holdout user against the **served** version's, on the same users:
#   `compare(challenger, champion)`, a paired bootstrap.
# - Refuse only when the whole 95% interval of the difference is below 0; ties promote (fresher data).
# - Only a model that meets every criterion of lesson 06's brief gets this far (coverage, not worse
#   than popularity beyond the margin, nothing already rated, ...: `paper2prod.acceptance`); the time
#   budget is recorded, not gated.
# - `python serving.py --output recs rollback 2024-05-31` moves a pointer and deletes nothing.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 2 — from notebook to job
#
# | in the notebook | in the job |
# |---|---|
# | variables at the top of a cell | command-line arguments: `--input`, `--output`, `--model-version`, `--decision` |
# | `print` | logging: time, level, one line per event |
# | you see the red traceback | **the exit code**: 0 done, 1 failed, 2 usage, 3 bad input, 4 version exists |
# | you re-run a cell | versioned, all-or-nothing output |
#
# ```bash
# spark-submit nightly_recs.py --input ratings.csv --output recs/ \
#     --model-version 2024-06-01 --decision decision.json
# ```

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The same job on a real cluster
#
# ```bash
# python -m paper2prod.cluster start     # one master, two workers, on 127.0.0.1 only
# spark-submit --master spark://127.0.0.1:PORT nightly_recs.py ...   # only the master URL changes
# python -m paper2prod.cluster stop      # nothing stays behind
# ```
#
# - Same seed, same data: are the recommendations identical? If not, explain the differences.
# - On real machines: shared storage for input and output, the same Python on every worker.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 3 — a model you can trace

# %% tags=["hide-input"] jupyter={"source_hidden": true}
ratings_file = data.path("ml-latest-small") / "ratings.csv"
metadata = {
    "model_version": "2024-06-01",
    "data": {"file": ratings_file.name, "sha256": data.sha256_of(ratings_file)[:16] + "…", "rows": len(ratings())},
    "params": "every setting of lesson 06's decision (floor, k, fallback, ...)",
    "metrics": {"ndcg@10": "mean, low, high on the chronological holdout"},
    "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
}
say("```json\n{\n" + ",\n".join(f'  "{key}": {json.dumps(value, ensure_ascii=False)}' for key, value in metadata.items())
    + "\n}\n```")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Saved beside the model, under a versioned path. The server **refuses** a model whose metadata does
# not match what it expects (other data, or another decision: a different rating floor is enough),
# with a clear error.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Top-N within a latency budget

# %% tags=["hide-input"] jupyter={"source_hidden": true}
model = fit_als(ratings(), rank=10, reg=0.1, iterations=3, biases=False)
n_users = len(model.user_ids)
top = np.argsort(-(model.user_factors @ model.item_factors.T), axis=1)[:, :10]
lookup = {int(user): list(model.item_ids[row]) for user, row in zip(model.user_ids, top)}
fallback = list(per_film().nlargest(10, "n_ratings")["movieId"])
rng = np.random.default_rng(SEED)
requests = rng.choice(model.user_ids, size=2000)


def time_each(serve):
    spent = []
    for user in requests:
        started = time.perf_counter()
        serve(int(user))
        spent.append(time.perf_counter() - started)
    return np.array(spent) * 1000


def from_lookup(user):
    return lookup.get(user, fallback)


def on_demand(user):
    row = np.searchsorted(model.user_ids, user)
    scores = model.item_factors @ model.user_factors[row]
    best = np.argpartition(-scores, 10)[:10]
    return list(model.item_ids[best[np.argsort(-scores[best])]])


latency = {"precomputed lookup": time_each(from_lookup), "scoring on demand": time_each(on_demand)}
fig, ax = figure(11, 3.8)
for (name, spent), color in zip(latency.items(), [BLUE, ORANGE]):
    ax.hist(spent, bins=np.logspace(-4.5, 1, 60), color=color, alpha=0.8,
            label=f"{name}: p50 {np.percentile(spent, 50):.4f} ms, p99 {np.percentile(spent, 99):.3f} ms")
ax.set(xscale="log", xlabel="milliseconds per request (log scale)", ylabel="requests",
       title=f"{len(requests):,} requests for {n_users} users' top 10, on this machine")
ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=1)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Report **p50 and p99**, not the mean: one slow page in a hundred is a slow page every few seconds.
# Users the model does not know get 06's fallback (most-rated liked eligible films), minus anything they rated.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 4 — watch what users get

# %% tags=["hide-input"] jupyter={"source_hidden": true}
frame = ratings().assign(month=pd.to_datetime(ratings()["timestamp"], unit="s").dt.to_period("M"))
cutoff = pd.Period("2015-12", "M")
reference = frame[frame["month"] <= cutoff]
bins = np.arange(0.5, 5.01, 0.5)
expected = reference["rating"].value_counts(normalize=True).reindex(bins, fill_value=0).clip(lower=1e-4)
known_films = set(reference["movieId"])


def psi(month_ratings):
    """Population stability index of one month's ratings against the reference period."""
    actual = month_ratings.value_counts(normalize=True).reindex(bins, fill_value=0).clip(lower=1e-4)
    return float(((actual - expected) * np.log(actual / expected)).sum())


later = frame[frame["month"] > cutoff].groupby("month")
drift = pd.DataFrame({"n_ratings": later.size(), "psi": later["rating"].apply(psi),
                      "unseen_share": later["movieId"].apply(lambda films: float((~films.isin(known_films)).mean()))})
drift = drift[drift["n_ratings"] >= 200]
months = drift.index.to_timestamp()
fig, ax = figure(12, 3.1)
ax.plot(months, drift["psi"], "o-", color=BLUE, label="PSI of the rating distribution")
ax.plot(months, drift["unseen_share"], "s-", color=ORANGE, label="share of ratings of films the model never saw")
ax.axhline(0.25, color=RED, linestyle="--", label="PSI 0.25: a major shift (rule of thumb)")
ax.set(ylabel="score", title="ml-latest-small after the model's data ends (Dec 2015); months with 200+ ratings")
ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=12)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# With a dozen raters a month, PSI is mostly noise and the unseen share swings. Exercise 4 watches the
# launch model's monthly NDCG@10 against the launch interval measured on the holdout (known and
# fallback users apart): alert after two judged months in a row below it. At this volume it sees only
# large drops (the notebook simulates how large), and it watches the launch model, not what each
# night serves.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The runbook
#
# Written for someone who did not build the job, and is woken at 3 a.m. (graded with a rubric):
#
# 1. **Schedule**: what starts the job, with which command, how versions are named.
# 2. **Alerts**: at least three signals, each with a threshold, and who gets them.
# 3. **At 3 a.m.**: what users see meanwhile; read the exit code and the log; retry, roll back, or wait
#    until morning.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# - A job has arguments, logs and exit codes that mean something; its output is versioned and atomic.
# - Bad input is bad input: a contract, a quarantine, a tolerance, then exit 3.
# - Serve a new version only if it meets the brief and is not worse beyond the paired interval;
#   then refit it on all the data. Rollback moves a pointer.
# - The same code runs on a cluster by changing the master URL.
# - A model carries its data's checksum and its decision, and refuses to load when either does not match.
# - Precompute, serve from a lookup, report p50 and p99.
# - Watch what users get, with intervals; alert on persistence, not on one noisy month.
#
# **Further reading:** D. Sculley et al. (2015), *Hidden Technical Debt in Machine Learning Systems*,
# NeurIPS 28 · B. Beyer et al. (2016), *Site Reliability Engineering*, O'Reilly, ch. 6 and 11 ·
# Spark documentation, *Submitting Applications* and *Spark Standalone Mode*.
