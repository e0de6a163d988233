"""Typical wrong answers for 00-setup. Each replaces one solution cell; the named
test cells must then score zero (all others full marks), and the autograded
output of each must contain `says`, the hint the student will read."""

WRONG_ANSWERS = [
    dict(name="counts-rows-not-users", cell="ex1_counts", loses=["ex1_counts_check"], says="count each user once",
         source="n_ratings = ratings.count()\nn_users = ratings.select('userId').count()\n"
                "n_films = ratings.select('movieId').distinct().count()"),
    dict(name="histogram-unsorted", cell="ex2_histogram", loses=["ex2_histogram_check"], says="Did you sort by rating?",
         source="def rating_histogram(frame):\n"
                "    counts = frame.groupBy('rating').count().toPandas()\n"
                "    return counts.sort_values('count').set_index('rating')['count']"),
    dict(name="share-over-ratings", cell="ex3_rated_once", loses=["ex3_rated_once_check"],
         says="Divide by the number of rated films",
         source="per_film = ratings.groupBy('movieId').count()\n"
                "share_rated_once = per_film.filter('count = 1').count() / ratings.count()"),
]
