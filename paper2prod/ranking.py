"""Ranking metrics for top-k recommendation lists (taught in lesson 04, used again in 06).

Every metric takes

    recommended  user -> items in ranked order (best first): a dict of lists, or a
                 DataFrame with user, item and rank columns (see `as_lists`)
    relevant     user -> the items that count as hits for that user (for example the
                 films they rated 4 or more in a held-out split): a dict of sets, or a
                 DataFrame with user and item columns (see `as_sets`)

and averages over the users who have at least one relevant item. A user with
relevant items but no recommendations scores zero: a missing list is a miss, not
something to skip. Relevance is binary. An item repeated in a list counts once,
at its first position.

    ndcg_at_k({1: [10, 11, 12]}, {1: {12}}, k=3)   # 0.5: the hit is at rank 3
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

# Answers lesson 04 exercises 5-7, and lessons 06 and 07 need it: the student copy gets it from lesson 05 on.
RELEASED_WITH = "05-data-cleaning"

Lists = Mapping[object, Sequence]
Sets = Mapping[object, Collection]


def as_lists(
    frame: pd.DataFrame, user: str = "userId", item: str = "movieId", order: str = "rank", ascending: bool = True
) -> dict:
    """Ranked lists from a long table: one row per (user, item), sorted by `order`.

    With scores instead of ranks, pass order="score", ascending=False.
    """
    ranked = frame.sort_values([user, order], ascending=[True, ascending], kind="stable")
    return {key: list(group) for key, group in ranked.groupby(user, sort=False)[item]}


def as_sets(frame: pd.DataFrame, user: str = "userId", item: str = "movieId") -> dict:
    """Relevant items per user from a long table (for example held-out ratings >= 4)."""
    return {key: set(group) for key, group in frame.groupby(user)[item]}


def _check_k(k: int) -> int:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive whole number, got {k!r}")
    return int(k)


def _lists(recommended) -> Lists:
    return as_lists(recommended) if isinstance(recommended, pd.DataFrame) else recommended


def _sets(relevant) -> dict:
    relevant = as_sets(relevant) if isinstance(relevant, pd.DataFrame) else relevant
    users = {user: set(items) for user, items in relevant.items() if len(items)}
    if not users:
        raise ValueError("no user has a relevant item: there is nothing to measure")
    return users


def _hits(items: Sequence, wanted: set, k: int) -> list[bool]:
    """Hit (True) or miss at each of the first k positions; repeats are misses."""
    seen, hits = set(), []
    for item in list(items)[:k]:
        hits.append(item in wanted and item not in seen)
        seen.add(item)
    return hits


def _average(per_user: dict, per_user_result: bool):
    series = pd.Series(per_user, dtype=float)
    return series if per_user_result else float(series.mean())


def precision_at_k(recommended, relevant, k: int = 10, per_user: bool = False):
    """Share of the top k that are relevant (hits / k), averaged over users."""
    k, lists = _check_k(k), _lists(recommended)
    scores = {user: sum(_hits(lists.get(user, []), wanted, k)) / k for user, wanted in _sets(relevant).items()}
    return _average(scores, per_user)


def recall_at_k(recommended, relevant, k: int = 10, per_user: bool = False):
    """Share of a user's relevant items found in the top k, averaged over users."""
    k, lists = _check_k(k), _lists(recommended)
    scores = {
        user: sum(_hits(lists.get(user, []), wanted, k)) / len(wanted) for user, wanted in _sets(relevant).items()
    }
    return _average(scores, per_user)


def ndcg_at_k(recommended, relevant, k: int = 10, per_user: bool = False):
    """Normalised discounted cumulative gain with binary relevance, averaged over users.

    A hit at position i (1-based) earns 1 / log2(i + 1); the sum is divided by
    the best possible sum, reached when every relevant item (up to k) comes first.
    """
    k, lists = _check_k(k), _lists(recommended)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    scores = {}
    for user, wanted in _sets(relevant).items():
        hits = np.array(_hits(lists.get(user, []), wanted, k), dtype=bool)
        gained = discount[: hits.size][hits].sum()
        scores[user] = gained / discount[: min(k, len(wanted))].sum()
    return _average(scores, per_user)


def coverage(recommended, catalogue: Iterable, k: int | None = None) -> float:
    """Share of the catalogue that appears in at least one list (in its top k, if given)."""
    catalogue = set(catalogue)
    if not catalogue:
        raise ValueError("the catalogue is empty")
    k = None if k is None else _check_k(k)
    shown = set()
    for items in _lists(recommended).values():
        shown.update(list(items)[:k])
    return len(shown & catalogue) / len(catalogue)
