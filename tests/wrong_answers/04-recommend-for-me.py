"""Typical wrong answers for 04-recommend-for-me (checked by tests/test_grading.py).

Each entry replaces several independent solution cells; the near-miss check (tools/near_misses.py) runs each wrong cell
beside an otherwise correct notebook, and every named test cell of its exercise must then score
zero (the others full marks) and show the hint in `says`. Exercise 1b has seven near misses of its
own, one per entry; the others ride along. Three more, each an entry of its own at the end (cheap:
Exercise 1b's segment only): the mean squared error, the Spark model's lists, your own list left out
of "all". Then near misses whose segments fit nothing: one bundle of exercises 1, 2, 3, 4 and 7b (a
KeyError from .loc, a window count ordered by time, a mask written for matrices only, a film's mean in
place of its sum, lists[user]), and two of 7b alone (the metric's arguments swapped; np.unique, which
sorts the ranked list: it scored full marks before the check called the metric with a list out of id
order).
"""

WRAP = "from paper2prod import ranking as _course_ranking\n\n\n"

WRONG_ANSWERS = [
    dict(
        name="metric-slips",
        cells={
            # RMSE measured on the training ratings instead of the test ratings.
            "ex1b_regularisation": (
                "def measure_regularisation(lam, weighted, below=5, biases=False):\n"
                "    scores = numpy_predictions(lam, weighted, biases)\n"
                "    rmse = float(np.sqrt(np.mean((scores[train_rows, train_columns]\n"
                "                                  - training_rows['rating'].to_numpy()) ** 2)))\n"
                "    rare = n_ratings_by_column[top_k(recommendable(scores))] < below\n"
                "    return {'RMSE': rmse, 'rare in your top 10': int(rare[row_of[MY_USER_ID]].sum()),\n"
                "            'rare in all top 10s': int(rare.sum())}"
            ),
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
            # Users without a list skipped instead of scoring as a miss.
            "ex7b_per_user": (
                "def per_user(metric, lists, relevant, k=K):\n"
                "    return pd.Series({user: metric(films, relevant[user], k) for user, films in lists.items()\n"
                "                      if len(relevant.get(user, ()))}, dtype=float)"
            ),
            # Coverage is fine, but NDCG is decidedly below the damped popularity baseline.
            "ex8_threshold": "chosen_min_ratings = 30",
            # reindex without fillna: a film missing from n_ratings is NaN, and NaN < 5 is False.
            "ex1_rarely_rated": (
                "def count_rarely_rated(movie_ids, n_ratings, below=5):\n"
                "    return int((n_ratings.reindex(list(movie_ids)) < below).sum())\n\n\n"
                "n_rarely_rated = count_rarely_rated(my_top10, film_stats['n_ratings'])"
            ),
            # Right rows, but handed back as pandas.
            "ex2_drop_rare": (
                "def drop_rare_films(frame, min_ratings):\n"
                "    popular = frame.groupBy('movieId').count().filter(F.col('count') >= min_ratings).select('movieId')\n"
                "    return frame.join(popular, on='movieId').select(*frame.columns).toPandas()"
            ),
            # A boolean mask over films used as an index: right for one user's vector, wrong for a matrix.
            "ex3_mask_rare": (
                "def mask_rare_films(scores, n_ratings, min_ratings):\n"
                "    masked = scores.copy()\n"
                "    masked[np.asarray(n_ratings) < min_ratings] = -np.inf\n"
                "    return masked"
            ),
            # The global mean taken as the mean of the films' means.
            "ex4_damped_mean": (
                "def damped_mean(frame, damping):\n"
                "    per_film = frame.groupby('movieId')['rating'].agg(['sum', 'size', 'mean'])\n"
                "    return (per_film['sum'] + damping * per_film['mean'].mean()) / (per_film['size'] + damping)"
            ),
        },
        loses=[
            "ex1b_regularisation_check",
            "ex5_precision_check",
            "ex6_recall_check",
            "ex7_ndcg_check",
            "ex7b_per_user_check",
            "ex8_threshold_check",
            "ex1_rarely_rated_check",
            "ex2_drop_rare_check",
            "ex3_mask_rare_check",
            "ex4_damped_mean_check",
        ],
        says={
            "ex1_rarely_rated_check": "a film missing from n_ratings has no ratings",
            "ex2_drop_rare_check": "should return a Spark DataFrame",
            "ex3_mask_rare_check": "mask those columns in every row",
            "ex4_damped_mean_check": "not of the films' means",
            "ex1b_regularisation_check": "your RMSE is the error on the training ratings",
            "ex5_precision_check": "Did you divide by the number of hits?",
            "ex6_recall_check": "Recall divides the hits by the number of relevant films",
            "ex7_ndcg_check": "Did you forget the log discount?",
            "ex7b_per_user_check": "not be skipped",
            "ex8_threshold_check": "decidedly below",  # the visible check (alone) or the hidden one (after metric slips)
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
            # The same slip in the sweep: at most `below` ratings.
            "ex1b_regularisation": (
                "def measure_regularisation(lam, weighted, below=5, biases=False):\n"
                "    scores = numpy_predictions(lam, weighted, biases)\n"
                "    cells = (row_of[known_test['userId']].to_numpy(), column_of[known_test['movieId']].to_numpy())\n"
                "    rmse = float(np.sqrt(np.mean((scores[cells] - known_test['rating'].to_numpy()) ** 2)))\n"
                "    rare = n_ratings_by_column[top_k(recommendable(scores))] <= below\n"
                "    return {'RMSE': rmse, 'rare in your top 10': int(rare[row_of[MY_USER_ID]].sum()),\n"
                "            'rare in all top 10s': int(rare.sum())}"
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
            # The ideal DCG over k places, even when fewer films are relevant.
            "ex7_ndcg": (
                "def ndcg_at_k(recommended, relevant, k=K):\n"
                "    gain = sum(1 / np.log2(i + 2) for i, film in enumerate(list(recommended)[:k]) if film in relevant)\n"
                "    return gain / sum(1 / np.log2(i + 2) for i in range(k))"
            ),
            # Averages over every user seen, those with nothing relevant included.
            "ex7b_per_user": (
                "def per_user(metric, lists, relevant, k=K):\n"
                "    users = sorted(set(lists) | set(relevant))\n"
                "    return pd.Series({user: metric(lists.get(user, []), relevant.get(user, set()), k)\n"
                "                      for user in users}, dtype=float)"
            ),
            # Past the peak: a lower threshold gives more NDCG and more coverage.
            "ex8_threshold": "chosen_min_ratings = 150",
            # Divides by the places the list has, not by k: a short list looks better than it is.
            "ex5_precision": (
                "def precision_at_k(recommended, relevant, k=K):\n"
                "    top = list(recommended)[:k]\n"
                "    return len(set(top) & set(relevant)) / len(top) if top else 0.0"
            ),
            # Recall capped like the ideal DCG: divides by min(k, |relevant|).
            "ex6_recall": (
                "def recall_at_k(recommended, relevant, k=K):\n"
                "    return len(set(list(recommended)[:k]) & set(relevant)) / min(k, len(relevant))"
            ),
        },
        loses=[
            "ex5_precision_check",
            "ex6_recall_check",
            "ex1_rarely_rated_check",
            "ex1b_regularisation_check",
            "ex2_drop_rare_check",
            "ex3_mask_rare_check",
            "ex4_damped_mean_check",
            "ex7_ndcg_check",
            "ex7b_per_user_check",
            "ex8_threshold_check",
        ],
        says={
            "ex5_precision_check": "a short list: the empty places are misses",
            "ex6_recall_check": "not by min(k, |relevant|)",
            "ex1_rarely_rated_check": "5 ratings is not fewer than 5",
            "ex1b_regularisation_check": "you counted films with at most `below` ratings",
            "ex2_drop_rare_check": "Keep films with at least min_ratings ratings (>=)",
            "ex3_mask_rare_check": "not with at most (<=)",
            "ex4_damped_mean_check": "shrink towards the global mean, not towards zero",
            "ex7_ndcg_check": "ideal = 1 + 1/log2(3) + 1/log2(4)",
            "ex7b_per_user_check": "leave them out",
            "ex8_threshold_check": "a higher NDCG@10 and a higher coverage",  # the visible check or the hidden one
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
            # Counts distinct rare films across all lists, not places in the lists.
            "ex1b_regularisation": (
                "def measure_regularisation(lam, weighted, below=5, biases=False):\n"
                "    scores = numpy_predictions(lam, weighted, biases)\n"
                "    cells = (row_of[known_test['userId']].to_numpy(), column_of[known_test['movieId']].to_numpy())\n"
                "    rmse = float(np.sqrt(np.mean((scores[cells] - known_test['rating'].to_numpy()) ** 2)))\n"
                "    lists = top_k(recommendable(scores))\n"
                "    rare = n_ratings_by_column[lists] < below\n"
                "    return {'RMSE': rmse, 'rare in your top 10': int(rare[row_of[MY_USER_ID]].sum()),\n"
                "            'rare in all top 10s': int(np.unique(lists[rare]).size)}"
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
            # k not passed on to the metric.
            "ex7b_per_user": (
                "def per_user(metric, lists, relevant, k=K):\n"
                "    return pd.Series({user: metric(lists.get(user, []), films) for user, films in relevant.items()\n"
                "                      if len(films)}, dtype=float)"
            ),
            # A threshold too low to clear the top 10 of rarely rated films.
            "ex8_threshold": "chosen_min_ratings = 2",
            # Repeats removed before cutting at k: a repeat makes room for the film after the k-th place.
            "ex5_precision": (
                "def precision_at_k(recommended, relevant, k=K):\n"
                "    top = list(dict.fromkeys(recommended))[:k]\n"
                "    return len(set(top) & set(relevant)) / k"
            ),
            "ex6_recall": (
                "def recall_at_k(recommended, relevant, k=K):\n"
                "    top = list(dict.fromkeys(recommended))[:k]\n"
                "    return len(set(top) & set(relevant)) / len(relevant)"
            ),
        },
        loses=[
            "ex5_precision_check",
            "ex6_recall_check",
            "ex1_rarely_rated_check",
            "ex1b_regularisation_check",
            "ex2_drop_rare_check",
            "ex3_mask_rare_check",
            "ex7_ndcg_check",
            "ex7b_per_user_check",
            "ex8_threshold_check",
        ],
        says={
            "ex5_precision_check": "take the first k places, then count each film once",
            "ex6_recall_check": "take the first k places, then count each film once",
            "ex1_rarely_rated_check": "count only the films in movie_ids",
            "ex1b_regularisation_check": "you counted distinct films",
            "ex2_drop_rare_check": "Join the ids that pass back to the ratings",
            "ex3_mask_rare_check": "mask_rare_films changed its input",
            "ex7_ndcg_check": "the ideal DCG counts at most k relevant films",
            "ex7b_per_user_check": "Pass k on to the metric",
            "ex8_threshold_check": "Choose a threshold where none are left",
        },
    ),
    dict(
        name="wrapping-the-course-metrics",
        cells={
            # The lists include films the user already rated.
            "ex1b_regularisation": (
                "def measure_regularisation(lam, weighted, below=5, biases=False):\n"
                "    scores = numpy_predictions(lam, weighted, biases)\n"
                "    cells = (row_of[known_test['userId']].to_numpy(), column_of[known_test['movieId']].to_numpy())\n"
                "    rmse = float(np.sqrt(np.mean((scores[cells] - known_test['rating'].to_numpy()) ** 2)))\n"
                "    rare = n_ratings_by_column[top_k(scores)] < below\n"
                "    return {'RMSE': rmse, 'rare in your top 10': int(rare[row_of[MY_USER_ID]].sum()),\n"
                "            'rare in all top 10s': int(rare.sum())}"
            ),
            # Each metric wraps paper2prod.ranking (released with lesson 05): right numbers, no work.
            "ex5_precision": WRAP
            + (
                "def precision_at_k(recommended, relevant, k=K):\n"
                "    return _course_ranking.precision_at_k({0: list(recommended)}, {0: set(relevant)}, k=k)"
            ),
            "ex6_recall": (
                "from paper2prod.ranking import recall_at_k as _course_recall\n\n\n"
                "def recall_at_k(recommended, relevant, k=K):\n"
                "    return _course_recall({0: list(recommended)}, {0: set(relevant)}, k=k)"
            ),
            "ex7_ndcg": WRAP
            + (
                "def ndcg_at_k(recommended, relevant, k=K):\n"
                "    return _course_ranking.ndcg_at_k({0: list(recommended)}, {0: set(relevant)}, k=k)"
            ),
            # The join puts movieId first; the original column order is not restored.
            "ex2_drop_rare": (
                "def drop_rare_films(frame, min_ratings):\n"
                "    popular = frame.groupBy('movieId').count().filter(F.col('count') >= min_ratings).select('movieId')\n"
                "    return frame.join(popular, on='movieId')"
            ),
            # NaN instead of -inf: top_k is not guaranteed to skip it.
            "ex3_mask_rare": (
                "def mask_rare_films(scores, n_ratings, min_ratings):\n"
                "    return np.where(np.asarray(n_ratings) >= min_ratings, scores, np.nan)"
            ),
            # The global mean of the lesson's training table, not of the frame given.
            "ex4_damped_mean": (
                "def damped_mean(frame, damping):\n"
                "    per_film = frame.groupby('movieId')['rating'].agg(['sum', 'size'])\n"
                "    return (per_film['sum'] + damping * training_rows['rating'].mean()) / (per_film['size'] + damping)"
            ),
            # The right threshold, typed as text.
            "ex8_threshold": "chosen_min_ratings = '100'",
            "ex7b_per_user": WRAP
            + (
                "def per_user(metric, lists, relevant, k=K):\n"
                "    _course_ranking.precision_at_k(lists, relevant, k=k)  # checks the inputs\n"
                "    return pd.Series({user: metric(lists.get(user, []), films, k) for user, films in relevant.items()\n"
                "                      if len(films)}, dtype=float)"
            ),
        },
        loses=[
            "ex1b_regularisation_check",
            "ex5_precision_check",
            "ex6_recall_check",
            "ex7_ndcg_check",
            "ex7b_per_user_check",
            "ex2_drop_rare_check",
            "ex3_mask_rare_check",
            "ex4_damped_mean_check",
            "ex8_threshold_check",
        ],
        says={
            "ex2_drop_rare_check": "in that order",
            "ex3_mask_rare_check": "Use -np.inf",
            "ex4_damped_mean_check": "global mean 19/7",
            "ex8_threshold_check": "choose one of the thresholds you measured",
            "ex1b_regularisation_check": "your lists include films the user already rated",
            "ex5_precision_check": "precision_at_k calls paper2prod.ranking",
            "ex6_recall_check": "recall_at_k calls paper2prod.ranking",
            "ex7_ndcg_check": "ndcg_at_k calls paper2prod.ranking",
            "ex7b_per_user_check": "per_user calls paper2prod.ranking",
        },
    ),
    dict(
        name="repeats-counted-twice",
        cells={
            # One λ for every row of the sweep: the course's, whatever lam says.
            "ex1b_regularisation": (
                "def measure_regularisation(lam, weighted, below=5, biases=False):\n"
                "    scores = numpy_predictions(ALS_SETTINGS['regParam'], weighted, biases)\n"
                "    cells = (row_of[known_test['userId']].to_numpy(), column_of[known_test['movieId']].to_numpy())\n"
                "    rmse = float(np.sqrt(np.mean((scores[cells] - known_test['rating'].to_numpy()) ** 2)))\n"
                "    rare = n_ratings_by_column[top_k(recommendable(scores))] < below\n"
                "    return {'RMSE': rmse, 'rare in your top 10': int(rare[row_of[MY_USER_ID]].sum()),\n"
                "            'rare in all top 10s': int(rare.sum())}"
            ),
            # A repeated film counted at every place it appears.
            "ex5_precision": (
                "def precision_at_k(recommended, relevant, k=K):\n"
                "    return sum(film in relevant for film in list(recommended)[:k]) / k"
            ),
            "ex6_recall": (
                "def recall_at_k(recommended, relevant, k=K):\n"
                "    return sum(film in relevant for film in list(recommended)[:k]) / len(relevant)"
            ),
            # The threshold typed in as 5 instead of using `below`.
            "ex1_rarely_rated": (
                "def count_rarely_rated(movie_ids, n_ratings, below=5):\n"
                "    return int((n_ratings.reindex(list(movie_ids)).fillna(0) < 5).sum())\n\n\n"
                "n_rarely_rated = count_rarely_rated(my_top10, film_stats['n_ratings'])"
            ),
            # A left join keeps every rating: the films that fail come back too.
            "ex2_drop_rare": (
                "def drop_rare_films(frame, min_ratings):\n"
                "    popular = frame.groupBy('movieId').count().filter(F.col('count') >= min_ratings).select('movieId')\n"
                "    return frame.join(popular, on='movieId', how='left').select(*frame.columns)"
            ),
            # Scores in a list: the Series is indexed 0, 1, 2..., not by user.
            "ex7b_per_user": (
                "def per_user(metric, lists, relevant, k=K):\n"
                "    return pd.Series([metric(lists.get(user, []), films, k) for user, films in relevant.items()\n"
                "                      if len(films)], dtype=float)"
            ),
            "ex7_ndcg": (
                "def ndcg_at_k(recommended, relevant, k=K):\n"
                "    gain = sum(1 / np.log2(i + 2) for i, film in enumerate(list(recommended)[:k]) if film in relevant)\n"
                "    return gain / sum(1 / np.log2(i + 2) for i in range(min(k, len(relevant))))"
            ),
        },
        loses=[
            "ex1b_regularisation_check",
            "ex5_precision_check",
            "ex6_recall_check",
            "ex7_ndcg_check",
            "ex1_rarely_rated_check",
            "ex2_drop_rare_check",
            "ex7b_per_user_check",
        ],
        says={
            "ex1_rarely_rated_check": "use the `below` argument",
            "ex2_drop_rare_check": "film 12 (1 rating) goes",
            "ex7b_per_user_check": "The Series should be indexed by user",
            "ex1b_regularisation_check": "to numpy_predictions unchanged",
            "ex5_precision_check": "a repeated film counts once",
            "ex6_recall_check": "a repeated film counts once",
            "ex7_ndcg_check": "a repeated film counts once, at its first place",
        },
    ),
    dict(
        name="offsets-and-swaps",
        cells={
            # Weighted and plain swapped.
            "ex1b_regularisation": (
                "def measure_regularisation(lam, weighted, below=5, biases=False):\n"
                "    scores = numpy_predictions(lam, not weighted, biases)\n"
                "    cells = (row_of[known_test['userId']].to_numpy(), column_of[known_test['movieId']].to_numpy())\n"
                "    rmse = float(np.sqrt(np.mean((scores[cells] - known_test['rating'].to_numpy()) ** 2)))\n"
                "    rare = n_ratings_by_column[top_k(recommendable(scores))] < below\n"
                "    return {'RMSE': rmse, 'rare in your top 10': int(rare[row_of[MY_USER_ID]].sum()),\n"
                "            'rare in all top 10s': int(rare.sum())}"
            ),
            # k not applied: every film of the list counts.
            "ex5_precision": (
                "def precision_at_k(recommended, relevant, k=K):\n    return len(set(recommended) & set(relevant)) / k"
            ),
            # The discount offset by one: the first place earns 1 / log2(3), not 1.
            "ex7_ndcg": (
                "def ndcg_at_k(recommended, relevant, k=K):\n"
                "    gain = sum(1 / np.log2(i + 3) for i, film in enumerate(list(recommended)[:k]) if film in relevant)\n"
                "    return gain / sum(1 / np.log2(i + 2) for i in range(min(k, len(relevant))))"
            ),
            # A threshold whose NDCG is far below the popularity baseline.
            "ex8_threshold": "chosen_min_ratings = 5",
        },
        loses=["ex1b_regularisation_check", "ex5_precision_check", "ex7_ndcg_check", "ex8_threshold_check"],
        says={
            "ex1b_regularisation_check": "Pass `weighted` on unchanged",
            "ex5_precision_check": "Only the first k recommendations count.",
            "ex7_ndcg_check": "DCG = 1/log2(3) + 1/log2(6)",
            "ex8_threshold_check": "decidedly below",  # the visible check (alone) or the hidden one (after metric slips)
        },
    ),
    dict(
        name="biases-dropped-and-loose-types",
        cells={
            # Accepts `biases` but never passes it on: every row of the sweep is without biases.
            "ex1b_regularisation": (
                "def measure_regularisation(lam, weighted, below=5, biases=False):\n"
                "    scores = numpy_predictions(lam, weighted)\n"
                "    cells = (row_of[known_test['userId']].to_numpy(), column_of[known_test['movieId']].to_numpy())\n"
                "    rmse = float(np.sqrt(np.mean((scores[cells] - known_test['rating'].to_numpy()) ** 2)))\n"
                "    rare = n_ratings_by_column[top_k(recommendable(scores))] < below\n"
                "    return {'RMSE': rmse, 'rare in your top 10': int(rare[row_of[MY_USER_ID]].sum()),\n"
                "            'rare in all top 10s': int(rare.sum())}"
            ),
            # A NumPy integer, not the int the text asks for.
            "ex1_rarely_rated": (
                "def count_rarely_rated(movie_ids, n_ratings, below=5):\n"
                "    return (n_ratings.reindex(list(movie_ids)).fillna(0) < below).sum()\n\n\n"
                "n_rarely_rated = count_rarely_rated(my_top10, film_stats['n_ratings'])"
            ),
            # Counts each film's distinct raters instead of its rows.
            "ex2_drop_rare": (
                "def drop_rare_films(frame, min_ratings):\n"
                "    raters = frame.groupBy('movieId').agg(F.countDistinct('userId').alias('raters'))\n"
                "    popular = raters.filter(F.col('raters') >= min_ratings).select('movieId')\n"
                "    return frame.join(popular, on='movieId').select(*frame.columns)"
            ),
            # Repeats removed before cutting at k: the films after them move up a place.
            "ex7_ndcg": (
                "def ndcg_at_k(recommended, relevant, k=K):\n"
                "    top = list(dict.fromkeys(recommended))[:k]\n"
                "    gain = sum(1 / np.log2(i + 2) for i, film in enumerate(top) if film in relevant)\n"
                "    return gain / sum(1 / np.log2(i + 2) for i in range(min(k, len(relevant))))"
            ),
            # No dtype: integer scores (and an empty result) do not come back as floats.
            "ex7b_per_user": (
                "def per_user(metric, lists, relevant, k=K):\n"
                "    return pd.Series({user: metric(lists.get(user, []), films, k) for user, films in relevant.items()\n"
                "                      if len(films)})"
            ),
        },
        loses=[
            "ex1b_regularisation_check",
            "ex1_rarely_rated_check",
            "ex2_drop_rare_check",
            "ex7b_per_user_check",
            "ex7_ndcg_check",
        ],
        says={
            "ex7_ndcg_check": "a repeated film counts once, at its first place; its later places are misses",
            "ex1b_regularisation_check": "pass `biases` on to numpy_predictions",
            "ex1_rarely_rated_check": "return a plain int",
            "ex2_drop_rare_check": "not its distinct users",
            "ex7b_per_user_check": "per_user should return floats",
        },
    ),
]

# Near misses of Exercise 1b alone.
MEASURE = (
    "def measure_regularisation(lam, weighted, below=5, biases=False):\n"
    "    scores = numpy_predictions(lam, weighted, biases)\n"
    "    cells = (row_of[known_test['userId']].to_numpy(), column_of[known_test['movieId']].to_numpy())\n"
    "    rmse = float(np.sqrt(np.mean((scores[cells] - known_test['rating'].to_numpy()) ** 2)))\n"
    "    rare = n_ratings_by_column[top_k(recommendable(scores))] < below\n"
    "    return {'RMSE': rmse, 'rare in your top 10': int(rare[row_of[MY_USER_ID]].sum()),\n"
    "            'rare in all top 10s': int(rare.sum())}"
)


def _measure(old: str, new: str) -> str:
    assert MEASURE.count(old) == 1, old
    return MEASURE.replace(old, new)


WRONG_ANSWERS += [
    dict(
        name="mean-squared-error",
        cell="ex1b_regularisation",
        source=_measure("float(np.sqrt(np.mean(", "float(np.mean(("),  # the square root left out
        loses=["ex1b_regularisation_check"],
        says="is the mean squared error",
    ),
    dict(
        name="lists-of-the-spark-model",
        cell="ex1b_regularisation",
        source=_measure(
            "top_k(recommendable(scores))", "top_k(np.where(seen | np.isnan(predicted), -np.inf, predicted))"
        ),
        loses=["ex1b_regularisation_check"],
        says="your lists come from the Spark model",
    ),
    dict(
        name="own-list-left-out-of-all",
        cell="ex1b_regularisation",
        source=_measure(
            "'rare in all top 10s': int(rare.sum())",
            "'rare in all top 10s': int(rare.sum()) - int(rare[row_of[MY_USER_ID]].sum())",
        ),
        loses=["ex1b_regularisation_check"],
        says="yours included",
    ),
]

# Near misses found by a second pass over exercises 1-4 and 7b (each cheap: no fit in its segment).
WRONG_ANSWERS += [
    dict(
        name="lookups-windows-and-means",
        cells={
            # .loc on the ids: a film missing from n_ratings raises KeyError instead of counting.
            "ex1_rarely_rated": (
                "def count_rarely_rated(movie_ids, n_ratings, below=5):\n"
                "    return int((n_ratings.loc[list(movie_ids)] < below).sum())\n\n\n"
                "n_rarely_rated = count_rarely_rated(my_top10, film_stats['n_ratings'])"
            ),
            # A count over a window ordered by time: a running count, so a film's first ratings go.
            "ex2_drop_rare": (
                "from pyspark.sql import Window\n\n\n"
                "def drop_rare_films(frame, min_ratings):\n"
                "    so_far = F.count('*').over(Window.partitionBy('movieId').orderBy('timestamp'))\n"
                "    return frame.withColumn('n', so_far).filter(F.col('n') >= min_ratings).drop('n')"
            ),
            # Written for the matrix only: masks columns with [:, mask], which fails on one user's vector.
            "ex3_mask_rare": (
                "def mask_rare_films(scores, n_ratings, min_ratings):\n"
                "    masked = np.array(scores, dtype=float)\n"
                "    masked[:, np.asarray(n_ratings) < min_ratings] = -np.inf\n"
                "    return masked"
            ),
            # The film's mean rating in place of the sum of its ratings.
            "ex4_damped_mean": (
                "def damped_mean(frame, damping):\n"
                "    global_mean = frame['rating'].mean()\n"
                "    per_film = frame.groupby('movieId')['rating'].agg(['mean', 'size'])\n"
                "    return (per_film['mean'] + damping * global_mean) / (per_film['size'] + damping)"
            ),
            # lists[user]: a user with relevant films but no list raises KeyError instead of scoring 0.
            "ex7b_per_user": (
                "def per_user(metric, lists, relevant, k=K):\n"
                "    return pd.Series({user: metric(lists[user], films, k) for user, films in relevant.items()\n"
                "                      if len(films)}, dtype=float)"
            ),
        },
        loses=[
            "ex1_rarely_rated_check",
            "ex2_drop_rare_check",
            "ex3_mask_rare_check",
            "ex4_damped_mean_check",
            "ex7b_per_user_check",
        ],
        says={
            "ex1_rarely_rated_check": "n_ratings.loc[ids] (or n_ratings[ids]) fails on a missing id",
            "ex2_drop_rare_check": "A count over a window with an orderBy",
            "ex3_mask_rare_check": "index the last axis with [..., mask]",
            "ex4_damped_mean_check": "its mean rating (3) in place of the sum",
            "ex7b_per_user_check": "do not look up lists[user]",
        },
    ),
    dict(
        name="metric-arguments-swapped",
        cell="ex7b_per_user",
        # The relevant set passed as the list and the list as the relevant set.
        source=(
            "def per_user(metric, lists, relevant, k=K):\n"
            "    return pd.Series({user: metric(films, lists.get(user, []), k) for user, films in relevant.items()\n"
            "                      if len(films)}, dtype=float)"
        ),
        loses=["ex7b_per_user_check"],
        says="the user's list first",
    ),
    dict(
        name="ranked-list-deduplicated-by-np-unique",
        cell="ex7b_per_user",
        # Repeats removed with np.unique, which also sorts the list by film id: the ranking is lost.
        source=(
            "def per_user(metric, lists, relevant, k=K):\n"
            "    return pd.Series({user: metric(np.unique(lists.get(user, [])), films, k)\n"
            "                      for user, films in relevant.items() if len(films)}, dtype=float)"
        ),
        loses=["ex7b_per_user_check"],
        says="np.unique or sorted loses the ranking",
    ),
]

# Near misses a third pass found scoring full marks (each cheap: no fit in its segment). The metrics
# remove hits from `relevant` as they count them: right for one call, but the caller's sets shrink, so
# recall, NDCG and every threshold after it are scored on what is left.
_MUTATES = "    hits = 0\n    for film in list(recommended)[:k]:\n        if film in relevant:\n            hits += 1\n            relevant.discard(film)  # a repeat is a miss\n"
WRONG_ANSWERS += [
    dict(
        name="copies-and-arrays",
        cells={
            # distinct() on the result: an exact copy of a row is dropped.
            "ex2_drop_rare": (
                "def drop_rare_films(frame, min_ratings):\n"
                "    popular = frame.groupBy('movieId').count().filter(F.col('count') >= min_ratings).select('movieId')\n"
                "    return frame.join(popular, on='movieId', how='inner').select(*frame.columns).distinct()"
            ),
            # float32: the kept scores change in their last digits.
            "ex3_mask_rare": (
                "def mask_rare_films(scores, n_ratings, min_ratings):\n"
                "    return np.where(np.asarray(n_ratings) >= min_ratings, scores, -np.inf).astype(np.float32)"
            ),
            "ex5_precision": "def precision_at_k(recommended, relevant, k=K):\n" + _MUTATES + "    return hits / k",
            # `or []`: asks a NumPy array (the notebook's lists) whether it is true.
            "ex7b_per_user": (
                "def per_user(metric, lists, relevant, k=K):\n"
                "    return pd.Series({user: metric(lists.get(user) or [], films, k) for user, films in relevant.items()\n"
                "                      if films}, dtype=float)"
            ),
        },
        loses=["ex2_drop_rare_check", "ex3_mask_rare_check", "ex5_precision_check", "ex7b_per_user_check"],
        says={
            "ex2_drop_rare_check": "no distinct(), before or after",
            "ex3_mask_rare_check": "every other score is unchanged",
            "ex5_precision_check": "changed the set it was given",
            "ex7b_per_user_check": "use lists.get(user, [])",
        },
    ),
    dict(
        name="relevant-emptied-while-counting",
        cells={
            # Rows made distinct before counting: a copied row counts once.
            "ex2_drop_rare": (
                "def drop_rare_films(frame, min_ratings):\n"
                "    popular = (frame.distinct().groupBy('movieId').count().filter(F.col('count') >= min_ratings)\n"
                "               .select('movieId'))\n"
                "    return frame.join(popular, on='movieId', how='inner').select(*frame.columns)"
            ),
            "ex6_recall": (
                "def recall_at_k(recommended, relevant, k=K):\n    n_relevant = len(relevant)\n"
                + _MUTATES
                + "    return hits / n_relevant"
            ),
            "ex7_ndcg": (
                "def ndcg_at_k(recommended, relevant, k=K):\n"
                "    ideal = sum(1 / np.log2(i + 2) for i in range(min(k, len(relevant))))\n"
                "    dcg = 0.0\n    for i, film in enumerate(list(recommended)[:k]):\n"
                "        if film in relevant:\n            dcg += 1 / np.log2(i + 2)\n"
                "            relevant.discard(film)  # a repeat is a miss\n    return dcg / ideal"
            ),
        },
        loses=["ex2_drop_rare_check", "ex6_recall_check", "ex7_ndcg_check"],
        says={
            "ex2_drop_rare_check": "no distinct(), before or after",
            "ex6_recall_check": "changed the set it was given",
            "ex7_ndcg_check": "changed the set it was given",
        },
    ),
]
