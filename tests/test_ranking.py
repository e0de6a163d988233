"""Ranking metrics, on cases small enough to compute by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from paper2prod.ranking import as_lists, as_sets, coverage, ndcg_at_k, precision_at_k, recall_at_k

RECOMMENDED = {1: [10, 11, 12, 13], 2: [20, 21, 22, 23]}
RELEVANT = {1: {11, 13, 99}, 2: {20}}


def test_precision_counts_hits_over_k():
    # user 1: 2 hits in 4, user 2: 1 hit in 4
    assert precision_at_k(RECOMMENDED, RELEVANT, k=4) == pytest.approx((2 / 4 + 1 / 4) / 2)
    assert precision_at_k(RECOMMENDED, RELEVANT, k=1) == pytest.approx((0 + 1) / 2)


def test_recall_counts_hits_over_relevant():
    assert recall_at_k(RECOMMENDED, RELEVANT, k=4) == pytest.approx((2 / 3 + 1) / 2)
    assert recall_at_k(RECOMMENDED, RELEVANT, k=2) == pytest.approx((1 / 3 + 1) / 2)


def test_ndcg_by_hand():
    # user 1: hits at ranks 2 and 4; ideal puts the 3 relevant items at ranks 1-3
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(RECOMMENDED, RELEVANT, k=4) == pytest.approx((dcg / ideal + 1.0) / 2)
    assert ndcg_at_k({1: [10, 11, 12]}, {1: {12}}, k=3) == pytest.approx(0.5)


def test_perfect_and_empty_lists():
    assert ndcg_at_k({1: [5, 6]}, {1: {5, 6}}, k=10) == pytest.approx(1.0)
    assert ndcg_at_k({1: [6, 5]}, {1: {5, 6}}, k=10) == pytest.approx(1.0)
    assert ndcg_at_k({}, {1: {5}}, k=10) == 0.0, "a user without a list scores zero"
    assert precision_at_k({1: []}, {1: {5}}, k=10) == 0.0


def test_users_without_relevant_items_are_not_averaged():
    relevant = {1: {10}, 2: set()}
    assert precision_at_k({1: [10], 2: [10]}, relevant, k=1) == 1.0
    with pytest.raises(ValueError, match="nothing to measure"):
        ndcg_at_k({1: [10]}, {1: set()}, k=10)


def test_repeated_item_counts_once():
    assert precision_at_k({1: [7, 7, 7]}, {1: {7}}, k=3) == pytest.approx(1 / 3)
    assert ndcg_at_k({1: [7, 7]}, {1: {7, 8}}, k=2) <= 1.0


def test_per_user_results():
    scores = ndcg_at_k(RECOMMENDED, RELEVANT, k=4, per_user=True)
    assert isinstance(scores, pd.Series) and set(scores.index) == {1, 2}
    assert scores[2] == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_k_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="k must be"):
        precision_at_k(RECOMMENDED, RELEVANT, k=bad)


def test_frames_are_accepted_and_sorted_by_rank():
    recs = pd.DataFrame({"userId": [1, 1, 1], "movieId": [12, 10, 11], "rank": [3, 1, 2]})
    assert as_lists(recs) == {1: [10, 11, 12]}
    held_out = pd.DataFrame({"userId": [1, 1], "movieId": [12, 40]})
    assert as_sets(held_out) == {1: {12, 40}}
    assert ndcg_at_k(recs, held_out, k=3) == pytest.approx(ndcg_at_k({1: [10, 11, 12]}, {1: {12, 40}}, k=3))
    by_score = pd.DataFrame({"userId": [1, 1], "movieId": [5, 6], "score": [0.1, 0.9]})
    assert as_lists(by_score, order="score", ascending=False) == {1: [6, 5]}


def test_coverage():
    assert coverage(RECOMMENDED, range(10, 30)) == pytest.approx(8 / 20)
    assert coverage(RECOMMENDED, range(10, 30), k=1) == pytest.approx(2 / 20)
    assert coverage({1: [999]}, [1, 2]) == 0.0, "items outside the catalogue do not count"
    with pytest.raises(ValueError):
        coverage(RECOMMENDED, [])


def test_agrees_with_a_vectorised_reference():
    rng = np.random.default_rng(0)
    recommended = {u: list(rng.choice(50, 10, replace=False)) for u in range(30)}
    relevant = {u: set(rng.choice(50, rng.integers(1, 15), replace=False)) for u in range(30)}
    hits = np.array([[item in relevant[u] for item in recommended[u]] for u in range(30)], float)
    discount = 1 / np.log2(np.arange(2, 12))
    ideal = np.array([discount[: min(10, len(relevant[u]))].sum() for u in range(30)])
    assert ndcg_at_k(recommended, relevant) == pytest.approx(((hits * discount).sum(1) / ideal).mean())
    assert precision_at_k(recommended, relevant) == pytest.approx(hits.mean())
