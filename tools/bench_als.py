"""Spark ALS against the course's NumPy ALS-WR and the arithmetic floor, as the data grows.

    python -m tools.bench_als                                  100k, 300k, 1M and 3M ratings
    python -m tools.bench_als --sizes 100000 1000000 --iterations 10 --rank 10

Lesson 03 runs a short version of this sweep inside its 90-second budget; this is
the long one. Ratings come from paper2prod.synthetic.make_ratings. Each size is
timed for the fit alone, best of --repeats runs: Spark's copy of the table is
loaded and cached first, and one untimed warm-up fit lets the JVM compile its
hot code, as it would have in a long-running job.

The floor is the arithmetic ALS cannot avoid (paper2prod.benchmark.als_flops) at
this machine's measured matrix-product rate: no implementation gets below it.

A benchmark, not a test: machines are shared and noisy, so it prints seconds and
ratios and never fails on them. The claim to watch (docs/design.md, Budgets): on 100k ratings the
NumPy ALS beats Spark local mode by 10x or more.
"""

from __future__ import annotations

import argparse
import os
import sys

from paper2prod.benchmark import best_seconds

DEFAULT_SIZES = [100_000, 300_000, 1_000_000, 3_000_000]
REG_PARAM = 0.1


def load_numpy_als():
    """Lesson 03's NumPy ALS-WR."""
    from paper2prod import numpy_als

    return numpy_als


def numpy_seconds(numpy_als, frame, rank: int, iterations: int, repeats: int = 1) -> float:
    users, items = frame.userId.to_numpy() - 1, frame.movieId.to_numpy() - 1  # synthetic ids are 1..n
    return best_seconds(
        lambda: numpy_als.als_wr(
            users,
            items,
            frame.rating.to_numpy(),
            int(users.max()) + 1,
            int(items.max()) + 1,
            rank=rank,
            lam=REG_PARAM,
            iterations=iterations,
        ),
        repeats,
    )


def spark_seconds(spark, frame, rank: int, iterations: int, repeats: int = 1) -> float:
    from pyspark.ml.recommendation import ALS

    from paper2prod.data import ratings_schema
    from paper2prod.spark import ALS_BLOCKS

    table = spark.createDataFrame(frame, schema=ratings_schema()).cache()
    table.count()  # load and cache before the clock starts
    als = ALS(
        userCol="userId",
        itemCol="movieId",
        ratingCol="rating",
        rank=rank,
        regParam=REG_PARAM,
        maxIter=iterations,
        seed=0,
        coldStartStrategy="drop",
        numUserBlocks=ALS_BLOCKS,
        numItemBlocks=ALS_BLOCKS,
    )
    seconds = best_seconds(lambda: als.fit(table), repeats)  # fit materialises the factors
    table.unpersist()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_als", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES, help="numbers of ratings")
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--rank", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2, help="time each fit this often, keep the fastest")
    args = parser.parse_args(argv)

    from paper2prod.benchmark import floor_seconds, gemm_flops_per_second
    from paper2prod.spark import get_spark, master_url
    from paper2prod.synthetic import make_ratings

    numpy_als = load_numpy_als()
    rate = gemm_flops_per_second()
    spark = get_spark("bench-als", conf={"spark.sql.execution.arrow.pyspark.enabled": "true"})
    print(
        f"rank {args.rank}, {args.iterations} iterations, regParam {REG_PARAM}, best of {args.repeats} runs; "
        f"Spark on {master_url()}, "
        f"NumPy in one process; {os.cpu_count()} CPUs, machine GEMM rate {rate / 1e9:.1f} GFLOP/s, "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    spark_seconds(spark, make_ratings(min(args.sizes), seed=1), args.rank, 1)  # warm-up, not counted

    header = (
        f"{'ratings':>10} {'users':>7} {'films':>7} {'spark s':>9} {'numpy s':>9} {'floor s':>9} "
        f"{'spark/numpy':>12} {'numpy/floor':>12} {'spark/floor':>12}"
    )
    print(header, flush=True)
    for size in sorted(args.sizes):
        frame = make_ratings(size, seed=0)
        n_users, n_items = frame.userId.nunique(), frame.movieId.nunique()
        spark_s = spark_seconds(spark, frame, args.rank, args.iterations, args.repeats)
        numpy_s = numpy_seconds(numpy_als, frame, args.rank, args.iterations, args.repeats)
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
