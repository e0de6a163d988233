"""The decision file lesson 06 writes and lesson 07's job reads."""
import pytest

from paper2prod.decision import Decision, DecisionError


def test_a_decision_survives_the_round_trip(tmp_path):
    decision = Decision(min_ratings=30, rank=12, signal="ratings at or above the floor", rating_floor=3.5)
    path = decision.save(tmp_path / "decision.json")
    assert Decision.load(path) == decision
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("settings, says", [
    ({"k": 0}, "k must be"),
    ({"min_ratings": 2.5}, "min_ratings"),
    ({"signal": "stars"}, "signal must be"),
    ({"rating_floor": 4.0}, "rating_floor"),
    ({"alpha": -1.0}, "cannot be negative"),
])
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
