"""The course's one evaluation protocol: a chronological split and bootstrap intervals.

Lesson 01 compares random folds with splits forward in time for each user (the
kind Koren's Netflix numbers come from). From lesson 04 on, every product decision
is measured the same way:

    train, test = chronological_split(ratings)          # each user's latest ratings are held out
    ...fit on train, recommend, score each user with a ranking metric (per user)...
    summary = summarise({"ndcg@10": per_user_ndcg})      # mean with a 95% bootstrap interval
    verdict = compare(new_per_user, old_per_user)        # paired difference, and whether it is
    print(verdict)                                       # outside the interval (decided) or noise

The split is "rank what each user rates next": for every user with enough
history, the latest `test_fraction` of their ratings (by timestamp, ties broken
by film id so the split is the same on every machine) are held out and the rest
train the model. Users with too little history stay wholly in training.

That per-user split is forward in time for each user, not for the data as a
whole: other users' later ratings stay in training, so a film's count, mean and
factors can include ratings made after the test rating they are scored against
(`future_share` measures how much). `global_cutoff_split` is the strict
alternative: train on everything before one time T, test on what came after.
On MovieLens most people rate in one burst, so most test-period ratings then come
from users the model never saw; the split reports them (`CutoffSplit.cold`)
rather than dropping them, and a decision should be checked on both splits.

Intervals resample users with replacement (users are the unit a product serves),
so they answer "would this hold for another sample of users like these?".
The metric functions themselves are not here: lesson 04 has you write them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from paper2prod.data import require_columns

LEVEL = 0.95
RESAMPLES = 1000


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
    require_columns(ratings, [user, item, time], "the ratings", error=ValueError)
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


def _check_cutoff(cutoff) -> None:
    if isinstance(cutoff, pd.Timestamp):
        return
    if isinstance(cutoff, bool) or not isinstance(cutoff, numbers.Real) or math.isnan(cutoff):
        raise ValueError(
            f"the cut-off must be a time (a number like the time column, or a pandas Timestamp), got {cutoff!r}"
        )


def cutoff_for_share(ratings, test_fraction: float = 0.2, time: str = "timestamp"):
    """The time T at which about the latest `test_fraction` of all ratings start.

    T is the time of the rating at position floor(n * (1 - test_fraction)) in time
    order, so at least that share of the ratings is at or after T (more when
    several ratings share T's time). Pandas or Spark, same answer.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    require_columns(ratings, [time], "the ratings", error=ValueError)
    if isinstance(ratings, pd.DataFrame):
        n = len(ratings)
        if n == 0:
            raise ValueError("no ratings to choose a cut-off from")
        value = np.sort(ratings[time].to_numpy())[int(math.floor(n * (1 - test_fraction)))]
        return value.item() if hasattr(value, "item") else value
    n = ratings.count()
    if n == 0:
        raise ValueError("no ratings to choose a cut-off from")
    position = int(math.floor(n * (1 - test_fraction)))
    return ratings.select(time).orderBy(time).offset(position).limit(1).first()[0]


@dataclass(frozen=True)
class CutoffSplit:
    """A global cut-off at time `cutoff`: what the model may learn from, and what it is tested on.

    train: every rating strictly before the cut-off.
    test:  ratings at or after the cut-off whose user and film both have a training rating.
    cold:  the other ratings at or after the cut-off (a user or a film first seen at or after
           the cut-off: cold start), with boolean columns `cold_user` and `cold_item`.
    All three are the same kind of frame as the input (pandas or Spark).
    """

    cutoff: object
    train: object
    test: object
    cold: object
    user: str = "userId"
    item: str = "movieId"

    def counts(self) -> dict:
        """Ratings in each part, and the distinct cold-start users and films (Spark: runs jobs)."""
        cold = self.cold if isinstance(self.cold, pd.DataFrame) else self.cold.toPandas()
        user, item = self.user, self.item
        size = len if isinstance(self.train, pd.DataFrame) else (lambda frame: frame.count())
        return {
            "train ratings": int(size(self.train)),
            "test ratings": int(size(self.test)),
            "cold ratings": int(len(cold)),
            "cold users": int(cold.loc[cold["cold_user"], user].nunique()),
            "cold films": int(cold.loc[cold["cold_item"], item].nunique()),
        }


def global_cutoff_split(ratings, cutoff, user: str = "userId", item: str = "movieId", time: str = "timestamp"):
    """Split all ratings at one time: train strictly before `cutoff`, test at or after it.

    Unlike `chronological_split`, nothing the model learns from (a film's count, its
    mean, its factors) was made at or after any test rating. Test-period ratings by
    users or of films with no training rating cannot be scored by a model trained on
    `train`: they come back in `cold`, flagged, so the caller reports them. Works on a
    pandas or a Spark DataFrame (the result has the same kind); either side may be
    empty when the cut-off is before the first or after the last rating.
    """
    require_columns(ratings, [user, item, time], "the ratings", error=ValueError)
    _check_cutoff(cutoff)
    if isinstance(ratings, pd.DataFrame):
        train = ratings[ratings[time] < cutoff]
        after = ratings[ratings[time] >= cutoff]
        cold_user = ~after[user].isin(train[user].unique())
        cold_item = ~after[item].isin(train[item].unique())
        cold = after[cold_user | cold_item].assign(cold_user=cold_user, cold_item=cold_item)
        return CutoffSplit(cutoff, train, after[~(cold_user | cold_item)], cold, user, item)
    return _cutoff_spark(ratings, cutoff, user, item, time)


def _cutoff_spark(ratings, cutoff, user, item, time):
    from pyspark.sql import functions as F

    columns = ratings.columns
    train = ratings.where(F.col(time) < F.lit(cutoff))
    after = ratings.where(F.col(time) >= F.lit(cutoff))
    known_users = train.select(user).distinct().withColumn("_known_user", F.lit(True))
    known_items = train.select(item).distinct().withColumn("_known_item", F.lit(True))
    marked = (
        after.join(known_users, on=user, how="left")
        .join(known_items, on=item, how="left")
        .withColumn("cold_user", F.col("_known_user").isNull())
        .withColumn("cold_item", F.col("_known_item").isNull())
    )
    cold_start = F.col("cold_user") | F.col("cold_item")
    test = marked.where(~cold_start).select(*columns)
    cold = marked.where(cold_start).select(*columns, "cold_user", "cold_item")
    return CutoffSplit(cutoff, train, test, cold, user, item)


def future_share(train: pd.DataFrame, test: pd.DataFrame, item: str = "movieId", time: str = "timestamp") -> pd.Series:
    """For each test rating, the share of its film's training ratings made after it (pandas).

    This is what a split leaks from the future into what is learned about a film:
    0 for every rating under `global_cutoff_split`; under `chronological_split` other
    users' later ratings stay in training. NaN where the film has no training rating.
    Indexed like `test`.
    """
    if not (isinstance(train, pd.DataFrame) and isinstance(test, pd.DataFrame)):
        raise TypeError("future_share takes pandas DataFrames: call .toPandas() on a Spark split first")
    require_columns(train, [item, time], "the training ratings", error=ValueError)
    require_columns(test, [item, time], "the test ratings", error=ValueError)
    # Encode (film, time) as one sortable integer, so one searchsorted counts, for every test
    # rating at once, its film's training ratings at or before its time.
    films, film_codes = np.unique(np.concatenate([train[item].to_numpy(), test[item].to_numpy()]), return_inverse=True)
    _, time_codes = np.unique(np.concatenate([train[time].to_numpy(), test[time].to_numpy()]), return_inverse=True)
    stride = int(time_codes.max()) + 2 if time_codes.size else 1
    keys = film_codes.astype(np.int64) * stride + time_codes
    train_keys, test_keys = np.sort(keys[: len(train)]), keys[len(train) :]
    test_films = film_codes[len(train) :].astype(np.int64)
    film_start = np.searchsorted(train_keys, test_films * stride, side="left")
    film_end = np.searchsorted(train_keys, (test_films + 1) * stride, side="left")
    not_after = np.searchsorted(train_keys, test_keys, side="right")
    in_train = film_end - film_start
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(in_train > 0, (film_end - not_after) / np.maximum(in_train, 1), np.nan)
    return pd.Series(share, index=test.index, name="future share")


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
        return (
            f"{self.mean:.4f} ({self.level * 100:.3g}% interval {self.low:.4f} to {self.high:.4f}, {self.users} users)"
        )


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
            f"{self.mean:+.4f} ({self.level * 100:.3g}% interval {self.low:+.4f} to {self.high:+.4f}, "
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
