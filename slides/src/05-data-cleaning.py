# %% [markdown] slideshow={"slide_type": "slide"}
# # Lesson 05 — Data cleaning
# ## Clean a messy export of real ratings with Spark, and lose nothing
#
# *Paper to Production* · workshop deck · about 90 minutes (two hours if Spark is new)
#
# <small>Notebook: `lessons/05-data-cleaning/05-data-cleaning.ipynb`</small>

# %% slideshow={"slide_type": "skip"}
import io

from deckkit import *

# The lesson's messy export (seed 0), made by the course's own generator from the real ratings.
export = messy_export().generate(seed=0)
raw = pd.read_csv(io.StringIO(export.ratings_csv), dtype=str, on_bad_lines="skip")

# %% [markdown] slideshow={"slide_type": "notes"}
# "It's a CSV, how hard can it be?" Research data sets arrive cleaned by someone else. Product data
# arrives from a database export, several clients and the odd script. The rule of the lesson: every
# input row ends in the clean table or in quarantine with a reason. Nothing disappears quietly.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## It's a CSV, how hard can it be?
#
# ml-latest-small was cleaned by GroupLens before anyone downloaded it. A product's export was not:
#
# - duplicate rows, and a user who re-rated a film (the **latest** rating counts)
# - one client that wrote ratings on a **0–10** scale; empty, non-numeric, out-of-range ratings
# - timestamps in milliseconds, as ISO strings, in the future
# - films that do not exist; user ids with another system's prefix; lines with the wrong number of fields
# - titles with broken accents; genres in every spelling; a bot; test accounts
#
# The lesson's export: the real ratings with these faults planted by `paper2prod/messy_export.py`, and
# a sealed manifest of every one (for the graders, not for you).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 1 — profile before you clean
#
# Counts, distributions, what looks wrong: a checklist you fill in with numbers.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
stars = pd.to_numeric(raw["rating"], errors="coerce")
fig, (left, right) = figure(12, 3.6, ncols=2)
for ax, rows, title, color in [(left, raw["client"] != "tv", "web, android and ios clients", BLUE),
                               (right, raw["client"] == "tv", "the tv client", ORANGE)]:
    counts = stars[rows & stars.between(0, 10)].value_counts().sort_index()
    ax.bar(counts.index, counts.values, width=0.35, color=color)
    ax.set(title=f"{title}: {int(rows.sum()):,} rows", xlabel="rating as exported")
    thousands(ax.yaxis)
left.set_ylabel("rows")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# A histogram by client finds in a second what an overall mean hides: one client rates out of 10.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Profiling finds people, too

# %% tags=["hide-input"] jupyter={"source_hidden": true}
frame = ratings()
busiest = frame.groupby(["userId", frame["timestamp"] // 60]).size().groupby("userId").max().sort_values()
fig, ax = figure(11, 3.9)
ax.plot(np.arange(1, busiest.size + 1), busiest.values, color=BLUE, linewidth=2.5)
top_user, top_count = busiest.index[-1], busiest.iloc[-1]
ax.annotate(f"user {top_user}: {top_count} ratings in one minute", (busiest.size, top_count),
            xytext=(-30, -10), textcoords="offset points", ha="right", color=RED, fontsize=14)
ax.set(yscale="log", xlabel="users, fewest first", ylabel="most ratings in one minute (log)",
       title="ml-latest-small, real data: how fast does each user rate?")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# A bulk import or a bot: not a person's taste. The export adds a bot and test accounts to find.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises 2 and 3 — parse, validate, reconcile
#
# ```python
# raw = (spark.read.schema(schema_with_corrupt_column)
#        .option("mode", "PERMISSIVE")
#        .option("columnNameOfCorruptRecord", "_corrupt_record")
#        .csv(export_path, header=True))
# ```
#
# - Every input row ends in **clean**, or in **quarantine** with a machine-readable `reason`.
# - Reconciliation proves it: input rows = clean rows + quarantined rows, per reason.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Lose nothing: the reconciliation

# %% tags=["hide-input"] jupyter={"source_hidden": true}
rng = np.random.default_rng(SEED)
sample = ratings().sample(3000, random_state=SEED).reset_index(drop=True)
known_films = set(movies()["movieId"])
faults = rng.choice(["duplicate", "rating out of range", "unknown film", "timestamp in the future"], size=120)
rows = rng.choice(len(sample), size=faults.size, replace=False)
planted = sample.copy()
for row, fault in zip(rows, faults):
    if fault == "rating out of range":
        planted.loc[row, "rating"] = 11.0
    elif fault == "unknown film":
        planted.loc[row, "movieId"] = 999_999
    elif fault == "timestamp in the future":
        planted.loc[row, "timestamp"] = 4_102_444_800  # 2100-01-01
duplicates = planted.iloc[rows[faults == "duplicate"]]
demo = pd.concat([planted, duplicates], ignore_index=True)

reason = pd.Series("clean", index=demo.index)
reason[demo.duplicated()] = "duplicate"
reason[~demo["rating"].between(0.5, 5)] = "rating out of range"
reason[~demo["movieId"].isin(known_films)] = "unknown film"
reason[demo["timestamp"] > pd.Timestamp.now().timestamp()] = "timestamp in the future"
tally = reason.value_counts()
fig, ax = figure(11, 3.0)
left = 0
for (label, size), color in zip(tally.items(), [BLUE, ORANGE, RED, GREEN, GREY]):
    ax.barh([0], [size], left=left, color=color, label=f"{label}: {size:,}")
    left += size
ax.set(yticks=[], xlim=(0, len(demo)), xlabel="rows",
       title=f"{len(demo):,} input rows = {tally.sum():,} accounted for ({tally['clean']:,} clean)")
thousands(ax.xaxis)
ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.5), ncol=3, fontsize=12)
plt.show()
assert tally.sum() == len(demo)  # the reconciliation itself

# %% [markdown] slideshow={"slide_type": "notes"}
# A small demonstration with pandas on 3,000 real ratings and 120 planted faults, made when the deck is
# built. The lesson does the same with Spark on the full export and checks it against the manifest.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises 4 and 5 — repair what can be repaired, resolve the rest

# %% tags=["hide-input"] jupyter={"source_hidden": true}
accented = movies().loc[~movies()["title"].map(str.isascii), "title"]
mangled = accented[accented.str.len().sort_values(kind="stable").index]  # the shortest fit a slide
say("| fault | repair |\n|---|---|\n"
    "| the 0–10 client | divide its ratings by 2 |\n"
    "| timestamps in ms, ISO strings | convert to seconds since 1970 |\n"
    "| re-ratings | keep the latest per (user, film) |\n"
    "| genres `sci-fi`, `Sci Fi` | one spelling: `Sci-Fi` |\n"
    + "".join(f"| `{t.encode('utf-8').decode('latin-1')}` | `{t}` |\n" for t in mangled.head(2)))

# %% [markdown] slideshow={"slide_type": "fragment"}
# The film catalogue (mangled titles, unquoted commas, genre spellings) is repaired in a worked example
# the notebook walks through. What cannot be repaired is dropped **with a reason**, never silently. The hidden tests run your
# cleaning on a fresh export with another seed: 99% of planted faults handled, no clean row lost.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Time zones: the classic cleaning bug
#
# `"2015-03-04 12:34:56"` has no zone. `try_cast("timestamp")` reads it in `spark.sql.session.timeZone`,
# by default the machine's own zone; the course's `get_spark` sets UTC.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
import datetime
from zoneinfo import ZoneInfo

text = "2015-03-04 12:34:56"
rows = [(zone, int(datetime.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()))
        for zone in ("UTC", "America/New_York", "Europe/Berlin")]
table = "".join(f"| {zone} | {seconds:,} |\n" for zone, seconds in rows)
say("| session time zone | seconds since 1970 |\n|---|---|\n" + table
    + "\nThe same string, three moments. A string ending in `Z` is the same moment everywhere.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 6 — a data contract
#
# Checks the clean table must pass before any training starts, and that fail **loudly**:
#
# - schema: the columns and types expected;
# - ranges: ratings 0.5–5 in half steps, timestamps not in the future;
# - uniqueness: one rating per (user, film);
# - referential integrity: every film exists in the films table.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise 7 — does cleaning matter?
#
# Train lesson 04's model (rank 10, `regParam` 0.2, 8 iterations; top 10 from films with at least 100
# ratings, 04's threshold) twice, on raw-but-parseable data and on the cleaned data:
#
# - count what "drop what does not parse" throws away: good rows, whole users;
# - compare the RMSE on the same held-out ratings: each user's latest fifth (the course's split);
# - compare the lesson-04 persona's top 10;
# - write what changed, and what you would have shipped without the cleaning.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["debrief"]
# ## Debrief — what the manifest says was planted (seed 0)

# %% tags=["hide-input"] jupyter={"source_hidden": true}
kinds = export.manifest.groupby(["outcome", "kind"]).size()
fig, axes = figure(12, 4.6, ncols=2, sharex=True, layout="constrained")
for ax, outcome, color, title in [(axes[0], "quarantine", RED, "quarantined, with a reason"),
                                  (axes[1], "clean", GREEN, "repaired and kept")]:
    part = kinds[outcome].sort_values()
    ax.barh(part.index.str.replace("_", " "), part.values, color=color)
    ax.set(xscale="log", title=f"{title}: {part.sum():,}", xlabel="rows or films (log)")
    ax.tick_params(axis="y", labelsize=12)
    thousands(ax.xaxis)
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Show after the exercises. The manifest is the answer key the hidden tests use, with another seed.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# - Profile first: histograms and counts find faults that means hide.
# - Every row ends clean or quarantined with a reason; a reconciliation proves nothing was lost.
# - Repair what has a clear meaning; quarantine the rest.
# - A data contract stops bad data before training, not after a complaint.
#
# **Further reading:** H. Wickham (2014), *Tidy Data*, Journal of Statistical Software 59(10) ·
# E. Breck et al. (2019), *Data Validation for Machine Learning*, MLSys 2019 · Spark documentation,
# *CSV Files* (read modes and the corrupt-record column).
