import numpy as np
import pytest

from paper2prod.synthetic import make_ratings


def test_same_seed_same_data_other_seed_other_data():
    a, b = make_ratings(20_000, seed=3), make_ratings(20_000, seed=3)
    assert a.equals(b)
    assert not a.equals(make_ratings(20_000, seed=4))


def test_shape_and_scale():
    frame = make_ratings(50_000, seed=1)
    assert abs(len(frame) - 50_000) <= 50_000 * 0.01
    assert not frame.duplicated(["userId", "movieId"]).any()
    assert frame.userId.min() >= 1 and frame.movieId.min() >= 1
    halves = frame.rating * 2
    assert frame.rating.between(0.5, 5).all() and np.allclose(halves, halves.round())


def test_long_tails_and_planted_one_rating_films():
    frame = make_ratings(100_000, one_rating_share=0.1, seed=2)
    per_film = frame.movieId.value_counts()
    singles = per_film[per_film == 1].index
    single_fives = (frame.set_index("movieId").loc[singles, "rating"] == 5.0).sum()
    assert single_fives >= 0.1 * frame.movieId.nunique(), "the planted one-rating films get a 5.0"
    per_user = frame.userId.value_counts()
    assert per_user.max() > 5 * per_user.median(), "a few users should rate far more than most"
    assert per_film.max() > 20 * per_film.median(), "a few films should be far more popular"


def test_ratings_carry_signal():
    """The latent structure is learnable: users' ratings are not coin flips."""
    frame = make_ratings(30_000, noise=0.3, seed=5)
    film_mean = frame.groupby("movieId").rating.transform("mean")
    assert np.corrcoef(film_mean, frame.rating)[0, 1] > 0.3


def test_sizes_from_tiny_to_millions():
    assert len(make_ratings(500, seed=0)) > 400
    big = make_ratings(2_000_000, seed=0)
    assert len(big) > 1_990_000


def test_impossible_request_is_refused():
    with pytest.raises(ValueError, match="do not fit"):
        make_ratings(10_000, n_users=10, n_items=10)
