"""The course's evaluation harness: chronological split and bootstrap intervals."""

import numpy as np
import pandas as pd
import pytest

from paper2prod.evaluation import bootstrap_interval, chronological_split, compare, held_out_items, summarise
from paper2prod.synthetic import make_ratings


def history(user, times, items=None):
    items = items if items is not None else range(len(times))
    return pd.DataFrame({"userId": user, "movieId": list(items), "rating": 4.0, "timestamp": list(times)})


def test_each_user_holds_out_their_latest_ratings():
    # Timestamps out of order in the file, and the earliest is not the first row.
    ratings = pd.concat([history(1, [50, 10, 40, 30, 20, 60, 70, 80, 90, 5]), history(2, [1, 2, 3])])
    train, test = chronological_split(ratings, test_fraction=0.2, min_train=5)
    assert sorted(test.timestamp) == [80, 90], "user 1's two latest of ten"
    assert set(test.userId) == {1}, "user 2 has too little history to test"
    assert len(train) + len(test) == len(ratings)
    assert train[train.userId == 1].timestamp.max() < test.timestamp.min()


def test_ties_in_time_break_by_film_so_the_split_is_repeatable():
    ratings = history(1, [7] * 10, items=[9, 3, 5, 1, 8, 2, 6, 4, 10, 7])
    _, test = chronological_split(ratings.sample(frac=1, random_state=3), test_fraction=0.2)
    assert sorted(test.movieId) == [9, 10]


def test_every_tested_user_keeps_min_train_ratings():
    ratings = make_ratings(n_ratings=3000, n_users=60, n_items=200, seed=2)
    train, test = chronological_split(ratings, test_fraction=0.3, min_train=8)
    kept = train.groupby("userId").size()
    assert (kept[test.userId.unique()] >= 8).all()
    assert not pd.merge(train, test, on=["userId", "movieId", "timestamp"]).shape[0]


def test_bad_input_says_what_is_wrong():
    with pytest.raises(ValueError, match="timestamp"):
        chronological_split(pd.DataFrame({"userId": [1], "movieId": [2]}))
    with pytest.raises(ValueError, match="between 0 and 1"):
        chronological_split(history(1, [1, 2]), test_fraction=1.5)
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_interval(pd.Series([0.1, np.nan]))


def test_held_out_items_keeps_only_good_ratings_when_asked():
    test = pd.DataFrame({"userId": [1, 1, 2], "movieId": [5, 6, 7], "rating": [4.5, 2.0, 4.0]})
    assert held_out_items(test, min_rating=4.0) == {1: {5}, 2: {7}}
    assert held_out_items(test) == {1: {5, 6}, 2: {7}}


def test_interval_covers_the_mean_and_narrows_with_more_users():
    rng = np.random.default_rng(0)
    few, many = bootstrap_interval(rng.random(50)), bootstrap_interval(rng.random(5000))
    assert few.low < few.mean < few.high
    assert (many.high - many.low) < (few.high - few.low) / 5
    values = rng.random(80)
    assert bootstrap_interval(values, seed=4) == bootstrap_interval(values, seed=4)


def test_compare_tells_a_real_difference_from_noise():
    rng = np.random.default_rng(1)
    users = range(400)
    base = pd.Series(rng.random(400), index=users)
    better = base + 0.05
    noisy = base + rng.normal(0, 0.2, 400)
    assert compare(better, base).decided and compare(better, base).mean == pytest.approx(0.05)
    assert not compare(noisy - noisy.mean() + base.mean(), base).decided
    assert "within the noise" in str(compare(noisy - noisy.mean() + base.mean(), base))
    with pytest.raises(ValueError, match="share no user"):
        compare(pd.Series([1.0], index=[1]), pd.Series([1.0], index=[2]))


def test_summarise_has_one_row_per_metric():
    table = summarise({"a": {1: 0.0, 2: 1.0}, "b": pd.Series([0.5, 0.5])})
    assert list(table.index) == ["a", "b"] and list(table.columns) == ["mean", "low", "high", "users"]
    assert table.loc["b", "low"] == table.loc["b", "high"] == 0.5


def test_spark_and_pandas_split_the_same_rows():
    import subprocess
    import sys

    code = """
import pandas as pd
from paper2prod.evaluation import chronological_split
from paper2prod.spark import get_spark
from paper2prod.synthetic import make_ratings
ratings = make_ratings(n_ratings=2000, n_users=40, n_items=200, seed=3)
ratings["timestamp"] = ratings["timestamp"] // 1000  # many ties in time
_, want = chronological_split(ratings, test_fraction=0.25, min_train=4)
_, got = chronological_split(get_spark("t").createDataFrame(ratings), test_fraction=0.25, min_train=4)
key = ["userId", "movieId"]
got = got.toPandas().sort_values(key).reset_index(drop=True)[key]
assert got.equals(want.sort_values(key).reset_index(drop=True)[key]), (len(got), len(want))
print("same", len(got))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[0] == "same"
