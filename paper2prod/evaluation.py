"""The course's one evaluation protocol: a chronological split and bootstrap intervals.

Lesson 01 shows that random folds let a model peek at the future. From lesson 04
on, every product decision is measured the same way:

    train, test = chronological_split(ratings)          # each user's latest ratings are held out
    ...fit on train, recommend, score each user with a ranking metric (per user)...
    summary = summarise({"ndcg@10": per_user_ndcg})      # mean with a 95% bootstrap interval
    verdict = compare(new_per_user, old_per_user)        # paired difference, and whether it is
    print(verdict)                                       # outside the interval (decided) or noise

The split is "rank what each user rates next": for every user with enough
history, the latest `test_fraction` of their ratings (by timestamp, ties broken
by film id so the split is the same on every machine) are held out and the rest
train the model. Other users' later ratings stay in training: on MovieLens most
people rate in one burst, so a single global cut-off date would leave almost no
one to test on. Users with too little history stay wholly in training.

Intervals resample users with replacement (users are the unit a product serves),
so they answer "would this hold for another sample of users like these?".
The metric functions themselves are not here: lesson 04 has you write them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVEL = 0.95
RESAMPLES = 1000


def _check_columns(frame, needed: list[str]) -> None:
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise ValueError(f"the ratings have no column {missing[0]!r} (columns: {list(frame.columns)})")


def _test_size(n: np.ndarray, test_fraction: float, min_train: int) -> np.ndarray:
    """How many of each user's latest ratings to hold out: at least one, if enough remain to train."""
    held = np.maximum(1, np.floor(n * test_fraction)).astype(int)
    return np.where(n - held >= min_train, held, 0)


def chronological_split(
    ratings,
    test_fraction: float = 0.2,
    min_train: int = 5,
    user: str = "userId",
    item: str = "movieId",
    time: str = "timestamp",
):
    """Split each user's ratings in time: (train, test), the latest `test_fraction` in test.

    Works on a pandas or a Spark DataFrame and returns the same kind. A user keeps
    at least `min_train` ratings in train; users with fewer than min_train + 1
    ratings are not tested at all.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    _check_columns(ratings, [user, item, time])
    if isinstance(ratings, pd.DataFrame):
        return _split_pandas(ratings, test_fraction, min_train, user, item, time)
    return _split_spark(ratings, test_fraction, min_train, user, item, time)


def _split_pandas(ratings, test_fraction, min_train, user, item, time):
    ordered = ratings.sort_values([user, time, item], kind="stable")
    position = ordered.groupby(user).cumcount().to_numpy()
    n = ordered.groupby(user)[item].transform("size").to_numpy()
    held = _test_size(n, test_fraction, min_train)
    in_test = position >= n - held
    return ordered[~in_test].sort_index(), ordered[in_test].sort_index()


def _split_spark(ratings, test_fraction, min_train, user, item, time):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    by_user = Window.partitionBy(user)
    in_time = by_user.orderBy(time, item)
    n = F.count(F.lit(1)).over(by_user)
    held = F.greatest(F.lit(1), F.floor(n * test_fraction))
    held = F.when(n - held >= min_train, held).otherwise(F.lit(0))
    marked = ratings.withColumn("_test", F.row_number().over(in_time) > n - held)
    train = marked.where(~F.col("_test")).drop("_test")
    test = marked.where(F.col("_test")).drop("_test")
    return train, test


def held_out_items(
    test: pd.DataFrame,
    min_rating: float | None = None,
    user: str = "userId",
    item: str = "movieId",
    rating: str = "rating",
) -> dict:
    """user -> set of held-out films (rated at least `min_rating`, if given): what counts as a hit."""
    if min_rating is not None:
        test = test[test[rating] >= min_rating]
    return {key: set(group) for key, group in test.groupby(user)[item]}


@dataclass(frozen=True)
class Estimate:
    """A mean over users with its bootstrap interval."""

    mean: float
    low: float
    high: float
    users: int
    level: float = LEVEL

    def __str__(self) -> str:
        return f"{self.mean:.4f} ({self.level:.0%} interval {self.low:.4f} to {self.high:.4f}, {self.users} users)"


@dataclass(frozen=True)
class Difference(Estimate):
    """A paired difference a - b over the users both were measured on."""

    @property
    def decided(self) -> bool:
        """True when the whole interval is on one side of zero: the difference is not noise."""
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        verdict = "outside the interval: a real difference" if self.decided else "within the noise: not decided"
        return (
            f"{self.mean:+.4f} ({self.level:.0%} interval {self.low:+.4f} to {self.high:+.4f}, "
            f"{self.users} users): {verdict}"
        )


def _per_user(values) -> pd.Series:
    series = pd.Series(values, dtype=float) if not isinstance(values, pd.Series) else values.astype(float)
    if series.isna().any():
        raise ValueError(f"{int(series.isna().sum())} users have no value (NaN): score every user, 0 for a miss")
    if series.empty:
        raise ValueError("no users to measure")
    return series


def _bootstrap(values: np.ndarray, resamples: int, level: float, seed: int, kind=Estimate):
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(resamples, values.size))].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return kind(float(values.mean()), float(low), float(high), int(values.size), level)


def bootstrap_interval(per_user, resamples: int = RESAMPLES, level: float = LEVEL, seed: int = 0) -> Estimate:
    """Mean of per-user values with a percentile bootstrap interval over users."""
    return _bootstrap(_per_user(per_user).to_numpy(), resamples, level, seed)


def summarise(
    per_user_metrics: Mapping[str, object], resamples: int = RESAMPLES, level: float = LEVEL, seed: int = 0
) -> pd.DataFrame:
    """One row per metric: mean, low, high, users. Values: user -> score (Series or dict)."""
    rows = {name: bootstrap_interval(values, resamples, level, seed) for name, values in per_user_metrics.items()}
    return pd.DataFrame(
        {name: {"mean": e.mean, "low": e.low, "high": e.high, "users": e.users} for name, e in rows.items()}
    ).T


def compare(a, b, resamples: int = RESAMPLES, level: float = LEVEL, seed: int = 0) -> Difference:
    """Paired bootstrap of a - b over the users both score (same users, same resamples)."""
    a, b = _per_user(a), _per_user(b)
    common = a.index.intersection(b.index)
    if common.empty:
        raise ValueError("the two results share no user: compare them on the same test users")
    return _bootstrap((a[common] - b[common]).to_numpy(), resamples, level, seed, kind=Difference)
