"""The decision file lesson 06 writes and lesson 07's job reads."""

import pytest

from paper2prod.decision import Decision, DecisionError


def test_a_decision_survives_the_round_trip(tmp_path):
    decision = Decision(min_ratings=30, rank=12, signal="ratings at or above the floor", rating_floor=3.5)
    path = decision.save(tmp_path / "decision.json")
    assert Decision.load(path) == decision
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize(
    "settings, says",
    [
        ({"k": 0}, "k must be"),
        ({"min_ratings": 2.5}, "min_ratings"),
        ({"signal": "stars"}, "signal must be"),
        ({"rating_floor": 4.0}, "rating_floor"),
        ({"alpha": -1.0}, "cannot be negative"),
    ],
)
def test_an_inconsistent_decision_says_which_setting(settings, says):
    with pytest.raises(DecisionError, match=says):
        Decision(**settings)


def test_a_bad_file_gets_one_line(tmp_path):
    with pytest.raises(DecisionError, match="run lesson 06"):
        Decision.load(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text("{ not json")
    with pytest.raises(DecisionError, match="not valid JSON"):
        Decision.load(tmp_path / "broken.json")
    (tmp_path / "odd.json").write_text('{"k": 10, "colour": "red"}')
    with pytest.raises(DecisionError, match="unknown settings"):
        Decision.load(tmp_path / "odd.json")


def test_the_implicit_signal_follows_the_decision():
    import pandas as pd

    from paper2prod.decision import implicit_signal

    ratings = pd.DataFrame(
        {"userId": [1, 1, 2], "movieId": [10, 11, 10], "rating": [0.5, 4.0, 3.5], "timestamp": [1, 2, 3]}
    )
    every = implicit_signal(ratings, "every rating")
    assert list(every.columns) == ["userId", "movieId", "rating"] and list(every["rating"]) == [1.0, 1.0, 1.0]
    floor = implicit_signal(ratings, "ratings at or above the floor", 3.5)
    assert list(floor["movieId"]) == [11, 10] and list(floor["rating"]) == [1.0, 1.0]
    assert list(implicit_signal(ratings, "confidence from the rating")["rating"]) == [0.5, 4.0, 3.5]
    with pytest.raises(DecisionError, match="rating_floor"):
        implicit_signal(ratings, "every rating", 3.0)


def test_low_ratings_as_negative_is_sparks_p0_confidence_signal():
    import pandas as pd

    from paper2prod.decision import implicit_signal

    ratings = pd.DataFrame({"userId": [1, 1, 2], "movieId": [10, 11, 10], "rating": [0.5, 4.0, 3.5]})
    negative = implicit_signal(ratings, "low ratings as negative", 3.5)
    assert list(negative["movieId"]) == [10, 11, 10], "nothing is left out"
    assert list(negative["rating"]) == [-1.0, 1.0, 1.0], "below the floor -1 (p = 0, c = 1 + alpha), else +1"
    assert negative["rating"].dtype == float
    with pytest.raises(DecisionError, match="rating_floor"):
        implicit_signal(ratings, "low ratings as negative")
    decision = Decision(signal="low ratings as negative", rating_floor=3.0)
    assert decision.rating_floor == 3.0


@pytest.mark.spark  # starts a JVM: not in the fast tier
def test_the_signals_agree_on_pandas_and_spark():
    import pandas as pd

    from paper2prod.decision import SIGNALS, implicit_signal
    from paper2prod.spark import get_spark

    spark = get_spark("test-decision")
    ratings = pd.DataFrame({"userId": [1, 1, 2, 3], "movieId": [10, 11, 10, 12], "rating": [0.5, 4.0, 3.5, 3.0]})
    for signal in SIGNALS:
        floor = 3.5 if signal in ("ratings at or above the floor", "low ratings as negative") else None
        local = implicit_signal(ratings, signal, floor).reset_index(drop=True)
        distributed = implicit_signal(spark.createDataFrame(ratings), signal, floor).toPandas()
        pd.testing.assert_frame_equal(local, distributed.astype(local.dtypes.to_dict()), check_dtype=False)
