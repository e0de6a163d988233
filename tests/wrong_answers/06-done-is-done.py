"""Typical wrong answers for 06-done-is-done (checked by tools/near_misses.py inside nbval's run of the solution,
which runs each wrong cell beside an otherwise correct notebook). Each mistake must cost exactly its own
test cell and show the hint a student would act on; the other cells keep full marks. Exercise 3 (ship) has one near miss per entry,
since they all replace the same cell."""

from tools.near_misses import single_cell

_SCOPE_BY_IMPACT = """
def choose_work(backlog, days):
    required = backlog[backlog["required"]]
    days_left = days - required["effort_days"].sum()
    if days_left < 0:
        raise ValueError("the required items do not fit")
    chosen = list(required.index)
    for index, row in backlog[~backlog["required"]].sort_values("impact", ascending=False).iterrows():
        if row["effort_days"] <= days_left:
            chosen.append(index)
            days_left -= row["effort_days"]
    return backlog.loc[chosen]


week_plan = choose_work(BACKLOG, DAYS_AVAILABLE)
out_of_scope = {item: f"{item} does not fit this week" for item in set(BACKLOG["item"]) - set(week_plan["item"])}
"""

_SCOPE_STOPS_AT_FIRST_MISFIT = _SCOPE_BY_IMPACT.replace(
    'sort_values("impact", ascending=False)',
    'assign(per_day=lambda b: b["impact"] / b["effort_days"]).sort_values("per_day", ascending=False)',
).replace(
    """            days_left -= row["effort_days"]
""",
    """            days_left -= row["effort_days"]
        else:
            break
""",
)

# Exercise 2a: the highest mean, whatever the interval; or a decided difference of either sign.
_SETTING_BEST_MEAN = """
def choose_setting(results, default):
    return max(results, key=lambda name: results[name].mean())
"""
_SETTING_EITHER_SIGN = """
def choose_setting(results, default):
    better = {name: scores.mean() for name, scores in results.items()
              if name != default and compare(scores, results[default]).decided}
    return max(better, key=better.get) if better else default
"""

_TIMEBOX = """
def should_stop(scores, min_gain):
    return len(scores) >= 2 and {gain}


def stopping_point(curve, min_gain):
    for steps in range(1, len(curve) + 1):
        if should_stop(curve[:steps], min_gain):
            return {steps}
    return len(curve)


def best_step(curve, steps_run):
    return {best}
"""
_RIGHT = dict(gain="scores[-1] - scores[-2] < min_gain", steps="steps", best="int(np.argmax(curve[:steps_run]))")

_ELBOW_IN_RAW_UNITS = """
def find_elbow(effort, quality):
    return int(np.argmax(np.asarray(quality, float) - np.asarray(effort, float)))
"""
_ELBOW_FROM_ONE = """
def find_elbow(effort, quality):
    x, y = np.asarray(effort, dtype=float), np.asarray(quality, dtype=float)
    x = (x - x.min()) / (x.max() - x.min())
    y = (y - y.min()) / (y.max() - y.min())
    return int(np.argmax(y - x)) + 1
"""

# Exercise 3: the reference job with one slip each.
_SHIP = """
def ship(spark, train, brief, decision):
    signals = {signals}
    model = fit_als(to_spark(spark, signals), decision.rank, alpha=decision.alpha)
    films = train.groupby("movieId")["rating"].agg(["size", "mean"])
    liked = films[{liked}]
    ranked = list(liked.sort_values("size", ascending=False, kind="stable").index)
    recommendations = top_k_unseen(model, seen={seen}, candidates=eligible_films(train, brief), k=brief.k{fallback})
    return Delivery(recommendations, ranked[: brief.k])
"""
_SHIP_RIGHT = dict(
    signals="implicit_signal(train, decision.signal, decision.rating_floor)",
    liked='(films["size"] >= brief.min_ratings) & (films["mean"] >= train["rating"].mean())',
    seen="train",
    fallback=", fallback=ranked",
)
_SHIP_EVERY_FILM = """
def ship(spark, train, brief, decision):
    model = fit_als(to_spark(spark, implicit_signal(train, decision.signal, decision.rating_floor)), decision.rank,
                    alpha=decision.alpha)
    best_average = train.groupby("movieId")["rating"].mean().sort_values(ascending=False, kind="stable")
    ranked = list(best_average.index)
    recommendations = top_k_unseen(model, seen=train, candidates=train["movieId"].unique(), k=brief.k,
                                   fallback=ranked)
    return Delivery(recommendations, ranked[: brief.k])
"""

_DONE = '''
def same_recommendations(a, b):
    {same}


known_limitations = [
    "New users all get the same list of films.",
    "Films with few ratings are never recommended at all.",
    "Quality was measured offline, not on real clicks.",{genre}
]
handover_readme = """# Films for you
## What it does
Top ten films for every user, popular films for new users.
{how}## Output
A Delivery with a userId, movieId, rank table and a new-user list.
## Acceptance
check_delivery must say ACCEPTED before every release.
## Known limitations
""" + "\\n".join(f"- {{line}}" for line in known_limitations)
'''
# The plan's genre-diversity re-ranking, written down as a limitation (format's genre=_GENRE), or left out.
_GENRE = '\n    "The planned genre-diversity re-ranking is not built yet.",'
_HOW = "## How to run\nCall ship(spark, train, Brief(), decision) with the cleaned ratings.\n"
_SAME = (
    "columns = ['userId', 'rank', 'movieId']\n    return bool(a[columns].astype('int64').sort_values(columns)"
    ".reset_index(drop=True).equals(b[columns].astype('int64').sort_values(columns).reset_index(drop=True)))"
)

# Exercise 1: ties in impact per day left in the backlog's order (a stable sort on per_day alone).
_SCOPE_TIES_IN_INPUT_ORDER = _SCOPE_BY_IMPACT.replace(
    'sort_values("impact", ascending=False)',
    'assign(per_day=lambda b: b["impact"] / b["effort_days"]).sort_values("per_day", ascending=False, kind="stable")',
)
# Exercise 2a: the first candidate that qualifies, not the one with the highest mean.
_SETTING_FIRST_QUALIFIER = """
def choose_setting(results, default):
    for name, scores in results.items():
        difference = compare(scores, results[default])
        if name != default and difference.decided and difference.mean > 0:
            return name
    return default
"""
# Exercise 4: a dtype-strict comparison (int32 against int64 counts as different).
_SAME_STRICT_DTYPE = (
    "columns = ['userId', 'rank', 'movieId']\n    return bool(a[columns].sort_values(columns)"
    ".reset_index(drop=True).equals(b[columns].sort_values(columns).reset_index(drop=True)))"
)
# Exercise 1: raising when the required items fill the days exactly (<= instead of <).
_SCOPE_RAISES_WHEN_FULL = _SCOPE_BY_IMPACT.replace("if days_left < 0:", "if days_left <= 0:").replace(
    'sort_values("impact", ascending=False)',
    'assign(per_day=lambda b: b["impact"] / b["effort_days"])'
    '.sort_values(["per_day", "effort_days"], ascending=[False, True], kind="stable")',
)
# Exercise 2a: each candidate against the best so far (not the default); or ranked by the interval's low end.
_SETTING_AGAINST_BEST_SO_FAR = """
def choose_setting(results, default):
    best = default
    for name, scores in results.items():
        difference = compare(scores, results[best])
        if name != best and difference.decided and difference.mean > 0:
            best = name
    return best
"""
_SETTING_BY_LOW_END = """
def choose_setting(results, default):
    low = {name: compare(scores, results[default]).low for name, scores in results.items() if name != default}
    better = {name: value for name, value in low.items() if value > 0}
    return max(better, key=better.get) if better else default
"""
# Exercise 4: a merge counts matching pairs, so a duplicated row can stand in for a missing one.
_SAME_BY_MERGE = "return len(a.merge(b, on=['userId', 'movieId', 'rank'])) == len(a) == len(b)"
# Exercise 6: ties in y' - x' broken towards the later point.
_ELBOW_LAST_ON_TIE = """
def find_elbow(effort, quality):
    x, y = np.asarray(effort, dtype=float), np.asarray(quality, dtype=float)
    x = (x - x.min()) / (x.max() - x.min())
    y = (y - y.min()) / (y.max() - y.min())
    gap = y - x
    return int(len(gap) - 1 - np.argmax(gap[::-1]))
"""

# Near misses of the right rule (each checked against the hidden tests; see docs/lessons/06-done-is-done.md).
_SCOPE_RULE = """
def choose_work(backlog, days):
    required = backlog[backlog["required"]]
    days_left = days - required["effort_days"].sum()
    if days_left < 0:
        raise ValueError("the required items do not fit")
    optional = backlog[~backlog["required"]].assign(per_day=lambda b: b["impact"] / b["effort_days"])
    optional = optional.sort_values(["per_day", "effort_days"], ascending=[False, True], kind="stable")
    chosen = list(required.index)
    for index, row in optional.iterrows():
        if row["effort_days"] <= days_left:
            chosen.append(index)
            days_left -= row["effort_days"]
    return backlog.loc[chosen]


week_plan = choose_work(BACKLOG, DAYS_AVAILABLE)
out_of_scope = {item: f"{item} does not fit this week" for item in set(BACKLOG["item"]) - set(week_plan["item"])}
"""
# Exercise 1: an item that fills the days left exactly does not "fit" (< instead of <=).
_SCOPE_STRICT_FIT = _SCOPE_RULE.replace('row["effort_days"] <= days_left', 'row["effort_days"] < days_left')
# Exercise 1: the greedy pass runs over the whole backlog, so a required item is taken (and paid for) twice.
_SCOPE_REQUIRED_AGAIN = _SCOPE_RULE.replace('optional = backlog[~backlog["required"]]', "optional = backlog")
# Exercise 1: the required items' days are never subtracted from the days left.
_SCOPE_DAYS_NOT_REDUCED = _SCOPE_RULE.replace(
    """days_left = days - required["effort_days"].sum()
    if days_left < 0:""",
    """days_left = days
    if required["effort_days"].sum() > days:""",
)
# Exercise 2a: "better by more than the noise" read as two separate intervals that do not overlap (unpaired).
_SETTING_UNPAIRED = """
def choose_setting(results, default):
    better = {name: scores.mean() for name, scores in results.items()
              if name != default and bootstrap_interval(scores).low > bootstrap_interval(results[default]).high}
    return max(better, key=better.get) if better else default
"""
# Exercise 2a: max over the qualifying keys, not over their means (right whenever the largest key wins).
_SETTING_LARGEST_KEY = """
def choose_setting(results, default):
    better = {name: scores.mean() for name, scores in results.items()
              if name != default and compare(scores, results[default]).decided
              and compare(scores, results[default]).mean > 0}
    return max(better) if better else default
"""
# Exercise 2b: the rule waits for three scores; the best step leaves out the one the rule stopped at.
_TIMEBOX_THREE_SCORES_BEST_BEFORE_STOP = _TIMEBOX.format(
    **{**_RIGHT, "best": "int(np.argmax(curve[: max(steps_run - 1, 1)]))"}
).replace("len(scores) >= 2", "len(scores) > 2")
# Exercise 4: rows compared as sets, so which row is duplicated does not count.
_SAME_AS_SETS = (
    "columns = ['userId', 'rank', 'movieId']\n    tidy = [set(map(tuple, frame[columns].astype('int64').to_numpy())) "
    "for frame in (a, b)]\n    return tidy[0] == tidy[1]"
)
# Exercise 6: rescaled by the first and last points (the chord's ends) instead of each axis's min and max;
# the distance from the chord on either side; or each axis divided by its maximum alone.
_ELBOW_FIRST_LAST = """
def find_elbow(effort, quality):
    x, y = np.asarray(effort, dtype=float), np.asarray(quality, dtype=float)
    x = (x - x[0]) / (x[-1] - x[0])
    y = (y - y[0]) / (y[-1] - y[0])
    return int(np.argmax(y - x))
"""
_ELBOW_EITHER_SIDE = """
def find_elbow(effort, quality):
    x, y = np.asarray(effort, dtype=float), np.asarray(quality, dtype=float)
    x = (x - x.min()) / (x.max() - x.min())
    y = (y - y.min()) / (y.max() - y.min())
    return int(np.argmax(np.abs(y - x)))
"""
_ELBOW_BY_MAX = """
def find_elbow(effort, quality):
    x, y = np.asarray(effort, dtype=float), np.asarray(quality, dtype=float)
    return int(np.argmax(y / y.max() - x / x.max()))
"""

WRONG_ANSWERS = [
    dict(
        name="planning-slips",
        cells={
            "ex1_scope": _SCOPE_BY_IMPACT,
            "ex2_setting": _SETTING_BEST_MEAN,
            "ex2_timebox": _TIMEBOX.format(**{**_RIGHT, "gain": "abs(scores[-1] - scores[-2]) < min_gain"}),
            "ex3_ship": _SHIP.format(**{**_SHIP_RIGHT, "seen": "signals"}),
            "ex6_elbow": _ELBOW_IN_RAW_UNITS,
            "ex4_done": _DONE.format(genre=_GENRE, same=_SAME_AS_SETS, how=_HOW),
        },
        loses=[
            "ex1_choose_check",
            "ex2_setting_check",
            "ex2_rule_check",
            "ex3_ship_check",
            "ex6_elbow_check",
            "ex4_same_check",
        ],
        says={
            "ex1_choose_check": "rank by impact per day",
            "ex2_setting_check": "within the noise",
            "ex2_rule_check": "Did you take an absolute value?",
            "ex3_ship_check": "pass all of train as `seen`",
            "ex6_elbow_check": "Rescale both axes to 0..1 first",
            "ex4_same_check": "not sets of rows",
        },
    ),
    dict(
        name="shipping-slips",
        cells={
            "ex3_ship": _SHIP_EVERY_FILM,
            "ex2_setting": _SETTING_EITHER_SIGN,
            "ex2_timebox": _TIMEBOX.format(**{**_RIGHT, "best": "steps_run - 1"}),
            "ex4_done": _DONE.format(genre=_GENRE, same="return bool(a.equals(b))", how=_HOW),
            "ex1_scope": _SCOPE_STRICT_FIT,
            "ex6_elbow": _ELBOW_FIRST_LAST,
        },
        loses=[
            "ex3_ship_check",
            "ex2_setting_check",
            "ex2_best_check",
            "ex4_same_check",
            "ex1_choose_check",
            "ex6_elbow_check",
        ],
        says={
            "ex3_ship_check": "Score only eligible films",
            "ex2_setting_check": "decidedly worse than the default",
            "ex2_best_check": "Keep the best one",
            "ex4_same_check": "sort by user and rank",
            "ex1_choose_check": "<=, not <",
            "ex6_elbow_check": "not by the first and last points",
        },
    ),
    dict(
        name="counting-slips",
        cells={
            "ex1_scope": _SCOPE_STOPS_AT_FIRST_MISFIT,
            "ex2_setting": _SETTING_AGAINST_BEST_SO_FAR,
            "ex2_timebox": _TIMEBOX.format(**{**_RIGHT, "steps": "steps - 1"}),
            "ex3_ship": _SHIP.format(**{**_SHIP_RIGHT, "fallback": ""}),
            "ex4_done": _DONE.format(genre=_GENRE, same=_SAME, how=""),
            "ex6_elbow": _ELBOW_FROM_ONE,
        },
        loses=[
            "ex1_choose_check",
            "ex2_setting_check",
            "ex2_rule_check",
            "ex3_ship_check",
            "ex4_readme_check",
            "ex6_elbow_check",
        ],
        says={
            "ex1_choose_check": "stopped at the first item that did not fit",
            "ex2_setting_check": "each candidate is judged against the DEFAULT",
            "ex2_rule_check": "so count it: 4",
            "ex3_ship_check": "the WHOLE new-user ranking",
            "ex4_readme_check": "no '## How to run' section",
            "ex6_elbow_check": "one past the elbow",
        },
    ),
    dict(
        name="edge-slips",
        cells={
            "ex2_setting": _SETTING_BY_LOW_END,
            "ex2_timebox": _TIMEBOX.format(**{**_RIGHT, "gain": "scores[-1] - scores[-2] <= min_gain"}),
            "ex3_ship": _SHIP.format(**{**_SHIP_RIGHT, "liked": '(films["size"] >= brief.min_ratings)'}),
            "ex4_done": _DONE.format(genre=_GENRE, same=_SAME_BY_MERGE, how=_HOW),
            "ex1_scope": _SCOPE_REQUIRED_AGAIN,
            "ex6_elbow": _ELBOW_EITHER_SIDE,
        },
        loses=[
            "ex2_setting_check",
            "ex2_rule_check",
            "ex3_ship_check",
            "ex4_same_check",
            "ex1_choose_check",
            "ex6_elbow_check",
        ],
        says={
            "ex2_setting_check": "not by the interval's lower end",
            "ex2_rule_check": "compare with <, not <=",
            "ex4_same_check": "a merge counts the pairs",
            "ex3_ship_check": "film 1 is the most rated but averages 1 star",
            "ex1_choose_check": "take the required items once",
            "ex6_elbow_check": "not furthest from it",
        },
    ),
    dict(
        name="model-slips",
        cells={
            "ex2_timebox": _TIMEBOX.format(**{**_RIGHT, "best": "int(np.argmax(curve))"}),
            "ex3_ship": _SHIP.format(**{**_SHIP_RIGHT, "signals": "train"}),
            "ex6_elbow": _ELBOW_LAST_ON_TIE,
            "ex1_scope": _SCOPE_DAYS_NOT_REDUCED,
            "ex2_setting": _SETTING_UNPAIRED,
        },
        loses=["ex2_best_check", "ex3_ship_check", "ex6_elbow_check", "ex1_choose_check", "ex2_setting_check"],
        says={
            "ex2_best_check": "the 0.9 was never measured",
            "ex3_ship_check": "match the decided model",
            "ex6_elbow_check": "on a tie, the first one",
            "ex1_choose_check": "the required items use days too",
            "ex2_setting_check": "not by whether two separate intervals overlap",
        },
    ),
    dict(
        name="liking-slips",
        cells={
            "ex1_scope": _SCOPE_RAISES_WHEN_FULL,
            "ex3_ship": _SHIP.format(
                **{
                    **_SHIP_RIGHT,
                    "liked": '(films["size"] >= brief.min_ratings) & (films["mean"] >= films["mean"].mean())',
                }
            ),
            "ex2_setting": _SETTING_LARGEST_KEY,
            "ex2_timebox": _TIMEBOX_THREE_SCORES_BEST_BEFORE_STOP,
        },
        loses=["ex1_choose_check", "ex3_ship_check", "ex2_setting_check", "ex2_rule_check", "ex2_best_check"],
        says={
            "ex1_choose_check": "raise only when they need MORE days",
            "ex3_ship_check": "not the average of film averages",
            "ex2_setting_check": "not the largest key",
            "ex2_rule_check": "not > 2",
            "ex2_best_check": "the last one included",
        },
    ),
    dict(
        name="near-miss-slips",
        cells={
            "ex1_scope": _SCOPE_TIES_IN_INPUT_ORDER,
            "ex2_setting": _SETTING_FIRST_QUALIFIER,
            "ex2_timebox": _TIMEBOX.format(**{**_RIGHT, "gain": "scores[-1] - max(scores[:-1]) < min_gain"}),
            "ex3_ship": _SHIP.format(**{**_SHIP_RIGHT, "fallback": ", fallback=ranked[: brief.k]"}),
            "ex4_done": _DONE.format(genre=_GENRE, same=_SAME_STRICT_DTYPE, how=_HOW),
            "ex6_elbow": _ELBOW_BY_MAX,
        },
        loses=[
            "ex1_choose_check",
            "ex2_setting_check",
            "ex2_rule_check",
            "ex3_ship_check",
            "ex4_same_check",
            "ex6_elbow_check",
        ],
        says={
            "ex1_choose_check": "the tie goes to the smaller effort",
            "ex2_setting_check": "the larger mean wins",
            "ex2_rule_check": "not with the best score so far",
            "ex3_ship_check": "the WHOLE new-user ranking",
            "ex4_same_check": "int32",
            "ex6_elbow_check": "Did you divide by the maximum alone?",
        },
    ),
]


# ---------------------------------------------------------------- Exercise 3's near misses
# One entry each, a single cell: the reference job with one slip. Each costs a run of Exercise 3's checks (an ALS
# fit on MovieLens, about 6 s in a loaded run).
def _ship(old="", new="", **fields):
    """The reference job with some fields of _SHIP changed and old replaced by new (old must be there)."""
    source = _SHIP.format(**{**_SHIP_RIGHT, **fields})
    assert old in source, f"{old!r} is not in the reference job"
    return source.replace(old, new)


_FILMS_LINE = 'films = train.groupby("movieId")["rating"].agg(["size", "mean"])'

_SIGNAL_FILMS_LINE = _FILMS_LINE.replace(
    "train.groupby", "implicit_signal(train, decision.signal, decision.rating_floor).groupby"
)
_SHIP_SLIPS = [  # (name, the reference job with the slip, the hint ex3_ship_check must show)
    (
        "ship-liked-counted-per-rating",
        _ship(
            _FILMS_LINE,
            'films = train[train["rating"] >= train["rating"].mean()].groupby("movieId")["rating"].agg(["size", "mean"])',
            liked='films["size"] >= brief.min_ratings',
        ),
        "group by film first",
    ),
    (
        "ship-more-than-min-ratings",
        _ship(liked='(films["size"] > brief.min_ratings) & (films["mean"] >= train["rating"].mean())'),
        "(>=, not >)",
    ),
    (
        "ship-new-users-without-min-ratings",
        _ship(liked='films["mean"] >= train["rating"].mean()'),
        "fewer than brief.min_ratings",
    ),
    (
        "ship-ranking-over-the-signal",
        _ship(_FILMS_LINE, _SIGNAL_FILMS_LINE),
        "A new user's list: films with at least brief.min_ratings ratings",
    ),
    (
        "ship-above-the-average",
        _ship(liked='(films["size"] >= brief.min_ratings) & (films["mean"] > train["rating"].mean())'),
        "at least (>=) the overall average",
    ),
    ("ship-ranked-by-average", _ship('liked.sort_values("size"', 'liked.sort_values("mean"'), "most-rated first"),
    (
        "ship-liked-films-as-candidates",
        _ship("candidates=eligible_films(train, brief)", "candidates=list(liked.index)"),
        "eligible_films",
    ),
]
WRONG_ANSWERS += single_cell("ex3_ship", *_SHIP_SLIPS)

# Found by a student working from a class copy: both got "Looks good" from the visible checks.
_ELBOW_CURVATURE = """
def find_elbow(effort, quality):
    x, y = np.asarray(effort, dtype=float), np.asarray(quality, dtype=float)
    x = (x - x.min()) / (x.max() - x.min())
    y = (y - y.min()) / (y.max() - y.min())
    slopes = np.diff(y) / np.diff(x)
    return int(np.argmax(-np.diff(slopes))) + 1
"""
WRONG_ANSWERS += [
    dict(
        name="best-step-later-on-tie",
        cell="ex2_timebox",
        source=_TIMEBOX.format(
            **{**_RIGHT, "best": "int(steps_run - 1 - np.argmax(np.asarray(curve[:steps_run])[::-1]))"}
        ),
        loses=["ex2_best_check"],
        says="on a tie, the earlier (cheaper) step",
    ),
    dict(
        name="elbow-by-curvature",
        cell="ex6_elbow",
        source=_ELBOW_CURVATURE,
        loses=["ex6_elbow_check"],
        says="the sharpest bend",
    ),
]

# Near misses a third pass found scoring full marks (cheap: no fit in their segments).
_SCOPE_MUTATES = _SCOPE_RULE.replace(
    """    optional = backlog[~backlog["required"]].assign(per_day=lambda b: b["impact"] / b["effort_days"])
""",
    """    backlog["per_day"] = backlog["impact"] / backlog["effort_days"]
    optional = backlog[~backlog["required"]]
""",
)
_SCOPE_EXTRA_COLUMN = _SCOPE_RULE.replace("    chosen = list(required.index)\n", "    chosen = []\n").replace(
    "    return backlog.loc[chosen]", "    return pd.concat([required, optional.loc[chosen]])"
)
_SCOPE_BY_POSITION = _SCOPE_RULE.replace("return backlog.loc[chosen]", "return backlog.iloc[chosen]")
_SCOPE_ROUNDED = _SCOPE_RULE.replace('b["impact"] / b["effort_days"]', 'round(b["impact"] / b["effort_days"], 1)')
_ELBOW_INNER_ONLY = """
def find_elbow(effort, quality):
    x, y = np.asarray(effort, dtype=float), np.asarray(quality, dtype=float)
    x = (x - x.min()) / (x.max() - x.min())
    y = (y - y.min()) / (y.max() - y.min())
    return int(np.argmax((y - x)[1:-1])) + 1
"""
for _template in (_SCOPE_MUTATES, _SCOPE_EXTRA_COLUMN, _SCOPE_BY_POSITION, _SCOPE_ROUNDED):
    assert _template != _SCOPE_RULE, "the template changed: update this wrong answer"
WRONG_ANSWERS += single_cell(
    "ex1_scope",
    ("scope-writes-into-the-backlog", _SCOPE_MUTATES, "changed the backlog it was given"),
    ("scope-returns-an-extra-column", _SCOPE_EXTRA_COLUMN, "should return rows with the backlog's columns"),
    ("scope-rows-by-position", _SCOPE_BY_POSITION, "not by position (iloc)"),
    ("scope-impact-per-day-rounded", _SCOPE_ROUNDED, "Compare impact per day unrounded"),
    (
        "scope-raises-runtime-error",
        _SCOPE_RULE.replace("raise ValueError(", "raise RuntimeError("),
        "raise ValueError, the error",
    ),
    check="ex1_choose_check",
)
WRONG_ANSWERS += single_cell("ex6_elbow", ("elbow-inner-points-only", _ELBOW_INNER_ONLY, "the ends are candidates too"))
_SETTING_PAIRED_BY_POSITION = """
def choose_setting(results, default):
    base = results[default].reset_index(drop=True)
    better = {}
    for name, scores in results.items():
        difference = compare(scores.reset_index(drop=True), base)
        if name != default and difference.decided and difference.mean > 0:
            better[name] = scores.mean()
    return max(better, key=better.get) if better else default
"""
_SETTING_OWN_INTERVAL = """
def choose_setting(results, default):
    better = {name: scores.mean() for name, scores in results.items()
              if name != default and bootstrap_interval(scores).low > results[default].mean()}
    return max(better, key=better.get) if better else default
"""
WRONG_ANSWERS += single_cell(
    "ex2_setting",
    ("setting-paired-by-position", _SETTING_PAIRED_BY_POSITION, "do not reset or reorder the index"),
    ("setting-own-interval-above-default-mean", _SETTING_OWN_INTERVAL, "not each setting's own interval"),
)

# same_recommendations sorted by the user alone (rows of one user stay in the order they came), and whole rows
# compared in each frame's own column order.
_SAME_BY_USER = _SAME.replace(".sort_values(columns)", ".sort_values('userId')")
_SAME_OWN_COLUMN_ORDER = (
    "return bool(a.astype('int64').sort_values(list(a.columns)).reset_index(drop=True)"
    ".equals(b.astype('int64').sort_values(list(b.columns)).reset_index(drop=True)))"
)
assert _SAME_BY_USER.count("sort_values('userId')") == 2
WRONG_ANSWERS += single_cell(
    "ex4_done",
    ("same-sorted-by-user-alone", _DONE.format(genre=_GENRE, same=_SAME_BY_USER, how=_HOW), "not by the user alone"),
    (
        "same-in-own-column-order",
        _DONE.format(genre=_GENRE, same=_SAME_OWN_COLUMN_ORDER, how=_HOW),
        "select userId, movieId and rank by name",
    ),
    check="ex4_same_check",
)
# The hand-over without the plan's genre-diversity re-ranking among its known limitations.
WRONG_ANSWERS += single_cell(
    "ex4_done",
    ("limitations-without-the-unbuilt-genre-item", _DONE.format(genre="", same=_SAME, how=_HOW), "genre-diversity"),
    check="ex4_readme_check",
)
