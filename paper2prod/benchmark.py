"""How fast could ALS possibly be here? The arithmetic floor, the timer, and Spark against NumPy.

The floor is the number of floating-point operations ALS cannot avoid, divided
by the best rate this machine reaches on them: a large matrix product (GEMM),
the most cache-friendly arithmetic there is. Real ALS code works on small
matrices (NumPy's small solves keep mostly one core busy, where the floor's
product may use them all), so it never reaches the floor; how far above it a
program stays says how much of the machine it uses. Under the test suite BLAS
runs one thread (conftest.py), so compare ratios from one kind of run only.

Lesson 03 runs a short sweep (Spark ALS, the NumPy ALS-WR of paper2prod.numpy_als,
the floor) inside its time budget; this command runs the long one, up to a few
million synthetic ratings (paper2prod.synthetic.make_ratings):

    python -m paper2prod.benchmark                                  100k, 300k, 1M and 3M ratings
    python -m paper2prod.benchmark --sizes 100000 1000000 --iterations 10

Only the fit is timed, best of --repeats runs: Spark's copy of the table is loaded
and cached first, and one untimed warm-up fit lets the JVM compile its hot code,
as it would have in a long-running job. Machines are shared and noisy, so it
prints seconds and ratios, never a verdict; the load average it prints says how
far to trust them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd


def als_flops(n_ratings: int, n_users: int, n_items: int, rank: int, iterations: int = 1) -> float:
    """Floating-point operations in `iterations` full ALS iterations (users and films).

    Per half-step, every rating adds a symmetric rank-by-rank outer product,
    rank * (rank + 1) operations, and a rank-vector, 2 * rank, to its row's normal
    equations; every row then solves its system by Cholesky, rank**3 / 3, and two
    triangular solves, 2 * rank**2. Both halves see every rating once.
    """
    per_rating = rank * (rank + 1) + 2 * rank
    per_solve = rank**3 / 3 + 2 * rank**2
    return float(iterations * (2 * n_ratings * per_rating + (n_users + n_items) * per_solve))


def gemm_flops_per_second(size: int = 1024, repeats: int = 3) -> float:
    """This machine's best measured rate on a size-by-size float64 matrix product."""
    rng = np.random.default_rng(0)
    a, b = rng.random((size, size)), rng.random((size, size))
    a @ b  # warm up: first calls pay for thread start-up and page faults
    return 2 * size**3 / best_seconds(lambda: a @ b, repeats)


def floor_seconds(
    n_ratings: int, n_users: int, n_items: int, rank: int, iterations: int, flops_per_second: float
) -> float:
    """The arithmetic floor: ALS's operations at the machine's GEMM rate."""
    return als_flops(n_ratings, n_users, n_items, rank, iterations) / flops_per_second


def best_seconds(work, repeats: int = 3, clock=None) -> float:
    """The fastest of `repeats` timed calls of work(): on a shared machine, the least disturbed one.

    `clock` is the wall clock by default; time.thread_time gives the CPU time the calls need, which
    load hardly moves (lesson 02's hidden speed check)."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    clock = clock or time.perf_counter
    times = []
    for _ in range(repeats):
        start = clock()
        work()
        times.append(clock() - start)
    return min(times)


# ---------------------------------------------------------------- Spark ALS against NumPy ALS-WR

DEFAULT_SIZES = [100_000, 300_000, 1_000_000, 3_000_000]


def numpy_fit_seconds(frame: pd.DataFrame, rank: int, iterations: int, reg_param: float, repeats: int = 1) -> float:
    """Seconds for paper2prod.numpy_als.als_wr to fit `frame` (userId, movieId, rating), best of `repeats`."""
    from paper2prod import numpy_als  # released with lesson 03

    users, user_ids = pd.factorize(frame["userId"])  # codes 0..n-1, made before the clock starts
    items, item_ids = pd.factorize(frame["movieId"])
    values = frame["rating"].to_numpy(dtype=float)
    return best_seconds(
        lambda: numpy_als.als_wr(
            users, items, values, len(user_ids), len(item_ids), rank=rank, lam=reg_param, iterations=iterations
        ),
        repeats,
    )


def spark_fit_seconds(spark, frame: pd.DataFrame, estimator, repeats: int = 1) -> float:
    """Seconds for an unfitted Spark `estimator` (an ALS) to fit `frame`, best of `repeats`.

    The table is copied into Spark and cached before the clock starts: on a cluster the
    ratings would already sit in distributed storage."""
    from paper2prod.data import ratings_schema

    table = spark.createDataFrame(frame, schema=ratings_schema()).cache()
    table.count()
    try:
        return best_seconds(lambda: estimator.fit(table), repeats)  # fit materialises the factors
    finally:
        table.unpersist()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paper2prod.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES, help="numbers of ratings")
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--rank", type=int, default=10)
    parser.add_argument("--reg-param", type=float, default=0.2, help="does not change the time")
    parser.add_argument("--repeats", type=int, default=2, help="time each fit this often, keep the fastest")
    args = parser.parse_args(argv)
    if min(args.sizes) < 1_000 or args.iterations < 1 or args.rank < 1 or args.repeats < 1:
        parser.error("sizes must be at least 1000 ratings; iterations, rank and repeats at least 1")
    try:
        from paper2prod import numpy_als  # noqa: F401
    except ImportError:
        print("paper2prod.numpy_als is not in this copy yet: it comes with lesson 03.", file=sys.stderr)
        return 1

    from pyspark.ml.recommendation import ALS

    from paper2prod.spark import ALS_BLOCKS, get_spark, master_url
    from paper2prod.synthetic import make_ratings

    rate = gemm_flops_per_second()
    spark = get_spark("benchmark", conf={"spark.sql.execution.arrow.pyspark.enabled": "true"})

    def spark_als(iterations):
        return ALS(userCol="userId", itemCol="movieId", ratingCol="rating", rank=args.rank,
                   regParam=args.reg_param, maxIter=iterations, seed=0,
                   numUserBlocks=ALS_BLOCKS, numItemBlocks=ALS_BLOCKS)  # fmt: skip

    print(
        f"rank {args.rank}, {args.iterations} iterations, best of {args.repeats} runs; Spark on {master_url()}, "
        f"NumPy in one process; {os.cpu_count()} CPUs, GEMM rate {rate / 1e9:.1f} GFLOP/s, "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    spark_fit_seconds(spark, make_ratings(min(args.sizes), seed=1), spark_als(1))  # warm-up, not counted
    print(
        f"{'ratings':>10} {'users':>7} {'films':>7} {'spark s':>9} {'numpy s':>9} {'floor s':>9} "
        f"{'spark/numpy':>12} {'numpy/floor':>12} {'spark/floor':>12}",
        flush=True,
    )
    for size in sorted(args.sizes):
        frame = make_ratings(size, seed=0)
        n_users, n_items = frame.userId.nunique(), frame.movieId.nunique()
        spark_s = spark_fit_seconds(spark, frame, spark_als(args.iterations), args.repeats)
        numpy_s = numpy_fit_seconds(frame, args.rank, args.iterations, args.reg_param, args.repeats)
        floor_s = floor_seconds(len(frame), n_users, n_items, args.rank, args.iterations, rate)
        print(
            f"{len(frame):>10,} {n_users:>7,} {n_items:>7,} {spark_s:>9.2f} {numpy_s:>9.2f} {floor_s:>9.4f} "
            f"{spark_s / numpy_s:>12.1f} {numpy_s / floor_s:>12.1f} {spark_s / floor_s:>12.1f}",
            flush=True,
        )
    print(f"load at the end: {os.getloadavg()[0]:.1f} (above the number of CPUs, the seconds are inflated)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
