"""Typical wrong answers for 00-setup. Each replaces one solution cell (or several, with
`cells`); the named test cells must then score zero (all others full marks), and the
autograded output of each must contain `says`, the hint the student will read."""

WRONG_ANSWERS = [
    dict(
        name="counts-rows-not-users",
        cell="ex1_counts",
        loses=["ex1_counts_check"],
        says="count each user once",
        independent=True,  # no graded cell after ex1_counts_check reads the counts
        source="n_ratings = ratings.count()\nn_users = ratings.select('userId').count()\n"
        "n_films = ratings.select('movieId').distinct().count()",
    ),
    dict(
        name="histogram-unsorted",
        cell="ex2_histogram",
        loses=["ex2_histogram_check"],
        says="Did you sort by rating?",
        independent=True,  # only the plot (not graded) reads the histogram
        source="def rating_histogram(frame):\n"
        "    counts = frame.groupBy('rating').count().toPandas()\n"
        "    return counts.sort_values('count').set_index('rating')['count']",
    ),
    dict(
        name="share-of-the-catalogue",
        cell="ex3_rated_once",
        loses=["ex3_rated_once_check"],
        says="divide by the films that were rated at least once",
        independent=True,  # nothing graded reads the share
        source="per_film = ratings.groupBy('movieId').count()\n"
        "share_rated_once = per_film.filter('count = 1').count() / data.spark_movies(spark, 'ml-latest-small').count()",
    ),
    # The likeliest slip: the counts come back with pandas' row numbers as their index.
    dict(
        name="histogram-row-numbers-films-from-movies-csv",
        cells={
            "ex2_histogram": "def rating_histogram(frame):\n"
            "    counts = frame.groupBy('rating').count().orderBy('rating').toPandas()\n"
            "    return counts['count']",
            "ex1_counts": "n_ratings = ratings.count()\n"
            "n_users = ratings.select('userId').distinct().count()\n"
            "n_films = data.load_movies('ml-latest-small')['movieId'].nunique()",
        },
        loses=["ex1_counts_check", "ex2_histogram_check"],
        says={
            "ex1_counts_check": "the number of films in movies.csv",
            "ex2_histogram_check": "row numbers, not ratings",
        },
    ),
    # Sorting by count happens to look right when counts fall as ratings rise; the visible data avoids that.
    dict(
        name="histogram-by-count-share-over-ratings",
        cells={
            "ex2_histogram": "def rating_histogram(frame):\n"
            "    counts = frame.groupBy('rating').count().orderBy('count', ascending=False)\n"
            "    return counts.toPandas().set_index('rating')['count']",
            "ex3_rated_once": "per_film = ratings.groupBy('movieId').count()\n"
            "share_rated_once = per_film.filter('count = 1').count() / ratings.count()",
        },
        loses=["ex2_histogram_check", "ex3_rated_once_check"],
        says={
            "ex2_histogram_check": "Sorting by count, or descending",
            "ex3_rated_once_check": "Divide by the number of rated films",
        },
    ),
]
