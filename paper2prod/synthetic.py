"""Deterministic MovieLens-shaped ratings at any size, for fast tests and benchmarks.

Ratings come from a low-rank model (global mean + user bias + film bias + a dot
product of latent factors + noise), on MovieLens's half-star scale. Who rates
what follows long tails like the real data: a few users rate a lot, a few films
are rated by many, and a planted share of films has one single high rating
(the trap of lesson 04).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from paper2prod.data import RATING_DTYPES

START = 1_104_537_600  # 2005-01-01 UTC
SPAN = 13 * 365 * 24 * 3600


def default_shape(n_ratings: int) -> tuple[int, int]:
    """Users and films for a given number of ratings, about as dense as ml-latest-small."""
    n_users = max(20, n_ratings // 160)
    n_items = max(40, min(n_ratings // 10, 100_000))
    return n_users, n_items


def make_ratings(
    n_ratings: int = 100_000,
    n_users: int | None = None,
    n_items: int | None = None,
    rank: int = 8,
    one_rating_share: float = 0.05,
    noise: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """Return about n_ratings unique (userId, movieId) ratings; ids start at 1.

    one_rating_share: fraction of films that get exactly one rating, a 5.0.
    The same arguments always give the same frame.
    """
    if n_ratings < 10:
        raise ValueError("n_ratings must be at least 10")
    default_users, default_items = default_shape(n_ratings)
    n_users = n_users or default_users
    n_items = n_items or default_items
    if n_ratings > n_users * n_items // 2:
        raise ValueError(
            f"{n_ratings} ratings do not fit {n_users} users x {n_items} films; ask for more users or films"
        )
    rng = np.random.default_rng(seed)
    n_single = int(round(n_items * one_rating_share))
    n_regular = n_items - n_single

    # Long tails: Zipf-like weights, shuffled so popularity is not tied to the id.
    user_weight = rng.permutation(1.0 / np.arange(1, n_users + 1) ** 0.7)
    item_weight = rng.permutation(1.0 / np.arange(1, n_regular + 1) ** 0.9)
    wanted = n_ratings - n_single
    pairs = np.empty(0, dtype=np.int64)
    while pairs.size < wanted:  # draw, drop repeated pairs, top up
        draw = int((wanted - pairs.size) * 1.3) + 16
        users = rng.choice(n_users, size=draw, p=user_weight / user_weight.sum())
        items = rng.choice(n_regular, size=draw, p=item_weight / item_weight.sum())
        pairs = np.unique(np.concatenate([pairs, users.astype(np.int64) * n_items + items]))
    pairs = rng.permutation(pairs)[:wanted]
    users, items = np.divmod(pairs, n_items)

    user_factors = rng.normal(0, 1 / np.sqrt(rank), (n_users, rank))
    item_factors = rng.normal(0, 1 / np.sqrt(rank), (n_regular, rank))
    user_bias = rng.normal(0, 0.35, n_users)
    item_bias = rng.normal(0, 0.45, n_regular)
    score = (
        3.5
        + user_bias[users]
        + item_bias[items]
        + np.einsum("ij,ij->i", user_factors[users], item_factors[items])
        + rng.normal(0, noise, users.size)
    )
    ratings = np.clip(np.round(score * 2) / 2, 0.5, 5.0)

    # The trap: films rated once, with top marks, by a random user.
    single_items = np.arange(n_regular, n_items)
    single_users = rng.choice(n_users, size=n_single)
    users = np.concatenate([users, single_users])
    items = np.concatenate([items, single_items])
    ratings = np.concatenate([ratings, np.full(n_single, 5.0)])
    timestamps = START + rng.integers(0, SPAN, users.size)

    frame = pd.DataFrame({"userId": users + 1, "movieId": items + 1, "rating": ratings, "timestamp": timestamps})
    return frame.sort_values(["userId", "movieId"], ignore_index=True).astype(RATING_DTYPES)
