"""Typical wrong answers for 06-done-is-done, bundled three to a submission (each
submission is a whole notebook run). Each mistake must cost exactly its own test
cell and show the hint a student would act on; the other cells keep full marks."""

_SCOPE_BY_IMPACT = '''
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
'''

_SCOPE_STOPS_AT_FIRST_MISFIT = _SCOPE_BY_IMPACT.replace(
    'sort_values("impact", ascending=False)',
    'assign(per_day=lambda b: b["impact"] / b["effort_days"]).sort_values("per_day", ascending=False)',
).replace("""            days_left -= row["effort_days"]
""", """            days_left -= row["effort_days"]
        else:
            break
""")

_TIMEBOX = '''
MIN_GAIN = 0.005


def should_stop(scores, min_gain):
    return len(scores) >= 2 and {gain} < min_gain


def stopping_point(curve, min_gain):
    for steps in range(1, len(curve) + 1):
        if should_stop(curve[:steps], min_gain):
            return {steps}
    return len(curve)


def best_step(curve, steps_run):
    return {best}
'''
_RIGHT = dict(gain="scores[-1] - scores[-2]", steps="steps", best="int(np.argmax(curve[:steps_run]))")

_ELBOW_IN_RAW_UNITS = '''
def find_elbow(effort, quality):
    return int(np.argmax(np.asarray(quality, float) - np.asarray(effort, float)))
'''

_SHIP_EVERY_FILM = '''
def ship(spark, train, brief, rank):
    model = fit_als(to_spark(spark, train), rank)
    recommendations = top_k_unseen(model, seen=train, candidates=train["movieId"].unique(), k=brief.k)
    best_average = train.groupby("movieId")["rating"].mean().sort_values(ascending=False, kind="stable")
    return Delivery(recommendations, list(best_average.index[: brief.k]))
'''

_DONE = '''
def same_recommendations(a, b):
    {same}


known_limitations = [
    "New users all get the same list of films.",
    "Films with few ratings are never recommended at all.",
    "Quality was measured offline, not on real clicks.",
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
_HOW = "## How to run\nCall ship(spark, train, Brief(), rank) with the cleaned ratings.\n"
_SAME = ("columns = ['userId', 'rank', 'movieId']\n    return bool(a[columns].astype('int64').sort_values(columns)"
         ".reset_index(drop=True).equals(b[columns].astype('int64').sort_values(columns).reset_index(drop=True)))")

WRONG_ANSWERS = [
    dict(name="planning-slips",
         cells={"ex1_scope": _SCOPE_BY_IMPACT,
                "ex2_timebox": _TIMEBOX.format(**{**_RIGHT, "gain": "abs(scores[-1] - scores[-2])"}),
                "ex6_elbow": _ELBOW_IN_RAW_UNITS},
         loses=["ex1_choose_check", "ex2_rule_check", "ex6_elbow_check"],
         says={"ex1_choose_check": "rank by impact per day",
               "ex2_rule_check": "Did you take an absolute value?",
               "ex6_elbow_check": "Rescale both axes to 0..1 first"}),
    dict(name="shipping-slips",
         cells={"ex3_ship": _SHIP_EVERY_FILM,
                "ex2_timebox": _TIMEBOX.format(**{**_RIGHT, "best": "steps_run - 1"}),
                "ex4_done": _DONE.format(same="return bool(a.equals(b))", how=_HOW)},
         loses=["ex3_ship_check", "ex2_best_check", "ex4_same_check"],
         says={"ex3_ship_check": "Score only eligible films",
               "ex2_best_check": "Keep the best one",
               "ex4_same_check": "sort by user and rank"}),
    dict(name="counting-slips",
         cells={"ex1_scope": _SCOPE_STOPS_AT_FIRST_MISFIT,
                "ex2_timebox": _TIMEBOX.format(**{**_RIGHT, "steps": "steps - 1"}),
                "ex4_done": _DONE.format(same=_SAME, how="")},
         loses=["ex1_choose_check", "ex2_rule_check", "ex4_readme_check"],
         says={"ex1_choose_check": "stopped at the first item that did not fit",
               "ex2_rule_check": "so count it: 4",
               "ex4_readme_check": "no '## How to run' section"}),
]
