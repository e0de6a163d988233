"""The course's evaluation harness: chronological split and bootstrap intervals."""

import numpy as np
import pandas as pd
import pytest

from paper2prod.evaluation import (
    bootstrap_interval,
    chronological_split,
    compare,
    cutoff_for_share,
    future_share,
    global_cutoff_split,
    held_out_items,
    summarise,
)
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


@pytest.mark.spark  # starts a JVM (the worker's one session, shared with the other Spark tests): not in the fast tier
def test_spark_and_pandas_split_the_same_rows():
    from paper2prod.spark import get_spark

    ratings = make_ratings(n_ratings=2000, n_users=40, n_items=200, seed=3)
    ratings["timestamp"] = ratings["timestamp"] // 1000  # many ties in time
    _, want = chronological_split(ratings, test_fraction=0.25, min_train=4)
    _, got = chronological_split(get_spark("test-evaluation").createDataFrame(ratings), test_fraction=0.25, min_train=4)
    key = ["userId", "movieId"]
    got = got.toPandas().sort_values(key).reset_index(drop=True)[key]
    assert got.equals(want.sort_values(key).reset_index(drop=True)[key]), (len(got), len(want))


def rows(*triples):
    """(user, film, time) triples as ratings, in the order given."""
    users, films, times = zip(*triples)
    return pd.DataFrame({"userId": users, "movieId": films, "rating": 3.5, "timestamp": times})


# Users 1 and 2 rate before and after T = 10; user 3 only after (cold); film 30 is first rated at T
# (a tie at T goes to test, and the film is cold); film 40 only after T by a known user.
CUTOFF_CASE = rows(
    (1, 10, 1),
    (1, 20, 9),
    (2, 10, 5),
    (1, 30, 10),
    (2, 20, 10),
    (2, 10, 12),
    (3, 10, 11),
    (3, 20, 15),
    (1, 40, 20),
    (7, 20, 3),
)


def test_global_cutoff_trains_strictly_before_and_reports_cold_start():
    split = global_cutoff_split(CUTOFF_CASE, 10)
    assert sorted(split.train.timestamp) == [1, 3, 5, 9], "strictly before T"
    assert sorted(zip(split.test.userId, split.test.movieId)) == [(2, 10), (2, 20)], "known user and known film"
    cold = split.cold.set_index(["userId", "movieId"])
    assert sorted(cold.index) == [(1, 30), (1, 40), (3, 10), (3, 20)]
    assert cold.loc[(1, 30), "cold_item"] and not cold.loc[(1, 30), "cold_user"], "first rated at T: cold"
    assert cold.loc[(3, 10), "cold_user"] and not cold.loc[(3, 10), "cold_item"]
    assert split.counts() == {
        "train ratings": 4,
        "test ratings": 2,
        "cold ratings": 4,
        "cold users": 1,
        "cold films": 2,
    }
    assert len(split.train) + len(split.test) + len(split.cold) == len(CUTOFF_CASE), "no rating dropped"
    assert list(split.test.columns) == list(CUTOFF_CASE.columns)
    assert split.train.index.isin(CUTOFF_CASE.index).all(), "rows keep their index"


def test_global_cutoff_with_an_empty_side():
    before_all = global_cutoff_split(CUTOFF_CASE, 0)
    assert before_all.train.empty and before_all.test.empty and len(before_all.cold) == len(CUTOFF_CASE)
    assert before_all.cold.cold_user.all() and before_all.cold.cold_item.all()
    after_all = global_cutoff_split(CUTOFF_CASE, 100)
    assert len(after_all.train) == len(CUTOFF_CASE) and after_all.test.empty and after_all.cold.empty
    assert after_all.counts()["cold users"] == 0
    empty = global_cutoff_split(CUTOFF_CASE.iloc[:0], 5)
    assert empty.train.empty and empty.test.empty and empty.cold.empty


def test_global_cutoff_other_column_names_and_times():
    renamed = CUTOFF_CASE.rename(columns={"userId": "u", "movieId": "i", "timestamp": "t"})
    split = global_cutoff_split(renamed, 10, user="u", item="i", time="t")
    assert split.counts()["cold films"] == 2 and len(split.test) == 2
    dated = CUTOFF_CASE.assign(timestamp=pd.to_datetime(CUTOFF_CASE.timestamp, unit="D"))
    assert len(global_cutoff_split(dated, pd.Timestamp(10, unit="D")).train) == 4


def test_global_cutoff_bad_input_says_what_is_wrong():
    with pytest.raises(ValueError, match="timestamp"):
        global_cutoff_split(CUTOFF_CASE.drop(columns="timestamp"), 10)
    for bad in (None, "2016", float("nan"), True):
        with pytest.raises(ValueError, match="cut-off must be a time"):
            global_cutoff_split(CUTOFF_CASE, bad)
    with pytest.raises(ValueError, match="between 0 and 1"):
        cutoff_for_share(CUTOFF_CASE, 0)
    with pytest.raises(ValueError, match="no ratings"):
        cutoff_for_share(CUTOFF_CASE.iloc[:0])
    with pytest.raises(TypeError, match="pandas"):
        future_share(object(), CUTOFF_CASE)


def test_cutoff_for_share_holds_out_at_least_that_share():
    # Times 1..10 and a tie: the 20% latest of 10 ratings start at the 9th in time order.
    assert cutoff_for_share(rows(*[(1, i, t) for i, t in enumerate([5, 1, 9, 3, 7, 2, 8, 4, 6, 10])]), 0.2) == 9
    tied = rows(*[(1, i, t) for i, t in enumerate([1, 2, 3, 4, 5, 6, 7, 8, 8, 8])])
    cutoff = cutoff_for_share(tied, 0.2)
    assert cutoff == 8 and (tied.timestamp >= cutoff).mean() >= 0.2


def test_future_share_counts_the_films_later_training_ratings():
    train = rows((1, 10, 1), (2, 10, 5), (3, 10, 9), (4, 10, 9), (1, 20, 2))
    test = rows((5, 10, 5), (6, 20, 1), (7, 20, 8), (8, 99, 4), (9, 10, 100)).set_index(pd.Index([7, 3, 11, 2, 5]))
    share = future_share(train, test)
    # Film 10 has training times 1, 5, 9, 9: two of four are after 5 (a tie at 5 is not after).
    assert share.loc[7] == pytest.approx(0.5)
    assert share.loc[3] == pytest.approx(1.0) and share.loc[11] == 0.0 and share.loc[5] == 0.0
    assert np.isnan(share.loc[2]), "a film with no training rating has nothing to leak"
    assert list(share.index) == [7, 3, 11, 2, 5]


def test_future_share_is_zero_on_a_global_cutoff_and_not_on_the_per_user_split():
    ratings = make_ratings(n_ratings=3000, n_users=60, n_items=150, seed=5)
    split = global_cutoff_split(ratings, cutoff_for_share(ratings, 0.3))
    assert future_share(split.train, split.test).max() == 0
    train, test = chronological_split(ratings)
    brute = [(train.timestamp[train.movieId == film] > when).mean() for film, when in zip(test.movieId, test.timestamp)]
    assert np.allclose(future_share(train, test).to_numpy(), brute, equal_nan=True)


@pytest.mark.spark  # starts a JVM (the worker's one session): not in the fast tier
def test_spark_and_pandas_cut_at_the_same_time():
    from paper2prod.spark import get_spark

    ratings = make_ratings(n_ratings=2000, n_users=40, n_items=200, seed=4)
    ratings["timestamp"] = ratings["timestamp"] // 1000  # ties in time, at the cut-off too
    frame = get_spark("test-evaluation").createDataFrame(ratings)
    cutoff = cutoff_for_share(ratings, 0.3)
    assert cutoff_for_share(frame, 0.3) == cutoff, (cutoff_for_share(frame, 0.3), cutoff)
    want, got = global_cutoff_split(ratings, cutoff), global_cutoff_split(frame, cutoff)
    assert got.counts() == want.counts(), (got.counts(), want.counts())
    assert got.test.columns == list(ratings.columns)
    assert got.cold.columns == list(ratings.columns) + ["cold_user", "cold_item"]
    key = ["userId", "movieId", "timestamp", "cold_user", "cold_item"]
    for part, more in (("train", []), ("test", []), ("cold", ["cold_user", "cold_item"])):
        a = getattr(got, part).toPandas()[key[:3] + more].sort_values(key[:3]).reset_index(drop=True)
        b = getattr(want, part)[key[:3] + more].sort_values(key[:3]).reset_index(drop=True)
        assert a.astype(b.dtypes.to_dict()).equals(b), part


def test_an_interval_prints_its_level_to_three_figures():
    values = pd.Series(np.random.default_rng(2).random(200))
    assert "(95% interval" in str(bootstrap_interval(values))
    assert "(98.3% interval" in str(compare(values, values * 0.9, level=1 - 0.05 / 3))
