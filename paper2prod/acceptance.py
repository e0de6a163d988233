"""The launch brief of lesson 06 as code: acceptance checks a delivery must pass.

A product manager's "done" is a list of criteria. Written as code, they can be
run on every build, by anyone, and they say exactly which criterion failed:

    brief = Brief()                                     # the numbers of the brief
    delivery = timed(my_pipeline, spark, train, brief)  # runs it, measures the seconds
    report = check_delivery(delivery, train, test, brief)
    print(report)          # one line per criterion, ✓ or ✗ with the reason
    report.passed          # True only when every criterion holds

A delivery holds the batch job's output: a table of top-k recommendations for
every user in the training data (columns userId, movieId, rank 1..k) and one
list for a new user with no ratings at all.

The planning data of the launch week lives here too, so the lesson and its deck
read one copy: `launch_backlog()` (the team's backlog) and `further_work_estimates()`
(the team's estimates of what more work would add after the launch).

The ranking-quality criterion compares against a popularity baseline computed
here, independently of any student's code: each user gets the most-rated
eligible films they have not rated yet. "At least as good as popularity" is a
non-inferiority test, by the course's rule that a comparison needs its interval:
the paired bootstrap interval over users (`paper2prod.evaluation.compare`) of
NDCG@k(model) - NDCG@k(popularity) must lie above -`Brief.quality_margin`. A
model whose mean happens to be a hair above popularity but whose interval reaches
far below fails; one within the margin, decidedly, passes:

    difference = ranking_quality(delivery, train, test, brief)   # an evaluation.Difference
    non_inferior(difference, brief.quality_margin)               # difference.low > -margin
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from paper2prod.evaluation import Difference, compare
from paper2prod.ranking import as_lists, as_sets, coverage, ndcg_at_k

COLUMNS = ["userId", "movieId", "rank"]


@dataclass(frozen=True)
class Brief:
    """What the product manager asked for, in numbers code can check."""

    k: int = 10  # recommendations per user
    min_ratings: int = 20  # no recommended film has fewer training ratings than this
    relevant_rating: float = 4.0  # a held-out rating this high counts as a hit
    min_coverage: float = 0.10  # share of eligible films that appear in somebody's list
    time_budget_seconds: float = 60.0  # the whole batch job, on the course machine
    # Non-inferiority margin for "ranking quality at least popularity's": the paired 95% interval of
    # NDCG@k(model) - NDCG@k(popularity) must lie above -quality_margin. 0.01 NDCG@10 is about an eighth
    # of popularity's own score on lesson 06's validation split (it prints both): a loss that small is
    # not worth a narrower catalogue.
    quality_margin: float = 0.01

    def __post_init__(self):
        if not self.quality_margin >= 0:
            raise ValueError(f"quality_margin is a tolerated loss, 0 or more; got {self.quality_margin!r}")

    def criteria(self) -> dict[str, str]:
        """The brief in words, one entry per check."""
        return {
            "every user served": f"every user in the training data gets exactly {self.k} different films, "
            f"ranked 1 to {self.k}",
            "nothing already rated": "no user is offered a film they have already rated",
            "only well-known films": f"every recommended film has at least {self.min_ratings} ratings",
            "new users served": f"a new user with no ratings gets {self.k} different well-known films "
            "that people liked (average rating at least the overall average)",
            "ranking quality": f"NDCG@{self.k} on the held-out ratings (hits: rating >= {self.relevant_rating:g}) "
            f"is at least the popularity baseline's: the paired 95% interval of the difference lies above "
            f"-{self.quality_margin:g} (non-inferiority)",
            "catalogue coverage": f"at least {self.min_coverage:.0%} of the eligible films appear in somebody's list",
            "on time": f"the batch job takes at most {self.time_budget_seconds:g} s",
        }


@dataclass
class Delivery:
    """What the batch job hands over."""

    recommendations: pd.DataFrame  # userId, movieId, rank (1 = best)
    new_user: list = field(default_factory=list)  # k movieIds for someone with no ratings
    seconds: float | None = None  # wall-clock time of the job, set by `timed`


def timed(pipeline: Callable[..., Delivery], *args, **kwargs) -> Delivery:
    """Run the pipeline and record how long it took (the clock is ours, not the pipeline's)."""
    started = time.perf_counter()
    delivery = pipeline(*args, **kwargs)
    seconds = time.perf_counter() - started
    if not isinstance(delivery, Delivery):
        raise TypeError(f"the pipeline should return a Delivery, not a {type(delivery).__name__}")
    delivery.seconds = seconds
    return delivery


@dataclass
class Check:
    name: str
    criterion: str
    passed: bool
    detail: str


@dataclass
class Report:
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if not check.passed]

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"no check named {name!r}; the checks are {[c.name for c in self.checks]}")

    def __str__(self) -> str:
        verdict = "ACCEPTED" if self.passed else f"REJECTED ({len(self.failed)} of {len(self.checks)} failed)"
        lines = [f"{'✓' if c.passed else '✗'} {c.name:<22} {c.detail}" for c in self.checks]
        return "\n".join([*lines, verdict])

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(c) for c in self.checks], columns=["name", "criterion", "passed", "detail"])


# ---------------------------------------------------------------- the launch week's planning data


def launch_backlog() -> pd.DataFrame:
    """The team's backlog: effort in person-days, impact in points agreed in planning, required by the brief."""
    return pd.DataFrame(
        [
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
        ],
        columns=["item", "effort_days", "impact", "required"],
    )


def further_work_estimates() -> pd.DataFrame:
    """The team's estimates, not measurements: what each further step would add to validation NDCG@10.

    Cumulative person-days after the launch and cumulative estimated gain over the shipped model;
    the lesson adds them to the value it measured for the shipped model. None of these steps is
    one the lesson measures (rank, signal and alpha are tuned before the launch).
    """
    return pd.DataFrame(
        [
            ("as shipped", 0, 0.0),
            ("tune regularisation and iterations", 1, 0.012),
            ("recency weighting of the signal", 3, 0.020),
            ("genre side-information", 6, 0.0215),
            ("time-aware model", 11, 0.023),
            ("deep model, first version", 21, 0.0245),
            ("deep model, tuned", 31, 0.026),
        ],
        columns=["step", "person_days", "estimated_gain"],
    )


# ---------------------------------------------------------------- helpers


def rating_counts(train: pd.DataFrame) -> pd.Series:
    """Number of training ratings per film."""
    return train["movieId"].value_counts()


def eligible_films(train: pd.DataFrame, brief: Brief) -> set:
    """Films with enough ratings to be recommended at all."""
    counts = rating_counts(train)
    return set(counts.index[counts >= brief.min_ratings])


def _examples(values, limit: int = 5) -> str:
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def popularity_lists(train: pd.DataFrame, brief: Brief) -> dict:
    """The reference baseline: most-rated eligible films each user has not rated."""
    counts = rating_counts(train)
    popular = [film for film in counts.index if counts[film] >= brief.min_ratings]  # most-rated first
    lists = {}
    for user, rated in as_sets(train).items():
        lists[user] = [film for film in popular[: brief.k + len(rated)] if film not in rated][: brief.k]
    return lists


def non_inferior(difference: Difference, margin: float) -> bool:
    """True when the paired interval of model - baseline lies above -margin: the model is at worst
    `margin` below the baseline, for the users these are a sample of (not merely its mean)."""
    if margin < 0:
        raise ValueError(f"the margin is a tolerated loss, 0 or more; got {margin!r}")
    # With a margin of 0, a tie (identical lists: an interval of exactly 0) still passes.
    return difference.low > -margin if margin > 0 else difference.low >= 0


# ---------------------------------------------------------------- the checks, one per criterion


def check_every_user_served(delivery: Delivery, train: pd.DataFrame, brief: Brief) -> str | None:
    """None when the criterion holds, else what is wrong (so a student knows where to look)."""
    recs = delivery.recommendations
    users = set(train["userId"].unique())
    missing = users - set(recs["userId"].unique())
    if missing:
        return f"{len(missing)} of {len(users)} users have no recommendations, e.g. users {_examples(sorted(missing))}"
    per_user = recs.groupby("userId").agg(
        rows=("movieId", "size"),
        films=("movieId", "nunique"),
        ranks=("rank", lambda r: sorted(r) == list(range(1, brief.k + 1))),
    )
    short = per_user.index[per_user["rows"] != brief.k]
    if len(short):
        return (
            f"{len(short)} users do not get exactly {brief.k} rows, e.g. user {short[0]} gets "
            f"{per_user.loc[short[0], 'rows']}"
        )
    repeated = per_user.index[per_user["films"] != per_user["rows"]]
    if len(repeated):
        return f"{len(repeated)} users get the same film twice, e.g. user {repeated[0]}"
    misranked = per_user.index[~per_user["ranks"].astype(bool)]
    if len(misranked):
        return f"{len(misranked)} users' ranks are not 1 to {brief.k}, e.g. user {misranked[0]}"
    extra = set(recs["userId"].unique()) - users
    if extra:
        return f"{len(extra)} users in the output are not in the training data, e.g. {_examples(sorted(extra))}"
    return None


def check_nothing_already_rated(delivery: Delivery, train: pd.DataFrame, brief: Brief) -> str | None:
    pairs = delivery.recommendations.merge(train[["userId", "movieId"]], on=["userId", "movieId"])
    if len(pairs):
        first = pairs.iloc[0]
        return (
            f"{len(pairs)} recommendations are films the user already rated, e.g. user "
            f"{first['userId']} and film {first['movieId']}"
        )
    return None


def check_only_well_known(delivery: Delivery, train: pd.DataFrame, brief: Brief) -> str | None:
    counts = rating_counts(train)
    films = pd.Series(list(delivery.recommendations["movieId"]) + list(delivery.new_user)).unique()
    too_few = [film for film in films if counts.get(film, 0) < brief.min_ratings]
    if too_few:
        return (
            f"{len(too_few)} recommended films have fewer than {brief.min_ratings} ratings, e.g. {_examples(too_few)}"
        )
    return None


def check_new_users_served(delivery: Delivery, train: pd.DataFrame, brief: Brief) -> str | None:
    films = list(delivery.new_user)
    if len(films) != brief.k or len(set(films)) != brief.k:
        return f"a new user should get {brief.k} different films; got {len(films)} ({len(set(films))} different)"
    stats = train.groupby("movieId")["rating"].agg(["size", "mean"])
    overall = train["rating"].mean()
    unknown = [film for film in films if film not in stats.index or stats.loc[film, "size"] < brief.min_ratings]
    if unknown:
        return (
            f"films for a new user must be well known; {_examples(unknown)} have fewer than {brief.min_ratings} ratings"
        )
    disliked = [film for film in films if stats.loc[film, "mean"] < overall]
    if disliked:
        return (
            f"films for a new user should be liked; {_examples(disliked)} average below the overall {overall:.2f} stars"
        )
    return None


def ranking_quality(
    delivery: Delivery, train: pd.DataFrame, test: pd.DataFrame, brief: Brief, seed: int = 0
) -> Difference:
    """Paired difference of per-user NDCG@k, delivery minus the popularity baseline, with its bootstrap
    interval (evaluation.compare) over the held-out users of `train` who have a hit in `test`.
    A user the delivery gives no list scores 0."""
    hits = test[(test["rating"] >= brief.relevant_rating) & test["userId"].isin(train["userId"])]
    relevant = as_sets(hits)
    if not relevant:
        raise ValueError(
            f"no held-out rating of {brief.relevant_rating:g} or more by a user in train: nothing to judge"
        )
    model = ndcg_at_k(as_lists(delivery.recommendations), relevant, brief.k, per_user=True)
    baseline = ndcg_at_k(popularity_lists(train, brief), relevant, brief.k, per_user=True)
    return compare(model, baseline, seed=seed)


def check_ranking_quality(
    delivery: Delivery, train: pd.DataFrame, test: pd.DataFrame, brief: Brief
) -> tuple[str | None, str]:
    difference = ranking_quality(delivery, train, test, brief)
    summary = (
        f"NDCG@{brief.k} minus popularity's {difference.mean:+.4f} (95% interval {difference.low:+.4f} to "
        f"{difference.high:+.4f}, {difference.users} held-out users); margin {brief.quality_margin:g}"
    )
    if non_inferior(difference, brief.quality_margin):
        return None, summary
    return (
        summary + f": the interval reaches below -{brief.quality_margin:g}, possibly worse than the baseline",
        summary,
    )


def check_catalogue_coverage(delivery: Delivery, train: pd.DataFrame, brief: Brief) -> tuple[str | None, str]:
    eligible = eligible_films(train, brief)
    share = coverage(as_lists(delivery.recommendations), eligible, k=brief.k)
    summary = f"{share:.1%} of {len(eligible)} eligible films appear in somebody's list"
    failure = None if share >= brief.min_coverage else f"{summary}; the brief asks for {brief.min_coverage:.0%}"
    return failure, summary


def check_on_time(delivery: Delivery, brief: Brief) -> tuple[str | None, str]:
    if delivery.seconds is None:
        return "the job was not timed: run it with acceptance.timed(pipeline, ...)", "not timed"
    summary = f"{delivery.seconds:.1f} s of {brief.time_budget_seconds:g} s"
    return (None if delivery.seconds <= brief.time_budget_seconds else summary + ": too slow"), summary


def _table_problem(delivery) -> str | None:
    if not isinstance(delivery, Delivery):
        return f"expected a Delivery, got a {type(delivery).__name__}"
    recs = delivery.recommendations
    if not isinstance(recs, pd.DataFrame):
        return f"recommendations should be a pandas DataFrame, not a {type(recs).__name__}"
    absent = [c for c in COLUMNS if c not in recs.columns]
    if absent:
        return f"recommendations lack column(s) {absent}; they have {list(recs.columns)}"
    return None


def check_delivery(delivery: Delivery, train: pd.DataFrame, test: pd.DataFrame, brief: Brief = Brief()) -> Report:
    """Run every check of the brief on a delivery. A check that cannot run fails, with the reason."""
    criteria = brief.criteria()
    problem = _table_problem(delivery)
    if problem:
        return Report([Check(name, text, False, problem) for name, text in criteria.items()])
    runs = {
        "every user served": lambda: (check_every_user_served(delivery, train, brief), "all users, k films each"),
        "nothing already rated": lambda: (check_nothing_already_rated(delivery, train, brief), "only new films"),
        "only well-known films": lambda: (
            check_only_well_known(delivery, train, brief),
            f"every film has >= {brief.min_ratings} ratings",
        ),
        "new users served": lambda: (check_new_users_served(delivery, train, brief), "well-known, liked films"),
        "ranking quality": lambda: check_ranking_quality(delivery, train, test, brief),
        "catalogue coverage": lambda: check_catalogue_coverage(delivery, train, brief),
        "on time": lambda: check_on_time(delivery, brief),
    }
    checks = []
    for name, run in runs.items():
        try:
            failure, summary = run()
        except Exception as error:  # a malformed delivery fails the check; it must not crash the report
            failure, summary = f"could not check: {type(error).__name__}: {error}", ""
        checks.append(Check(name, criteria[name], failure is None, failure or summary))
    return Report(checks)


def recommendations_frame(lists: dict) -> pd.DataFrame:
    """user -> ranked films, as the long table a Delivery holds (rank 1 = first)."""
    rows = [(user, film, rank) for user, films in lists.items() for rank, film in enumerate(films, 1)]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"rank": np.int64})
