"""Typical wrong answers for 04-recommend-for-me, bundled three submissions deep.

Each bundle replaces several independent solution cells; every named test cell
must then score zero (all others full marks) and show the hint in `says`.
"""

WRONG_ANSWERS = [
    dict(
        name="metric-slips",
        cells={
            # Precision divided by the number of hits: always 1 when anything is found.
            "ex5_precision": (
                "def precision_at_k(recommended, relevant, k=K):\n"
                "    hits = [film for film in list(recommended)[:k] if film in relevant]\n"
                "    return len(hits) / len(hits) if hits else 0.0"
            ),
            # Recall divided by k: that is precision again.
            "ex6_recall": (
                "def recall_at_k(recommended, relevant, k=K):\n"
                "    hits = sum(1 for film in list(recommended)[:k] if film in relevant)\n"
                "    return hits / k"
            ),
            # NDCG without the log discount: every position counts the same.
            "ex7_ndcg": (
                "def ndcg_at_k(recommended, relevant, k=K):\n"
                "    hits = sum(1 for film in list(recommended)[:k] if film in relevant)\n"
                "    return hits / min(k, len(relevant))"
            ),
        },
        loses=["ex5_precision_check", "ex6_recall_check", "ex7_ndcg_check"],
        says={
            "ex5_precision_check": "Did you divide by the number of hits?",
            "ex6_recall_check": "Recall divides the hits by the number of relevant films",
            "ex7_ndcg_check": "Did you forget the log discount?",
        },
    ),
    dict(
        name="off-by-one-and-zero",
        cells={
            # "Fewer than 5" read as "at most 5".
            "ex1_rarely_rated": (
                "def count_rarely_rated(movie_ids, n_ratings, below=5):\n"
                "    counts = n_ratings.reindex(list(movie_ids)).fillna(0)\n"
                "    return int((counts <= below).sum())\n\n\n"
                "n_rarely_rated = count_rarely_rated(my_top10, film_stats['n_ratings'])"
            ),
            # "At least" read as "more than".
            "ex2_drop_rare": (
                "def drop_rare_films(frame, min_ratings):\n"
                "    popular = frame.groupBy('movieId').count().filter(F.col('count') > min_ratings)\n"
                "    return frame.join(popular.select('movieId'), on='movieId').select(*frame.columns)"
            ),
            # Films with exactly min_ratings ratings masked too.
            "ex3_mask_rare": (
                "def mask_rare_films(scores, n_ratings, min_ratings):\n"
                "    return np.where(np.asarray(n_ratings) > min_ratings, scores, -np.inf)"
            ),
            # Shrinks towards zero instead of towards the global mean.
            "ex4_damped_mean": (
                "def damped_mean(frame, damping):\n"
                "    per_film = frame.groupby('movieId')['rating'].agg(['sum', 'size'])\n"
                "    return per_film['sum'] / (per_film['size'] + damping)"
            ),
        },
        loses=["ex1_rarely_rated_check", "ex2_drop_rare_check", "ex3_mask_rare_check", "ex4_damped_mean_check"],
        says={
            "ex1_rarely_rated_check": "5 ratings is not fewer than 5",
            "ex2_drop_rare_check": "Keep films with at least min_ratings ratings (>=)",
            "ex3_mask_rare_check": "not with at most (<=)",
            "ex4_damped_mean_check": "shrink towards the global mean, not towards zero",
        },
    ),
    dict(
        name="whole-catalogue-and-no-filter",
        cells={
            # Counts rarely rated films in the whole table, not in the list.
            "ex1_rarely_rated": (
                "def count_rarely_rated(movie_ids, n_ratings, below=5):\n"
                "    return int((n_ratings < below).sum())\n\n\n"
                "n_rarely_rated = count_rarely_rated(my_top10, film_stats['n_ratings'])"
            ),
            # Returns the counts per film instead of the ratings.
            "ex2_drop_rare": (
                "def drop_rare_films(frame, min_ratings):\n"
                "    return frame.groupBy('movieId').count().filter(F.col('count') >= min_ratings)"
            ),
            # Modifies the caller's scores in place.
            "ex3_mask_rare": (
                "def mask_rare_films(scores, n_ratings, min_ratings):\n"
                "    scores[np.asarray(n_ratings) < min_ratings] = -np.inf\n"
                "    return scores"
            ),
            # The ideal DCG counts every relevant film, even beyond k.
            "ex7_ndcg": (
                "def ndcg_at_k(recommended, relevant, k=K):\n"
                "    gain = sum(1 / np.log2(i + 2) for i, film in enumerate(list(recommended)[:k]) if film in relevant)\n"
                "    ideal = sum(1 / np.log2(i + 2) for i in range(len(relevant)))\n"
                "    return gain / ideal"
            ),
            # A threshold too low to clear the top 10 of rarely rated films.
            "ex8_threshold": "chosen_min_ratings = 2",
        },
        loses=[
            "ex1_rarely_rated_check",
            "ex2_drop_rare_check",
            "ex3_mask_rare_check",
            "ex7_ndcg_check",
            "ex8_threshold_check",
        ],
        says={
            "ex1_rarely_rated_check": "count only the films in movie_ids",
            "ex2_drop_rare_check": "Join the ids that pass back to the ratings",
            "ex3_mask_rare_check": "mask_rare_films changed its input",
            "ex7_ndcg_check": "the ideal DCG counts at most k relevant films",
            "ex8_threshold_check": "Choose a threshold where none are left",
        },
    ),
]
