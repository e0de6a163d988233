"""The brief's acceptance checks accept a good delivery and reject broken ones, each
for the right reason. Synthetic data and pandas only: no Spark, so these run in seconds."""

import numpy as np
import pandas as pd
import pytest

from paper2prod.acceptance import Brief, Delivery, Report, check_delivery, eligible_films, recommendations_frame, timed
from paper2prod.synthetic import make_ratings

# Synthetic users rate a larger share of the eligible films than real ones, so popularity
# lists cover more of the catalogue here: the coverage bar is raised to keep the test sharp.
BRIEF = Brief(k=10, min_ratings=20, relevant_rating=4.0, min_coverage=0.30, time_budget_seconds=60)


@pytest.fixture(scope="module")
def split():
    ratings = make_ratings(30_000, seed=6)
    held_out = np.random.default_rng(6).random(len(ratings)) < 0.2
    return ratings[~held_out].reset_index(drop=True), ratings[held_out].reset_index(drop=True)


def popular_for_new_user(train, brief=BRIEF):
    stats = train.groupby("movieId")["rating"].agg(["size", "mean"])
    liked = stats[(stats["size"] >= brief.min_ratings) & (stats["mean"] >= train["rating"].mean())]
    return list(liked.sort_values("size", ascending=False).index[: brief.k])


def good_lists(train, test, brief=BRIEF):
    """A delivery that should pass: each user's held-out hits first (an oracle, so it beats
    popularity), then eligible films rotated per user (so the catalogue is covered)."""
    eligible = sorted(eligible_films(train, brief))
    rated = train.groupby("userId")["movieId"].apply(set)
    hits = test[test["rating"] >= brief.relevant_rating].groupby("userId")["movieId"].apply(list)
    lists = {}
    for position, user in enumerate(sorted(rated.index)):
        start = (position * brief.k) % len(eligible)
        rotated = eligible[start:] + eligible[:start]
        wanted = [f for f in hits.get(user, []) if f in set(eligible)] + rotated
        picked = []
        for film in wanted:
            if film not in rated[user] and film not in picked:
                picked.append(film)
            if len(picked) == brief.k:
                break
        lists[user] = picked
    return lists


def delivery_of(lists, train, seconds=1.0, new_user=None):
    return Delivery(
        recommendations_frame(lists), popular_for_new_user(train) if new_user is None else new_user, seconds
    )


def test_a_good_delivery_is_accepted(split):
    train, test = split
    report = check_delivery(delivery_of(good_lists(train, test), train), train, test, BRIEF)
    assert report.passed, str(report)
    assert report.failed == []
    assert "ACCEPTED" in str(report)
    assert list(report.to_frame()["name"]) == list(BRIEF.criteria())


def test_the_popularity_baseline_itself_meets_quality_but_not_coverage(split):
    """Ranking everyone by popularity ties the baseline (accepted) but shows too few films."""
    train, test = split
    counts = train["movieId"].value_counts()
    popular = [f for f in counts.index if counts[f] >= BRIEF.min_ratings]
    rated = train.groupby("userId")["movieId"].apply(set)
    lists = {u: [f for f in popular if f not in rated[u]][: BRIEF.k] for u in rated.index}
    report = check_delivery(delivery_of(lists, train), train, test, BRIEF)
    assert report["ranking quality"].passed, report["ranking quality"].detail
    assert report.failed == ["catalogue coverage"], str(report)


def test_a_deliberately_broken_pipeline_is_rejected(split):
    """The research habit: rank by average rating, ignore what users have seen, forget new users,
    and tune for an hour. Every criterion it breaks must be named."""
    train, test = split
    best_average = train.groupby("movieId")["rating"].mean().sort_values(ascending=False).index
    lists = {u: list(best_average[: BRIEF.k]) for u in train["userId"].unique()}
    report = check_delivery(Delivery(recommendations_frame(lists), [], seconds=3600.0), train, test, BRIEF)
    assert not report.passed
    assert set(report.failed) == {
        "nothing already rated",
        "only well-known films",
        "new users served",
        "ranking quality",
        "catalogue coverage",
        "on time",
    }, str(report)
    assert "REJECTED" in str(report)
    assert "fewer than 20 ratings" in report["only well-known films"].detail


@pytest.mark.parametrize(
    "breakage, fails, says",
    [
        ("nine for one user", "every user served", "exactly 10 rows"),
        ("a user left out", "every user served", "no recommendations"),
        ("a film twice", "every user served", "same film twice"),
        ("ranks from 0", "every user served", "not 1 to 10"),
        ("a stranger", "every user served", "not in the training data"),
        ("an already-rated film", "nothing already rated", "already rated"),
        ("an obscure film", "only well-known films", "fewer than 20 ratings"),
    ],
)
def test_each_broken_table_fails_its_own_check(split, breakage, fails, says):
    train, test = split
    frame = recommendations_frame(good_lists(train, test))
    first_user = frame["userId"].iloc[0]
    if breakage == "nine for one user":
        frame = frame.drop(index=frame.index[(frame["userId"] == first_user) & (frame["rank"] == 10)])
    elif breakage == "a user left out":
        frame = frame[frame["userId"] != first_user]
    elif breakage == "a film twice":
        row = frame.index[(frame["userId"] == first_user) & (frame["rank"] == 2)][0]
        frame.loc[row, "movieId"] = frame[(frame["userId"] == first_user) & (frame["rank"] == 1)]["movieId"].iloc[0]
    elif breakage == "ranks from 0":
        frame = frame.assign(rank=frame["rank"] - 1)
    elif breakage == "a stranger":
        frame = pd.concat([frame, frame[frame["userId"] == first_user].assign(userId=10**9)])
    elif breakage == "an already-rated film":
        seen = train.loc[train["userId"] == first_user, "movieId"].iloc[0]
        frame.loc[frame.index[(frame["userId"] == first_user) & (frame["rank"] == 1)][0], "movieId"] = seen
    elif breakage == "an obscure film":
        counts = train["movieId"].value_counts()
        frame.loc[frame.index[(frame["userId"] == first_user) & (frame["rank"] == 1)][0], "movieId"] = counts.index[-1]
    report = check_delivery(Delivery(frame, popular_for_new_user(train), 1.0), train, test, BRIEF)
    assert fails in report.failed, str(report)
    assert says in report[fails].detail


@pytest.mark.parametrize(
    "new_user, says, also_fails",
    [
        ([], "10 different films", []),
        (lambda popular: popular[:5] * 2, "10 different films", []),
        (lambda popular: popular[:9] + ["obscure"], "well known", ["only well-known films"]),
        ("disliked", "average below", []),
    ],
)
def test_new_user_problems(split, new_user, says, also_fails):
    train, test = split
    popular = popular_for_new_user(train)
    if new_user == "disliked":
        stats = train.groupby("movieId")["rating"].agg(["size", "mean"])
        known = stats[stats["size"] >= BRIEF.min_ratings]
        new_user = popular[:9] + [known["mean"].idxmin()]
    elif callable(new_user):
        new_user = new_user(popular)
    report = check_delivery(delivery_of(good_lists(train, test), train, new_user=new_user), train, test, BRIEF)
    assert sorted(report.failed) == sorted(["new users served", *also_fails]), str(report)
    assert says in report["new users served"].detail


def test_random_lists_lose_to_popularity(split):
    train, test = split
    rng = np.random.default_rng(0)
    eligible = np.array(sorted(eligible_films(train, BRIEF)))
    rated = train.groupby("userId")["movieId"].apply(set)
    lists = {u: [f for f in rng.permutation(eligible) if f not in rated[u]][: BRIEF.k] for u in rated.index}
    report = check_delivery(delivery_of(lists, train), train, test, BRIEF)
    assert report.failed == ["ranking quality"], str(report)
    assert "below the baseline" in report["ranking quality"].detail


def test_too_slow_or_untimed(split):
    train, test = split
    lists = good_lists(train, test)
    assert check_delivery(delivery_of(lists, train, seconds=61.0), train, test, BRIEF).failed == ["on time"]
    untimed = check_delivery(delivery_of(lists, train, seconds=None), train, test, BRIEF)
    assert untimed.failed == ["on time"] and "timed(" in untimed["on time"].detail


def test_malformed_deliveries_fail_every_check_without_crashing(split):
    train, test = split
    for delivery, says in [
        (Delivery(pd.DataFrame({"user": [1]}), []), "lack column"),
        (Delivery([[1, 2, 3]], []), "pandas DataFrame"),
        ({"recommendations": None}, "expected a Delivery"),
    ]:
        report = check_delivery(delivery, train, test, BRIEF)
        assert isinstance(report, Report) and not report.passed
        assert len(report.failed) == len(BRIEF.criteria())
        assert says in report.checks[0].detail


def test_a_check_that_cannot_run_fails_with_the_reason(split):
    train, test = split
    delivery = delivery_of(good_lists(train, test), train)
    delivery.recommendations = delivery.recommendations.astype({"rank": str})
    report = check_delivery(delivery, train, test, BRIEF)
    assert not report.passed
    assert any("could not check" in c.detail or "not 1 to 10" in c.detail for c in report.checks)


def test_timed_measures_the_pipeline_and_insists_on_a_delivery():
    delivery = timed(lambda n: Delivery(pd.DataFrame(columns=["userId", "movieId", "rank"]), list(range(n))), 3)
    assert delivery.new_user == [0, 1, 2] and 0 <= delivery.seconds < 5
    with pytest.raises(TypeError, match="should return a Delivery"):
        timed(lambda: {"recommendations": None})


def test_recommendations_frame_and_report_lookup():
    frame = recommendations_frame({7: [3, 1], 8: [5]})
    assert frame.to_dict("list") == {"userId": [7, 7, 8], "movieId": [3, 1, 5], "rank": [1, 2, 1]}
    report = Report([])
    with pytest.raises(KeyError, match="no check named"):
        report["nope"]


def test_the_planning_data_is_one_copy_the_lesson_and_deck_share():
    from paper2prod.acceptance import further_work_estimates, launch_backlog

    backlog = launch_backlog()
    assert list(backlog.columns) == ["item", "effort_days", "impact", "required"]
    assert backlog["item"].is_unique and (backlog["effort_days"] > 0).all()
    assert backlog.loc[backlog["required"], "effort_days"].sum() <= 5.0, "the required items fit the week"
    estimates = further_work_estimates()
    assert estimates.iloc[0].tolist() == ["as shipped", 0, 0.0], "the first row is the measured value's place"
    assert estimates["person_days"].is_monotonic_increasing and estimates["estimated_gain"].is_monotonic_increasing
